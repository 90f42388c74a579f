/* Timers that send signals — setitimer/alarm (ITIMER_REAL) and timer_create — run by a helper thread of lx's. */
#include "libos/lx/lx.h"

#define ITIMER_REAL 0
#define SIGALRM 14
#define NTIMERS 32 /* slot 0 is ITIMER_REAL; timer_create ids are 1.. */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1

/* One timer of the process (not inherited by a fork; kept across exec). Times are on the monotonic clock. */
struct timer {
	bool used;
	int signo, notify, tid, clock;
	uint64_t next, interval; /* next expiry (0: disarmed) and the period */
	uint64_t overrun;
};
static struct timer timers[NTIMERS];
static struct lx_thread *helper;
static long helper_ntfn;

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
		lx_signal_send(target, t->signo, -2 /* SI_TIMER */);
		return;
	}
	lx_me->pending |= 1UL << (t->signo - 1);
	lx_proc_wake(lx_me);
	for (int tid = 1; tid <= LX_MAX_THREADS; tid++) { /* interrupt a thread that can take it */
		struct lx_thread *th = lx_thread_by_tid(tid);
		if (th && !(th->sigmask & (1UL << (t->signo - 1)))) {
			lx_kick(th);
			break;
		}
	}
}

/* The helper: fire what is due, sleep until the next expiry or a change, forever. */
static void timer_thread(struct lx_thread *self)
{
	(void)self;
	for (;;) {
		lx_lock();
		uint64_t now = clock_ns(), next = ~0UL;
		for (int i = 0; i < NTIMERS; i++) {
			struct timer *t = &timers[i];
			if (t->used && t->next && t->next <= now)
				fire(t, now);
			if (t->used && t->next && t->next < next)
				next = t->next;
		}
		lx_unlock();
		sys_ntfn_wait(helper_ntfn, next == ~0UL ? TIMEOUT_FOREVER : next > now ? next - now : 0);
	}
}

/* Set timer t to fire value ns from now (or at absolute monotonic time abs), then every interval; wake the helper. */
static long arm(struct timer *t, uint64_t value, uint64_t interval, bool absolute)
{
	if (value && !helper) {
		if ((helper_ntfn = sys_ntfn_create()) < 0 || !(helper = lx_thread_helper(timer_thread)))
			return -EAGAIN;
	}
	uint64_t now = clock_ns();
	t->next = !value ? 0 : absolute ? (value > now ? value : now) : now + value;
	t->interval = interval;
	if (helper)
		sys_ntfn_signal(helper_ntfn, 1);
	return 0;
}

/* Time left until t fires (1 us at least while armed). */
static uint64_t left(const struct timer *t)
{
	uint64_t now = clock_ns();
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
static void itimer_current(struct linux_timeval out[2])
{
	to_timeval(timers[0].interval, &out[0]);
	to_timeval(left(&timers[0]), &out[1]);
}

static struct timer *real_timer(void)
{
	struct timer *t = &timers[0];
	t->used = true;
	t->signo = SIGALRM;
	t->notify = SIGEV_SIGNAL;
	return t;
}

long lx_sys_getitimer(long which, long ucur, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
	struct linux_timeval cur[2];
	if ((int)which != ITIMER_REAL)
		return -EINVAL; /* ITIMER_VIRTUAL and ITIMER_PROF need CPU accounting lx does not have yet */
	if (!mem_user_ok((uint64_t)ucur, sizeof(cur), true))
		return -EFAULT;
	itimer_current(cur);
	memcpy((void *)ucur, cur, sizeof(cur));
	return 0;
}

long lx_sys_setitimer(long which, long unew, long uold, long a4, long a5, long a6)
{
	(void)a4, (void)a5, (void)a6;
	struct linux_timeval nv[2] = { { 0, 0 }, { 0, 0 } }, ov[2];
	if ((int)which != ITIMER_REAL)
		return -EINVAL;
	if ((unew && !mem_user_ok((uint64_t)unew, sizeof(nv), false)) || (uold && !mem_user_ok((uint64_t)uold, sizeof(ov), true)))
		return -EFAULT;
	if (unew)
		memcpy(nv, (const void *)unew, sizeof(nv));
	for (int i = 0; i < 2; i++)
		if (nv[i].tv_sec < 0 || nv[i].tv_usec < 0 || nv[i].tv_usec >= 1000000)
			return -EINVAL;
	itimer_current(ov);
	long r = arm(real_timer(), (uint64_t)nv[1].tv_sec * 1000000000UL + (uint64_t)nv[1].tv_usec * 1000UL,
		     (uint64_t)nv[0].tv_sec * 1000000000UL + (uint64_t)nv[0].tv_usec * 1000UL, false);
	if (r == 0 && uold)
		memcpy((void *)uold, ov, sizeof(ov));
	return r;
}

/* alarm: SIGALRM in secs seconds (0 cancels); the seconds that were left of the previous one. */
long lx_sys_alarm(long secs, long a2, long a3, long a4, long a5, long a6)
{
	(void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
	uint64_t was = left(&timers[0]);
	long r = arm(real_timer(), (uint64_t)(unsigned)secs * 1000000000UL, 0, false);
	if (r < 0)
		return r;
	return (long)((was + 500000000UL) / 1000000000UL) + (was && was < 500000000UL);
}

/* ---- timer_create and friends ---- */
static struct timer *timer_of(long id)
{
	return id >= 1 && id < NTIMERS && timers[id].used ? &timers[id] : NULL;
}

long lx_sys_timer_create(long clk, long usev, long uid, long a4, long a5, long a6)
{
	(void)a4, (void)a5, (void)a6;
	struct { uint64_t value; int32_t signo, notify, tid; } sev = { 0, 14, SIGEV_SIGNAL, 0 };
	if (clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME)
		return -EINVAL;
	if ((usev && !mem_user_ok((uint64_t)usev, sizeof(sev), false)) || !mem_user_ok((uint64_t)uid, 4, true))
		return -EFAULT;
	if (usev)
		memcpy(&sev, (const void *)usev, sizeof(sev));
	if ((sev.notify != SIGEV_SIGNAL && sev.notify != SIGEV_NONE && sev.notify != SIGEV_THREAD_ID) ||
	    (sev.notify != SIGEV_NONE && (sev.signo < 1 || sev.signo > 64)))
		return -EINVAL;
	for (int id = 1; id < NTIMERS; id++)
		if (!timers[id].used) {
			timers[id] = (struct timer){ .used = true, .signo = sev.signo, .notify = sev.notify, .tid = sev.tid,
						     .clock = (int)clk };
			*(int32_t *)uid = id;
			return 0;
		}
	return -EAGAIN;
}

long lx_sys_timer_settime(long id, long flags, long unew, long uold, long a5, long a6)
{
	(void)a5, (void)a6;
	extern uint64_t lx_boot_time;
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

long lx_sys_timer_gettime(long id, long ucur, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
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

long lx_sys_timer_getoverrun(long id, long a2, long a3, long a4, long a5, long a6)
{
	(void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
	struct timer *t = timer_of((int)id);
	return t ? (long)t->overrun : -EINVAL;
}

long lx_sys_timer_delete(long id, long a2, long a3, long a4, long a5, long a6)
{
	(void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
	struct timer *t = timer_of((int)id);
	if (!t)
		return -EINVAL;
	*t = (struct timer){ 0 };
	return 0;
}

/* A forked child has no timers and no helper of its own yet. */
void lx_itimer_fork_child(void)
{
	memset(timers, 0, sizeof(timers));
	helper = NULL;
	helper_ntfn = 0;
}
