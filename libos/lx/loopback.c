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
 * or IPv6) goes to lwIP instead (socket.c, inet.c), as does a UDP datagram
 * to one from a socket bound where the outside reaches it (udp.c); without
 * a network every other destination is unreachable (ENETUNREACH), and only
 * local addresses can be bound (EADDRNOTAVAIL). A socket holding a port is
 * on a list in the shared header; IPv4 addresses are kept as
 * ::ffff:a.b.c.d, so that an IPv6 socket bound to :: takes IPv4
 * connections too unless IPV6_V6ONLY.
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

void loopback_rename(struct usock *u)
{
	uint8_t ip[16], rip[16];
	uint16_t rport;
	memcpy(ip, u->ip, 16);
	if (u->remote && is_any(ip) && parse(u->s.family, &u->remote->sa, u->remote->len, rip, &rport) == 0 &&
	    is_v4(rip)) {
		uint32_t a = net_addr();
		memcpy(ip, v4_prefix, 12);
		ip[12] = (uint8_t)(a >> 24), ip[13] = (uint8_t)(a >> 16), ip[14] = (uint8_t)(a >> 8),
		ip[15] = (uint8_t)a;
	}
	set_name(u, ip, u->port);
}

/* Does a socket bound at bip (IPV6_V6ONLY: v6only) take what comes to ip? */
static bool covers_ip(const uint8_t *bip, bool v6only, const uint8_t *ip)
{
	if (memcmp(bip, ip, 16) == 0)
		return true;
	if (memcmp(bip, zeros, 16) == 0) /* :: */
		return !(v6only && is_v4(ip));
	return is_v4(bip) && is_any(bip) && is_v4(ip); /* 0.0.0.0 */
}

/* Does b, holding its port, take what comes to ip? */
static bool covers(const struct usock *b, const uint8_t *ip)
{
	return covers_ip(b->ip, b->v6only, ip);
}

/*
 * TIME_WAIT. As on Linux, the end of a TCP connection that closed first
 * keeps its address and port for TIME_WAIT_NS after the other end's close
 * (FIN_WAIT2 until then, for as long at most), so that a new socket cannot
 * take them at once: a record of its own, on a list in the shared header,
 * once the socket is gone. A socket that resets its connection leaves none
 * and ends the record of a peer waiting for it.
 */
#define TIME_WAIT_NS (60 * 1000000000ULL) /* Linux's TCP_TIMEWAIT_LEN, which is its FIN_WAIT2 time too */
#define TW_MAX 4096 /* records at most: past them a port is free at once (Linux's tcp_max_tw_buckets says so too) */
struct tw {
	struct tw *next;
	uint8_t ip[16], rip[16]; /* the connection's two ends, IPv4 as ::ffff:a.b.c.d */
	uint16_t port, rport;
	int family, state; /* TCP_FIN_WAIT2 (the other end still open) or TCP_TIME_WAIT */
	bool v6only, reuseaddr, reuseport; /* the closed socket's options: a new bind may share the port as with it */
	uint64_t until; /* when it ends (clock_ns) */
};

/* The list of the records of port: a short one, so that a lookup costs the same however many there are. */
static struct tw **tw_list(uint16_t port)
{
	return (struct tw **)&LX_SH->loopback_tw[port % LX_TW_BUCKETS];
}

/* Forget the records of list *pp whose time is over. */
static void tw_prune_list(struct tw **pp)
{
	uint64_t now = clock_ns();
	while (*pp) {
		struct tw *w = *pp;
		if (w->until > now) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		lx_free(w);
		LX_SH->loopback_ntw--;
	}
}

/* Forget every record whose time is over. */
static void tw_prune(void)
{
	for (int b = 0; b < LX_TW_BUCKETS; b++)
		tw_prune_list((struct tw **)&LX_SH->loopback_tw[b]);
}

/* Would u, bound at ip and port, clash with a record? As with a socket (reusable), but a record never listens. */
static bool tw_in_use(const struct usock *u, const uint8_t *ip, uint16_t port)
{
	if (u->s.type != SOCK_STREAM)
		return false;
	tw_prune_list(tw_list(port));
	for (const struct tw *w = *tw_list(port); w; w = w->next)
		if (w->port == port && (covers_ip(w->ip, w->v6only, ip) || covers_ip(ip, u->v6only, w->ip)) &&
		    !(w->reuseport && sock_flag(&u->s, SO_REUSEPORT)) &&
		    !(w->reuseaddr && sock_flag(&u->s, SO_REUSEADDR)))
			return true;
	return false;
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
	return tw_in_use(u, ip, port);
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
	/* UDP from the outside too, when there is a network (NULL: none, or lwIP's port is taken: inside only) */
	if (u->s.type == SOCK_DGRAM && !is_loopback(ip))
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

/* A record for u, which closed first and now closes its descriptor, in state until `until` (none once past it). */
static void tw_add(const struct usock *u, int state, uint64_t until)
{
	if (LX_SH->loopback_ntw >= TW_MAX)
		tw_prune();
	struct tw *w = LX_SH->loopback_ntw < TW_MAX && until > clock_ns() ? lx_alloc(sizeof(*w)) : NULL;
	if (!w)
		return;
	name_ip(u->s.family, &u->name, w->ip, &w->port);
	name_ip(u->s.family, &u->peer->name, w->rip, &w->rport);
	w->family = u->s.family;
	w->state = state;
	w->v6only = u->v6only;
	w->reuseaddr = sock_flag(&u->s, SO_REUSEADDR);
	w->reuseport = sock_flag(&u->s, SO_REUSEPORT);
	w->until = until;
	w->next = *tw_list(w->port);
	*tw_list(w->port) = w;
	LX_SH->loopback_ntw++;
}

/* The record of the connection from ip:port to rip:rport (the end that closed first), or NULL. */
static struct tw **tw_find(const uint8_t *ip, uint16_t port, const uint8_t *rip, uint16_t rport)
{
	for (struct tw **pp = tw_list(port); *pp; pp = &(*pp)->next)
		if ((*pp)->port == port && (*pp)->rport == rport && memcmp((*pp)->ip, ip, 16) == 0 &&
		    memcmp((*pp)->rip, rip, 16) == 0)
			return pp;
	return NULL;
}

/*
 * u ends its sending (how: U_FIN_*). The first end to do so closes first:
 * when the other's end comes, it is in TIME_WAIT, and when its descriptor
 * closes a record keeps its port (FIN_WAIT2 while the other end is open).
 * The other end's close moves that record to TIME_WAIT; a reset ends it.
 */
static void lo_fin(struct usock *u, int how)
{
	struct usock *p = u->peer;
	uint8_t ip[16], rip[16];
	uint16_t port, rport;
	name_ip(p->s.family, &p->name, ip, &port);
	name_ip(p->s.family, &u->name, rip, &rport);
	struct tw **pw = p->dead && p->fin_first ? tw_find(ip, port, rip, rport) : NULL;
	if (how == U_FIN_RESET) {
		if (pw) {
			struct tw *w = *pw;
			*pw = w->next;
			lx_free(w);
			LX_SH->loopback_ntw--;
		}
		return;
	}
	if (!u->fin_sent) {
		u->fin_sent = true;
		u->fin_first = !p->fin_sent;
		if (!u->fin_first) {
			p->peer_fin_ns = clock_ns();
			if (pw) /* its wait for this end is over: TIME_WAIT from now */
				(*pw)->state = TCP_TIME_WAIT, (*pw)->until = p->peer_fin_ns + TIME_WAIT_NS;
		}
	}
	if (how == U_FIN_CLOSE && u->fin_first) {
		if (p->fin_sent)
			tw_add(u, TCP_TIME_WAIT, u->peer_fin_ns + TIME_WAIT_NS);
		else
			tw_add(u, TCP_FIN_WAIT2, clock_ns() + TIME_WAIT_NS);
	}
}

/* The time left until `until` (clock_ns), in hundredths of a second. */
static uint64_t left_cs(uint64_t until)
{
	uint64_t now = clock_ns();
	return until > now ? (until - now) / 10000000 : 0;
}

/* u's row: a listener (its accept queue's length), or connected to its peer (its unread bytes); its state as TCP's would be. */
static void proc_row(struct procnet *p, struct usock *u)
{
	struct procnet_sock r = { .state = TCP_LISTEN, .uid = u->s.uid, .ino = u->s.ino };
	name_ip(u->s.family, &u->name, r.lip, &r.lport);
	if (u->state == U_LISTEN) {
		r.rxq = (size_t)u->npending;
		procnet_row(p, &r);
		return;
	}
	name_ip(u->s.family, &u->peer->name, r.rip, &r.rport);
	if (u->fin_sent && u->peer->fin_sent) { /* both ends have closed: TIME_WAIT if it was first, else gone */
		if (!u->fin_first)
			return;
		r.state = TCP_TIME_WAIT, r.timer = PROCNET_TIMER_TIME_WAIT;
		r.when_cs = left_cs(u->peer_fin_ns + TIME_WAIT_NS);
		r.uid = 0, r.ino = 0; /* as Linux: the socket itself is closed, its port held */
		procnet_row(p, &r);
		return;
	}
	if (u->peer->dead) /* (its own shutdown is no longer told from the peer's close) */
		r.state = TCP_CLOSE_WAIT;
	else
		r.state = u->shut & U_SHUT_WR ? TCP_FIN_WAIT2 : TCP_ESTABLISHED;
	long inq = u->s.ops->inq(&u->s);
	r.rxq = inq > 0 ? (size_t)inq : 0; /* (what it sent is the peer's already: txq 0) */
	procnet_row(p, &r);
}

/* Every TCP listener and connection (either end, accepted or not) of p's family. */
void loopback_proc_tcp(struct procnet *p)
{
	int family = p->v6 ? AF_INET6 : AF_INET;
	for (struct usock *u = usock_next(NULL); u; u = usock_next(u))
		if (u->naming == &lo_naming && u->s.type == SOCK_STREAM && u->s.family == family && !u->dead &&
		    (u->state == U_LISTEN || (u->state == U_CONN && u->peer)))
			proc_row(p, u);
	tw_prune();
	for (int b = 0; b < LX_TW_BUCKETS; b++)
		for (const struct tw *w = LX_SH->loopback_tw[b]; w; w = w->next) {
			if (w->family != family)
				continue;
			struct procnet_sock r = { .lport = w->port,
						  .rport = w->rport,
						  .state = w->state,
						  .timer = PROCNET_TIMER_TIME_WAIT,
						  .when_cs = left_cs(w->until) };
			memcpy(r.lip, w->ip, 16);
			memcpy(r.rip, w->rip, 16);
			procnet_row(p, &r);
		}
}

/* Every UDP socket of p's family that has a port: unconnected (TCP_CLOSE, as Linux shows it) or connected. */
void loopback_proc_udp(struct procnet *p)
{
	int family = p->v6 ? AF_INET6 : AF_INET;
	for (struct usock *u = usock_next(NULL); u; u = usock_next(u)) {
		if (u->naming != &lo_naming || u->s.type != SOCK_DGRAM || u->s.family != family || u->dead ||
		    !u->name.len)
			continue;
		struct procnet_sock r = { .state = u->state == U_CONN ? TCP_ESTABLISHED : TCP_CLOSE,
					  .rxq = usock_queued(u),
					  .uid = u->s.uid,
					  .ino = u->s.ino };
		name_ip(family, &u->name, r.lip, &r.lport);
		if (u->peer || u->remote) /* connected inside, or outside (udp.c) */
			name_ip(family, u->peer ? &u->peer->name : u->remote, r.rip, &r.rport);
		procnet_row(p, &r);
	}
}

static const struct unaming lo_naming = { true,         lo_bind,   lo_find,   lo_autobind, lo_unbind,    lo_unnamed,
					  lo_connected, lo_source, lo_setopt, lo_getopt,   lo_listening, lo_fin };

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
