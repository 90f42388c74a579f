/* The length of one x86-64 instruction, from its bytes: where the next one begins. */
#ifndef LX_X86LEN_H
#define LX_X86LEN_H

#include <stddef.h>
#include <stdint.h>

/* What x86_insn decoded of one instruction. */
struct x86_insn {
	int len; /* bytes in all */
	int opcode_at; /* where its opcode byte (after prefixes, REX, VEX or EVEX) is */
	int map; /* 0: one-byte opcodes; 1: 0F; 2: 0F 38; 3: 0F 3A */
	uint8_t opcode;
	uint8_t modrm; /* when it has one (has_modrm) */
	int has_modrm;
	int rip_relative; /* its memory operand is rip + disp32 */
	int prefixed; /* any legacy prefix, REX, VEX or EVEX */
};

/*
 * Decode the instruction at p (n bytes readable there) in 64-bit mode:
 * its length, or 0 when the bytes are not an instruction this decoder
 * knows for certain (invalid in 64-bit mode, AMD's XOP and 3DNow!, longer
 * than 15 bytes, or running past n). A caller that rewrites code treats 0
 * as "leave it alone". *out (may be NULL) receives the details.
 */
int x86_insn(const uint8_t *p, size_t n, struct x86_insn *out);

#endif
