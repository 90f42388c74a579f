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

#endif
