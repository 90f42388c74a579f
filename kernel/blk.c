/* The virtio-blk driver: several disks, requests from envs' own frames checked against their extents, completion rings. */
#include "kernel.h"
#include "kernel/virtio.h"
#include "kernel/blk.h"
#include <mica/blk.h>

/*
 * A request is a chain of descriptors: the header (type, sector), one
 * descriptor per page of the env's memory, and the status byte the device
 * writes. Headers and status bytes are the kernel's, one per head
 * descriptor; the data are never copied. A request is known by the index
 * of its head descriptor until it completes.
 */
#define VIRTIO_BLK_F_RO (1ULL << 5)
#define VIRTIO_BLK_F_FLUSH (1ULL << 9)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define CONFIG_CAPACITY 0 /* 64 bits, in 512-byte sectors */
#define REQ_SEGS (BLK_MAX_LEN / PAGE_SIZE + 1) /* pages a request can touch */
#define REQQ 0
#define IND_TABLE_SIZE 512 /* bytes of one request's indirect table: 32 descriptors */
#define IND_PER_PAGE (PAGE_SIZE / IND_TABLE_SIZE)
_Static_assert(REQ_SEGS + 2 <= VIRTQ_MAX, "the longest request fits the queue");
_Static_assert((REQ_SEGS + 2) * sizeof(struct virtq_desc) <= IND_TABLE_SIZE, "and an indirect table");

struct blk_vhdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* A request the device holds (or, for a held flush, will hold). */
struct request {
	bool busy;
	bool held; /* a flush waiting for the writes submitted before it */
	uint32_t op, len;
	uint64_t env, cookie;
	uint64_t seq; /* order of submission on the disk */
	uint32_t nfns;
	uint32_t fns[REQ_SEGS]; /* the frames the kernel holds a reference on until completion */
};

struct disk {
	struct virtio_dev *dev;
	struct virtq q;
	uint64_t sectors;
	uint32_t flags; /* BLK_INFO_* */
	uint64_t seq;
	bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC: a request takes one ring descriptor, its parts in a table */
	uint64_t ind_pa[VIRTQ_MAX / IND_PER_PAGE]; /* kernel pages of indirect tables, one per ring descriptor */
	uint16_t free[VIRTQ_MAX]; /* descriptors not in a chain */
	int nfree;
	int nheld; /* held flushes among req[] */
	struct request req[VIRTQ_MAX]; /* by head descriptor */
	struct blk_vhdr hdr[VIRTQ_MAX];
	uint8_t status[VIRTQ_MAX];
};

/* An env's completion ring: one page of its own, indexed by the env's slot in envs[]. */
struct ring {
	uint64_t owner; /* env id; 0 when unbound */
	long nt;
	uint64_t bits;
	uint64_t fn;
	uint32_t head; /* the truth; the page's copy is for the env */
	uint32_t inflight;
	bool waiting; /* a submission was refused for room: signal at the next completion */
};

static struct disk disks[BLK_NDISKS];
static int ndisks;
static struct ring rings[NENV];
static int nwaiting; /* rings with waiting set */

static struct blk_ring_hdr *ring_hdr(struct ring *r)
{
	return P2V(r->fn * PAGE_SIZE);
}

/* Is disk there: its size and whether it is read-only. */
bool blk_disk(uint32_t disk, uint64_t *sectors, bool *ro)
{
	if (disk >= (uint32_t)ndisks)
		return false;
	*sectors = disks[disk].sectors;
	*ro = disks[disk].flags & BLK_INFO_RO;
	return true;
}

/* Copy struct blk_info of disk to out_va. 0, -E_NOENT (no such disk), -E_FAULT. */
long blk_info(struct env *e, long disk, uint64_t out_va)
{
	if (disk < 0 || disk >= ndisks)
		return -E_NOENT;
	struct blk_info info = { disks[disk].sectors, BLK_SECTOR, disks[disk].flags };
	return copy_to_user(e, out_va, &info, sizeof(info)) < 0 ? -E_FAULT : 0;
}

/* The frame mapped at va in e, if e owns it or its group shares it, and e may write it when write: its number; -E_FAULT, -E_PERM. */
long dma_frame(struct env *e, uint64_t va, bool write)
{
	uint64_t *pte = va < USER_LIMIT ? pt_lookup(e->pml4, PGROUNDDOWN(va)) : NULL;
	if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
		return -E_FAULT;
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE;
	uint64_t group = frame_group(fn);
	return frame_owner(fn) == e->id || (group && group == (uint32_t)e->group) ? (long)fn : -E_PERM;
}

long dma_ring_frame(struct env *e, uint64_t va, long nt, uint64_t bits)
{
	if ((va & (PAGE_SIZE - 1)) || va >= USER_LIMIT || bits == 0 || (bits >> 63))
		return -E_INVAL;
	int err = ntfn_check_owner(e, nt);
	if (err < 0)
		return err;
	long fn = dma_frame(e, va, true);
	if (fn < 0)
		return fn;
	return frame_owner((uint64_t)fn) == e->id ? fn : -E_PERM;
}

/*
 * Bind the page at va, e's own and mapped writable, as e's completion ring,
 * signalling bits on e's notification nt. 0; dma_ring_frame's errors, or
 * -E_BUSY (e has a ring already).
 */
long blk_ring_bind(struct env *e, uint64_t va, long nt, uint64_t bits)
{
	struct ring *r = &rings[e - envs];
	long fn = dma_ring_frame(e, va, nt, bits);
	if (fn < 0)
		return fn;
	if (r->owner == e->id)
		return -E_BUSY;
	frame_incref((uint64_t)fn);
	nwaiting -= r->waiting;
	*r = (struct ring){ .owner = e->id, .nt = nt, .bits = bits, .fn = (uint64_t)fn };
	memset(ring_hdr(r), 0, PAGE_SIZE);
	ring_hdr(r)->nslots = BLK_RING_SLOTS;
	return 0;
}

/* Is there room in r for one more request: those in flight and the completions not consumed fit? */
static bool ring_room(struct ring *r)
{
	uint32_t unread = r->head - ring_hdr(r)->tail;
	return unread <= BLK_RING_SLOTS && unread + r->inflight < BLK_RING_SLOTS;
}

/* The frames of [va, va + len) in e, for a read (the device writes them) or not, into fns. Their number; usable_frame's errors. */
static long request_frames(struct env *e, uint64_t va, uint32_t len, bool read, uint32_t *fns)
{
	long n = 0;
	for (uint64_t p = PGROUNDDOWN(va); p < va + len; p += PAGE_SIZE) {
		long fn = dma_frame(e, p, read);
		if (fn < 0)
			return fn;
		fns[n++] = (uint32_t)fn;
	}
	return n;
}

/* Check request q of e alone (no side effects): 0 with its frames in rq->fns; -E_* as blk_submit says. */
static long request_check(struct env *e, const struct blk_req *q, struct request *rq)
{
	if (q->disk >= (uint32_t)ndisks)
		return -E_NOENT;
	struct disk *d = &disks[q->disk];
	rq->nfns = 0;
	if (q->op == BLK_FLUSH)
		return extent_allows_flush(e, q->disk) ? 0 : -E_PERM;
	if (q->op != BLK_READ && q->op != BLK_WRITE)
		return -E_INVAL;
	if (q->len == 0 || q->len % BLK_SECTOR || q->len > BLK_MAX_LEN || q->va % BLK_SECTOR || q->va >= USER_LIMIT ||
	    q->len > USER_LIMIT - q->va)
		return -E_INVAL;
	if (q->op == BLK_WRITE && (d->flags & BLK_INFO_RO))
		return -E_PERM;
	if (!extent_allows(e, q->disk, q->sector, q->len / BLK_SECTOR, q->op == BLK_READ ? BLK_R : BLK_W))
		return -E_PERM;
	long n = request_frames(e, q->va, q->len, q->op == BLK_READ, rq->fns);
	if (n < 0)
		return n;
	rq->nfns = (uint32_t)n;
	return 0;
}

/* How many ring descriptors a request touching nfns pages takes: one with indirect descriptors, else one per part. */
static int descs_needed(const struct disk *d, uint32_t nfns)
{
	return d->indirect ? 1 : (int)nfns + 2;
}

/* The parts of request rq of q, in order (header, one per page, status), into seq: how many; header and status addresses are left 0. */
static uint16_t parts(const struct blk_req *q, const struct request *rq, struct virtq_desc *seq)
{
	uint16_t data_flag = q->op == BLK_READ ? VIRTQ_DESC_F_WRITE : 0, n = 0;
	uint64_t end = q->va + q->len;
	seq[n++] = (struct virtq_desc){ .len = sizeof(struct blk_vhdr), .flags = VIRTQ_DESC_F_NEXT };
	for (uint32_t k = 0; k < rq->nfns; k++) {
		uint64_t page = PGROUNDDOWN(q->va) + (uint64_t)k * PAGE_SIZE;
		uint64_t lo = page > q->va ? page : q->va, hi = page + PAGE_SIZE < end ? page + PAGE_SIZE : end;
		seq[n++] = (struct virtq_desc){ .addr = (uint64_t)rq->fns[k] * PAGE_SIZE + (lo - page),
						.len = (uint32_t)(hi - lo),
						.flags = data_flag | VIRTQ_DESC_F_NEXT };
	}
	seq[n++] = (struct virtq_desc){ .len = 1, .flags = VIRTQ_DESC_F_WRITE };
	return n;
}

/* The indirect table of head descriptor i of d, through the physical map, and its physical address. */
static struct virtq_desc *indirect_table(struct disk *d, uint16_t i, uint64_t *pa)
{
	*pa = d->ind_pa[i / IND_PER_PAGE] + (uint64_t)(i % IND_PER_PAGE) * IND_TABLE_SIZE;
	return P2V(*pa);
}

/*
 * Put the n parts of seq on d's ring: with indirect descriptors in the
 * table of one ring descriptor, else each in a ring descriptor of its own,
 * chained (the caller checked there are enough). The head descriptor.
 */
static uint16_t chain_place(struct disk *d, struct virtq_desc *seq, uint16_t n)
{
	uint16_t head = d->free[--d->nfree];
	seq[0].addr = V2P(&d->hdr[head]);
	seq[n - 1].addr = V2P(&d->status[head]);
	if (d->indirect) {
		uint64_t pa;
		struct virtq_desc *t = indirect_table(d, head, &pa);
		for (uint16_t k = 0; k < n; k++)
			t[k] = seq[k], t[k].next = (uint16_t)(k + 1);
		d->q.desc[head] = (struct virtq_desc){ .addr = pa,
						       .len = (uint32_t)(n * sizeof(struct virtq_desc)),
						       .flags = VIRTQ_DESC_F_INDIRECT };
		return head;
	}
	uint16_t prev = head;
	d->q.desc[head] = seq[0];
	for (uint16_t k = 1; k < n; k++) {
		uint16_t i = d->free[--d->nfree];
		d->q.desc[i] = seq[k];
		d->q.desc[prev].next = i;
		prev = i;
	}
	return head;
}

/* Build the chain of request rq (checked) of q in d, its header and status ready. Its head descriptor. */
static uint16_t chain_build(struct disk *d, const struct blk_req *q, const struct request *rq)
{
	struct virtq_desc seq[REQ_SEGS + 2];
	uint16_t head = chain_place(d, seq, parts(q, rq, seq));
	d->hdr[head] = (struct blk_vhdr){ q->op == BLK_READ    ? VIRTIO_BLK_T_IN
					  : q->op == BLK_WRITE ? VIRTIO_BLK_T_OUT
							       : VIRTIO_BLK_T_FLUSH,
					  0, q->op == BLK_FLUSH ? 0 : q->sector };
	d->status[head] = 0xFF;
	return head;
}

/* May the held flush f of d go to the device: has every write submitted before it completed? */
static bool flush_ready(struct disk *d, const struct request *f)
{
	for (int i = 0; i < d->q.size; i++)
		if (d->req[i].busy && !d->req[i].held && d->req[i].op == BLK_WRITE && d->req[i].seq < f->seq)
			return false;
	return true;
}

/* Hand d's held flushes whose writes have all completed to the device; true if one went. */
static bool flush_release(struct disk *d)
{
	bool any = false;
	for (uint16_t i = 0; d->nheld && i < d->q.size; i++)
		if (d->req[i].busy && d->req[i].held && flush_ready(d, &d->req[i])) {
			d->req[i].held = false;
			d->nheld--;
			virtq_push(&d->q, i);
			any = true;
		}
	return any;
}

/* Check request q of e and queue it (or hold it, a flush). 0 or -E_* as blk_submit says; nothing changes on error. */
static long submit_one(struct env *e, struct ring *r, const struct blk_req *q)
{
	struct request rq;
	long err = request_check(e, q, &rq);
	if (err < 0)
		return err;
	struct disk *d = &disks[q->disk];
	if (d->nfree < descs_needed(d, rq.nfns) || !ring_room(r)) {
		nwaiting += !r->waiting;
		r->waiting = true;
		ring_hdr(r)->flags |= BLK_RING_WAIT;
		return -E_AGAIN;
	}
	for (uint32_t k = 0; k < rq.nfns; k++)
		frame_incref(rq.fns[k]);
	uint16_t head = chain_build(d, q, &rq);
	rq.busy = true;
	rq.op = q->op;
	rq.len = q->op == BLK_FLUSH ? 0 : q->len;
	rq.env = e->id;
	rq.cookie = q->cookie;
	rq.seq = d->seq++;
	rq.held = q->op == BLK_FLUSH && !flush_ready(d, &rq);
	d->req[head] = rq;
	if (rq.held)
		d->nheld++;
	else
		virtq_push(&d->q, head);
	r->inflight++;
	ring_hdr(r)->submitted++;
	return 0;
}

/*
 * Queue n requests (struct blk_req at batch_va) of e, each checked when it
 * is submitted (mica/blk.h). The number queued, from the first on, until
 * one could not be; if that is the first, its error: -E_INVAL (n outside
 * [1, BLK_SUBMIT_BATCH], an unknown op, a bad length or alignment, no
 * completion ring bound), -E_FAULT (the batch or a page not mapped, or a
 * page for a read not writable), -E_NOENT (no such disk), -E_PERM (outside
 * e's extents or without the right, a write to a read-only device, a frame
 * neither e's nor shared with its group), -E_AGAIN (no room: e's ring or
 * the device's queue is full; the ring is signalled when there is).
 */
long blk_submit(struct env *e, uint64_t batch_va, long n)
{
	struct blk_req batch[BLK_SUBMIT_BATCH];
	struct ring *r = &rings[e - envs];
	bool kick[BLK_NDISKS] = { false };
	long i = 0, err = 0;
	if (n < 1 || n > BLK_SUBMIT_BATCH || r->owner != e->id)
		return -E_INVAL;
	if (copy_from_user(e, batch, batch_va, (size_t)n * sizeof(batch[0])) < 0)
		return -E_FAULT;
	for (; i < n && (err = submit_one(e, r, &batch[i])) == 0; i++)
		kick[batch[i].disk] = true;
	for (int k = 0; k < ndisks; k++)
		if (kick[k])
			virtq_kick(disks[k].dev, &disks[k].q);
	return i > 0 ? i : err;
}

/* Give the descriptors of the chain from head back to d. */
static void chain_free(struct disk *d, uint16_t head)
{
	for (uint16_t i = head, k = 0; k < d->q.size; k++) {
		d->free[d->nfree++] = i;
		if (!(d->q.desc[i].flags & VIRTQ_DESC_F_NEXT))
			break;
		i = d->q.desc[i].next;
	}
}

/* The device finished the request at head of d: drop the frames' references, and tell its env if it is still there. */
static void complete(struct disk *d, uint32_t head)
{
	if (head >= d->q.size || !d->req[head].busy || d->req[head].held)
		return;
	struct request *rq = &d->req[head];
	struct ring *r = &rings[rq->env & (NENV - 1)];
	int32_t status = d->status[head] == 0 ? 0 : -E_IO;
	chain_free(d, (uint16_t)head);
	for (uint32_t k = 0; k < rq->nfns; k++)
		frame_decref(rq->fns[k]);
	rq->busy = false;
	if (r->owner != rq->env)
		return; /* the env ended: nobody to tell */
	struct blk_ring_hdr *h = ring_hdr(r);
	h->slot[r->head % BLK_RING_SLOTS] = (struct blk_done){ rq->cookie, status, rq->len };
	__asm__ volatile("" ::: "memory"); /* the completion before the index that shows it */
	h->head = ++r->head;
	h->completed++;
	r->inflight--;
	ntfn_signal(r->nt, r->bits);
}

/* Signal every ring that was refused for room: a request completed. */
static void wake_waiters(void)
{
	for (int i = 0; nwaiting && i < NENV; i++)
		if (rings[i].owner && rings[i].waiting) {
			rings[i].waiting = false;
			nwaiting--;
			ring_hdr(&rings[i])->flags &= ~(uint32_t)BLK_RING_WAIT;
			ntfn_signal(rings[i].nt, rings[i].bits);
		}
}

/* The interrupt (every disk's line): take each finished request, then release the flushes they held. */
static void blk_irq(void)
{
	for (int k = 0; k < ndisks; k++) {
		struct disk *d = &disks[k];
		uint32_t id, len;
		int n = 0;
		virtio_irq_ack(d->dev);
		do
			while (virtq_pop(&d->q, &id, &len))
				complete(d, id), n++;
		while (virtq_rearm(&d->q));
		if (n && flush_release(d))
			virtq_kick(d->dev, &d->q);
		if (n)
			wake_waiters();
	}
}

/* e ended: its ring goes with the kernel's hold on its page; its requests in flight complete unseen. */
void blk_env_gone(struct env *e)
{
	struct ring *r = &rings[e - envs];
	if (r->owner != e->id)
		return;
	frame_decref(r->fn);
	nwaiting -= r->waiting;
	*r = (struct ring){ 0 };
}

/*
 * Take a virtio-blk device as the next disk, with indirect descriptors
 * when it offers them (QEMU does; Firecracker does not). 0, -E_BUSY
 * (BLK_NDISKS driven already), -E_INVAL, -E_NOMEM.
 */
int blk_probe(struct virtio_dev *dev)
{
	if (ndisks == BLK_NDISKS)
		return -E_BUSY;
	struct disk *d = &disks[ndisks];
	uint64_t f = virtio_negotiate(dev, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC |
						   VIRTIO_BLK_F_RO | VIRTIO_BLK_F_FLUSH);
	if (!f)
		return -E_INVAL;
	int err = virtq_setup(dev, &d->q, REQQ);
	d->indirect = (f & VIRTIO_RING_F_INDIRECT_DESC) != 0;
	for (uint64_t i = 0; err == 0 && d->indirect && i < (d->q.size + IND_PER_PAGE - 1) / IND_PER_PAGE; i++)
		if ((d->ind_pa[i] = kalloc_page()) == 0)
			err = -E_NOMEM; /* at boot: the pages taken stay the kernel's */
	if (err < 0 || (err = irq_claim(dev->irq, blk_irq)) < 0)
		return err;
	d->dev = dev;
	d->sectors = virtio_config32(dev, CONFIG_CAPACITY) | (uint64_t)virtio_config32(dev, CONFIG_CAPACITY + 4) << 32;
	d->flags = (f & VIRTIO_BLK_F_RO ? BLK_INFO_RO : 0) | (f & VIRTIO_BLK_F_FLUSH ? BLK_INFO_FLUSH : 0);
	for (uint16_t i = 0; i < d->q.size; i++)
		d->free[d->nfree++] = i;
	virtio_ready(dev);
	ndisks++;
	return 0; /* quietly: the console may be a program's stderr (blk_info tells the rest) */
}
