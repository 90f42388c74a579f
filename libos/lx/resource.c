/* Resources and their use: limits (prlimit64 and its older forms), sysinfo, getrusage, times, priorities. */
#include "libos/lx/lx.h"

/* The first process's limits, as Linux starts them. */
static const struct linux_rlimit rlimit_defaults[RLIMIT_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { LX_STACK_MAX, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { LX_MAX_TASKS, LX_MAX_TASKS }, /* as many threads as the process table's can have */
	[RLIMIT_NOFILE] = { 1024, 4096 },
	[RLIMIT_MEMLOCK] = { 8UL << 20, 8UL << 20 },
	[RLIMIT_SIGPENDING] = { 1024, 1024 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

/* This process's limits (kept across exec, copied at fork) are in its entry, for /proc/PID/limits. */
#define rlimits (lx_me->rlimits)

void lx_rlimits_init(void)
{
	memcpy(rlimits, rlimit_defaults, sizeof(rlimit_defaults));
}

uint64_t lx_rlimit(int res)
{
	return rlimits[res].cur;
}

long lx_sys_prlimit64(long pid, long res, long new, long old)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res < 0 || res >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (old && copy_to_user((uint64_t)old, &rlimits[res], sizeof(rlimits[res])) < 0)
		return -EFAULT;
	if (new) {
		struct linux_rlimit l;
		if (copy_from_user(&l, (uint64_t) new, sizeof(l)) < 0)
			return -EFAULT;
		if (l.cur > l.max)
			return -EINVAL;
		if (l.max > rlimits[res].max && !lx_cred_privileged())
			return -EPERM; /* only a privileged process raises a hard limit */
		if (res == RLIMIT_NOFILE && l.max > LX_NFD)
			return -EPERM; /* as Linux over its nr_open */
		rlimits[res] = l;
	}
	return 0;
}

long lx_sys_getrlimit(long res, long old)
{
	return lx_sys_prlimit64(0, res, 0, old);
}

long lx_sys_setrlimit(long res, long new)
{
	return lx_sys_prlimit64(0, res, new, 0);
}

long lx_sys_sysinfo(long info)
{
	struct linux_sysinfo si;
	memset(&si, 0, sizeof(si));
	si.uptime = (int64_t)(clock_ns() / 1000000000UL);
	si.totalram = KIP->frames_total * PAGE_SIZE;
	si.freeram = KIP->frames_free * PAGE_SIZE;
	si.procs = 1;
	si.mem_unit = 1;
	return copy_to_user((uint64_t)info, &si, sizeof(si));
}

/*
 * getrusage: the CPU time the kernel counted for the process (0) or thread
 * (1), or that the process's reaped children used (-1: theirs and their
 * reaped children's, as each counted at its end), all as user time; no
 * other counters yet.
 */
long lx_sys_getrusage(long who, uint64_t usage)
{
	who = (int)who;
	if (who != 0 && who != -1 && who != 1)
		return -EINVAL;
	return lx_put_rusage(usage, who == -1 ? lx_me->children_ns : (uint64_t)sys_cpu_time(who == 0, 0));
}

/* times: clock ticks (LINUX_USER_HZ a second) since boot; the process's and its reaped children's CPU time as in getrusage. */
long lx_sys_times(long buf)
{
	uint64_t tick = 1000000000UL / LINUX_USER_HZ, ticks = clock_ns() / tick;
	struct linux_tms t = { .tms_utime = (int64_t)((uint64_t)sys_cpu_time(1, 0) / tick),
			       .tms_cutime = (int64_t)(lx_me->children_ns / tick) };
	if (buf && copy_to_user((uint64_t)buf, &t, sizeof(t)) < 0)
		return -EFAULT;
	return (long)ticks;
}

/* Scheduling priority: every process runs at nice 0 (getpriority's raw answer is 20 - nice); setting one is accepted. */
long lx_sys_getpriority(long which, long who)
{
	(void)who;
	return which < 0 || which > 2 ? -EINVAL : 20;
}

long lx_sys_setpriority(long which, long who, long prio)
{
	(void)who, (void)prio;
	return which < 0 || which > 2 ? -EINVAL : 0;
}
