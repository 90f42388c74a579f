/* A tiny native console shell: lists and runs the programs of the boot image. */
#include "mica.h"
#include "lib/cpio.h"

static long console;

/* The next console byte, sleeping on the console interrupt until one arrives. */
static int getc_wait(void)
{
	for (;;) {
		long c = sys_cgetc();
		if (c >= 0)
			return (int)c;
		if (console > 0)
			sys_ntfn_wait(console, 100000000UL);
		else
			sys_sleep(1000000UL);
	}
}

/* Read a line with echo and backspace; returns its length. */
static size_t readline(char *buf, size_t n)
{
	size_t len = 0;
	for (;;) {
		int c = getc_wait();
		if (c == '\r' || c == '\n') {
			puts_raw("\n");
			buf[len] = 0;
			return len;
		}
		if ((c == 0x7F || c == '\b') && len > 0) {
			len--;
			puts_raw("\b \b");
		} else if (c >= ' ' && len + 1 < n) {
			buf[len++] = (char)c;
			sys_cputs((char *)&buf[len - 1], 1);
		}
	}
}

static void list(void)
{
	const struct mica_start *s = mica_start_info;
	struct cpio_entry e;
	size_t off = 0;
	while (cpio_next((const void *)s->image, s->image_size, &off, &e) == 1)
		printf("%.*s  %zu bytes\n", (int)e.namelen, e.name, e.size);
}

int main(void)
{
	char line[80];

	console = sys_ntfn_create();
	if (console > 0 && sys_irq_bind(CONSOLE_IRQ, console, 1) < 0)
		console = 0;
	printf("Mica native shell. Type a program's name to run it, 'ls' to list them, 'off' to power off.\n");
	for (;;) {
		printf("mica> ");
		if (readline(line, sizeof(line)) == 0)
			continue;
		if (strcmp(line, "ls") == 0) {
			list();
		} else if (strcmp(line, "off") == 0) {
			sys_poweroff(0);
		} else {
			long st = run(line, 0);
			if (st < 0)
				printf("%s: %s\n", line, mica_strerror((int)st));
			else if (st)
				printf("%s: exit status %ld\n", line, st);
		}
	}
}
