/*
 * Timers on CPU time: ITIMER_VIRTUAL (SIGVTALRM) and ITIMER_PROF (SIGPROF)
 * fire in a busy loop and not while the process sleeps; getitimer tells a
 * running timer's time left; a disarmed timer stays quiet; timer_create on
 * CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID; a forked child's own
 * timer; across execve the interval timers stay and the POSIX timers go.
 */
#define T_NAME "cputimers"
#include "check.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t vtalrms, profs, usr1s;

static void on_signal(int sig)
{
	if (sig == SIGVTALRM)
		vtalrms++;
	else if (sig == SIGPROF)
		profs++;
	else if (sig == SIGUSR1)
		usr1s++;
}

static double now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spin until *count reaches n or secs of real time pass; the count. */
static int spin_until(volatile sig_atomic_t *count, int n, double secs)
{
	double end = now(CLOCK_MONOTONIC) + secs;
	while (*count < n && now(CLOCK_MONOTONIC) < end)
		for (volatile int i = 0; i < 100000 && *count < n; i++) /* no syscall here: the signal interrupts running code */
			;
	return *count;
}

/* Spin for secs of the process's CPU time. */
static void burn(double secs)
{
	double end = now(CLOCK_PROCESS_CPUTIME_ID) + secs;
	while (now(CLOCK_PROCESS_CPUTIME_ID) < end)
		for (volatile int i = 0; i < 10000; i++)
			;
}

static long usecs(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

/* A periodic 10 ms timer of kind which fires in a busy loop; getitimer shows it running. */
static void check_periodic(int which, volatile sig_atomic_t *count, const char *name)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, cur, off = { { 0, 0 }, { 0, 0 } };
	char n[64];
	*count = 0;
	int r = setitimer(which, &it, NULL);
	snprintf(n, sizeof(n), "setitimer-%s", name);
	check_ok(n, r);
	int got = spin_until(count, 3, 20);
	getitimer(which, &cur);
	setitimer(which, &off, NULL);
	snprintf(n, sizeof(n), "%s-fires-in-busy-loop", name);
	CHECK(n, got >= 3, "%d signals in 20 s of spinning", got);
	snprintf(n, sizeof(n), "%s-getitimer-running", name);
	CHECK(n, usecs(cur.it_interval) == 10000 && usecs(cur.it_value) > 0 && usecs(cur.it_value) <= 15000,
	      "interval %ld us, value %ld us", usecs(cur.it_interval), usecs(cur.it_value));
}

static void check_itimers(void)
{
	signal(SIGVTALRM, on_signal);
	signal(SIGPROF, on_signal);
	check_periodic(ITIMER_VIRTUAL, &vtalrms, "virtual");
	check_periodic(ITIMER_PROF, &profs, "prof");

	/* a long one-shot timer: what is left barely moves, and it keeps no interval */
	struct itimerval it = { { 0, 0 }, { 5, 0 } }, cur, old, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &it, NULL);
	getitimer(ITIMER_PROF, &cur);
	setitimer(ITIMER_PROF, &off, &old);
	CHECK("prof-getitimer-left", usecs(cur.it_value) > 4000000 && usecs(cur.it_value) <= 5100000 && usecs(cur.it_interval) == 0,
	      "value %ld us, interval %ld us", usecs(cur.it_value), usecs(cur.it_interval));
	CHECK("prof-setitimer-old-value", usecs(old.it_value) > 4000000 && usecs(old.it_value) <= 5100000,
	      "old value %ld us", usecs(old.it_value));
	getitimer(ITIMER_PROF, &cur);
	CHECK("prof-disarmed-getitimer", usecs(cur.it_value) == 0, "value %ld us", usecs(cur.it_value));

	/* disarmed before it could fire: quiet through 50 ms of CPU time */
	struct itimerval soon = { { 0, 10000 }, { 0, 10000 } };
	vtalrms = profs = 0;
	setitimer(ITIMER_VIRTUAL, &soon, NULL);
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	burn(0.05);
	CHECK("virtual-disarmed-quiet", vtalrms == 0, "%d SIGVTALRM after disarming", (int)vtalrms);

	/* CPU time, not real time: 300 ms asleep do not use up 200 ms of it */
	struct itimerval later = { { 0, 0 }, { 0, 200000 } };
	setitimer(ITIMER_VIRTUAL, &later, NULL);
	struct timespec nap = { 0, 300000000 };
	nanosleep(&nap, NULL);
	getitimer(ITIMER_VIRTUAL, &cur);
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	CHECK("virtual-not-while-asleep", vtalrms == 0 && usecs(cur.it_value) > 100000,
	      "%d SIGVTALRM, %ld us left after sleeping", (int)vtalrms, usecs(cur.it_value));
	check_err("setitimer-bad-which", setitimer(3, &it, NULL), EINVAL);
	signal(SIGVTALRM, SIG_DFL);
	signal(SIGPROF, SIG_DFL);
}

/* timer_create on a CPU-time clock fires (SIGUSR1) in a busy loop. */
static void check_posix(clockid_t clk, const char *name)
{
	timer_t tm;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } }, cur;
	char n[64];
	usr1s = 0;
	signal(SIGUSR1, on_signal);
	int r = timer_create(clk, &sev, &tm);
	snprintf(n, sizeof(n), "timer-create-%s", name);
	check_ok(n, r);
	if (r < 0)
		return;
	timer_settime(tm, 0, &its, NULL);
	int got = spin_until(&usr1s, 2, 20);
	timer_gettime(tm, &cur);
	timer_delete(tm);
	snprintf(n, sizeof(n), "timer-%s-fires", name);
	CHECK(n, got >= 2 && cur.it_interval.tv_nsec == 10000000 && cur.it_value.tv_sec == 0,
	      "%d signals; interval %ld ns", got, (long)cur.it_interval.tv_nsec);
	signal(SIGUSR1, SIG_DFL);
}

/* A forked child (whose parent's timers ran) arms a timer of its own, and it fires. */
static void check_fork(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
		vtalrms = 0;
		signal(SIGVTALRM, on_signal);
		setitimer(ITIMER_VIRTUAL, &it, NULL);
		_exit(spin_until(&vtalrms, 2, 20) >= 2 ? 0 : 1);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK("fork-child-timer-fires", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
}

/* In the new image: exit 0 if ITIMER_VIRTUAL is still armed and POSIX timer id is gone. */
static int after_exec(int id)
{
	struct itimerval cur;
	struct itimerspec its;
	getitimer(ITIMER_VIRTUAL, &cur);
	int kept = cur.it_value.tv_sec >= 90 && cur.it_interval.tv_sec == 7;
	int gone = syscall(SYS_timer_gettime, id, &its) == -1 && errno == EINVAL;
	return (kept ? 0 : 1) | (gone ? 0 : 2);
}

static void check_exec(const char *self)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval it = { { 7, 0 }, { 100, 0 } };
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		timer_t tm;
		char arg[16];
		setitimer(ITIMER_VIRTUAL, &it, NULL);
		timer_create(CLOCK_MONOTONIC, &sev, &tm);
		snprintf(arg, sizeof(arg), "%ld", (long)tm);
		execl(self, self, "after-exec", arg, (char *)0);
		_exit(4);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK("exec-keeps-itimer", WIFEXITED(status) && !(WEXITSTATUS(status) & 5), "status %#x", status);
	CHECK("exec-deletes-posix-timer", WIFEXITED(status) && !(WEXITSTATUS(status) & 6), "status %#x", status);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "after-exec") == 0)
		return after_exec(atoi(argv[2]));
	check_itimers();
	check_posix(CLOCK_PROCESS_CPUTIME_ID, "process-cputime");
	check_posix(CLOCK_THREAD_CPUTIME_ID, "thread-cputime");
	check_fork();
	check_exec(argv[0]);
	return t_done();
}
