/* The virtio-console driver: its ports as byte streams to the host, each claimed by one env for it and its descendants. */
#include "kernel.h"
#include "kernel/virtio.h"
#include "kernel/stream.h"
#include <mica/stream.h>

/*
 * Multiport (VIRTIO_CONSOLE_F_MULTIPORT) is what makes a port a stream:
 * its control queues carry PORT_OPEN, so the kernel learns when the host
 * end closes — the end of the host's stdin. Port p's data queues are
 * 2p + 2 (receive) and 2p + 3 (transmit); the control queues are 2 and 3.
 * Every buffer is a kernel page: received bytes are copied out by
 * stream_read, sent bytes copied in by stream_write, each checked then.
 */
#define VIRTIO_CONSOLE_F_MULTIPORT (1ULL << 1)
#define CONFIG_MAX_PORTS 4 /* config space: max_nr_ports, 32 bits */
#define CTRL_RXQ 2
#define CTRL_TXQ 3
#define PORT_RXQ(p) (2 * (p) + 2)
#define PORT_TXQ(p) (2 * (p) + 3)
#define EV_DEVICE_READY 0
#define EV_PORT_ADD 1
#define EV_PORT_REMOVE 2
#define EV_PORT_READY 3
#define EV_PORT_OPEN 6
#define PORT_BUFS 8 /* receive buffers, and as many transmit buffers, of a page each per port */
#define CTRL_BUFS 16 /* control buffers of CTRL_BUF_SIZE, each way, in one page */
#define CTRL_BUF_SIZE 128
/* At probe: how long the device may stay quiet before the ports are taken as known. QEMU answers each message
 * within the kick that sent it (its virtio-serial handles the queue's notification at once), so this is a margin. */
#define HANDSHAKE_NS 20000UL

struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
};

struct port {
	bool present; /* the device added it */
	bool host_open; /* the host end is open (PORT_OPEN) */
	uint64_t owner; /* the env that claimed it (0: nobody); it and its descendants use it */
	long nt; /* the owner's notification, with bits */
	uint64_t bits;
	struct virtq rx, tx;
	uint64_t rx_pa[PORT_BUFS], tx_pa[PORT_BUFS];
	bool cur; /* a received buffer is being read: */
	uint32_t cur_id, cur_len, cur_off;
	uint16_t tx_free[PORT_BUFS]; /* transmit buffers not with the device */
	int ntx_free;
};

static struct {
	struct virtio_dev *dev;
	int nports; /* ports 1 .. nports - 1 have queues */
	struct virtq crx, ctx;
	uint64_t crx_pa, ctx_pa; /* one page each, CTRL_BUFS buffers */
	uint16_t ctx_free[CTRL_BUFS];
	int nctx_free;
	struct port port[STREAM_NPORTS];
} con;

/* Give receive buffer i of p back to the device. */
static void rx_post(struct port *p, uint32_t i)
{
	p->rx.desc[i] = (struct virtq_desc){ .addr = p->rx_pa[i], .len = PAGE_SIZE, .flags = VIRTQ_DESC_F_WRITE };
	virtq_push(&p->rx, (uint16_t)i);
}

static void ctrl_rx_post(uint32_t i)
{
	con.crx.desc[i] = (struct virtq_desc){ .addr = con.crx_pa + i * CTRL_BUF_SIZE,
					       .len = CTRL_BUF_SIZE,
					       .flags = VIRTQ_DESC_F_WRITE };
	virtq_push(&con.crx, (uint16_t)i);
}

/* Take back the buffers the device has finished with, of a transmit queue with its free list. */
static void reclaim(struct virtq *q, uint16_t *free, int *nfree, uint32_t nbufs)
{
	uint32_t id, len;
	while (virtq_pop(q, &id, &len))
		if (id < nbufs)
			free[(*nfree)++] = (uint16_t)id;
}

/* Tell the device event/value about port id (dropped if no control buffer is free: only at a flood of events). */
static void ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
	reclaim(&con.ctx, con.ctx_free, &con.nctx_free, CTRL_BUFS);
	if (con.nctx_free == 0)
		return;
	uint16_t i = con.ctx_free[--con.nctx_free];
	struct ctrl_msg *m = P2V(con.ctx_pa + i * CTRL_BUF_SIZE);
	*m = (struct ctrl_msg){ id, event, value };
	con.ctx.desc[i] = (struct virtq_desc){ .addr = con.ctx_pa + i * CTRL_BUF_SIZE, .len = sizeof(*m) };
	virtq_push(&con.ctx, i);
	virtq_kick(con.dev, &con.ctx);
}

/* One message from the device: a port added (answered ready and open), removed, or its host end opened or closed. */
static void ctrl_event(const struct ctrl_msg *m)
{
	bool ours = m->id > 0 && m->id < (uint32_t)con.nports;
	struct port *p = ours ? &con.port[m->id] : NULL;
	switch (m->event) {
	case EV_PORT_ADD:
		ctrl_send(m->id, EV_PORT_READY, ours);
		if (ours) {
			p->present = true;
			ctrl_send(m->id, EV_PORT_OPEN, 1); /* the guest end is open from the start */
		}
		break;
	case EV_PORT_REMOVE:
		if (ours)
			p->present = p->host_open = false;
		break;
	case EV_PORT_OPEN:
		if (ours)
			p->host_open = m->value != 0;
		break;
	}
}

/* Read every control message the device has sent; true if there was one. */
static bool ctrl_drain(void)
{
	uint32_t id, len;
	bool any = false;
	while (virtq_pop(&con.crx, &id, &len)) {
		if (id >= CTRL_BUFS)
			continue;
		if (len >= sizeof(struct ctrl_msg))
			ctrl_event(P2V(con.crx_pa + id * CTRL_BUF_SIZE));
		ctrl_rx_post(id);
		any = true;
	}
	if (any)
		virtq_kick(con.dev, &con.crx);
	return any;
}

/* The interrupt: acknowledge it, read the control messages, and tell every owner its port may have changed. */
static void stream_irq(void)
{
	virtio_irq_ack(con.dev);
	ctrl_drain();
	for (int i = 1; i < con.nports; i++)
		if (con.port[i].owner)
			ntfn_signal(con.port[i].nt, con.port[i].bits);
}

/* n pages for buffers, their physical addresses in pa. 0, -E_NOMEM (at boot: pages taken stay the kernel's). */
static int alloc_pages(uint64_t *pa, int n)
{
	for (int i = 0; i < n; i++)
		if ((pa[i] = kalloc_page()) == 0)
			return -E_NOMEM;
	return 0;
}

/* Queues and buffers of port i, its receive buffers given to the device. 0, -E_NOMEM, -E_INVAL. */
static int port_start(struct virtio_dev *d, int i)
{
	struct port *p = &con.port[i];
	int err;
	if ((err = virtq_setup(d, &p->rx, PORT_RXQ(i))) < 0 || (err = virtq_setup(d, &p->tx, PORT_TXQ(i))) < 0 ||
	    (err = alloc_pages(p->rx_pa, PORT_BUFS)) < 0 || (err = alloc_pages(p->tx_pa, PORT_BUFS)) < 0)
		return err;
	for (uint32_t k = 0; k < PORT_BUFS; k++) {
		rx_post(p, k);
		p->tx_free[p->ntx_free++] = (uint16_t)k;
	}
	return 0;
}

/* The control queues and every port's, before the device is told the driver is ready. 0 or -E_*. */
static int con_start(struct virtio_dev *d)
{
	int err;
	if ((err = virtq_setup(d, &con.crx, CTRL_RXQ)) < 0 || (err = virtq_setup(d, &con.ctx, CTRL_TXQ)) < 0 ||
	    (err = alloc_pages(&con.crx_pa, 1)) < 0 || (err = alloc_pages(&con.ctx_pa, 1)) < 0)
		return err;
	for (uint32_t i = 0; i < CTRL_BUFS; i++) {
		ctrl_rx_post(i);
		con.ctx_free[con.nctx_free++] = (uint16_t)i;
	}
	for (int i = 1; i < con.nports; i++)
		if ((err = port_start(d, i)) < 0)
			return err;
	return irq_claim(d->irq, stream_irq);
}

/*
 * Take a virtio-console with multiport: the first one only. The ports are
 * learnt before any env runs: the driver says it is ready and answers the
 * device's messages until it has been quiet for HANDSHAKE_NS. 0, -E_BUSY
 * (one is driven already), -E_INVAL (no multiport), -E_NOMEM.
 */
int stream_probe(struct virtio_dev *d)
{
	if (con.dev)
		return -E_BUSY;
	uint64_t f = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_CONSOLE_F_MULTIPORT);
	if (!(f & VIRTIO_CONSOLE_F_MULTIPORT))
		return -E_INVAL;
	uint32_t max = virtio_config32(d, CONFIG_MAX_PORTS);
	con.nports = max < STREAM_NPORTS ? (int)max : STREAM_NPORTS;
	con.dev = d;
	int err = con_start(d);
	if (err < 0) {
		con.dev = NULL;
		return err;
	}
	virtio_ready(d);
	virtq_kick(d, &con.crx);
	for (int i = 1; i < con.nports; i++)
		virtq_kick(d, &con.port[i].rx);
	ctrl_send(0, EV_DEVICE_READY, 1);
	for (uint64_t quiet = now_ns(); now_ns() - quiet < HANDSHAKE_NS;)
		if (ctrl_drain())
			quiet = now_ns();
	return 0; /* quietly: the console is the program's stderr now */
}

/* Port number port if the device has added it, else NULL. */
static struct port *port_present(long port)
{
	return con.dev && port > 0 && port < con.nports && con.port[port].present ? &con.port[port] : NULL;
}

/*
 * Port number port, for e to move len bytes (len >= 0) if e may use it (its
 * owner or a descendant of it); NULL with *err: -E_NOENT, -E_PERM, -E_INVAL.
 */
static struct port *port_of(struct env *e, long port, long len, long *err)
{
	struct port *p = port_present(port);
	*err = !p ? -E_NOENT : !p->owner || !ancestor(env_lookup(p->owner), e) ? -E_PERM : len < 0 ? -E_INVAL : 0;
	return *err ? NULL : p;
}

/*
 * Claim port for e and its descendants, with bits signalled on e's
 * notification nt at every change. 0; -E_NOENT (no such port, or nt), -E_INVAL
 * (bits 0 or with bit 63), -E_PERM (nt not e's), -E_BUSY (another env holds
 * it). e may bind again to change nt or bits.
 */
long stream_bind(struct env *e, long port, long nt, uint64_t bits)
{
	struct port *p = port_present(port);
	if (!p)
		return -E_NOENT;
	if (bits == 0 || bits >> 63)
		return -E_INVAL;
	int err = ntfn_check_owner(e, nt);
	if (err < 0)
		return err;
	if (p->owner && p->owner != e->id)
		return -E_BUSY;
	p->owner = e->id;
	p->nt = nt;
	p->bits = bits;
	return 0;
}

/* Does p have received bytes that stream_read has not handed out? */
static bool rx_pending(struct port *p)
{
	return p->cur || p->rx.used->idx != p->rx.last_used;
}

/* Start reading the next received buffer of p; false if there is none. */
static bool rx_next(struct port *p)
{
	uint32_t id, len;
	while (virtq_pop(&p->rx, &id, &len)) {
		if (id >= PORT_BUFS)
			continue;
		if (len == 0) {
			rx_post(p, id);
			continue;
		}
		p->cur = true;
		p->cur_id = id;
		p->cur_len = len < PAGE_SIZE ? len : PAGE_SIZE;
		p->cur_off = 0;
		return true;
	}
	return false;
}

/*
 * Copy up to len received bytes of port to e's va. The number copied; 0
 * when the host end has closed and every byte before it is read; -E_AGAIN
 * (nothing yet), -E_FAULT, and port_of's errors.
 */
long stream_read(struct env *e, long port, uint64_t va, long len)
{
	long err, done = 0;
	struct port *p = port_of(e, port, len, &err);
	if (!p)
		return err;
	while (done < len && (p->cur || rx_next(p))) {
		uint32_t k = p->cur_len - p->cur_off;
		if ((uint64_t)k > (uint64_t)(len - done))
			k = (uint32_t)(len - done);
		if (copy_to_user(e, va + (uint64_t)done, (uint8_t *)P2V(p->rx_pa[p->cur_id]) + p->cur_off, k) < 0) {
			err = -E_FAULT;
			break;
		}
		done += k;
		p->cur_off += k;
		if (p->cur_off == p->cur_len) {
			p->cur = false;
			rx_post(p, p->cur_id);
			virtq_kick(con.dev, &p->rx);
		}
	}
	if (done > 0 || len == 0)
		return done;
	return err < 0 ? err : p->host_open ? -E_AGAIN : 0;
}

/*
 * Queue up to len bytes at e's va for the host on port. The number queued
 * (at least 1 unless len is 0); -E_AGAIN (no buffer free), -E_CLOSED (the
 * host end has closed), -E_FAULT, and port_of's errors.
 */
long stream_write(struct env *e, long port, uint64_t va, long len)
{
	long err, done = 0;
	struct port *p = port_of(e, port, len, &err);
	if (!p)
		return err;
	if (!p->host_open)
		return -E_CLOSED;
	reclaim(&p->tx, p->tx_free, &p->ntx_free, PORT_BUFS);
	while (done < len && p->ntx_free > 0) {
		uint16_t i = p->tx_free[p->ntx_free - 1];
		uint32_t k = len - done < (long)PAGE_SIZE ? (uint32_t)(len - done) : PAGE_SIZE;
		if (copy_from_user(e, P2V(p->tx_pa[i]), va + (uint64_t)done, k) < 0) {
			err = -E_FAULT;
			break;
		}
		p->ntx_free--;
		p->tx.desc[i] = (struct virtq_desc){ .addr = p->tx_pa[i], .len = k };
		virtq_push(&p->tx, i);
		done += k;
	}
	if (done > 0)
		virtq_kick(con.dev, &p->tx);
	if (done > 0 || len == 0)
		return done;
	return err < 0 ? err : -E_AGAIN;
}

/* What stream_read and stream_write would do on port now: STREAM_* bits; port_of's errors. */
long stream_poll(struct env *e, long port)
{
	long err;
	struct port *p = port_of(e, port, 0, &err);
	if (!p)
		return err;
	reclaim(&p->tx, p->tx_free, &p->ntx_free, PORT_BUFS);
	return (rx_pending(p) || !p->host_open ? STREAM_READABLE : 0) |
	       (p->ntx_free > 0 || !p->host_open ? STREAM_WRITABLE : 0) | (p->host_open ? 0 : STREAM_CLOSED);
}

/* e ended: the ports it claimed are free to claim again. */
void stream_env_gone(struct env *e)
{
	for (int i = 1; i < con.nports; i++)
		if (con.port[i].owner == e->id)
			con.port[i].owner = 0;
}

/*
 * Before power-off: wait until the host has taken every byte queued on an
 * open port (or the host end closes), for at most limit_ns if it is not 0.
 * Interrupts are off: the queues are polled.
 */
void stream_drain(uint64_t limit_ns)
{
	uint64_t start = now_ns();
	for (int i = 1; con.dev && i < con.nports; i++) {
		struct port *p = &con.port[i];
		for (;;) {
			ctrl_drain();
			reclaim(&p->tx, p->tx_free, &p->ntx_free, PORT_BUFS);
			if (p->ntx_free == PORT_BUFS || !p->host_open || (limit_ns && now_ns() - start > limit_ns))
				break;
			__asm__ volatile("pause");
		}
	}
}
