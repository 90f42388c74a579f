/* AF_UNIX sockets: socket() and option errors, path and abstract names, stream, datagram and seqpacket, SCM_RIGHTS and SCM_CREDENTIALS across fork. */
#define T_NAME "unixsock"
#include "check.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];
static int sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* A path name in the test's directory, and its length as an address (the path and its NUL). */
static socklen_t path_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

/* An abstract name (a NUL, then the text, no NUL after): its length. */
static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1, "mica-%d-%s", (int)getpid(), name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa->sun_path + 1));
}

/* A listening stream socket of type at sa. */
static int listener(int type, const struct sockaddr_un *sa, socklen_t len, int backlog)
{
	int fd = socket(AF_UNIX, type, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)sa, len) < 0 || listen(fd, backlog) < 0)
		return -1;
	return fd;
}

static int connected(int type, const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, type, 0);
	if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int geti(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, SOL_SOCKET, name, &v, &len) < 0 ? -1000 - errno : v;
}

static short revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void check_socket_errors(void)
{
	check_err("type-out-of-range", socket(AF_UNIX, 99, 0), EINVAL);
	check_err("type-bad-flag", socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), EINVAL);
	check_err("family-unknown", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	check_err("family-unsupported", socket(AF_APPLETALK, SOCK_DGRAM, 0), EAFNOSUPPORT);
	check_err("type-rdm", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	check_err("protocol", socket(AF_UNIX, SOCK_STREAM, 7), EPROTONOSUPPORT);
	int sv[2];
	check_err("pair-bad-type", socketpair(AF_UNIX, 99, 0, sv), EINVAL);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK("flags", fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "fd %d", fd);
	CHECK("so-type-domain",
	      geti(fd, SO_TYPE) == SOCK_STREAM && geti(fd, SO_DOMAIN) == AF_UNIX && geti(fd, SO_PROTOCOL) == 0,
	      "type %d domain %d", geti(fd, SO_TYPE), geti(fd, SO_DOMAIN));
	CHECK("so-error-none", geti(fd, SO_ERROR) == 0, "%d", geti(fd, SO_ERROR));
	CHECK("so-acceptconn-no", geti(fd, SO_ACCEPTCONN) == 0, "%d", geti(fd, SO_ACCEPTCONN));
	int v = 65536;
	CHECK("so-sndbuf-doubled",
	      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0 && geti(fd, SO_SNDBUF) == 131072, "%d",
	      geti(fd, SO_SNDBUF));
	CHECK("so-rcvbuf-doubled",
	      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0 && geti(fd, SO_RCVBUF) == 131072, "%d",
	      geti(fd, SO_RCVBUF));
	v = 1;
	CHECK("so-passcred", setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &v, sizeof(v)) == 0 && geti(fd, SO_PASSCRED) == 1,
	      "%d", geti(fd, SO_PASSCRED));
	socklen_t len = sizeof(v);
	check_err("getsockopt-unknown", getsockopt(fd, SOL_SOCKET, 12345, &v, &len), ENOPROTOOPT);
	check_err("setsockopt-unknown", setsockopt(fd, SOL_SOCKET, 12345, &v, sizeof(v)), ENOPROTOOPT);
	check_err("setsockopt-readonly", setsockopt(fd, SOL_SOCKET, SO_TYPE, &v, sizeof(v)), ENOPROTOOPT);
	check_err("setsockopt-short", setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, 2), EINVAL);
	check_err("setsockopt-other-level", setsockopt(fd, IPPROTO_TCP, 1, &v, sizeof(v)), EOPNOTSUPP);
	check_err("getsockopt-other-level", getsockopt(fd, IPPROTO_TCP, 1, &v, &len), EOPNOTSUPP);
	struct timeval tv = { 0, 2000000 };
	check_err("timeo-bad-usec", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), EDOM);
	struct sockaddr_un sa;
	socklen_t alen = sizeof(sa);
	check_err("getpeername-unconnected", getpeername(fd, (struct sockaddr *)&sa, &alen), ENOTCONN);
	check_err("listen-unbound", listen(fd, 5), EINVAL);
	check_err("accept-not-listening", accept(fd, NULL, NULL), EINVAL);
	check_err("send-unconnected", send(fd, "x", 1, MSG_NOSIGNAL), ENOTCONN);
	char c;
	check_err("recv-unconnected", recv(fd, &c, 1, 0), EINVAL);
	CHECK("poll-unconnected", revents(fd, POLLIN | POLLOUT) == (POLLOUT | POLLHUP), "revents %#x",
	      revents(fd, POLLIN | POLLOUT));
	close(fd);
	int file = open("/dev/null", O_RDONLY);
	check_err("bind-not-socket", bind(file, (struct sockaddr *)&sa, sizeof(sa)), ENOTSOCK);
	check_err("bind-bad-fd", bind(999, (struct sockaddr *)&sa, sizeof(sa)), EBADF);
	check_err("setsockopt-not-socket", setsockopt(file, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), ENOTSOCK);
	close(file);
}

static void check_timeouts(void)
{
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct timeval tv = { 0, 200000 }, got = { 0, 0 };
	socklen_t len = sizeof(got);
	CHECK("rcvtimeo-set",
	      setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
		      getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0 && got.tv_sec == 0 &&
		      got.tv_usec == 200000,
	      "got %ld.%06ld", (long)got.tv_sec, (long)got.tv_usec);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char c;
	errno = 0;
	long r = recv(sv[0], &c, 1, 0);
	long ms = ms_since(&t0);
	CHECK("rcvtimeo-eagain", r == -1 && errno == EAGAIN && ms >= 150, "returned %ld errno %d after %ld ms", r,
	      errno, ms);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	static char block[65536];
	long sent = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((r = send(sv[0], block, sizeof(block), 0)) > 0)
		sent += r;
	ms = ms_since(&t0);
	CHECK("sndtimeo-eagain", r == -1 && errno == EAGAIN && sent > 0 && ms >= 150,
	      "returned %ld errno %d after %ld ms, %ld sent", r, errno, ms, sent);
	close(sv[0]);
	close(sv[1]);
}

static void check_path_stream(void)
{
	struct sockaddr_un sa, other, got;
	socklen_t len = path_addr(&sa, "stream"), glen = sizeof(got);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	int cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK("bind-path", bind(lfd, (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	CHECK("getsockname-path",
	      getsockname(lfd, (struct sockaddr *)&got, &glen) == 0 && glen == len &&
		      strcmp(got.sun_path, sa.sun_path) == 0,
	      "length %d (want %d), '%s'", (int)glen, (int)len, got.sun_path);
	struct stat st;
	CHECK("socket-file", stat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode), "mode %o", st.st_mode);
	check_err("open-socket-file", open(sa.sun_path, O_RDWR), ENXIO);
	socklen_t olen = path_addr(&other, "other");
	check_err("bind-twice", bind(lfd, (struct sockaddr *)&other, olen), EINVAL);
	check_err("bind-in-use", bind(cfd, (struct sockaddr *)&sa, len), EADDRINUSE);
	check_err("connect-not-listening", connect(cfd, (struct sockaddr *)&sa, len), ECONNREFUSED);
	CHECK("listen", listen(lfd, 8) == 0 && geti(lfd, SO_ACCEPTCONN) == 1, "errno %d", errno);
	olen = path_addr(&other, "missing");
	check_err("connect-enoent", connect(cfd, (struct sockaddr *)&other, olen), ENOENT);
	olen = path_addr(&other, "plain");
	close(open(other.sun_path, O_CREAT | O_WRONLY, 0666));
	check_err("connect-not-socket", connect(cfd, (struct sockaddr *)&other, olen), ECONNREFUSED);
	int dfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	check_err("connect-prototype", connect(dfd, (struct sockaddr *)&sa, len), EPROTOTYPE);
	close(dfd);
	check_err("connect-short-addr", connect(cfd, (struct sockaddr *)&sa, 1), EINVAL);
	sa.sun_family = AF_INET;
	check_err("connect-wrong-family", connect(cfd, (struct sockaddr *)&sa, len), EINVAL);
	sa.sun_family = AF_UNIX;
	CHECK("connect", connect(cfd, (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	check_err("connect-again", connect(cfd, (struct sockaddr *)&sa, len), EISCONN);
	check_err("listen-connected", listen(cfd, 1), EINVAL);
	glen = sizeof(got);
	CHECK("getpeername-path",
	      getpeername(cfd, (struct sockaddr *)&got, &glen) == 0 && glen == len &&
		      strcmp(got.sun_path, sa.sun_path) == 0,
	      "length %d '%s'", (int)glen, got.sun_path);
	glen = sizeof(got);
	memset(&got, 0x55, sizeof(got));
	int afd = accept(lfd, (struct sockaddr *)&got, &glen);
	CHECK("accept-unnamed-peer", afd >= 0 && glen == sizeof(sa_family_t) && got.sun_family == AF_UNIX,
	      "fd %d length %d", afd, (int)glen);
	glen = sizeof(got);
	CHECK("accepted-name",
	      getsockname(afd, (struct sockaddr *)&got, &glen) == 0 && glen == len &&
		      strcmp(got.sun_path, sa.sun_path) == 0,
	      "length %d", (int)glen);
	glen = sizeof(got);
	CHECK("client-name-unnamed",
	      getsockname(cfd, (struct sockaddr *)&got, &glen) == 0 && glen == sizeof(sa_family_t), "length %d",
	      (int)glen);
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	CHECK("so-peercred",
	      getsockopt(afd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) == 0 && crlen == sizeof(cr) && cr.pid == getpid() &&
		      cr.uid == getuid() && cr.gid == getgid(),
	      "pid %d uid %d", cr.pid, cr.uid);
	char buf[64] = { 0 };
	CHECK("stream-data",
	      write(cfd, "hello", 5) == 5 && read(afd, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0, "'%s'",
	      buf);
	glen = sizeof(got);
	long r = (write(afd, "back", 4), recvfrom(cfd, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen));
	CHECK("recvfrom-stream-source", r == 4 && glen == len && strcmp(got.sun_path, sa.sun_path) == 0,
	      "r %ld length %d", r, (int)glen);
	CHECK("unlink-socket-file", unlink(sa.sun_path) == 0, "errno %d", errno);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err("connect-after-unlink", connect(c2, (struct sockaddr *)&sa, len), ENOENT);
	CHECK("connection-outlives-unlink", write(cfd, "still", 5) == 5 && read(afd, buf, sizeof(buf)) == 5, "errno %d",
	      errno);
	/* a new listener at the same path; closed, its file stays and refuses */
	int l2 = listener(SOCK_STREAM, &sa, len, 1);
	CHECK("rebind-after-unlink", l2 >= 0, "errno %d", errno);
	close(l2);
	check_err("connect-closed-listener", connect(c2, (struct sockaddr *)&sa, len), ECONNREFUSED);
	unlink(sa.sun_path);
	unlink(other.sun_path);
	close(c2);
	close(afd);
	close(cfd);
	close(lfd);
}

static void check_permissions(void)
{
	struct sockaddr_un sa;
	socklen_t len = path_addr(&sa, "private");
	int lfd = listener(SOCK_STREAM, &sa, len, 4);
	chmod(dir, 0755);
	chmod(sa.sun_path, 0600);
	pid_t p = fork();
	if (p == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, len) == 0 || errno != EACCES)
			_exit(11);
		_exit(0);
	}
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("connect-eacces", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	chmod(sa.sun_path, 0666);
	p = fork();
	if (p == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(10);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		_exit(connect(fd, (struct sockaddr *)&sa, len) == 0 ? 0 : 12);
	}
	waitpid(p, &st, 0);
	CHECK("connect-permitted", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	chmod(dir, 0700);
	unlink(sa.sun_path);
	close(lfd);
}

static void check_abstract(void)
{
	struct sockaddr_un sa, got;
	socklen_t len = abstract_addr(&sa, "listen"), glen = sizeof(got);
	int lfd = listener(SOCK_STREAM, &sa, len, 4);
	CHECK("abstract-listen", lfd >= 0, "errno %d", errno);
	CHECK("abstract-name",
	      getsockname(lfd, (struct sockaddr *)&got, &glen) == 0 && glen == len && got.sun_path[0] == 0 &&
		      memcmp(got.sun_path, sa.sun_path, len - 2) == 0,
	      "length %d (want %d)", (int)glen, (int)len);
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err("abstract-in-use", bind(other, (struct sockaddr *)&sa, len), EADDRINUSE);
	int cfd = connected(SOCK_STREAM, &sa, len);
	int afd = accept(lfd, NULL, NULL);
	char buf[8] = { 0 };
	CHECK("abstract-connect", cfd >= 0 && afd >= 0 && write(cfd, "abs", 3) == 3 && read(afd, buf, 8) == 3,
	      "errno %d", errno);
	glen = sizeof(got);
	CHECK("abstract-peername", getpeername(cfd, (struct sockaddr *)&got, &glen) == 0 && glen == len, "length %d",
	      (int)glen);
	close(lfd);
	check_err("abstract-refused-after-close", connect(other, (struct sockaddr *)&sa, len), ECONNREFUSED);
	CHECK("abstract-reusable", bind(other, (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	struct sockaddr_un none;
	socklen_t nlen = abstract_addr(&none, "nobody");
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err("abstract-refused", connect(c2, (struct sockaddr *)&none, nlen), ECONNREFUSED);
	/* autobind: an empty address gets a NUL and five hex digits */
	int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
	sa_family_t fam = AF_UNIX;
	glen = sizeof(got);
	memset(&got, 0, sizeof(got));
	CHECK("autobind",
	      bind(ab, (struct sockaddr *)&fam, sizeof(fam)) == 0 &&
		      getsockname(ab, (struct sockaddr *)&got, &glen) == 0 && glen == 8 && got.sun_path[0] == 0 &&
		      strspn(got.sun_path + 1, "0123456789abcdef") == 5,
	      "length %d '%s'", (int)glen, got.sun_path + 1);
	/* SO_PASSCRED makes an unnamed sender bind itself on send */
	int rx = socket(AF_UNIX, SOCK_DGRAM, 0), tx = socket(AF_UNIX, SOCK_DGRAM, 0), on = 1;
	struct sockaddr_un ra;
	socklen_t rlen = abstract_addr(&ra, "dgram-rx");
	bind(rx, (struct sockaddr *)&ra, rlen);
	setsockopt(tx, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	sendto(tx, "a", 1, 0, (struct sockaddr *)&ra, rlen);
	glen = sizeof(got);
	long r = recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	CHECK("passcred-autobinds", r == 1 && glen == 8 && got.sun_path[0] == 0, "r %ld length %d", r, (int)glen);
	int tx2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(tx2, "b", 1, 0, (struct sockaddr *)&ra, rlen);
	glen = sizeof(got);
	r = recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	CHECK("recvfrom-unnamed-sender", r == 1 && glen == 0, "r %ld length %d", r, (int)glen);
	close(rx), close(tx), close(tx2), close(ab), close(c2), close(other), close(cfd), close(afd);
}

static void check_dgram(void)
{
	struct sockaddr_un a, b, got;
	socklen_t alen = path_addr(&a, "dg-a"), blen = path_addr(&b, "dg-b"), glen = sizeof(got);
	int fa = socket(AF_UNIX, SOCK_DGRAM, 0), fb = socket(AF_UNIX, SOCK_DGRAM, 0),
	    fc = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(fa, (struct sockaddr *)&a, alen);
	bind(fb, (struct sockaddr *)&b, blen);
	char buf[256];
	long r = sendto(fa, "one", 3, 0, (struct sockaddr *)&b, blen);
	sendto(fa, "second", 6, 0, (struct sockaddr *)&b, blen);
	sendto(fa, "3", 1, 0, (struct sockaddr *)&b, blen);
	CHECK("dgram-sendto", r == 3, "r %ld errno %d", r, errno);
	r = recvfrom(fb, buf, sizeof(buf), 0, (struct sockaddr *)&got, &glen);
	CHECK("dgram-recvfrom-source", r == 3 && glen == alen && strcmp(got.sun_path, a.sun_path) == 0,
	      "r %ld length %d", r, (int)glen);
	r = recv(fb, buf, sizeof(buf), MSG_PEEK);
	long r2 = recv(fb, buf, sizeof(buf), 0);
	CHECK("dgram-boundaries-peek", r == 6 && r2 == 6 && recv(fb, buf, sizeof(buf), 0) == 1, "peek %ld, then %ld", r,
	      r2);
	sendto(fa, "truncated!", 10, 0, (struct sockaddr *)&b, blen);
	struct iovec iov = { buf, 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	r = recvmsg(fb, &mh, 0);
	CHECK("dgram-msg-trunc", r == 4 && (mh.msg_flags & MSG_TRUNC), "r %ld flags %#x", r, mh.msg_flags);
	sendto(fa, "truncated!", 10, 0, (struct sockaddr *)&b, blen);
	r = recv(fb, buf, 2, MSG_TRUNC);
	CHECK("dgram-recv-msg-trunc-length", r == 10, "r %ld", r);
	check_err("dgram-send-unconnected", send(fc, "x", 1, 0), ENOTCONN);
	struct sockaddr_un m;
	socklen_t mlen = path_addr(&m, "dg-missing");
	check_err("dgram-sendto-enoent", sendto(fc, "x", 1, 0, (struct sockaddr *)&m, mlen), ENOENT);
	mlen = abstract_addr(&m, "dg-missing");
	check_err("dgram-sendto-refused", sendto(fc, "x", 1, 0, (struct sockaddr *)&m, mlen), ECONNREFUSED);
	static char big[300000];
	check_err("dgram-emsgsize", sendto(fa, big, sizeof(big), 0, (struct sockaddr *)&b, blen), EMSGSIZE);
	check_err("dgram-listen", listen(fa, 1), EOPNOTSUPP);
	check_err("dgram-accept", accept(fa, NULL, NULL), EOPNOTSUPP);
	/* connected: b takes datagrams from a only */
	CHECK("dgram-connect",
	      connect(fb, (struct sockaddr *)&a, alen) == 0 && send(fb, "to-a", 4, 0) == 4 &&
		      recv(fa, buf, sizeof(buf), 0) == 4,
	      "errno %d", errno);
	check_err("dgram-sendto-other-peer", sendto(fc, "x", 1, 0, (struct sockaddr *)&b, blen), EPERM);
	glen = sizeof(got);
	CHECK("dgram-getpeername", getpeername(fb, (struct sockaddr *)&got, &glen) == 0 && glen == alen, "length %d",
	      (int)glen);
	/* the queue of a receiver fills: a non-blocking sender gets EAGAIN */
	int n = 0;
	while (n < 1000 && sendto(fc, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&a, alen) == 1)
		n++;
	CHECK("dgram-queue-full-eagain", n > 0 && n < 1000 && errno == EAGAIN, "%d sent, errno %d", n, errno);
	CHECK("dgram-poll-readable", revents(fa, POLLIN) == POLLIN, "revents %#x", revents(fa, POLLIN));
	/* the peer of a connected socket closes: refused once, then not connected */
	close(fa);
	check_err("dgram-peer-closed-refused", send(fb, "x", 1, 0), ECONNREFUSED);
	check_err("dgram-then-unconnected", send(fb, "x", 1, 0), ENOTCONN);
	/* pairs keep boundaries too */
	int sv[2];
	CHECK("dgram-pair",
	      socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && send(sv[0], "ab", 2, 0) == 2 &&
		      send(sv[0], "cde", 3, 0) == 3 && recv(sv[1], buf, sizeof(buf), 0) == 2 &&
		      recv(sv[1], buf, sizeof(buf), 0) == 3,
	      "errno %d", errno);
	check_err("dgram-pair-empty", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	close(sv[0]), close(sv[1]), close(fb), close(fc);
	unlink(a.sun_path), unlink(b.sun_path);
}

static void check_seqpacket(void)
{
	int sv[2];
	char buf[64];
	CHECK("seqpacket-pair", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0, "errno %d", errno);
	send(sv[0], "first", 5, 0);
	send(sv[0], "second", 6, 0);
	struct iovec iov = { buf, 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	long r = recvmsg(sv[1], &mh, 0);
	CHECK("seqpacket-trunc", r == 3 && (mh.msg_flags & MSG_TRUNC), "r %ld flags %#x", r, mh.msg_flags);
	r = recv(sv[1], buf, sizeof(buf), 0);
	CHECK("seqpacket-next-record", r == 6 && memcmp(buf, "second", 6) == 0, "r %ld", r);
	close(sv[0]);
	CHECK("seqpacket-eof", recv(sv[1], buf, sizeof(buf), 0) == 0, "errno %d", errno);
	check_err("seqpacket-send-closed", send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[1]);
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "seqpacket");
	int lfd = listener(SOCK_SEQPACKET, &sa, len, 4);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	check_err("seqpacket-recv-unconnected", recv(fd, buf, 1, 0), ENOTCONN);
	check_err("seqpacket-send-unconnected", send(fd, "x", 1, 0), ENOTCONN);
	int afd = connect(fd, (struct sockaddr *)&sa, len) == 0 ? accept(lfd, NULL, NULL) : -1;
	CHECK("seqpacket-accept",
	      afd >= 0 && send(fd, "rec1", 4, 0) == 4 && send(fd, "rec22", 5, 0) == 5 &&
		      recv(afd, buf, sizeof(buf), 0) == 4 && recv(afd, buf, sizeof(buf), 0) == 5,
	      "errno %d", errno);
	int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
	check_err("seqpacket-abstract-other-type", connect(sfd, (struct sockaddr *)&sa, len), ECONNREFUSED);
	close(sfd), close(fd), close(afd), close(lfd);
}

static void check_stream_semantics(void)
{
	int sv[2];
	char buf[8192];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "abcdef", 6);
	long r = recv(sv[1], buf, 3, MSG_PEEK);
	long r2 = recv(sv[1], buf, sizeof(buf), 0);
	CHECK("stream-peek", r == 3 && r2 == 6 && memcmp(buf, "abcdef", 6) == 0, "peek %ld then %ld", r, r2);
	check_err("stream-dontwait", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	CHECK("stream-empty-send", send(sv[0], buf, 0, 0) == 0, "errno %d", errno);
	check_err("stream-empty-send-queues-nothing", recv(sv[1], buf, 1, MSG_PEEK | MSG_DONTWAIT), EAGAIN);
	write(sv[0], "ab", 2);
	write(sv[0], "cd", 2);
	int inq = -1;
	CHECK("fionread", ioctl(sv[1], FIONREAD, &inq) == 0 && inq == 4, "%d", inq);
	CHECK("stream-joins-writes", recv(sv[1], buf, sizeof(buf), 0) == 4, "separate");
	pid_t p = fork();
	if (p == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(20000);
			write(sv[0], buf, 1024);
		}
		_exit(0);
	}
	r = recv(sv[1], buf, 4096, MSG_WAITALL);
	CHECK("stream-waitall", r == 4096, "r %ld", r);
	waitpid(p, NULL, 0);
	/* half-close: the other side reads the rest and end of file, and still answers */
	write(sv[0], "last", 4);
	CHECK("shutdown-wr", shutdown(sv[0], SHUT_WR) == 0, "errno %d", errno);
	r = read(sv[1], buf, sizeof(buf));
	r2 = read(sv[1], buf, sizeof(buf));
	CHECK("half-close-eof", r == 4 && r2 == 0, "read %ld then %ld", r, r2);
	CHECK("half-close-answer", write(sv[1], "reply", 5) == 5 && read(sv[0], buf, sizeof(buf)) == 5, "errno %d",
	      errno);
	errno = 0;
	sigpipes = 0;
	r = write(sv[0], "x", 1);
	CHECK("write-after-shutdown-sigpipe", r == -1 && errno == EPIPE && sigpipes == 1, "r %ld errno %d, %d SIGPIPE",
	      r, errno, sigpipes);
	/* shutdown(SHUT_RD): data already there can still be read, the peer's writes fail */
	write(sv[1], "queued", 6);
	shutdown(sv[0], SHUT_RD);
	CHECK("shut-rd-reads-queued", read(sv[0], buf, sizeof(buf)) == 6 && read(sv[0], buf, sizeof(buf)) == 0,
	      "errno %d", errno);
	sigpipes = 0;
	errno = 0;
	r = send(sv[1], "x", 1, MSG_NOSIGNAL);
	CHECK("peer-shut-rd-epipe-nosignal", r == -1 && errno == EPIPE && sigpipes == 0, "r %ld errno %d", r, errno);
	CHECK("poll-shutdown-both",
	      (revents(sv[0], POLLIN | POLLRDHUP) & (POLLIN | POLLRDHUP | POLLHUP)) == (POLLIN | POLLRDHUP | POLLHUP),
	      "revents %#x", revents(sv[0], POLLIN | POLLRDHUP));
	check_err("shutdown-bad-how", shutdown(sv[0], 7), EINVAL);
	close(sv[0]), close(sv[1]);
	/* the peer closes with bytes unread: ECONNRESET */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	write(sv[0], "unread", 6);
	close(sv[1]);
	check_err("peer-closed-unread-econnreset", read(sv[0], buf, 1), ECONNRESET);
	CHECK("then-eof", read(sv[0], buf, 1) == 0, "errno %d", errno);
	close(sv[0]);
	/* a full socket: non-blocking writes say EAGAIN, poll says not writable until the reader drains it */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	long sent = 0;
	while ((r = write(sv[0], buf, sizeof(buf))) > 0)
		sent += r;
	CHECK("full-eagain", r == -1 && errno == EAGAIN && sent > 0, "r %ld errno %d", r, errno);
	CHECK("full-not-writable", !(revents(sv[0], POLLOUT) & POLLOUT), "revents %#x", revents(sv[0], POLLOUT));
	while (read(sv[1], buf, sizeof(buf)) > 0)
		;
	CHECK("drained-writable", revents(sv[0], POLLOUT) == POLLOUT, "revents %#x", revents(sv[0], POLLOUT));
	close(sv[0]), close(sv[1]);
}

static void check_nonblocking_accept(void)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "nonblock");
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	bind(lfd, (struct sockaddr *)&sa, len);
	listen(lfd, 1);
	check_err("accept-eagain", accept(lfd, NULL, NULL), EAGAIN);
	CHECK("listener-not-readable", revents(lfd, POLLIN | POLLOUT) == 0, "revents %#x",
	      revents(lfd, POLLIN | POLLOUT));
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK("nonblocking-connect", connect(c[0], (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	CHECK("listener-readable", revents(lfd, POLLIN) == POLLIN, "revents %#x", revents(lfd, POLLIN));
	CHECK("backlog-one-more", connect(c[1], (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	check_err("backlog-full-eagain", connect(c[2], (struct sockaddr *)&sa, len), EAGAIN);
	int a = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK("accept4-flags", a >= 0 && (fcntl(a, F_GETFL) & O_NONBLOCK) && (fcntl(a, F_GETFD) & FD_CLOEXEC), "fd %d",
	      a);
	CHECK("backlog-room-again", connect(c[2], (struct sockaddr *)&sa, len) == 0, "errno %d", errno);
	CHECK("client-writes-before-accept", write(c[2], "early", 5) == 5, "errno %d", errno);
	int b = accept(lfd, NULL, NULL), d = accept(lfd, NULL, NULL);
	char buf[8];
	CHECK("accept-order", b >= 0 && d >= 0 && read(d, buf, sizeof(buf)) == 5, "errno %d", errno);
	/* a listener closes with a connection not accepted: the client reads end of file */
	int e = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(e, (struct sockaddr *)&sa, len);
	close(lfd);
	CHECK("listener-closed-client-eof", read(e, buf, 1) == 0 || errno == ECONNRESET, "errno %d", errno);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(a), close(b), close(d), close(e);
}

/* Send fds over s with data byte 'F'. */
static long send_fds(int s, const int *fds, int n)
{
	char c = 'F';
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
	return sendmsg(s, &mh, 0);
}

/* Receive up to room fds from s into fds: how many, -1 on error; *flags the msg_flags. */
static int recv_fds(int s, int *fds, int room, int *flags, int rflags)
{
	char c;
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = room ? u.buf : NULL,
			     .msg_controllen = room ? CMSG_SPACE(sizeof(int) * (size_t)room) : 0 };
	if (recvmsg(s, &mh, rflags) != 1)
		return -1;
	*flags = mh.msg_flags;
	int n = 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
		}
	return n;
}

static void check_rights(void)
{
	int sv[2], pp[2], fds[8], flags = 0;
	char buf[32] = { 0 };
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	/* the child receives a pipe's write end and writes into it */
	pipe(pp);
	pid_t p = fork();
	if (p == 0) {
		close(pp[1]);
		int n = recv_fds(sv[1], fds, 1, &flags, 0);
		_exit(n == 1 && write(fds[0], "via-scm", 7) == 7 ? 0 : 1);
	}
	CHECK("rights-send", send_fds(sv[0], &pp[1], 1) == 1, "errno %d", errno);
	close(pp[1]);
	int st = 0;
	waitpid(p, &st, 0);
	long r = read(pp[0], buf, sizeof(buf));
	CHECK("rights-to-child", WIFEXITED(st) && WEXITSTATUS(st) == 0 && r == 7 && memcmp(buf, "via-scm", 7) == 0,
	      "status %#x read %ld", st, r);
	r = read(pp[0], buf, sizeof(buf));
	CHECK("rights-all-ends-closed", r == 0, "read %ld", r);
	close(pp[0]);
	/* the child opens a file and sends it back: the same open file, offset shared */
	char path[96];
	snprintf(path, sizeof(path), "%s/passed", dir);
	p = fork();
	if (p == 0) {
		int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
		write(fd, "0123456789", 10);
		lseek(fd, 4, SEEK_SET);
		_exit(send_fds(sv[1], &fd, 1) == 1 ? 0 : 1);
	}
	int n = recv_fds(sv[0], fds, 1, &flags, MSG_CMSG_CLOEXEC);
	waitpid(p, &st, 0);
	r = n == 1 ? read(fds[0], buf, 3) : -1;
	CHECK("rights-from-child", n == 1 && r == 3 && memcmp(buf, "456", 3) == 0 && !(flags & MSG_CTRUNC),
	      "n %d read %ld", n, r);
	CHECK("rights-cmsg-cloexec", n == 1 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC), "no FD_CLOEXEC");
	if (n == 1)
		close(fds[0]);
	unlink(path);
	/* three sent, room for two (the control buffer's padding): two arrive, MSG_CTRUNC */
	int three[3];
	for (int i = 0; i < 3; i++)
		three[i] = open("/dev/null", O_RDONLY);
	send_fds(sv[0], three, 3);
	n = recv_fds(sv[1], fds, 1, &flags, 0);
	CHECK("rights-ctrunc", n == 2 && (flags & MSG_CTRUNC), "n %d flags %#x", n, flags);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	send_fds(sv[0], three, 2);
	n = recv_fds(sv[1], fds, 0, &flags, 0);
	CHECK("rights-no-room", n == 0 && (flags & MSG_CTRUNC), "n %d flags %#x", n, flags);
	for (int i = 0; i < 3; i++)
		close(three[i]);
	int bad = 999;
	check_err("rights-bad-fd", send_fds(sv[0], &bad, 1), EBADF);
	/* credentials: the receiver asks with SO_PASSCRED, the sender's pid comes with the data */
	int on = 1;
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	p = fork();
	if (p == 0)
		_exit(write(sv[0], "c", 1) == 1 ? 0 : 1);
	waitpid(p, &st, 0);
	struct iovec iov = { buf, 1 };
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	r = recvmsg(sv[1], &mh, 0);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct ucred cr = { 0, 0, 0 };
	if (cm && cm->cmsg_type == SCM_CREDENTIALS)
		memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
	CHECK("scm-credentials",
	      r == 1 && cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS &&
		      cm->cmsg_len == CMSG_LEN(sizeof(cr)) && cr.pid == p && cr.uid == getuid() && cr.gid == getgid(),
	      "r %ld pid %d (want %d)", r, cr.pid, p);
	/* explicit credentials, the sender's own */
	struct ucred mine = { getpid(), getuid(), getgid() };
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} v;
	struct msghdr sm = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = v.b, .msg_controllen = sizeof(v.b) };
	cm = CMSG_FIRSTHDR(&sm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(mine));
	memcpy(CMSG_DATA(cm), &mine, sizeof(mine));
	CHECK("scm-credentials-explicit",
	      sendmsg(sv[0], &sm, 0) == 1 && recvmsg(sv[1], &mh, 0) == 1 && (cm = CMSG_FIRSTHDR(&mh)) &&
		      memcpy(&cr, CMSG_DATA(cm), sizeof(cr)) && cr.pid == getpid(),
	      "errno %d", errno);
	close(sv[0]), close(sv[1]);
}

/* Sockets live through exec: a listener's descriptor passes to a new program (this one, with "exec-child FD"). */
static int exec_child(const char *fdtext)
{
	int fd = atoi(fdtext);
	int a = accept(fd, NULL, NULL);
	return a >= 0 && write(a, "exec", 4) == 4 ? 0 : 1;
}

static void check_exec(const char *self)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "exec");
	int lfd = listener(SOCK_STREAM, &sa, len, 4);
	pid_t p = fork();
	if (p == 0) {
		char text[16];
		snprintf(text, sizeof(text), "%d", lfd);
		execl(self, self, "exec-child", text, (char *)NULL);
		_exit(127);
	}
	int c = connected(SOCK_STREAM, &sa, len);
	char buf[8] = { 0 };
	long r = c >= 0 ? read(c, buf, sizeof(buf)) : -1;
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("socket-survives-exec", r == 4 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "read %ld status %#x", r, st);
	close(c), close(lfd);
}

/* /proc/net/unix shows a listener by its abstract name and a datagram socket by its path, with their flags, types,
 * states and the inodes their descriptors link to. */
static void check_procnet_unix(void)
{
	int l = socket(AF_UNIX, SOCK_STREAM, 0), d = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX }, b = { .sun_family = AF_UNIX };
	int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "unixsock-procnet-%d", (int)getpid());
	snprintf(b.sun_path, sizeof(b.sun_path), "%s/procnet.sock", dir);
	bind(l, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n));
	listen(l, 1);
	bind(d, (struct sockaddr *)&b, sizeof(b));
	char name[160];
	snprintf(name, sizeof(name), " @%s\n", a.sun_path + 1);
	CHECK("proc-net-unix-listener",
	      procnet_has("unix", name, socket_ino(l)) && procnet_has("unix", " 00010000 0001 01 ", socket_ino(l)),
	      "no row with '%s', a listener's flags, type and state and inode %lu", name, socket_ino(l));
	snprintf(name, sizeof(name), " %s\n", b.sun_path);
	CHECK("proc-net-unix-dgram",
	      procnet_has("unix", name, socket_ino(d)) && procnet_has("unix", " 00000000 0002 01 ", socket_ino(d)),
	      "no row with '%s', a datagram socket's flags, type and state and inode %lu", name, socket_ino(d));
	close(l);
	close(d);
	unlink(b.sun_path);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argv[2]);
	signal(SIGPIPE, on_sigpipe);
	snprintf(dir, sizeof(dir), "/tmp/unixsock-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("not ok unixsock/mkdtemp: errno %d\n", errno);
		return 1;
	}
	check_socket_errors();
	check_timeouts();
	check_path_stream();
	check_permissions();
	check_abstract();
	check_dgram();
	check_seqpacket();
	check_stream_semantics();
	check_nonblocking_accept();
	check_rights();
	check_exec(argv[0]);
	check_procnet_unix();
	rmdir(dir);
	return t_done();
}
