/*
 * A program against its own lx, where the CPU has protection keys (Mica
 * alone, but for the first mode): a stray access must not read or write
 * lx's memory, and program code must not make kernel calls through lx's code
 * or open lx's key with lx's own wrpkru.
 *   trust                       code made executable by mprotect runs, and so does memory writable and
 *                               executable at once, as JITs use it (host and Mica alike)
 *   trust lx-memory ADDR...     each address (lx's) refuses a read and a write with SIGSEGV (SEGV_PKUERR); lx still works
 *   trust kcall ADDR            a `syscall; ret` of lx's at ADDR, called to write to the console, is refused (E_PERM)
 *   trust wrpkru-jump ADDR      jumping to lx's own wrpkru at ADDR with the key-opening value ends the process
 *   trust gs-reload             syscalls, from a rewritten site too, work after the program loads gs (which zeroes
 *                               its base: lx's entry uses gs)
 */
#define T_NAME "trust"
#include "check.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define SEGV_PKUERR_CODE 4 /* Linux's SEGV_PKUERR: a protection key refused the access */

/* The kernel's call numbers (MICA_SYS_cputs...) and errors (E_PERM), from the kernel ABI itself. */
#include <mica/error.h>
#include <mica/abi.h> /* USER_SS: Mica's user data selector */
#define SYSCALL(num, name, ...) MICA_SYS_##name = num,
enum {
#include <mica/syscalls.def>
};
#undef SYSCALL

static sigjmp_buf back;
static volatile int fault_code;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(back, 1);
}

/* Read (or write back, unchanged) the byte at a: the si_code of the SIGSEGV it raised, or 0 if it went through. */
static int touch(volatile uint8_t *a, int write)
{
	fault_code = 0;
	if (sigsetjmp(back, 1) == 0) {
		uint8_t v = *a;
		if (write)
			*a = v;
	}
	return fault_code;
}

/* Does lx still work: a child writes through a pipe and ends with 7? */
static int lx_works(void)
{
	int fd[2], st = 0;
	char c = 0;
	if (pipe(fd) < 0)
		return 0;
	pid_t p = fork();
	if (p == 0) {
		_exit(write(fd[1], "x", 1) == 1 ? 7 : 1);
	}
	close(fd[1]);
	return p > 0 && read(fd[0], &c, 1) == 1 && c == 'x' && waitpid(p, &st, 0) == p && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 7;
}

static void lx_memory(int n, char **addrs)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < n; i++) {
		volatile uint8_t *a = (volatile uint8_t *)(uintptr_t)strtoull(addrs[i], NULL, 0);
		char name[64];
		int r = touch(a, 0);
		snprintf(name, sizeof(name), "read-refused-%d", i);
		check(name, r == SEGV_PKUERR_CODE && fault_addr == (uintptr_t)a, "reading %p: si_code %d at %#lx",
		      (void *)a, r, (unsigned long)fault_addr);
		r = touch(a, 1);
		snprintf(name, sizeof(name), "write-refused-%d", i);
		check(name, r == SEGV_PKUERR_CODE, "writing %p: si_code %d", (void *)a, r);
	}
	check("lx-still-works", lx_works(), "fork, pipe and wait after the faults");
}

/* Call code at addr with rax = nr, rdi, rsi; its rax. */
static long call_at(uintptr_t addr, long nr, long a1, long a2)
{
	long ret;
	__asm__ volatile("call *%[fn]"
			 : "=a"(ret), "+D"(a1), "+S"(a2)
			 : "a"(nr), [fn] "r"(addr)
			 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory");
	return ret;
}

static void kcall(const char *addr)
{
	static const char msg[] = "a kernel call from program code went through\n";
	long r = call_at((uintptr_t)strtoull(addr, NULL, 0), MICA_SYS_cputs, (long)msg, (long)sizeof(msg) - 1);
	check("kernel-call-refused", r == -E_PERM, "cputs through lx's syscall returned %ld", r);
	check("lx-still-works", lx_works(), "fork, pipe and wait after the call");
}

/* Jump to addr with eax = 0, ecx = edx = 0: a wrpkru there would open every key. Does not come back. */
static void wrpkru_jump(const char *addr)
{
	printf("jumping to lx's wrpkru\n");
	fflush(stdout);
	uintptr_t to = (uintptr_t)strtoull(addr, NULL, 0);
	__asm__ volatile("jmp *%0" ::"r"(to), "a"(0), "c"(0), "d"(0));
}

/* Load gs with the user data selector (its base becomes 0), then make syscalls: lx must get its own gs back. */
static void gs_reload(void)
{
	pid_t me = getpid();
	long wrong = 0;
	for (int i = 0; i < 3000; i++) /* often enough for lx to rewrite getpid's site */
		wrong += getpid() != me;
	__asm__ volatile("movw %w0, %%gs" ::"r"(USER_SS) : "memory");
	for (int i = 0; i < 3000; i++)
		wrong += getpid() != me;
	check("syscall-after-gs-load", wrong == 0, "%ld wrong getpid answers, before or after loading gs", wrong);
	check("lx-still-works", lx_works(), "fork, pipe and wait after loading gs");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "lx-memory"))
		lx_memory(argc - 2, argv + 2);
	else if (!strcmp(mode, "kcall") && argc > 2)
		kcall(argv[2]);
	else if (!strcmp(mode, "gs-reload"))
		gs_reload();
	else if (!strcmp(mode, "wrpkru-jump") && argc > 2)
		wrpkru_jump(argv[2]);
	else {
		uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		static const uint8_t ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 }; /* mov $42, %eax; ret */
		memcpy(p, ret42, sizeof(ret42));
		check("mprotect-exec", mprotect(p, PAGE, PROT_READ | PROT_EXEC) == 0, "errno %d", errno);
		check("code-runs", ((int (*)(void))(void *)p)() == 42, "the page's code");
		uint8_t *w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		check("rwx-mapped", w != MAP_FAILED, "errno %d", errno);
		if (w != MAP_FAILED) {
			memcpy(w, ret42, sizeof(ret42));
			w[1] = 43;
			check("rwx-code-runs", ((int (*)(void))(void *)w)() == 43, "the written code");
		}
	}
	return t_done();
}
