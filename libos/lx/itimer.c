/* setitimer, getitimer and alarm (ITIMER_REAL): a helper thread of lx's sleeps until the timer and sends SIGALRM. */
#include "libos/lx/lx.h"

#define ITIMER_REAL 0
#define SIGALRM 14

/* The process's real-time interval timer (not inherited by a fork; kept across exec). */
static uint64_t next_ns, interval_ns; /* next expiry on the monotonic clock (0: disarmed), and the period */
static struct lx_thread *helper;
static long helper_ntfn;

/* The helper: sleep until the timer is due (or changed), then SIGALRM to the process, a kick to a thread that can take it. */
static void alarm_thread(struct lx_thread *self)
{
	(void)self;
	for (;;) {
		lx_lock();
		uint64_t now = clock_ns(), wait = next_ns ? (next_ns > now ? next_ns - now : 0) : TIMEOUT_FOREVER;
		if (next_ns && now >= next_ns) {
			next_ns = interval_ns ? now + interval_ns : 0;
			lx_me->pending |= 1UL << (SIGALRM - 1);
			lx_proc_wake(lx_me);
			for (int tid = 1; tid <= LX_MAX_THREADS; tid++) {
				struct lx_thread *t = lx_thread_by_tid(tid);
				if (t && !(t->sigmask & (1UL << (SIGALRM - 1)))) {
					lx_kick(t);
					break;
				}
			}
			wait = next_ns ? interval_ns : TIMEOUT_FOREVER;
		}
		lx_unlock();
		sys_ntfn_wait(helper_ntfn, wait);
	}
}

/* The helper, made the first time a timer is armed. 0, or -EAGAIN. */
static long ensure_helper(void)
{
	if (helper)
		return 0;
	if ((helper_ntfn = sys_ntfn_create()) < 0)
		return -EAGAIN;
	helper = lx_thread_helper(alarm_thread);
	return helper ? 0 : -EAGAIN;
}

static void to_timeval(uint64_t ns, struct linux_timeval *tv)
{
	tv->tv_sec = (int64_t)(ns / 1000000000UL);
	tv->tv_usec = (int64_t)(ns % 1000000000UL / 1000);
}

/* The current setting: { interval, value left }. */
static void current(struct linux_timeval out[2])
{
	uint64_t now = clock_ns();
	to_timeval(interval_ns, &out[0]);
	to_timeval(next_ns > now ? next_ns - now : next_ns ? 1000 : 0, &out[1]);
}

/* Arm (value > 0) or disarm the timer. */
static long arm(uint64_t value, uint64_t interval)
{
	if (value) {
		long r = ensure_helper();
		if (r < 0)
			return r;
	}
	next_ns = value ? clock_ns() + value : 0;
	interval_ns = interval;
	if (helper)
		sys_ntfn_signal(helper_ntfn, 1); /* look at the new setting */
	return 0;
}

long lx_sys_getitimer(long which, long ucur, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
	struct linux_timeval cur[2];
	if ((int)which != ITIMER_REAL)
		return -EINVAL; /* ITIMER_VIRTUAL and ITIMER_PROF need CPU accounting lx does not have yet */
	if (!mem_user_ok((uint64_t)ucur, sizeof(cur), true))
		return -EFAULT;
	current(cur);
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
	current(ov);
	long r = arm((uint64_t)nv[1].tv_sec * 1000000000UL + (uint64_t)nv[1].tv_usec * 1000UL,
		     (uint64_t)nv[0].tv_sec * 1000000000UL + (uint64_t)nv[0].tv_usec * 1000UL);
	if (r == 0 && uold)
		memcpy((void *)uold, ov, sizeof(ov));
	return r;
}

/* alarm: SIGALRM in secs seconds (0 cancels); the seconds that were left of the previous one. */
long lx_sys_alarm(long secs, long a2, long a3, long a4, long a5, long a6)
{
	(void)a2, (void)a3, (void)a4, (void)a5, (void)a6;
	struct linux_timeval old[2];
	current(old);
	long r = arm((uint64_t)(unsigned)secs * 1000000000UL, 0);
	if (r < 0)
		return r;
	return old[1].tv_sec + (old[1].tv_usec >= 500000 || (old[1].tv_sec == 0 && old[1].tv_usec > 0));
}

/* A forked child has no timer and no helper of its own yet. */
void lx_itimer_fork_child(void)
{
	next_ns = interval_ns = 0;
	helper = NULL;
	helper_ntfn = 0;
}
