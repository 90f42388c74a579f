/* Host tests for lib/fmt.c, checked by hand and against the host's snprintf. */
#define CHECK_SUITE "fmt"
#include "tests/unit/check.h"

#include <stdint.h>

#include "lib/fmt.h"
#include "lib/string.h"

/* Returns true if formatting fmt gives exactly expect, and the returned
 * length is its length. */
static bool fmt_is(const char *expect, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n != (int)strlen(expect) || strcmp(buf, expect) != 0) {
		printf("# \"%s\" gave \"%s\" (%d), want \"%s\"\n", fmt, buf, n, expect);
		return false;
	}
	return true;
}

TEST(plain_text_and_percent)
{
	CHECK(fmt_is("", ""));
	CHECK(fmt_is("hello", "hello"));
	CHECK(fmt_is("100%", "100%%"));
	CHECK(fmt_is("%%", "%%%%"));
}

TEST(decimal)
{
	CHECK(fmt_is("0", "%d", 0));
	CHECK(fmt_is("-42", "%d", -42));
	CHECK(fmt_is("42", "%i", 42));
	CHECK(fmt_is("-2147483648", "%d", INT32_MIN));
	CHECK(fmt_is("2147483647", "%d", INT32_MAX));
	CHECK(fmt_is("4294967295", "%u", UINT32_MAX));
	CHECK(fmt_is("4294967295", "%u", -1));
}

TEST(hex_and_octal)
{
	CHECK(fmt_is("ff", "%x", 255));
	CHECK(fmt_is("FF", "%X", 255));
	CHECK(fmt_is("deadbeef", "%x", 0xdeadbeefu));
	CHECK(fmt_is("777", "%o", 0777));
	CHECK(fmt_is("0", "%x", 0));
	CHECK(fmt_is("0", "%o", 0));
}

TEST(length_modifiers)
{
	CHECK(fmt_is("44", "%hhu", 300));
	CHECK(fmt_is("-1", "%hhd", 255));
	CHECK(fmt_is("ff", "%hhx", 0x1ff));
	CHECK(fmt_is("4464", "%hu", 70000));
	CHECK(fmt_is("-32768", "%hd", 32768));
	CHECK(fmt_is("-9223372036854775808", "%ld", (long)INT64_MIN));
	CHECK(fmt_is("18446744073709551615", "%lu", (unsigned long)UINT64_MAX));
	CHECK(fmt_is("-9223372036854775808", "%lld", (long long)INT64_MIN));
	CHECK(fmt_is("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX));
	CHECK(fmt_is("18446744073709551615", "%zu", SIZE_MAX));
	CHECK(fmt_is("-1", "%zd", SIZE_MAX));
	CHECK(fmt_is("-9223372036854775808", "%jd", INTMAX_MIN));
	CHECK(fmt_is("ffffffffffffffff", "%jx", UINTMAX_MAX));
	CHECK(fmt_is("-5", "%td", (ptrdiff_t)-5));
	CHECK(fmt_is("7 8", "%ld %d", 7L, 8));
}

TEST(flags)
{
	CHECK(fmt_is("+5", "%+d", 5));
	CHECK(fmt_is("-5", "%+d", -5));
	CHECK(fmt_is(" 5", "% d", 5));
	CHECK(fmt_is("+5", "%+ d", 5));
	CHECK(fmt_is("5", "%+u", 5));
	CHECK(fmt_is("00042", "%05d", 42));
	CHECK(fmt_is("-0042", "%05d", -42));
	CHECK(fmt_is("+0042", "%+05d", 42));
	CHECK(fmt_is("42   |", "%-5d|", 42));
	CHECK(fmt_is("42   |", "%-05d|", 42));
	CHECK(fmt_is("0xff", "%#x", 255));
	CHECK(fmt_is("0XFF", "%#X", 255));
	CHECK(fmt_is("0", "%#x", 0));
	CHECK(fmt_is("010", "%#o", 8));
	CHECK(fmt_is("0", "%#o", 0));
	CHECK(fmt_is("0x00ff", "%#06x", 255));
}

TEST(width_and_precision)
{
	CHECK(fmt_is("   42", "%5d", 42));
	CHECK(fmt_is("00042", "%.5d", 42));
	CHECK(fmt_is("  00042", "%7.5d", 42));
	CHECK(fmt_is("   42", "%05.2d", 42));
	CHECK(fmt_is("-00042", "%.5d", -42));
	CHECK(fmt_is("", "%.0d", 0));
	CHECK(fmt_is("", "%.d", 0));
	CHECK(fmt_is("   ", "%3.0d", 0));
	CHECK(fmt_is("0", "%#.0o", 0));
	CHECK(fmt_is("", "%#.0x", 0));
	CHECK(fmt_is("0012", "%#.4o", 012));
	CHECK(fmt_is("12345", "%2d", 12345));
}

TEST(star_width_and_precision)
{
	CHECK(fmt_is("   42", "%*d", 5, 42));
	CHECK(fmt_is("42   |", "%*d|", -5, 42));
	CHECK(fmt_is("00042", "%.*d", 5, 42));
	CHECK(fmt_is("42", "%.*d", -3, 42));
	CHECK(fmt_is("  007", "%*.*d", 5, 3, 7));
	CHECK(fmt_is("ab", "%.*s", 2, "abcdef"));
	CHECK(fmt_is("x   |", "%-*c|", 4, 'x'));
}

TEST(pointer)
{
	CHECK(fmt_is("0x1234", "%p", (void *)0x1234));
	CHECK(fmt_is("0x0", "%p", NULL));
	CHECK(fmt_is("0xffffffff80000000", "%p", (void *)0xffffffff80000000ul));
	CHECK(fmt_is("  0xab", "%6p", (void *)0xab));
	CHECK(fmt_is("0xab  |", "%-6p|", (void *)0xab));
	CHECK(fmt_is("0x00ab", "%06p", (void *)0xab));
}

TEST(strings_and_chars)
{
	CHECK(fmt_is("hi", "%s", "hi"));
	CHECK(fmt_is("(null)", "%s", (char *)NULL));
	CHECK(fmt_is("   hi", "%5s", "hi"));
	CHECK(fmt_is("hi   |", "%-5s|", "hi"));
	CHECK(fmt_is("hel", "%.3s", "hello"));
	CHECK(fmt_is("  hel", "%5.3s", "hello"));
	CHECK(fmt_is("", "%.0s", "hello"));
	CHECK(fmt_is("a", "%c", 'a'));
	CHECK(fmt_is("  a", "%3c", 'a'));
	CHECK(fmt_is("a  |", "%-3c|", 'a'));
	CHECK(fmt_is("[x]", "[%c]", 'x' + 256));
}

TEST(unterminated_precision_string)
{
	char raw[3] = { 'a', 'b', 'c' }; /* no NUL: %.3s must not read past */

	CHECK(fmt_is("abc", "%.3s", raw));
	CHECK(fmt_is("ab", "%.2s", raw));
}

TEST(unknown_conversions_are_literal)
{
	CHECK(fmt_is("%y", "%y"));
	CHECK(fmt_is("%5y|7", "%5y|%d", 7));
	CHECK(fmt_is("%-08.3lly", "%-08.3lly"));
	CHECK(fmt_is("abc%", "abc%"));
	CHECK(fmt_is("%5", "%5"));
	CHECK(fmt_is("%l", "%l"));
	CHECK(fmt_is("%hh", "%hh"));
	CHECK(fmt_is("%f", "%f", 1.5));
	CHECK(fmt_is("%n", "%n", (int *)NULL));
}

TEST(snprintf_truncates)
{
	char *buf = malloc(5); /* exact size so an overrun is caught */

	REQUIRE(buf != NULL);
	memset(buf, 'x', 5);
	CHECK(fmt_snprintf(buf, 5, "hello world") == 11);
	CHECK(strcmp(buf, "hell") == 0);
	CHECK(fmt_snprintf(buf, 5, "%d", 12345) == 5 && strcmp(buf, "1234") == 0);
	CHECK(fmt_snprintf(buf, 5, "%d", 1234) == 4 && strcmp(buf, "1234") == 0);
	memset(buf, 'x', 5);
	CHECK(fmt_snprintf(buf, 1, "abc") == 3 && buf[0] == '\0' && buf[1] == 'x');
	CHECK(fmt_snprintf(buf, 0, "abc") == 3 && buf[0] == '\0');
	CHECK(fmt_snprintf(NULL, 0, "%s=%d", "key", 100) == 7);
	CHECK(fmt_snprintf(buf, 5, "%s", "") == 0 && buf[0] == '\0');
	free(buf);
}

/* Appends each character to a counted buffer. */
static void collect_put(void *arg, char c)
{
	char *buf = arg;
	size_t n = strlen(buf);

	if (n + 1 < 64) {
		buf[n] = c;
		buf[n + 1] = '\0';
	}
}

/* Calls fmt_vformat with a variable argument list. */
static int format_to(char *buf, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(collect_put, buf, fmt, ap);
	va_end(ap);
	return n;
}

TEST(vformat_calls_back_per_char)
{
	char buf[64] = "";

	CHECK(format_to(buf, "%s-%03d", "id", 7) == 6);
	CHECK(strcmp(buf, "id-007") == 0);
	buf[0] = '\0';
	CHECK(format_to(buf, NULL) == 0 && buf[0] == '\0');
}

/* Compares fmt_snprintf with the host's snprintf for one integer format;
 * returns true if they agree. */
static bool same_as_host(const char *fmt, long long v)
{
	char mine[128], host[128];
	int a = fmt_snprintf(mine, sizeof(mine), fmt, v);
	int b = snprintf(host, sizeof(host), fmt, v);

	if (a == b && strcmp(mine, host) == 0)
		return true;
	printf("# %s with %lld: \"%s\" (%d), host \"%s\" (%d)\n", fmt, v, mine, a,
	       host, b);
	return false;
}

TEST(integers_agree_with_host_snprintf)
{
	static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-+",
					     "0 ", "#0", "-#", "+0#", "- 0" };
	static const char *const sizes[] = { "", "5", "12", ".0", ".3", "8.4",
					     "1.1", "20.18" };
	static const char conv[] = "diuxXo";
	static const long long values[] = { 0, 1, -1, 7, -42, 255, 65536,
					    INT64_MIN, INT64_MAX, -32769 };
	char fmt[32];

	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (size_t c = 0; conv[c]; c++) {
				snprintf(fmt, sizeof(fmt), "[%%%s%sll%c]",
					 flags[f], sizes[s], conv[c]);
				for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
					CHECK(same_as_host(fmt, values[v]));
			}
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(plain_text_and_percent);
	RUN(decimal);
	RUN(hex_and_octal);
	RUN(length_modifiers);
	RUN(flags);
	RUN(width_and_precision);
	RUN(star_width_and_precision);
	RUN(pointer);
	RUN(strings_and_chars);
	RUN(unterminated_precision_string);
	RUN(unknown_conversions_are_literal);
	RUN(snprintf_truncates);
	RUN(vformat_calls_back_per_char);
	RUN(integers_agree_with_host_snprintf);
	return CHECK_END();
}
