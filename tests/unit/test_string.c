/* Host tests for lib/string.c and lib/errstr.c. */
#define CHECK_SUITE "string"
#include "tests/unit/check.h"

#include <mica/error.h>

#include "lib/string.h"

/* Fills n bytes at p with 0, 1, 2, ... */
static void fill_seq(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
}

TEST(memcpy_copies_exactly_n)
{
	unsigned char src[16], dst[18];

	fill_seq(src, sizeof(src));
	memset(dst, 0xee, sizeof(dst));
	CHECK(memcpy(dst + 1, src, 16) == dst + 1);
	CHECK(dst[0] == 0xee && dst[17] == 0xee);
	for (int i = 0; i < 16; i++)
		CHECK(dst[1 + i] == i);
	CHECK(memcpy(dst, src, 0) == dst && dst[0] == 0xee);
}

TEST(memmove_overlap_forward)
{
	unsigned char b[16];

	fill_seq(b, sizeof(b));
	CHECK(memmove(b + 3, b, 10) == b + 3);
	for (int i = 0; i < 3; i++)
		CHECK(b[i] == i);
	for (int i = 0; i < 10; i++)
		CHECK(b[3 + i] == i);
	CHECK(b[13] == 13 && b[15] == 15);
}

TEST(memmove_overlap_backward)
{
	unsigned char b[16];

	fill_seq(b, sizeof(b));
	CHECK(memmove(b, b + 5, 11) == b);
	for (int i = 0; i < 11; i++)
		CHECK(b[i] == 5 + i);
	CHECK(b[11] == 11 && b[15] == 15);
	fill_seq(b, sizeof(b));
	memmove(b + 4, b + 4, 8);
	for (int i = 0; i < 16; i++)
		CHECK(b[i] == i);
}

TEST(memset_uses_low_byte)
{
	unsigned char b[8] = { 0 };

	CHECK(memset(b + 1, 0x1ab, 6) == b + 1);
	CHECK(b[0] == 0 && b[7] == 0);
	for (int i = 1; i < 7; i++)
		CHECK(b[i] == 0xab);
	memset(b, 'x', 0);
	CHECK(b[0] == 0);
}

TEST(memcmp_is_unsigned)
{
	CHECK(memcmp("abc", "abd", 3) < 0);
	CHECK(memcmp("abd", "abc", 3) > 0);
	CHECK(memcmp("abc", "abd", 2) == 0);
	CHECK(memcmp("\x80", "\x01", 1) > 0);
	CHECK(memcmp("x", "y", 0) == 0);
}

/* The sign of the first difference, a byte at a time: what memcmp must agree with. */
static int sign_of_first_difference(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

TEST(memcmp_finds_the_first_difference_at_every_length)
{
	unsigned char a[40], b[40];

	for (size_t n = 0; n <= 24; n++) {
		for (size_t at = 0; at <= n; at++) {
			for (size_t i = 0; i < sizeof(a); i++)
				a[i] = b[i] = (unsigned char)(i * 7 + 1);
			if (at < n) {
				b[at] = 0x80; /* below, above: unsigned order */
				a[at] = 0x7f;
				if (at + 1 < n)
					a[at + 1] = 0xff; /* a later, larger difference must not decide */
			}
			/* sized exactly, so the sanitizer sees a read past n */
			unsigned char *x = malloc(n ? n : 1), *y = malloc(n ? n : 1);
			memcpy(x, a, n);
			memcpy(y, b, n);
			int r = memcmp(x, y, n), want = sign_of_first_difference(x, y, n);
			CHECK((r < 0 ? -1 : r > 0) == want);
			free(x);
			free(y);
		}
	}
}

TEST(strlen_and_strnlen)
{
	char unterminated[4] = { 'a', 'b', 'c', 'd' };

	CHECK(strlen("") == 0);
	CHECK(strlen("hello") == 5);
	CHECK(strnlen("hello", 3) == 3);
	CHECK(strnlen("hello", 10) == 5);
	CHECK(strnlen("", 0) == 0);
	/* Must not read past max: the sanitizer catches it if it does. */
	CHECK(strnlen(unterminated, sizeof(unterminated)) == 4);
}

TEST(strcmp_orders)
{
	CHECK(strcmp("", "") == 0);
	CHECK(strcmp("abc", "abc") == 0);
	CHECK(strcmp("ab", "abc") < 0);
	CHECK(strcmp("abc", "ab") > 0);
	CHECK(strcmp("\xff", "a") > 0);
	CHECK(strncmp("abcx", "abcy", 3) == 0);
	CHECK(strncmp("abcx", "abcy", 4) < 0);
	CHECK(strncmp("ab", "abc", 5) < 0);
	CHECK(strncmp("a", "b", 0) == 0);
	CHECK(strncmp("same", "same", 100) == 0);
}

TEST(strchr_finds_first_and_nul)
{
	const char *s = "banana";

	CHECK(strchr(s, 'a') == s + 1);
	CHECK(strchr(s, 'b') == s);
	CHECK(strchr(s, 'z') == NULL);
	CHECK(strchr(s, '\0') == s + 6);
	CHECK(strchr(s, 'n' + 256) == s + 2);
}

TEST(strlcpy_truncates_and_terminates)
{
	char b[6];

	memset(b, 'x', sizeof(b));
	CHECK(strlcpy(b, "hi", sizeof(b)) == 2);
	CHECK(strcmp(b, "hi") == 0 && b[3] == 'x');
	CHECK(strlcpy(b, "toolongstring", sizeof(b)) == 13);
	CHECK(strcmp(b, "toolo") == 0);
	CHECK(strlcpy(b, "exact", sizeof(b)) == 5 && strcmp(b, "exact") == 0);
	memset(b, 'x', sizeof(b));
	CHECK(strlcpy(b, "abc", 0) == 3 && b[0] == 'x');
	CHECK(strlcpy(b, "abc", 1) == 3 && b[0] == '\0' && b[1] == 'x');
}

TEST(strerror_names_every_code)
{
	CHECK(strcmp(mica_strerror(E_NOMEM), "E_NOMEM") == 0);
	CHECK(strcmp(mica_strerror(-E_NOMEM), "E_NOMEM") == 0);
	CHECK(strcmp(mica_strerror(-E_BADFMT), "E_BADFMT") == 0);
	CHECK(strcmp(mica_strerror(0), "E_OK") == 0);
	CHECK(strcmp(mica_strerror(E_NERRORS), "E_UNKNOWN") == 0);
	CHECK(strcmp(mica_strerror(-E_NERRORS), "E_UNKNOWN") == 0);
	CHECK(strcmp(mica_strerror(-2147483647 - 1), "E_UNKNOWN") == 0);
	CHECK(strcmp(mica_strerror(2147483647), "E_UNKNOWN") == 0);
	for (int e = 0; e < E_NERRORS; e++) {
		CHECK(strcmp(mica_strerror(e), "E_UNKNOWN") != 0);
		CHECK(strncmp(mica_strerror(-e), "E_", 2) == 0);
	}
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(memcpy_copies_exactly_n);
	RUN(memmove_overlap_forward);
	RUN(memmove_overlap_backward);
	RUN(memset_uses_low_byte);
	RUN(memcmp_is_unsigned);
	RUN(memcmp_finds_the_first_difference_at_every_length);
	RUN(strlen_and_strnlen);
	RUN(strcmp_orders);
	RUN(strchr_finds_first_and_nul);
	RUN(strlcpy_truncates_and_terminates);
	RUN(strerror_names_every_code);
	return CHECK_END();
}
