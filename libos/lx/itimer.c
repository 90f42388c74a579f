/* Timers that send signals — setitimer/getitimer/alarm and timer_create — run by a helper thread of lx's. */
#include "libos/lx/lx.h"

#define HELPER_KICK 1 /* the timer thread's notification bit: the timers changed */
#define NITIMERS 3  /* slots 0..2 are setitimer's, by `which`; timer_create's id k is slot NITIMERS + k */
#define NTIMERS 32
#define CPU_TICK 4000000UL /* ns: how often at most a CPU-time timer is looked at, as a 250 Hz kernel would */

/*
 * One timer of the process (not inherited by a fork; across exec only
 * setitimer's are kept). Its times are on its clock: the monotonic clock for
 * ITIMER_REAL and the real-time clocks, the process's CPU time (as the kernel
 * counts it: every thread of the environment, lx's work included) for
 * ITIMER_VIRTUAL, ITIMER_PROF and CLOCK_PROCESS_CPUTIME_ID, one thread's for
 * CLOCK_THREAD_CPUTIME_ID.
 */
struct timer {
	bool used;
	int signo, notify, tid, clock;
	long ktid;               /* CLOCK_THREAD_CPUTIME_ID: the kernel thread whose time it counts */
	uint64_t next, interval; /* next expiry (0: disarmed) and the period */
	uint64_t overrun;
};
static struct timer timers[NTIMERS];
static struct lx_thread *helper;
static long helper_ntfn;

static bool cpu_clock(const struct timer *t)
{
	return t->clock == CLOCK_PROCESS_CPUTIME_ID || t->clock == CLOCK_THREAD_CPUTIME_ID;
}

/* Now, on t's clock (0 for the CPU time of a thread that has ended: its timer stops). */
static uint64_t clock_of(const struct timer *t)
{
	long ns;
	if (!cpu_clock(t))
		return clock_ns();
	ns = t->clock == CLOCK_PROCESS_CPUTIME_ID ? sys_cpu_time(1, 0) : sys_cpu_time(0, t->ktid);
	return ns > 0 ? (uint64_t)ns : 0;
}

/* A due timer fires: its signal to the process (or a thread), and its next expiry. */
static void fire(struct timer *t, uint64_t now)
{
	uint64_t missed = t->interval ? (now - t->next) / t->interval : 0;
	t->overrun = missed;
	t->next = t->interval ? t->next + (missed + 1) * t->interval : 0;
	if (t->notify == SIGEV_NONE)
		return;
	struct lx_thread *target = t->notify == SIGEV_THREAD_ID ? lx_thread_by_tid(t->tid) : NULL;
	if (target) {
		lx_signal_send(target, t->signo, SI_TIMER);
		return;
	}
	lx_me->pending |= 1UL << (t->signo - 1);
	lx_proc_wake(lx_me);
	for (int slot = 0; slot < lx_thread_slots(); slot++) { /* interrupt a thread that can take it */
		struct lx_thread *th = lx_thread_at(slot);
		if (th && !(th->sigmask & (1UL << (t->signo - 1)))) {
			lx_kick(th);
			break;
		}
	}
}

/*
 * Fire t if it is due; the real time until it may be due next (~0: disarmed).
 * CPU time advances no faster than real time (one CPU), so the CPU time left
 * is the soonest it can expire; it is looked at again then, CPU_TICK at least.
 */
static uint64_t run_timer(struct timer *t)
{
	if (!t->used || !t->next)
		return ~0UL;
	uint64_t now = clock_of(t);
	if (t->next <= now)
		fire(t, now);
	if (!t->next)
		return ~0UL;
	uint64_t wait = t->next > now ? t->next - now : 0;
	return cpu_clock(t) && wait < CPU_TICK ? CPU_TICK : wait;
}

/* The helper: fire what is due, sleep until the next expiry or a change, forever. */
static void timer_thread(struct lx_thread *self)
{
	(void)self;
	for (;;) {
		uint64_t wait = ~0UL;
		lx_lock();
		for (int i = 0; i < NTIMERS; i++) {
			uint64_t w = run_timer(&timers[i]);
			wait = w < wait ? w : wait;
		}
		lx_unlock();
		sys_ntfn_wait(helper_ntfn, wait == ~0UL ? TIMEOUT_FOREVER : wait);
	}
}

/* Set timer t to fire value ns from now (or at value on its clock, absolute), then every interval; wake the helper. */
static long arm(struct timer *t, uint64_t value, uint64_t interval, bool absolute)
{
	if (value && !helper) {
		if ((helper_ntfn = sys_ntfn_create()) < 0 || !(helper = lx_thread_helper(timer_thread)))
			return -EAGAIN;
	}
	uint64_t now = clock_of(t);
	t->next = !value ? 0 : absolute ? (value > now ? value : now ? now : 1) : now + value;
	t->interval = interval;
	if (helper)
		sys_ntfn_signal(helper_ntfn, HELPER_KICK);
	return 0;
}

/* Time left until t fires (1 us at least while armed). */
static uint64_t left(const struct timer *t)
{
	uint64_t now = t->next ? clock_of(t) : 0;
	return !t->next ? 0 : t->next > now ? t->next - now : 1000;
}

static void to_timeval(uint64_t ns, struct linux_timeval *tv)
{
	tv->tv_sec = (int64_t)(ns / 1000000000UL);
	tv->tv_usec = (int64_t)(ns % 1000000000UL / 1000);
}

static void to_timespec(uint64_t ns, struct linux_timespec *ts)
{
	ts->tv_sec = (int64_t)(ns / 1000000000UL);
	ts->tv_nsec = (int64_t)(ns % 1000000000UL);
}

/* ---- setitimer, getitimer, alarm ---- */
/*
 * ITIMER_VIRTUAL should count the process's user time and ITIMER_PROF its
 * user and system time. lx does a program's syscalls in ring 3, in the
 * program's own threads, and the kernel counts one CPU time per thread, so
 * the two cannot be told apart: both count all the CPU time of the process.
 */
static void itimer_current(int which, struct linux_timeval out[2])
{
	to_timeval(timers[which].interval, &out[0]);
	to_timeval(left(&timers[which]), &out[1]);
}

/* setitimer's timer which (ITIMER_*), set up to send its signal to the process. */
static struct timer *itimer(int which)
{
	static const int signo[NITIMERS] = { SIGALRM, SIGVTALRM, SIGPROF };
	struct timer *t = &timers[which];
	t->used = true;
	t->signo = signo[which];
	t->notify = SIGEV_SIGNAL;
	t->clock = which == ITIMER_REAL ? CLOCK_MONOTONIC : CLOCK_PROCESS_CPUTIME_ID;
	return t;
}

long lx_sys_getitimer(long which, uint64_t ucur)
{
	struct linux_timeval cur[2];
	if ((unsigned)which >= NITIMERS)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)ucur, sizeof(cur), true))
		return -EFAULT;
	itimer_current((int)which, cur);
	memcpy((void *)ucur, cur, sizeof(cur));
	return 0;
}

long lx_sys_setitimer(long which, uint64_t unew, uint64_t uold)
{
	struct linux_timeval nv[2] = { { 0, 0 }, { 0, 0 } }, ov[2];
	if ((unsigned)which >= NITIMERS)
		return -EINVAL;
	if ((unew && !mem_user_ok((uint64_t)unew, sizeof(nv), false)) || (uold && !mem_user_ok((uint64_t)uold, sizeof(ov), true)))
		return -EFAULT;
	if (unew)
		memcpy(nv, (const void *)unew, sizeof(nv));
	for (int i = 0; i < 2; i++)
		if (nv[i].tv_sec < 0 || nv[i].tv_usec < 0 || nv[i].tv_usec >= 1000000)
			return -EINVAL;
	itimer_current((int)which, ov);
	long r = arm(itimer((int)which), (uint64_t)nv[1].tv_sec * 1000000000UL + (uint64_t)nv[1].tv_usec * 1000UL,
		     (uint64_t)nv[0].tv_sec * 1000000000UL + (uint64_t)nv[0].tv_usec * 1000UL, false);
	if (r == 0 && uold)
		memcpy((void *)uold, ov, sizeof(ov));
	return r;
}

/* alarm: SIGALRM in secs seconds (0 cancels); the seconds that were left of the previous one. */
long lx_sys_alarm(long secs)
{
	uint64_t was = left(&timers[ITIMER_REAL]);
	long r = arm(itimer(ITIMER_REAL), (uint64_t)(unsigned)secs * 1000000000UL, 0, false);
	if (r < 0)
		return r;
	return (long)((was + 500000000UL) / 1000000000UL) + (was && was < 500000000UL);
}

/* ---- timer_create and friends ---- */
/* The timer timer_create gave id k, or NULL. */
static struct timer *timer_of(long k)
{
	return k >= 0 && k < NTIMERS - NITIMERS && timers[NITIMERS + k].used ? &timers[NITIMERS + k] : NULL;
}

/* Clocks a timer can run on: the real-time ones, and the CPU time of the process or of the calling thread. */
static bool timer_clock_ok(long clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_BOOTTIME ||
	       clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID;
}

long lx_sys_timer_create(long clk, uint64_t usev, long uid)
{
	struct linux_sigevent sev = { 0, SIGALRM, SIGEV_SIGNAL, 0 };
	clk = lx_clock_id(clk);
	if (!timer_clock_ok(clk))
		return -EINVAL;
	if ((usev && !mem_user_ok((uint64_t)usev, sizeof(sev), false)) || !mem_user_ok((uint64_t)uid, 4, true))
		return -EFAULT;
	if (usev)
		memcpy(&sev, (const void *)usev, sizeof(sev));
	if ((sev.notify != SIGEV_SIGNAL && sev.notify != SIGEV_NONE && sev.notify != SIGEV_THREAD_ID) ||
	    (sev.notify != SIGEV_NONE && (sev.signo <= 0 || sev.signo > NSIG)))
		return -EINVAL;
	for (int k = 0; k < NTIMERS - NITIMERS; k++)
		if (!timers[NITIMERS + k].used) {
			timers[NITIMERS + k] = (struct timer){ .used = true, .signo = sev.signo, .notify = sev.notify,
							       .tid = sev.tid, .clock = (int)clk, .ktid = lx_self()->kernel_tid };
			*(int32_t *)uid = k;
			return 0;
		}
	return -EAGAIN;
}

long lx_sys_timer_settime(long id, long flags, uint64_t unew, uint64_t uold)
{
	struct timer *t = timer_of((int)id);
	struct linux_timespec nv[2], ov[2];
	if (!t)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)unew, sizeof(nv), false) || (uold && !mem_user_ok((uint64_t)uold, sizeof(ov), true)))
		return -EFAULT;
	memcpy(nv, (const void *)unew, sizeof(nv));
	for (int i = 0; i < 2; i++)
		if (nv[i].tv_sec < 0 || nv[i].tv_nsec < 0 || nv[i].tv_nsec >= 1000000000L)
			return -EINVAL;
	to_timespec(t->interval, &ov[0]);
	to_timespec(left(t), &ov[1]);
	uint64_t value = (uint64_t)nv[1].tv_sec * 1000000000UL + (uint64_t)nv[1].tv_nsec;
	bool absolute = flags & TIMER_ABSTIME;
	if (absolute && value && t->clock == CLOCK_REALTIME) /* a realtime deadline, on the monotonic clock */
		value = value > lx_boot_time * 1000000000UL ? value - lx_boot_time * 1000000000UL : 1;
	long r = arm(t, value, (uint64_t)nv[0].tv_sec * 1000000000UL + (uint64_t)nv[0].tv_nsec, absolute);
	if (r == 0 && uold)
		memcpy((void *)uold, ov, sizeof(ov));
	return r;
}

long lx_sys_timer_gettime(long id, uint64_t ucur)
{
	struct timer *t = timer_of((int)id);
	struct linux_timespec cur[2];
	if (!t)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)ucur, sizeof(cur), true))
		return -EFAULT;
	to_timespec(t->interval, &cur[0]);
	to_timespec(left(t), &cur[1]);
	memcpy((void *)ucur, cur, sizeof(cur));
	return 0;
}

long lx_sys_timer_getoverrun(long id)
{
	struct timer *t = timer_of((int)id);
	return t ? (long)t->overrun : -EINVAL;
}

long lx_sys_timer_delete(long id)
{
	struct timer *t = timer_of((int)id);
	if (!t)
		return -EINVAL;
	*t = (struct timer){ 0 };
	return 0;
}

/* exec: the POSIX timers go; setitimer's stay (as on Linux). */
void lx_itimer_exec(void)
{
	memset(&timers[NITIMERS], 0, sizeof(timers) - NITIMERS * sizeof(timers[0]));
}

/* A forked child has no timers and no helper of its own yet. */
void lx_itimer_fork_child(void)
{
	/* write only where needed: each write copies a page (an unused timer is all 0) */
	for (int i = 0; i < NTIMERS; i++)
		if (timers[i].used)
			timers[i] = (struct timer){ 0 };
	if (helper)
		helper = NULL;
	if (helper_ntfn)
		helper_ntfn = 0;
}
