/*
 * The checking helpers every program in tests/linux shares.
 *
 * Each program defines T_NAME before including this, calls CHECK for each
 * fact about Linux it relies on, and returns t_done() from main. A check
 * prints "ok T_NAME/CHECK" or "not ok T_NAME/CHECK: detail"; the program
 * exits 1 if any check failed. The same binary runs on the host and on Mica,
 * so every expectation here is what Linux itself does.
 */
#ifndef TESTS_LINUX_CHECK_H
#define TESTS_LINUX_CHECK_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int t_failed;

/* Print the outcome of one check; detail (printf-style) is shown only on failure. */
__attribute__((format(printf, 3, 4)))
static int check(const char *name, int cond, const char *fmt, ...)
{
	if (cond) {
		printf("ok %s/%s\n", T_NAME, name);
	} else {
		va_list ap;
		printf("not ok %s/%s: ", T_NAME, name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		t_failed++;
	}
	fflush(stdout);
	return cond;
}

/* The detail arguments may be evaluated before cond: make the calls a check reports on first. */
#define CHECK(name, cond, ...) check(name, (cond), __VA_ARGS__)

/* A call that must fail with errno want: r is its result (-1 expected). */
__attribute__((unused)) static int check_err(const char *name, long r, int want)
{
	int e = errno;
	return check(name, r == -1 && e == want, "returned %ld, errno %d (%s); want -1 with errno %d (%s)",
		     r, r == -1 ? e : 0, r == -1 ? strerror(e) : "-", want, strerror(want));
}

/* A call that must succeed (return >= 0). */
__attribute__((unused)) static int check_ok(const char *name, long r)
{
	int e = errno;
	return check(name, r >= 0, "returned %ld, errno %d (%s)", r, e, strerror(e));
}

/* The last path component of p. */
__attribute__((unused)) static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p ? p : "(null)";
}

static int t_done(void)
{
	fflush(stdout);
	return t_failed ? 1 : 0;
}

/* The inode of the socket behind descriptor fd, as its /proc/self/fd link names it (socket:[N]); 0 if none. */
__attribute__((unused)) static unsigned long socket_ino(int fd)
{
	char path[64], link[64] = "";
	unsigned long ino = 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n > 0)
		link[n] = 0, sscanf(link, "socket:[%lu]", &ino);
	return ino;
}

/*
 * Whether /proc/net/TABLE has a row holding text (after its first line, the
 * header) whose inode column (the 10th field of tcp and udp rows, the 7th
 * of unix's) is ino.
 */
__attribute__((unused)) static int procnet_has(const char *table, const char *text, unsigned long ino)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/net/%s", table);
	FILE *f = fopen(path, "r");
	int found = 0, unix_table = strcmp(table, "unix") == 0;
	for (int n = 0; f && !found && fgets(line, sizeof(line), f); n++) {
		char field[10][64];
		unsigned long at = 0;
		if (n == 0 || !strstr(line, text))
			continue;
		if (unix_table)
			found = sscanf(line, "%63s %63s %63s %63s %63s %63s %lu", field[0], field[1], field[2], field[3],
				       field[4], field[5], &at) == 7 && at == ino;
		else
			found = sscanf(line, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %lu", field[0], field[1], field[2],
				       field[3], field[4], field[5], field[6], field[7], field[8], &at) == 10 && at == ino;
	}
	if (f)
		fclose(f);
	return found;
}

#endif
