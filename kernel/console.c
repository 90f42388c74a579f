/* The serial console (16550 UART at COM1), kernel printf, panic and power-off. */
#include "kernel.h"
#include "lib/fmt.h"
#include "kernel/stream.h"

#define COM1 0x3F8
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty: every byte is on the wire */
#define DEBUG_EXIT_PORT 0xF4
#define COM2 0x2F8 /* the status line: the host reads the full exit status here */
#define PANIC_DRAIN_NS 1000000000UL /* a panic waits this long at most for the host to take the streams' bytes */

static bool panicking;

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }

/*
 * 115200 8N1, receive interrupt on (IRQ 4: CONSOLE_IRQ, include/mica/abi.h).
 * The FIFOs stay off: switching them on clears them, and a byte typed ahead
 * of boot that lands in that moment would be lost; with one holding register
 * the host sends the next byte only once this one is read, so none is ever
 * dropped.
 */
void cons_init(void)
{
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);
	outb(COM1 + 2, 0x00);
	outb(COM1 + 4, 0x0B);
	outb(COM1 + 1, 0x01);
}

void cons_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		;
	outb(COM1, (uint8_t)c);
}

void cons_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			cons_putc('\r');
		cons_putc(s[i]);
	}
}

/* A received byte, or -E_AGAIN when none is waiting. */
int cons_getc(void)
{
	if (!(inb(COM1 + 5) & LSR_DR))
		return -E_AGAIN;
	return inb(COM1);
}

static void kputc(void *arg, char c)
{
	(void)arg;
	if (c == '\n')
		cons_putc('\r');
	cons_putc(c);
}

void kvprintf(const char *fmt, va_list ap)
{
	fmt_vformat(kputc, NULL, fmt, ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* Wait until the UART has sent every byte, so power-off loses none. */
static void cons_drain(void)
{
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & LSR_TEMT); i++)
		;
}

/* Write "exit N" on the second serial port, where tools/boot reads the whole status. */
static void report_status(int status)
{
	char buf[24];
	int n = fmt_snprintf(buf, sizeof(buf), "exit %d\n", status);
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < 100000 && !(inb(COM2 + 5) & LSR_THRE); j++)
			;
		outb(COM2, (uint8_t)buf[i]);
	}
}

/*
 * Power off with a status the host sees, once the streams are drained: "exit N" on the second serial port,
 * then QEMU's isa-debug-exit device (port 0xF4), which ends QEMU with exit
 * code status*2+1 (only 8 bits of it survive). Without it, try ACPI (q35/pc
 * PM1a control at 0x604), then the i8042 reset line, then halt forever.
 */
void poweroff(int status)
{
	__asm__ volatile("cli");
	stream_drain(panicking ? PANIC_DRAIN_NS : 0); /* every byte written to a stream reaches the host first */
	report_status(status);
	cons_drain();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	outw(0x604, 0x2000);
	outb(0x64, 0xFE);
	for (;;)
		__asm__ volatile("hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;
	uint64_t rbp;

	__asm__ volatile("cli; mov %%rbp, %0" : "=r"(rbp));
	panicking = true;
	kprintf("\nkernel panic: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace(rbp);
	poweroff(255);
}
