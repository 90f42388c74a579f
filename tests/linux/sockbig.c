/*
 * TCP over loopback at scale and at its edges: 1,000 connections open at
 * once served by one process with epoll (and counted in /proc/net/tcp), 64
 * MiB checked by a hash on both ends, half-close, non-blocking connects
 * (made and refused), SO_REUSEADDR rebinding a port that carried a
 * connection, socket options read back, and the errnos around them.
 */
#define _GNU_SOURCE
#define T_NAME "sockbig"
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NCONN 1000
#define BIG (64u << 20)
#define CHUNK 65536

static struct sockaddr_in lo(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	return getsockname(fd, (struct sockaddr *)&a, &len) < 0 ? -1 : ntohs(a.sin_port);
}

/* A TCP listener on 127.0.0.1 at port (0: any), SO_REUSEADDR if reuse: its descriptor, or -1. */
static int listener(int port, int reuse, int backlog)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = lo(port);
	if (l < 0 || (reuse && setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, backlog) < 0) {
		if (l >= 0)
			close(l);
		return -1;
	}
	return l;
}

/* A blocking connect to 127.0.0.1:port: the descriptor, or -1. */
static int dial(int port)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = lo(port);
	if (c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(c);
		return -1;
	}
	return c;
}

/* Read exactly n bytes (or up to end of file): the count, or -1. */
static long read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (long)got;
}

static int write_full(int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = write(fd, (const char *)buf + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* ---- 1,000 connections at once ---- */

/* The client: NCONN connections, all open, each sends "qNNNN" and must read "rNNNN" back; exit 0 when all did.
 * Before it closes them it says so on ready and waits for a byte on go. */
static void many_client(int port, int ready, int go)
{
	static int fd[NCONN];
	for (int i = 0; i < NCONN; i++)
		if ((fd[i] = dial(port)) < 0)
			_exit(10);
	for (int i = 0; i < NCONN; i++) {
		char q[6];
		snprintf(q, sizeof(q), "q%04d", i);
		if (write_full(fd[i], q, 5) < 0)
			_exit(11);
	}
	for (int i = 0; i < NCONN; i++) {
		char r[6] = { 0 }, want[6];
		snprintf(want, sizeof(want), "r%04d", i);
		if (read_full(fd[i], r, 5) != 5 || memcmp(r, want, 5) != 0)
			_exit(12);
	}
	char b = 0;
	if (write(ready, "r", 1) != 1 || read(go, &b, 1) != 1)
		_exit(13);
	for (int i = 0; i < NCONN; i++)
		close(fd[i]);
	_exit(0);
}

struct served {
	int accepted, answered, closed, most_open;
	int port, ready, go; /* the listener's port; the client's pipes */
	int listening, served,
		clients; /* /proc/net/tcp's rows of port, all open: LISTEN, and ESTABLISHED at each end */
};

/* Count /proc/net/tcp's rows for s->port: the listener, the connections at its end and at the clients'. */
static void census(struct served *s)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[256];
	unsigned local, remote, state;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &local, &remote, &state) == 3) {
			s->listening += local == (unsigned)s->port && state == 10;
			s->served += local == (unsigned)s->port && state == 1;
			s->clients += remote == (unsigned)s->port && state == 1;
		}
	if (f)
		fclose(f);
}

/* One connection readable: take its "qNNNN" (it comes whole: 5 bytes in one write) and answer, or close at its end. */
static void serve_one(int ep, int fd, struct served *s, int *open)
{
	char q[8];
	ssize_t n = read(fd, q, sizeof(q));
	if (n == 5 && q[0] == 'q') {
		q[0] = 'r';
		if (write(fd, q, 5) == 5)
			s->answered++;
	} else if (n == 0 || (n < 0 && errno != EAGAIN)) {
		epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
		close(fd);
		s->closed++;
		(*open)--;
	}
}

/* Serve on l with one epoll until NCONN connections came and went (or 30 s passed). */
static void many_serve(int l, struct served *s)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), open = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l }, evs[64];
	epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
	ev.data.fd = s->ready;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->ready, &ev);
	while (s->closed < NCONN) {
		int n = epoll_wait(ep, evs, 64, 30000);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == s->ready) { /* every answer read, nothing closed yet */
				char b;
				census(s);
				if (read(s->ready, &b, 1) != 1 || write(s->go, "g", 1) != 1)
					return;
				epoll_ctl(ep, EPOLL_CTL_DEL, s->ready, NULL);
				continue;
			}
			if (evs[i].data.fd != l) {
				serve_one(ep, evs[i].data.fd, s, &open);
				continue;
			}
			int c;
			while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
				struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				s->accepted++;
				if (++open > s->most_open)
					s->most_open = open;
			}
		}
	}
	close(ep);
}

static void check_many(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < NCONN + 64) {
		rl.rlim_cur = rl.rlim_max < NCONN + 64 ? rl.rlim_max : NCONN + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK("nofile-raised", rl.rlim_cur >= NCONN + 64, "RLIMIT_NOFILE %lu", (unsigned long)rl.rlim_cur);
	int l = listener(0, 0, NCONN + 24);
	CHECK("many-listen", l >= 0, "errno %d", errno);
	int flags = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, flags | O_NONBLOCK);
	int port = port_of(l), ready[2], go[2];
	if (pipe(ready) < 0 || pipe(go) < 0)
		return;
	pid_t kid = fork();
	if (kid == 0) {
		close(l);
		many_client(port, ready[1], go[0]);
	}
	struct served s = { .port = port, .ready = ready[0], .go = go[1] };
	many_serve(l, &s);
	close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
	int st = -1;
	waitpid(kid, &st, 0);
	close(l);
	CHECK("many-accepted", s.accepted == NCONN, "%d accepted", s.accepted);
	CHECK("many-all-open-at-once", s.most_open == NCONN, "at most %d open at once", s.most_open);
	CHECK("many-answered", s.answered == NCONN, "%d answered", s.answered);
	CHECK("many-closed", s.closed == NCONN, "%d closed by their clients", s.closed);
	CHECK("many-client-saw-all", WIFEXITED(st) && WEXITSTATUS(st) == 0, "client status %#x", st);
	CHECK("many-proc-net-tcp", s.listening == 1 && s.served == NCONN && s.clients == NCONN,
	      "/proc/net/tcp: %d listening, %d established at the server's end, %d at the clients'", s.listening,
	      s.served, s.clients);
}

/* ---- 64 MiB, hashed on both ends, and a half-closed answer ---- */

/* FNV-1a over 64-bit words: h of buf (n a multiple of 8) folded into h. */
static uint64_t fnv(uint64_t h, const void *buf, size_t n)
{
	const uint64_t *w = buf;
	for (size_t i = 0; i < n / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ULL;
	return h;
}

/* The sender: BIG bytes of a xorshift stream, then SHUT_WR; reads the receiver's hash back; exit 0 when it matches. */
static void big_send(int c, int report)
{
	static uint64_t buf[CHUNK / 8];
	uint64_t x = 0x9E3779B97F4A7C15ULL, h = 0xcbf29ce484222325ULL, back[2];
	for (size_t sent = 0; sent < BIG; sent += CHUNK) {
		for (size_t i = 0; i < CHUNK / 8; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = x;
		}
		h = fnv(h, buf, CHUNK);
		if (write_full(c, buf, CHUNK) < 0)
			_exit(20);
	}
	if (write(report, &h, sizeof(h)) != sizeof(h) || shutdown(c, SHUT_WR) < 0)
		_exit(21);
	if (read_full(c, back, sizeof(back)) != sizeof(back))
		_exit(22);
	_exit(back[0] == h && back[1] == BIG ? 0 : 23);
}

/* The receiver: everything until end of file, in reads of any size; its hash (reads are regrouped into words). */
static uint64_t big_receive(int a, uint64_t *count)
{
	static uint8_t buf[CHUNK + 8];
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t have = 0;
	ssize_t r;
	*count = 0;
	while ((r = read(a, buf + have, CHUNK)) > 0 || (r < 0 && errno == EINTR)) {
		if (r < 0)
			continue;
		have += (size_t)r;
		*count += (uint64_t)r;
		size_t whole = have & ~(size_t)7;
		h = fnv(h, buf, whole);
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	return have ? 0 : h;
}

static void check_big(void)
{
	int l = listener(0, 0, 4), p[2];
	if (pipe(p) < 0 || l < 0) {
		CHECK("big-setup", 0, "errno %d", errno);
		return;
	}
	pid_t kid = fork();
	if (kid == 0) {
		int c = dial(port_of(l));
		if (c < 0)
			_exit(24);
		big_send(c, p[1]);
	}
	int a = accept(l, NULL, NULL);
	uint64_t count, theirs = 0, mine = big_receive(a, &count), back[2] = { mine, count };
	long got = read_full(p[0], &theirs, sizeof(theirs));
	CHECK("big-64mib-received", count == BIG, "%llu bytes", (unsigned long long)count);
	CHECK("big-hash-same", got == sizeof(theirs) && mine == theirs, "receiver %016llx, sender %016llx",
	      (unsigned long long)mine, (unsigned long long)theirs);
	CHECK("big-answer-after-half-close", write_full(a, back, sizeof(back)) == 0, "errno %d", errno);
	int st = -1;
	waitpid(kid, &st, 0);
	CHECK("big-sender-read-answer", WIFEXITED(st) && WEXITSTATUS(st) == 0, "sender status %#x", st);
	close(a), close(l), close(p[0]), close(p[1]);
}

/* ---- half-close ---- */

static int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* A connected pair over 127.0.0.1 from listener l: client *c, accepted *a. */
static int pair(int l, int *c, int *a)
{
	*c = dial(port_of(l));
	*a = *c >= 0 ? accept(l, NULL, NULL) : -1;
	return *c >= 0 && *a >= 0 ? 0 : -1;
}

static void check_half_close(void)
{
	int l = listener(0, 0, 4), c, a;
	char buf[16];
	if (pair(l, &c, &a) < 0) {
		CHECK("half-setup", 0, "errno %d", errno);
		return;
	}
	CHECK("half-shutdown-wr", shutdown(c, SHUT_WR) == 0, "errno %d", errno);
	CHECK("half-peer-reads-eof", read(a, buf, sizeof(buf)) == 0, "errno %d", errno);
	CHECK("half-peer-sends-back", write(a, "back", 4) == 4, "errno %d", errno);
	CHECK("half-reads-answer", read_full(c, buf, 4) == 4 && memcmp(buf, "back", 4) == 0, "errno %d", errno);
	struct sigaction sa = { .sa_handler = on_sigpipe };
	sigaction(SIGPIPE, &sa, NULL);
	check_err("half-send-epipe-nosignal", send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK("half-nosignal-no-sigpipe", sigpipes == 0, "%d SIGPIPEs", sigpipes);
	check_err("half-send-epipe", send(c, "x", 1, 0), EPIPE);
	CHECK("half-sigpipe", sigpipes == 1, "%d SIGPIPEs", sigpipes);
	CHECK("half-shutdown-again", shutdown(c, SHUT_WR) == 0, "errno %d", errno);
	close(a);
	CHECK("half-eof-after-peer-close", read(c, buf, sizeof(buf)) == 0, "errno %d", errno);
	close(c);
	/* The peer closed at once (nothing unread): within three sends one fails with EPIPE (no signal asked). */
	if (pair(l, &c, &a) < 0)
		return;
	close(a);
	long r = 0;
	for (int i = 0; i < 3 && r >= 0; i++)
		r = send(c, "abc", 3, MSG_NOSIGNAL);
	check_err("send-after-peer-close-epipe", r, EPIPE);
	CHECK("send-after-peer-close-no-sigpipe", sigpipes == 1, "%d SIGPIPEs", sigpipes);
	close(c);
	/* A close with SO_LINGER on and 0 s resets the connection: the peer's next call says ECONNRESET, then it is over */
	struct linger abort = { 1, 0 };
	char buf2[4];
	for (int send_first = 0; send_first < 2; send_first++) {
		if (pair(l, &c, &a) < 0)
			return;
		setsockopt(c, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
		close(c);
		struct pollfd p = { a, POLLIN | POLLOUT | POLLRDHUP, 0 };
		poll(&p, 1, 5000);
		CHECK(send_first ? "reset-poll-again" : "reset-poll",
		      (p.revents & (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP)) ==
			      (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP),
		      "revents %#x", p.revents);
		if (send_first) {
			check_err("reset-send-econnreset", send(a, "x", 1, MSG_NOSIGNAL), ECONNRESET);
			check_err("reset-then-send-epipe", send(a, "x", 1, MSG_NOSIGNAL), EPIPE);
			CHECK("reset-then-recv-eof", recv(a, buf2, sizeof(buf2), 0) == 0, "errno %d", errno);
		} else {
			check_err("reset-recv-econnreset", recv(a, buf2, sizeof(buf2), 0), ECONNRESET);
			CHECK("reset-then-recv-eof-2", recv(a, buf2, sizeof(buf2), 0) == 0, "errno %d", errno);
			check_err("reset-then-send-epipe-2", send(a, "x", 1, MSG_NOSIGNAL), EPIPE);
		}
		close(a);
	}
	close(l);
	signal(SIGPIPE, SIG_DFL);
}

/* ---- non-blocking connect ---- */

/* What poll says of fd for POLLIN and POLLOUT within 5 s. */
static short wait_out(int fd)
{
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	return poll(&p, 1, 5000) == 1 ? p.revents : 0;
}

static int so_error(int fd)
{
	int e = -1;
	socklen_t len = sizeof(e);
	return getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0 ? -errno : e;
}

static void check_nonblocking(void)
{
	int l = listener(0, 0, 4);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = lo(port_of(l));
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	int e = errno, went = r == 0;
	CHECK("nb-connect-einprogress-or-done", r == 0 || e == EINPROGRESS, "returned %d, errno %d", r, e);
	CHECK("nb-connect-pollout", wait_out(c) & POLLOUT, "no POLLOUT");
	CHECK("nb-connect-so-error-0", so_error(c) == 0, "SO_ERROR %d", so_error(c));
	/* As Linux: a connect that said EINPROGRESS is told done by the next connect (0); then EISCONN. */
	if (!went) {
		r = connect(c, (struct sockaddr *)&a, sizeof(a));
		e = errno;
	}
	CHECK("nb-connect-told", r == 0, "second connect %d, errno %d", r, e);
	check_err("nb-connect-eisconn", connect(c, (struct sockaddr *)&a, sizeof(a)), EISCONN);
	int s = accept(l, NULL, NULL);
	CHECK("nb-connect-carries", write(c, "hi", 2) == 2 && read_full(s, (char[2]){ 0 }, 2) == 2, "errno %d", errno);
	close(s), close(c);

	/* A port nobody listens on (the listener's, once closed): refused, at once or through SO_ERROR. */
	int port = port_of(l);
	close(l);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	a = lo(port);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	e = errno;
	short ev = r < 0 && e == EINPROGRESS ? wait_out(c) : 0;
	int err = r < 0 && e == EINPROGRESS ? so_error(c) : r < 0 ? e : 0;
	CHECK("nb-refused-econnrefused", err == ECONNREFUSED, "connect %d errno %d, SO_ERROR %d", r, e, err);
	CHECK("nb-refused-poll",
	      r < 0 && (e != EINPROGRESS ||
			(ev & (POLLIN | POLLOUT | POLLERR | POLLHUP)) == (POLLIN | POLLOUT | POLLERR | POLLHUP)),
	      "revents %#x", ev);
	CHECK("nb-refused-so-error-cleared", so_error(c) == 0, "SO_ERROR %d", so_error(c));
	/* As Linux: the next connect tells the refusal's end (its error read already: ECONNABORTED) */
	int again = connect(c, (struct sockaddr *)&a, sizeof(a)), want = e == EINPROGRESS ? ECONNABORTED : ECONNREFUSED;
	CHECK("nb-refused-next-connect", again == -1 && errno == want, "returned %d, errno %d", again, errno);
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_err("refused-blocking", connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(c);
}

/* ---- SO_REUSEADDR ---- */

static void check_reuse(void)
{
	int l = listener(0, 1, 4), c, a;
	int port = port_of(l);
	struct sockaddr_in at = lo(port);
	int other = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	check_err("bind-listening-eaddrinuse", bind(other, (struct sockaddr *)&at, sizeof(at)), EADDRINUSE);
	setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	check_err("bind-listening-reuseaddr-eaddrinuse", bind(other, (struct sockaddr *)&at, sizeof(at)), EADDRINUSE);
	close(other);
	CHECK("reuse-connection-made", pair(l, &c, &a) == 0 && write(c, "x", 1) == 1 && read(a, (char[1]){ 0 }, 1) == 1,
	      "errno %d", errno);
	close(a); /* the server closes first: its side of the connection lingers on Linux (TIME_WAIT) */
	close(c);
	close(l);
	l = listener(port, 1, 4);
	CHECK("reuse-rebind-at-once", l >= 0 && port_of(l) == port, "errno %d", errno);
	CHECK("reuse-rebound-serves", pair(l, &c, &a) == 0 && write(c, "y", 1) == 1 && read(a, (char[1]){ 0 }, 1) == 1,
	      "errno %d", errno);
	close(l); /* the accepted connection stays open at the port: SO_REUSEADDR binds it again all the same */
	int l2 = listener(port, 1, 4);
	CHECK("reuse-rebind-beside-connection", l2 >= 0, "errno %d", errno);
	close(l2), close(a), close(c);

	/* Two sockets with SO_REUSEADDR share a port while neither listens; then one may listen, not both. */
	int q1 = socket(AF_INET, SOCK_STREAM, 0), q2 = socket(AF_INET, SOCK_STREAM, 0);
	int q3 = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(q1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(q2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	at = lo(0);
	bind(q1, (struct sockaddr *)&at, sizeof(at));
	at = lo(port_of(q1));
	CHECK("reuse-both-bound", bind(q2, (struct sockaddr *)&at, sizeof(at)) == 0, "errno %d", errno);
	check_err("reuse-one-sided-eaddrinuse", bind(q3, (struct sockaddr *)&at, sizeof(at)), EADDRINUSE);
	CHECK("reuse-first-listens", listen(q1, 4) == 0, "errno %d", errno);
	check_err("reuse-second-listen-eaddrinuse", listen(q2, 4), EADDRINUSE);
	close(q1), close(q2), close(q3);
}

/* The int value of option name at SOL_SOCKET, or -1000 - errno. */
static int geti(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, name, &v, &len) < 0 ? -1000 - errno : v;
}

/* The int value of TCP option name, or -1000 - errno. */
static int tcpi(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, IPPROTO_TCP, name, &v, &len) < 0 ? -1000 - errno : v;
}

/* Options are kept as set and read back as Linux reads them; a TCP socket accepted takes its listener's. */
static void check_options(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), five = 5, zero = 0;
	CHECK("opt-reuseaddr-off", geti(s, SO_REUSEADDR) == 0, "%d", geti(s, SO_REUSEADDR));
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &five, sizeof(five));
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &five, sizeof(five));
	CHECK("opt-reuseaddr-on", geti(s, SO_REUSEADDR) == 1, "%d", geti(s, SO_REUSEADDR));
	CHECK("opt-keepalive-on", geti(s, SO_KEEPALIVE) == 1, "%d", geti(s, SO_KEEPALIVE));
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
	CHECK("opt-keepalive-off", geti(s, SO_KEEPALIVE) == 0, "%d", geti(s, SO_KEEPALIVE));
	struct linger lg = { 3, 7 }, got = { -1, -1 };
	socklen_t len = sizeof(got);
	CHECK("opt-linger",
	      setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0 &&
		      getsockopt(s, SOL_SOCKET, SO_LINGER, &got, &len) == 0 && got.l_onoff == 1 && got.l_linger == 7,
	      "%d %d", got.l_onoff, got.l_linger);
	setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &five, sizeof(five));
	CHECK("opt-rcvlowat", geti(s, SO_RCVLOWAT) == 5, "%d", geti(s, SO_RCVLOWAT));
	setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &zero, sizeof(zero));
	CHECK("opt-rcvlowat-zero-is-one", geti(s, SO_RCVLOWAT) == 1, "%d", geti(s, SO_RCVLOWAT));
	check_err("opt-sndlowat-fixed", setsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &five, sizeof(five)), ENOPROTOOPT);
	CHECK("opt-keep-defaults",
	      tcpi(s, TCP_KEEPIDLE) == 7200 && tcpi(s, TCP_KEEPINTVL) == 75 && tcpi(s, TCP_KEEPCNT) == 9, "%d %d %d",
	      tcpi(s, TCP_KEEPIDLE), tcpi(s, TCP_KEEPINTVL), tcpi(s, TCP_KEEPCNT));
	int idle = 30, intvl = 32767, cnt = 4, big = 32768, many = 128;
	CHECK("opt-keep-set",
	      setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0 &&
		      setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) == 0 &&
		      setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == 0 && tcpi(s, TCP_KEEPIDLE) == 30 &&
		      tcpi(s, TCP_KEEPINTVL) == 32767 && tcpi(s, TCP_KEEPCNT) == 4,
	      "%d %d %d", tcpi(s, TCP_KEEPIDLE), tcpi(s, TCP_KEEPINTVL), tcpi(s, TCP_KEEPCNT));
	check_err("opt-keepidle-zero-einval", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &zero, sizeof(zero)), EINVAL);
	check_err("opt-keepintvl-big-einval", setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &big, sizeof(big)), EINVAL);
	check_err("opt-keepcnt-big-einval", setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &many, sizeof(many)), EINVAL);
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &five, sizeof(five));
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &five, sizeof(five));
	struct sockaddr_in a = lo(0);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	listen(s, 4);
	int c = dial(port_of(s)), acc = accept(s, NULL, NULL);
	CHECK("opt-accepted-inherits", geti(acc, SO_REUSEADDR) == 1 && geti(acc, SO_KEEPALIVE) == 1,
	      "SO_REUSEADDR %d, SO_KEEPALIVE %d", geti(acc, SO_REUSEADDR), geti(acc, SO_KEEPALIVE));
	CHECK("opt-accepted-inherits-tcp",
	      tcpi(acc, TCP_KEEPIDLE) == 30 && tcpi(acc, TCP_KEEPCNT) == 4 && tcpi(acc, TCP_NODELAY) == 1, "%d %d %d",
	      tcpi(acc, TCP_KEEPIDLE), tcpi(acc, TCP_KEEPCNT), tcpi(acc, TCP_NODELAY));
	CHECK("opt-client-own",
	      geti(c, SO_REUSEADDR) == 0 && tcpi(c, TCP_KEEPIDLE) == 7200 && tcpi(c, TCP_NODELAY) == 0, "%d %d %d",
	      geti(c, SO_REUSEADDR), tcpi(c, TCP_KEEPIDLE), tcpi(c, TCP_NODELAY));
	close(acc), close(c), close(s);
}

/* ---- errnos ---- */

static void check_errnos(void)
{
	int u = socket(AF_INET, SOCK_STREAM, 0), l = listener(0, 0, 4), c, a;
	char b;
	struct sockaddr_in at = lo(port_of(l));
	socklen_t len = sizeof(at);
	check_err("unconnected-recv-enotconn", recv(u, &b, 1, 0), ENOTCONN);
	check_err("unconnected-shutdown-enotconn", shutdown(u, SHUT_WR), ENOTCONN);
	check_err("unconnected-getpeername-enotconn", getpeername(u, (struct sockaddr *)&at, &len), ENOTCONN);
	check_err("unconnected-send-epipe", send(u, "x", 1, MSG_NOSIGNAL), EPIPE);
	check_err("unconnected-sendto-epipe", sendto(u, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&at, sizeof(at)),
		  EPIPE);
	check_err("listener-recv-enotconn", recv(l, &b, 1, 0), ENOTCONN);
	check_err("listener-connect-eisconn", connect(l, (struct sockaddr *)&at, sizeof(at)), EISCONN);
	close(u);
	if (pair(l, &c, &a) < 0)
		return;
	check_err("connected-connect-eisconn", connect(c, (struct sockaddr *)&at, sizeof(at)), EISCONN);
	check_err("accepted-connect-eisconn", connect(a, (struct sockaddr *)&at, sizeof(at)), EISCONN);
	check_err("connected-listen-einval", listen(c, 1), EINVAL);
	/* TCP ignores sendto's address on a connected socket */
	CHECK("connected-sendto-address-ignored",
	      sendto(c, "z", 1, 0, (struct sockaddr *)&at, sizeof(at)) == 1 && read(a, &b, 1) == 1 && b == 'z',
	      "errno %d", errno);
	close(c), close(a), close(l);
}

int main(void)
{
	check_errnos();
	check_options();
	check_half_close();
	check_nonblocking();
	check_reuse();
	check_big();
	check_many();
	return t_done();
}
