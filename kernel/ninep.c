/* The virtio-9p transport: shares bound to envs, 9P messages moved between the device and envs' own frames, completion rings. */
#include "kernel.h"
#include "kernel/virtio.h"
#include "kernel/ninep.h"
#include <mica/ninep.h>

/*
 * A request is one ring descriptor pointing at a table of the kernel's
 * (VIRTIO_RING_F_INDIRECT_DESC, which QEMU's device offers): one
 * descriptor per page of the message out, then one per page of the room
 * for the answer, which the device writes. The kernel never reads either.
 * A request is known by its head descriptor, 0 .. P9_INFLIGHT - 1.
 */
#define VIRTIO_9P_F_MOUNT_TAG 1ULL
#define CONFIG_TAG_LEN 0 /* 16 bits, then the tag's bytes */
#define REQQ 0
#define SIDE_PAGES (P9_MAX_LEN / PAGE_SIZE + 1) /* pages one side of a request can touch */
#define TABLE_SIZE 2048 /* bytes of one request's indirect table */
#define TABLES_PER_PAGE (PAGE_SIZE / TABLE_SIZE)
_Static_assert(2 * SIDE_PAGES * sizeof(struct virtq_desc) <= TABLE_SIZE, "a request's parts fit its table");
_Static_assert(P9_INFLIGHT <= VIRTQ_MAX, "the requests fit the queue");

/* A request the device holds. */
struct request {
	bool busy;
	uint64_t env, cookie;
	uint32_t nfns;
	uint32_t fns[2 * SIDE_PAGES]; /* the frames the kernel holds a reference on until completion */
};

struct share {
	struct virtio_dev *dev;
	struct virtq q;
	uint64_t owner; /* the env that claimed it (0: nobody); it and its descendants may use it */
	char tag[P9_TAG_MAX + 1];
	uint32_t tag_len;
	uint64_t table_pa[P9_INFLIGHT / TABLES_PER_PAGE];
	bool waiting; /* a submission was refused for room: signal the rings at the next completion */
	struct request req[P9_INFLIGHT];
};

/* An env's completion ring: one page of its own, by the env's slot in envs[]. */
struct ring {
	uint64_t owner; /* env id; 0 when unbound */
	long nt;
	uint64_t bits;
	uint64_t fn;
	uint32_t head; /* the truth; the page's copy is for the env */
	uint32_t inflight;
};

static struct share shares[P9_NSHARES];
static int nshares;
static struct ring rings[NENV];

static struct p9_ring_hdr *ring_hdr(struct ring *r)
{
	return P2V(r->fn * PAGE_SIZE);
}

/* The share numbered share that e may use: NULL with *err -E_NOENT (none) or -E_PERM (not claimed by e or an ancestor). */
static struct share *share_for(struct env *e, long share, long *err)
{
	if (share < 0 || share >= nshares) {
		*err = -E_NOENT;
		return NULL;
	}
	struct share *s = &shares[share];
	struct env *holder = s->owner ? env_lookup(s->owner) : NULL;
	*err = holder && ancestor(holder, e) ? 0 : -E_PERM;
	return *err ? NULL : s;
}

/* Copy struct p9_info of share to out_va. 0, -E_NOENT (no such share), -E_FAULT. */
long p9_info(struct env *e, long share, uint64_t out_va)
{
	if (share < 0 || share >= nshares)
		return -E_NOENT;
	struct p9_info info = { .max_len = P9_MAX_LEN, .tag_len = shares[share].tag_len };
	memcpy(info.tag, shares[share].tag, sizeof(info.tag));
	return copy_to_user(e, out_va, &info, sizeof(info)) < 0 ? -E_FAULT : 0;
}

/* Bind share to e and its descendants. 0 (also when e or an ancestor holds it already); -E_NOENT; -E_BUSY (another holds it). */
long p9_claim(struct env *e, long share)
{
	long err;
	if (share_for(e, share, &err))
		return 0;
	if (err == -E_NOENT)
		return err;
	struct share *s = &shares[share];
	if (s->owner && env_lookup(s->owner))
		return -E_BUSY;
	s->owner = e->id;
	return 0;
}

/*
 * Bind the page at va, e's own and mapped writable, as e's completion ring,
 * signalling bits on e's notification nt. 0; dma_ring_frame's errors, or
 * -E_BUSY (e has a ring already).
 */
long p9_ring_bind(struct env *e, uint64_t va, long nt, uint64_t bits)
{
	struct ring *r = &rings[e - envs];
	long fn = dma_ring_frame(e, va, nt, bits);
	if (fn < 0)
		return fn;
	if (r->owner == e->id)
		return -E_BUSY;
	frame_incref((uint64_t)fn);
	*r = (struct ring){ .owner = e->id, .nt = nt, .bits = bits, .fn = (uint64_t)fn };
	memset(ring_hdr(r), 0, PAGE_SIZE);
	ring_hdr(r)->nslots = P9_RING_SLOTS;
	return 0;
}

/* The frames of [va, va + len) in e (writable ones when write) appended to rq. 0 or dma_frame's error. */
static long side_frames(struct env *e, uint64_t va, uint32_t len, bool write, struct request *rq)
{
	for (uint64_t p = PGROUNDDOWN(va); p < va + len; p += PAGE_SIZE) {
		long fn = dma_frame(e, p, write);
		if (fn < 0)
			return fn;
		rq->fns[rq->nfns++] = (uint32_t)fn;
	}
	return 0;
}

/* Is [va, va + len) a valid side of a request? */
static bool side_ok(uint64_t va, uint32_t len)
{
	return len >= P9_MIN_LEN && len <= P9_MAX_LEN && va < USER_LIMIT && len <= USER_LIMIT - va;
}

/* Check q of e alone (no side effects): 0 with its frames in rq; -E_* as p9_submit says. */
static long request_check(struct env *e, const struct p9_req *q, struct request *rq)
{
	if (!side_ok(q->out_va, q->out_len) || !side_ok(q->in_va, q->in_len))
		return -E_INVAL;
	rq->nfns = 0;
	long err = side_frames(e, q->out_va, q->out_len, false, rq);
	return err < 0 ? err : side_frames(e, q->in_va, q->in_len, true, rq);
}

/* Fill the indirect table t with one descriptor per page piece of [va, va + len), from frames fns; the count. */
static uint16_t side_descs(struct virtq_desc *t, uint64_t va, uint32_t len, const uint32_t *fns, uint16_t flags)
{
	uint16_t n = 0;
	uint64_t end = va + len;
	for (uint64_t page = PGROUNDDOWN(va); page < end; page += PAGE_SIZE, n++) {
		uint64_t lo = page > va ? page : va, hi = page + PAGE_SIZE < end ? page + PAGE_SIZE : end;
		t[n] = (struct virtq_desc){ .addr = (uint64_t)fns[n] * PAGE_SIZE + (lo - page),
					    .len = (uint32_t)(hi - lo),
					    .flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT),
					    .next = (uint16_t)(n + 1) };
	}
	return n;
}

/* Put checked request rq of q on s's ring at free head descriptor head. */
static void chain_place(struct share *s, uint16_t head, const struct p9_req *q, const struct request *rq)
{
	uint64_t pa = s->table_pa[head / TABLES_PER_PAGE] + (uint64_t)(head % TABLES_PER_PAGE) * TABLE_SIZE;
	struct virtq_desc *t = P2V(pa);
	uint16_t nout = side_descs(t, q->out_va, q->out_len, rq->fns, 0);
	uint16_t nin = side_descs(t + nout, q->in_va, q->in_len, rq->fns + nout, VIRTQ_DESC_F_WRITE);
	uint16_t n = (uint16_t)(nout + nin);
	for (uint16_t k = nout; k < n; k++)
		t[k].next = (uint16_t)(k + 1);
	t[n - 1].flags &= (uint16_t)~VIRTQ_DESC_F_NEXT;
	s->q.desc[head] = (struct virtq_desc){ .addr = pa,
					       .len = (uint32_t)(n * sizeof(struct virtq_desc)),
					       .flags = VIRTQ_DESC_F_INDIRECT };
}

/* A free head descriptor of s, or -1. */
static int free_head(struct share *s)
{
	for (int i = 0; i < P9_INFLIGHT; i++)
		if (!s->req[i].busy)
			return i;
	return -1;
}

/* Is there room in r for one more request: those in flight and the completions not consumed fit? */
static bool ring_room(struct ring *r)
{
	uint32_t unread = r->head - ring_hdr(r)->tail;
	return unread <= P9_RING_SLOTS && unread + r->inflight < P9_RING_SLOTS;
}

/*
 * Queue the request (struct p9_req at req_va) of e, checked first; nothing
 * changes when it is refused. 0; -E_INVAL (no ring bound, a length outside
 * [P9_MIN_LEN, P9_MAX_LEN], a range past USER_LIMIT), -E_FAULT (the request
 * or a page not mapped, or a page of the answer not writable), -E_NOENT
 * (no such share), -E_PERM (the share not e's nor an ancestor's, a frame
 * neither e's nor shared with its group), -E_AGAIN (e's ring or the
 * device's queue is full; the ring is signalled at the next completion).
 */
long p9_submit(struct env *e, uint64_t req_va)
{
	struct p9_req q;
	struct request rq;
	struct ring *r = &rings[e - envs];
	long err;
	if (r->owner != e->id)
		return -E_INVAL;
	if (copy_from_user(e, &q, req_va, sizeof(q)) < 0)
		return -E_FAULT;
	struct share *s = share_for(e, q.share, &err);
	if (!s || (err = request_check(e, &q, &rq)) < 0)
		return err;
	int head = free_head(s);
	if (head < 0 || !ring_room(r)) {
		s->waiting = true;
		return -E_AGAIN;
	}
	for (uint32_t k = 0; k < rq.nfns; k++)
		frame_incref(rq.fns[k]);
	chain_place(s, (uint16_t)head, &q, &rq);
	rq.busy = true;
	rq.env = e->id;
	rq.cookie = q.cookie;
	s->req[head] = rq;
	r->inflight++;
	virtq_push(&s->q, (uint16_t)head);
	virtq_kick(s->dev, &s->q);
	return 0;
}

/* The device answered the request at head of s with len bytes: drop the frames' references, tell its env if it is still there. */
static void complete(struct share *s, uint32_t head, uint32_t len)
{
	if (head >= P9_INFLIGHT || !s->req[head].busy)
		return;
	struct request *rq = &s->req[head];
	struct ring *r = &rings[rq->env & (NENV - 1)];
	for (uint32_t k = 0; k < rq->nfns; k++)
		frame_decref(rq->fns[k]);
	rq->busy = false;
	if (r->owner != rq->env)
		return; /* the env ended: nobody to tell */
	struct p9_ring_hdr *h = ring_hdr(r);
	h->slot[r->head % P9_RING_SLOTS] = (struct p9_done){ rq->cookie, len ? 0 : -E_IO, len };
	__asm__ volatile("" ::: "memory"); /* the completion before the index that shows it */
	h->head = ++r->head;
	r->inflight--;
	ntfn_signal(r->nt, r->bits);
}

/* Signal every bound ring: a submission of s was refused for room, and a request has completed. */
static void wake_waiters(struct share *s)
{
	if (!s->waiting)
		return;
	s->waiting = false;
	for (int i = 0; i < NENV; i++)
		if (rings[i].owner)
			ntfn_signal(rings[i].nt, rings[i].bits);
}

/* The interrupt (every share's line): take each answered request. */
static void ninep_irq(void)
{
	for (int k = 0; k < nshares; k++) {
		struct share *s = &shares[k];
		uint32_t id, len;
		int n = 0;
		virtio_irq_ack(s->dev);
		do
			while (virtq_pop(&s->q, &id, &len))
				complete(s, id, len), n++;
		while (virtq_rearm(&s->q));
		if (n)
			wake_waiters(s);
	}
}

/* e ended: its ring goes with the kernel's hold on its page, and the shares it held are free; its requests complete unseen. */
void ninep_env_gone(struct env *e)
{
	struct ring *r = &rings[e - envs];
	for (int k = 0; k < nshares; k++)
		if (shares[k].owner == e->id)
			shares[k].owner = 0;
	if (r->owner != e->id)
		return;
	frame_decref(r->fn);
	*r = (struct ring){ 0 };
}

/* Read s's mount tag from the device's configuration. */
static void read_tag(struct share *s)
{
	uint32_t len = virtio_config16(s->dev, CONFIG_TAG_LEN);
	s->tag_len = len < P9_TAG_MAX ? len : P9_TAG_MAX;
	for (uint32_t i = 0; i < s->tag_len; i++)
		s->tag[i] = (char)virtio_config8(s->dev, CONFIG_TAG_LEN + 2 + (int)i);
	s->tag[s->tag_len] = 0;
}

/* Take a virtio-9p device as the next share. 0, -E_BUSY (P9_NSHARES driven already), -E_INVAL (no indirect descriptors), -E_NOMEM. */
int ninep_probe(struct virtio_dev *dev)
{
	if (nshares == P9_NSHARES)
		return -E_BUSY;
	struct share *s = &shares[nshares];
	uint64_t f = virtio_negotiate(dev, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC |
						   VIRTIO_9P_F_MOUNT_TAG);
	if (!f || !(f & VIRTIO_RING_F_INDIRECT_DESC)) {
		virtio_fail(dev);
		return -E_INVAL;
	}
	int err = virtq_setup(dev, &s->q, REQQ);
	for (unsigned i = 0; err == 0 && i < P9_INFLIGHT / TABLES_PER_PAGE; i++)
		if ((s->table_pa[i] = kalloc_page()) == 0)
			err = -E_NOMEM; /* at boot: the pages taken stay the kernel's */
	if (err < 0 || (err = irq_claim(dev->irq, ninep_irq)) < 0)
		return err;
	s->dev = dev;
	read_tag(s);
	virtio_ready(dev);
	nshares++;
	return 0;
}
