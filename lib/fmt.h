/* printf-style formatting into a character callback, and snprintf on top of it. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define FMT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FMT_PRINTF(f, a)
#endif

/*
 * Formats fmt with ap, handing each character to put(arg, c); returns the
 * number of characters produced (saturating at INT_MAX). Supports
 * %d %i %u %x %X %o %p %s %c %%, the lengths hh h l ll z j t, the flags
 * - 0 + space #, and width and precision, either of which may be '*'.
 * %p prints 0x and lowercase hex; a NULL %s prints "(null)". Anything
 * else (including %n and floating point) is copied out literally. No
 * error is possible; a NULL fmt produces nothing.
 */
int fmt_vformat(void (*put)(void *arg, char c), void *arg, const char *fmt,
		va_list ap);

/*
 * Formats into buf of n bytes, always NUL-terminating when n > 0; returns
 * the length the whole output would have had (as C99 snprintf), so a
 * result >= n means the output was truncated. buf may be NULL if n is 0.
 */
int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

/* fmt_vsnprintf with variable arguments; same result. */
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) FMT_PRINTF(3, 4);

#endif
