/* TCP and UDP over loopback (127.0.0.1 and ::1 only): addresses, ports, connections, options, errnos and TIME_WAIT. */
#define T_NAME "loopback"
#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct sockaddr_in v4(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static int port_of(int fd)
{
	struct sockaddr_in6 a;
	socklen_t len = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(a.sin6_port); /* sin_port is at the same place */
}

static int geti(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	return getsockopt(fd, level, name, &v, &len) < 0 ? -1000 - errno : v;
}

static void check_tcp4(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("tcp-socket",
	      l >= 0 && geti(l, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && geti(l, SOL_SOCKET, SO_DOMAIN) == AF_INET &&
		      geti(l, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP,
	      "fd %d", l);
	struct sockaddr_in a = v4("127.0.0.1", 0), got;
	socklen_t len = sizeof(got);
	CHECK("bind-ephemeral",
	      bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(l, (struct sockaddr *)&got, &len) == 0 &&
		      len == sizeof(got) && got.sin_family == AF_INET &&
		      got.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && got.sin_port != 0,
	      "errno %d length %d", errno, (int)len);
	int port = ntohs(got.sin_port);
	int other = socket(AF_INET, SOCK_STREAM, 0);
	a = v4("127.0.0.1", port);
	check_err("bind-in-use", bind(other, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	a = v4("0.0.0.0", port);
	check_err("bind-any-in-use", bind(other, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	a = v4("192.0.2.1", 0);
	check_err("bind-not-local", bind(other, (struct sockaddr *)&a, sizeof(a)), EADDRNOTAVAIL);
	check_err("bind-short", bind(other, (struct sockaddr *)&a, 8), EINVAL);
	int one = 1;
	CHECK("tcp-nodelay",
	      setsockopt(l, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 && geti(l, IPPROTO_TCP, TCP_NODELAY) == 1,
	      "%d", geti(l, IPPROTO_TCP, TCP_NODELAY));
	check_err("tcp-option-unknown", setsockopt(l, IPPROTO_TCP, 12345, &one, sizeof(one)), ENOPROTOOPT);
	CHECK("so-reuseaddr", setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0, "errno %d", errno);
	a = v4("127.0.0.1", port);
	check_err("connect-not-listening", connect(other, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(other);
	CHECK("listen", listen(l, 16) == 0 && geti(l, SOL_SOCKET, SO_ACCEPTCONN) == 1, "errno %d", errno);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("connect", connect(c, (struct sockaddr *)&a, sizeof(a)) == 0, "errno %d", errno);
	struct sockaddr_in peer, mine;
	len = sizeof(peer);
	getpeername(c, (struct sockaddr *)&peer, &len);
	socklen_t mlen = sizeof(mine);
	getsockname(c, (struct sockaddr *)&mine, &mlen);
	CHECK("client-names",
	      peer.sin_port == htons((uint16_t)port) && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
		      mine.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && mine.sin_port != 0,
	      "peer port %d, own %d", ntohs(peer.sin_port), ntohs(mine.sin_port));
	len = sizeof(peer);
	int s = accept(l, (struct sockaddr *)&peer, &len);
	CHECK("accept-peer-address",
	      s >= 0 && len == sizeof(peer) && peer.sin_port == mine.sin_port &&
		      peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "fd %d length %d", s, (int)len);
	char buf[64] = { 0 };
	CHECK("tcp-data",
	      write(c, "GET /", 5) == 5 && read(s, buf, sizeof(buf)) == 5 && write(s, "200", 3) == 3 &&
		      read(c, buf, sizeof(buf)) == 3 && memcmp(buf, "200", 3) == 0,
	      "errno %d", errno);
	shutdown(c, SHUT_WR);
	CHECK("tcp-half-close",
	      read(s, buf, sizeof(buf)) == 0 && write(s, "bye", 3) == 3 && read(c, buf, sizeof(buf)) == 3, "errno %d",
	      errno);
	close(s), close(c);
	/* non-blocking connect: EINPROGRESS, then writable with no error */
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	long r = connect(c, (struct sockaddr *)&a, sizeof(a));
	int e = errno;
	struct pollfd p = { c, POLLOUT, 0 };
	CHECK("nonblocking-connect",
	      r == -1 && e == EINPROGRESS && poll(&p, 1, 2000) == 1 && (p.revents & POLLOUT) &&
		      geti(c, SOL_SOCKET, SO_ERROR) == 0,
	      "r %ld errno %d revents %#x", r, e, p.revents);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	e = errno;
	CHECK("connect-again-done", r == 0 || e == EISCONN, "r %ld errno %d", r, e); /* Linux: 0 once, then EISCONN */
	s = accept(l, NULL, NULL);
	close(s), close(c), close(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_err("connect-refused", connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(c);
	/* listen names an unbound socket */
	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("listen-autobinds", listen(l, 1) == 0 && port_of(l) > 0, "port %d", port_of(l));
	close(l);
}

static void check_tcp6_and_fork(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT }, got;
	socklen_t len = sizeof(got);
	CHECK("tcp6-bind",
	      bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0 &&
		      getsockname(l, (struct sockaddr *)&got, &len) == 0 && len == sizeof(got) &&
		      got.sin6_family == AF_INET6,
	      "errno %d length %d", errno, (int)len);
	a.sin6_port = got.sin6_port;
	pid_t p = fork();
	if (p == 0) {
		int c = socket(AF_INET6, SOCK_STREAM, 0);
		char buf[8];
		_exit(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 && read(c, buf, sizeof(buf)) == 4 ? 0 : 1);
	}
	int s = accept(l, NULL, NULL);
	int st = 0;
	CHECK("tcp6-across-fork",
	      s >= 0 && write(s, "six!", 4) == 4 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x", st);
	close(s), close(l);
	/* an IPv6 socket on :: takes IPv4 connections, unless IPV6_V6ONLY */
	l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	bind(l, (struct sockaddr *)&any, sizeof(any));
	listen(l, 4);
	struct sockaddr_in v = v4("127.0.0.1", port_of(l));
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK("dual-stack", connect(c, (struct sockaddr *)&v, sizeof(v)) == 0, "errno %d", errno);
	close(c), close(l);
	l = socket(AF_INET6, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	bind(l, (struct sockaddr *)&any, sizeof(any));
	listen(l, 4);
	v = v4("127.0.0.1", port_of(l));
	c = socket(AF_INET, SOCK_STREAM, 0);
	check_err("v6only-refuses-v4", connect(c, (struct sockaddr *)&v, sizeof(v)), ECONNREFUSED);
	check_err("v6only-after-bind", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), EINVAL);
	close(c), close(l);
}

static void check_udp(void)
{
	int r = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = v4("127.0.0.1", 0), from;
	bind(r, (struct sockaddr *)&a, sizeof(a));
	a.sin_port = htons((uint16_t)port_of(r));
	CHECK("udp-protocol", geti(r, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP, "%d", geti(r, SOL_SOCKET, SO_PROTOCOL));
	char buf[64];
	socklen_t len = sizeof(from);
	long n = sendto(t, "datagram", 8, 0, (struct sockaddr *)&a, sizeof(a));
	long m = recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	CHECK("udp-sendto-recvfrom",
	      n == 8 && m == 8 && len == sizeof(from) && from.sin_port == htons((uint16_t)port_of(t)) &&
		      from.sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "sent %ld got %ld length %d", n, m, (int)len);
	sendto(t, "12345", 5, 0, (struct sockaddr *)&a, sizeof(a));
	sendto(t, "67", 2, 0, (struct sockaddr *)&a, sizeof(a));
	long x = recv(r, buf, sizeof(buf), 0);
	CHECK("udp-boundaries", x == 5 && recv(r, buf, sizeof(buf), 0) == 2, "%ld", x);
	int dead = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in d = v4("127.0.0.1", 0);
	bind(dead, (struct sockaddr *)&d, sizeof(d));
	d.sin_port = htons((uint16_t)port_of(dead));
	close(dead);
	CHECK("udp-to-closed-port-sent", sendto(t, "lost", 4, 0, (struct sockaddr *)&d, sizeof(d)) == 4, "errno %d",
	      errno);
	check_err("udp-listen", listen(r, 1), EOPNOTSUPP);
	close(r), close(t);
}

static void check_errors(void)
{
	check_err("inet-seqpacket", socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	check_err("tcp-protocol-mismatch", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	check_err("inet-bind-v6-address", bind(fd, (struct sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	char c;
	check_err("tcp-recv-unconnected", recv(fd, &c, 1, 0), ENOTCONN);
	check_err("tcp-send-unconnected", send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	check_err("tcp-shutdown-unconnected", shutdown(fd, SHUT_RDWR), ENOTCONN);
	close(fd);
}

/* /proc/net/tcp, udp and udp6 show the sockets, with the inodes their descriptors link to. */
static void check_procnet(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0),
	    u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in a = v4("127.0.0.1", 0);
	struct sockaddr_in6 b = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 1);
	bind(u, (struct sockaddr *)&a, sizeof(a));
	bind(u6, (struct sockaddr *)&b, sizeof(b));
	char text[128];
	snprintf(text, sizeof(text), " 0100007F:%04X 00000000:0000 0A ", port_of(l));
	CHECK("proc-net-tcp-listener", procnet_has("tcp", text, socket_ino(l)), "no row with '%s' and inode %lu", text,
	      socket_ino(l));
	snprintf(text, sizeof(text), " 0100007F:%04X 00000000:0000 07 ", port_of(u));
	CHECK("proc-net-udp", procnet_has("udp", text, socket_ino(u)), "no row with '%s' and inode %lu", text,
	      socket_ino(u));
	snprintf(text, sizeof(text), " 00000000000000000000000001000000:%04X 00000000000000000000000000000000:0000 07 ",
		 port_of(u6));
	CHECK("proc-net-udp6", procnet_has("udp6", text, socket_ino(u6)), "no row with '%s' and inode %lu", text,
	      socket_ino(u6));
	close(l);
	close(u);
	close(u6);
}

/* A row of /proc/net/TABLE: its state, timer columns ("tr:tm->when" and retrnsmt), uid, timeout and inode. */
struct row {
	char st[8], timer[32], retrnsmt[16];
	unsigned uid, timeout;
	unsigned long ino;
};

/* The row of /proc/net/TABLE whose local address is local and remote address remote, as the table writes them: 1, or 0 for none. */
static int find_row(const char *table, const char *local, const char *remote, struct row *r)
{
	char path[64], line[512], l[64], rem[64];
	snprintf(path, sizeof(path), "/proc/net/%s", table);
	FILE *f = fopen(path, "r");
	int found = 0;
	for (int n = 0; f && !found && fgets(line, sizeof(line), f); n++)
		found = n > 0 &&
			sscanf(line, "%*s %63s %63s %7s %*s %31s %15s %u %u %lu", l, rem, r->st, r->timer, r->retrnsmt,
			       &r->uid, &r->timeout, &r->ino) == 8 &&
			strcmp(l, local) == 0 && strcmp(rem, remote) == 0;
	if (f)
		fclose(f);
	return found;
}

/* An IPv4 address and port as /proc/net/tcp writes them, into buf[32]. */
static const char *row_addr(char *buf, const char *ip, int port)
{
	struct in_addr a;
	inet_pton(AF_INET, ip, &a);
	snprintf(buf, 32, "%08X:%04X", a.s_addr, port); /* the address's 32-bit word as it lies in memory */
	return buf;
}

/* A row as a check's detail shows it. */
#define ROW_FMT "state %s timer %s retrnsmt %s uid %u timeout %u inode %lu"
#define ROW_ARGS(r) (r).st, (r).timer, (r).retrnsmt, (r).uid, (r).timeout, (r).ino

/*
 * /proc/net/tcp and udp's uid column is the socket owner's, and an idle socket's timer columns are
 * 00:00000000 00000000: sockets made by a child that runs as another user (nobody, when this runs as root).
 */
static void check_procnet_owner(void)
{
	int ports[2], go[2], done[2];
	if (pipe(go) < 0 || pipe(done) < 0)
		return;
	pid_t p = fork();
	if (p == 0) {
		close(done[1]), close(go[0]);
		if (getuid() == 0 && setresuid(65534, 65534, 65534) < 0)
			_exit(1);
		int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a = v4("127.0.0.1", 0);
		bind(l, (struct sockaddr *)&a, sizeof(a));
		listen(l, 1);
		bind(u, (struct sockaddr *)&a, sizeof(a));
		a = v4("127.0.0.1", port_of(l));
		int c = socket(AF_INET, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&a, sizeof(a));
		int s = accept(l, NULL, NULL);
		ports[0] = port_of(l), ports[1] = port_of(u);
		int peer = port_of(c);
		unsigned uid = getuid();
		char x;
		_exit(write(go[1], ports, sizeof(ports)) == sizeof(ports) && write(go[1], &peer, sizeof(peer)) > 0 &&
				      write(go[1], &uid, sizeof(uid)) > 0 && read(done[0], &x, 1) >= 0 && s >= 0
			      ? 0
			      : 1);
	}
	int peer = 0;
	unsigned uid = 0;
	int got = read(go[0], ports, sizeof(ports)) == sizeof(ports) && read(go[0], &peer, sizeof(peer)) > 0 &&
		  read(go[0], &uid, sizeof(uid)) > 0;
	char la[32], ra[32], any[32];
	struct row r = { "", "", "", 0, 0, 0 };
	int ok = got && find_row("tcp", row_addr(la, "127.0.0.1", ports[0]), row_addr(any, "0.0.0.0", 0), &r);
	CHECK("proc-net-tcp-listener-owner",
	      ok && strcmp(r.st, "0A") == 0 && strcmp(r.timer, "00:00000000") == 0 &&
		      strcmp(r.retrnsmt, "00000000") == 0 && r.uid == uid && r.uid != getuid() && r.timeout == 0,
	      "row found %d (uid %u): " ROW_FMT, ok, uid, ROW_ARGS(r));
	ok = got && find_row("tcp", row_addr(la, "127.0.0.1", ports[0]), row_addr(ra, "127.0.0.1", peer), &r);
	CHECK("proc-net-tcp-idle-owner",
	      ok && strcmp(r.st, "01") == 0 && strcmp(r.timer, "00:00000000") == 0 &&
		      strcmp(r.retrnsmt, "00000000") == 0 && r.uid == uid && r.timeout == 0,
	      "row found %d (uid %u): " ROW_FMT, ok, uid, ROW_ARGS(r));
	ok = got && find_row("udp", row_addr(la, "127.0.0.1", ports[1]), row_addr(any, "0.0.0.0", 0), &r);
	CHECK("proc-net-udp-owner", ok && strcmp(r.timer, "00:00000000") == 0 && r.uid == uid,
	      "row found %d (uid %u): " ROW_FMT, ok, uid, ROW_ARGS(r));
	close(done[1]);
	int st = 0;
	CHECK("proc-net-owner-child", waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x",
	      st);
	close(go[0]), close(go[1]), close(done[0]);
}

/* A connection to a new listener on 127.0.0.1 (SO_REUSEADDR on it: reuse), both ends: the listener's port; *c, *s. */
static int pair(int reuse, int *l, int *c, int *s)
{
	struct sockaddr_in a = v4("127.0.0.1", 0);
	*l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(*l, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	bind(*l, (struct sockaddr *)&a, sizeof(a));
	listen(*l, 4);
	a = v4("127.0.0.1", port_of(*l));
	*c = socket(AF_INET, SOCK_STREAM, 0);
	connect(*c, (struct sockaddr *)&a, sizeof(a));
	*s = accept(*l, NULL, NULL);
	return port_of(*l);
}

/* Bind a new TCP socket (SO_REUSEADDR: reuse) to 127.0.0.1:port, and listen: 0, or -1 with errno. Closed after. */
static int rebind(int port, int reuse, int and_listen)
{
	struct sockaddr_in a = v4("127.0.0.1", port);
	int n = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(n, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	int r = bind(n, (struct sockaddr *)&a, sizeof(a));
	if (r == 0 && and_listen)
		r = listen(n, 1);
	int e = errno;
	close(n);
	errno = e;
	return r;
}

/*
 * TIME_WAIT: the end that closes a connection first keeps its address and port after its close (60 s): a bind
 * without SO_REUSEADDR on both the closed socket and the new one is EADDRINUSE; /proc/net/tcp shows the row
 * (06, timer 03 with the time left, no owner, no inode). A reset leaves no TIME_WAIT.
 */
static void check_time_wait(void)
{
	int l, c, s;
	char x, la[32], ra[32];
	struct row r = { "", "", "", 0, 0, 0 };
	/* the server's end closes first, its listener with SO_REUSEADDR (which the accepted socket takes) */
	int port = pair(1, &l, &c, &s), cport = port_of(c);
	close(s);
	CHECK("tw-peer-sees-end", read(c, &x, 1) == 0, "errno %d", errno);
	close(c), close(l);
	check_err("tw-bind-in-use", rebind(port, 0, 0), EADDRINUSE);
	CHECK("tw-reuseaddr-binds", rebind(port, 1, 1) == 0, "errno %d", errno);
	int ok = find_row("tcp", row_addr(la, "127.0.0.1", port), row_addr(ra, "127.0.0.1", cport), &r);
	unsigned long left = strtoul(r.timer + 3, NULL, 16);
	CHECK("tw-proc-net-tcp",
	      ok && strcmp(r.st, "06") == 0 && strncmp(r.timer, "03:", 3) == 0 && left > 0 && left <= 6000 &&
		      strcmp(r.retrnsmt, "00000000") == 0 && r.uid == 0 && r.ino == 0,
	      "row found %d: " ROW_FMT, ok, ROW_ARGS(r));
	/* the client's end closes first: its port is held, and SO_REUSEADDR on the new socket alone does not free it */
	port = pair(1, &l, &c, &s), cport = port_of(c);
	close(c);
	CHECK("tw-client-first-end", read(s, &x, 1) == 0, "errno %d", errno);
	close(s), close(l);
	check_err("tw-client-port-in-use", rebind(cport, 1, 0), EADDRINUSE);
	CHECK("tw-listener-port-free", rebind(port, 0, 1) == 0, "errno %d", errno);
	/* a listener without SO_REUSEADDR: its port stays held whatever the new socket sets */
	port = pair(0, &l, &c, &s);
	close(s);
	read(c, &x, 1);
	close(c), close(l);
	check_err("tw-needs-reuseaddr-on-both", rebind(port, 1, 0), EADDRINUSE);
	/* a close with unread data resets the connection: no TIME_WAIT */
	port = pair(0, &l, &c, &s);
	CHECK("tw-reset-unread", write(c, "unread", 6) == 6, "errno %d", errno);
	usleep(10000);
	close(s);
	CHECK("tw-reset-seen", read(c, &x, 1) == -1 && errno == ECONNRESET, "errno %d", errno);
	close(c), close(l);
	CHECK("tw-none-after-reset", rebind(port, 0, 1) == 0, "errno %d", errno);
}

/* Accept what is queued on l (non-blocking), up to want more than got: the new total. */
static int take(int l, int got, int want)
{
	for (int s; got < want && (s = accept(l, NULL, NULL)) >= 0; got++)
		close(s);
	return got;
}

/* SO_REUSEPORT: listeners that all set it share a port, and the connections to it go to them; others may not bind it. */
static void check_reuseport(void)
{
	enum { N = 16 };
	int one = 1, l1 = socket(AF_INET, SOCK_STREAM, 0), l2 = socket(AF_INET, SOCK_STREAM, 0),
	    l3 = socket(AF_INET, SOCK_STREAM, 0), c[N + 1];
	setsockopt(l1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(l2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(l3, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	CHECK("options-read-back",
	      geti(l1, SOL_SOCKET, SO_REUSEPORT) == 1 && geti(l3, SOL_SOCKET, SO_REUSEPORT) == 0 &&
		      geti(l3, SOL_SOCKET, SO_KEEPALIVE) == 1 && geti(l1, SOL_SOCKET, SO_KEEPALIVE) == 0 &&
		      geti(l1, SOL_SOCKET, SO_REUSEADDR) == 0 && geti(l1, SOL_SOCKET, SO_SNDLOWAT) == 1,
	      "reuseport %d %d keepalive %d %d reuseaddr %d sndlowat %d", geti(l1, SOL_SOCKET, SO_REUSEPORT),
	      geti(l3, SOL_SOCKET, SO_REUSEPORT), geti(l3, SOL_SOCKET, SO_KEEPALIVE),
	      geti(l1, SOL_SOCKET, SO_KEEPALIVE), geti(l1, SOL_SOCKET, SO_REUSEADDR),
	      geti(l1, SOL_SOCKET, SO_SNDLOWAT));
	struct sockaddr_in a = v4("127.0.0.1", 0);
	bind(l1, (struct sockaddr *)&a, sizeof(a));
	a = v4("127.0.0.1", port_of(l1));
	CHECK("reuseport-shared-bind", bind(l2, (struct sockaddr *)&a, sizeof(a)) == 0, "errno %d", errno);
	check_err("reuseport-unset-in-use", bind(l3, (struct sockaddr *)&a, sizeof(a)), EADDRINUSE);
	listen(l1, N + 1);
	listen(l2, N + 1);
	fcntl(l1, F_SETFL, O_NONBLOCK);
	fcntl(l2, F_SETFL, O_NONBLOCK);
	int made = 0, got = 0;
	for (int i = 0; i < N; i++)
		made += (c[i] = socket(AF_INET, SOCK_STREAM, 0)) >= 0 &&
			connect(c[i], (struct sockaddr *)&a, sizeof(a)) == 0;
	struct pollfd p[2] = { { l1, POLLIN, 0 }, { l2, POLLIN, 0 } };
	for (int rounds = 0; got < N && rounds < 100 && poll(p, 2, 20) >= 0; rounds++)
		got = take(l2, take(l1, got, N), N);
	CHECK("reuseport-all-accepted", made == N && got == N, "%d connected, %d accepted", made, got);
	close(l1); /* the other goes on taking the port's connections */
	made = (c[N] = socket(AF_INET, SOCK_STREAM, 0)) >= 0 && connect(c[N], (struct sockaddr *)&a, sizeof(a)) == 0;
	got = 0;
	for (int rounds = 0; got < 1 && rounds < 100 && poll(&p[1], 1, 20) >= 0; rounds++)
		got = take(l2, got, 1);
	CHECK("reuseport-other-goes-on", made && got == 1, "connected %d, accepted %d", made, got);
	for (int i = 0; i <= N; i++)
		close(c[i]);
	close(l2);
	close(l3);
}

/* The peer writes 5 bytes, then 5 more a tenth of a second later (a child with the peer's descriptor). */
static pid_t write_twice(int peer)
{
	pid_t pid = fork();
	if (pid == 0) {
		ssize_t a = write(peer, "12345", 5);
		usleep(100000);
		ssize_t b = write(peer, "67890", 5);
		_exit(a == 5 && b == 5 ? 0 : 1);
	}
	return pid;
}

/*
 * SO_RCVLOWAT on a stream: a blocking read returns once that many bytes
 * came (or as many as it asked for, or the end), a non-blocking one takes
 * what is there; TCP is readable for poll only from that many bytes, an
 * AF_UNIX stream from one (Linux's unix_poll does not look at it).
 */
static void check_rcvlowat(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), ten = 10, st = -1;
	struct sockaddr_in a = v4("127.0.0.1", 0);
	socklen_t len = sizeof(a);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&a, &len);
	connect(c, (struct sockaddr *)&a, sizeof(a));
	int s = accept(l, NULL, NULL);
	CHECK("rcvlowat-set",
	      setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &ten, sizeof(ten)) == 0 && geti(s, SOL_SOCKET, SO_RCVLOWAT) == 10,
	      "errno %d, %d", errno, geti(s, SOL_SOCKET, SO_RCVLOWAT));
	char buf[64];
	struct pollfd p = { s, POLLIN, 0 };
	ssize_t n = write(c, "12345", 5);
	usleep(20000);
	CHECK("rcvlowat-tcp-poll-below", n == 5 && poll(&p, 1, 50) == 0, "poll says %#x", p.revents);
	n = recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	CHECK("rcvlowat-tcp-nonblock-takes-what-is-there", n == 5, "got %zd (errno %d)", n, errno);
	pid_t pid = write_twice(c);
	n = recv(s, buf, sizeof(buf), 0);
	waitpid(pid, &st, 0);
	CHECK("rcvlowat-tcp-read-waits", n == 10 && memcmp(buf, "1234567890", 10) == 0 && st == 0, "got %zd", n);
	n = write(c, "0123456789", 10);
	CHECK("rcvlowat-tcp-poll-reached", n == 10 && poll(&p, 1, 1000) == 1 && p.revents == POLLIN, "poll says %#x",
	      p.revents);
	CHECK("rcvlowat-tcp-read-reached", recv(s, buf, sizeof(buf), 0) == 10, "errno %d", errno);
	n = write(c, "abc", 3);
	CHECK("rcvlowat-tcp-short-read", n == 3 && recv(s, buf, 3, 0) == 3, "errno %d", errno);
	n = write(c, "xy", 2);
	close(c);
	ssize_t last = recv(s, buf, sizeof(buf), 0), end = recv(s, buf, sizeof(buf), 0);
	CHECK("rcvlowat-tcp-end", n == 2 && last == 2 && end == 0, "got %zd then %zd", last, end);
	close(s);
	close(l);

	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &ten, sizeof(ten));
	p = (struct pollfd){ sv[1], POLLIN, 0 };
	n = write(sv[0], "12345", 5);
	CHECK("rcvlowat-unix-poll-below", n == 5 && poll(&p, 1, 50) == 1 && p.revents == POLLIN, "poll says %#x",
	      p.revents);
	CHECK("rcvlowat-unix-nonblock", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == 5, "errno %d", errno);
	pid = write_twice(sv[0]);
	n = recv(sv[1], buf, sizeof(buf), 0);
	waitpid(pid, &st, 0);
	CHECK("rcvlowat-unix-read-waits", n == 10 && memcmp(buf, "1234567890", 10) == 0 && st == 0, "got %zd", n);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	check_tcp4();
	check_tcp6_and_fork();
	check_udp();
	check_errors();
	check_reuseport();
	check_procnet();
	check_procnet_owner();
	check_time_wait();
	check_rcvlowat();
	return t_done();
}
