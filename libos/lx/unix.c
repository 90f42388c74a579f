/* AF_UNIX sockets: stream, datagram and seqpacket; path and abstract names; SCM_RIGHTS and SCM_CREDENTIALS. */
#include "libos/lx/vfs.h"
#include "libos/lx/unix.h"
#include "libos/lx/net.h"
#include "libos/lx/netif.h"
#include "libos/lx/procfs.h"
#include "libos/lx/procnet.h"

/*
 * Every socket keeps a queue of records (struct urec) it has received: a
 * write of a stream, or one datagram or seqpacket message, with the files
 * and credentials sent along. A record holds its sender, whose tx_bytes
 * count it until it is read: a sender waits while its tx_bytes reach its
 * SO_SNDBUF, as Linux's do. A stream connect makes the listener's side of
 * the connection (an embryo) at once and queues it for accept.
 *
 * Names: a path name is a socket file made by bind (its inode's sock points
 * back here while the socket is open); an abstract name (a leading NUL) is
 * on a list in the shared header. References (refs): the descriptor's file,
 * each peer pointing here, each record it sent, the accept queue.
 */
#define DGRAM_OVERHEAD 32 /* a datagram may be at most SO_SNDBUF less this, as on Linux */

struct urec {
	struct urec *next;
	struct usock *from; /* the sender, held; NULL: a datagram from outside the machine (udp.c) */
	size_t len, off; /* its bytes, and (stream) those read already */
	struct file **files; /* SCM_RIGHTS, held; NULL if none */
	int nfiles;
	struct linux_ucred cred;
	struct uname name; /* the sender's, for recvfrom */
	uint8_t data[];
};
#define STREAM_CHUNK (65536 - 64 - sizeof(struct urec)) /* a stream record's most bytes: its block stays at 64 KiB */


static struct usock *us(struct sock *s)
{
	return (struct usock *)s;
}

static void us_put(struct usock *u)
{
	if (--u->refs)
		return;
	list_remove(&u->all);
	lx_free(u->remote);
	lx_free(u);
}

struct usock *usock_next(struct usock *u)
{
	struct list *n = u ? u->all.next : LX_SH->usocks.next;
	return n == &LX_SH->usocks ? NULL : list_entry(n, struct usock, all);
}

size_t usock_queued(const struct usock *u)
{
	size_t n = 0;
	for (const struct urec *r = u->rx; r; r = r->next)
		n += r->len - r->off;
	return n;
}

/*
 * /proc/net/unix's rows, one per AF_UNIX socket open: a number standing for
 * its address (which Linux hides too), its references, its flags (a
 * listener's __SO_ACCEPTCON), its type, its state (SS_UNCONNECTED 1 or
 * SS_CONNECTED 3), the inode its descriptor links to, and its name: a path,
 * or an abstract one shown with '@' for each NUL.
 */
void unix_proc(struct procfs_text *t)
{
	static const int linux_type[] = { [SOCK_STREAM] = 1, [SOCK_DGRAM] = 2, [SOCK_SEQPACKET] = 5 };
	int n = 0;
	for (struct usock *u = usock_next(NULL); u; u = usock_next(u)) {
		if (u->s.family != AF_UNIX || u->dead)
			continue;
		bool conn = u->state == U_CONN || (u->s.type == SOCK_DGRAM && u->peer);
		procfs_printf(t, "%016x: %08X 00000000 %08X %04X %02X %5lu", ++n, conn ? 3 : 2,
			      u->state == U_LISTEN ? 0x10000 : 0, linux_type[u->s.type], conn ? 3 : 1, u->s.ino);
		const char *path = u->name.sa.sun_path;
		char name[sizeof(u->name.sa.sun_path)];
		int len = u->name.len - SUN_PATH_OFFSET;
		if (len > 0 && path[0]) /* a path: up to its NUL */
			len = (int)strnlen(path, (size_t)len);
		for (int i = 0; i < len; i++) /* an abstract name: every NUL an '@' */
			name[i] = path[i] ? path[i] : '@';
		if (len > 0)
			procfs_printf(t, " %.*s", len, name);
		procfs_printf(t, "\n");
	}
}

static void rec_free(struct urec *r)
{
	for (int i = 0; i < r->nfiles; i++)
		file_put(r->files[i]);
	lx_free(r->files);
	if (r->from) {
		r->from->tx_bytes -= r->len;
		sock_wake(&r->from->s);
		us_put(r->from);
	}
	lx_free(r);
}

/* Take the first record of u's queue off it and free it. */
static void rx_pop(struct usock *u)
{
	struct urec *r = u->rx;
	u->rx = r->next;
	if (!u->rx)
		u->rx_last = NULL;
	u->rx_count--;
	rec_free(r);
	if (u->s.type != SOCK_STREAM)
		sock_wake(&u->s); /* datagram senders waiting for room in the queue */
}

static void rx_push(struct usock *u, struct urec *r)
{
	if (u->rx_last)
		u->rx_last->next = r;
	else
		u->rx = r;
	u->rx_last = r;
	u->rx_count++;
	sock_wake(&u->s);
}

bool usock_deliver(struct usock *u, size_t n, const struct uname *from, void (*fill)(void *dst, size_t n, void *arg),
		   void *arg)
{
	if (u->dead || (u->shut & U_SHUT_RD) || u->rx_count >= USOCK_OUTSIDE_QLEN ||
	    usock_queued(u) + n > (size_t)u->s.rcvbuf)
		return false;
	struct urec *r = lx_alloc_unzeroed(sizeof(*r) + n, sizeof(*r));
	if (!r)
		return false;
	fill(r->data, n, arg);
	r->len = n;
	r->name = *from;
	rx_push(u, r);
	return true;
}

static const struct unaming unix_naming;
static const struct sock_ops unix_ops;

long usock_create(const struct unaming *nm, int family, int type, int protocol, struct sock **out)
{
	struct usock *u = lx_alloc(sizeof(*u));
	if (!u)
		return -ENOMEM;
	sock_init(&u->s, &unix_ops, family, type, protocol);
	u->naming = nm;
	u->refs = 1;
	list_push_front(&LX_SH->usocks, &u->all);
	*out = &u->s;
	return 0;
}

static long unix_create(int type, int protocol, struct sock **out)
{
	if (protocol != 0 && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	return usock_create(&unix_naming, AF_UNIX, type, 0, out);
}

/* Point a at b and b at a, both connected. */
static void join(struct usock *a, struct usock *b)
{
	a->peer = b, b->peer = a;
	a->refs++, b->refs++;
	a->state = b->state = U_CONN;
}

static long unix_pair(struct sock *a, struct sock *b)
{
	join(us(a), us(b));
	a->peercred = b->peercred = sock_cred();
	return 0;
}

/* ---- names ---- */

/* Check an address as Linux does (a family and at least one byte of path): 0 or -EINVAL. */
static long addr_check(const struct linux_sockaddr_un *sa, int len)
{
	return len <= SUN_PATH_OFFSET || len > (int)sizeof(*sa) || sa->sun_family != AF_UNIX ? -EINVAL : 0;
}

/* The name an address means, as getsockname will report it (a path: up to its NUL, and the NUL). */
static void name_of(const struct linux_sockaddr_un *sa, int len, struct uname *n)
{
	memset(n, 0, sizeof(*n));
	memcpy(&n->sa, sa, (size_t)len);
	n->len = sa->sun_path[0] ? SUN_PATH_OFFSET + (int)strnlen(n->sa.sun_path, UNIX_PATH_MAX) + 1 : len;
	if (n->len > (int)sizeof(n->sa))
		n->len = (int)sizeof(n->sa); /* 108 bytes of path and no NUL */
}

static struct usock *abstract_find(const struct uname *n)
{
	for (struct usock *u = LX_SH->unix_abstract; u; u = u->next_named)
		if (u->name.len == n->len && memcmp(&u->name.sa, &n->sa, (size_t)n->len) == 0)
			return u;
	return NULL;
}

static void abstract_add(struct usock *u)
{
	u->next_named = LX_SH->unix_abstract;
	LX_SH->unix_abstract = u;
}

static void abstract_remove(struct usock *u)
{
	struct usock **pp = (struct usock **)&LX_SH->unix_abstract;
	while (*pp && *pp != u)
		pp = &(*pp)->next_named;
	if (*pp)
		*pp = u->next_named;
}

/* An abstract name of five hex digits for an unnamed socket, as Linux's autobind: 0 or -ENOSPC. */
static long autobind(struct usock *u)
{
	static const char hex[] = "0123456789abcdef";
	for (int tries = 0; tries < 0x100000; tries++) {
		uint32_t k = LX_SH->unix_autobind++ & 0xfffff;
		struct uname n = { SUN_PATH_OFFSET + 6, { AF_UNIX, { 0 } } };
		for (int i = 0; i < 5; i++)
			n.sa.sun_path[1 + i] = hex[(k >> (4 * (4 - i))) & 0xf];
		if (!abstract_find(&n)) {
			u->name = n;
			abstract_add(u);
			return 0;
		}
	}
	return -ENOSPC;
}

/* The path of a path name, NUL-terminated, into path[UNIX_PATH_MAX + 1]. */
static void path_of_name(const struct uname *n, char *path)
{
	memcpy(path, n->sa.sun_path, UNIX_PATH_MAX);
	path[UNIX_PATH_MAX] = 0;
}

/* Make the socket file of path name n for u. */
static long bind_path(struct usock *u, const struct uname *n)
{
	struct lookup lk;
	char path[UNIX_PATH_MAX + 1];
	path_of_name(n, path);
	long r = path_lookup(AT_FDCWD, path, 0, &lk);
	if (r < 0)
		return r;
	if (lk.node)
		return -EADDRINUSE;
	if (lk.dir->nlink == 0)
		return -ENOENT;
	if (!lx_cred_may(lk.dir, W_OK | X_OK, false))
		return -EACCES;
	struct inode *node = vfs_mknode(lk.dir, lk.name, S_IFSOCK | (0777 & ~vfs_umask));
	if (!node)
		return -ENOMEM;
	inode_hold(node);
	node->sock = u;
	u->node = node;
	u->name = *n;
	return 0;
}

static long unix_bind_name(struct usock *u, const void *addr, int len)
{
	const struct linux_sockaddr_un *sa = addr;
	struct uname n;
	if (len == SUN_PATH_OFFSET && sa->sun_family == AF_UNIX)
		return u->name.len ? -EINVAL : autobind(u);
	long r = addr_check(sa, len);
	if (r < 0)
		return r;
	if (u->name.len)
		return -EINVAL;
	name_of(sa, len, &n);
	if (n.sa.sun_path[0])
		return bind_path(u, &n);
	if (abstract_find(&n))
		return -EADDRINUSE;
	u->name = n;
	abstract_add(u);
	return 0;
}

static long unix_bind(struct sock *s, const void *addr, int len)
{
	return us(s)->naming->bind(us(s), addr, len);
}

/* The socket an address names, for a connect or a send from u: NULL with *err. */
static struct usock *unix_find(struct usock *u, const void *addr, int len, long *err)
{
	int type = u->s.type;
	struct uname n;
	struct usock *o = NULL;
	if ((*err = addr_check(addr, len)) < 0)
		return NULL;
	name_of(addr, len, &n);
	if (!n.sa.sun_path[0]) {
		o = abstract_find(&n);
	} else {
		struct lookup lk;
		char path[UNIX_PATH_MAX + 1];
		path_of_name(&n, path);
		if ((*err = path_lookup(AT_FDCWD, path, LOOK_FOLLOW, &lk)) < 0)
			return NULL;
		if (!lk.node)
			*err = -ENOENT;
		else if (!lx_cred_may(lk.node, W_OK, false))
			*err = -EACCES;
		else if ((lk.node->mode & S_IFMT) == S_IFSOCK)
			o = lk.node->sock;
		if (*err < 0)
			return NULL;
	}
	if (o && o->s.type != type && !n.sa.sun_path[0])
		o = NULL; /* an abstract name is looked up with its type: another type's is not found */
	*err = !o ? -ECONNREFUSED : o->s.type != type ? -EPROTOTYPE : 0;
	return *err ? NULL : o;
}

static long unix_name(struct sock *s, bool peer, void *addr, int *len)
{
	struct usock *u = us(s);
	if (peer && (u->state != U_CONN || (!u->peer && !u->remote)))
		return -ENOTCONN;
	const struct uname *n = !peer ? &u->name : u->peer ? &u->peer->name : u->remote;
	*len = n->len ? n->len : u->naming->unnamed(u, addr);
	if (n->len)
		memcpy(addr, &n->sa, (size_t)n->len);
	return 0;
}

static int unix_unnamed(const struct usock *u, void *addr)
{
	(void)u;
	uint16_t family = AF_UNIX;
	memcpy(addr, &family, sizeof(family));
	return SUN_PATH_OFFSET;
}

/* A socket that is to send or connect gets a name first where its family wants one: 0 or -errno. */
static long name_first(struct usock *u)
{
	return !u->name.len && (u->s.passcred || u->naming->inet) ? u->naming->autobind(u) : 0;
}

/* ---- connections ---- */

/* Does a TCP listener at u's address take connections from the outside too (bound to "any" or an address of eth0)? */
static bool listens_outside(const struct usock *u)
{
	static const uint8_t any6[16], any4[16] = { [10] = 0xff, [11] = 0xff };
	return u->naming->inet && u->s.type == SOCK_STREAM &&
	       (memcmp(u->ip, any4, 16) == 0 || memcmp(u->ip, any6, 16) == 0 || loopback_own(u->ip));
}

/*
 * Another listener on u's port that takes connections from the outside
 * (SO_REUSEPORT lets several share it) and has no listener of lwIP's: the
 * one to hand u's over to when u closes, or NULL. Only one of them holds
 * lwIP's, and those from the outside come to it; inside the machine they
 * take turns (loopback.c).
 */
static struct usock *listener_heir(const struct usock *u)
{
	for (struct usock *b = LX_SH->loopback_bound; b; b = b->next_named)
		if (b != u && b->port == u->port && b->state == U_LISTEN && !b->dead && !b->net && listens_outside(b))
			return b;
	return NULL;
}

static long unix_listen(struct sock *s, int backlog)
{
	struct usock *u = us(s);
	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (u->state == U_CONN || (!u->name.len && !u->naming->inet))
		return -EINVAL;
	long err = u->name.len ? 0 : u->naming->autobind(u);
	if (err == 0 && u->state != U_LISTEN && u->naming->listening)
		err = u->naming->listening(u);
	if (err < 0)
		return err;
	u->state = U_LISTEN;
	u->backlog = backlog;
	if (!u->net && listens_outside(u))
		u->net = net_listen(s, u->ip, u->port, backlog, u->v6only); /* NULL (no network): inside only */
	s->listening = true;
	s->peercred = sock_cred();
	sock_wake(s);
	return 0;
}

/*
 * A dgram connect: o becomes the only socket u sends to and receives from
 * (AF_UNSPEC: none); or, for UDP to an address outside the machine that
 * eth0 has a route to, that address, which lwIP's socket sends to and
 * takes datagrams from (udp.c).
 */
static long dgram_connect(struct usock *u, const struct linux_sockaddr_un *sa, int len)
{
	long err;
	struct usock *o = NULL;
	struct uname remote = { 0 };
	uint8_t ip[16];
	uint32_t scope;
	uint16_t port;
	if (len >= SUN_PATH_OFFSET && sa->sun_family == AF_UNSPEC) {
		u->state = U_UNCONN;
	} else {
		if ((err = name_first(u)) < 0)
			return err;
		if (!(o = u->naming->find(u, sa, len, &err))) {
			if (err != -ENETUNREACH || !u->udp ||
			    !loopback_outside(u->s.family, sa, len, ip, &scope, &port))
				return err;
			if (ip[10] == 0xff && !lx_netif_route4(ip + 12))
				return -ENETUNREACH; /* as Linux, with no route there */
			remote.len = len < (int)sizeof(remote.sa) ? len : (int)sizeof(remote.sa);
			memcpy(&remote.sa, sa, (size_t)remote.len);
			if (!u->remote && !(u->remote = lx_alloc(sizeof(*u->remote))))
				return -ENOMEM;
		} else if (o->peer && o->peer != u) {
			return -EPERM;
		} else {
			o->refs++;
		}
		u->state = U_CONN;
	}
	if (remote.len) {
		*u->remote = remote;
	} else {
		lx_free(u->remote);
		u->remote = NULL;
	}
	if (u->naming->inet && u->name.len)
		loopback_rename(u);
	if (u->peer)
		us_put(u->peer);
	u->peer = o;
	sock_wake(&u->s);
	return 0;
}

/* Queue a new embryo for listener o, connected to u (which asked for addr). */
static long embryo_make(struct usock *u, struct usock *o, const void *addr, int len)
{
	struct sock *es;
	long err = usock_create(o->naming, o->s.family, o->s.type, o->s.protocol, &es);
	if (err < 0)
		return err;
	struct usock *e = us(es);
	o->naming->connected(u, e, o, addr, len);
	es->passcred = o->s.passcred;
	if (o->naming->inet) { /* (TCP clones its listener; AF_UNIX's accepted sockets start afresh) */
		sock_inherit(es, &o->s);
		e->nodelay = o->nodelay;
	}
	join(e, u);
	es->peercred = sock_cred();
	u->s.peercred = o->s.peercred;
	if (o->pending_last)
		o->pending_last->next_pending = e;
	else
		o->pending = e;
	o->pending_last = e;
	o->npending++;
	sock_wake(&o->s);
	return 0;
}

/*
 * Connect stream u to the listener at addr: 0, or for TCP without blocking
 * -EINPROGRESS (made already, the next connect says 0 and later ones
 * -EISCONN; or refused, told by SO_ERROR or the next connect, as Linux's
 * are); -EISCONN, -EINVAL (AF_UNIX: a listener), -EAGAIN (backlog full,
 * non-blocking), or the lookup's error.
 */
static long stream_connect(struct usock *u, const void *addr, int len, bool nonblock)
{
	long err;
	if (u->state == U_LISTEN)
		return u->naming->inet ? -EISCONN : -EINVAL; /* (TCP says EISCONN) */
	if (u->state == U_CONN && u->untold) {
		u->untold = false; /* as Linux: a connect after EINPROGRESS tells that it is done */
		return 0;
	}
	if (u->state == U_CONN)
		return -EISCONN;
	if (u->untold) { /* a refusal said EINPROGRESS: its error, or (read already) ECONNABORTED, as Linux */
		u->untold = false;
		err = u->s.error ? -u->s.error : -ECONNABORTED;
		u->s.error = 0;
		return err;
	}
	struct usock *o = u->naming->find(u, addr, len, &err);
	if (!o && err == -ECONNREFUSED && nonblock && u->naming->inet) {
		u->s.error = ECONNREFUSED; /* TCP: told by poll and SO_ERROR */
		u->untold = true;
		sock_wake(&u->s);
		return -EINPROGRESS;
	}
	if (!o)
		return err;
	if ((err = name_first(u)) < 0)
		return err;
	o->refs++;
	uint64_t deadline = sock_deadline(u->s.sndtimeo);
	while (err == 0) {
		if (o->dead || o->state != U_LISTEN)
			err = -ECONNREFUSED;
		else if (o->npending <= o->backlog)
			break;
		else if (nonblock)
			err = -EAGAIN;
		else
			err = sock_wait(&u->s, &o->s, deadline);
	}
	if (err == 0 && u->state == U_CONN)
		err = -EISCONN; /* another thread connected it meanwhile */
	if (err == 0)
		err = embryo_make(u, o, addr, len);
	us_put(o);
	if (err == 0 && nonblock && u->naming->inet) {
		u->untold = true;
		return -EINPROGRESS;
	}
	return err;
}

static long unix_connect(struct sock *s, const void *addr, int len, bool nonblock)
{
	if (s->type == SOCK_DGRAM)
		return dgram_connect(us(s), addr, len);
	return stream_connect(us(s), addr, len, nonblock);
}

static long unix_accept(struct sock *s, bool nonblock, struct sock **out)
{
	struct usock *u = us(s);
	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	uint64_t deadline = sock_deadline(s->rcvtimeo);
	while (!u->pending && !(u->net && net_pending(u->net))) {
		if (u->state != U_LISTEN)
			return -EINVAL;
		if (nonblock)
			return -EAGAIN;
		long err = sock_wait(s, NULL, deadline);
		if (err < 0)
			return err;
	}
	if (!u->pending) {
		*out = net_accept(u->net); /* a connection from the outside */
		return 0;
	}
	struct usock *e = u->pending;
	u->pending = e->next_pending;
	if (!u->pending)
		u->pending_last = NULL;
	e->next_pending = NULL;
	u->npending--;
	sock_wake(s); /* connects waiting for room in the queue */
	*out = &e->s; /* the queue's reference becomes the descriptor's */
	return 0;
}

/*
 * Both sides of a connection stop (u, closing, goes away): the peer sees
 * end of file, or ECONNRESET if u had unread data or (TCP) was to close
 * with a reset (SO_LINGER on with 0 s).
 */
static void disconnect(struct usock *u)
{
	struct usock *p = u->peer;
	if (!p)
		return;
	if (u->s.type != SOCK_DGRAM) {
		p->shut = U_SHUT_BOTH;
		if (u->rx || (u->naming->inet && u->s.linger_on && u->s.linger_s == 0))
			p->s.error = ECONNRESET;
		sock_wake(&p->s);
	}
	u->peer = NULL;
	us_put(p);
}

/* Close u: its name, its connections, its queue and (a listener) the connections not accepted. */
static void unix_close(struct usock *u)
{
	if (u->naming->fin && u->s.type == SOCK_STREAM && u->state == U_CONN && u->peer) {
		bool reset = u->rx || (u->s.linger_on && u->s.linger_s == 0) || !u->s.ino; /* (as disconnect says) */
		u->naming->fin(u, reset ? U_FIN_RESET : U_FIN_CLOSE);
	}
	u->dead = true;
	u->s.listening = false;
	u->naming->unbind(u);
	if (u->net) {
		struct usock *heir = listener_heir(u);
		if (heir)
			net_relisten(heir->net = u->net, &heir->s);
		else
			net_unlisten(u->net);
	}
	u->net = NULL;
	while (u->pending) {
		struct usock *e = u->pending;
		u->pending = e->next_pending;
		unix_close(e);
	}
	u->npending = 0;
	disconnect(u);
	while (u->rx)
		rx_pop(u);
	sock_wake(&u->s);
	us_put(u);
}

static void unix_release(struct sock *s)
{
	unix_close(us(s));
}

static long unix_shutdown(struct sock *s, int how)
{
	struct usock *u = us(s);
	int mode = how + 1; /* SHUT_RD, SHUT_WR, SHUT_RDWR as U_SHUT_* bits */
	if (u->naming->inet && s->type == SOCK_STREAM && u->state != U_CONN)
		return -ENOTCONN; /* (TCP's answer; an AF_UNIX socket takes it) */
	u->shut |= mode;
	sock_wake(s);
	if ((mode & U_SHUT_WR) && u->naming->fin && s->type == SOCK_STREAM && u->peer)
		u->naming->fin(u, U_FIN_SHUT);
	if (u->peer && s->type != SOCK_DGRAM) {
		u->peer->shut |= ((mode & U_SHUT_RD) ? U_SHUT_WR : 0) | ((mode & U_SHUT_WR) ? U_SHUT_RD : 0);
		sock_wake(&u->peer->s);
	}
	return 0;
}

static long unix_inq(struct sock *s);

/*
 * Whether u's queued bytes make it readable: any do, but on TCP (the
 * loopback's) SO_RCVLOWAT's many, as Linux; at most a quarter of the
 * peer's SO_SNDBUF, which its writer may always fill (else none would).
 */
static bool rx_enough(struct usock *u)
{
	if (u->s.rcvlowat <= 1 || !u->naming->inet || u->s.type != SOCK_STREAM)
		return true;
	long want = u->s.rcvlowat;
	if (u->peer && want > u->peer->s.sndbuf / 4)
		want = u->peer->s.sndbuf / 4;
	return unix_inq(&u->s) >= want;
}

static short unix_poll(struct sock *s)
{
	struct usock *u = us(s);
	short m = 0;
	if (s->error)
		m |= POLLERR;
	if (u->shut == U_SHUT_BOTH)
		m |= POLLHUP;
	if (u->shut & U_SHUT_RD)
		m |= POLLRDHUP | POLLIN;
	if ((u->rx && rx_enough(u)) || u->pending || (u->net && net_pending(u->net)))
		m |= POLLIN;
	if (s->type != SOCK_DGRAM && u->state == U_UNCONN)
		m |= POLLHUP | (u->untold ? POLLIN | POLLRDHUP : 0); /* (a refused TCP connect reads as ended) */
	bool writable = u->state != U_LISTEN && (u->tx_bytes << 2) <= (size_t)s->sndbuf;
	if (s->type == SOCK_DGRAM && u->peer && u->peer->peer != u && u->peer->rx_count > UNIX_MAX_DGRAM_QLEN)
		writable = false;
	return (short)(m | (writable ? POLLOUT : 0));
}

static long unix_inq(struct sock *s)
{
	struct usock *u = us(s);
	size_t n = 0;
	if (u->state == U_LISTEN)
		return -EINVAL;
	if (s->type == SOCK_DGRAM)
		return u->rx ? (long)u->rx->len : 0;
	for (struct urec *r = u->rx; r; r = r->next)
		n += r->len - r->off;
	return (long)n;
}

/* ---- sending ---- */

/* A record of n bytes from m (at off) sent by u; NULL (*err) when out of memory or the bytes cannot be read. */
static struct urec *rec_make(struct usock *u, struct sock_msg *m, size_t off, size_t n, long *err)
{
	/* the bytes are copied in next: a large record is not zeroed first (a small one costs less zeroed whole) */
	struct urec *r = n < 512 ? lx_alloc(sizeof(*r) + n) : lx_alloc_unzeroed(sizeof(*r) + n, sizeof(*r));
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((*err = sock_copy_in(m, off, r->data, n)) < 0) {
		lx_free(r);
		return NULL;
	}
	r->len = n;
	r->from = u;
	u->refs++;
	u->tx_bytes += n;
	r->cred = m->has_cred ? m->cred : sock_cred();
	r->name = u->name;
	if (u->naming->source)
		u->naming->source(u, &r->name);
	r->files = m->files; /* the files go with the first record */
	r->nfiles = m->nfiles;
	m->files = NULL;
	m->nfiles = 0;
	return r;
}

/* Why u cannot send on its connection now (-EPIPE, -ENOTCONN), or 0. */
static long stream_send_error(struct usock *u)
{
	if (u->shut & U_SHUT_WR)
		return -EPIPE;
	if (u->state != U_CONN || !u->peer)
		return u->naming->inet && u->s.type == SOCK_STREAM ? -EPIPE : -ENOTCONN; /* (TCP says EPIPE) */
	return u->peer->shut & U_SHUT_RD ? -EPIPE : 0;
}

static long stream_send(struct usock *u, struct sock_msg *m)
{
	size_t done = 0;
	long err = 0;
	uint64_t deadline = sock_deadline(u->s.sndtimeo);
	if (m->addrlen && !u->naming->inet) /* (TCP ignores the address: unconnected, EPIPE below) */
		return u->state == U_CONN ? -EISCONN : -EOPNOTSUPP;
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (u->naming->inet && u->s.error) { /* TCP: a reset is told first, as Linux's is */
		err = -u->s.error;
		u->s.error = 0;
		return err;
	}
	if ((err = stream_send_error(u)) < 0)
		return err;
	while (done < m->len) { /* (nothing to send, nothing is queued: a stream has no empty records) */
		if ((err = stream_send_error(u)) < 0)
			break;
		if (u->tx_bytes >= (size_t)u->s.sndbuf) {
			err = m->nonblock ? -EAGAIN : sock_wait(&u->s, &u->peer->s, deadline);
			if (err < 0)
				break;
			continue;
		}
		size_t k = m->len - done < STREAM_CHUNK ? m->len - done : STREAM_CHUNK;
		struct urec *r = rec_make(u, m, done, k, &err);
		if (!r)
			break;
		rx_push(u->peer, r);
		done += k;
	}
	return done ? (long)done : err;
}

/* Where a datagram from u goes: its address, or the connected peer; NULL with *err. */
static struct usock *dgram_target(struct usock *u, struct sock_msg *m, long *err)
{
	if (m->addrlen && u->s.type == SOCK_DGRAM)
		return u->naming->find(u, m->addr, m->addrlen, err);
	struct usock *o = u->state == U_CONN ? u->peer : NULL;
	*err = o ? 0 : -ENOTCONN;
	if (o && o->dead &&
	    u->s.type == SOCK_DGRAM) { /* its peer has closed: as Linux, refused once, then unconnected */
		u->peer = NULL;
		u->state = U_UNCONN;
		us_put(o);
		*err = -ECONNREFUSED;
		return NULL;
	}
	return o;
}

/* Why a datagram from u cannot go to o now: -EPERM, -EPIPE, -EAGAIN (no room: wait), or 0. */
static long dgram_room(struct usock *u, struct usock *o, size_t n)
{
	long err = u->s.type == SOCK_SEQPACKET ? stream_send_error(u) : 0;
	if (err < 0)
		return err;
	if (o->peer && o->peer != u)
		return -EPERM;
	if (o->shut & U_SHUT_RD)
		return -EPIPE;
	if (o->dead)
		return -ECONNREFUSED;
	if (o != u && o->peer != u && o->rx_count > UNIX_MAX_DGRAM_QLEN)
		return -EAGAIN;
	return u->tx_bytes && u->tx_bytes + n > (size_t)u->s.sndbuf ? -EAGAIN : 0;
}

static long dgram_send(struct usock *u, struct sock_msg *m)
{
	long err;
	uint64_t deadline = sock_deadline(u->s.sndtimeo);
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (u->shut & U_SHUT_WR)
		return -EPIPE;
	if (m->len > (size_t)u->s.sndbuf - DGRAM_OVERHEAD)
		return -EMSGSIZE;
	if ((err = name_first(u)) < 0)
		return err;
	if (u->udp && (m->addrlen || u->remote)) { /* UDP: an address outside the machine goes to lwIP */
		uint8_t ip[16];
		uint32_t scope;
		uint16_t port;
		const void *to = m->addrlen ? (const void *)m->addr : (const void *)&u->remote->sa;
		if (loopback_outside(u->s.family, to, m->addrlen ? m->addrlen : u->remote->len, ip, &scope, &port))
			return net_udp_send(u->udp, ip, scope, port, m);
	}
	struct usock *o = dgram_target(u, m, &err);
	if (!o && err == -ECONNREFUSED && m->addrlen && u->naming->inet)
		return (long)m->len; /* UDP: a datagram to a port nobody holds is lost */
	if (!o)
		return err;
	o->refs++;
	while ((err = dgram_room(u, o, m->len)) == -EAGAIN && !m->nonblock)
		if ((err = sock_wait(&u->s, &o->s, deadline)) < 0)
			break;
	struct urec *r = err == 0 ? rec_make(u, m, 0, m->len, &err) : NULL;
	if (r)
		rx_push(o, r);
	us_put(o);
	return r ? (long)m->len : err;
}

static long unix_send(struct sock *s, struct sock_msg *m)
{
	return s->type == SOCK_STREAM ? stream_send(us(s), m) : dgram_send(us(s), m);
}

/* ---- receiving ---- */

/* Hand r's credentials (if u asks for them) and files (moved, or with peek held again) to m. */
static long rec_extras(struct usock *u, struct urec *r, struct sock_msg *m, bool peek)
{
	if (u->s.passcred) {
		m->has_cred = true;
		m->cred = r->cred;
	}
	if (!r->nfiles || m->files)
		return 0;
	if (peek) {
		if (!(m->files = lx_alloc((size_t)r->nfiles * sizeof(struct file *))))
			return -ENOMEM;
		for (int i = 0; i < r->nfiles; i++)
			(m->files[i] = r->files[i])->refs++;
	} else {
		m->files = r->files;
		r->files = NULL;
	}
	m->nfiles = r->nfiles;
	if (!peek)
		r->nfiles = 0;
	return 0;
}

/* The sender's name, as recvfrom and recvmsg report it (none when it had none). */
static void rec_source(const struct urec *r, struct sock_msg *m)
{
	m->addrlen = r->name.len;
	memcpy(m->addr, &r->name.sa, (size_t)r->name.len);
}

/* Wait for u's queue to have a record: 0; 1 at end of file; -errno (a pending error, -EAGAIN, -EINTR). */
static long rx_wait(struct usock *u, struct sock_msg *m, uint64_t deadline)
{
	while (!u->rx) {
		if (u->s.error) {
			long e = u->s.error;
			u->s.error = 0;
			return -e;
		}
		if (u->shut & U_SHUT_RD)
			return 1;
		if (m->nonblock)
			return -EAGAIN;
		long err = sock_wait(&u->s, NULL, deadline);
		if (err < 0)
			return err;
	}
	return 0;
}

static long stream_recv(struct usock *u, struct sock_msg *m)
{
	bool peek = m->flags & MSG_PEEK;
	size_t copied = 0, want = sock_recv_target(&u->s, m);
	uint64_t deadline = sock_deadline(u->s.rcvtimeo);
	if (u->state != U_CONN)
		return u->naming->inet ? -ENOTCONN : -EINVAL;
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	struct urec *r = NULL;
	while (copied < m->len) {
		r = peek && r ? r->next : u->rx; /* a peek walks the queue; a read takes from its head */
		if (!r) {
			if (copied >= want)
				break;
			long w = rx_wait(u, m, deadline);
			if (w != 0)
				return copied ? (long)copied : w > 0 ? 0 : w;
			continue;
		}
		if (copied && r->nfiles)
			break; /* files start a read of their own, with their bytes */
		size_t k = r->len - r->off < m->len - copied ? r->len - r->off : m->len - copied;
		long err = sock_copy_out(m, copied, r->data + r->off, k);
		if (err == 0)
			err = rec_extras(u, r, m, peek);
		if (err < 0)
			return copied ? (long)copied : err;
		if (!copied && !u->naming->inet)
			rec_source(r, m); /* (TCP tells no source) */
		copied += k;
		bool had_files = m->nfiles != 0;
		if (!peek && (r->off += k) == r->len)
			rx_pop(u);
		if (had_files)
			break;
	}
	return (long)copied;
}

static long dgram_recv(struct usock *u, struct sock_msg *m)
{
	bool peek = m->flags & MSG_PEEK;
	if (u->s.type == SOCK_SEQPACKET && u->state != U_CONN)
		return u->state == U_LISTEN ? -EINVAL : -ENOTCONN;
	if (m->flags & MSG_OOB)
		return -EOPNOTSUPP;
	long w = rx_wait(u, m, sock_deadline(u->s.rcvtimeo));
	if (w != 0)
		return w > 0 ? 0 : w;
	struct urec *r = u->rx;
	size_t k = r->len < m->len ? r->len : m->len;
	long err = sock_copy_out(m, 0, r->data, k);
	if (err == 0)
		err = rec_extras(u, r, m, peek);
	if (err < 0)
		return err;
	if (r->len > m->len)
		m->out_flags |= MSG_TRUNC;
	rec_source(r, m);
	size_t len = r->len;
	if (!peek)
		rx_pop(u);
	return (long)((m->flags & MSG_TRUNC) ? len : k);
}

static long unix_recv(struct sock *s, struct sock_msg *m)
{
	return s->type == SOCK_STREAM ? stream_recv(us(s), m) : dgram_recv(us(s), m);
}

static void unix_unbind(struct usock *u)
{
	if (u->node) {
		u->node->sock = NULL;
		inode_release(u->node);
		u->node = NULL;
	} else if (u->name.len && !u->name.sa.sun_path[0]) {
		abstract_remove(u);
	}
}

/* The listener's side of a connection has the listener's name. */
static void unix_connected(struct usock *client, struct usock *e, const struct usock *o, const void *addr, int len)
{
	(void)client, (void)addr, (void)len;
	e->name = o->name;
}

static long unix_setopt(struct sock *s, int level, int name, uint64_t uval, long len)
{
	struct usock *u = us(s);
	return u->naming->setopt ? u->naming->setopt(u, level, name, uval, len) : -EOPNOTSUPP;
}

static long unix_getopt(struct sock *s, int level, int name, void *buf)
{
	struct usock *u = us(s);
	return u->naming->getopt ? u->naming->getopt(u, level, name, buf) : -EOPNOTSUPP;
}

static const struct unaming unix_naming = { false,       unix_bind_name, unix_find,      autobind,
					    unix_unbind, unix_unnamed,   unix_connected, NULL,
					    NULL,        NULL,           NULL,           NULL };

static const struct sock_ops unix_ops = { unix_bind,   unix_listen,   unix_accept, unix_connect, unix_send,
					  unix_recv,   unix_shutdown, unix_name,   unix_poll,    unix_inq,
					  unix_setopt, unix_getopt,   unix_release };

const struct sock_family unix_family = { unix_create, unix_pair };
