/* The length of one x86-64 instruction, from its bytes: where the next one begins. */
#include "libos/lx/x86len.h"

/* How many bytes of immediate follow the ModRM (or the opcode). */
enum imm { IMM_NONE, IMM_B, IMM_W, IMM_Z, IMM_V, IMM_ENTER, IMM_MOFFS, IMM_REL32 };

/* An opcode's shape: it does not exist in 64-bit mode (bad), has a ModRM byte, and which immediate. */
struct shape {
	int bad, modrm;
	enum imm imm;
};

/* The one-byte opcodes (prefixes, REX, VEX and EVEX are taken off before). */
static struct shape one_byte(uint8_t op)
{
	struct shape s = { 0, 0, IMM_NONE };
	if (op < 0x40) { /* the eight arithmetic groups: ModRM forms, then AL/eAX with an immediate */
		int low = op & 7;
		s.modrm = low < 4;
		s.imm = low == 4 ? IMM_B : low == 5 ? IMM_Z : IMM_NONE;
		s.bad = low >= 6; /* push/pop of segments, daa and the rest: gone in 64-bit mode */
		return s;
	}
	if (op >= 0x50 && op <= 0x5f)
		return s;
	if (op >= 0x70 && op <= 0x7f) /* jcc rel8 */
		return (struct shape){ 0, 0, IMM_B };
	if ((op >= 0x84 && op <= 0x8f) || (op >= 0xd0 && op <= 0xd3) || (op >= 0xd8 && op <= 0xdf) || op == 0x63 ||
	    op == 0xfe || op == 0xff)
		return (struct shape){ 0, 1, IMM_NONE };
	if ((op >= 0x91 && op <= 0x99) || (op >= 0x9b && op <= 0x9f) || (op >= 0xa4 && op <= 0xa7) ||
	    (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f) || (op >= 0xec && op <= 0xef) ||
	    (op >= 0xf8 && op <= 0xfd))
		return s;
	if ((op >= 0xb0 && op <= 0xb7) || (op >= 0xe0 && op <= 0xe7))
		return (struct shape){ 0, 0, IMM_B };
	if (op >= 0xb8 && op <= 0xbf)
		return (struct shape){ 0, 0, IMM_V };
	if (op >= 0xa0 && op <= 0xa3)
		return (struct shape){ 0, 0, IMM_MOFFS };
	switch (op) {
	case 0x68:
	case 0xa9:
		return (struct shape){ 0, 0, IMM_Z };
	case 0x69:
	case 0x81:
	case 0xc7:
		return (struct shape){ 0, 1, IMM_Z };
	case 0x6a:
	case 0xa8:
	case 0xcd:
	case 0xeb:
		return (struct shape){ 0, 0, IMM_B };
	case 0x6b:
	case 0x80:
	case 0x83:
	case 0xc0:
	case 0xc1:
	case 0xc6:
		return (struct shape){ 0, 1, IMM_B };
	case 0xc2:
	case 0xca:
		return (struct shape){ 0, 0, IMM_W };
	case 0xc8:
		return (struct shape){ 0, 0, IMM_ENTER };
	case 0xe8:
	case 0xe9:
		return (struct shape){ 0, 0, IMM_REL32 };
	case 0x90:
	case 0xc3:
	case 0xc9:
	case 0xcb:
	case 0xcc:
	case 0xcf:
	case 0xd7:
	case 0xf1:
	case 0xf4:
	case 0xf5:
		return s;
	case 0xf6:
	case 0xf7:
		return (struct shape){ 0, 1, IMM_NONE }; /* test's immediate: by ModRM.reg, below */
	}
	s.bad = 1; /* 60 61 82 9a ce d4 d5 d6 ea, and anything not listed */
	return s;
}

/* The two-byte opcodes, 0F xx (0F 38 and 0F 3A are the three-byte maps, handled apart). */
static struct shape two_byte(uint8_t op)
{
	struct shape s = { 0, 1, IMM_NONE };
	if ((op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba || op == 0xc2 ||
	    (op >= 0xc4 && op <= 0xc6))
		s.imm = IMM_B;
	else if (op >= 0x80 && op <= 0x8f)
		return (struct shape){ 0, 0, IMM_REL32 };
	else if ((op >= 0x05 && op <= 0x09) || op == 0x0b || (op >= 0x30 && op <= 0x35) || op == 0x37 || op == 0x77 ||
		 (op >= 0xa0 && op <= 0xa2) || (op >= 0xa8 && op <= 0xaa) || (op >= 0xc8 && op <= 0xcf))
		s.modrm = 0;
	else if (op == 0x04 || op == 0x0a || op == 0x0c || op == 0x0e || op == 0x0f || (op >= 0x24 && op <= 0x27) ||
		 op == 0x36 || op == 0x39 || (op >= 0x3b && op <= 0x3f) || op == 0x7a || op == 0x7b || op == 0xa6 ||
		 op == 0xa7)
		s.bad = 1; /* reserved, AMD's femms and 3DNow!, and the rest of the 0F 3x row */
	return s;
}

/* The ModRM byte at p and what it brings (SIB, displacement): its bytes, or 0 past n. */
static int modrm_len(const uint8_t *p, size_t n, int *rip_relative)
{
	if (n < 1)
		return 0;
	int mod = p[0] >> 6, rm = p[0] & 7, len = 1;
	*rip_relative = 0;
	if (mod == 3)
		return 1;
	if (rm == 4) {
		if (n < 2)
			return 0;
		len = 2;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4;
	} else if (mod == 0 && rm == 5) {
		len += 4;
		*rip_relative = 1;
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return (size_t)len <= n ? len : 0;
}

/* Bytes of an immediate of kind imm, given the operand-size (66) and address-size (67) prefixes and REX.W. */
static int imm_len(enum imm imm, int opsize16, int addr32, int rexw)
{
	switch (imm) {
	case IMM_NONE:
		return 0;
	case IMM_B:
		return 1;
	case IMM_W:
		return 2;
	case IMM_Z:
		return opsize16 && !rexw ? 2 : 4;
	case IMM_V:
		return rexw ? 8 : opsize16 ? 2 : 4;
	case IMM_ENTER:
		return 3;
	case IMM_MOFFS:
		return addr32 ? 4 : 8;
	case IMM_REL32:
		return 4;
	}
	return 0;
}

/* The shape of opcode op in VEX or EVEX map `map` (1: 0F, 2: 0F 38, 3: 0F 3A); bad for the maps that do not exist. */
static struct shape vex_shape(int map, uint8_t op)
{
	if (map == 2)
		return (struct shape){ 0, 1, IMM_NONE };
	if (map == 3)
		return (struct shape){ 0, 1, IMM_B };
	if (map != 1)
		return (struct shape){ 1, 0, IMM_NONE };
	if (op == 0x77) /* vzeroupper, vzeroall */
		return (struct shape){ 0, 0, IMM_NONE };
	int imm8 = (op >= 0x70 && op <= 0x73) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6);
	return (struct shape){ 0, 1, imm8 ? IMM_B : IMM_NONE };
}

int x86_insn(const uint8_t *p, size_t n, struct x86_insn *out)
{
	struct x86_insn d = { 0 };
	size_t i = 0;
	int opsize16 = 0, addr32 = 0, rexw = 0, lockrep = 0, rex = 0;
	if (n > 15)
		n = 15; /* no instruction is longer */
	for (; i < n; i++) { /* legacy prefixes, in any order */
		uint8_t b = p[i];
		if (b == 0x66)
			opsize16 = 1;
		else if (b == 0x67)
			addr32 = 1;
		else if (b == 0xf0 || b == 0xf2 || b == 0xf3)
			lockrep = 1;
		else if (b != 0x26 && b != 0x2e && b != 0x36 && b != 0x3e && b != 0x64 && b != 0x65)
			break;
		d.prefixed = 1;
	}
	if (i < n && (p[i] & 0xf0) == 0x40) { /* REX: counts only right before the opcode */
		rexw = (p[i] >> 3) & 1;
		rex = 1;
		d.prefixed = 1;
		i++;
	}
	if (i >= n)
		return 0;
	struct shape s;
	uint8_t b = p[i];
	if (b == 0xc4 || b == 0xc5 || b == 0x62) { /* VEX (three- or two-byte) or EVEX: always so in 64-bit mode */
		if (rex || opsize16 || lockrep)
			return 0; /* REX, 66, F0, F2 or F3 before them is #UD */
		size_t extra = b == 0xc5 ? 1 : b == 0xc4 ? 2 : 3;
		if (i + extra + 1 >= n)
			return 0;
		d.map = b == 0xc5 ? 1 : p[i + 1] & (b == 0x62 ? 0x07 : 0x1f);
		if (b == 0xc4)
			rexw = p[i + 2] >> 7;
		d.prefixed = 1;
		i += extra + 1;
		d.opcode = p[i];
		s = vex_shape(d.map, d.opcode);
	} else if (b == 0x0f) {
		if (i + 1 >= n)
			return 0;
		uint8_t b2 = p[i + 1];
		if (b2 == 0x38 || b2 == 0x3a) {
			if (i + 2 >= n)
				return 0;
			d.map = b2 == 0x38 ? 2 : 3;
			i += 2;
			d.opcode = p[i];
			s = (struct shape){ 0, 1, b2 == 0x3a ? IMM_B : IMM_NONE };
		} else {
			d.map = 1;
			i += 1;
			d.opcode = b2;
			s = two_byte(b2);
		}
	} else {
		d.opcode = b;
		s = one_byte(b);
	}
	if (s.bad)
		return 0;
	if (s.imm == IMM_REL32 && opsize16)
		return 0; /* a near branch with 66: Intel and AMD read it differently */
	d.opcode_at = (int)i;
	i++;
	if (s.modrm) {
		if (i >= n)
			return 0;
		d.has_modrm = 1;
		d.modrm = p[i];
		if (d.map == 0 && d.opcode == 0x8f && (d.modrm & 0x38))
			return 0; /* AMD's XOP */
		if (d.map == 0 && (d.opcode == 0xf6 || d.opcode == 0xf7) && (d.modrm & 0x38) < 0x10)
			s.imm = d.opcode == 0xf6 ? IMM_B : IMM_Z; /* test r/m, imm */
		/* mov to and from control and debug registers: register operands whatever ModRM.mod says */
		int m = d.map == 1 && d.opcode >= 0x20 && d.opcode <= 0x23 ? 1
									   : modrm_len(p + i, n - i, &d.rip_relative);
		if (!m)
			return 0;
		i += (size_t)m;
	}
	i += (size_t)imm_len(s.imm, opsize16, addr32, rexw);
	if (i > n)
		return 0;
	d.len = (int)i;
	if (out)
		*out = d;
	return d.len;
}
