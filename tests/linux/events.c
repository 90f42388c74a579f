/*
 * Waiting for events: poll, ppoll, select and pselect6 on pipes and eventfds,
 * with timeouts, a wakeup from another thread, and one from another process;
 * eventfd's counter and semaphore modes; epoll level- and edge-triggered and
 * one-shot, an interest keyed by descriptor and open file and gone at the file's last close, thousands of
 * descriptors in one epoll, readiness changing between epoll_ctl and epoll_wait, dup'ed descriptors and an
 * epoll shared by fork; EPOLLEXCLUSIVE's rules and its one wake among processes; descriptors past 1,024 under RLIMIT_NOFILE; O_ASYNC
 * and F_SETOWN kept; timerfds, one-shot and periodic, read, polled and in epoll; clone3's argument check; getrusage
 * and times.
 */
#define _GNU_SOURCE
#define T_NAME "events"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

static int efd;

static void *poster(void *arg)
{
	(void)arg;
	usleep(20000);
	uint64_t one = 1;
	write(efd, &one, 8);
	return NULL;
}

static void check_eventfd(void)
{
	int e = eventfd(3, EFD_NONBLOCK);
	uint64_t v = 0;
	CHECK("eventfd-read", read(e, &v, 8) == 8 && v == 3, "read %llu", (unsigned long long)v);
	errno = 0;
	CHECK("eventfd-empty", read(e, &v, 8) == -1 && errno == EAGAIN, "errno %d", errno);
	v = 5;
	write(e, &v, 8);
	v = 2;
	write(e, &v, 8);
	read(e, &v, 8);
	CHECK("eventfd-adds", v == 7, "read %llu", (unsigned long long)v);
	close(e);
	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	uint64_t a = 0, b = 0, c = 0;
	read(e, &a, 8);
	read(e, &b, 8);
	CHECK("eventfd-semaphore", a == 1 && b == 1 && read(e, &c, 8) == -1, "reads %llu %llu", (unsigned long long)a,
	      (unsigned long long)b);
	close(e);
}

static void check_poll_timeouts(void)
{
	int p[2];
	pipe(p);
	struct pollfd pf = { p[0], POLLIN, 0 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = poll(&pf, 1, 30);
	long ms = elapsed_ms(&t0);
	CHECK("poll-timeout", r == 0 && ms >= 29, "poll gave %d after %ld ms", r, ms);
	write(p[1], "x", 1);
	CHECK("poll-ready", poll(&pf, 1, 1000) == 1 && (pf.revents & POLLIN), "revents %#x", pf.revents);
	struct timespec ts = { 0, 10000000 };
	CHECK("ppoll-ready", ppoll(&pf, 1, &ts, NULL) == 1, "ppoll");
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 0, 0 };
	CHECK("select-ready", select(p[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &rd), "select");
	char ch;
	read(p[0], &ch, 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timespec pts = { 0, 20000000 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pselect(p[0] + 1, &rd, NULL, NULL, &pts, NULL);
	ms = elapsed_ms(&t0);
	CHECK("pselect-timeout", r == 0 && !FD_ISSET(p[0], &rd) && ms >= 19, "pselect gave %d after %ld ms", r, ms);
	fd_set wr;
	FD_ZERO(&wr);
	FD_SET(p[1], &wr);
	CHECK("select-writable", select(p[1] + 1, NULL, &wr, NULL, &tv) == 1, "pipe not writable");
	int closed = dup(0);
	close(closed);
	FD_ZERO(&rd);
	FD_SET(closed, &rd);
	errno = 0;
	CHECK("select-bad-fd", select(closed + 1, &rd, NULL, NULL, &tv) == -1 && errno == EBADF, "errno %d", errno);
	close(p[0]);
	close(p[1]);
}

static void check_wakeups(void)
{
	efd = eventfd(0, 0);
	pthread_t t;
	pthread_create(&t, NULL, poster, NULL);
	struct pollfd pf = { efd, POLLIN, 0 };
	int r = poll(&pf, 1, 5000);
	pthread_join(t, NULL);
	CHECK("poll-woken-by-thread", r == 1 && (pf.revents & POLLIN), "poll gave %d", r);
	close(efd);
	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		usleep(20000);
		write(p[1], "y", 1);
		_exit(0);
	}
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	r = select(p[0] + 1, &rd, NULL, NULL, NULL);
	waitpid(child, NULL, 0);
	CHECK("select-woken-by-process", r == 1 && FD_ISSET(p[0], &rd), "select gave %d", r);
	close(p[0]);
	close(p[1]);
}

static void check_misc(void)
{
	struct rusage ru;
	CHECK("getrusage", getrusage(RUSAGE_SELF, &ru) == 0, "getrusage failed");
	errno = 0;
	CHECK("getrusage-bad-who", getrusage(42, &ru) == -1 && errno == EINVAL, "errno %d", errno);
	struct tms tm;
	clock_t t = times(&tm);
	CHECK("times", t != (clock_t)-1, "times failed");
	/* clone3 with a struct too small to hold its first version is refused */
	uint64_t args[8] = { 0 };
	errno = 0;
	CHECK("clone3-short-args", syscall(435, args, 8) == -1 && errno == EINVAL, "errno %d", errno);
}

static void check_epoll(void)
{
	int p[2], ep = epoll_create1(EPOLL_CLOEXEC);
	pipe(p);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 }, out[4];
	CHECK("epoll-add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl add");
	errno = 0;
	CHECK("epoll-add-twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST, "errno %d", errno);
	CHECK("epoll-nothing-yet", epoll_wait(ep, out, 4, 10) == 0, "events before any write");
	write(p[1], "ab", 2);
	int n = epoll_wait(ep, out, 4, 1000);
	CHECK("epoll-level", n == 1 && out[0].data.u64 == 77 && (out[0].events & EPOLLIN), "n %d", n);
	CHECK("epoll-level-again", epoll_wait(ep, out, 4, 0) == 1, "level-triggered readiness not reported again");
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	CHECK("epoll-edge-first", epoll_wait(ep, out, 4, 0) == 1, "edge-triggered: first report missing");
	CHECK("epoll-edge-once", epoll_wait(ep, out, 4, 0) == 0, "edge-triggered readiness reported twice");
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	int first = epoll_wait(ep, out, 4, 0), second = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-oneshot", first == 1 && second == 0, "one-shot gave %d then %d", first, second);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	errno = 0;
	CHECK("epoll-del-missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT, "errno %d",
	      errno);
	efd = eventfd(0, 0);
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	pthread_t t;
	pthread_create(&t, NULL, poster, NULL);
	n = epoll_wait(ep, out, 4, 5000);
	pthread_join(t, NULL);
	CHECK("epoll-woken-by-thread", n == 1, "n %d", n);
	close(efd);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void check_timerfd(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec its = { .it_interval = { 0, 10000000 }, .it_value = { 0, 10000000 } }, cur;
	struct timespec t0; /* before the timer is set: a busy host may delay this process past its first expiry */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK("timerfd-settime", timerfd_settime(t, 0, &its, NULL) == 0, "timerfd_settime");
	uint64_t ticks = 0;
	read(t, &ticks, 8);
	long ms = elapsed_ms(&t0);
	CHECK("timerfd-read-blocks", ticks >= 1 && ms >= 9, "%llu ticks after %ld ms", (unsigned long long)ticks, ms);
	usleep(35000);
	read(t, &ticks, 8);
	CHECK("timerfd-periodic", ticks >= 3, "%llu ticks in 35 ms of a 10 ms period", (unsigned long long)ticks);
	timerfd_gettime(t, &cur);
	CHECK("timerfd-gettime", cur.it_interval.tv_nsec == 10000000, "interval %ld", cur.it_interval.tv_nsec);
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	timerfd_settime(t, 0, &off, NULL);
	struct pollfd pf = { t, POLLIN, 0 };
	CHECK("timerfd-disarmed", poll(&pf, 1, 20) == 0, "a disarmed timer fired");
	struct itimerspec once = { { 0, 0 }, { 0, 15000000 } };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	timerfd_settime(t, 0, &once, NULL);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
	int n = epoll_wait(ep, &out, 1, 2000);
	ms = elapsed_ms(&t0);
	CHECK("timerfd-epoll", n == 1 && ms >= 14 && ms < 1000, "n %d after %ld ms", n, ms);
	close(ep);
	close(t);
}

/* An epoll interest is (descriptor, open file), as Linux keys it: it goes with the file's last close, it stays
   while a dup holds the file, and a new file at the same number is another. */
static void check_epoll_close(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), a[2], b[2];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 5 }, out[4];
	pipe(a);
	epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev);
	int num = a[0];
	close(a[0]);
	pipe(b); /* the lowest free numbers: b[0] is a[0]'s old number */
	errno = 0;
	CHECK("epoll-reused-number-other-file",
	      b[0] == num && epoll_ctl(ep, EPOLL_CTL_MOD, b[0], &ev) == -1 && errno == ENOENT,
	      "b[0] %d (was %d), errno %d", b[0], num, errno);
	ev.data.u64 = 6;
	CHECK("epoll-add-after-last-close", epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev) == 0, "errno %d", errno);
	write(b[1], "x", 1);
	int n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-closed-gone", n == 1 && out[0].data.u64 == 6, "n %d, data %llu", n,
	      n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
	int d = dup(b[0]);
	close(b[0]);
	n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-dup-keeps-interest", n == 1 && out[0].data.u64 == 6, "n %d", n);
	errno = 0;
	CHECK("epoll-del-closed-fd", epoll_ctl(ep, EPOLL_CTL_DEL, b[0], NULL) == -1 && errno == EBADF, "errno %d",
	      errno);
	close(d);
	CHECK("epoll-last-close-forgets", epoll_wait(ep, out, 4, 0) == 0, "an event after the last close");
	close(a[1]), close(b[1]), close(ep);
}

/* Descriptors past 1,024 once RLIMIT_NOFILE allows them (as root up to Linux's nr_open; without the right
   to raise the hard limit, up to it), and none at or past the limit. */
static void check_fd_limits(void)
{
	struct rlimit old, rl = { 70000, 70000 }, over = { 1048577, 1048577 };
	getrlimit(RLIMIT_NOFILE, &old);
	errno = 0;
	CHECK("nofile-over-nr-open", setrlimit(RLIMIT_NOFILE, &over) == -1 && errno == EPERM, "errno %d", errno);
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		rl = (struct rlimit){ old.rlim_max, old.rlim_max };
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	int lim = (int)rl.rlim_cur;
	CHECK("nofile-raised", lim > 1024 && getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == (rlim_t)lim,
	      "limit %d", lim);
	CHECK("fd-past-1024", dup2(1, lim - 1) == lim - 1 && fcntl(lim - 1, F_GETFD) == 0, "errno %d", errno);
	errno = 0;
	CHECK("fd-at-limit-refused", dup2(1, lim) == -1 && errno == EBADF, "errno %d", errno);
	int low = dup(1);
	CHECK("fd-lowest-after-high", low >= 0 && low < 1024, "dup gave %d", low);
	close(low), close(lim - 1);
	setrlimit(RLIMIT_NOFILE, &old);
}

#define MANY 3000 /* eventfds in one epoll: more than 1,024 descriptors */

/* One ready descriptor among MANY is the one reported, however many are registered; a read makes it quiet. */
static void check_epoll_many(void)
{
	struct rlimit old, rl;
	getrlimit(RLIMIT_NOFILE, &old);
	rl = (struct rlimit){ MANY + 64, old.rlim_max > MANY + 64 ? old.rlim_max : MANY + 64 };
	setrlimit(RLIMIT_NOFILE, &rl);
	static int fds[MANY];
	int ep = epoll_create1(0), made = 0;
	for (; made < MANY; made++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)made };
		if ((fds[made] = eventfd(0, EFD_NONBLOCK)) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[made], &ev) != 0)
			break;
	}
	CHECK("epoll-many-registered", made == MANY && fds[MANY - 1] > 1024, "made %d, errno %d", made, errno);
	struct epoll_event out[8];
	CHECK("epoll-many-none-ready", epoll_wait(ep, out, 8, 0) == 0, "events before any write");
	uint64_t one = 1;
	write(fds[MANY - 7], &one, 8);
	int n = epoll_wait(ep, out, 8, 1000);
	CHECK("epoll-many-one-ready", n == 1 && out[0].data.u64 == MANY - 7, "n %d, data %llu", n,
	      n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
	read(fds[MANY - 7], &one, 8);
	CHECK("epoll-many-read-quiet", epoll_wait(ep, out, 8, 0) == 0, "an event after the read");
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 12345 };
	CHECK("epoll-many-mod", epoll_ctl(ep, EPOLL_CTL_MOD, fds[5], &ev) == 0, "errno %d", errno);
	write(fds[5], &one, 8);
	n = epoll_wait(ep, out, 8, 0);
	CHECK("epoll-many-mod-data", n == 1 && out[0].data.u64 == 12345, "n %d", n);
	for (int i = 0; i < made; i++)
		close(fds[i]);
	CHECK("epoll-many-closed", epoll_wait(ep, out, 8, 0) == 0, "an event after every close");
	close(ep);
	setrlimit(RLIMIT_NOFILE, &old);
}

/* The ready list follows every change: readiness gained and lost between epoll_ctl and epoll_wait, a
   descriptor ready before it is added, the other end's close, and level-triggered ones taking turns. */
static void check_epoll_changes(void)
{
	int ep = epoll_create1(0), p[2], q[2], r[2];
	char buf[8];
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[4];
	pipe(p), pipe(q), pipe(r);
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	write(p[1], "a", 1);
	read(p[0], buf, 1);
	CHECK("epoll-gained-and-lost", epoll_wait(ep, out, 4, 0) == 0, "an event for data already read");
	write(p[1], "b", 1);
	CHECK("epoll-gained-again", epoll_wait(ep, out, 4, 0) == 1, "no event for new data");
	read(p[0], buf, 1);
	write(q[1], "c", 1);
	ev.data.u64 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev);
	int n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-ready-before-add", n == 1 && out[0].data.u64 == 2, "n %d", n);
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLET, .data.u64 = 3 };
	epoll_ctl(ep, EPOLL_CTL_ADD, r[0], &ev);
	write(r[1], "de", 2);
	read(q[0], buf, 1);
	n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-edge-new-data", n == 1 && out[0].data.u64 == 3, "n %d", n);
	write(r[1], "f", 1);
	CHECK("epoll-edge-more-data", epoll_wait(ep, out, 4, 0) == 1, "no event for more data on a readable pipe");
	read(r[0], buf, 1); /* a read that leaves bytes behind is no new event */
	CHECK("epoll-edge-partial-read", epoll_wait(ep, out, 4, 0) == 0, "an event for a read that left data");
	close(r[1]);
	n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-edge-hangup", n == 1 && (out[0].events & EPOLLHUP), "n %d, events %#x", n, n ? out[0].events : 0);
	write(p[1], "g", 1);
	write(q[1], "h", 1);
	uint64_t seen = 0;
	for (int i = 0; i < 3; i++) /* p and q, level-triggered, one at a time: each goes to the end once reported */
		if (epoll_wait(ep, out, 1, 0) == 1)
			seen |= 1UL << out[0].data.u64;
	CHECK("epoll-level-takes-turns", seen == 6, "seen %#llx", (unsigned long long)seen);
	close(p[0]), close(p[1]), close(q[0]), close(q[1]), close(r[0]), close(ep);
}

/* Two descriptors of one pipe are two interests; the file's other end, closed, hangs up both. */
static void check_epoll_dup(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	int d = dup(p[0]);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	ev.data.u64 = 2;
	epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev);
	write(p[1], "x", 1);
	int n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-dup-both", n == 2 && out[0].data.u64 + out[1].data.u64 == 3, "n %d", n);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
	n = epoll_wait(ep, out, 4, 0);
	CHECK("epoll-dup-del-one", n == 1 && out[0].data.u64 == 2, "n %d", n);
	char c;
	read(d, &c, 1);
	close(p[1]);
	n = epoll_wait(ep, out, 4, 1000);
	CHECK("epoll-dup-hangup", n == 1 && out[0].data.u64 == 2 && (out[0].events & EPOLLHUP), "n %d", n);
	close(p[0]), close(d), close(ep);
}

/* An epoll shared by fork: the child waits on it and is woken by the parent's write; the parent waits and is
   woken by the child's, each change made in one process and found in the other's ready list. */
static void check_epoll_fork(void)
{
	int ep = epoll_create1(0), a[2], b[2], c[2];
	pipe(a), pipe(b), pipe(c);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 1 }, out[4];
	epoll_ctl(ep, EPOLL_CTL_ADD, a[0], &ev);
	pid_t pid = fork();
	if (pid == 0) {
		int n = epoll_wait(ep, out, 4, 5000);
		char x;
		if (n != 1 || out[0].data.u64 != 1 || read(a[0], &x, 1) != 1)
			_exit(1);
		ev.data.u64 = 2;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, b[0], &ev) != 0) /* the parent holds b[0] too: the interest stays */
			_exit(2);
		write(c[1], "z", 1); /* a[0] is empty again: the parent may wait */
		usleep(50000);
		write(b[1], "y", 1);
		_exit(0);
	}
	usleep(20000);
	write(a[1], "x", 1);
	int st = -1;
	char z;
	read(c[0], &z, 1);
	int n = epoll_wait(ep, out, 4, 5000);
	CHECK("epoll-fork-parent-woken", n == 1 && out[0].data.u64 == 2, "n %d", n);
	waitpid(pid, &st, 0);
	CHECK("epoll-fork-child-woken", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(c[0]), close(c[1]), close(ep);
}

/*
 * Processes each waiting in an epoll of its own on one pipe: a byte written wakes every one of them, but only
 * one when all asked with EPOLLEXCLUSIVE (Linux wakes the first exclusive waiter, and the others' epolls are
 * not told); how many woke, or -1.
 */
static int woken_of(int procs, uint32_t flags)
{
	int p[2], ready[2], done[2];
	pipe(p), pipe(ready), pipe(done);
	for (int k = 0; k < procs; k++)
		if (fork() == 0) {
			int ep = epoll_create1(0);
			struct epoll_event ev = { .events = EPOLLIN | flags }, out;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0)
				_exit(1);
			write(ready[1], "r", 1);
			char woke = epoll_wait(ep, &out, 1, 600) == 1 ? 'y' : 'n';
			write(done[1], &woke, 1);
			_exit(0);
		}
	char c;
	for (int k = 0; k < procs; k++)
		if (read(ready[0], &c, 1) != 1)
			return -1;
	usleep(200000); /* each is asleep in epoll_wait by now */
	write(p[1], "x", 1);
	int woken = 0;
	for (int k = 0; k < procs; k++) {
		if (read(done[0], &c, 1) != 1)
			return -1;
		woken += c == 'y';
	}
	while (wait(NULL) > 0)
		;
	close(p[0]), close(p[1]), close(ready[0]), close(ready[1]), close(done[0]), close(done[1]);
	return woken;
}

/* EPOLLEXCLUSIVE: at EPOLL_CTL_ADD only, with few other events, not on an epoll; one waiter woken of several. */
static void check_epoll_exclusive(void)
{
	int ep = epoll_create1(0), inner = epoll_create1(0), p[2];
	pipe(p);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT };
	errno = 0;
	CHECK("exclusive-oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EINVAL, "errno %d", errno);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP;
	errno = 0;
	CHECK("exclusive-rdhup", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EINVAL, "errno %d", errno);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	errno = 0;
	CHECK("exclusive-on-epoll", epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev) == -1 && errno == EINVAL, "errno %d", errno);
	CHECK("exclusive-add", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "errno %d", errno);
	errno = 0;
	CHECK("exclusive-mod", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == -1 && errno == EINVAL, "errno %d", errno);
	ev.events = EPOLLIN;
	errno = 0;
	CHECK("exclusive-mod-plain", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == -1 && errno == EINVAL, "errno %d", errno);
	write(p[1], "x", 1);
	struct epoll_event out;
	CHECK("exclusive-ready", epoll_wait(ep, &out, 1, 1000) == 1 && out.events == EPOLLIN, "events %#x", out.events);
	CHECK("exclusive-del", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0, "errno %d", errno);
	close(ep), close(inner), close(p[0]), close(p[1]);
	int n = woken_of(4, 0);
	CHECK("shared-wakes-all", n == 4, "%d of 4 woken", n);
	n = woken_of(4, EPOLLEXCLUSIVE);
	CHECK("exclusive-wakes-one", n == 1, "%d of 4 woken", n);
}

/* An epoll inside another: readiness passes up, poll and select see it, a waiter is woken, loops are refused. */
static void check_epoll_nested(void)
{
	int inner = epoll_create1(0), outer = epoll_create1(0), p[2];
	pipe(p);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 7 }, out[2];
	epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev);
	ev.data.u64 = 8;
	CHECK("nested-add", epoll_ctl(outer, EPOLL_CTL_ADD, inner, &ev) == 0, "errno %d", errno);
	struct pollfd pf = { inner, POLLIN, 0 };
	CHECK("nested-quiet", epoll_wait(outer, out, 2, 0) == 0 && poll(&pf, 1, 0) == 0, "revents %#x", pf.revents);
	write(p[1], "x", 1);
	int n = epoll_wait(outer, out, 2, 1000);
	CHECK("nested-ready", n == 1 && out[0].data.u64 == 8 && (out[0].events & EPOLLIN), "n %d", n);
	CHECK("nested-poll", poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "revents %#x", pf.revents);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(inner, &r);
	struct timeval tv = { 0, 0 };
	CHECK("nested-select", select(inner + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(inner, &r), "errno %d", errno);
	n = epoll_wait(inner, out, 2, 0);
	CHECK("nested-inner-event", n == 1 && out[0].data.u64 == 7, "n %d", n);
	char x;
	read(p[0], &x, 1);
	CHECK("nested-drained", epoll_wait(outer, out, 2, 0) == 0 && poll(&pf, 1, 0) == 0, "revents %#x", pf.revents);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(30000);
		write(p[1], "y", 1);
		_exit(0);
	}
	n = epoll_wait(outer, out, 2, 5000); /* asleep until the child writes */
	CHECK("nested-waiter-woken", n == 1 && out[0].data.u64 == 8, "n %d", n);
	waitpid(pid, NULL, 0);
	errno = 0;
	CHECK("nested-loop", epoll_ctl(inner, EPOLL_CTL_ADD, outer, &ev) == -1 && errno == ELOOP, "errno %d", errno);
	errno = 0;
	CHECK("nested-self", epoll_ctl(inner, EPOLL_CTL_ADD, inner, &ev) == -1 && errno == EINVAL, "errno %d", errno);
	close(inner); /* its last close: the outer forgets it */
	CHECK("nested-closed", epoll_wait(outer, out, 2, 0) == 0, "still reported");
	close(outer), close(p[0]), close(p[1]);
}

/* O_ASYNC through FIOASYNC and F_SETFL, and the owner F_SETOWN keeps (no I/O while both are set: Linux would send SIGIO). */
static void check_async_owner(void)
{
	int p[2], on = 1, off = 0;
	pipe(p);
	CHECK("setown-self", fcntl(p[0], F_SETOWN, getpid()) == 0 && fcntl(p[0], F_GETOWN) == getpid(), "errno %d",
	      errno);
	CHECK("setown-group", fcntl(p[0], F_SETOWN, -getpgrp()) == 0 && fcntl(p[0], F_GETOWN) == -getpgrp(), "errno %d",
	      errno);
	struct f_owner_ex ex = { F_OWNER_PID, getpid() };
	CHECK("setown-ex-pid", fcntl(p[0], F_SETOWN_EX, &ex) == 0 && fcntl(p[0], F_GETOWN) == getpid(), "errno %d",
	      errno);
	ex = (struct f_owner_ex){ F_OWNER_PGRP, getpgrp() };
	CHECK("setown-ex-group",
	      fcntl(p[0], F_SETOWN_EX, &ex) == 0 && fcntl(p[0], F_GETOWN_EX, &ex) == 0 && ex.type == F_OWNER_PGRP &&
		      ex.pid == getpgrp(),
	      "errno %d, type %d, pid %d", errno, ex.type, ex.pid);
	ex = (struct f_owner_ex){ 7, getpid() };
	errno = 0;
	CHECK("setown-ex-bad-type", fcntl(p[0], F_SETOWN_EX, &ex) == -1 && errno == EINVAL, "errno %d", errno);
	errno = 0;
	CHECK("setown-nobody", fcntl(p[0], F_SETOWN, 0x3ffffff0) == -1 && errno == ESRCH, "errno %d", errno);
	CHECK("setown-kept-after-esrch", fcntl(p[0], F_GETOWN) == -getpgrp(), "owner %d", fcntl(p[0], F_GETOWN));
	CHECK("setown-none", fcntl(p[0], F_SETOWN, 0) == 0 && fcntl(p[0], F_GETOWN) == 0, "errno %d", errno);
	CHECK("fioasync-on", ioctl(p[0], FIOASYNC, &on) == 0 && (fcntl(p[0], F_GETFL) & O_ASYNC), "flags %#x",
	      fcntl(p[0], F_GETFL));
	CHECK("fioasync-off", ioctl(p[0], FIOASYNC, &off) == 0 && !(fcntl(p[0], F_GETFL) & O_ASYNC), "flags %#x",
	      fcntl(p[0], F_GETFL));
	fcntl(p[1], F_SETFL, O_ASYNC | O_NONBLOCK);
	CHECK("setfl-async", (fcntl(p[1], F_GETFL) & (O_ASYNC | O_NONBLOCK)) == (O_ASYNC | O_NONBLOCK), "flags %#x",
	      fcntl(p[1], F_GETFL));
	errno = 0;
	CHECK("fioasync-efault", ioctl(p[0], FIOASYNC, (void *)8) == -1 && errno == EFAULT, "errno %d", errno);
	close(p[0]), close(p[1]);
}

int main(void)
{
	check_epoll();
	check_epoll_close();
	check_epoll_many();
	check_epoll_changes();
	check_epoll_dup();
	check_epoll_fork();
	check_epoll_nested();
	check_epoll_exclusive();
	check_fd_limits();
	check_async_owner();
	check_timerfd();
	check_eventfd();
	check_poll_timeouts();
	check_wakeups();
	check_misc();
	return t_done();
}
