/* Identity, uname, clocks, sleeping, randomness, resource limits, and what an unknown syscall returns. */
#define T_NAME "sys"
#include "check.h"

#include <stdint.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void check_ids(void)
{
	pid_t pid = getpid();
	long tid = syscall(SYS_gettid);
	CHECK("getpid", pid > 0, "getpid is %d", pid);
	CHECK("gettid-is-pid", tid == pid, "gettid %ld, getpid %d: a single-threaded process's thread id is its pid", tid, pid);
	CHECK("getppid", getppid() >= 0 && getppid() != pid, "getppid is %d", getppid());
	CHECK("uid", getuid() == geteuid(), "getuid %u, geteuid %u", getuid(), geteuid());
	CHECK("gid", getgid() == getegid(), "getgid %u, getegid %u", getgid(), getegid());
	CHECK("getpgrp", getpgrp() > 0, "getpgrp is %d", getpgrp());
	int n = getgroups(0, NULL);
	CHECK("getgroups", n >= 0 && n <= 65536, "getgroups(0) is %d", n);
	errno = 0;
	check_err("getgroups-negative", getgroups(-1, NULL), EINVAL);
}

static void check_uname(void)
{
	struct utsname u;
	if (!check_ok("uname", uname(&u)))
		return;
	CHECK("uname-sysname", strcmp(u.sysname, "Linux") == 0, "sysname is \"%s\"", u.sysname);
	CHECK("uname-machine", strcmp(u.machine, "x86_64") == 0, "machine is \"%s\"", u.machine);
	CHECK("uname-release", u.release[0] >= '2' && u.release[0] <= '9' && u.release[1] == '.',
	      "release is \"%s\"", u.release);
	CHECK("uname-nodename", u.nodename[0] != 0, "nodename is empty");
	CHECK("uname-version", u.version[0] != 0, "version is empty");
}

static void check_clocks(void)
{
	struct timespec a, b, res;
	int mono_ok = 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 2000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns_of(&b) < ns_of(&a))
			mono_ok = 0;
		if (b.tv_nsec < 0 || b.tv_nsec >= 1000000000)
			mono_ok = 0;
		a = b;
	}
	CHECK("monotonic-nondecreasing", mono_ok, "CLOCK_MONOTONIC went backwards or tv_nsec out of range");
	check_ok("clock-monotonic-raw", clock_gettime(CLOCK_MONOTONIC_RAW, &b));
	check_ok("clock-boottime", clock_gettime(CLOCK_BOOTTIME, &b));
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	CHECK("realtime-recent", rt.tv_sec > 1700000000, "CLOCK_REALTIME is %lld s", (long long)rt.tv_sec);
	time_t t = time(NULL);
	CHECK("time-matches-realtime", t >= rt.tv_sec && t <= rt.tv_sec + 2, "time() %lld, CLOCK_REALTIME %lld",
	      (long long)t, (long long)rt.tv_sec);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	CHECK("gettimeofday", tv.tv_sec >= rt.tv_sec && tv.tv_sec <= rt.tv_sec + 2 && tv.tv_usec < 1000000,
	      "gettimeofday %lld.%06ld, CLOCK_REALTIME %lld", (long long)tv.tv_sec, (long)tv.tv_usec, (long long)rt.tv_sec);
	memset(&res, 0, sizeof(res));
	int gr = clock_getres(CLOCK_MONOTONIC, &res);
	CHECK("clock-getres", gr == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
	      res.tv_nsec <= 10000000, "CLOCK_MONOTONIC resolution %lld.%09ld", (long long)res.tv_sec, res.tv_nsec);
	/* the coarse clock: a tick's steps (Linux's HZ, 100 to 1000), its reading the last tick's, never ahead */
	struct timespec cres = { 0, 0 }, m1, coarse, m2;
	int cr = clock_getres(CLOCK_MONOTONIC_COARSE, &cres);
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	CHECK("clock-coarse", cr == 0 && cres.tv_sec == 0 && cres.tv_nsec >= 1000000 && cres.tv_nsec <= 10000000 &&
	      ns_of(&coarse) <= ns_of(&m2) && ns_of(&coarse) + 4 * cres.tv_nsec >= ns_of(&m1),
	      "resolution %ld ns, CLOCK_MONOTONIC_COARSE %lld between CLOCK_MONOTONIC %lld and %lld", cres.tv_nsec,
	      (long long)ns_of(&coarse), (long long)ns_of(&m1), (long long)ns_of(&m2));
	errno = 0;
	check_err("clock-invalid", clock_gettime((clockid_t)1000, &b), EINVAL);
}

static void check_sleep(void)
{
	struct timespec a, b, d = { 0, 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = nanosleep(&d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	int64_t took = ns_of(&b) - ns_of(&a);
	CHECK("nanosleep-1ms", r == 0 && took >= 1000000 && took < 2000000000LL, "returned %d, slept %lld ns", r,
	      (long long)took);
	d.tv_nsec = 20000000;
	clock_gettime(CLOCK_MONOTONIC, &a);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = ns_of(&b) - ns_of(&a);
	CHECK("clock-nanosleep-20ms", r == 0 && took >= 20000000 && took < 2000000000LL, "returned %d, slept %lld ns",
	      r, (long long)took);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &a);
	until = a;
	until.tv_nsec += 5000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK("clock-nanosleep-abs", r == 0 && ns_of(&b) >= ns_of(&until), "returned %d, woke %lld ns early", r,
	      (long long)(ns_of(&until) - ns_of(&b)));
	d.tv_sec = 0;
	d.tv_nsec = 1000000000;
	errno = 0;
	check_err("nanosleep-bad-nsec", nanosleep(&d, NULL), EINVAL);
}

static void check_random(void)
{
	unsigned char a[64], b[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	ssize_t ra = getrandom(a, sizeof(a), 0), rb = getrandom(b, sizeof(b), GRND_NONBLOCK);
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		nonzero |= a[i];
	CHECK("getrandom", ra == 64 && nonzero, "returned %zd%s", ra, nonzero ? "" : ", all zero");
	CHECK("getrandom-differs", rb == 64 && memcmp(a, b, sizeof(a)) != 0, "two reads returned %zd and the same bytes", rb);
	errno = 0;
	check_err("getrandom-bad-flags", getrandom(a, 8, 0x1000), EINVAL);
}

static void check_limits(void)
{
	struct rlimit r, old;
	memset(&r, 0, sizeof(r));
	memset(&old, 0, sizeof(old));
	int g = getrlimit(RLIMIT_STACK, &r);
	CHECK("getrlimit-stack", g == 0 && r.rlim_cur >= 65536 &&
	      (r.rlim_max == RLIM_INFINITY || r.rlim_max >= r.rlim_cur), "RLIMIT_STACK %llu/%llu",
	      (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
	g = getrlimit(RLIMIT_NOFILE, &r);
	CHECK("getrlimit-nofile", g == 0 && r.rlim_cur >= 64 && r.rlim_max >= r.rlim_cur,
	      "RLIMIT_NOFILE %llu/%llu", (unsigned long long)r.rlim_cur, (unsigned long long)r.rlim_max);
	CHECK("prlimit-get", prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0 && old.rlim_cur == r.rlim_cur &&
	      old.rlim_max == r.rlim_max, "prlimit and getrlimit disagree on RLIMIT_NOFILE");
	struct rlimit lower = { 100, old.rlim_max }, now;
	g = prlimit(0, RLIMIT_NOFILE, &lower, &now);
	CHECK("prlimit-set", g == 0 && now.rlim_cur == old.rlim_cur,
	      "setting RLIMIT_NOFILE failed or returned the wrong old value");
	g = getrlimit(RLIMIT_NOFILE, &now);
	CHECK("setrlimit-readback", g == 0 && now.rlim_cur == 100,
	      "RLIMIT_NOFILE soft limit is %llu after setting 100", (unsigned long long)now.rlim_cur);
	struct rlimit bad = { old.rlim_max, 100 };
	errno = 0;
	check_err("setrlimit-cur-over-max", setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	setrlimit(RLIMIT_NOFILE, &old);
	errno = 0;
	check_err("getrlimit-bad-resource", syscall(SYS_getrlimit, 1000, &r), EINVAL);
	errno = 0;
	check_err("prlimit-bad-resource", syscall(SYS_prlimit64, 0, 1000, NULL, &r), EINVAL);
}

/* CPU-time clocks count running, not sleeping. */
static void check_cpu_time(void)
{
	struct timespec p0, p1, t0, t1, m0, m1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	clock_gettime(CLOCK_MONOTONIC, &m0);
	struct timespec nap = { 0, 50000000 };
	nanosleep(&nap, NULL);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 1000000; i++)
		x += i;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	clock_gettime(CLOCK_MONOTONIC, &m1);
	long cpu = (p1.tv_sec - p0.tv_sec) * 1000000000L + (p1.tv_nsec - p0.tv_nsec);
	long thr = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	long wall = (m1.tv_sec - m0.tv_sec) * 1000000000L + (m1.tv_nsec - m0.tv_nsec);
	CHECK("cpu-time-advances", cpu > 0 && thr > 0, "process %ld ns, thread %ld ns", cpu, thr);
	CHECK("cpu-time-not-sleep", cpu < wall - 40000000L && thr <= cpu + 1000000L, "process %ld ns, thread %ld ns, wall %ld ns",
	      cpu, thr, wall);
}

int main(void)
{
	check_cpu_time();
	check_ids();
	check_uname();
	check_clocks();
	check_sleep();
	check_random();
	check_limits();
	errno = 0;
	long r = syscall(1000);
	check_err("unknown-syscall", r, ENOSYS);
	errno = 0;
	check_err("unknown-syscall-high", syscall(100000, 1, 2, 3), ENOSYS);
	return t_done();
}
