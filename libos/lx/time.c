/* Clocks and sleeps: clock_gettime and its family, nanosleep, the CPU-time clock ids. */
#include "libos/lx/lx.h"

static void ns_to_timespec(uint64_t ns, struct linux_timespec *ts)
{
	ts->tv_sec = (int64_t)(ns / 1000000000UL);
	ts->tv_nsec = (int64_t)(ns % 1000000000UL);
}

/*
 * Linux also names CPU-time clocks by encoded ids: ~pid << 3 | type for a
 * process, ~tid << 3 | 4 | type for a thread (type 0, 1 or 2: profiling,
 * virtual or scheduler time), pid or tid 0 being the caller; glibc passes
 * them to timer_create. The caller's own become CLOCK_PROCESS_CPUTIME_ID or
 * CLOCK_THREAD_CPUTIME_ID (every type counts the same time here); other
 * processes' and threads' clocks are not offered: -EINVAL.
 */
long lx_clock_id(long clk)
{
	clk = (int)clk; /* clockid_t is an int: the upper half of the register is not its */
	if (clk >= 0)
		return clk;
	long id = ~(clk >> 3);
	if ((clk & 3) == 3)
		return -EINVAL;
	if (clk & 4)
		return id == 0 || id == lx_self()->tid ? CLOCK_THREAD_CPUTIME_ID : -EINVAL;
	return id == 0 || id == lx_pid ? CLOCK_PROCESS_CPUTIME_ID : -EINVAL;
}

/* The coarse clocks' step: Linux's tick at HZ=250, as Debian's kernels are built, whose time they read. */
#define COARSE_NS 4000000UL

/* The step of clock id's readings (its resolution), in ns. */
static uint64_t step_of(long id)
{
	return id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE ? COARSE_NS : 1;
}

/* The clock's reading in ns: realtime is the launch time plus time since boot; a coarse clock's is the
 * last tick's, a multiple of COARSE_NS since boot (the launch time is whole seconds, so realtime's too). */
long clock_ns_of(long clk, uint64_t *ns)
{
	long id = lx_clock_id(clk);
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = lx_boot_time * 1000000000UL + clock_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		break;
	case CLOCK_PROCESS_CPUTIME_ID: /* the kernel counts the CPU time of each env and thread */
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = (uint64_t)sys_cpu_time(clk == CLOCK_PROCESS_CPUTIME_ID, 0);
		break;
	default:
		return -EINVAL;
	}
	if (step_of(id) > 1)
		*ns -= *ns % COARSE_NS; /* (a constant: the fine clocks divide nothing) */
	return 0;
}

long lx_sys_clock_gettime(long clk, long tp)
{
	uint64_t ns;
	struct linux_timespec ts;
	long r = clock_ns_of(clk, &ns);
	if (r < 0)
		return r;
	ns_to_timespec(ns, &ts);
	return copy_to_user((uint64_t)tp, &ts, sizeof(ts));
}

long lx_sys_clock_getres(long clk, long tp)
{
	uint64_t ns;
	struct linux_timespec ts = { 0, (int64_t)step_of(lx_clock_id(clk)) };
	long r = clock_ns_of(clk, &ns);
	return r < 0 ? r : tp ? copy_to_user((uint64_t)tp, &ts, sizeof(ts)) : 0;
}

long lx_sys_gettimeofday(long tv, long tz)
{
	(void)tz;
	uint64_t ns;
	clock_ns_of(CLOCK_REALTIME, &ns);
	struct linux_timeval t = { (int64_t)(ns / 1000000000UL), (int64_t)(ns % 1000000000UL / 1000) };
	return tv ? copy_to_user((uint64_t)tv, &t, sizeof(t)) : 0;
}

long lx_sys_time(long tloc)
{
	uint64_t ns;
	clock_ns_of(CLOCK_REALTIME, &ns);
	int64_t t = (int64_t)(ns / 1000000000UL);
	if (tloc && copy_to_user((uint64_t)tloc, &t, sizeof(t)) < 0)
		return -EFAULT;
	return t;
}

/* Sleep until the clock reads deadline ns. */
static long sleep_until(long clk, uint64_t deadline)
{
	uint64_t now = 0;
	while (clock_ns_of(clk, &now) == 0 && now < deadline) {
		if (lx_signal_interrupts())
			return -EINTR;
		lx_thread_wait(deadline - now);
	}
	return 0;
}

long lx_sys_nanosleep(long req, long rem)
{
	uint64_t ns, now;
	long r = lx_read_timespec(req, &ns);
	if (r < 0)
		return r;
	clock_ns_of(CLOCK_MONOTONIC, &now);
	r = sleep_until(CLOCK_MONOTONIC, now + ns);
	uint64_t end;
	clock_ns_of(CLOCK_MONOTONIC, &end);
	struct linux_timespec left = { 0, 0 };
	if (r == -EINTR && end < now + ns)
		ns_to_timespec(now + ns - end, &left);
	if (rem && copy_to_user((uint64_t)rem, &left, sizeof(left)) < 0)
		return -EFAULT;
	return r;
}

long lx_sys_clock_nanosleep(long clk, long flags, long req, long rem)
{
	(void)rem;
	uint64_t ns, now = 0;
	long r = lx_read_timespec(req, &ns);
	if (r == 0)
		r = clock_ns_of(clk, &now);
	if (r < 0)
		return r;
	return sleep_until(clk, (flags & TIMER_ABSTIME) ? ns : now + ns);
}

/* A program's struct timespec at uts as ns: 0, or -EFAULT, -EINVAL (a negative or unnormalised one). */
long lx_read_timespec(long uts, uint64_t *ns)
{
	struct linux_timespec ts;
	if (copy_from_user(&ts, (uint64_t)uts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec * 1000000000UL + (uint64_t)ts.tv_nsec;
	return 0;
}
