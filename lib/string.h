/* Freestanding memory and string routines with the standard C names and meanings. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

/* Copies n bytes from src to dst (they must not overlap); returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
/* Copies n bytes from src to dst, which may overlap; returns dst. */
void *memmove(void *dst, const void *src, size_t n);
/* Fills n bytes at dst with (unsigned char)c; returns dst. */
void *memset(void *dst, int c, size_t n);
/* Compares n bytes as unsigned char: <0, 0 or >0. */
int memcmp(const void *a, const void *b, size_t n);
/* The number of bytes before the terminating NUL. */
size_t strlen(const char *s);
/* Like strlen, but looks at no more than max bytes. */
size_t strnlen(const char *s, size_t max);
/* Compares two strings as unsigned char: <0, 0 or >0. */
int strcmp(const char *a, const char *b);
/* Like strcmp, but compares no more than n bytes. */
int strncmp(const char *a, const char *b, size_t n);
/* The first occurrence of (char)c in s (the NUL counts), or NULL. */
void *memchr(const void *s, int c, size_t n);
char *strchr(const char *s, int c);
/* Copies src into dst of size bytes, truncating and NUL-terminating when
 * size > 0; returns strlen(src), so a result >= size means truncation. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * The n bytes at p (n <= 8) packed into one word without reading past them: all of them when n is 8, else
 * bytes 0..3 and n-4..n-1 (4 <= n < 8), or 0, n/2 and n-1 (1 <= n < 4), low byte first, so that two
 * strings of length n are equal where their words are, and the lowest byte where the words differ comes
 * from the first byte where the strings do. 0 when n is 0.
 */
static inline unsigned long mem_word(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long w = 0;
	unsigned int lo, hi;
	if (n >= 8) {
		__builtin_memcpy(&w, b, 8);
	} else if (n >= 4) {
		__builtin_memcpy(&lo, b, 4);
		__builtin_memcpy(&hi, b + n - 4, 4);
		w = lo | (unsigned long)hi << 32;
	} else if (n) {
		w = b[0] | (unsigned long)b[n / 2] << 8 | (unsigned long)b[n - 1] << 16;
	}
	return w;
}

#endif
