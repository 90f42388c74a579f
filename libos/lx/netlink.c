/* AF_NETLINK sockets of the NETLINK_ROUTE protocol: dumps of the interfaces, their addresses and routes, read-only. */
#include "libos/lx/lx.h"

/*
 * What glibc's and musl's getifaddrs, if_nameindex and getaddrinfo with
 * AI_ADDRCONFIG ask, and busybox `ip` shows: RTM_GETLINK, RTM_GETADDR and
 * RTM_GETROUTE, as dumps (NLM_F_DUMP) or, for a link, by index or name. The
 * answers come from the interface table (netif.c) and wait, as datagrams
 * of at most NLMSG_GOODSIZE bytes each, in the socket's queue until the
 * program receives them; a dump ends with NLMSG_DONE. Every other request
 * (and every change: a new address, a deleted route) is answered with an
 * NLMSG_ERROR: EOPNOTSUPP, since nothing here changes an interface; a
 * RTM_NEWLINK that leaves a link's flags as they are (bringing lo up)
 * succeeds, as SIOCSIFFLAGS does.
 * Multicast groups may be joined, and no event is ever sent to them.
 */

struct nl_dgram {
	struct nl_dgram *next;
	uint32_t len;
	uint8_t data[];
};

struct nlsock {
	struct sock s; /* first: a struct sock * is a struct nlsock * */
	uint32_t portid; /* 0 until bound (by bind, or at the first send) */
	uint32_t groups;
	struct nlsock *next_bound; /* LX_SH->netlink_bound */
	struct nl_dgram *head, *tail; /* received, not yet read */
};

static struct nlsock *nl(struct sock *s)
{
	return (struct nlsock *)s;
}

/* ---- port ids ---- */

static bool port_taken(uint32_t portid)
{
	for (struct nlsock *o = LX_SH->netlink_bound; o; o = o->next_bound)
		if (o->portid == portid)
			return true;
	return false;
}

/* Give n portid (0: the process's pid if free, else a negative number, as Linux does): 0, -EADDRINUSE. */
static long nl_hold(struct nlsock *n, uint32_t portid)
{
	static int32_t next_auto = -4096;
	if (portid == 0) {
		portid = (uint32_t)lx_pid;
		while (port_taken(portid))
			portid = (uint32_t)next_auto--;
	} else if (port_taken(portid)) {
		return -EADDRINUSE;
	}
	n->portid = portid;
	n->next_bound = LX_SH->netlink_bound;
	LX_SH->netlink_bound = n;
	return 0;
}

static long nl_bind(struct sock *s, const void *addr, int len)
{
	const struct linux_sockaddr_nl *a = addr;
	struct nlsock *n = nl(s);
	if (len < (int)sizeof(*a) || a->family != AF_NETLINK)
		return -EINVAL;
	n->groups = a->groups;
	if (n->portid)
		return a->pid && a->pid != n->portid ? -EINVAL : 0;
	return nl_hold(n, a->pid);
}

/* The kernel is the only peer there is: connect to port 0 binds, to any other is refused. */
static long nl_connect(struct sock *s, const void *addr, int len, bool nonblock)
{
	const struct linux_sockaddr_nl *a = addr;
	(void)nonblock;
	if (len >= 2 && a->family == AF_UNSPEC)
		return 0;
	if (len < (int)sizeof(*a) || a->family != AF_NETLINK)
		return -EINVAL;
	if (a->pid != 0)
		return -ECONNREFUSED;
	return nl(s)->portid ? 0 : nl_hold(nl(s), 0);
}

static long nl_name(struct sock *s, bool peer, void *addr, int *len)
{
	struct linux_sockaddr_nl a = { AF_NETLINK, 0, peer ? 0 : nl(s)->portid, peer ? 0 : nl(s)->groups };
	memcpy(addr, &a, sizeof(a));
	*len = sizeof(a);
	return 0;
}

/* ---- building answers ---- */

/* An answer being built: datagrams of up to NLMSG_GOODSIZE bytes, queued on the socket at the end. */
struct reply {
	struct nlsock *n;
	const struct linux_nlmsghdr *req;
	struct nl_dgram *d; /* the datagram being filled, NLMSG_GOODSIZE bytes of room */
	uint32_t msg; /* where the message being built starts in d */
	long err; /* -ENOMEM once memory ran out */
};

/* Queue the datagram being filled, if it holds anything. */
static void flush(struct reply *r)
{
	struct nl_dgram *d = r->d;
	r->d = NULL;
	if (!d)
		return;
	if (!d->len) {
		lx_free(d);
		return;
	}
	if (r->n->tail)
		r->n->tail->next = d;
	else
		r->n->head = d;
	r->n->tail = d;
}

/* Room for size more bytes of the message being built (which moves, whole, to a new datagram if it must); NULL: no memory. */
static uint8_t *room(struct reply *r, uint32_t size)
{
	if (r->d && r->d->len + size > NLMSG_GOODSIZE && r->msg > 0) {
		struct nl_dgram *old = r->d;
		uint32_t part = old->len - r->msg;
		flush(r);
		r->d = lx_alloc(sizeof(struct nl_dgram) + NLMSG_GOODSIZE);
		if (r->d) {
			memcpy(r->d->data, old->data + r->msg, part);
			r->d->len = part;
		}
		old->len = r->msg;
		r->msg = 0;
	}
	if (!r->d && !r->err) {
		r->d = lx_alloc(sizeof(struct nl_dgram) + NLMSG_GOODSIZE);
		r->msg = 0;
	}
	if (!r->d || r->d->len + size > NLMSG_GOODSIZE) {
		r->err = -ENOMEM;
		return NULL;
	}
	uint8_t *p = r->d->data + r->d->len;
	r->d->len += NLMSG_ALIGN4(size);
	memset(p, 0, NLMSG_ALIGN4(size));
	return p;
}

/* Start a message of type with a fixed part of fixed bytes (returned, zeroed), echoing the request's sequence number. */
static void *msg_start(struct reply *r, uint16_t type, uint16_t flags, uint32_t fixed)
{
	if (r->d)
		r->msg = r->d->len;
	struct linux_nlmsghdr *h = (void *)room(r, sizeof(*h) + fixed);
	if (!h)
		return NULL;
	*h = (struct linux_nlmsghdr){ 0, type, flags, r->req->seq, r->n->portid };
	return h + 1;
}

/* An attribute of the message being built. */
static void attr(struct reply *r, uint16_t type, const void *data, uint16_t len)
{
	struct linux_rtattr *a = (void *)room(r, sizeof(*a) + len);
	if (!a)
		return;
	*a = (struct linux_rtattr){ (uint16_t)(sizeof(*a) + len), type };
	memcpy(a + 1, data, len);
}

static void attr_u32(struct reply *r, uint16_t type, uint32_t v)
{
	attr(r, type, &v, sizeof(v));
}

/* End the message being built: its length into its header. */
static void msg_end(struct reply *r)
{
	if (!r->d || r->err)
		return;
	struct linux_nlmsghdr *h = (void *)(r->d->data + r->msg);
	h->len = r->d->len - r->msg;
}

/* ---- links, addresses, routes ---- */

static void link_msg(struct reply *r, const struct lx_netif *n, uint16_t flags)
{
	struct linux_ifinfomsg *m = msg_start(r, RTM_NEWLINK, flags, sizeof(*m));
	if (!m)
		return;
	*m = (struct linux_ifinfomsg){ AF_UNSPEC, 0, (uint16_t)n->type, n->index, n->flags, 0 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, none[6];
	attr(r, IFLA_IFNAME, n->name, (uint16_t)(strlen(n->name) + 1));
	attr_u32(r, IFLA_TXQLEN, n->txqlen);
	uint8_t oper = (n->flags & IFF_LOOPBACK)  ? IF_OPER_UNKNOWN
		       : (n->flags & IFF_RUNNING) ? IF_OPER_UP
						  : IF_OPER_DOWN;
	attr(r, IFLA_OPERSTATE, &oper, 1);
	uint8_t mode = 0;
	attr(r, IFLA_LINKMODE, &mode, 1);
	attr_u32(r, IFLA_MTU, n->mtu);
	attr_u32(r, IFLA_GROUP, 0);
	attr(r, IFLA_ADDRESS, n->mac, 6);
	attr(r, IFLA_BROADCAST, (n->flags & IFF_BROADCAST) ? bcast : none, 6);
	struct linux_link_stats st = { 0 };
	st.rx_packets = (uint32_t)n->counts.rx_packets;
	st.tx_packets = (uint32_t)n->counts.tx_packets;
	st.rx_bytes = (uint32_t)n->counts.rx_bytes;
	st.tx_bytes = (uint32_t)n->counts.tx_bytes;
	st.rx_dropped = (uint32_t)n->counts.rx_dropped;
	st.tx_dropped = (uint32_t)n->counts.tx_dropped;
	attr(r, IFLA_STATS, &st, sizeof(st));
	msg_end(r);
}

/* The scope Linux gives an IPv6 address: host (::1), link (fe80::/10), site (fec0::/10) or universe. */
static uint8_t scope6(const uint8_t ip[16])
{
	static const uint8_t one[16] = { [15] = 1 };
	if (memcmp(ip, one, 16) == 0)
		return RT_SCOPE_HOST;
	if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
		return RT_SCOPE_LINK;
	return ip[0] == 0xfe && (ip[1] & 0xc0) == 0xc0 ? RT_SCOPE_SITE : RT_SCOPE_UNIVERSE;
}

/* One RTM_NEWADDR for n's IPv4 address (v6 < 0) or its IPv6 address number v6. */
static void addr_msg(struct reply *r, const struct lx_netif *n, int v6)
{
	struct linux_ifaddrmsg *m = msg_start(r, RTM_NEWADDR, NLM_F_MULTI, sizeof(*m));
	if (!m)
		return;
	uint8_t scope = (n->flags & IFF_LOOPBACK) ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
	/* an address from a router's advertisement is "dynamic" (not permanent), as Linux's SLAAC ones */
	uint32_t flags = v6 > 0 && scope6(n->ip6[v6]) != RT_SCOPE_LINK ? 0 : IFA_F_PERMANENT;
	if (v6 >= 0)
		scope = scope6(n->ip6[v6]);
	*m = (struct linux_ifaddrmsg){ v6 >= 0 ? AF_INET6 : AF_INET, v6 >= 0 ? n->prefix6[v6] : n->prefix4,
				       (uint8_t)flags, scope, (uint32_t)n->index };
	attr(r, IFA_ADDRESS, v6 >= 0 ? n->ip6[v6] : n->ip4, v6 >= 0 ? 16 : 4);
	if (v6 < 0) {
		attr(r, IFA_LOCAL, n->ip4, 4);
		if (!(n->flags & IFF_LOOPBACK)) {
			uint32_t host = n->prefix4 >= 32 ? 0 : ~0U >> n->prefix4;
			uint8_t b[4];
			for (int i = 0; i < 4; i++)
				b[i] = (uint8_t)(n->ip4[i] | (host >> (24 - 8 * i)));
			attr(r, IFA_BROADCAST, b, 4);
		}
		attr(r, IFA_LABEL, n->name, (uint16_t)(strlen(n->name) + 1));
	}
	attr_u32(r, IFA_FLAGS, flags);
	struct linux_ifa_cacheinfo ci = { 0xffffffffU, 0xffffffffU, 0, 0 };
	attr(r, IFA_CACHEINFO, &ci, sizeof(ci));
	msg_end(r);
}

/*
 * One RTM_NEWROUTE of the main table: to dst/len through gw (NULL: on the
 * link) from n, IPv4 or (v6) IPv6. IPv6's are as Linux has them: every route
 * of scope universe, the default one learnt from a router (RTPROT_RA), and
 * no preferred source.
 */
static void route_msg(struct reply *r, const struct lx_netif *n, bool v6, const uint8_t *dst, int len,
		      const uint8_t *gw)
{
	struct linux_rtmsg *m = msg_start(r, RTM_NEWROUTE, NLM_F_MULTI, sizeof(*m));
	if (!m)
		return;
	uint8_t proto = gw ? (v6 ? RTPROT_RA : RTPROT_BOOT) : RTPROT_KERNEL;
	*m = (struct linux_rtmsg){ v6 ? AF_INET6 : AF_INET,
				   (uint8_t)len,
				   0,
				   0,
				   RT_TABLE_MAIN,
				   proto,
				   gw || v6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
				   RTN_UNICAST,
				   0 };
	uint16_t alen = v6 ? 16 : 4;
	attr_u32(r, RTA_TABLE, RT_TABLE_MAIN);
	if (len)
		attr(r, RTA_DST, dst, alen);
	if (gw)
		attr(r, RTA_GATEWAY, gw, alen);
	else if (!v6)
		attr(r, RTA_PREFSRC, n->ip4, 4);
	attr_u32(r, RTA_OIF, (uint32_t)n->index);
	if (v6)
		attr_u32(r, RTA_PRIORITY, gw ? 1024 : 256);
	msg_end(r);
}

/* The address family a dump request asks for (its first byte after the header), AF_UNSPEC if it names none. */
static int req_family(const struct linux_nlmsghdr *h)
{
	return h->len > sizeof(*h) ? ((const uint8_t *)(h + 1))[0] : AF_UNSPEC;
}

static void dump_links(struct reply *r)
{
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		link_msg(r, n, NLM_F_MULTI);
}

static void dump_addrs(struct reply *r)
{
	int fam = req_family(r->req);
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		if (n->has_ip4 && (fam == AF_UNSPEC || fam == AF_INET))
			addr_msg(r, n, -1);
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		for (int k = 0; k < n->nip6 && (fam == AF_UNSPEC || fam == AF_INET6); k++)
			addr_msg(r, n, k);
}

/* The IPv6 part of the main table: each prefix of n's addresses (once), and the default route through its router. */
static void routes6(struct reply *r, const struct lx_netif *n)
{
	uint8_t nets[LX_NETIF_IP6][16];
	int nnets = 0;
	for (int k = 0; k < n->nip6; k++) {
		uint8_t net[16] = { 0 };
		for (int b = 0; b < n->prefix6[k] && b < 128; b++)
			net[b / 8] |= (uint8_t)(n->ip6[k][b / 8] & (0x80 >> (b % 8)));
		bool seen = false;
		for (int j = 0; j < nnets; j++)
			seen = seen || memcmp(nets[j], net, 16) == 0;
		if (seen)
			continue;
		memcpy(nets[nnets++], net, 16);
		route_msg(r, n, true, net, n->prefix6[k], NULL);
	}
	if (n->has_gw6)
		route_msg(r, n, true, NULL, 0, n->gw6);
}

/* The main table: each interface's subnets, and default routes through routers. lo's routes are in Linux's local table, not here. */
static void dump_routes(struct reply *r)
{
	int fam = req_family(r->req);
	const struct lx_netif *n;
	for (int i = 1; (n = lx_netif_at(i)) != NULL && (fam == AF_UNSPEC || fam == AF_INET); i++) {
		if (!n->has_ip4)
			continue;
		if (n->has_gw4)
			route_msg(r, n, false, NULL, 0, n->gw4);
		uint32_t mask = n->prefix4 ? ~0U << (32 - n->prefix4) : 0;
		uint8_t net[4];
		for (int k = 0; k < 4; k++)
			net[k] = (uint8_t)(n->ip4[k] & (mask >> (24 - 8 * k)));
		route_msg(r, n, false, net, n->prefix4, NULL);
	}
	for (int i = 1; (n = lx_netif_at(i)) != NULL && (fam == AF_UNSPEC || fam == AF_INET6); i++)
		routes6(r, n);
}

/* The link a RTM_GETLINK or RTM_NEWLINK request names, by its index or, with index 0, its IFLA_IFNAME; NULL: none. */
static const struct lx_netif *named_link(const struct linux_nlmsghdr *h, const struct linux_ifinfomsg *m)
{
	if (m->index)
		return lx_netif_by_index(m->index);
	for (uint32_t at = sizeof(*h) + sizeof(*m); at + sizeof(struct linux_rtattr) <= h->len;) {
		const struct linux_rtattr *a = (const void *)((const uint8_t *)h + at);
		if (a->len < sizeof(*a) || at + a->len > h->len)
			break;
		const struct lx_netif *c;
		for (int i = 0; a->type == IFLA_IFNAME && (c = lx_netif_at(i)) != NULL; i++)
			if (strnlen((const char *)(a + 1), a->len - sizeof(*a)) == strlen(c->name) &&
			    memcmp(a + 1, c->name, strlen(c->name)) == 0)
				return c;
		at += NLMSG_ALIGN4(a->len);
	}
	return NULL;
}

/* RTM_GETLINK of one link: 0, or -EINVAL (too short), -ENODEV. */
static long get_link(struct reply *r)
{
	const struct linux_nlmsghdr *h = r->req;
	const struct linux_ifinfomsg *m = (const void *)(h + 1);
	if (h->len < sizeof(*h) + sizeof(*m))
		return -EINVAL;
	const struct lx_netif *n = named_link(h, m);
	if (!n)
		return -ENODEV;
	link_msg(r, n, 0);
	return 0;
}

/*
 * RTM_NEWLINK on a link that exists (`ip link set lo up`): its flags become
 * the request's where its change mask says (all of them with a mask of 0),
 * as Linux combines them, through lx_netif_set_flags; any attribute but the
 * name would change something else and is -EOPNOTSUPP. 0, or -errno.
 */
static long set_link(struct reply *r)
{
	const struct linux_nlmsghdr *h = r->req;
	const struct linux_ifinfomsg *m = (const void *)(h + 1);
	if (!lx_cred_privileged())
		return -EPERM; /* Linux asks for CAP_NET_ADMIN before it reads the request */
	if (h->len < sizeof(*h) + sizeof(*m))
		return -EINVAL;
	const struct lx_netif *n = named_link(h, m);
	if (!n)
		return -ENODEV;
	for (uint32_t at = sizeof(*h) + sizeof(*m); at + sizeof(struct linux_rtattr) <= h->len;) {
		const struct linux_rtattr *a = (const void *)((const uint8_t *)h + at);
		if (a->len < sizeof(*a) || at + a->len > h->len)
			return -EINVAL;
		if (a->type != IFLA_IFNAME)
			return -EOPNOTSUPP;
		at += NLMSG_ALIGN4(a->len);
	}
	if (!m->flags && !m->change)
		return 0;
	unsigned flags = m->change ? (m->flags & m->change) | (n->flags & ~m->change) : m->flags;
	return lx_netif_set_flags(n, flags);
}

/* An NLMSG_ERROR for the request: err (0: an ack, with the request's header alone), else with the whole request. */
static void error_msg(struct reply *r, long err)
{
	uint32_t copy = err ? r->req->len : sizeof(*r->req);
	int32_t *e = msg_start(r, NLMSG_ERROR, err ? 0 : NLM_F_CAPPED, sizeof(int32_t) + copy);
	if (!e)
		return;
	*e = (int32_t)err;
	memcpy(e + 1, r->req, copy);
	msg_end(r);
}

/* Answer one request message (a complete one, h->len bytes). */
static void answer(struct nlsock *n, const struct linux_nlmsghdr *h)
{
	struct reply r = { n, h, NULL, 0, 0 };
	if (!(h->flags & NLM_F_REQUEST) || h->type < NLMSG_MIN_TYPE)
		return; /* not a request, or a control message: ignored, as Linux does */
	bool dump = (h->flags & NLM_F_DUMP) == NLM_F_DUMP;
	long err = 0;
	if (dump && (h->type == RTM_GETLINK || h->type == RTM_GETADDR || h->type == RTM_GETROUTE)) {
		if (h->type == RTM_GETLINK)
			dump_links(&r);
		else if (h->type == RTM_GETADDR)
			dump_addrs(&r);
		else
			dump_routes(&r);
		int32_t *done = msg_start(&r, NLMSG_DONE, NLM_F_MULTI, sizeof(int32_t));
		if (done)
			msg_end(&r);
	} else if (h->type == RTM_GETLINK) {
		err = get_link(&r);
	} else if (h->type == RTM_NEWLINK && !(h->flags & (NLM_F_CREATE | NLM_F_EXCL))) {
		err = set_link(&r);
	} else {
		err = -EOPNOTSUPP;
	}
	if (err || (h->flags & NLM_F_ACK))
		error_msg(&r, err);
	flush(&r);
}

/* ---- the socket ---- */

static long nl_send(struct sock *s, struct sock_msg *m)
{
	struct nlsock *n = nl(s);
	if (m->addrlen) {
		const struct linux_sockaddr_nl *a = (const void *)m->addr;
		if (m->addrlen < (int)sizeof(*a) || a->family != AF_NETLINK)
			return -EINVAL;
		if (a->pid != 0)
			return -ECONNREFUSED;
	}
	if (m->len > (size_t)s->sndbuf)
		return -EMSGSIZE;
	if (!n->portid) {
		long r = nl_hold(n, 0);
		if (r < 0)
			return r;
	}
	uint8_t *buf = lx_alloc(m->len ? m->len : 1);
	if (!buf)
		return -ENOBUFS;
	long r = sock_copy_in(m, 0, buf, m->len);
	for (size_t at = 0; r == 0 && at + sizeof(struct linux_nlmsghdr) <= m->len;) {
		const struct linux_nlmsghdr *h = (const void *)(buf + at);
		if (h->len < sizeof(*h) || h->len > m->len - at)
			break; /* a short or overlong message ends the batch, as Linux ends it */
		answer(n, h);
		at += NLMSG_ALIGN4(h->len);
	}
	lx_free(buf);
	if (r < 0)
		return r;
	sock_wake(s);
	return (long)m->len;
}

static long nl_recv(struct sock *s, struct sock_msg *m)
{
	struct nlsock *n = nl(s);
	uint64_t deadline = sock_deadline(s->rcvtimeo);
	while (!n->head) {
		if (m->nonblock)
			return -EAGAIN;
		long r = sock_wait(s, NULL, deadline);
		if (r < 0)
			return r;
	}
	struct nl_dgram *d = n->head;
	size_t k = d->len < m->len ? d->len : m->len;
	if (sock_copy_out(m, 0, d->data, k) < 0)
		return -EFAULT;
	struct linux_sockaddr_nl kernel = { AF_NETLINK, 0, 0, 0 };
	memcpy(m->addr, &kernel, sizeof(kernel));
	m->addrlen = sizeof(kernel);
	if (d->len > m->len)
		m->out_flags |= MSG_TRUNC;
	long len = (long)d->len;
	if (!(m->flags & MSG_PEEK)) {
		n->head = d->next;
		if (!n->head)
			n->tail = NULL;
		lx_free(d);
	}
	return (m->flags & MSG_TRUNC) ? len : (long)k;
}

static short nl_poll(struct sock *s)
{
	return (short)(POLLOUT | (nl(s)->head ? POLLIN : 0));
}

static long nl_inq(struct sock *s)
{
	(void)s;
	return -ENOTTY;
}

static long nl_listen(struct sock *s, int backlog)
{
	(void)s, (void)backlog;
	return -EOPNOTSUPP;
}

static long nl_accept(struct sock *s, bool nonblock, struct sock **out)
{
	(void)s, (void)nonblock, (void)out;
	return -EOPNOTSUPP;
}

static long nl_shutdown(struct sock *s, int how)
{
	(void)s, (void)how;
	return -EOPNOTSUPP;
}

/* SOL_NETLINK options: the ones iproute2 and systemd set are taken, and read back as 0. */
static bool nl_known(int level, int name)
{
	if (level != SOL_NETLINK)
		return false;
	switch (name) {
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
	case NETLINK_PKTINFO:
	case NETLINK_BROADCAST_ERROR:
	case NETLINK_NO_ENOBUFS:
	case NETLINK_LISTEN_ALL_NSID:
	case NETLINK_CAP_ACK:
	case NETLINK_EXT_ACK:
	case NETLINK_GET_STRICT_CHK:
		return true;
	default:
		return false;
	}
}

static long nl_setopt(struct sock *s, int level, int name, uint64_t uval, long len)
{
	int v;
	(void)s;
	if (!nl_known(level, name))
		return -ENOPROTOOPT;
	return sock_opt_int(uval, len, &v);
}

static long nl_getopt(struct sock *s, int level, int name, void *buf)
{
	(void)s;
	if (!nl_known(level, name) || name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP)
		return -ENOPROTOOPT;
	memset(buf, 0, sizeof(int));
	return sizeof(int);
}

static void nl_release(struct sock *s)
{
	struct nlsock *n = nl(s);
	for (struct nlsock **pp = (struct nlsock **)&LX_SH->netlink_bound; *pp; pp = &(*pp)->next_bound)
		if (*pp == n) {
			*pp = n->next_bound;
			break;
		}
	while (n->head) {
		struct nl_dgram *d = n->head;
		n->head = d->next;
		lx_free(d);
	}
	lx_waitq_free(&s->wq);
	lx_free(n);
}

static const struct sock_ops nl_ops = { nl_bind, nl_listen, nl_accept, nl_connect, nl_send,   nl_recv,   nl_shutdown,
					nl_name, nl_poll,   nl_inq,    nl_setopt,  nl_getopt, nl_release };

/* socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE); another protocol is EPROTONOSUPPORT, another type ESOCKTNOSUPPORT. */
static long nl_create(int type, int protocol, struct sock **out)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nlsock *n = lx_alloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	sock_init(&n->s, &nl_ops, AF_NETLINK, type, protocol);
	*out = &n->s;
	return 0;
}

const struct sock_family netlink_family = { nl_create, NULL };
