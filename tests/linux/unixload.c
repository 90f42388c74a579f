/* AF_UNIX under load and in event loops: epoll's modes over sockets and pipes, 64 MiB checked by hash, 200 concurrent clients. */
#define T_NAME "unixload"
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRANSFER (64UL << 20)
#define CHUNK 65536
#define CLIENT_PROCS 4
#define CLIENTS_EACH 50

/* The events epoll_wait(ep, timeout 0) reports for data d, 0 if none; *n the number of events. */
static uint32_t events_of(int ep, uint64_t d, int *n)
{
	struct epoll_event ev[8];
	uint32_t e = 0;
	*n = epoll_wait(ep, ev, 8, 0);
	for (int i = 0; i < *n; i++)
		if (ev[i].data.u64 == d)
			e = ev[i].events;
	return e;
}

/* Check that epoll_wait reports events want for data d, and (unless total < 0) total events in all. */
static void expect_events(const char *name, int ep, uint64_t d, uint32_t want, int total)
{
	int n;
	uint32_t e = events_of(ep, d, &n);
	CHECK(name, e == want && (total < 0 || n == total), "events %#x, %d in all (want %#x, %d)", e, n, want, total);
}

static int add(int ep, int fd, uint32_t events, uint64_t d)
{
	struct epoll_event ev = { .events = events, .data.u64 = d };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void drain(int fd)
{
	char buf[256];
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static void check_epoll_modes(void)
{
	int sv[2], pp[2], et[2], os[2], n = 0;
	char buf[64];
	int ep = epoll_create1(0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(pp);
	add(ep, sv[0], EPOLLIN, 1);
	add(ep, pp[0], EPOLLIN, 2);
	expect_events("level-nothing", ep, 1, 0, 0);
	write(pp[1], "p", 1);
	expect_events("level-pipe-only", ep, 2, EPOLLIN, 1);
	write(sv[1], "s", 1);
	expect_events("level-socket-and-pipe", ep, 1, EPOLLIN, 2);
	expect_events("level-again", ep, 1, EPOLLIN, 2);
	read(pp[0], buf, 1);
	read(sv[0], buf, 1);
	expect_events("level-drained", ep, 1, 0, 0);
	/* edge-triggered: once per arrival, even while data is still unread */
	socketpair(AF_UNIX, SOCK_STREAM, 0, et);
	add(ep, et[0], EPOLLIN | EPOLLET, 3);
	write(et[1], "a", 1);
	expect_events("et-first", ep, 3, EPOLLIN, -1);
	expect_events("et-not-again", ep, 3, 0, 0);
	write(et[1], "b", 1);
	expect_events("et-new-data", ep, 3, EPOLLIN, -1);
	drain(et[0]);
	/* one-shot: reported once, then silent until re-armed */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, os);
	add(ep, os[0], EPOLLIN | EPOLLONESHOT, 4);
	send(os[1], "x", 1, 0);
	expect_events("oneshot-first", ep, 4, EPOLLIN, -1);
	send(os[1], "y", 1, 0);
	expect_events("oneshot-disabled", ep, 4, 0, 0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = 4 };
	epoll_ctl(ep, EPOLL_CTL_MOD, os[0], &ev);
	expect_events("oneshot-rearmed", ep, 4, EPOLLIN, -1);
	/* the peer's half-close and close */
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = 5;
	epoll_ctl(ep, EPOLL_CTL_MOD, et[0], &ev);
	shutdown(et[1], SHUT_WR);
	expect_events("rdhup", ep, 5, (EPOLLIN | EPOLLRDHUP), -1);
	close(et[1]);
	expect_events("hup", ep, 5, (EPOLLIN | EPOLLRDHUP | EPOLLHUP), -1);
	/* writable, and a blocking wait woken by another process's write */
	add(ep, sv[1], EPOLLOUT, 6);
	expect_events("epollout", ep, 6, EPOLLOUT, -1);
	epoll_ctl(ep, EPOLL_CTL_DEL, sv[1], NULL);
	epoll_ctl(ep, EPOLL_CTL_DEL, et[0], NULL);
	epoll_ctl(ep, EPOLL_CTL_DEL, os[0], NULL);
	pid_t p = fork();
	if (p == 0) {
		usleep(50000);
		write(sv[1], "late", 4);
		_exit(0);
	}
	struct epoll_event got;
	n = epoll_wait(ep, &got, 1, 5000);
	CHECK("blocking-wait-woken", n == 1 && got.data.u64 == 1 && got.events == EPOLLIN, "%d events", n);
	waitpid(p, NULL, 0);
	/* select over a socket */
	fd_set r;
	FD_ZERO(&r);
	FD_SET(sv[0], &r);
	struct timeval tv = { 1, 0 };
	CHECK("select-socket", select(sv[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(sv[0], &r), "errno %d", errno);
	close(ep), close(sv[0]), close(sv[1]), close(pp[0]), close(pp[1]), close(et[0]), close(os[0]), close(os[1]);
}

/* The test data: a fixed pseudo-random stream, 8 bytes at a time. */
static uint64_t next_word(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* A hash of 8-byte words (n a multiple of 8), continued from h. */
static uint64_t hash_words(uint64_t h, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h;
}

static void fill(uint64_t *buf, uint64_t *x)
{
	for (size_t i = 0; i < CHUNK / 8; i++)
		buf[i] = next_word(x);
}

static uint64_t wbuf[CHUNK / 8], rbuf[CHUNK / 8];

/* 64 MiB from a child, over a path-named stream connection; the reader hashes what comes. */
static void check_transfer(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/big", dir);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
		CHECK("transfer-64mib", 0, "bind/listen errno %d", errno);
		return;
	}
	pid_t p = fork();
	if (p == 0) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		uint64_t x = 88172645463325252ULL;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(1);
		for (size_t sent = 0; sent < TRANSFER; sent += CHUNK) {
			fill(wbuf, &x);
			if (write(fd, wbuf, CHUNK) != CHUNK)
				_exit(2);
		}
		_exit(0);
	}
	int a = accept(lfd, NULL, NULL);
	uint64_t want = 14695981039346656037ULL, got = want, x = 88172645463325252ULL;
	size_t total = 0, have = 0;
	for (size_t n = 0; n < TRANSFER; n += CHUNK) {
		fill(wbuf, &x);
		want = hash_words(want, wbuf, CHUNK);
	}
	for (;;) {
		long r = read(a, (char *)rbuf + have, CHUNK - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		total += (size_t)r;
		if (have == CHUNK || total == TRANSFER) {
			got = hash_words(got, rbuf, have & ~7UL);
			have = 0;
		}
	}
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("transfer-64mib", total == TRANSFER && got == want && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "%zu bytes, hash %llx (want %llx), status %#x", total, (unsigned long long)got, (unsigned long long)want,
	      st);
	unlink(sa.sun_path);
	close(a), close(lfd);
}

/* A client process: CLIENTS_EACH connections open at once, a line on each, each echoed back. Once all
 * are connected it says so with a byte on `ready`, and sends nothing until `go` reaches end-of-file, so
 * that every client's connections are open at the same moment however the processes are scheduled. */
static int clients(const struct sockaddr_un *sa, int id, int ready, int go)
{
	int fd[CLIENTS_EACH];
	for (int i = 0; i < CLIENTS_EACH; i++) {
		fd[i] = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd[i], (const struct sockaddr *)sa, sizeof(*sa)) < 0)
			return 1;
	}
	char c;
	if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 0)
		return 4;
	char msg[32], buf[32];
	for (int i = 0; i < CLIENTS_EACH; i++) {
		int n = snprintf(msg, sizeof(msg), "client %d.%d", id, i);
		if (write(fd[i], msg, (size_t)n) != n)
			return 2;
	}
	for (int i = 0; i < CLIENTS_EACH; i++) {
		int n = snprintf(msg, sizeof(msg), "client %d.%d", id, i);
		if (read(fd[i], buf, sizeof(buf)) != n || memcmp(buf, msg, (size_t)n) != 0)
			return 3;
		close(fd[i]);
	}
	return 0;
}

/* An epoll server echoing to CLIENT_PROCS * CLIENTS_EACH concurrent connections until they all close. */
static void check_concurrent(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "unixload-%d", (int)getpid());
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
	listen(lfd, 64);
	int ready[2], go[2];
	pipe(ready), pipe(go);
	pid_t kids[CLIENT_PROCS];
	for (int k = 0; k < CLIENT_PROCS; k++)
		if ((kids[k] = fork()) == 0) {
			close(ready[0]), close(go[1]);
			_exit(clients(&sa, k, ready[1], go[0]));
		}
	close(ready[1]), close(go[0]);
	int ep = epoll_create1(0), accepted = 0, closed = 0, most = 0, open = 0, readied = 0;
	add(ep, lfd, EPOLLIN, (uint64_t)-1);
	add(ep, ready[0], EPOLLIN, (uint64_t)-2);
	while (closed < CLIENT_PROCS * CLIENTS_EACH) {
		struct epoll_event ev[32];
		int n = epoll_wait(ep, ev, 32, 10000);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == (uint64_t)-2) {
				char c;
				if (read(ready[0], &c, 1) != 1 || ++readied == CLIENT_PROCS)
					epoll_ctl(ep, EPOLL_CTL_DEL, ready[0], NULL);
				continue;
			}
			if (ev[i].data.u64 == (uint64_t)-1) {
				int a;
				while ((a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					add(ep, a, EPOLLIN, (uint64_t)a);
					accepted++;
					most = ++open > most ? open : most;
				}
				continue;
			}
			int fd = (int)ev[i].data.u64;
			char buf[64];
			long r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				write(fd, buf, (size_t)r);
			} else if (r == 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				closed++;
				open--;
			}
		}
		if (go[1] >= 0 && readied == CLIENT_PROCS && accepted == CLIENT_PROCS * CLIENTS_EACH)
			close(go[1]), go[1] = -1; /* every connection is open: let the clients talk */
	}
	if (go[1] >= 0)
		close(go[1]);
	close(ready[0]);
	int good = 0;
	for (int k = 0; k < CLIENT_PROCS; k++) {
		int st = 0;
		waitpid(kids[k], &st, 0);
		good += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK("concurrent-200-clients",
	      accepted == CLIENT_PROCS * CLIENTS_EACH && closed == accepted && good == CLIENT_PROCS,
	      "%d accepted, %d closed, %d client processes ended well", accepted, closed, good);
	CHECK("concurrent-many-open", most == CLIENT_PROCS * CLIENTS_EACH, "at most %d open at once (want %d)", most,
	      CLIENT_PROCS * CLIENTS_EACH);
	close(ep), close(lfd);
}

int main(void)
{
	char dir[] = "/tmp/unixload-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("not ok unixload/mkdtemp: errno %d\n", errno);
		return 1;
	}
	check_epoll_modes();
	check_transfer(dir);
	check_concurrent();
	rmdir(dir);
	return t_done();
}
