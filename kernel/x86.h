/* x86-64 facts the kernel's C and assembly share: segment selectors, model-specific registers, wrmsr, rdtsc, T_SYSCALL. */
#ifndef KERNEL_X86_H
#define KERNEL_X86_H

#include <mica/abi.h>

/* Segment selectors, in the order kernel/trap.c builds the GDT. */
#define KCODE 0x08
#define KDATA 0x10
#define UDATA USER_SS /* the ABI's user selectors (include/mica/abi.h) */
#define UCODE USER_CS
#define TSSSEL 0x28

/* Model-specific registers. */
#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101

#define T_SYSCALL 0x80 /* trapno kernel/entry.S records for the syscall instruction */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* sysret loads the user selectors from MSR_STAR[63:48]: SS at +8, CS at +16, both with RPL 3. */
_Static_assert(UDATA == ((KDATA + 8) | 3) && UCODE == ((KDATA + 16) | 3), "sysret's selectors follow KDATA");

/* Write v to the model-specific register msr. */
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* The time-stamp counter (under QEMU's -icount shift=0: guest instructions since reset). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
#endif

#endif
