/* The lib/string.h routines: x86-64 string instructions for bulk copies and fills, words for comparing. */
#include "lib/string.h"

#include <stdint.h>

/*
 * gcc may recognise a copy or fill loop and replace it with a call to
 * memcpy or memset, which inside memcpy itself would recurse forever.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LOOP_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LOOP_CALLS
#endif

/*
 * Bulk work goes through `rep movsq` / `rep stosq`, eight bytes a step
 * (each step is one guest instruction under QEMU's instruction counting,
 * and fast on real CPUs); the remaining 0..7 bytes through `rep movsb`.
 */

/* Copies n bytes forward from src to dst; returns dst. */
NO_LOOP_CALLS void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;
	size_t words = n / 8, rest = n % 8;

	__asm__ volatile("rep movsq\n\tmov %3, %%rcx\n\trep movsb"
			 : "+D"(d), "+S"(src), "+c"(words)
			 : "r"(rest)
			 : "memory");
	return dst;
}

/* Copies forward when dst is below src, else backward, so that an overlap
 * never reads a byte already overwritten; returns dst. */
NO_LOOP_CALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d <= (uintptr_t)s || (uintptr_t)d >= (uintptr_t)s + n) {
		memcpy(d, s, n); /* forward copying never reads a byte it already wrote */
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

/* Stores (unsigned char)c into n bytes at dst; returns dst. */
NO_LOOP_CALLS void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n / 8, rest = n % 8;
	uint64_t pattern = 0x0101010101010101ULL * (unsigned char)c;

	__asm__ volatile("rep stosq\n\tmov %3, %%rcx\n\trep stosb"
			 : "+D"(d), "+c"(words), "+a"(pattern)
			 : "r"(rest)
			 : "memory");
	return dst;
}

/* The difference of the lowest differing bytes of x and y (as unsigned char), 0 when x == y. */
static int word_diff(uint64_t x, uint64_t y)
{
	if (x == y)
		return 0;
	int shift = __builtin_ctzll(x ^ y) & ~7;
	return (int)(x >> shift & 0xff) - (int)(y >> shift & 0xff);
}

/* Returns the difference of the first differing bytes (as unsigned char),
 * or 0 if the n bytes are equal. Eight bytes a step, the last 0..7 in one
 * more (mem_word keeps their order). */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t u, v;
		__builtin_memcpy(&u, x + i, 8);
		__builtin_memcpy(&v, y + i, 8);
		if (u != v)
			return word_diff(u, v);
	}
	return word_diff(mem_word(x + i, n - i), mem_word(y + i, n - i));
}

/* Returns the number of bytes before the NUL. */
size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/* Returns the number of bytes before the NUL, or max if none is found in
 * the first max bytes (bytes beyond max are never read). */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* Returns <0, 0 or >0 as a sorts before, equal to or after b, comparing
 * at most n bytes as unsigned char. */
int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			return 0;
	}
	return 0;
}

/* Returns <0, 0 or >0 as a sorts before, equal to or after b. */
int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

/* Returns a pointer to the first byte (unsigned char)c in s[0, n), or NULL if there is none. */
void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

/* Returns a pointer to the first (char)c in s, the terminating NUL
 * included, or NULL if there is none. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Copies at most size-1 bytes of src and a NUL into dst (nothing when
 * size is 0); returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
