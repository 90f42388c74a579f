/* Identity, time, limits, randomness, thread-area and signal bookkeeping: the small syscalls. */
#include "libos/lx/lx.h"


extern uint64_t lx_boot_time;
/* This process's limits (kept across exec, copied at fork), as Linux starts them. */
static struct linux_rlimit rlimits[RLIMIT_NLIMITS] = {
	[RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_STACK] = { LX_STACK_MAX, RLIM_INFINITY },
	[RLIMIT_CORE] = { 0, RLIM_INFINITY },
	[RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_NPROC] = { LX_MAX_PROCS, LX_MAX_PROCS }, /* the process table's size */
	[RLIMIT_NOFILE] = { 1024, 4096 },
	[RLIMIT_MEMLOCK] = { 8UL << 20, 8UL << 20 },
	[RLIMIT_SIGPENDING] = { 1024, 1024 },
	[RLIMIT_MSGQUEUE] = { 819200, 819200 },
	[RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
	[RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

uint64_t lx_rlimit(int res)
{
	return rlimits[res].cur;
}

/* reboot: as the only process of its VM, the program may power it off (status 0). */
long lx_sys_reboot(long magic1, long magic2, long cmd, long arg)
{
	(void)arg;
	uint32_t m2 = (uint32_t)magic2;
	if ((uint32_t)magic1 != LINUX_REBOOT_MAGIC1 || (m2 != LINUX_REBOOT_MAGIC2 && m2 != LINUX_REBOOT_MAGIC2A &&
							m2 != LINUX_REBOOT_MAGIC2B && m2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch ((uint32_t)cmd) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_RESTART:
		lx_exit(0);
	default:
		return -EINVAL;
	}
}

/* rseq: not offered; glibc goes on without it. */
long lx_sys_rseq(void)
{
	return -ENOSYS;
}

static long put_user(long addr, const void *src, size_t n);

static char task_name[16] = "init";

long lx_sys_prctl(long op, long arg)
{
	switch (op) {
	case 15: { /* PR_SET_NAME: at most 15 bytes of it */
		char name[sizeof(task_name)] = { 0 };
		if (strncpy_from_user(name, (uint64_t)arg, sizeof(name) - 1) < 0)
			return -EFAULT;
		memcpy(task_name, name, sizeof(name));
		return 0;
	}
	case 16: /* PR_GET_NAME */
		return put_user(arg, task_name, sizeof(task_name));
	case 3: /* PR_GET_DUMPABLE */
		return 1;
	case 4: /* PR_SET_DUMPABLE */
		return arg == 0 || arg == 1 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}


/* Copy n bytes to the program at addr; -EFAULT if it may not be written. */
static long put_user(long addr, const void *src, size_t n)
{
	return copy_to_user((uint64_t)addr, src, n);
}

/* Copy n bytes of the program at addr; -EFAULT if it may not be read. */
static long get_user(void *dst, long addr, size_t n)
{
	return copy_from_user(dst, (uint64_t)addr, n);
}

long lx_sys_uname(long buf)
{
	struct linux_utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, "mica", sizeof(u.nodename));
	strlcpy(u.release, "6.1.0-mica", sizeof(u.release));
	strlcpy(u.version, "#1 SMP Mica lx", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return put_user(buf, &u, sizeof(u));
}

long lx_sys_arch_prctl(long code, long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if ((uint64_t)addr >= USER_TOP)
			return -EPERM;
		lx_self()->fs = (uint64_t)addr;
		return lx_errno(sys_thread_set(0, THREAD_FSBASE, (uint64_t)addr));
	case ARCH_GET_FS:
		return put_user(addr, &lx_self()->fs, sizeof(uint64_t));
	default:
		return -EINVAL; /* gs belongs to lx */
	}
}

/* ---- time ---- */
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

/* The clock's reading in ns: realtime is the launch time plus time since boot. */
long clock_ns_of(long clk, uint64_t *ns)
{
	switch (lx_clock_id(clk)) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = lx_boot_time * 1000000000UL + clock_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID: /* the kernel counts the CPU time of each env and thread */
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = (uint64_t)sys_cpu_time(clk == CLOCK_PROCESS_CPUTIME_ID, 0);
		return 0;
	default:
		return -EINVAL;
	}
}

long lx_sys_clock_gettime(long clk, long tp)
{
	uint64_t ns;
	struct linux_timespec ts;
	long r = clock_ns_of(clk, &ns);
	if (r < 0)
		return r;
	ns_to_timespec(ns, &ts);
	return put_user(tp, &ts, sizeof(ts));
}

long lx_sys_clock_getres(long clk, long tp)
{
	uint64_t ns;
	struct linux_timespec ts = { 0, 1 };
	long r = clock_ns_of(clk, &ns);
	return r < 0 ? r : tp ? put_user(tp, &ts, sizeof(ts)) : 0;
}

long lx_sys_gettimeofday(long tv, long tz)
{
	(void)tz;
	uint64_t ns;
	clock_ns_of(CLOCK_REALTIME, &ns);
	struct linux_timeval t = { (int64_t)(ns / 1000000000UL), (int64_t)(ns % 1000000000UL / 1000) };
	return tv ? put_user(tv, &t, sizeof(t)) : 0;
}

long lx_sys_time(long tloc)
{
	uint64_t ns;
	clock_ns_of(CLOCK_REALTIME, &ns);
	int64_t t = (int64_t)(ns / 1000000000UL);
	if (tloc && put_user(tloc, &t, sizeof(t)) < 0)
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
	if (rem && put_user(rem, &left, sizeof(left)) < 0)
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

/* ---- limits and system information ---- */
long lx_sys_prlimit64(long pid, long res, long new, long old)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res < 0 || res >= RLIMIT_NLIMITS)
		return -EINVAL;
	if (old && put_user(old, &rlimits[res], sizeof(rlimits[res])) < 0)
		return -EFAULT;
	if (new) {
		struct linux_rlimit l;
		if (get_user(&l, new, sizeof(l)) < 0)
			return -EFAULT;
		if (l.cur > l.max)
			return -EINVAL;
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
	return put_user(info, &si, sizeof(si));
}

/* Does the CPU have rdrand (CPUID.1:ECX bit 30)? Asked once. */
static bool have_rdrand(void)
{
	static int known; /* 0 not asked, 1 yes, -1 no */
	if (!known) {
		uint32_t a = 1, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		known = (c >> 30) & 1 ? 1 : -1;
	}
	return known > 0;
}

/* Random bytes: rdrand when the CPU has it, else (not fit for keys) a xorshift seeded from the TSC. */
static uint64_t random64(void)
{
	static uint64_t x;
	uint64_t v;
	unsigned char ok = 0;
	if (have_rdrand())
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	if (ok)
		return v;
	if (!x)
		x = rdtsc() ?: 1; /* xorshift's state must not be 0 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

void lx_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = random64();
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

long lx_sys_getrandom(long buf, long len, long flags)
{
	if (len < 0 || (flags & ~7L)) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
		return -EINVAL;
	if (!mem_user_ok((uint64_t)buf, (uint64_t)len, true))
		return -EFAULT;
	lx_random_bytes((void *)buf, (size_t)len);
	return len;
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

/* times: clock ticks (100 a second) since boot; the process's and its reaped children's CPU time as in getrusage. */
long lx_sys_times(long buf)
{
	uint64_t ticks = clock_ns() / 10000000UL,
		 t[4] = { (uint64_t)sys_cpu_time(1, 0) / 10000000UL, 0, lx_me->children_ns / 10000000UL, 0 };
	if (buf && put_user(buf, t, sizeof(t)) < 0)
		return -EFAULT;
	return (long)ticks;
}

/*
 * Capabilities: every process of lx runs as root, with all of them (those
 * up to CAP_CHECKPOINT_RESTORE, 40), and none inheritable; capset accepts
 * what it is given without enforcing anything, as nothing here checks them.
 */

/* The words of capability data a header's version asks for (1 or 2), or 0 for an unknown version (then set to v3). */
static int cap_words(long uhdr)
{
	if (!mem_user_ok((uint64_t)uhdr, 8, true))
		return -EFAULT;
	uint32_t v = *(uint32_t *)uhdr;
	if (v == CAP_V1)
		return 1;
	if (v == CAP_V2 || v == CAP_V3)
		return 2;
	*(uint32_t *)uhdr = CAP_V3;
	return 0;
}

long lx_sys_capget(uint64_t uhdr, uint64_t udata)
{
	int words = cap_words(uhdr);
	if (words <= 0)
		return words < 0 ? words : udata ? -EINVAL : 0;
	if (*(int32_t *)(uhdr + 4) < 0)
		return -EINVAL;
	if (!udata)
		return 0;
	uint32_t data[2][3] = { { 0xFFFFFFFFu, 0xFFFFFFFFu, 0 }, { 0x1FF, 0x1FF, 0 } };
	return put_user(udata, data, (size_t)words * 12);
}

long lx_sys_capset(uint64_t uhdr, uint64_t udata)
{
	int words = cap_words(uhdr);
	if (words <= 0)
		return words < 0 ? words : -EINVAL;
	if (*(int32_t *)(uhdr + 4) != 0 && *(int32_t *)(uhdr + 4) != lx_pid)
		return -EPERM;
	return mem_user_ok((uint64_t)udata, (size_t)words * 12, false) ? 0 : -EFAULT;
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

/* sync: lx's files live in memory; there is nothing to write back (syncfs is fsync's twin, in vfs_io.c). */
long lx_sys_sync(void)
{
	return 0;
}
