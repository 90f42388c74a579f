/* Host tests for libos/lx/x86len.c: chosen encodings, and every instruction of a real library as objdump splits it. */
#define CHECK_SUITE "x86len"
#include "tests/unit/check.h"

#include <string.h>

#include "libos/lx/x86len.h"

/* The length x86_insn gives for the bytes of s (hex, spaces ignored), with 15 bytes of int3 after them. */
static int len_of(const char *s)
{
	uint8_t b[64];
	size_t n = 0;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		unsigned v;
		sscanf(s, "%2x", &v);
		b[n++] = (uint8_t)v;
		s++;
	}
	memset(b + n, 0xcc, 15);
	return x86_insn(b, n + 15, NULL);
}

TEST(known_encodings)
{
	CHECK(len_of("0f 05") == 2); /* syscall */
	CHECK(len_of("b8 27 00 00 00") == 5); /* mov $39, %eax */
	CHECK(len_of("48 b8 01 02 03 04 05 06 07 08") == 10); /* movabs */
	CHECK(len_of("66 b8 01 02") == 4); /* mov $imm16, %ax */
	CHECK(len_of("c3") == 1);
	CHECK(len_of("e8 00 00 00 00") == 5);
	CHECK(len_of("48 8d 05 10 00 00 00") == 7); /* lea rip-relative */
	CHECK(len_of("8b 44 24 08") == 4); /* SIB, disp8 */
	CHECK(len_of("8b 04 25 00 10 00 00") == 7); /* SIB with no base: disp32 */
	CHECK(len_of("f7 c7 01 00 00 00") == 6); /* test $1, %edi */
	CHECK(len_of("f7 d8") == 2); /* neg */
	CHECK(len_of("66 2e 0f 1f 84 00 00 00 00 00") == 10); /* the long nop */
	CHECK(len_of("f3 0f 1e fa") == 4); /* endbr64 */
	CHECK(len_of("c5 f9 6f 07") == 4); /* vmovdqa (%rdi), %xmm0 */
	CHECK(len_of("c4 e3 79 0f c1 08") == 6); /* vpalignr: map 0F 3A, imm8 */
	CHECK(len_of("62 f1 fe 48 6f 07") == 6); /* vmovdqu64 (%rdi), %zmm0 */
	CHECK(len_of("c5 f8 77") == 3); /* vzeroupper: no ModRM */
	CHECK(len_of("c8 10 00 00") == 4); /* enter */
	CHECK(len_of("a1 00 00 00 00 00 00 00 00") == 9); /* mov moffs64, %eax */
	CHECK(len_of("0f 84 00 00 00 00") == 6); /* je rel32 */
	CHECK(len_of("0f 23 87") == 3); /* mov %rdi, %db0: no memory form */
	CHECK(len_of("9b") == 1); /* fwait, an instruction of its own */
	CHECK(len_of("06") == 0); /* push %es: gone in 64-bit mode */
	CHECK(len_of("8f c8 00") == 0); /* AMD's XOP */
	CHECK(len_of("0f 0f c1 b4") == 0); /* 3DNow! */
	CHECK(len_of("66 e8 00 00") == 0); /* a near call with 66: vendors differ */
	CHECK(len_of("48 c5 f9 6f 07") == 0); /* REX before VEX */
	uint8_t cut[] = { 0x48, 0x8d, 0x05, 0x10 }; /* lea cut short */
	CHECK(x86_insn(cut, sizeof(cut), NULL) == 0);
	uint8_t long_[16];
	memset(long_, 0x66, sizeof(long_)); /* more than 15 bytes of prefixes */
	CHECK(x86_insn(long_, sizeof(long_), NULL) == 0);
}

TEST(details)
{
	uint8_t lea[] = { 0x48, 0x8d, 0x05, 0x10, 0, 0, 0 }, mov[] = { 0xb8, 0x27, 0, 0, 0 };
	struct x86_insn d;
	CHECK(x86_insn(lea, sizeof(lea), &d) == 7 && d.rip_relative && d.prefixed && d.opcode == 0x8d);
	CHECK(x86_insn(mov, sizeof(mov), &d) == 5 && !d.rip_relative && !d.prefixed && d.opcode == 0xb8 && d.map == 0 &&
	      d.opcode_at == 0);
}

/* One instruction of `objdump -d -w`: its bytes into b, their number, or -1 for a line that is no instruction. */
static int parse_line(const char *line, uint8_t *b, int *bad)
{
	const char *tab = strchr(line, '\t'), *end;
	if (!tab || tab == line || tab[-1] != ':')
		return -1;
	end = strchr(tab + 1, '\t');
	/* objdump's own non-instructions: undecodable bytes, and a prefix it shows alone (data in code, mostly) */
	*bad = !end || strstr(end, "(bad)") || strstr(end, ".byte") || strstr(end, "rex") ||
	       !strncmp(end + 1, "data16", 6) || !strncmp(end + 1, "addr32", 6);
	int n = 0;
	for (const char *s = tab + 1; s < (end ? end : s + strlen(s)) && n < 15;) {
		unsigned v;
		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		b[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/*
 * argv[1], a listing from `objdump -d -w` of the host's libc: wherever objdump
 * saw an instruction, x86_insn gives its length or refuses it (0); never a
 * wrong length. Refusals must be few (AMD-only encodings and the like).
 */
TEST(objdump_listing)
{
	if (check_state.argc < 2) {
		SKIP("no objdump listing given");
	}
	FILE *f = fopen(check_state.argv[1], "r");
	REQUIRE(f);
	char line[512];
	long seen = 0, wrong = 0, refused = 0;
	while (fgets(line, sizeof(line), f)) {
		uint8_t b[32];
		int bad, n = parse_line(line, b, &bad);
		if (n <= 0 || bad)
			continue;
		memset(b + n, 0x90, 15); /* what follows: decoding must stop at n, not run on */
		int got = x86_insn(b, (size_t)n + 15, NULL);
		seen++;
		if (got == 0)
			refused++;
		else if (got != n && !(b[0] == 0x9b && got == 1)) { /* objdump shows fwait with the x87 op after it */
			if (wrong++ < 20)
				fprintf(stderr, "x86len: %d, objdump %d: %s", got, n, line);
		}
	}
	fclose(f);
	fprintf(stderr, "x86len: %ld instructions, %ld refused, %ld wrong\n", seen, refused, wrong);
	CHECK(seen > 100000);
	CHECK(wrong == 0);
	CHECK(refused * 1000 < seen);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(known_encodings);
	RUN(details);
	RUN(objdump_listing);
	return CHECK_END();
}
