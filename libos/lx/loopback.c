/* AF_INET and AF_INET6 inside the machine: TCP and UDP over loopback on AF_UNIX's machinery (lwIP, net.c and inet.c, carries the rest). */
#include "libos/lx/vfs.h"
#include "libos/lx/unix.h"
#include "libos/lx/net.h"
#include "libos/lx/procnet.h"

/*
 * A stand-in that lets a program's processes reach each other at 127.0.0.1
 * and ::1, or at the machine's own addresses when the network is on (a
 * server and its clients in one VM) with Linux's addresses,
 * ports and errnos. A TCP connect to an address outside the machine (IPv4
 * or IPv6) goes to lwIP instead (socket.c, inet.c); without a network every
 * other destination is unreachable (ENETUNREACH), and only local addresses
 * can be bound (EADDRNOTAVAIL). A socket holding a port is on a list in the
 * shared header; IPv4 addresses are kept as ::ffff:a.b.c.d, so that an
 * IPv6 socket bound to :: takes IPv4 connections too unless IPV6_V6ONLY.
 * The bytes move as AF_UNIX's do (unix.c).
 */
static const struct unaming lo_naming;
static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
static const uint8_t zeros[16];

static bool is_v4(const uint8_t *ip)
{
	return memcmp(ip, v4_prefix, 12) == 0;
}

static bool is_any(const uint8_t *ip)
{
	return memcmp(ip, zeros, 16) == 0 || (is_v4(ip) && memcmp(ip + 12, zeros, 4) == 0);
}

static bool is_loopback(const uint8_t *ip)
{
	static const uint8_t one6[16] = { [15] = 1 };
	return memcmp(ip, one6, 16) == 0 || (is_v4(ip) && ip[12] == 127);
}

/* The IPv4 address of an ::ffff:a.b.c.d address, in host order. */
static uint32_t v4_of(const uint8_t *ip)
{
	return (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
}

bool loopback_own(const uint8_t *ip)
{
	return is_v4(ip) ? net_up() && v4_of(ip) == net_addr() : net_own6(ip);
}

/* An address for a socket of family into ip and port: 0; -EINVAL (short), -EAFNOSUPPORT (another family). */
static long parse(int family, const void *addr, int len, uint8_t *ip, uint16_t *port)
{
	uint16_t fam;
	memcpy(&fam, addr, sizeof(fam));
	if (family == AF_INET) {
		struct linux_sockaddr_in a;
		if (len < (int)sizeof(a))
			return -EINVAL;
		memcpy(&a, addr, sizeof(a));
		if (fam != AF_INET)
			return -EAFNOSUPPORT;
		memcpy(ip, v4_prefix, 12);
		memcpy(ip + 12, a.addr, 4);
		*port = (uint16_t)(a.port >> 8 | a.port << 8);
		return 0;
	}
	struct linux_sockaddr_in6 a;
	if (len < (int)sizeof(a) - 4) /* without scope_id, as Linux takes it */
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	memcpy(&a, addr, (size_t)(len < (int)sizeof(a) ? len : (int)sizeof(a)));
	if (fam != AF_INET6)
		return -EAFNOSUPPORT;
	memcpy(ip, a.addr, 16);
	*port = (uint16_t)(a.port >> 8 | a.port << 8);
	return 0;
}

/* ip and port as a socket of family names them into n (its bytes past the address as they were). */
static void name_set(struct uname *n, int family, const uint8_t *ip, uint16_t port)
{
	uint16_t be = (uint16_t)(port >> 8 | port << 8);
	if (family == AF_INET) {
		struct linux_sockaddr_in a = { AF_INET, be, { ip[12], ip[13], ip[14], ip[15] }, { 0 } };
		memcpy(&n->sa, &a, sizeof(a));
		n->len = sizeof(a);
	} else {
		struct linux_sockaddr_in6 a = { AF_INET6, be, 0, { 0 }, 0 };
		memcpy(a.addr, ip, 16);
		memcpy(&n->sa, &a, sizeof(a));
		n->len = sizeof(a);
	}
}

/* u's name as getsockname tells it: ip and port in u's family. */
static void set_name(struct usock *u, const uint8_t *ip, uint16_t port)
{
	memset(&u->name, 0, sizeof(u->name));
	name_set(&u->name, u->s.family, ip, port);
}

/* Does b, holding its port, take what comes to ip? */
static bool covers(const struct usock *b, const uint8_t *ip)
{
	if (memcmp(b->ip, ip, 16) == 0)
		return true;
	if (memcmp(b->ip, zeros, 16) == 0) /* :: */
		return !(b->v6only && is_v4(ip));
	return is_v4(b->ip) && is_any(b->ip) && is_v4(ip); /* 0.0.0.0 */
}

/*
 * May u share a port with b? As Linux: when both set SO_REUSEPORT, or (TCP)
 * both set SO_REUSEADDR and b does not listen.
 */
static bool reusable(const struct usock *u, const struct usock *b)
{
	if (sock_flag(&b->s, SO_REUSEPORT) && sock_flag(&u->s, SO_REUSEPORT))
		return true;
	return u->s.type == SOCK_STREAM && sock_flag(&u->s, SO_REUSEADDR) && sock_flag(&b->s, SO_REUSEADDR) &&
	       b->state != U_LISTEN;
}

/* Would u, bound at ip and port, clash with a socket holding that port? */
static bool in_use(const struct usock *u, const uint8_t *ip, uint16_t port)
{
	struct usock me = *u;
	memcpy(me.ip, ip, 16);
	for (struct usock *b = LX_SH->loopback_bound; b; b = b->next_named)
		if (b != u && b->port == port && (b->s.type == SOCK_STREAM) == (u->s.type == SOCK_STREAM) &&
		    (covers(b, ip) || covers(&me, b->ip)) && !reusable(u, b))
			return true;
	return false;
}

/* May bound u listen? Not while another socket listens at its address and port (SO_REUSEADDR let them share it): -EADDRINUSE. */
static long lo_listening(struct usock *u)
{
	return in_use(u, u->ip, u->port) ? -EADDRINUSE : 0;
}

/* Hold ip and port for u (port 0: an ephemeral one): 0 or -EADDRINUSE. */
static long hold(struct usock *u, const uint8_t *ip, uint16_t port)
{
	uint32_t span = IP_PORT_LAST - IP_PORT_FIRST + 1;
	for (uint32_t i = 0; port == 0 && i < span; i++) {
		uint16_t p = (uint16_t)(IP_PORT_FIRST + LX_SH->loopback_port++ % span);
		if (!in_use(u, ip, p))
			port = p;
	}
	if (port == 0 || in_use(u, ip, port))
		return -EADDRINUSE;
	memcpy(u->ip, ip, 16);
	u->port = port;
	set_name(u, ip, port);
	u->next_named = LX_SH->loopback_bound;
	LX_SH->loopback_bound = u;
	if (u->s.type == SOCK_DGRAM && !is_loopback(ip)) /* UDP from the outside too, when there is a network */
		u->udp = net_udp_open(u, ip, port, u->v6only);
	return 0;
}

/* The scope id of sockaddr_in6 addr (len bytes; 0 if it has none). */
static uint32_t scope_of(const void *addr, int len)
{
	struct linux_sockaddr_in6 a = { 0 };
	memcpy(&a, addr, (size_t)(len < (int)sizeof(a) ? len : (int)sizeof(a)));
	return a.scope_id;
}

/* May a link-local address with addr's scope id be bound? As Linux: 0; -EINVAL without one, -ENODEV for no such interface. */
static long scope_check(const void *addr, int len)
{
	uint32_t scope = scope_of(addr, len);
	return !scope ? -EINVAL : lx_netif_by_index((int)scope) ? 0 : -ENODEV;
}

static long lo_bind(struct usock *u, const void *addr, int len)
{
	uint8_t ip[16];
	uint16_t port;
	long r = parse(u->s.family, addr, len, ip, &port);
	if (r < 0)
		return u->s.family == AF_INET6 && r == -EAFNOSUPPORT ? -EINVAL : r;
	if (u->name.len)
		return -EINVAL;
	if (u->s.family == AF_INET6 && net_linklocal(ip) && (r = scope_check(addr, len)) < 0)
		return r;
	if (!is_any(ip) && !is_loopback(ip) && !loopback_own(ip))
		return -EADDRNOTAVAIL;
	if (u->s.family == AF_INET6 && u->v6only && is_v4(ip))
		return -EINVAL;
	return hold(u, ip, port);
}

static long lo_autobind(struct usock *u)
{
	return hold(u, u->s.family == AF_INET ? (const uint8_t[16]){ [10] = 0xff, [11] = 0xff } : zeros, 0);
}

static void lo_unbind(struct usock *u)
{
	if (u->udp)
		net_udp_close(u->udp);
	u->udp = NULL;
	struct usock **pp = (struct usock **)&LX_SH->loopback_bound;
	while (*pp && *pp != u)
		pp = &(*pp)->next_named;
	if (*pp)
		*pp = u->next_named;
}

/* The socket at addr for u: a listener (stream) or a bound socket (datagram); NULL with *err. */
static struct usock *lo_find(struct usock *u, const void *addr, int len, long *err)
{
	uint8_t ip[16];
	uint16_t port;
	if ((*err = parse(u->s.family, addr, len, ip, &port)) < 0)
		return NULL;
	if (is_any(ip)) /* as Linux: "any" means this machine */
		ip[15] = 1, ip[12] = is_v4(ip) ? 127 : 0;
	if (!is_loopback(ip) && !loopback_own(ip)) {
		*err = -ENETUNREACH;
		return NULL;
	}
	/* sockets sharing the port by SO_REUSEPORT take turns, as Linux spreads connections and datagrams over them */
	struct usock *found = NULL;
	unsigned n = 0, turn = LX_SH->loopback_turn;
	for (struct usock *b = LX_SH->loopback_bound; b; b = b->next_named)
		if (b->port == port && b->s.type == u->s.type && covers(b, ip) && !b->dead &&
		    (u->s.type != SOCK_STREAM || b->state == U_LISTEN) && (++n == 1 || turn % n == 0))
			found = b;
	if (found) {
		LX_SH->loopback_turn++;
		return found;
	}
	*err = -ECONNREFUSED;
	return NULL;
}

static int lo_unnamed(const struct usock *u, void *addr)
{
	if (u->s.family == AF_INET) {
		struct linux_sockaddr_in a = { AF_INET, 0, { 0 }, { 0 } };
		memcpy(addr, &a, sizeof(a));
		return sizeof(a);
	}
	struct linux_sockaddr_in6 a = { AF_INET6, 0, 0, { 0 }, 0 };
	memcpy(addr, &a, sizeof(a));
	return sizeof(a);
}

/* The accepted side has the address the client asked for; a client bound to "any" now has that address too. */
static void lo_connected(struct usock *client, struct usock *e, const struct usock *o, const void *addr, int len)
{
	uint8_t ip[16];
	uint16_t port;
	parse(client->s.family, addr, len, ip, &port);
	if (is_any(ip))
		ip[15] = 1, ip[12] = is_v4(ip) ? 127 : 0;
	set_name(e, ip, o->port);
	if (is_any(client->ip)) {
		memcpy(client->ip, ip, 16);
		set_name(client, ip, client->port);
	}
}

/* A socket bound to "any" sends from the loopback address (every destination is one). */
static void lo_source(const struct usock *u, struct uname *n)
{
	uint8_t ip[16];
	memcpy(ip, u->ip, 16);
	if (!is_any(ip))
		return;
	ip[15] = 1, ip[12] = is_v4(ip) ? 127 : 0;
	name_set(n, u->s.family, ip, u->port); /* (n is the socket's own name: the bytes past the address stay 0) */
}

/* Is name an option of level that the stand-in takes (and keeps only where it says so)? */
static bool known(int level, int name)
{
	switch (level) {
	case IPPROTO_TCP:
		return name == TCP_NODELAY || name == TCP_MAXSEG || name == TCP_CORK || name == TCP_KEEPIDLE ||
		       name == TCP_KEEPINTVL || name == TCP_KEEPCNT || name == TCP_DEFER_ACCEPT ||
		       name == TCP_QUICKACK || name == TCP_USER_TIMEOUT || name == TCP_FASTOPEN;
	case IPPROTO_IP:
		return name == IP_TOS || name == IP_TTL;
	case IPPROTO_IPV6:
		return name == IPV6_V6ONLY;
	default:
		return false;
	}
}

static long lo_setopt(struct usock *u, int level, int name, uint64_t uval, long len)
{
	int v;
	if (!known(level, name) || (level == IPPROTO_IPV6 && u->s.family != AF_INET6) ||
	    (level == IPPROTO_TCP && u->s.type != SOCK_STREAM))
		return -ENOPROTOOPT;
	long r = sock_opt_int(uval, len, &v);
	if (r < 0)
		return r;
	if (level == IPPROTO_IPV6) {
		if (u->name.len)
			return -EINVAL; /* as Linux: only before bind */
		u->v6only = v != 0;
	}
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		u->nodelay = v != 0;
	if (level == IPPROTO_TCP && (r = sock_keep_set(&u->s, name, v)) <= 0)
		return r; /* kept: a socket accepted, or one connecting outside, takes them */
	return 0;
}

static long lo_getopt(struct usock *u, int level, int name, void *buf)
{
	int v = 0;
	if (!known(level, name) || (level == IPPROTO_IPV6 && u->s.family != AF_INET6) ||
	    (level == IPPROTO_TCP && u->s.type != SOCK_STREAM))
		return -ENOPROTOOPT;
	if (level == IPPROTO_IPV6)
		v = u->v6only;
	else if (level == IPPROTO_TCP && name == TCP_NODELAY)
		v = u->nodelay;
	else if (level == IPPROTO_TCP && sock_keep_get(&u->s, name, &v))
		;
	else if (level == IPPROTO_IP && name == IP_TTL)
		v = 64;
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

bool loopback_outside(int family, const void *addr, int len, uint8_t ip[16], uint32_t *scope, uint16_t *port)
{
	if ((family != AF_INET && family != AF_INET6) || parse(family, addr, len, ip, port) < 0 || is_any(ip) ||
	    is_loopback(ip) || loopback_own(ip))
		return false;
	*scope = family == AF_INET6 ? scope_of(addr, len) : 0;
	return is_v4(ip) ? ip[12] < 224 : ip[0] != 0xff; /* not multicast (nor IPv4's broadcast) */
}

/* The address and port of name n (of a socket of family), the address as ::ffff:a.b.c.d for IPv4; none: zeros. */
static void name_ip(int family, const struct uname *n, uint8_t ip[16], uint16_t *port)
{
	memset(ip, 0, 16);
	*port = 0;
	if (n->len)
		parse(family, &n->sa, n->len, ip, port);
}

/* u's row: a listener (its accept queue's length), or connected to its peer (its unread bytes); its state as TCP's would be. */
static void proc_row(struct procnet *p, struct usock *u)
{
	uint8_t lip[16], rip[16];
	uint16_t lport, rport;
	int state = TCP_LISTEN;
	name_ip(u->s.family, &u->name, lip, &lport);
	memset(rip, 0, 16);
	rport = 0;
	if (u->state == U_LISTEN) {
		procnet_row(p, lip, lport, rip, rport, state, 0, (size_t)u->npending, u->s.ino);
		return;
	}
	name_ip(u->s.family, &u->peer->name, rip, &rport);
	if (u->peer->dead) /* (its own shutdown is no longer told from the peer's close) */
		state = TCP_CLOSE_WAIT;
	else
		state = u->shut & U_SHUT_WR ? TCP_FIN_WAIT2 : TCP_ESTABLISHED;
	long inq = u->s.ops->inq(&u->s);
	procnet_row(p, lip, lport, rip, rport, state, 0, inq > 0 ? (size_t)inq : 0,
		    u->s.ino); /* (what it sent is the peer's already) */
}

/* Every TCP listener and connection (either end, accepted or not) of p's family. */
void loopback_proc_tcp(struct procnet *p)
{
	int family = p->v6 ? AF_INET6 : AF_INET;
	for (struct usock *u = usock_next(NULL); u; u = usock_next(u))
		if (u->naming == &lo_naming && u->s.type == SOCK_STREAM && u->s.family == family && !u->dead &&
		    (u->state == U_LISTEN || (u->state == U_CONN && u->peer)))
			proc_row(p, u);
}

/* Every UDP socket of p's family that has a port: unconnected (TCP_CLOSE, as Linux shows it) or connected. */
void loopback_proc_udp(struct procnet *p)
{
	int family = p->v6 ? AF_INET6 : AF_INET;
	for (struct usock *u = usock_next(NULL); u; u = usock_next(u)) {
		if (u->naming != &lo_naming || u->s.type != SOCK_DGRAM || u->s.family != family || u->dead ||
		    !u->name.len)
			continue;
		uint8_t lip[16], rip[16] = { 0 };
		uint16_t lport, rport = 0;
		name_ip(family, &u->name, lip, &lport);
		if (u->peer || u->remote) /* connected inside, or outside (udp.c) */
			name_ip(family, u->peer ? &u->peer->name : u->remote, rip, &rport);
		procnet_row(p, lip, lport, rip, rport, u->state == U_CONN ? TCP_ESTABLISHED : TCP_CLOSE, 0,
			    usock_queued(u), u->s.ino);
	}
}

static const struct unaming lo_naming = { true,         lo_bind,   lo_find,   lo_autobind, lo_unbind,   lo_unnamed,
					  lo_connected, lo_source, lo_setopt, lo_getopt,   lo_listening };

/* socket(AF_INET or AF_INET6, type, protocol): TCP and UDP. */
static long lo_create(int family, int type, int protocol, struct sock **out)
{
	int want = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return type == SOCK_RAW ? -EPROTONOSUPPORT : -ESOCKTNOSUPPORT;
	if (protocol != 0 && protocol != want)
		return -EPROTONOSUPPORT;
	return usock_create(&lo_naming, family, type, want, out);
}

static long lo_create4(int type, int protocol, struct sock **out)
{
	return lo_create(AF_INET, type, protocol, out);
}

static long lo_create6(int type, int protocol, struct sock **out)
{
	return lo_create(AF_INET6, type, protocol, out);
}

const struct sock_family loopback_inet_family = { lo_create4, NULL };
const struct sock_family loopback_inet6_family = { lo_create6, NULL };
