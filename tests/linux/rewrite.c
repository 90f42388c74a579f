/* Syscall sites that lx rewrites into jumps: calls stay right under signals, fork and unmapping; the counters show the way taken. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long handled, wrong_in_handler;
static pid_t parent;
static int failed;

static void check(int ok, const char *name)
{
	printf("%s rewrite/%s\n", ok ? "ok" : "not ok", name);
	failed += !ok;
}

/* A signal handler that makes the same call as the loop it interrupts. */
static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	if (getppid() != parent)
		wrong_in_handler++;
}

static volatile long usr1;
static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

/* A signal a rewritten call sends itself, or unblocks, is delivered before that call returns: how many were not. */
static long signals_at_return(long n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	long late = 0;
	pid_t me = getpid();
	for (long i = 0; i < n; i++) {
		long before = usr1;
		kill(me, SIGUSR1);
		late += usr1 != before + 1;
		sigprocmask(SIG_BLOCK, &one, NULL);
		kill(me, SIGUSR1);
		late += usr1 != before + 1; /* blocked: pending, not delivered */
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		late += usr1 != before + 2;
	}
	return late;
}

/* n calls of getppid through the C library (the site lx rewrites): how many gave a wrong answer. */
static long calls(long n)
{
	long wrong = 0;
	for (long i = 0; i < n; i++)
		wrong += getppid() != parent;
	return wrong;
}

/*
 * One call nr(a1) from a site of its own, 16-byte aligned so that lx may rewrite it, with every register a call
 * keeps loaded with a pattern and the carry flag set: how many came back wrong (rcx must be the address after
 * the syscall and r11 the flags, as Linux leaves them, and the carry still set). *result is the call's.
 */
#define KEPT_CALL(nr)                                                                                                \
	static __attribute__((noinline)) int kept_##nr(long a1, long *result)                                        \
	{                                                                                                            \
		register long rdi asm("rdi") = a1, rsi asm("rsi") = 0x5151, rdx asm("rdx") = 0xd0d0;                 \
		register long r8 asm("r8") = 0x0808, r9 asm("r9") = 0x0909, r10 asm("r10") = 0x1010;                 \
		register long rbx asm("rbx") = 0xb0b0, r12 asm("r12") = 0x1212, r13 asm("r13") = 0x1313;             \
		register long r14 asm("r14") = 0x1414, r15 asm("r15") = 0x1515, r11 asm("r11");                      \
		long rax, rcx, res;                                                                                  \
		unsigned char cf;                                                                                    \
		asm volatile(".p2align 4\n\tstc\n\tmovl %[n], %%eax\n\tsyscall\n"                                    \
			     "1:\tsetc %[cf]\n\tmovq %%rax, %[res]\n\tleaq 1b(%%rip), %%rax\n\tsubq %%rax, %%rcx"    \
			     : "=&a"(rax), "=&c"(rcx), "=r"(r11), [cf] "=m"(cf), [res] "=m"(res), "+r"(rdi),         \
			       "+r"(rsi), "+r"(rdx), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(rbx), "+r"(r12), "+r"(r13), \
			       "+r"(r14), "+r"(r15)                                                                  \
			     : [n] "i"(nr)                                                                           \
			     : "memory", "cc");                                                                      \
		(void)rax;                                                                                           \
		*result = res;                                                                                       \
		return (rdi != a1) + (rsi != 0x5151) + (rdx != 0xd0d0) + (r8 != 0x0808) + (r9 != 0x0909) +           \
		       (r10 != 0x1010) + (rbx != 0xb0b0) + (r12 != 0x1212) + (r13 != 0x1313) + (r14 != 0x1414) +     \
		       (r15 != 0x1515) + (rcx != 0) + !(r11 & 1) + !cf;                                              \
	}
KEPT_CALL(110) /* getppid */
KEPT_CALL(95) /* umask, which takes an argument */
KEPT_CALL(186) /* gettid */

/* n rounds of the calls above: how many registers or results were wrong. */
static long kept_rounds(long n)
{
	long wrong = 0, r;
	pid_t me = getpid();
	for (long i = 0; i < n; i++) {
		wrong += kept_110(0, &r) + (r != parent);
		/* bits umask drops: a handler that masks its argument in place would change rdi */
		wrong += kept_95((i & 1 ? 022 : 027) | 0xf000, &r) + (r != (i == 0 ? 022 : i & 1 ? 027 : 022));
		wrong += kept_186(0, &r) + (r != me); /* the main thread's id is the pid */
	}
	return wrong;
}

/* The [lx-calls] pages in /proc/self/maps (Mica's stubs; none on Linux): unmap them all. How many went. */
static int unmap_stubs(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long lo[16], hi[16];
	int n = 0;
	while (f && fgets(line, sizeof(line), f) && n < 16)
		if (strstr(line, "[lx-calls]") && sscanf(line, "%lx-%lx", &lo[n], &hi[n]) == 2)
			n++;
	if (f)
		fclose(f);
	for (int i = 0; i < n; i++)
		munmap((void *)lo[i], hi[i] - lo[i]);
	return n;
}

/* Mica's /proc/self/lx-calls: the calls that came by the kernel's way, from rewritten sites, and the sites. */
static int counters(unsigned long *reflected, unsigned long *direct, unsigned long *sites)
{
	FILE *f = fopen("/proc/self/lx-calls", "r");
	int n = f ? fscanf(f, "reflected %lu direct %lu sites %lu", reflected, direct, sites) : 0;
	if (f)
		fclose(f);
	return n == 3;
}

/* Mica only (tests/linux.sh): the rewritten way is taken, a site it cannot prove goes the kernel's way, and sites
 * whose stubs are unmapped are put back and rewritten again. */
static int mica_counters(void)
{
	unsigned long r0, d0, s0, r1, d1, s1;
	calls(3000);
	if (!counters(&r0, &d0, &s0))
		return printf("not ok rewrite/counters: no /proc/self/lx-calls\n"), 1;
	printf("reflected %lu direct %lu sites %lu\n", r0, d0, s0);
	check(d0 >= 2000 && s0 >= 1, "direct"); /* lx rewrites a site at its second look, 256 reflected calls apart */
	umask(022);
	long wrong = kept_rounds(3000);
	counters(&r1, &d1, &s1);
	check(wrong == 0 && d1 - d0 >= 6000 && s1 >= s0 + 3,
	      "registers-kept-rewritten"); /* three sites, 3 x 3000 calls */
	counters(&r0, &d0, &s0);
	for (int i = 0; i < 1000; i++)
		if (syscall(SYS_getppid) != parent) /* the generic syscall(): the number comes from a register */
			return printf("not ok rewrite/reflected-left-alone: wrong answer\n"), 1;
	counters(&r1, &d1, &s1);
	check(r1 - r0 >= 1000 && d1 - d0 < 10, "reflected-left-alone");
	int gone = unmap_stubs();
	counters(&r0, &d0, &s0);
	check(gone >= 1 && s0 == 0 && calls(100) == 0, "unmapped-put-back");
	calls(3000);
	counters(&r1, &d1, &s1);
	check(s1 >= 1 && d1 - d0 >= 2000, "rewritten-again");
	return failed != 0;
}

int main(int argc, char **argv)
{
	parent = getppid();
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "counters"))
		return mica_counters();

	check(calls(10000) == 0, "getppid");
	umask(022);
	check(kept_rounds(5000) == 0, "registers-kept");
	check(signals_at_return(2000) == 0, "signal-at-return"); /* before the timer below: lx has one thread still */

	/* signals land anywhere in the loop, the rewritten sequence included, and the handler makes the call too */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &every, NULL);
	long wrong = 0, rounds = 0;
	while (handled < 50 && rounds++ < 100000)
		wrong += calls(100);
	setitimer(ITIMER_REAL, &off, NULL);
	check(wrong == 0 && wrong_in_handler == 0 && handled >= 50, "getppid-under-signals");

	/* a forked child runs the same (rewritten) code, and makes new rewrites of its own */
	pid_t me = getpid(), child = fork();
	if (child == 0) {
		parent = me;
		_exit(calls(1000) != 0 || getppid() != me);
	}
	int st = -1;
	waitpid(child, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork-child");
	check(calls(1000) == 0, "parent-after-fork");

	/* the generic syscall() takes the number from a register: a site left to the kernel's way */
	long bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += syscall(SYS_getppid) != parent;
	check(bad == 0, "generic-syscall");

	/* unmapping lx's stubs (there are none on Linux) leaves every call working */
	unmap_stubs();
	check(calls(1000) == 0, "after-unmap");
	return failed != 0;
}
