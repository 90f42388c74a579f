/*
 * Asynchronous signals must leave a program's registers as they were: every
 * general register, the flags, the SSE registers and MXCSR come back exactly
 * after a handler that clobbers them all, however often a 1 ms timer
 * interrupts a loop (100 interrupted loops, or as many as 30 s allow) that holds known values everywhere. And a storm of
 * signals (raise in a loop while another thread sends more, a fork in the
 * handler) must end normally.
 */
#define _GNU_SOURCE
#define T_NAME "sigregs"
#include "check.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* What regloop leaves: g[] in the order rax rbx rcx rdx rsi rdi rbp r8..r15, then the flags, xmm0-15, mxcsr. */
struct regs {
	uint64_t g[15];
	uint64_t flags;
	uint64_t xmm[16][2];
	uint32_t mxcsr;
};
static const char *const gname[15] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
					"r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
#define FLAGS 0xC97UL /* OF DF SF AF PF CF and the reserved bit 1: ZF clear */
#define MXCSR (0x1F80 | 0x6000) /* all exceptions masked, rounding toward zero */

/*
 * regloop(n, out): load a known value into every register, spin n times with
 * instructions that touch neither the flags nor memory (r15 counts up, rcx
 * down), then store every register into out. Returns nothing; out->g[14]
 * (r15) must be n and out->g[2] (rcx) 0.
 */
void regloop(long n, struct regs *out);
extern char regloop_spin[], regloop_spun[];
__asm__(".text\n.globl regloop\nregloop:\n"
	"push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\npush %rsi\n"
	"sub $8, %rsp\nmovl $(0x1F80 | 0x6000), (%rsp)\nldmxcsr (%rsp)\nadd $8, %rsp\n"
	"lea xmm_pattern(%rip), %rax\n"
	".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\nmovdqu (16*\\i)(%rax), %xmm\\i\n.endr\n"
	"mov %rdi, %rcx\nxor %r15d, %r15d\n"
	"movabs $0x0101010101010101, %rax\nmovabs $0x0202020202020202, %rbx\n"
	"movabs $0x0404040404040404, %rdx\nmovabs $0x0505050505050505, %rsi\n"
	"movabs $0x0606060606060606, %rdi\nmovabs $0x0707070707070707, %rbp\n"
	"movabs $0x0808080808080808, %r8\nmovabs $0x0909090909090909, %r9\n"
	"movabs $0x0a0a0a0a0a0a0a0a, %r10\nmovabs $0x0b0b0b0b0b0b0b0b, %r11\n"
	"movabs $0x0c0c0c0c0c0c0c0c, %r12\nmovabs $0x0d0d0d0d0d0d0d0d, %r13\n"
	"movabs $0x0e0e0e0e0e0e0e0e, %r14\n"
	"push $0xC97\npopfq\n"
	".globl regloop_spin\nregloop_spin:\n"
	"lea 1(%r15), %r15\nlea -1(%rcx), %rcx\njrcxz regloop_spun\njmp regloop_spin\n"
	".globl regloop_spun\nregloop_spun:\n"
	"pushfq\npush %rax\nmov 16(%rsp), %rax\n"
	"pop 0(%rax)\nmov %rbx, 8(%rax)\nmov %rcx, 16(%rax)\nmov %rdx, 24(%rax)\nmov %rsi, 32(%rax)\n"
	"mov %rdi, 40(%rax)\nmov %rbp, 48(%rax)\nmov %r8, 56(%rax)\nmov %r9, 64(%rax)\nmov %r10, 72(%rax)\n"
	"mov %r11, 80(%rax)\nmov %r12, 88(%rax)\nmov %r13, 96(%rax)\nmov %r14, 104(%rax)\nmov %r15, 112(%rax)\n"
	"pop 120(%rax)\ncld\n"
	".irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\nmovdqu %xmm\\i, (128+16*\\i)(%rax)\n.endr\n"
	"stmxcsr 384(%rax)\n"
	"sub $8, %rsp\nmovl $0x1F80, (%rsp)\nldmxcsr (%rsp)\nadd $8, %rsp\n"
	"pop %rsi\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");
_Static_assert(__builtin_offsetof(struct regs, flags) == 120 && __builtin_offsetof(struct regs, xmm) == 128 &&
		       __builtin_offsetof(struct regs, mxcsr) == 384,
	       "regloop's store offsets");

uint64_t xmm_pattern[16][2];
static volatile sig_atomic_t in_loop, ticks;
static volatile long limit;
static sigjmp_buf runaway;

/* SIGALRM: count interruptions of the loop, clobber every register the handler may, escape a runaway loop. */
static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	ticks++;
	if (rip >= (uint64_t)regloop_spin && rip < (uint64_t)regloop_spun) {
		in_loop++;
		if (uc->uc_mcontext.gregs[REG_R15] > limit)
			siglongjmp(runaway, 1);
	}
	__asm__ volatile("pxor %%xmm0, %%xmm0\n pcmpeqb %%xmm1, %%xmm1\n pcmpeqb %%xmm7, %%xmm7\n"
			 "pcmpeqb %%xmm8, %%xmm8\n pcmpeqb %%xmm15, %%xmm15\n"
			 "sub $8, %%rsp\n movl $0x1F80, (%%rsp)\n ldmxcsr (%%rsp)\n add $8, %%rsp\n"
			 "mov $-1, %%rcx\n mov $-1, %%r11\n mov $-1, %%rdx\n std\n cld" ::
				 : "xmm0", "xmm1", "xmm7", "xmm8", "xmm15", "rcx", "r11", "rdx", "memory", "cc");
}

/* One loop: the first register that came back wrong, or NULL. */
static const char *one_run(long n, struct regs *r)
{
	static const uint64_t want[15] = { 0x0101010101010101, 0x0202020202020202, 0, 0x0404040404040404,
					   0x0505050505050505, 0x0606060606060606, 0x0707070707070707,
					   0x0808080808080808, 0x0909090909090909, 0x0a0a0a0a0a0a0a0a,
					   0x0b0b0b0b0b0b0b0b, 0x0c0c0c0c0c0c0c0c, 0x0d0d0d0d0d0d0d0d,
					   0x0e0e0e0e0e0e0e0e, 0 };
	regloop(n, r);
	for (int i = 0; i < 15; i++)
		if (r->g[i] != (i == 14 ? (uint64_t)n : want[i]))
			return gname[i];
	if ((r->flags & 0xCD5) != (FLAGS & 0xCD5))
		return "rflags";
	if (memcmp(r->xmm, xmm_pattern, sizeof(xmm_pattern)) != 0)
		return "xmm";
	if ((r->mxcsr & ~0x3FU) != (MXCSR))
		return "mxcsr";
	return NULL;
}

static void registers_kept(void)
{
	for (int i = 0; i < 16; i++)
		xmm_pattern[i][0] = 0x1000 + i * 0x1111111111ULL, xmm_pattern[i][1] = ~(uint64_t)i << 8;
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	long n = 200000;
	limit = 4 * n;
	static int runs, bad, hit_runs;
	static const char *what;
	struct regs r;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (now = t0; hit_runs < 100 && now.tv_sec - t0.tv_sec < 30; clock_gettime(CLOCK_MONOTONIC, &now)) {
		int before = in_loop;
		runs++;
		if (sigsetjmp(runaway, 1)) {
			bad++, what = "rcx (the loop ran past its count)";
			continue;
		}
		const char *w = one_run(n, &r);
		if (in_loop == before)
			continue;
		hit_runs++;
		if (w)
			bad++, what = w;
	}
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK("timer-interrupts-loops", hit_runs >= 100, "%d of %d loops interrupted (%d ticks)", hit_runs, runs, ticks);
	CHECK("registers-kept", bad == 0, "%d of %d interrupted loops came back with %s changed", bad, hit_runs,
	      what ? what : "?");
}

/* ---- a storm: raise in a loop while another thread sends more, each handler forks ---- */
static volatile sig_atomic_t storm_calls;
static void on_storm(int sig)
{
	(void)sig;
	storm_calls++;
	if (storm_calls % 50 == 0) {
		pid_t c = fork();
		if (c == 0)
			_exit(7);
		int st;
		while (c > 0 && waitpid(c, &st, 0) < 0)
			;
	}
}

static void *sender(void *arg)
{
	pthread_t target = *(pthread_t *)arg;
	for (int i = 0; i < 100; i++)
		pthread_kill(target, SIGUSR1);
	return NULL;
}

static void storm(void)
{
	struct sigaction sa = { .sa_handler = on_storm, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t child = fork();
	if (child == 0) { /* the storm runs in a child, so that a crash is a status, not the end of the test */
		pthread_t me = pthread_self(), t;
		pthread_create(&t, NULL, sender, &me);
		for (int i = 0; i < 1000; i++)
			raise(SIGUSR1);
		pthread_join(t, NULL);
		_exit(storm_calls >= 1000 ? 0 : 3);
	}
	int st = -1;
	waitpid(child, &st, 0);
	CHECK("storm-survived", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

int main(void)
{
	registers_kept();
	storm();
	return t_done();
}
