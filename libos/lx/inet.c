/* TCP connections with the outside, over lx's lwIP: a loopback listener's second queue, the sockets it accepts, and connects. */
#define mem_init lwip_mem_init /* lwIP's and lx's share a name; this file calls neither */
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h" /* the lists of connection blocks, for /proc/net/tcp */
#undef mem_init
#include "libos/lx/vfs.h"
#include "libos/lx/net.h"
#include "libos/lx/procnet.h"

/*
 * A TCP listener bound to "any" (or to the machine's address) takes
 * connections from inside the machine through the loopback stand-in
 * (loopback.c) and from the outside through lwIP: unix.c's listener holds
 * a struct tlisten, whose accept callback queues each new connection as a
 * struct tsock, a socket of its own with lwIP's connection block behind
 * it. Everything here runs under lx's lock, in whichever process: the
 * callbacks in pid 1's network thread, the socket calls in the caller.
 * Received segments wait as lwIP's pbufs until read; the window opens as
 * the program reads. A connect to an IPv4 address outside the machine
 * (net_connect) makes a struct tsock too, which takes the place of the
 * loopback socket behind the descriptor.
 */
struct tsock {
	struct sock s;
	struct tcp_pcb *pcb; /* NULL once lwIP has ended the connection (reset, abort) or after close */
	struct pbuf *rx;     /* what came and was not read, a list of pbufs (their tot_len, 16 bits, is not used) */
	size_t rx_len;       /* its bytes, less rx_off: the first pbuf's bytes already read */
	uint16_t rx_off;
	bool fin;            /* the peer has finished sending */
	bool connecting;     /* our connect's SYN is out and neither answered nor given up */
	bool untold;         /* a non-blocking connect of ours: its success not yet told by a second connect */
	bool shut_rd, shut_wr;
	struct tsock *next; /* in the listener's queue */
	uint8_t local[16], peer[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint16_t local_port, peer_port;
};

struct tlisten {
	struct tcp_pcb *pcb;
	struct sock *owner; /* the loopback listener, woken when a connection comes */
	struct tsock *q, *q_last;
	int family;
};

static const struct sock_ops tcp_ops;

/* ---- lwIP's callbacks ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct tsock *t = arg;
	(void)pcb, (void)err;
	if (!p) {
		t->fin = true;
	} else {
		t->rx_len += p->tot_len;
		if (t->rx)
			pbuf_cat(t->rx, p);
		else
			t->rx = p;
	}
	sock_wake(&t->s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	sock_wake(&((struct tsock *)arg)->s);
	return ERR_OK;
}

/* lwIP has freed the connection block: a reset from the peer, or an abort (its retransmissions or keep-alive gave up). */
static void on_err(void *arg, err_t err)
{
	struct tsock *t = arg;
	t->pcb = NULL;
	if (t->connecting)
		t->s.error = err == ERR_RST ? ECONNREFUSED : err == ERR_RTE ? EHOSTUNREACH : ETIMEDOUT;
	else
		t->s.error = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : ECONNABORTED; /* (as Linux) */
	t->connecting = false;
	sock_wake(&t->s);
}

/* t's keep-alive as its socket's options say: SO_KEEPALIVE on or off, and TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT. */
static void keep_apply(struct tsock *t)
{
	if (!t->pcb)
		return;
	if (sock_flag(&t->s, SO_KEEPALIVE))
		ip_set_option(t->pcb, SOF_KEEPALIVE);
	else
		ip_reset_option(t->pcb, SOF_KEEPALIVE);
	t->pcb->keep_idle = (u32_t)t->s.keep_idle * 1000;
	t->pcb->keep_intvl = (u32_t)t->s.keep_intvl * 1000;
	t->pcb->keep_cnt = (u32_t)t->s.keep_cnt;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tlisten *l = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct tsock *t = lx_alloc(sizeof(*t));
	if (!t)
		return ERR_MEM; /* lwIP aborts the connection */
	sock_init(&t->s, &tcp_ops, l->family, SOCK_STREAM, IPPROTO_TCP);
	sock_inherit(&t->s, l->owner);
	t->pcb = pcb;
	keep_apply(t);
	net_ip_from(&pcb->local_ip, t->local);
	net_ip_from(&pcb->remote_ip, t->peer);
	t->local_port = pcb->local_port;
	t->peer_port = pcb->remote_port;
	tcp_arg(pcb, t);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	tcp_backlog_delayed(pcb); /* counted against the backlog until the program accepts it */
	if (l->q_last)
		l->q_last->next = t;
	else
		l->q = t;
	l->q_last = t;
	sock_wake(l->owner);
	return ERR_OK;
}

/* ---- the listener ---- */

/* A new connection block bound to ip:port as a socket of family there would be (see net_listen), or NULL. */
static struct tcp_pcb *bound_pcb(int family, const uint8_t ip[16], uint16_t port, bool v6only)
{
	ip_addr_t a;
	long type = net_ip_bind(family, ip, v6only, &a);
	struct tcp_pcb *pcb = type < 0 ? NULL : tcp_new_ip_type((u8_t)type);
	if (pcb && tcp_bind(pcb, &a, port) != ERR_OK) {
		tcp_abort(pcb);
		pcb = NULL;
	}
	return pcb;
}

void *net_listen(struct sock *owner, const uint8_t ip[16], uint16_t port, int backlog, bool v6only)
{
	if (!net_up())
		return NULL;
	net_start_helper();
	struct tlisten *l = lx_alloc(sizeof(*l));
	struct tcp_pcb *pcb = l ? bound_pcb(owner->family, ip, port, v6only) : NULL;
	if (!pcb) {
		lx_free(l);
		return NULL;
	}
	l->pcb = tcp_listen_with_backlog(pcb, (u8_t)(backlog < 1 ? 1 : backlog > 255 ? 255 : backlog));
	if (!l->pcb) {
		tcp_abort(pcb);
		lx_free(l);
		return NULL;
	}
	l->owner = owner;
	l->family = owner->family;
	tcp_arg(l->pcb, l);
	tcp_accept(l->pcb, on_accept);
	return l;
}

bool net_pending(void *l)
{
	return ((struct tlisten *)l)->q != NULL;
}

struct sock *net_accept(void *lp)
{
	struct tlisten *l = lp;
	struct tsock *t = l->q;
	if (!t)
		return NULL;
	l->q = t->next;
	if (!l->q)
		l->q_last = NULL;
	t->next = NULL;
	if (t->pcb)
		tcp_backlog_accepted(t->pcb);
	net_kick();
	return &t->s;
}

static void ts_release(struct sock *s);

void net_unlisten(void *lp)
{
	struct tlisten *l = lp;
	while (l->q)
		ts_release(net_accept(l));
	tcp_arg(l->pcb, NULL);
	tcp_accept(l->pcb, NULL);
	if (tcp_close(l->pcb) != ERR_OK)
		tcp_abort(l->pcb);
	lx_free(l);
	net_kick();
}

void net_relisten(void *lp, struct sock *owner)
{
	struct tlisten *l = lp;
	l->owner = owner;
	sock_wake(owner); /* it may have connections to take already */
}

/* ---- a connection's socket ---- */

static struct tsock *ts(struct sock *s)
{
	return (struct tsock *)s;
}

static long no_bind(struct sock *s, const void *addr, int len)
{
	(void)s, (void)addr, (void)len;
	return -EINVAL;
}

static long no_listen(struct sock *s, int backlog)
{
	(void)s, (void)backlog;
	return -EINVAL;
}

static long no_accept(struct sock *s, bool nonblock, struct sock **out)
{
	(void)s, (void)nonblock, (void)out;
	return -EINVAL;
}

/* The error that ends a send or receive now, if any: the pending one (taken), or -EPIPE / 0. */
static long take_error(struct sock *s)
{
	long e = s->error;
	s->error = 0;
	return -e;
}

/*
 * A connect on a connection: -EALREADY while ours is under way; as Linux,
 * once it is over, the failure it met or (the first time) 0; else -EISCONN.
 */
static long ts_connect(struct sock *s, const void *addr, int len, bool nonblock)
{
	struct tsock *t = ts(s);
	(void)addr, (void)len, (void)nonblock;
	if (t->connecting)
		return -EALREADY;
	bool untold = t->untold;
	t->untold = false;
	if (s->error)
		return take_error(s);
	if (!t->pcb)
		return -ECONNABORTED;
	return untold ? 0 : -EISCONN;
}

/*
 * Send m's bytes, all of them unless non-blocking (then what fits, or
 * -EAGAIN), copied into lwIP's send buffer a chunk at a time. -EPIPE after
 * shutdown or once the connection is gone; the pending error if reset.
 */
static long ts_send(struct sock *s, struct sock_msg *m)
{
	static LX_BUFFER uint8_t chunk[16384]; /* under lx's lock: one user at a time */
	struct tsock *t = ts(s);
	uint64_t deadline = sock_deadline(s->sndtimeo);
	size_t done = 0;
	while (done < m->len) {
		if (s->error)
			return done ? (long)done : take_error(s);
		if (!t->pcb || t->shut_wr)
			return done ? (long)done : -EPIPE;
		size_t room = tcp_sndbuf(t->pcb), n = m->len - done;
		if (n > room)
			n = room;
		if (n > sizeof(chunk))
			n = sizeof(chunk);
		if (n && tcp_sndqueuelen(t->pcb) < TCP_SND_QUEUELEN - 2) {
			if (sock_copy_in(m, done, chunk, n) < 0)
				return done ? (long)done : -EFAULT;
			if (tcp_write(t->pcb, chunk, (u16_t)n, TCP_WRITE_FLAG_COPY) == ERR_OK) {
				done += n;
				continue;
			}
		}
		tcp_output(t->pcb);
		net_kick();
		if (m->nonblock)
			return done ? (long)done : -EAGAIN;
		long err = sock_wait(s, NULL, deadline);
		if (err < 0)
			return done ? (long)done : err;
	}
	if (t->pcb)
		tcp_output(t->pcb);
	net_kick();
	return (long)done;
}

/* Take n bytes off the front of the received list and open the window by as much. */
static void consume(struct tsock *t, size_t n)
{
	t->rx_len -= n;
	for (size_t left = n; left;) {
		size_t have = (size_t)(t->rx->len - t->rx_off), k = have < left ? have : left;
		t->rx_off = (uint16_t)(t->rx_off + k);
		left -= k;
		if (t->rx_off == t->rx->len) {
			struct pbuf *h = t->rx;
			t->rx = h->next;
			h->next = NULL;
			pbuf_free(h);
			t->rx_off = 0;
		}
	}
	while (n && t->pcb) {
		u16_t k = n > 0xFFFF ? 0xFFFF : (u16_t)n;
		tcp_recved(t->pcb, k);
		n -= k;
	}
	net_kick();
}

/* Copy up to n received bytes into m at at (from the front, consuming nothing): the count, or -EFAULT. */
static long copy_rx(struct tsock *t, struct sock_msg *m, size_t at, size_t n)
{
	size_t done = 0, off = t->rx_off;
	for (struct pbuf *p = t->rx; p && done < n; p = p->next, off = 0) {
		size_t k = p->len - off < n - done ? p->len - off : n - done;
		if (sock_copy_out(m, at + done, (uint8_t *)p->payload + off, k) < 0)
			return done ? (long)done : -EFAULT;
		done += k;
	}
	return (long)done;
}

/*
 * Receive what has come, and wait (unless non-blocking) until there are
 * sock_recv_target's bytes, the peer's end, SHUT_RD or an error; a wait cut
 * short returns what was taken. 0 at the end.
 */
static long ts_recv(struct sock *s, struct sock_msg *m)
{
	struct tsock *t = ts(s);
	size_t copied = 0, want = sock_recv_target(s, m);
	uint64_t deadline = sock_deadline(s->rcvtimeo);
	for (;;) {
		if (t->rx_len && copied < m->len) {
			size_t n = t->rx_len < m->len - copied ? t->rx_len : m->len - copied;
			long k = copy_rx(t, m, copied, n);
			if (k < 0)
				return copied ? (long)copied : k;
			if (m->flags & MSG_PEEK)
				return k;
			consume(t, (size_t)k);
			copied += (size_t)k;
		}
		if (copied >= want || copied == m->len)
			return (long)copied;
		if (s->error)
			return copied ? (long)copied : take_error(s);
		if (t->fin || t->shut_rd || !t->pcb)
			return (long)copied;
		if (m->nonblock)
			return copied ? (long)copied : -EAGAIN;
		long err = sock_wait(s, NULL, deadline);
		if (err < 0)
			return copied ? (long)copied : err;
	}
}

static long ts_shutdown(struct sock *s, int how)
{
	struct tsock *t = ts(s);
	if (how == SHUT_RD || how == SHUT_RDWR)
		t->shut_rd = true;
	if ((how == SHUT_WR || how == SHUT_RDWR) && !t->shut_wr) {
		t->shut_wr = true;
		if (t->pcb)
			tcp_shutdown(t->pcb, 0, 1);
	}
	net_kick();
	sock_wake(s);
	return 0;
}

/* Our or the peer's address, in the socket's family (AF_INET6: IPv4 as ::ffff:a.b.c.d, a link-local one with eth0's scope). */
static long ts_name(struct sock *s, bool peer, void *addr, int *len)
{
	struct tsock *t = ts(s);
	const uint8_t *ip = peer ? t->peer : t->local;
	uint16_t port = peer ? t->peer_port : t->local_port;
	uint16_t be = (uint16_t)(port >> 8 | port << 8);
	if (s->family == AF_INET) {
		struct linux_sockaddr_in a = { AF_INET, be, { ip[12], ip[13], ip[14], ip[15] }, { 0 } };
		memcpy(addr, &a, sizeof(a));
		*len = sizeof(a);
	} else {
		struct linux_sockaddr_in6 a = { AF_INET6, be, 0, { 0 }, net_linklocal(ip) ? net_scope() : 0 };
		memcpy(a.addr, ip, 16);
		memcpy(addr, &a, sizeof(a));
		*len = sizeof(a);
	}
	return 0;
}

static short ts_poll(struct sock *s)
{
	struct tsock *t = ts(s);
	short m = 0;
	if (s->error)
		m |= POLLERR;
	if (t->connecting)
		return m;
	size_t lowat = (size_t)s->rcvlowat < TCP_WND / 2 ? (size_t)s->rcvlowat : TCP_WND / 2; /* as Linux caps it */
	if (t->rx_len >= lowat || t->fin || t->shut_rd || !t->pcb)
		m |= POLLIN;
	if (t->fin)
		m |= POLLRDHUP;
	if (!t->pcb || (t->fin && t->shut_wr))
		m |= POLLHUP;
	if (!t->pcb || (!t->shut_wr && tcp_sndbuf(t->pcb) > 0))
		m |= POLLOUT; /* as Linux: a connection that is gone does not block a writer (who gets the error) */
	return m;
}

static long ts_inq(struct sock *s)
{
	struct tsock *t = ts(s);
	return (long)t->rx_len;
}

/* TCP_NODELAY; SO_KEEPALIVE (kept by socket.c) and TCP_KEEP* drive lwIP's keep-alive; other TCP and IP options are taken; other levels: ENOPROTOOPT. */
static long ts_setopt(struct sock *s, int level, int name, uint64_t uval, long len)
{
	struct tsock *t = ts(s);
	int v;
	if (level == SOL_SOCKET) {
		keep_apply(t);
		return 0;
	}
	if (level != IPPROTO_TCP && level != IPPROTO_IP)
		return -ENOPROTOOPT;
	long r = sock_opt_int(uval, len, &v);
	if (r < 0)
		return r;
	if (level == IPPROTO_TCP && (r = sock_keep_set(s, name, v)) <= 0) {
		keep_apply(t);
		return r;
	}
	if (level == IPPROTO_TCP && name == TCP_NODELAY && t->pcb) {
		if (v)
			tcp_nagle_disable(t->pcb);
		else
			tcp_nagle_enable(t->pcb);
	}
	return 0;
}

static long ts_getopt(struct sock *s, int level, int name, void *buf)
{
	struct tsock *t = ts(s);
	int v = 0;
	if (level == IPPROTO_TCP && name == TCP_NODELAY)
		v = t->pcb && tcp_nagle_disabled(t->pcb);
	else if (level == IPPROTO_TCP && name == TCP_MAXSEG)
		v = TCP_MSS;
	else if (level == IPPROTO_TCP && sock_keep_get(s, name, &v))
		;
	else if (!(level == IPPROTO_IP && name == IP_TTL))
		return -ENOPROTOOPT;
	else
		v = 64;
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

/* The last descriptor closed: the connection closes, or aborts (a reset) when unread data is dropped, SO_LINGER
 * says 0 s, or lwIP cannot queue the FIN. */
static void ts_release(struct sock *s)
{
	struct tsock *t = ts(s);
	if (t->pcb) {
		tcp_arg(t->pcb, NULL);
		tcp_recv(t->pcb, NULL);
		tcp_sent(t->pcb, NULL);
		tcp_err(t->pcb, NULL);
		if (t->rx || (s->linger_on && s->linger_s == 0) || tcp_close(t->pcb) != ERR_OK)
			tcp_abort(t->pcb); /* as Linux */
	}
	if (t->rx)
		pbuf_free(t->rx);
	lx_waitq_free(&s->wq);
	lx_free(t);
	net_kick();
}

static const struct sock_ops tcp_ops = { no_bind,   no_listen,   no_accept, ts_connect, ts_send,
					 ts_recv,   ts_shutdown, ts_name,   ts_poll,    ts_inq,
					 ts_setopt, ts_getopt,   ts_release };

/* ---- connections to the outside ---- */

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct tsock *t = arg;
	(void)err;
	t->connecting = false;
	net_ip_from(&pcb->local_ip, t->local);
	t->local_port = pcb->local_port;
	sock_wake(&t->s);
	return ERR_OK;
}

/* A new connection block for t, from local port lport (0: lwIP picks one) to ip:port (scope: a link-local
   address's): 0 or -errno (nothing left behind). */
static long start_connect(struct tsock *t, uint16_t lport, const uint8_t ip[16], uint32_t scope, uint16_t port)
{
	ip_addr_t a, any;
	long r = net_ip_to(ip, scope, &a);
	if (r < 0)
		return r;
	struct tcp_pcb *pcb = tcp_new_ip_type(IP_GET_TYPE(&a));
	if (!pcb)
		return -ENOBUFS;
	ip_addr_set_any(IP_IS_V6(&a), &any);
	if (lport && tcp_bind(pcb, &any, lport) != ERR_OK) {
		tcp_abort(pcb);
		return -EADDRINUSE;
	}
	tcp_arg(pcb, t);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_err);
	t->pcb = pcb;
	t->connecting = true;
	err_t e = tcp_connect(pcb, &a, port, on_connected);
	if (e != ERR_OK) {
		tcp_arg(pcb, NULL);
		tcp_err(pcb, NULL);
		tcp_abort(pcb);
		t->pcb = NULL;
		t->connecting = false;
		return e == ERR_RTE ? -ENETUNREACH : e == ERR_USE ? -EADDRINUSE : -ENOBUFS;
	}
	net_ip_from(&pcb->local_ip, t->local);
	t->local_port = pcb->local_port;
	memcpy(t->peer, ip, 16);
	t->peer_port = port;
	return 0;
}

long net_connect(struct sock **slot, const uint8_t ip[16], uint32_t scope, uint16_t port, bool nonblock)
{
	struct sock *old = *slot;
	uint8_t v[16];
	int on = 0;
	if (!net_up() || (ip[10] == 0xff && !lx_netif_route4(ip + 12)))
		return -ENETUNREACH; /* as Linux, at once: no route (lwIP would send the SYN nowhere until it gave up) */
	if (old->family == AF_INET6 && ip[10] == 0xff && old->ops->getopt(old, IPPROTO_IPV6, IPV6_V6ONLY, v) > 0 &&
	    (memcpy(&on, v, sizeof(on)), on))
		return -ENETUNREACH; /* an IPv4 address for an IPv6-only socket, as Linux says */
	net_start_helper();
	struct tsock *t = lx_alloc(sizeof(*t));
	if (!t)
		return -ENOBUFS;
	sock_init(&t->s, &tcp_ops, old->family, SOCK_STREAM, IPPROTO_TCP);
	uint8_t name[SOCK_ADDR_MAX];
	int len = sizeof(name);
	uint16_t lport = 0; /* the port the program bound the socket to, kept as Linux keeps it */
	if (old->ops->name(old, false, name, &len) == 0 && len >= 4)
		lport = (uint16_t)(name[2] << 8 | name[3]);
	long err = start_connect(t, lport, ip, scope, port);
	if (err < 0) {
		lx_free(t);
		return err;
	}
	if (old->ops->getopt(old, IPPROTO_TCP, TCP_NODELAY, v) > 0 && (memcpy(&on, v, sizeof(on)), on))
		tcp_nagle_disable(t->pcb);
	sock_inherit(&t->s, old);
	t->s.ino = old->ino; /* the descriptor's, which /proc/net/tcp's row names */
	keep_apply(t);
	*slot = &t->s;
	old->ops->release(old);
	net_kick();
	if (nonblock) {
		t->untold = true;
		return -EINPROGRESS;
	}
	uint64_t deadline = sock_deadline(t->s.sndtimeo);
	while (t->connecting) {
		err = sock_wait(&t->s, NULL, deadline);
		if (err < 0) {
			t->untold = true;
			return err == -EAGAIN ? -EINPROGRESS : err; /* the connect goes on, as on Linux */
		}
	}
	return take_error(&t->s);
}

/* ---- /proc/net/tcp ---- */

/* lwIP's states as /proc/net/tcp numbers them, by lwIP's enum tcp_state. */
static const uint8_t linux_state[] = { TCP_CLOSE,	 TCP_LISTEN,	  TCP_SYN_SENT,	 TCP_SYN_RECV,
				       TCP_ESTABLISHED, TCP_FIN_WAIT1, TCP_FIN_WAIT2, TCP_CLOSE_WAIT,
				       TCP_CLOSING,	 TCP_LAST_ACK,	  TCP_TIME_WAIT };

/* Slow-timer ticks (TCP_SLOW_INTERVAL each) from `since` until `span` of them have passed, as hundredths of a second. */
static uint64_t ticks_left_cs(uint32_t since, uint32_t span)
{
	uint32_t gone = tcp_ticks - since;
	return gone > span ? 0 : (uint64_t)(span - gone) * TCP_SLOW_INTERVAL / 10;
}

/* The timer columns of pcb's row: the one of lwIP's timers that runs for it, as Linux would name its own. */
static void pcb_timer(const struct tcp_pcb *pcb, struct procnet_sock *r)
{
	/* lwIP's persist back-off, in slow ticks by pcb->persist_backoff (tcp.c's tcp_persist_backoff) */
	static const uint8_t persist_ticks[] = { 3, 6, 12, 24, 48, 96, 120 };
	if (pcb->state == TIME_WAIT) {
		r->timer = PROCNET_TIMER_TIME_WAIT;
		r->when_cs = ticks_left_cs(pcb->tmr, 2 * TCP_MSL / TCP_SLOW_INTERVAL + 1);
	} else if (pcb->persist_backoff > 0 && pcb->persist_backoff <= sizeof(persist_ticks)) {
		r->timer = PROCNET_TIMER_PROBE;
		uint8_t due = persist_ticks[pcb->persist_backoff - 1];
		r->when_cs = pcb->persist_cnt >= due ? 0 : (uint64_t)(due - pcb->persist_cnt) * TCP_SLOW_INTERVAL / 10;
		r->probes = pcb->persist_probe;
	} else if (pcb->rtime >= 0 && pcb->unacked) {
		r->timer = PROCNET_TIMER_RETRANS;
		r->when_cs = pcb->rtime >= pcb->rto ? 0 : (uint64_t)(pcb->rto - pcb->rtime) * TCP_SLOW_INTERVAL / 10;
		r->retrans = pcb->nrtx;
	} else if (ip_get_option(pcb, SOF_KEEPALIVE) && (pcb->state == ESTABLISHED || pcb->state == CLOSE_WAIT)) {
		r->timer = PROCNET_TIMER_KEEPALIVE;
		r->when_cs = ticks_left_cs(
			pcb->tmr, (pcb->keep_idle + pcb->keep_cnt_sent * pcb->keep_intvl) / TCP_SLOW_INTERVAL + 1);
		r->probes = pcb->keep_cnt_sent;
	}
}

/*
 * pcb's row, if its socket is of p's family (one that has none, or none yet, counts as AF_INET for an IPv4
 * connection, AF_INET6 for an IPv6 one). Its owner is its socket's, or its listener's while in its handshake;
 * none in TIME_WAIT, as Linux.
 */
static void pcb_row(struct procnet *p, struct tcp_pcb *pcb)
{
	/* (a connection still in its handshake points at its listener, not at a socket of its own) */
	const struct tsock *t = pcb->state != SYN_RCVD ? pcb->callback_arg : NULL;
	const struct tlisten *l = pcb->state == SYN_RCVD ? pcb->callback_arg : NULL;
	bool v6 = t ? t->s.family == AF_INET6 : l ? l->family == AF_INET6 : IP_IS_V6(&pcb->local_ip);
	if (v6 != p->v6 || (size_t)pcb->state >= sizeof(linux_state))
		return;
	struct procnet_sock r = { .lport = pcb->local_port,
				  .rport = pcb->remote_port,
				  .state = linux_state[pcb->state],
				  .txq = pcb->state == TIME_WAIT ? 0 : (size_t)(pcb->snd_lbb - pcb->lastack),
				  .rxq = t ? t->rx_len : 0,
				  .uid = t               ? t->s.uid
					 : l && l->owner ? l->owner->uid
							 : 0,
				  .ino = t ? t->s.ino : 0 };
	net_ip_from(&pcb->local_ip, r.lip);
	net_ip_from(&pcb->remote_ip, r.rip);
	pcb_timer(pcb, &r);
	procnet_row(p, &r);
}

/* lwIP's connections, and those it keeps in TIME_WAIT (its listeners stand behind the loopback's, listed there). */
void net_proc_tcp(struct procnet *p)
{
	if (!net_up())
		return;
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
		pcb_row(p, pcb);
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next)
		pcb_row(p, pcb);
}
