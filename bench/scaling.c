/*
 * Mica scaling benchmarks: how the cost of one operation grows with the work around it.
 *
 * A static program (musl-gcc -static -O2) run as /init of a Linux guest and through lx on Mica, in
 * QEMU TCG with -icount shift=0,sleep=off, as bench/bench.c is (its header says why a CLOCK_MONOTONIC
 * difference is a count of guest instructions). Each figure is taken at three sizes:
 *
 *   fork_touched_<M>m       fork + child _exit + waitpid, the parent having M MiB of anonymous memory
 *                           touched (4 KiB pages: MADV_NOHUGEPAGE)
 *   mmap_page_maps_<N>      mmap one anonymous page, write it, read it back, munmap it, while the process
 *                           holds N other one-page mappings that cannot merge with it or with each other
 *   open_close_dir_<N>      open + close of a file in a directory of N files, cycling through all of them
 *   stat_depth_<D>          stat of a path of D components (/tmp/d/d/...)
 *   epoll_ready_of_<N>      epoll_wait returning the one ready eventfd of N registered (RLIMIT_NOFILE raised)
 *   futex_waiters_<N>       futex round trip between two threads (two FUTEX_WAKEs of one waiter) while N
 *                           more threads wait on other addresses
 *   pipe_procs_<N>          a pipe round trip between two processes while N processes of the program exist
 *                           (the two and N - 2 that sleep in read)
 *
 * Output as bench/bench.c's:  bench <name> <mean instructions per op> <iterations>  or
 * bench <name> FAIL <reason>; every iteration's result is checked. An argument names one figure
 * (its prefix, e.g. "fork_touched") to run only that one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* musl ships no kernel headers: futex operation numbers from the ABI. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

#define PAGE 4096UL

static char fail_reason[200];

static uint64_t now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Record why a benchmark failed (with errno's text if set); returns -1 for the caller to return. */
static int fail(const char *fmt, ...)
{
	va_list ap;
	int e = errno;
	va_start(ap, fmt);
	vsnprintf(fail_reason, sizeof fail_reason, fmt, ap);
	va_end(ap);
	if (e) {
		size_t n = strlen(fail_reason);
		snprintf(fail_reason + n, sizeof fail_reason - n, " (%s)", strerror(e));
	}
	for (char *p = fail_reason; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return -1;
}

struct result {
	uint64_t ns;
	uint64_t ops;
};

/* Wait for child pid, which must exit with code; -1 with the reason set otherwise. */
static int wait_for(pid_t pid, int code, long i)
{
	int st;
	pid_t w;
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w != pid)
		return fail("waitpid at iteration %ld", i);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != code) {
		errno = 0;
		return fail("child status 0x%x, wanted exit %d, at iteration %ld", st, code, i);
	}
	return 0;
}

/* ---- fork with memory touched ---------------------------------------- */

static int b_fork_touched(struct result *r, long mib, long n)
{
	size_t len = (size_t)mib << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail("mmap %ld MiB", mib);
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = (unsigned char)(off / PAGE | 1);
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && !rc; i++) {
		pid_t pid = fork();
		if (pid < 0)
			rc = fail("fork at iteration %ld", i);
		else if (pid == 0)
			_exit(7);
		else
			rc = wait_for(pid, 7, i);
	}
	uint64_t t1 = now_ns();
	size_t bad = 0;
	for (size_t off = 0; off < len; off += PAGE)
		bad += p[off] != (unsigned char)(off / PAGE | 1);
	munmap(p, len);
	if (!rc && bad) {
		errno = 0;
		rc = fail("%zu pages read back wrong after the forks", bad);
	}
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- mmap with many mappings ------------------------------------------ */

/* The N other mappings: read-only single pages with a hole after each, so none merges with another or
 * with the read-write page the loop maps (which may land in one of the holes). */
static int b_mmap_page(struct result *r, long maps, long n)
{
	size_t span = 2 * (size_t)maps * PAGE;
	unsigned char *base = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return fail("mmap of the %ld mappings' span", maps);
	for (long k = 0; k < maps; k++)
		if (munmap(base + (2 * k + 1) * PAGE, PAGE) != 0) {
			int rc = fail("munmap of hole %ld", k);
			munmap(base, span);
			return rc;
		}
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		volatile unsigned char *p =
			mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			rc = fail("mmap at iteration %ld", i);
			break;
		}
		p[100] = (unsigned char)(i | 1);
		if (p[100] != (unsigned char)(i | 1) || p[0] != 0) {
			errno = 0;
			rc = fail("page read back wrong at iteration %ld", i);
			break;
		}
		if (munmap((void *)p, PAGE) != 0) {
			rc = fail("munmap at iteration %ld", i);
			break;
		}
	}
	uint64_t t1 = now_ns();
	/* the other mappings are still there: one read from each (a read of a fresh page gives zero) */
	unsigned bad = 0;
	for (long k = 0; k < maps && !rc; k++)
		bad += ((volatile unsigned char *)base)[2 * k * PAGE] != 0;
	munmap(base, span);
	if (!rc && bad) {
		errno = 0;
		rc = fail("%u of the other mappings read back wrong", bad);
	}
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- files ------------------------------------------------------------- */

static char dir[64];

/* Remove the files dir/f0 .. dir/f<count-1> and dir itself. */
static void remove_dir(long count)
{
	char path[96];
	for (long k = 0; k < count; k++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, k);
		unlink(path);
	}
	rmdir(dir);
}

static int b_open_close(struct result *r, long files, long n)
{
	char path[96];
	snprintf(dir, sizeof dir, "/tmp/dir%ld", files);
	if (mkdir(dir, 0755) != 0)
		return fail("mkdir %s", dir);
	for (long k = 0; k < files; k++) {
		snprintf(path, sizeof path, "%s/f%ld", dir, k);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || close(fd) != 0) {
			int rc = fail("create file %ld of %s", k, dir);
			remove_dir(k);
			return rc;
		}
	}
	/* the names, made before the loop so it times only open and close */
	char *names = malloc((size_t)files * 48);
	if (!names) {
		remove_dir(files);
		return fail("malloc");
	}
	for (long k = 0; k < files; k++)
		snprintf(names + k * 48, 48, "%.20s/f%ld", dir + 5, k);
	int rc = 0, tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	if (tmp < 0)
		rc = fail("open /tmp");
	uint64_t t0 = now_ns();
	for (long i = 0, k = 0; i < n && !rc; i++) {
		int fd = openat(tmp, names + k * 48, O_RDONLY);
		if (fd < 0) {
			rc = fail("open %s at iteration %ld", names + k * 48, i);
			break;
		}
		if (close(fd) != 0)
			rc = fail("close at iteration %ld", i);
		if (++k == files)
			k = 0;
	}
	uint64_t t1 = now_ns();
	if (tmp >= 0)
		close(tmp);
	free(names);
	remove_dir(files);
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* stat of /tmp/d/d/... with depth components (/tmp is the first). */
static int b_stat_depth(struct result *r, long depth, long n)
{
	char path[512];
	int len = snprintf(path, sizeof path, "/tmp");
	for (long k = 1; k < depth; k++) {
		len += snprintf(path + len, sizeof path - len, "/d");
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return fail("mkdir at depth %ld", k + 1);
	}
	struct stat want, st;
	if (stat(path, &want) != 0)
		return fail("stat %s", path);
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (stat(path, &st) != 0) {
			rc = fail("stat at iteration %ld", i);
			break;
		}
		if (st.st_ino != want.st_ino || !S_ISDIR(st.st_mode)) {
			errno = 0;
			rc = fail("stat gave another file at iteration %ld", i);
			break;
		}
	}
	uint64_t t1 = now_ns();
	for (long k = depth; k > 1; k--) { /* path ends in the deepest directory: remove upwards */
		rmdir(path);
		path[strlen(path) - 2] = 0;
	}
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- epoll ------------------------------------------------------------- */

static int b_epoll_ready(struct result *r, long fds, long n)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return fail("getrlimit");
	rlim_t need = (rlim_t)fds + 64;
	if (rl.rlim_cur < need) {
		/* as root the hard limit may rise too; if it cannot, eventfd below says EMFILE where it stops */
		struct rlimit more = { need, rl.rlim_max > need ? rl.rlim_max : need };
		if (setrlimit(RLIMIT_NOFILE, &more) != 0)
			printf("info setrlimit RLIMIT_NOFILE %lu: %s\n", (unsigned long)need, strerror(errno));
	}
	int *efd = malloc((size_t)fds * sizeof *efd);
	if (!efd)
		return fail("malloc");
	int ep = epoll_create1(0), rc = 0;
	long made = 0;
	if (ep < 0)
		rc = fail("epoll_create1");
	for (; !rc && made < fds; made++) {
		efd[made] = eventfd(0, EFD_NONBLOCK);
		if (efd[made] < 0) {
			rc = fail("eventfd %ld of %ld", made + 1, fds);
			break;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)made };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, efd[made], &ev) != 0) {
			rc = fail("epoll_ctl ADD %ld of %ld", made + 1, fds);
			made++;
			break;
		}
	}
	/* the last one registered is the ready one */
	uint64_t one = 1;
	if (!rc && write(efd[fds - 1], &one, sizeof one) != sizeof one)
		rc = fail("write to the eventfd");
	struct epoll_event got[4];
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && !rc; i++) {
		int k = epoll_wait(ep, got, 4, 0);
		if (k != 1 || got[0].data.u64 != (uint64_t)(fds - 1) || !(got[0].events & EPOLLIN)) {
			if (k >= 0)
				errno = 0;
			rc = fail("epoll_wait returned %d at iteration %ld", k, i);
		}
	}
	uint64_t t1 = now_ns();
	for (long k = 0; k < made; k++)
		close(efd[k]);
	if (ep >= 0)
		close(ep);
	free(efd);
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- futex ------------------------------------------------------------- */

static long futex(volatile int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* The bystanders: each waits on its own word until it becomes 1. */
static volatile int *idle_words;
static volatile int idle_started;

static void *idle_waiter(void *arg)
{
	volatile int *w = &idle_words[(uintptr_t)arg * 16]; /* a cache line each */
	__atomic_add_fetch(&idle_started, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0)
		if (futex(w, FUTEX_WAIT, 0) < 0 && errno != EAGAIN && errno != EINTR)
			return (void *)1;
	return NULL;
}

static volatile int ping, pong;
static long futex_rounds;

/* As bench/bench.c's partner: answer round i in pong once ping says i. */
static void *futex_partner(void *arg)
{
	(void)arg;
	for (long i = 1; i <= futex_rounds; i++) {
		int v;
		while ((v = __atomic_load_n(&ping, __ATOMIC_ACQUIRE)) != (int)i)
			if (futex(&ping, FUTEX_WAIT, v) < 0 && errno != EAGAIN && errno != EINTR)
				return (void *)1;
		__atomic_store_n(&pong, (int)i, __ATOMIC_RELEASE);
		if (futex(&pong, FUTEX_WAKE, 1) < 0)
			return (void *)2;
	}
	return NULL;
}

/* Join the first count bystanders after waking them; -1 with the reason set if one failed. */
static int end_waiters(pthread_t *t, long count)
{
	int rc = 0;
	for (long k = 0; k < count; k++) {
		__atomic_store_n(&idle_words[k * 16], 1, __ATOMIC_RELEASE);
		futex(&idle_words[k * 16], FUTEX_WAKE, 1);
	}
	for (long k = 0; k < count; k++) {
		void *ret;
		if (pthread_join(t[k], &ret) == 0 && ret && !rc) {
			errno = 0;
			rc = fail("waiting thread %ld failed", k);
		}
	}
	return rc;
}

static int b_futex_waiters(struct result *r, long waiters, long n)
{
	pthread_t *t = malloc((size_t)waiters * sizeof *t), partner;
	idle_words = calloc((size_t)waiters * 16, sizeof(int));
	if (!t || !idle_words)
		return fail("malloc");
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 16384);
	idle_started = 0;
	long made = 0;
	int rc = 0, e;
	for (; made < waiters; made++)
		if ((e = pthread_create(&t[made], &attr, idle_waiter, (void *)(uintptr_t)made)) != 0) {
			errno = e;
			rc = fail("pthread_create of waiting thread %ld of %ld", made + 1, waiters);
			break;
		}
	/* let every bystander reach its FUTEX_WAIT: each has started, then yield until they sleep */
	while (!rc && __atomic_load_n(&idle_started, __ATOMIC_ACQUIRE) < waiters)
		sched_yield();
	for (long k = 0; !rc && k < 4 * waiters + 16; k++)
		sched_yield();
	ping = pong = 0;
	futex_rounds = n;
	if (!rc && (e = pthread_create(&partner, &attr, futex_partner, NULL)) != 0) {
		errno = e;
		rc = fail("pthread_create of the partner");
	}
	uint64_t t0 = now_ns();
	for (long i = 1; i <= n && !rc; i++) {
		__atomic_store_n(&ping, (int)i, __ATOMIC_RELEASE);
		if (futex(&ping, FUTEX_WAKE, 1) < 0) {
			rc = fail("FUTEX_WAKE at iteration %ld", i);
			break;
		}
		int v;
		while ((v = __atomic_load_n(&pong, __ATOMIC_ACQUIRE)) != (int)i)
			if (futex(&pong, FUTEX_WAIT, v) < 0 && errno != EAGAIN && errno != EINTR) {
				rc = fail("FUTEX_WAIT at iteration %ld", i);
				break;
			}
	}
	uint64_t t1 = now_ns();
	if (!rc) {
		void *ret;
		if ((e = pthread_join(partner, &ret)) != 0) {
			errno = e;
			rc = fail("pthread_join of the partner");
		} else if (ret) {
			errno = 0;
			rc = fail("partner thread failed (%ld)", (long)(uintptr_t)ret);
		}
	}
	/* a bystander woken by the timed loop would have left its wait with its word still 0: it loops back
	 * in, so none can end early; all end here */
	int rc2 = end_waiters(t, made);
	if (!rc)
		rc = rc2;
	pthread_attr_destroy(&attr);
	free(t);
	free((void *)idle_words);
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- pipe with many processes ----------------------------------------- */

static int b_pipe_procs(struct result *r, long procs, long n)
{
	int hold[2], there[2], back[2];
	if (pipe(hold) || pipe(there) || pipe(back))
		return fail("pipe");
	/* procs - 2 sleepers: each reads the hold pipe, which gives end of file when we close it */
	pid_t *sleepers = malloc((size_t)(procs > 2 ? procs - 2 : 1) * sizeof *sleepers);
	if (!sleepers)
		return fail("malloc");
	long made = 0;
	int rc = 0;
	for (; made < procs - 2; made++) {
		pid_t pid = fork();
		if (pid < 0) {
			rc = fail("fork of process %ld of %ld", made + 3, procs);
			break;
		}
		if (pid == 0) {
			char c;
			close(hold[1]);
			close(there[0]);
			close(there[1]);
			close(back[0]);
			close(back[1]);
			_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
		}
		sleepers[made] = pid;
	}
	close(hold[0]);
	pid_t echo = -1;
	if (!rc) {
		echo = fork();
		if (echo < 0)
			rc = fail("fork of the echo process");
	}
	if (echo == 0) {
		unsigned char c;
		close(hold[1]);
		close(there[1]);
		close(back[0]);
		for (;;) {
			ssize_t k = read(there[0], &c, 1);
			if (k == 0)
				_exit(0);
			if (k != 1)
				_exit(1);
			c ^= 0xff;
			if (write(back[1], &c, 1) != 1)
				_exit(2);
		}
	}
	close(there[0]);
	close(back[1]);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)i, d;
		if (write(there[1], &c, 1) != 1)
			rc = fail("write at iteration %ld", i);
		else if (read(back[0], &d, 1) != 1)
			rc = fail("read at iteration %ld", i);
		else if (d != (unsigned char)(c ^ 0xff)) {
			errno = 0;
			rc = fail("wrong byte back at iteration %ld", i);
		}
	}
	uint64_t t1 = now_ns();
	close(there[1]);
	close(back[0]);
	close(hold[1]);
	if (echo > 0 && wait_for(echo, 0, -1) && !rc)
		rc = -1;
	for (long k = 0; k < made; k++)
		if (wait_for(sleepers[k], 0, -1) && !rc)
			rc = -1;
	free(sleepers);
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

/* ---- driver ------------------------------------------------------------ */

struct figure {
	const char *name; /* printed as <name>_<size><suffix> */
	const char *suffix;
	int (*fn)(struct result *, long size, long n);
	long size[3];
	long n[3]; /* iterations at each size */
};

/* Counts chosen so each figure runs 10^7 to a few 10^8 guest instructions on Linux (several 10^9 on Mica
 * where its curve is steep): about a minute of TCG for each system, set-up included (256 MiB touched,
 * 10,000 files, mappings, descriptors). */
/* clang-format off */
static const struct figure figures[] = {
	{ "fork_touched", "m", b_fork_touched, { 1, 16, 256 }, { 200, 50, 10 } },
	{ "mmap_page_maps", "", b_mmap_page, { 10, 1000, 10000 }, { 10000, 10000, 10000 } },
	{ "open_close_dir", "", b_open_close, { 10, 1000, 10000 }, { 20000, 20000, 20000 } },
	{ "stat_depth", "", b_stat_depth, { 2, 8, 32 }, { 20000, 20000, 5000 } },
	{ "epoll_ready_of", "", b_epoll_ready, { 10, 1000, 10000 }, { 20000, 20000, 20000 } },
	{ "futex_waiters", "", b_futex_waiters, { 1, 100, 1000 }, { 10000, 10000, 10000 } },
	{ "pipe_procs", "", b_pipe_procs, { 2, 16, 64 }, { 10000, 10000, 10000 } },
};
/* clang-format on */

static void console_setup(void)
{
	/* As pid 1 on an initramfs there may be no open stdout. */
	if (fcntl(1, F_GETFD) >= 0)
		return;
	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void power_off(void)
{
	/* as bench/bench.c: let the serial console drain before the machine stops */
	fflush(stdout);
	fflush(stderr);
	tcdrain(1);
	usleep(20000);
	sync();
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int is_init = getpid() == 1;
	if (is_init)
		console_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdir("/tmp", 01777) != 0 && errno != EEXIST) {
		printf("info cannot make /tmp (%s)\n", strerror(errno));
		return 1;
	}
	const char *only = argc > 1 ? argv[1] : NULL;
	printf("info start pid %d\n", (int)getpid());
	for (size_t f = 0; f < sizeof figures / sizeof figures[0]; f++) {
		const struct figure *fig = &figures[f];
		if (only && strncmp(only, fig->name, strlen(only)) != 0)
			continue;
		for (int s = 0; s < 3; s++) {
			struct result r = { 0, 0 };
			char name[64];
			snprintf(name, sizeof name, "%s_%ld%s", fig->name, fig->size[s], fig->suffix);
			fail_reason[0] = 0;
			errno = 0;
			if (fig->fn(&r, fig->size[s], fig->n[s]) != 0)
				printf("bench %s FAIL %s\n", name, fail_reason[0] ? fail_reason : "unknown");
			else if (r.ops == 0 || r.ns == 0)
				printf("bench %s FAIL clock did not advance\n", name);
			else
				printf("bench %s %.0f %llu\n", name, (double)r.ns / (double)r.ops,
				       (unsigned long long)r.ops);
		}
	}
	printf("info done\n");
	if (is_init)
		power_off();
	return 0;
}
