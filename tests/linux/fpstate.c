/*
 * A forked child and a new thread start with their creator's floating-point
 * state, as Linux copies it: the SSE registers, MXCSR and the x87 control
 * word hold, right after the fork or clone returns, what they held when it
 * was made. The raw system call is made from assembly, so that nothing
 * between the values' loading and their reading could change them.
 */
#define _GNU_SOURCE
#define T_NAME "fpstate"
#include "check.h"

#include <fenv.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MXCSR_WANT (0x1F80 | 0x6000) /* all exceptions masked, rounding toward zero */
#define X87_CW_WANT 0x0C7F /* all exceptions masked, double precision off, rounding toward zero */

/* What the registers held right after the call, in the process or thread that reads them. */
struct fp {
	uint64_t xmm[16][2];
	uint32_t mxcsr;
	uint16_t cw;
};

const uint64_t pattern[16][2] = {
	{ 0x1111111111111111, 0x1010101010101010 }, { 0x2222222222222222, 0x2020202020202020 },
	{ 0x3333333333333333, 0x3030303030303030 }, { 0x4444444444444444, 0x4040404040404040 },
	{ 0x5555555555555555, 0x5050505050505050 }, { 0x6666666666666666, 0x6060606060606060 },
	{ 0x7777777777777777, 0x7070707070707070 }, { 0x8888888888888888, 0x8080808080808080 },
	{ 0x9999999999999999, 0x9090909090909090 }, { 0xaaaaaaaaaaaaaaaa, 0xa0a0a0a0a0a0a0a0 },
	{ 0xbbbbbbbbbbbbbbbb, 0xb0b0b0b0b0b0b0b0 }, { 0xcccccccccccccccc, 0xc0c0c0c0c0c0c0c0 },
	{ 0xdddddddddddddddd, 0xd0d0d0d0d0d0d0d0 }, { 0xeeeeeeeeeeeeeeee, 0xe0e0e0e0e0e0e0e0 },
	{ 0xffffffffffffffff, 0xf0f0f0f0f0f0f0f0 }, { 0x0123456789abcdef, 0xfedcba9876543210 },
};

/*
 * fp_fork(out): load pattern into xmm0-15, MXCSR_WANT and X87_CW_WANT, make
 * a raw fork, store the registers into *out (in parent and child alike), put
 * MXCSR and the control word back to their defaults, and return fork's result.
 */
long fp_fork(struct fp *out);
__asm__(".text\n.globl fp_fork\nfp_fork:\n"
	"push %rdi\n"
	"lea pattern(%rip), %rax\n"
	".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\nmovdqu (16*\\i)(%rax), %xmm\\i\n.endr\n"
	"sub $8, %rsp\nmovl $(0x1F80 | 0x6000), (%rsp)\nldmxcsr (%rsp)\n"
	"movw $0x0C7F, (%rsp)\nfldcw (%rsp)\nadd $8, %rsp\n"
	"mov $57, %eax\nsyscall\n" /* fork */
	"pop %rdi\n"
	".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\nmovdqu %xmm\\i, (16*\\i)(%rdi)\n.endr\n"
	"stmxcsr 256(%rdi)\nfnstcw 260(%rdi)\n"
	"sub $8, %rsp\nmovl $0x1F80, (%rsp)\nldmxcsr (%rsp)\nmovw $0x037F, (%rsp)\nfldcw (%rsp)\nadd $8, %rsp\n"
	"ret\n");

/* The first register of f that differs from what fp_fork loaded, or NULL; its index in *which. */
static const char *fp_wrong(const struct fp *f, int *which)
{
	for (int i = 0; i < 16; i++)
		if (f->xmm[i][0] != pattern[i][0] || f->xmm[i][1] != pattern[i][1])
			return *which = i, "xmm";
	if (f->mxcsr != MXCSR_WANT)
		return *which = (int)f->mxcsr, "mxcsr";
	if (f->cw != X87_CW_WANT)
		return *which = f->cw, "x87 control word";
	return NULL;
}

static void fork_keeps_state(void)
{
	struct fp f;
	long pid = fp_fork(&f);
	if (pid == 0) {
		int which = 0;
		_exit(fp_wrong(&f, &which) ? 1 : 0);
	}
	int which = 0;
	const char *bad = fp_wrong(&f, &which);
	CHECK("parent-after-fork", !bad, "%s %#x changed", bad, which);
	int st = -1;
	int waited = pid > 0 && waitpid((pid_t)pid, &st, 0) == pid;
	CHECK("child-after-fork", waited && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "fork %ld, child status %#x (1: its registers changed)", pid, st);
}

/* A thread reports its rounding mode, inherited from its creator's MXCSR and x87 control word. */
static void *report_rounding(void *arg)
{
	uint32_t mxcsr;
	uint16_t cw;
	__asm__ volatile("stmxcsr %0\nfnstcw %1" : "=m"(mxcsr), "=m"(cw));
	*(int *)arg = (mxcsr & 0x6000) == 0x6000 && (cw & 0x0C00) == 0x0C00;
	return NULL;
}

static void thread_keeps_rounding(void)
{
	int inherited = 0;
	pthread_t t;
	CHECK("set-rounding", fesetround(FE_TOWARDZERO) == 0, "fesetround failed");
	int made = pthread_create(&t, NULL, report_rounding, &inherited) == 0 && pthread_join(t, NULL) == 0;
	fesetround(FE_TONEAREST);
	CHECK("thread-inherits-rounding", made && inherited, "thread made %d, rounding inherited %d", made, inherited);
}

int main(void)
{
	fork_keeps_state();
	thread_keeps_rounding();
	return t_done();
}
