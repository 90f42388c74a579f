/*
 * Mica micro-benchmarks.
 *
 * One static program (musl-gcc -static -O2) that runs as /init (pid 1) in
 * a QEMU TCG guest started with -icount shift=0,sleep=off.  Under that
 * setting the guest's virtual clock advances by exactly 1 ns per guest
 * instruction executed, so a CLOCK_MONOTONIC difference in ns is a count
 * of guest instructions (kernel and user together), and the results are
 * deterministic.  Only plain Linux system calls are used, so the same
 * binary can run on Mica's Linux personality.
 *
 * Output, one line per operation:
 *     bench <name> <mean-virtual-ns-per-op> <iterations>
 *     bench <name> FAIL <reason>
 * Diagnostic lines start with "info " and are not results.
 *
 * reset_to_main: the guest instructions from machine reset to the first
 * statement of main().  Method (verified by the "info tsc_*" lines that
 * every run prints, see check_tsc()):
 *   - Under TCG, RDTSC returns QEMU's elapsed virtual time; with icount
 *     that is the virtual clock in ns, which starts at 0 when the machine
 *     is created (no guest instruction runs before reset) and, with
 *     shift=0, advances 1 ns per instruction.  Nothing in our setup writes
 *     the TSC (one CPU, so Linux never synchronises it).
 *   - check_tsc() runs a loop of a known number of instructions and
 *     compares the RDTSC difference with that number and with the
 *     CLOCK_MONOTONIC difference: both must agree to well under 1%.
 *   - It also prints RDTSC and CLOCK_MONOTONIC read back to back at main:
 *     their difference is the virtual time that passed before the kernel
 *     started its clock.
 *   So the RDTSC value read as the first thing in main() is the count of
 *   virtual ns since reset.  Caveat: with sleep=off a halted guest CPU
 *   does not sleep; the virtual clock jumps to the next timer deadline.
 *   Any such idle jump during boot is included in reset_to_main (it is
 *   time the guest would wait, not instructions it executes).  The
 *   benchmarks themselves never idle: there is always a runnable task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
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

#define EXIT_ARG "--exit-now"
#define EXIT_CODE 42
#define PAGE 4096UL

static const char *self_path;
static char fail_reason[160];

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Record why a benchmark failed; the caller returns -1. */
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
	/* one token-ish reason line: no newlines */
	for (char *p = fail_reason; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return -1;
}

/* ---- benchmarks -------------------------------------------------------
 * Each returns 0 on success and -1 (with fail_reason set) on failure.
 * Each runs its own timed loop so that setup is outside the timing; the
 * caller divides *ns by *ops.
 */

struct result {
	uint64_t ns;
	uint64_t ops;
};

static int b_null_syscall(struct result *r, long n)
{
	pid_t expect = getppid();
	long bad = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		bad += (getppid() != expect);
	uint64_t t1 = now_ns();
	if (bad) {
		errno = 0;
		return fail("getppid changed %ld times", bad);
	}
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

/* Region size for page_fault: large enough that mmap+munmap is amortized,
 * small enough to run in a small VM. */
#define PF_PAGES 4096
static int b_page_fault(struct result *r, long rounds)
{
	size_t len = PF_PAGES * PAGE;
	uint64_t t0 = now_ns();
	for (long k = 0; k < rounds; k++) {
		volatile unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
		/* The kernel may use transparent huge pages for anonymous memory;
		 * we measure 4 KiB first-touch faults. */
		madvise((void *)p, len, MADV_NOHUGEPAGE);
		for (size_t i = 0; i < PF_PAGES; i++)
			p[i * PAGE] = (unsigned char)(i | 1);
		unsigned bad = 0;
		for (size_t i = 0; i < PF_PAGES; i++)
			bad += p[i * PAGE] != (unsigned char)(i | 1) || p[i * PAGE + 1] != 0;
		if (munmap((void *)p, len) != 0)
			return fail("munmap");
		if (bad) {
			errno = 0;
			return fail("%u pages read back wrong", bad);
		}
	}
	uint64_t t1 = now_ns();
	r->ns = t1 - t0;
	r->ops = (uint64_t)rounds * PF_PAGES;
	return 0;
}

static int b_mmap_munmap_1m(struct result *r, long n)
{
	size_t len = 1UL << 20;
	/* Where the kernel places the region depends on what is already
	 * mapped: next to an anonymous mapping with the same protection it is
	 * merged into it on mmap and split off again on munmap, which costs
	 * much more than mapping a lone region.  Put an inaccessible guard
	 * mapping first so the region lands next to something it cannot
	 * merge with, whatever the program mapped before. */
	void *guard = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard == MAP_FAILED)
		return fail("mmap guard");
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap at iteration %ld", i);
		if (munmap(p, len) != 0)
			return fail("munmap at iteration %ld", i);
	}
	uint64_t t1 = now_ns();
	munmap(guard, 2 * len);
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

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

static int b_fork_exit_wait(struct result *r, long n)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork at iteration %ld", i);
		if (pid == 0)
			_exit(7);
		if (wait_for(pid, 7, i))
			return -1;
	}
	uint64_t t1 = now_ns();
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

static int b_fork_exec_wait(struct result *r, long n)
{
	extern char **environ;
	char *argv[] = { (char *)self_path, EXIT_ARG, NULL };
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork at iteration %ld", i);
		if (pid == 0) {
			execve(self_path, argv, environ);
			_exit(127);
		}
		if (wait_for(pid, EXIT_CODE, i))
			return -1;
	}
	uint64_t t1 = now_ns();
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

static int b_pipe_roundtrip(struct result *r, long n)
{
	int there[2], back[2];
	if (pipe(there) || pipe(back))
		return fail("pipe");
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		unsigned char c;
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
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)i, d;
		if (write(there[1], &c, 1) != 1) {
			rc = fail("write at iteration %ld", i);
			break;
		}
		if (read(back[0], &d, 1) != 1) {
			rc = fail("read at iteration %ld", i);
			break;
		}
		if (d != (unsigned char)(c ^ 0xff)) {
			errno = 0;
			rc = fail("wrong byte back at iteration %ld", i);
			break;
		}
	}
	uint64_t t1 = now_ns();
	close(there[1]);
	close(back[0]);
	if (wait_for(pid, 0, -1) && rc == 0)
		rc = -1;
	r->ns = t1 - t0;
	r->ops = n;
	return rc;
}

static void *thread_ret(void *arg)
{
	return (void *)((uintptr_t)arg + 1);
}

static int b_thread_create_join(struct result *r, long n)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		int e = pthread_create(&t, NULL, thread_ret, (void *)(uintptr_t)i);
		if (e) {
			errno = e;
			return fail("pthread_create at iteration %ld", i);
		}
		e = pthread_join(t, &ret);
		if (e) {
			errno = e;
			return fail("pthread_join at iteration %ld", i);
		}
		if ((uintptr_t)ret != (uintptr_t)i + 1) {
			errno = 0;
			return fail("wrong thread result at iteration %ld", i);
		}
	}
	uint64_t t1 = now_ns();
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

/* futex ping-pong: main publishes round i in `ping`, the partner answers
 * by copying it to `pong`.  Each side sleeps in FUTEX_WAIT until the other
 * side's word changes, so every round trip is two wake-ups. */
static volatile int ping, pong;
static long futex_rounds;

static long futex(volatile int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

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

static int b_futex_roundtrip(struct result *r, long n)
{
	pthread_t t;
	ping = pong = 0;
	futex_rounds = n;
	int e = pthread_create(&t, NULL, futex_partner, NULL);
	if (e) {
		errno = e;
		return fail("pthread_create");
	}
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 1; i <= n; i++) {
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
		if (rc)
			break;
	}
	uint64_t t1 = now_ns();
	void *ret;
	if (rc) {
		/* the partner would wait forever: leave it, we only report */
		return rc;
	}
	e = pthread_join(t, &ret);
	if (e) {
		errno = e;
		return fail("pthread_join");
	}
	if (ret) {
		errno = 0;
		return fail("partner thread failed (%ld)", (long)(uintptr_t)ret);
	}
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

static char tmpdir[64] = "/tmp";

static int b_open_read_close(struct result *r, long n)
{
	char path[96], buf[256];
	static const char content[] = "mica open/read/close benchmark file\n";
	size_t len = sizeof content - 1;
	snprintf(path, sizeof path, "%s/bench-small", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("create %s", path);
	if (write(fd, content, len) != (ssize_t)len || close(fd) != 0)
		return fail("write %s", path);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return fail("open at iteration %ld", i);
		ssize_t k = read(fd, buf, sizeof buf);
		if (k != (ssize_t)len || buf[0] != 'm' || buf[len - 1] != '\n') {
			if (k >= 0)
				errno = 0;
			return fail("read returned %zd at iteration %ld", k, i);
		}
		if (close(fd) != 0)
			return fail("close at iteration %ld", i);
	}
	uint64_t t1 = now_ns();
	unlink(path);
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

#define BIG (64 * 1024)
static unsigned char wbuf[BIG], rbuf[BIG];

static int b_file_write_read_64k(struct result *r, long n)
{
	char path[96];
	snprintf(path, sizeof path, "%s/bench-64k", tmpdir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("create %s", path);
	for (size_t i = 0; i < BIG; i++)
		wbuf[i] = (unsigned char)(i * 7 + 1);
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		/* stamp the iteration in so a stale read would be caught */
		size_t at = ((size_t)i * 4099) % BIG;
		wbuf[at] = (unsigned char)i;
		if (pwrite(fd, wbuf, BIG, 0) != BIG)
			return fail("pwrite at iteration %ld", i);
		if (pread(fd, rbuf, BIG, 0) != BIG)
			return fail("pread at iteration %ld", i);
		if (rbuf[at] != (unsigned char)i || rbuf[0] != wbuf[0] || rbuf[BIG - 1] != wbuf[BIG - 1]) {
			errno = 0;
			return fail("read back wrong data at iteration %ld", i);
		}
	}
	uint64_t t1 = now_ns();
	close(fd);
	unlink(path);
	r->ns = t1 - t0;
	r->ops = n;
	return 0;
}

/* ---- sockets, loopback inside the machine ------------------------------
 * The client is this process, the server a child it forks (as in
 * pipe_roundtrip); both use plain blocking calls with the default options.
 */

/* Bring lo up, as an init must before it uses 127.0.0.1 (Linux starts with
 * it down; where it is up already, asking again changes nothing). */
static int loopback_up(void)
{
	struct ifreq q;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket for the lo ioctls");
	memset(&q, 0, sizeof q);
	strcpy(q.ifr_name, "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &q);
	q.ifr_flags |= IFF_UP;
	if (rc == 0)
		rc = ioctl(fd, SIOCSIFFLAGS, &q);
	close(fd);
	return rc ? fail("bringing lo up") : 0;
}

/* A socket of type bound to 127.0.0.1 on a port the system picks, its address in *a: the fd, or -1. */
static int bound_socket(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof *a;
	int fd = socket(AF_INET, type, 0);
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof *a) || getsockname(fd, (struct sockaddr *)a, &len)) {
		if (fd >= 0)
			close(fd);
		return fail("socket bound to 127.0.0.1");
	}
	return fd;
}

/* A TCP listener on 127.0.0.1 (address in *a), lo brought up first: the fd, or -1. */
static int tcp_listener(struct sockaddr_in *a)
{
	if (loopback_up())
		return -1;
	int fd = bound_socket(SOCK_STREAM, a);
	if (fd >= 0 && listen(fd, 16) != 0) {
		close(fd);
		return fail("listen");
	}
	return fd;
}

/* Read exactly n bytes (fewer only at end of file): the count, or -1. */
static ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

/* The end of a benchmark with a server child: rc as it was if it failed (the child killed), else the child's verdict. */
static int reap(pid_t pid, int rc)
{
	if (rc == 0)
		return wait_for(pid, 0, -1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc;
}

#define MSG 64 /* the request and the response of a round trip */

/* The server of a round trip: each MSG-byte request back with every byte inverted, until a read of 0 bytes. */
static void echo_server(int fd)
{
	unsigned char m[MSG];
	for (;;) {
		ssize_t k = read_full(fd, m, MSG);
		if (k == 0)
			_exit(0);
		if (k != MSG)
			_exit(1);
		for (int i = 0; i < MSG; i++)
			m[i] ^= 0xff;
		if (write(fd, m, MSG) != MSG)
			_exit(2);
	}
}

/* n round trips of MSG bytes from mine to a child echoing on theirs (both ends of one connection); closes both. */
static int roundtrips(struct result *r, long n, int mine, int theirs)
{
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(mine);
		echo_server(theirs);
	}
	close(theirs);
	int rc = 0;
	unsigned char m[MSG], back[MSG];
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && rc == 0; i++) {
		memset(m, (int)(i & 0xff), MSG);
		m[0] = (unsigned char)(i >> 8);
		if (write(mine, m, MSG) != MSG)
			rc = fail("write at iteration %ld", i);
		else if (read_full(mine, back, MSG) != MSG)
			rc = fail("read at iteration %ld", i);
		else if (back[0] != (unsigned char)~m[0] || back[MSG - 1] != (unsigned char)~m[MSG - 1]) {
			errno = 0;
			rc = fail("wrong bytes back at iteration %ld", i);
		}
	}
	uint64_t t1 = now_ns();
	write(mine, m, 0); /* the end: an empty datagram reads as 0, like a stream's end of file */
	close(mine);
	r->ns = t1 - t0;
	r->ops = n;
	return reap(pid, rc);
}

/* A TCP connection over loopback: *client and *server (the accepted end); 0 or -1. */
static int tcp_pair(int *client, int *server)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	if (l < 0)
		return -1;
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0 || connect(*client, (struct sockaddr *)&a, sizeof a) != 0) {
		close(l);
		return fail("connect");
	}
	*server = accept(l, NULL, NULL);
	close(l);
	return *server < 0 ? fail("accept") : 0;
}

static int b_tcp_connect_accept_close(struct result *r, long n)
{
	struct sockaddr_in a;
	int l = tcp_listener(&a);
	if (l < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) { /* the server: accept each connection and close it */
		for (long i = 0; i < n; i++) {
			int c = accept(l, NULL, NULL);
			if (c < 0 || close(c) != 0)
				_exit(1);
		}
		_exit(0);
	}
	close(l);
	int rc = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && rc == 0; i++) {
		char c;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			rc = fail("socket at iteration %ld", i);
		else if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
			rc = fail("connect at iteration %ld", i);
		else if (read(fd, &c, 1) != 0) /* the server's close */
			rc = fail("read at iteration %ld", i);
		if (fd >= 0 && close(fd) != 0 && rc == 0)
			rc = fail("close at iteration %ld", i);
	}
	uint64_t t1 = now_ns();
	r->ns = t1 - t0;
	r->ops = n;
	return reap(pid, rc);
}

static int b_tcp_roundtrip_64(struct result *r, long n)
{
	int c, s;
	if (tcp_pair(&c, &s))
		return -1;
	return roundtrips(r, n, c, s);
}

#define MIB (1UL << 20)

/* The stream's receiver: n MiB into mib_in, each stamped with its number at both ends; answers one byte, 1 if all came right. */
static void stream_server(int fd, long n, unsigned char *mib_in)
{
	unsigned char ok = 1;
	for (long i = 0; i < n; i++) {
		uint64_t head, tail;
		if (read_full(fd, mib_in, MIB) != (ssize_t)MIB)
			_exit(1);
		memcpy(&head, mib_in, 8);
		memcpy(&tail, mib_in + MIB - 8, 8);
		ok &= head == (uint64_t)i && tail == ~(uint64_t)i &&
		      mib_in[MIB / 2] == (unsigned char)(MIB / 2 * 7 + 1);
	}
	_exit(write(fd, &ok, 1) == 1 ? 0 : 2);
}

static int b_tcp_stream_1m(struct result *r, long n)
{
	int c, s;
	/* mapped here, not static: the program's other figures do not see these 2 MiB */
	unsigned char *mib_out = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mib_out == MAP_FAILED)
		return fail("mmap");
	if (tcp_pair(&c, &s))
		return -1;
	for (size_t i = 0; i < MIB; i++)
		mib_out[i] = (unsigned char)(i * 7 + 1);
	pid_t pid = fork();
	if (pid < 0)
		return fail("fork");
	if (pid == 0) {
		close(c);
		stream_server(s, n, mib_out + MIB);
	}
	close(s);
	int rc = 0;
	unsigned char ok = 0;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n && rc == 0; i++) {
		uint64_t head = (uint64_t)i, tail = ~(uint64_t)i;
		memcpy(mib_out, &head, 8);
		memcpy(mib_out + MIB - 8, &tail, 8);
		if (write(c, mib_out, MIB) != (ssize_t)MIB)
			rc = fail("write at MiB %ld", i);
	}
	if (rc == 0 && read(c, &ok, 1) != 1)
		rc = fail("reading the receiver's answer");
	uint64_t t1 = now_ns();
	if (rc == 0 && !ok) {
		errno = 0;
		rc = fail("the receiver got wrong bytes");
	}
	close(c);
	r->ns = t1 - t0;
	r->ops = n;
	rc = reap(pid, rc);
	munmap(mib_out, 2 * MIB);
	return rc;
}

static int b_udp_roundtrip_64(struct result *r, long n)
{
	struct sockaddr_in a, b;
	if (loopback_up())
		return -1;
	int c = bound_socket(SOCK_DGRAM, &a), s = c < 0 ? -1 : bound_socket(SOCK_DGRAM, &b);
	if (s < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&b, sizeof b) || connect(s, (struct sockaddr *)&a, sizeof a))
		return fail("connect");
	return roundtrips(r, n, c, s);
}

static int b_unix_roundtrip_64(struct result *r, long n)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return fail("socketpair");
	return roundtrips(r, n, sv[0], sv[1]);
}

/* ---- driver ----------------------------------------------------------- */

struct bench {
	const char *name;
	int (*fn)(struct result *, long);
	long n; /* iterations (page_fault: rounds of PF_PAGES pages) */
};

/* Counts chosen so that each benchmark executes a few 10^8 guest
 * instructions: timer and loop overhead stay far below 1%, and the whole
 * run stays within a few minutes under TCG. */
/* clang-format off */
static const struct bench benches[] = {
	{ "null_syscall", b_null_syscall, 1000000 },
	{ "page_fault", b_page_fault, 16 },
	{ "mmap_munmap_1m", b_mmap_munmap_1m, 100000 },
	{ "fork_exit_wait", b_fork_exit_wait, 2000 },
	{ "fork_exec_wait", b_fork_exec_wait, 500 },
	{ "pipe_roundtrip", b_pipe_roundtrip, 20000 },
	{ "thread_create_join", b_thread_create_join, 5000 },
	{ "futex_roundtrip", b_futex_roundtrip, 20000 },
	{ "open_read_close", b_open_read_close, 50000 },
	{ "file_write_read_64k", b_file_write_read_64k, 2000 },
	{ "tcp_connect_accept_close", b_tcp_connect_accept_close, 2000 },
	{ "tcp_roundtrip_64", b_tcp_roundtrip_64, 20000 },
	{ "tcp_stream_1m", b_tcp_stream_1m, 200 },
	{ "udp_roundtrip_64", b_udp_roundtrip_64, 20000 },
	{ "unix_roundtrip_64", b_unix_roundtrip_64, 20000 },
};
/* clang-format on */

/* Known-length loop: `n` iterations of dec+jnz = 2n instructions. */
static void spin(uint64_t n)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

static void check_tsc(uint64_t tsc_main, uint64_t mono_main)
{
	const uint64_t iters = 50000000; /* 1e8 instructions */
	uint64_t c0 = rdtsc(), m0 = now_ns();
	spin(iters);
	uint64_t c1 = rdtsc(), m1 = now_ns();
	printf("info tsc_at_main %llu monotonic_at_main %llu difference %lld\n", (unsigned long long)tsc_main,
	       (unsigned long long)mono_main, (long long)(tsc_main - mono_main));
	printf("info tsc_loop instructions %llu tsc_delta %llu monotonic_delta %llu\n", (unsigned long long)(2 * iters),
	       (unsigned long long)(c1 - c0), (unsigned long long)(m1 - m0));
	/* Time the CPU spent halted since boot (idle task), which under
	 * sleep=off is virtual time skipped, not instructions executed.
	 * /proc/uptime has 10 ms resolution. */
	mkdir("/proc", 0555);
	if (access("/proc/uptime", R_OK) != 0)
		mount("proc", "/proc", "proc", 0, NULL);
	FILE *f = fopen("/proc/uptime", "r");
	double up, idle;
	if (f && fscanf(f, "%lf %lf", &up, &idle) == 2)
		printf("info proc_uptime %.2f idle %.2f\n", up, idle);
	if (f)
		fclose(f);
}

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
	/* The serial console can lose its last bytes when the machine stops
	 * right after the write: flush stdio, wait for the UART to drain, and
	 * give it a moment more. */
	fflush(stdout);
	fflush(stderr);
	tcdrain(1);
	usleep(20000);
	sync();
	reboot(RB_POWER_OFF);
	/* If ACPI power-off is unavailable, a reset with -no-reboot also
	 * makes QEMU exit. */
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	uint64_t tsc_main = rdtsc();
	if (argc > 1 && strcmp(argv[1], EXIT_ARG) == 0)
		_exit(EXIT_CODE);
	uint64_t mono_main = now_ns();

	int is_init = getpid() == 1;
	if (is_init)
		console_setup();
	setvbuf(stdout, NULL, _IOLBF, 0);

	self_path = (argv[0] && strchr(argv[0], '/')) ? argv[0] : "/proc/self/exe";
	if (mkdir(tmpdir, 01777) != 0 && errno != EEXIST)
		strcpy(tmpdir, ".");
	const char *only = argc > 1 ? argv[1] : NULL;

	printf("info start pid %d\n", (int)getpid());
	check_tsc(tsc_main, mono_main);
	printf("bench reset_to_main %llu 1\n", (unsigned long long)tsc_main);

	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		const struct bench *b = &benches[i];
		if (only && strcmp(only, b->name) != 0)
			continue;
		struct result r = { 0, 0 };
		fail_reason[0] = 0;
		errno = 0;
		if (b->fn(&r, b->n) != 0) {
			printf("bench %s FAIL %s\n", b->name, fail_reason[0] ? fail_reason : "unknown");
			continue;
		}
		if (r.ops == 0 || r.ns == 0) {
			printf("bench %s FAIL clock did not advance\n", b->name);
			continue;
		}
		printf("bench %s %.0f %llu\n", b->name, (double)r.ns / (double)r.ops, (unsigned long long)r.ops);
	}
	printf("info done\n");
	if (is_init)
		power_off();
	return 0;
}
