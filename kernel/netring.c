/* Packet rings: bind an env's own frames as a receive ring, demultiplex received frames into rings, send batches. */
#include "kernel.h"
#include "kernel/net.h"
#include "kernel/dpf.h"
#include <mica/net.h>
#include <mica/dpf.h>

#define RINGS_PER_ENV 4 /* no env holds more, so no one env takes them all */
#define RING_INDEX_BITS 8
#define TX_COOKIE 1 /* transmit filters name no ring */

/*
 * A bound ring: the frames of an env that the kernel writes received
 * packets into. The kernel holds a reference on each frame, so the frames
 * stay alive whatever the env does with them, until the env ends. The
 * kernel's own head is the truth; the header's copy is for the env.
 */
struct ring {
	uint64_t id; /* generation << RING_INDEX_BITS | index; 0 when free */
	uint64_t owner; /* env id */
	long nt; /* notification to signal, with bits */
	uint64_t bits;
	uint32_t npages, nslots, head;
	uint32_t fns[NET_RING_MAX_PAGES];
};

/*
 * The ring table and the transmit bounce buffer live in kernel pages taken
 * when a device is found (netring_init), so a machine without a network
 * device spends no memory on them.
 */
#define NRING ((int)(PAGE_SIZE / sizeof(struct ring)))
_Static_assert(PAGE_SIZE / sizeof(struct ring) < 1 << RING_INDEX_BITS, "a ring id's index bits cover the table");
static struct ring *rings;
static uint64_t ring_generation = 1;
static struct net_info stats; /* the counters; mac and link are filled in when read */
static uint8_t *tx_buf; /* NET_FRAME_MAX bytes */

static struct ring *ring_lookup(uint64_t id)
{
	uint64_t i = id & ((1 << RING_INDEX_BITS) - 1);
	return id != 0 && rings && i < (uint64_t)NRING && rings[i].id == id ? &rings[i] : NULL;
}

static struct net_ring_hdr *ring_hdr(struct ring *r)
{
	return P2V((uint64_t)r->fns[0] * PAGE_SIZE);
}

static struct net_slot *ring_slot(struct ring *r, uint32_t k)
{
	uint32_t i = k % r->nslots;
	return P2V((uint64_t)r->fns[1 + i / NET_SLOTS_PER_PAGE] * PAGE_SIZE + (i % NET_SLOTS_PER_PAGE) * NET_SLOT_SIZE);
}

/* Copy pkt into r and tell its owner; false when r is full (or its tail is a lie: then too). */
static bool ring_put(struct ring *r, const uint8_t *pkt, size_t len)
{
	struct net_ring_hdr *h = ring_hdr(r);
	if (r->head - h->tail >= r->nslots) {
		h->dropped++;
		return false;
	}
	struct net_slot *s = ring_slot(r, r->head);
	s->len = (uint32_t)len;
	memcpy(s->data, pkt, len);
	__asm__ volatile("" ::: "memory"); /* the packet before the index that shows it */
	h->head = ++r->head;
	h->delivered++;
	if (!(h->flags & NET_RING_POLL))
		ntfn_signal(r->nt, r->bits);
	return true;
}

/* Take the pages for the ring table and the transmit buffer (a device was found). 0, -E_NOMEM. */
int netring_init(void)
{
	uint64_t table = kalloc_page(), buf = kalloc_page();
	if (!table || !buf)
		return -E_NOMEM; /* at boot: a page taken stays the kernel's */
	rings = P2V(table);
	tx_buf = P2V(buf);
	return 0;
}

/* A frame from the device: counted once, delivered to the ring of the filter that claims it or dropped; the match is timed. */
void netring_receive(const uint8_t *pkt, size_t len)
{
	uint64_t owner;
	stats.rx_frames++;
	if (len < NET_FRAME_MIN) {
		stats.rx_runts++;
		return;
	}
	if (len > NET_FRAME_MAX) {
		stats.rx_oversized++;
		return;
	}
	uint64_t t0 = rdtsc();
	uint64_t cookie = dpf_match(DPF_RX, pkt, len, &owner);
	stats.rx_demux_tsc += rdtsc() - t0;
	stats.rx_demuxed++;
	struct ring *r = ring_lookup(cookie);
	if (!r || r->owner != owner)
		stats.rx_unclaimed++;
	else if (!ring_put(r, pkt, len))
		stats.rx_ring_full++;
	else
		stats.rx_delivered++;
}

/* The frame mapped at va in e if e owns it and may write it (when write): its number; -E_FAULT, -E_PERM. */
static long own_frame(struct env *e, uint64_t va, bool write)
{
	uint64_t *pte = va < USER_LIMIT ? pt_lookup(e->pml4, PGROUNDDOWN(va)) : NULL;
	if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
		return -E_FAULT;
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE;
	return frame_owner(fn) == e->id ? (long)fn : -E_PERM;
}

/* A free ring for e, or NULL: none is free, e holds RINGS_PER_ENV already, or there is no ring table. */
static struct ring *ring_free(struct env *e)
{
	struct ring *r = NULL;
	int n = 0;
	for (int i = 0; rings && i < NRING; i++) {
		n += rings[i].id && rings[i].owner == e->id;
		if (!rings[i].id && !r)
			r = &rings[i];
	}
	return n < RINGS_PER_ENV ? r : NULL;
}

/*
 * Bind npages of e's own frames, mapped writable from va, as a receive ring
 * that signals bits on notification nt (e's). The ring's id (> 0); -E_INVAL
 * (va unaligned, npages out of [2, NET_RING_MAX_PAGES], bad bits), -E_FAULT
 * (a page not mapped writable), -E_PERM (a frame e does not own, or an nt
 * it does not own), -E_NOENT (no such nt), -E_NOMEM (no ring free, e
 * holds RINGS_PER_ENV already, or there is no device and so no ring table).
 * Changes nothing on error.
 */
long net_ring_bind(struct env *e, uint64_t va, long npages, long nt, uint64_t bits)
{
	uint32_t fns[NET_RING_MAX_PAGES];
	struct ring *r;
	if ((va & (PAGE_SIZE - 1)) || npages < 2 || npages > NET_RING_MAX_PAGES || bits == 0 || (bits >> 63) ||
	    va >= USER_LIMIT || (uint64_t)npages * PAGE_SIZE > USER_LIMIT - va)
		return -E_INVAL;
	int err = ntfn_check_owner(e, nt);
	if (err < 0)
		return err;
	for (long i = 0; i < npages; i++) {
		long fn = own_frame(e, va + (uint64_t)i * PAGE_SIZE, true);
		if (fn < 0)
			return fn;
		fns[i] = (uint32_t)fn;
	}
	if ((r = ring_free(e)) == NULL)
		return -E_NOMEM;
	for (long i = 0; i < npages; i++)
		frame_incref(r->fns[i] = fns[i]);
	r->id = ring_generation++ << RING_INDEX_BITS | (uint64_t)(r - rings);
	r->owner = e->id;
	r->nt = nt;
	r->bits = bits;
	r->npages = (uint32_t)npages;
	r->nslots = (uint32_t)(npages - 1) * NET_SLOTS_PER_PAGE;
	r->head = 0;
	*ring_hdr(r) = (struct net_ring_hdr){ .nslots = r->nslots };
	return (long)r->id;
}

/*
 * Install the filter at filter_va (struct dpf_filter) for e: a receive
 * filter delivering to ring (e's), or with ring NET_TX a transmit filter
 * (what e may send). The filter's id; -E_FAULT, -E_NOENT (no such ring),
 * -E_PERM (not e's ring), and dpf_install's -E_INVAL, -E_EXIST, -E_NOMEM.
 */
long net_filter(struct env *e, long ring, uint64_t filter_va)
{
	struct dpf_filter f;
	struct ring *r = ring == NET_TX ? NULL : ring_lookup((uint64_t)ring);
	if (ring != NET_TX && !r)
		return -E_NOENT;
	if (r && r->owner != e->id)
		return -E_PERM;
	if (copy_from_user(e, &f, filter_va, sizeof(f)) < 0)
		return -E_FAULT;
	return dpf_install(r ? DPF_RX : DPF_TX, e->id, &f, r ? r->id : TX_COOKIE);
}

/* Remove filter id, which e holds. 0, -E_NOENT, -E_PERM. */
long net_filter_remove(struct env *e, long id)
{
	return dpf_remove(e->id, id);
}

/* Check packet p of e (its length, its frames, its transmit filter) and queue it. 0 or -E_* as net_send. */
static long send_one(struct env *e, const struct net_tx *p)
{
	uint64_t owner;
	if (p->len < NET_FRAME_MIN || p->len > NET_FRAME_MAX)
		return -E_INVAL;
	for (uint64_t va = PGROUNDDOWN(p->va); va < p->va + p->len; va += PAGE_SIZE) {
		long fn = own_frame(e, va, false);
		if (fn < 0)
			return fn;
	}
	if (copy_from_user(e, tx_buf, p->va, p->len) < 0)
		return -E_FAULT;
	dpf_match(DPF_TX, tx_buf, p->len, &owner); /* the owner, not the cookie, tells a match */
	if (owner != e->id) {
		stats.tx_refused++;
		return -E_PERM;
	}
	long err = netdev_send(tx_buf, p->len);
	if (err == 0)
		stats.tx_frames++;
	return err;
}

/*
 * Send n packets described at batch_va (struct net_tx), each from frames
 * e owns and each allowed by one of e's transmit filters. The number sent,
 * from the first on, until one could not be: if that is the first, its
 * error: -E_INVAL (n outside [1, NET_TX_BATCH], a length outside
 * [NET_FRAME_MIN, NET_FRAME_MAX]), -E_FAULT (not mapped), -E_PERM (a frame
 * e does not own, or no transmit filter of e's allows it: spoofed),
 * -E_NOENT (no device), -E_AGAIN (the device's queue is full).
 */
long net_send(struct env *e, uint64_t batch_va, long n)
{
	struct net_tx batch[NET_TX_BATCH];
	long i = 0, err = 0;
	if (n < 1 || n > NET_TX_BATCH)
		return -E_INVAL;
	if (copy_from_user(e, batch, batch_va, (size_t)n * sizeof(batch[0])) < 0)
		return -E_FAULT;
	while (i < n && (err = send_one(e, &batch[i])) == 0)
		i++;
	netdev_flush();
	return i > 0 ? i : err;
}

/* Copy the device's address, link state and the counters to out_va. 0, -E_FAULT. */
long net_info(struct env *e, uint64_t out_va)
{
	struct net_info info = stats;
	bool up;
	netdev_info(info.mac, &up);
	info.link_up = up;
	return copy_to_user(e, out_va, &info, sizeof(info)) < 0 ? -E_FAULT : 0;
}

/* e ended: drop its filters, then its rings and the kernel's hold on their frames. */
void net_env_gone(struct env *e)
{
	dpf_owner_gone(e->id);
	for (int i = 0; rings && i < NRING; i++) {
		struct ring *r = &rings[i];
		if (!r->id || r->owner != e->id)
			continue;
		for (uint32_t k = 0; k < r->npages; k++)
			frame_decref(r->fns[k]);
		r->id = 0;
	}
}
