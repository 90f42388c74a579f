/*
 * Signals within one process: handlers with and without SA_SIGINFO, masks,
 * pending signals, SA_RESETHAND and SA_NODEFER, an alternate stack, a
 * SIGSEGV handler that escapes with siglongjmp, registers and FPU state kept
 * across a handler, sigsuspend, sigtimedwait, and tgkill to another thread
 * that interrupts its nanosleep with EINTR; interval timers and tgkill that
 * interrupt code running without syscalls; a stop signal that stops every
 * thread of a process; what execve keeps of the actions.
 */
#define _GNU_SOURCE
#define T_NAME "signals"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t hits, last_sig, depth, max_depth, calls;
static volatile int info_ok;
static volatile void *fault_addr;
static volatile uintptr_t handler_stack;
static sigjmp_buf escape;

static void count(int sig)
{
	hits++;
	last_sig = sig;
}

static void with_info(int sig, siginfo_t *si, void *uc)
{
	info_ok = sig == SIGUSR2 && si->si_signo == SIGUSR2 && uc != NULL;
}

static void nested(int sig)
{
	(void)sig;
	calls++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (calls < 3)
		raise(SIGUSR1);
	depth--;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_addr = si->si_addr;
	siglongjmp(escape, 1);
}

static void where_am_i(int sig)
{
	volatile int local;
	(void)sig;
	handler_stack = (uintptr_t)&local;
}

static void check_basic(void)
{
	signal(SIGUSR1, count);
	hits = 0;
	raise(SIGUSR1);
	CHECK("raise-runs-handler", hits == 1 && last_sig == SIGUSR1, "hits %d", (int)hits);
	struct sigaction sa = { .sa_sigaction = with_info, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR2, &sa, NULL);
	kill(getpid(), SIGUSR2);
	CHECK("siginfo", info_ok, "siginfo or ucontext missing");
	signal(SIGUSR2, SIG_IGN);
	CHECK("ignored", kill(getpid(), SIGUSR2) == 0, "kill of an ignored signal failed");
}

static void check_masks(void)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	hits = 0;
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	raise(SIGUSR1);
	sigpending(&pending);
	CHECK("blocked-stays-pending", hits == 0 && sigismember(&pending, SIGUSR1), "hits %d", (int)hits);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	CHECK("unblock-delivers-once", hits == 1, "hits %d, want 1 (standard signals do not queue)", (int)hits);
	errno = 0;
	CHECK("sigprocmask-bad-how", sigprocmask(99, &set, NULL) == -1 && errno == EINVAL, "errno %d", errno);
}

static void check_flags(void)
{
	struct sigaction sa = { .sa_handler = count, .sa_flags = SA_RESETHAND }, now;
	sigaction(SIGUSR1, &sa, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &now);
	CHECK("resethand", hits == 1 && now.sa_handler == SIG_DFL, "handler not reset");
	struct sigaction n = { .sa_handler = nested, .sa_flags = SA_NODEFER };
	sigaction(SIGUSR1, &n, NULL);
	max_depth = calls = 0;
	raise(SIGUSR1);
	CHECK("nodefer-nests", max_depth == 3 && calls == 3, "max depth %d, want 3", (int)max_depth);
	struct sigaction d = { .sa_handler = nested };
	sigaction(SIGUSR1, &d, NULL);
	max_depth = calls = 0;
	raise(SIGUSR1);
	CHECK("deferred-runs-after", max_depth == 1 && calls == 3, "max depth %d calls %d, want 1 and 3",
	      (int)max_depth, (int)calls);
	errno = 0;
	CHECK("sigkill-cannot-be-caught", sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "errno %d", errno);
}

static void check_altstack(void)
{
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) }, old;
	CHECK("sigaltstack-set", sigaltstack(&ss, &old) == 0 && (old.ss_flags & SS_DISABLE), "sigaltstack failed");
	struct sigaction sa = { .sa_handler = where_am_i, .sa_flags = SA_ONSTACK };
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	uintptr_t p = handler_stack;
	CHECK("handler-on-altstack", p >= (uintptr_t)alt && p < (uintptr_t)alt + sizeof(alt), "handler ran at %#lx",
	      (unsigned long)p);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
}

static void check_segv_handler(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigaction(SIGSEGV, &sa, NULL);
	int escaped = sigsetjmp(escape, 1);
	if (!escaped)
		*(volatile int *)0x1238 = 1;
	CHECK("segv-handler", escaped && fault_addr == (void *)0x1238, "escaped %d at %p", escaped, (void *)fault_addr);
	signal(SIGSEGV, SIG_DFL);
}

static void check_state_kept(void)
{
	signal(SIGUSR1, count);
	volatile double x = 1.25;
	long a = 11, b = 22, c = 33;
	for (int i = 0; i < 4; i++) {
		raise(SIGUSR1);
		x *= 2;
		a += b + c;
	}
	CHECK("fpu-and-registers-kept", x == 20.0 && a == 231, "x %g a %ld", x, a);
}

static void check_waits(void)
{
	sigset_t set, none;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR2);
	siginfo_t si;
	struct timespec zero = { 0, 0 };
	int got = sigtimedwait(&set, &si, &zero);
	CHECK("sigtimedwait-takes", got == SIGUSR2 && si.si_signo == SIGUSR2, "got %d", got);
	errno = 0;
	struct timespec ms = { 0, 5000000 };
	got = sigtimedwait(&set, &si, &ms);
	CHECK("sigtimedwait-times-out", got == -1 && errno == EAGAIN, "got %d errno %d", got, errno);
	signal(SIGUSR2, count);
	hits = 0;
	raise(SIGUSR2); /* blocked: pending until sigsuspend opens the mask */
	sigemptyset(&none);
	errno = 0;
	int r = sigsuspend(&none);
	sigset_t after;
	sigprocmask(SIG_SETMASK, NULL, &after);
	CHECK("sigsuspend", r == -1 && errno == EINTR && hits == 1 && sigismember(&after, SIGUSR2),
	      "r %d errno %d hits %d", r, errno, (int)hits);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static volatile pid_t sleeper_tid;
static volatile int sleeper_errno;

static void *sleeper(void *arg)
{
	(void)arg;
	sleeper_tid = (pid_t)syscall(SYS_gettid);
	struct timespec ts = { 5, 0 };
	errno = 0;
	int r = nanosleep(&ts, &ts);
	sleeper_errno = r == -1 ? errno : 0;
	return NULL;
}

static void check_tgkill_interrupts(void)
{
	signal(SIGUSR1, count);
	pthread_t t;
	hits = 0;
	pthread_create(&t, NULL, sleeper, NULL);
	while (!sleeper_tid)
		sched_yield();
	struct timespec small = { 0, 10000000 };
	nanosleep(&small, NULL); /* let it fall asleep */
	syscall(SYS_tgkill, getpid(), sleeper_tid, SIGUSR1);
	pthread_join(t, NULL);
	CHECK("tgkill-eintr", sleeper_errno == EINTR && hits == 1, "errno %d hits %d", sleeper_errno, (int)hits);
}

static volatile sig_atomic_t alarms, spinner_got;
static volatile pid_t spinner_tid;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void on_usr1_spinner(int sig)
{
	(void)sig;
	spinner_got = 1;
}

static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = (pid_t)syscall(SYS_gettid);
	volatile unsigned long spin = 0;
	while (!spinner_got) /* no syscall here: only an asynchronous signal ends the loop */
		spin++;
	return NULL;
}

static void check_async(void)
{
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { { 0, 0 }, { 0, 0 } }, cur;
	alarms = 0;
	CHECK("setitimer", setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer failed");
	volatile unsigned long spin = 0;
	while (alarms < 3) /* no syscall: the alarms must interrupt running code */
		spin++;
	getitimer(ITIMER_REAL, &cur);
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK("itimer-interrupts-running-code", alarms >= 3 && cur.it_interval.tv_usec == 10000, "alarms %d",
	      (int)alarms);
	alarm(5);
	unsigned left = alarm(0);
	CHECK("alarm-remaining", left >= 4 && left <= 5, "alarm(0) said %u", left);
	signal(SIGUSR1, on_usr1_spinner);
	pthread_t t;
	pthread_create(&t, NULL, spinner, NULL);
	while (!spinner_tid)
		sched_yield();
	syscall(SYS_tgkill, getpid(), spinner_tid, SIGUSR1);
	pthread_join(t, NULL);
	CHECK("tgkill-interrupts-running-thread", spinner_got == 1, "the spinning thread never took its signal");

	/* a POSIX timer with a signal of its own */
	timer_t tm;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, now;
	alarms = 0;
	CHECK("timer-create", timer_create(CLOCK_MONOTONIC, &sev, &tm) == 0, "timer_create failed");
	timer_settime(tm, 0, &its, NULL);
	while (alarms < 3)
		spin++;
	timer_gettime(tm, &now);
	CHECK("timer-periodic", alarms >= 3 && now.it_interval.tv_nsec == 10000000, "alarms %d", (int)alarms);
	CHECK("timer-overrun", timer_getoverrun(tm) >= 0, "timer_getoverrun failed");
	CHECK("timer-delete", timer_delete(tm) == 0, "timer_delete failed");
	signal(SIGALRM, SIG_DFL);
}

static int restart_pipe[2];
static pid_t reader_tid;

static void *restart_poker(void *arg)
{
	(void)arg;
	usleep(20000);
	syscall(SYS_tgkill, getpid(), reader_tid, SIGUSR2);
	usleep(20000);
	write(restart_pipe[1], "z", 1);
	return NULL;
}

/* A read interrupted by a handler with SA_RESTART goes on, and returns the byte that comes later. */
static void check_restart(void)
{
	struct sigaction sa = { .sa_handler = count, .sa_flags = SA_RESTART };
	sigaction(SIGUSR2, &sa, NULL);
	pipe(restart_pipe);
	reader_tid = (pid_t)syscall(SYS_gettid);
	hits = 0;
	pthread_t t;
	pthread_create(&t, NULL, restart_poker, NULL);
	char c = 0;
	long n = read(restart_pipe[0], &c, 1);
	pthread_join(t, NULL);
	CHECK("sa-restart", n == 1 && c == 'z' && hits == 1, "read gave %ld '%c' after %d handler runs", n, c, (int)hits);
	close(restart_pipe[0]);
	close(restart_pipe[1]);
	signal(SIGUSR2, SIG_DFL);
}

/* A stop signal stops every thread of the process, not only the one that took it; SIGCONT starts them all. */
static volatile long *spins;

static void *spin_forever(void *arg)
{
	(void)arg;
	for (;;)
		(*spins)++;
	return NULL;
}

static void check_stop_every_thread(void)
{
	spins = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t p = fork();
	if (p == 0) {
		pthread_t t;
		pthread_create(&t, NULL, spin_forever, NULL);
		for (;;)
			pause(); /* the main thread sleeps; the stop signal may come to either */
	}
	for (int i = 0; i < 2000 && *spins == 0; i++)
		usleep(1000);
	int st = 0;
	kill(p, SIGSTOP);
	pid_t w = waitpid(p, &st, WUNTRACED);
	long before = *spins;
	usleep(100000);
	long after = *spins;
	CHECK("stop-stops-every-thread", w == p && WIFSTOPPED(st) && before > 0 && after == before,
	      "status %#x, the spinning thread went on from %ld to %ld", st, before, after);
	kill(p, SIGCONT);
	waitpid(p, &st, WCONTINUED);
	for (int i = 0; i < 2000 && *spins == after; i++)
		usleep(1000);
	CHECK("continue-starts-every-thread", *spins > after, "the spinning thread stayed at %ld", after);
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	CHECK("kill-ends-it", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	munmap((void *)spins, 4096);
}

/* A crowd of sleeping threads, one of them far down the process's list of sleepers (the 36th), the only
 * one that takes SIGUSR1: a signal from another process reaches it. */
enum { CROWD = 40, CROWD_TAKER = 35 };
static volatile sig_atomic_t crowd_caught;
static void crowd_handler(int sig)
{
	(void)sig;
	crowd_caught = 1;
}

static void *crowd_sleeper(void *arg)
{
	sigset_t none;
	sigemptyset(&none);
	if ((long)arg == CROWD_TAKER)
		pthread_sigmask(SIG_SETMASK, &none, NULL);
	for (;;)
		pause();
	return NULL;
}

static void check_signal_reaches_crowd(void)
{
	int pipefd[2];
	if (pipe(pipefd) != 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		sigset_t usr1;
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		signal(SIGUSR1, crowd_handler);
		pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* inherited by every sleeper but the taker */
		pthread_t t;
		for (long i = 0; i < CROWD; i++)
			if (pthread_create(&t, NULL, crowd_sleeper, (void *)i) != 0)
				_exit(2);
		char c = 'r';
		if (write(pipefd[1], &c, 1) != 1)
			_exit(3);
		for (int i = 0; i < 500 && !crowd_caught; i++)
			usleep(10000);
		_exit(crowd_caught ? 0 : 1);
	}
	char c;
	int ready = read(pipefd[0], &c, 1) == 1;
	usleep(50000); /* the crowd falls asleep */
	kill(child, SIGUSR1);
	int status = 0;
	waitpid(child, &status, 0);
	CHECK("signal-reaches-crowd", ready && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "status %#x: the one thread of %d that takes the signal did not", status, CROWD);
	close(pipefd[0]);
	close(pipefd[1]);
}

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* Linux's; glibc's headers keep it to themselves */
#endif

static void on_usr1(int sig)
{
	(void)sig;
}

/* In the program execve started (argv[1] "exec-actions"): 0 when its actions are what Linux leaves, else which was not. */
static int exec_actions_seen(void)
{
	struct sigaction a1, a2, a3;
	sigaction(SIGUSR1, NULL, &a1);
	sigaction(SIGUSR2, NULL, &a2);
	sigaction(SIGHUP, NULL, &a3);
	if (a1.sa_handler != SIG_DFL || (a1.sa_flags & ~SA_RESTORER) || sigismember(&a1.sa_mask, SIGINT))
		return 1; /* a caught signal goes back to its default, flags and mask gone */
	if (a2.sa_handler != SIG_IGN || (a2.sa_flags & ~SA_RESTORER) || sigismember(&a2.sa_mask, SIGINT))
		return 2; /* an ignored one stays ignored, and loses its flags and mask too */
	if (a3.sa_handler != SIG_DFL)
		return 3;
	return 0;
}

/* execve: caught signals go back to their default, ignored ones stay ignored, and every action loses flags and mask. */
static void check_exec_actions(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction a = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
		sigemptyset(&a.sa_mask);
		sigaddset(&a.sa_mask, SIGINT);
		sigaction(SIGUSR1, &a, NULL);
		a.sa_handler = SIG_IGN;
		sigaction(SIGUSR2, &a, NULL);
		execl("/proc/self/exe", "signals", "exec-actions", (char *)NULL);
		_exit(99);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK("exec-resets-actions", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-actions") == 0)
		return exec_actions_seen();
	check_async();
	check_restart();
	check_basic();
	check_masks();
	check_flags();
	check_altstack();
	check_segv_handler();
	check_state_kept();
	check_waits();
	check_tgkill_interrupts();
	check_stop_every_thread();
	check_signal_reaches_crowd();
	check_exec_actions();
	return t_done();
}
