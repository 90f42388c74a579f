/* Unix socket pairs: both directions, shutdown, a closed peer, nonblocking ends, poll, across fork; capget; FIONBIO. */
#define T_NAME "sockets"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static short revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

static void check_pair(void)
{
	int sv[2];
	CHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "errno %d", errno);
	char buf[16] = { 0 };
	CHECK("one-way", write(sv[0], "ping", 4) == 4 && read(sv[1], buf, sizeof(buf)) == 4 && memcmp(buf, "ping", 4) == 0,
	      "read '%s'", buf);
	CHECK("other-way", write(sv[1], "pong", 4) == 4 && read(sv[0], buf, sizeof(buf)) == 4 && memcmp(buf, "pong", 4) == 0,
	      "read '%s'", buf);
	CHECK("cloexec", (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) && (fcntl(sv[1], F_GETFD) & FD_CLOEXEC), "a descriptor lacks FD_CLOEXEC");
	struct stat st;
	CHECK("is-socket", fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode), "mode %o", st.st_mode);
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	memset(&sa, 0xff, sizeof(sa));
	CHECK("getsockname-unnamed", getsockname(sv[0], (struct sockaddr *)&sa, &len) == 0 && sa.sun_family == AF_UNIX &&
	      len == sizeof(sa_family_t), "family %d, length %d", sa.sun_family, (int)len);
	len = sizeof(sa);
	CHECK("getpeername-unnamed", getpeername(sv[1], (struct sockaddr *)&sa, &len) == 0 && sa.sun_family == AF_UNIX,
	      "errno %d", errno);
	int type = 0;
	len = sizeof(type);
	CHECK("so-type", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM, "type %d", type);

	/* nothing to read: poll says writable only, a nonblocking read says EAGAIN */
	CHECK("poll-writable", revents(sv[0], POLLIN | POLLOUT) == POLLOUT, "revents %#x", revents(sv[0], POLLIN | POLLOUT));
	int on = 1;
	CHECK("fionbio", ioctl(sv[0], FIONBIO, &on) == 0 && (fcntl(sv[0], F_GETFL) & O_NONBLOCK), "errno %d", errno);
	errno = 0;
	CHECK("nonblock-empty", read(sv[0], buf, 1) == -1 && errno == EAGAIN, "errno %d", errno);

	/* shutdown(SHUT_WR): the peer reads end of file, and can still write back */
	CHECK("shutdown-wr", shutdown(sv[1], SHUT_WR) == 0, "errno %d", errno);
	CHECK("peer-reads-eof", read(sv[0], buf, 1) == 0, "no end of file");
	CHECK("poll-rdhup", (revents(sv[0], POLLIN | POLLRDHUP) & (POLLIN | POLLRDHUP)) == (POLLIN | POLLRDHUP), "revents %#x",
	      revents(sv[0], POLLIN | POLLRDHUP));
	CHECK("write-back-after-shutdown", write(sv[0], "x", 1) == 1 && read(sv[1], buf, 1) == 1 && buf[0] == 'x', "read %c", buf[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	CHECK("write-after-own-shutdown", write(sv[1], "y", 1) == -1 && errno == EPIPE, "errno %d", errno);

	/* the peer closes: writes fail with EPIPE, poll says hang-up */
	close(sv[1]);
	errno = 0;
	CHECK("write-to-closed-peer", write(sv[0], "z", 1) == -1 && errno == EPIPE, "errno %d", errno);
	CHECK("poll-hup", revents(sv[0], POLLIN) & POLLHUP, "revents %#x", revents(sv[0], POLLIN));
	close(sv[0]);
	errno = 0;
	CHECK("shutdown-not-socket", shutdown(0, SHUT_RD) == -1 && errno == ENOTSOCK, "errno %d", errno);
}

static void check_fork(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	pid_t p = fork();
	if (p == 0) { /* echo back in upper case until end of file */
		close(sv[0]);
		char c;
		while (read(sv[1], &c, 1) == 1) {
			c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
			write(sv[1], &c, 1);
		}
		_exit(0);
	}
	close(sv[1]);
	char buf[8] = { 0 };
	size_t got = 0;
	write(sv[0], "mica", 4);
	while (got < 4) {
		ssize_t n = read(sv[0], buf + got, 4 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	shutdown(sv[0], SHUT_WR);
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("fork-echo", got == 4 && memcmp(buf, "MICA", 4) == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "read '%s', status %#x", buf, st);
	close(sv[0]);
}

static void check_errors(void)
{
	int sv[2];
	errno = 0;
	CHECK("inet-pair", socketpair(AF_INET, SOCK_STREAM, 0, sv) == -1 && errno == EOPNOTSUPP, "errno %d", errno);
	errno = 0;
	CHECK("unknown-family", socketpair(12345, SOCK_STREAM, 0, sv) == -1 && errno == EAFNOSUPPORT, "errno %d", errno);
	errno = 0;
	CHECK("getsockname-not-socket", getsockname(1, NULL, NULL) == -1 && (errno == ENOTSOCK || errno == EFAULT),
	      "errno %d", errno);
}

static void check_capget(void)
{
	struct { uint32_t version; int pid; } hdr = { 0x20080522, 0 };
	uint32_t data[6];
	CHECK("capget", syscall(SYS_capget, &hdr, data) == 0, "errno %d", errno);
	hdr.version = 1;
	errno = 0;
	CHECK("capget-bad-version", syscall(SYS_capget, &hdr, data) == -1 && errno == EINVAL && hdr.version == 0x20080522,
	      "errno %d, version %#x", errno, hdr.version);
}

int main(void)
{
	check_pair();
	check_fork();
	check_errors();
	check_capget();
	return t_done();
}
