/* FUSE: /dev/fuse, through which a server process answers the file calls of a FUSE mount, and the volume operations over it. */
#include "libos/lx/volume.h"
#include "libos/lx/linux/fuse.h"
#include "libos/lx/fuse_mica.h"

/*
 * A server (fuse2fs, say) opens /dev/fuse and mounts it (mount(2) with
 * "fd=N"); the mount is a volume (volume.c) whose operations, below, turn
 * each call into a FUSE request. A request waits in its connection's queue
 * until the server reads it from /dev/fuse, then in the sent list until
 * the server writes the answer with the request's unique number; the
 * thread that made it sleeps meanwhile, lx unlocked. Connections, requests
 * and their buffers live in the heap every process shares, since the
 * server is another process than the callers.
 *
 * Volumes speak in fids (volume.h); here a fid names a node, by the
 * server's node id, and, once opened, the server's file handle. Nodes are
 * counted as the kernel counts them: each LOOKUP (or entry an answer
 * hands back) adds one to the node's lookup count, which one FORGET gives
 * back when the last fid naming the node goes.
 *
 * As Linux keeps a FUSE mount's dentries, a connection keeps names for as
 * long as the server says they stay valid (entry_valid: a second, as
 * libfuse answers by default), each holding its node, or negative (the
 * folder has no such name), so that walking the same folders again and
 * again (every path call walks from the volume's root) does not ask the
 * server each time. Only lx changes a mount's names (the server serves no
 * one else), and a name lx makes, unlinks, removes or renames is forgotten
 * before the request goes and again at its answer. Attributes are kept as
 * well (attr_change, below).
 *
 * A server on one of lx's disks that answers FUSE_MICA_MAP (fuse_mica.h:
 * mica-ext4) says where a file's bytes lie on the disk, and a read takes
 * them from lx's disk cache (blkdev.c), the pages the server reads and
 * writes through: one request for up to a MiB read, and no copy through
 * the server and its answer, where READ is a request for each 128 KiB.
 */
#define FUSE_CONNS 32 /* mounts a machine may make while it runs: a connection's id is never reused */
#define IO_MAX (128 * 1024) /* bytes one READ asks for at most */
#define FMAP_IO_MAX (1024 * 1024) /* bytes one read through FUSE_MICA_MAP takes at most (lx locked meanwhile) */
#define FMAP_TRIES 4 /* times a read asks for a map again when a request that may free blocks went meanwhile */
#define NAMES_KEPT 32 /* LOOKUP answers a connection keeps */
#define NAME_KEPT 47 /* bytes of the longest name kept */
#define OPEN_DROP (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC) /* flags the kernel keeps from FUSE_OPEN */
#define WB_MAX (64 * 1024) /* the largest write sent without waiting for its answer (write-behind, below) */
#define WB_FLIGHT (1024 * 1024) /* bytes of such writes unanswered at most: beyond, a write waits */
#define WB_SPARE (16ull << 20) /* free bytes write-behind never counts on (what the writes' metadata takes) */
#define WB_ROOM_MAX (64ull << 20) /* bytes write-behind may count on between two questions of free space */
#define WB_ASK_NS 1000000000ull /* how long a file system found too full for write-behind is not asked again */
#define WB_LOST 8 /* errors of writes behind kept for files whose node went before a write or fsync told them */

struct fnode {
	uint64_t nodeid, nlookup;
	uint64_t generation; /* the server's, with nodeid naming the file (an inode made again is another) */
	uint32_t refs; /* fids naming it */
	uint32_t mode; /* S_IFMT bits as last seen, 0 until known */
	struct fuse_attr attr; /* as the server last answered, while attr_until is to come */
	uint64_t attr_until; /* clock_ns() at which attr stops being valid; 0: none kept */
	int wb_error; /* the first error a write not waited for met, until a write or fsync of the node reports it */
	bool mapped; /* its pages were asked for (f_pages): a write waits, so that its mappings show it on return */
	struct fnode *next;
};

struct ffid {
	struct fnode *node; /* NULL: no node yet (the fid is free unless taken) */
	uint64_t fh;
	bool open, dir;
	uint32_t flags; /* what it was opened with */
	bool taken; /* handed out by fid_new: another thread's fid_new may not take it while a walk to it waits */
};

struct freq {
	struct freq *next;
	uint64_t unique;
	uint32_t opcode;
	uint8_t *in;
	uint32_t in_len;
	void *out;
	uint32_t out_cap, out_len;
	int error;
	bool waited; /* a thread waits for the answer (every request but FORGET, RELEASE and INIT) */
	bool background; /* an answer comes, and no one waits for it (RELEASE): freed when it comes */
	bool done;
	struct fnode *wb; /* a WRITE no one waits for (write-behind): its node, held until the answer */
	struct lx_waitq wq;
};

/* A name the server answered a LOOKUP for, while the answer stays valid. */
struct fname {
	struct fnode *node; /* held; NULL: a negative entry (the folder has no such name) */
	uint64_t parent; /* the folder's node id */
	uint64_t until; /* clock_ns() at which the answer stops being valid; 0: a free slot */
	uint64_t used; /* the connection's names_tick when last found or kept: the least recently used goes first */
	char name[NAME_KEPT + 1];
};

/* A node's untold write-behind error when the node went: its file's next node takes it (wb_lost_keep). */
struct wb_lost {
	uint64_t nodeid, generation;
	int error;
};

struct fuse_conn {
	int refs; /* its /dev/fuse file and its volume */
	bool mounted, ready, dead; /* ready: INIT answered; dead: unmounted, or the server's file closed */
	bool no_flush, no_syncfs, no_map; /* answered ENOSYS to FLUSH, SYNCFS, MICA_MAP: not asked again */
	bool promises; /* the server makes Mica's promises (fuse_mica.h): O_EXCL CREATE checks, requests in order */
	uint64_t map_gen; /* counts requests sent that may free a file's blocks (map_safe) */
	uint32_t max_write;
	uint64_t next_unique;
	struct freq *queue, *sent; /* not yet read (oldest first); read and not yet answered */
	struct freq *queue_last; /* the newest in queue, or NULL: a write behind the others is queued at once */
	struct lx_waitq readers; /* the server's threads waiting for a request */
	struct lx_waitq ready_wq; /* callers waiting for INIT's answer */
	struct fnode *nodes;
	struct ffid *fids;
	uint32_t nfids;
	uint32_t fid_low; /* every fid in [1, fid_low) is taken: fid_new looks from there */
	int id; /* its index in the table */
	struct fname names[NAMES_KEPT];
	uint64_t names_gen; /* counts name_forget calls: a LOOKUP answered across one is not kept */
	uint64_t names_tick; /* counts names found and kept */
	uint64_t absent_ns; /* how long the server lets a negative entry stay valid (its last), 0 until known */
	uint64_t attr_gen; /* counts requests sent that change attributes: an answer across one is not kept */
	uint64_t wb_flight; /* bytes of writes sent without waiting, not yet answered */
	uint64_t wb_room; /* bytes more of them may take before the server is asked its free space again */
	uint64_t wb_ask_at; /* clock_ns() before which it is not asked again (0: whenever wb_room runs out) */
	int wb_error; /* the first error a write not waited for met, until syncfs reports it */
	struct wb_lost wb_lost[WB_LOST]; /* errors of nodes gone (wb_lost_keep) */
	uint32_t wb_lost_next; /* the slot the next one takes (the oldest goes) */
};

/* The connections, in the shared heap, found through LX_SH by every process. */
static struct fuse_conn **conns(void)
{
	if (!LX_SH->fuse)
		LX_SH->fuse = lx_alloc(FUSE_CONNS * sizeof(struct fuse_conn *));
	return LX_SH->fuse;
}

static struct fuse_conn *conn_at(uint32_t id)
{
	struct fuse_conn **t = conns();
	return t && id < FUSE_CONNS ? t[id] : NULL;
}

/* ---- requests ---- */

struct piece {
	const void *p;
	size_t n;
};

/* Append q to c's queue and wake the server. */
static void enqueue(struct fuse_conn *c, struct freq *q)
{
	q->next = NULL;
	*(c->queue_last ? &c->queue_last->next : &c->queue) = q;
	c->queue_last = q;
	lx_waitq_wake(&c->readers);
}

/* Take q out of the list at *head, if it is there. */
static void unlink_req(struct freq **head, struct freq *q)
{
	for (struct freq **pp = head; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

/* Find c's queue_last again, after a request was taken from the middle of its queue. */
static void queue_last_find(struct fuse_conn *c)
{
	c->queue_last = c->queue;
	while (c->queue_last && c->queue_last->next)
		c->queue_last = c->queue_last->next;
}

/* Take q out of c's queue, if it is there. */
static void unqueue(struct fuse_conn *c, struct freq *q)
{
	unlink_req(&c->queue, q);
	queue_last_find(c);
}

static void req_free(struct freq *q)
{
	lx_free(q->in);
	lx_free(q->out);
	lx_free(q);
}

/* Does a request of opcode leave every file's blocks where they were (it may add blocks, not free or move them)? */
static bool map_safe(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP:
	case FUSE_GETATTR:
	case FUSE_READLINK:
	case FUSE_SYMLINK:
	case FUSE_MKDIR:
	case FUSE_LINK:
	case FUSE_OPEN:
	case FUSE_READ:
	case FUSE_WRITE:
	case FUSE_STATFS:
	case FUSE_FSYNC:
	case FUSE_FLUSH:
	case FUSE_INIT:
	case FUSE_OPENDIR:
	case FUSE_READDIR:
	case FUSE_RELEASEDIR:
	case FUSE_FSYNCDIR:
	case FUSE_CREATE:
	case FUSE_SYNCFS:
	case FUSE_MICA_MAP:
		return true;
	default: /* SETATTR (a truncate), UNLINK, RMDIR, RENAME, FORGET and RELEASE (of a removed file)... */
		return false;
	}
}

/* ---- the attributes kept ---- */

/*
 * As Linux keeps a FUSE inode's attributes, a node keeps the server's last
 * answer for them (GETATTR, or an entry) for as long as the server says it
 * stays valid (attr_valid: a second, as libfuse answers by default): a
 * program's fstat and stat, which sqlite3 makes many of between writes,
 * ask the server nothing. Every request lx sends that may change a node's
 * attributes forgets what is kept of it (attr_change), and an answer
 * across such a request is not kept, since it may predate the change.
 */

static struct fnode *node_find(struct fuse_conn *c, uint64_t nodeid);

/* ns from a FUSE answer's validity of s + nsec (a timeout far off counting as forever). */
static uint64_t valid_ns(uint64_t s, uint32_t nsec)
{
	return s < 1000000 ? s * 1000000000UL + nsec : 1ULL << 60;
}

/* A request of opcode on nodeid goes to the server: forget the attributes it may change. */
static void attr_change(struct fuse_conn *c, uint32_t opcode, uint64_t nodeid)
{
	struct fnode *n;
	switch (opcode) {
	case FUSE_SETATTR: /* the node's own */
	case FUSE_WRITE:
	case FUSE_CREATE: /* the folder's times, size and links */
	case FUSE_MKDIR:
	case FUSE_SYMLINK:
		if ((n = node_find(c, nodeid)))
			n->attr_until = 0;
		break;
	case FUSE_LINK: /* another node's links and ctime too */
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_RENAME:
		for (n = c->nodes; n; n = n->next)
			n->attr_until = 0;
		break;
	default: /* reads, lookups, opens, syncs... (an access time lx does not keep: mica-ext4 does not move it) */
		return;
	}
	c->attr_gen++;
}

/* Keep attributes a for n, valid for valid ns (valid_ns), unless a change was sent since gen. */
static void attr_keep(struct fuse_conn *c, struct fnode *n, const struct fuse_attr *a, uint64_t valid, uint64_t gen)
{
	if (gen != c->attr_gen || valid == 0)
		return;
	n->attr = *a;
	n->attr_until = clock_ns() + valid;
}

/* n's kept attributes, or NULL when none are valid. */
static const struct fuse_attr *attr_kept(const struct fnode *n)
{
	return n->attr_until && clock_ns() < n->attr_until ? &n->attr : NULL;
}

/* A new request of opcode on nodeid, its body the pieces, room for cap bytes of answer; NULL when out of memory. */
static struct freq *req_new(struct fuse_conn *c, uint32_t opcode, uint64_t nodeid, const struct piece *in, int nin,
			    size_t cap)
{
	size_t len = sizeof(struct fuse_in_header);
	for (int i = 0; i < nin; i++)
		len += in[i].n;
	struct freq *q = lx_alloc(sizeof(*q));
	if (q) {
		q->in = lx_alloc_raw(len); /* filled whole below */
		q->out = cap ? lx_alloc_raw(cap) : NULL; /* only the out_len bytes the answer wrote are read */
	}
	if (!q || !q->in || (cap && !q->out)) {
		if (q)
			req_free(q);
		return NULL;
	}
	struct fuse_in_header h = { (uint32_t)len,   opcode,          ++c->next_unique,     nodeid,
				    lx_cred_fsuid(), lx_cred_fsgid(), (uint32_t)lx_me->pid, 0 };
	memcpy(q->in, &h, sizeof(h));
	size_t at = sizeof(h);
	for (int i = 0; i < nin; i++) {
		memcpy(q->in + at, in[i].p, in[i].n);
		at += in[i].n;
	}
	attr_change(c, opcode, nodeid);
	if (!map_safe(opcode))
		c->map_gen++;
	q->unique = h.unique;
	q->opcode = opcode;
	q->in_len = (uint32_t)len;
	q->out_cap = (uint32_t)cap;
	q->waited = true;
	q->background = false;
	q->wb = NULL;
	return q;
}

static void conn_put(struct fuse_conn *c);

/* Wait (lx unlocked) until c has agreed on the protocol: 0, or -ENOTCONN when it never will. */
static long wait_ready(struct fuse_conn *c)
{
	while (!c->ready && !c->dead) {
		lx_waitq_add(&c->ready_wq);
		lx_thread_wait(LX_RECHECK_NS);
	}
	return c->dead ? -ENOTCONN : 0;
}

/*
 * Send a request and wait for its answer, whose body (at most cap bytes)
 * goes to out (lx memory) with its length in *got. The server's error
 * (-errno), -ENOTCONN when the connection ends first, -ENOMEM, or 0. The
 * wait is not interrupted by signals, as a local disk's is not.
 */
static long call(struct fuse_conn *c, uint32_t opcode, uint64_t nodeid, const struct piece *in, int nin, void *out,
		 size_t cap, size_t *got)
{
	c->refs++; /* c stays while this thread sleeps, whatever happens to its file and mount */
	struct freq *q = NULL;
	long r = wait_ready(c);
	if (r == 0 && !(q = req_new(c, opcode, nodeid, in, nin, cap)))
		r = -ENOMEM;
	if (q) {
		enqueue(c, q);
		while (!q->done && !c->dead) {
			lx_waitq_add(&q->wq);
			lx_thread_wait(LX_RECHECK_NS);
		}
		r = q->done ? q->error : -ENOTCONN;
		if (!q->done) { /* the connection ended: q is in one of its lists */
			unqueue(c, q);
			unlink_req(&c->sent, q);
		} else if (r == 0) {
			if (out)
				memcpy(out, q->out, q->out_len);
			if (got)
				*got = q->out_len;
		}
		req_free(q);
	}
	conn_put(c);
	return r;
}

/* A call whose answer must be exactly size bytes (an entry, attributes...). */
static long call_fixed(struct fuse_conn *c, uint32_t opcode, uint64_t nodeid, const struct piece *in, int nin,
		       void *out, size_t size)
{
	size_t got = 0;
	long r = call(c, opcode, nodeid, in, nin, out, size, &got);
	return r == 0 && got < size ? -EIO : r;
}

/* Send a request no one waits for: FORGET (no answer comes) or, background, one whose answer is let go. */
static void send_only(struct fuse_conn *c, uint32_t opcode, uint64_t nodeid, const void *in, size_t n, bool background)
{
	struct freq *q = c->dead ? NULL : req_new(c, opcode, nodeid, &(struct piece){ in, n }, 1, 0);
	if (q) {
		q->waited = false;
		q->background = background;
		enqueue(c, q);
	}
}

/* Tell the server to forget nlookup lookups of nodeid; no answer comes. */
static void forget(struct fuse_conn *c, uint64_t nodeid, uint64_t nlookup)
{
	struct fuse_forget_in f = { nlookup };
	send_only(c, FUSE_FORGET, nodeid, &f, sizeof(f), false);
}

/* ---- nodes and fids ---- */

/*
 * An error a write behind met is told once, by the file's next write or fsync, as Linux tells one of its
 * write-back to the next fsync, through any descriptor, opened before the error or after, while its inode
 * stays in memory. The node that holds it goes at the file's last close (once the write is answered), so a
 * node going with an error untold leaves it here, for the file's next node, the last WB_LOST of them.
 */
static void wb_lost_keep(struct fuse_conn *c, const struct fnode *n)
{
	if (n->wb_error)
		c->wb_lost[c->wb_lost_next++ % WB_LOST] = (struct wb_lost){ n->nodeid, n->generation, n->wb_error };
}

/* New node n takes an error its file's last node left untold (wb_lost_keep). */
static void wb_lost_take(struct fuse_conn *c, struct fnode *n)
{
	for (int i = 0; i < WB_LOST; i++)
		if (c->wb_lost[i].error && c->wb_lost[i].nodeid == n->nodeid &&
		    c->wb_lost[i].generation == n->generation) {
			n->wb_error = c->wb_lost[i].error;
			c->wb_lost[i].error = 0;
		}
}

static struct fnode *node_find(struct fuse_conn *c, uint64_t nodeid)
{
	for (struct fnode *n = c->nodes; n; n = n->next)
		if (n->nodeid == nodeid)
			return n;
	return NULL;
}

/*
 * The node of an entry the server handed back (counting its lookup), held once more, its attributes kept
 * unless a change was sent since gen; NULL when out of memory.
 */
static struct fnode *node_entry(struct fuse_conn *c, const struct fuse_entry_out *e, uint64_t gen)
{
	struct fnode *n = node_find(c, e->nodeid);
	if (!n && (n = lx_alloc(sizeof(*n)))) {
		*n = (struct fnode){ .nodeid = e->nodeid, .generation = e->generation, .next = c->nodes };
		c->nodes = n;
		wb_lost_take(c, n);
	}
	if (!n) {
		forget(c, e->nodeid, 1);
		return NULL;
	}
	n->nlookup++;
	n->refs++;
	n->mode = e->attr.mode;
	attr_keep(c, n, &e->attr, valid_ns(e->attr_valid, e->attr_valid_nsec), gen);
	return n;
}

/* Drop a hold on n: at the last, the server forgets it (never the root). */
static void node_put(struct fuse_conn *c, struct fnode *n)
{
	if (--n->refs > 0 || n->nodeid == FUSE_ROOT_ID)
		return;
	wb_lost_keep(c, n);
	forget(c, n->nodeid, n->nlookup);
	for (struct fnode **pp = &c->nodes; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	lx_free(n);
}

/* ---- the LOOKUP answers kept ---- */

/* Forget kept name m, letting its node go. */
static void name_drop(struct fuse_conn *c, struct fname *m)
{
	struct fnode *n = m->node;
	*m = (struct fname){ 0 };
	if (n)
		node_put(c, n);
}

/* The kept answer for name in folder parent, still valid; NULL when there is none (an expired one is dropped). */
static struct fname *name_find(struct fuse_conn *c, uint64_t parent, const char *name)
{
	uint64_t now = clock_ns();
	for (int i = 0; i < NAMES_KEPT; i++) {
		struct fname *m = &c->names[i];
		if (!m->until || m->parent != parent || strcmp(m->name, name) != 0)
			continue;
		if (now < m->until) {
			m->used = ++c->names_tick;
			return m;
		}
		name_drop(c, m);
	}
	return NULL;
}

/* Drop what is kept of name in folder parent. */
static void names_drop(struct fuse_conn *c, uint64_t parent, const char *name)
{
	for (int i = 0; i < NAMES_KEPT; i++)
		if (c->names[i].until && c->names[i].parent == parent && strcmp(c->names[i].name, name) == 0)
			name_drop(c, &c->names[i]);
}

/* Forget what is kept of name in folder parent, and any answer now on its way: the name is changing. */
static void name_forget(struct fuse_conn *c, uint64_t parent, const char *name)
{
	c->names_gen++;
	names_drop(c, parent, name);
}

/*
 * Keep for valid ns that name in folder parent leads to node n (held once more), or with n NULL that the
 * folder has no such name, in place of the one least recently used (so that the folders a path walks
 * through stay, while the names of files made one after another come and go).
 */
static void name_keep(struct fuse_conn *c, uint64_t parent, const char *name, struct fnode *n, uint64_t valid)
{
	if (strlen(name) > NAME_KEPT || valid == 0)
		return;
	names_drop(c, parent, name);
	struct fname *m = &c->names[0];
	for (int i = 1; i < NAMES_KEPT && m->until; i++)
		if (!c->names[i].until || c->names[i].used < m->used)
			m = &c->names[i];
	name_drop(c, m);
	*m = (struct fname){ n, parent, clock_ns() + valid, ++c->names_tick, { 0 } };
	strlcpy(m->name, name, sizeof(m->name));
	if (n)
		n->refs++;
}

/*
 * The node name leads to from folder node dir, held once more: a kept
 * answer, else the server's LOOKUP (kept when it may be, a negative entry
 * too, whose validity the connection remembers for the names lx removes).
 * NULL with *err: the server's error, -ENOENT (a negative entry too),
 * -ENOMEM.
 */
static struct fnode *lookup(struct fuse_conn *c, struct fnode *dir, const char *name, long *err)
{
	struct fname *m = name_find(c, dir->nodeid, name);
	if (m && !m->node) {
		*err = -ENOENT;
		return NULL;
	}
	if (m) {
		m->node->refs++;
		return m->node;
	}
	struct fuse_entry_out e;
	uint64_t parent = dir->nodeid, gen = c->names_gen, agen = c->attr_gen;
	*err = call_fixed(c, FUSE_LOOKUP, parent, &(struct piece){ name, strlen(name) + 1 }, 1, &e, sizeof(e));
	uint64_t valid = *err == 0 ? valid_ns(e.entry_valid, e.entry_valid_nsec) : 0;
	if (*err == 0 && e.nodeid == 0) {
		*err = -ENOENT;
		c->absent_ns = valid;
		if (gen == c->names_gen)
			name_keep(c, parent, name, NULL, valid);
	}
	if (*err < 0)
		return NULL;
	struct fnode *n = node_entry(c, &e, agen);
	if (!n)
		*err = -ENOMEM;
	else if (gen == c->names_gen) /* no name changed while the server answered */
		name_keep(c, parent, name, n, valid);
	return n;
}

/*
 * A call of opcode on folder node dir that makes name there (CREATE,
 * MKDIR, SYMLINK, LINK), its answer an entry, then maybe more: 0 or
 * -errno, with the entry's node held in *n (an answer to the node's
 * lookup) and the answer in out. What was kept of the name (a negative
 * entry) is forgotten, and the new entry kept unless a name changed
 * meanwhile.
 */
static long make_name(struct fuse_conn *c, struct fnode *dir, uint32_t opcode, const char *name, const struct piece *in,
		      int nin, void *out, size_t size, struct fnode **n)
{
	uint64_t parent = dir->nodeid;
	name_forget(c, parent, name);
	uint64_t gen = c->names_gen, agen = c->attr_gen + 1; /* (+1: the request's own change of the folder) */
	long r = call_fixed(c, opcode, parent, in, nin, out, size);
	bool keep = r == 0 && gen == c->names_gen;
	name_forget(c, parent, name); /* and a negative entry a lookup answered meanwhile kept */
	if (r < 0)
		return r;
	const struct fuse_entry_out *e = out;
	if (!(*n = node_entry(c, e, agen)))
		return -ENOMEM;
	if (keep)
		name_keep(c, parent, name, *n, valid_ns(e->entry_valid, e->entry_valid_nsec));
	return 0;
}

/* The fid's slot on c, or NULL for a bad or free fid. */
static struct ffid *fid_at(struct fuse_conn *c, uint32_t fid)
{
	return c && fid < c->nfids && c->fids[fid].node ? &c->fids[fid] : NULL;
}

static uint32_t f_fid_new(uint32_t conn)
{
	struct fuse_conn *c = conn_at(conn);
	if (!c)
		return 0;
	/* 0 stays unused: a failed fid_new's answer (and fid_low is 0 after a failed walk to it) */
	for (uint32_t i = c->fid_low ? c->fid_low : 1; i < c->nfids; i++)
		if (!c->fids[i].taken) {
			c->fids[i].taken = true;
			c->fid_low = i + 1;
			return i;
		}
	uint32_t n = c->nfids ? 2 * c->nfids : 16;
	struct ffid *t = lx_realloc(c->fids, n * sizeof(*t));
	if (!t)
		return 0;
	memset(t + c->nfids, 0, (n - c->nfids) * sizeof(*t));
	uint32_t first = c->nfids ? c->nfids : 1;
	c->fids = t;
	c->nfids = n;
	t[first].taken = true;
	c->fid_low = first + 1;
	return first;
}

/* Fid i of c is free again. */
static void fid_free(struct fuse_conn *c, uint32_t i)
{
	c->fids[i] = (struct ffid){ 0 };
	if (i < c->fid_low)
		c->fid_low = i;
}

/* A walk to newfid failed: a fid it was to make (one fid_new gave, with no node yet) is free again, as in 9P. */
static long walk_failed(struct fuse_conn *c, uint32_t newfid, long r)
{
	if (newfid < c->nfids && !c->fids[newfid].node)
		fid_free(c, newfid);
	return r;
}

/* c and fid's slot for an operation: -EBADF (a fid the volume never made), -ENOTCONN (the server has gone). */
static long take(uint32_t conn, uint32_t fid, struct fuse_conn **c, struct ffid **f)
{
	*c = conn_at(conn);
	*f = fid_at(*c, fid);
	return !*f ? -EBADF : (*c)->dead ? -ENOTCONN : 0;
}

/* ---- the volume operations (volume.h) ---- */

static long f_walk(uint32_t conn, uint32_t fid, uint32_t newfid, const char *name)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0 || newfid >= c->nfids)
		return r < 0 ? r : -EBADF;
	struct fnode *to = f->node;
	if (!name) {
		to->refs++;
	} else if (!(to = lookup(c, f->node, name, &r))) {
		return walk_failed(c, newfid, r);
	}
	struct ffid *nf = &c->fids[newfid];
	if (nf->node)
		node_put(c, nf->node);
	*nf = (struct ffid){ to, 0, false, false, 0, true };
	return 0;
}

/* A qid's type bits (ninep.h) for a mode. */
static uint8_t qid_type(uint32_t mode)
{
	return (mode & S_IFMT) == S_IFDIR ? P9_QT_DIR : (mode & S_IFMT) == S_IFLNK ? P9_QT_SYMLINK : 0;
}

static long f_walk_names(uint32_t conn, uint32_t fid, uint32_t newfid, const char *const *names, int n, uint8_t *types)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0 || newfid >= c->nfids)
		return r < 0 ? r : -EBADF;
	struct fnode *cur = f->node;
	cur->refs++;
	int k = 0;
	for (; k < n; k++) {
		struct fnode *next = lookup(c, cur, names[k], &r);
		if (!next)
			break;
		types[k] = qid_type(next->mode);
		node_put(c, cur);
		cur = next;
	}
	if (k < n) {
		node_put(c, cur);
		return walk_failed(c, newfid, k ? k : r < 0 ? r : -ENOENT);
	}
	struct ffid *nf = &c->fids[newfid];
	if (nf->node)
		node_put(c, nf->node);
	c->fids[newfid] = (struct ffid){ cur, 0, false, false, 0, true };
	return n;
}

/* Close fid's open file on the server: FLUSH (a file's, while the server has it), then RELEASE. */
static void release(struct fuse_conn *c, struct ffid *f)
{
	struct fuse_flush_in fl = { f->fh, 0, 0, 0 };
	struct fuse_release_in rel = { f->fh, f->flags, 0, 0 };
	uint64_t nodeid = f->node->nodeid;
	bool dir = f->dir;
	f->open = false;
	if (c->dead)
		return;
	if (!dir && !c->no_flush &&
	    call(c, FUSE_FLUSH, nodeid, &(struct piece){ &fl, sizeof(fl) }, 1, NULL, 0, NULL) == -ENOSYS)
		c->no_flush = true;
	/* as Linux sends it: in the background, the close not waiting (the server takes requests in order) */
	send_only(c, dir ? FUSE_RELEASEDIR : FUSE_RELEASE, nodeid, &rel, sizeof(rel), true);
}

static void f_clunk(uint32_t conn, uint32_t fid)
{
	struct fuse_conn *c = conn_at(conn);
	struct ffid *f = fid_at(c, fid);
	if (!f)
		return;
	if (f->open)
		release(c, f);
	f = &c->fids[fid];
	struct fnode *n = f->node;
	fid_free(c, fid);
	node_put(c, n);
}

/* Attributes as the volumes use them. */
static void attr_fill(const struct fuse_attr *fa, struct p9_attr *a)
{
	*a = (struct p9_attr){ fa->ino,
			       fa->mode,
			       fa->uid,
			       fa->gid,
			       fa->nlink,
			       fa->rdev,
			       fa->size,
			       fa->blksize ? fa->blksize : 4096,
			       fa->blocks,
			       { (int64_t)fa->atime, fa->atimensec },
			       { (int64_t)fa->mtime, fa->mtimensec },
			       { (int64_t)fa->ctime, fa->ctimensec } };
}

static long f_getattr(uint32_t conn, uint32_t fid, struct p9_attr *a)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0)
		return r;
	bool fh =
		f->open && !f->dir; /* as Linux: a directory's handle is the server library's, not the file system's */
	struct fuse_getattr_in in = { fh ? FUSE_GETATTR_FH : 0, 0, fh ? f->fh : 0 };
	struct fuse_attr_out out;
	struct fnode *n = f->node;
	const struct fuse_attr *kept = attr_kept(n);
	if (kept) {
		attr_fill(kept, a);
		return 0;
	}
	uint64_t gen = c->attr_gen;
	r = call_fixed(c, FUSE_GETATTR, n->nodeid, &(struct piece){ &in, sizeof(in) }, 1, &out, sizeof(out));
	if (r == 0) {
		attr_fill(&out.attr, a);
		n->mode = out.attr.mode;
		attr_keep(c, n, &out.attr, valid_ns(out.attr_valid, out.attr_valid_nsec), gen);
	}
	return r;
}

/* SETATTR of f's node with in: 0 or -errno. Nothing to set: nothing asked (a change of ctime alone, which the
 * server makes with whatever it changes). */
static long setattr_call(struct fuse_conn *c, struct ffid *f, struct fuse_setattr_in *in)
{
	struct fuse_attr_out out;
	if (!in->valid)
		return 0;
	return call_fixed(c, FUSE_SETATTR, f->node->nodeid, &(struct piece){ in, sizeof(*in) }, 1, &out, sizeof(out));
}

static long f_setattr(uint32_t conn, uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size,
		      const uint64_t times[4])
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0)
		return r;
	struct fuse_setattr_in in = { 0 };
	if (valid & P9_SET_MODE)
		in.valid |= FATTR_MODE, in.mode = mode;
	if (valid & P9_SET_SIZE)
		in.valid |= FATTR_SIZE, in.size = size;
	if ((valid & P9_SET_ATIME) && (valid & P9_SET_ATIME_SET))
		in.valid |= FATTR_ATIME, in.atime = times[0], in.atimensec = (uint32_t)times[1];
	else if (valid & P9_SET_ATIME)
		in.valid |= FATTR_ATIME | FATTR_ATIME_NOW;
	if ((valid & P9_SET_MTIME) && (valid & P9_SET_MTIME_SET))
		in.valid |= FATTR_MTIME, in.mtime = times[2], in.mtimensec = (uint32_t)times[3];
	else if (valid & P9_SET_MTIME)
		in.valid |= FATTR_MTIME | FATTR_MTIME_NOW;
	if (f->open && !f->dir && (valid & P9_SET_SIZE))
		in.valid |= FATTR_FH, in.fh = f->fh; /* ftruncate, as Linux tells it */
	return setattr_call(c, f, &in);
}

/* The node's type, asked of the server when not yet known: 0 or -errno. */
static long known_mode(uint32_t conn, uint32_t fid, struct ffid **f)
{
	struct p9_attr a;
	long r = (*f)->node->mode ? 0 : f_getattr(conn, fid, &a);
	*f = &conn_at(conn)->fids[fid];
	return r;
}

static long f_lopen(uint32_t conn, uint32_t fid, uint32_t flags)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r == 0)
		r = known_mode(conn, fid, &f);
	if (r < 0)
		return r;
	bool dir = (f->node->mode & S_IFMT) == S_IFDIR;
	if (!dir && (flags & O_TRUNC) && (r = f_setattr(conn, fid, P9_SET_SIZE, 0, 0, NULL)) < 0)
		return r;
	struct fuse_open_in in = { flags & ~(uint32_t)OPEN_DROP, 0 };
	struct fuse_open_out out;
	r = call_fixed(c, dir ? FUSE_OPENDIR : FUSE_OPEN, f->node->nodeid, &(struct piece){ &in, sizeof(in) }, 1, &out,
		       sizeof(out));
	if (r == 0) {
		f = &c->fids[fid];
		f->fh = out.fh;
		f->open = true;
		f->dir = dir;
		f->flags = in.flags;
	}
	return r;
}

/*
 * Whether folder fid has name, for an O_EXCL create: -EEXIST when it has, 0 when it has not or when the
 * server will tell (it checks, fuse_mica.h), else what a lookup answers.
 */
static long excl_check(struct fuse_conn *c, uint32_t fid, const char *name)
{
	struct fname *m = name_find(c, c->fids[fid].node->nodeid, name);
	if (m)
		return m->node ? -EEXIST : 0;
	if (c->promises)
		return 0;
	long r;
	struct fnode *n = lookup(c, c->fids[fid].node, name, &r);
	if (n)
		node_put(c, n);
	return n ? -EEXIST : r == -ENOENT ? 0 : r;
}

static long f_lcreate(uint32_t conn, uint32_t fid, const char *name, uint32_t flags, uint32_t mode)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r == 0 && (flags & O_EXCL) && (r = excl_check(c, fid, name)) == 0)
		f = &c->fids[fid];
	if (r < 0)
		return r;
	struct fuse_create_in in = { flags & ~(uint32_t)(O_NOCTTY), S_IFREG | (mode & 07777), 0, 0 };
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out;
	struct piece p[] = { { &in, sizeof(in) }, { name, strlen(name) + 1 } };
	struct fnode *n;
	r = make_name(c, f->node, FUSE_CREATE, name, p, 2, &out, sizeof(out), &n);
	if (r < 0)
		return r;
	f = &c->fids[fid];
	node_put(c, f->node); /* the fid now names the new file, as 9P's lcreate makes it */
	*f = (struct ffid){ n, out.o.fh, true, false, in.flags & ~(uint32_t)OPEN_DROP, true };
	return 0;
}

/* The fid's open file, for reading or writing it: -EBADF when it is not open. */
static long take_open(uint32_t conn, uint32_t fid, struct fuse_conn **c, struct ffid **f)
{
	long r = take(conn, fid, c, f);
	return r < 0 ? r : (*f)->open ? 0 : -EBADF;
}

/* A FUSE_MICA_MAP answer. */
struct fmap {
	struct fuse_map_out h;
	struct fuse_map_extent x[FUSE_MAP_EXTENTS_MAX];
};

/*
 * Read n bytes at off of a file through map m, the hole's bytes as zeros and the others from the disk's cache:
 * how many (short where m ends or the file does), or -EIO when m is malformed (it does not begin at off, its
 * extents do not follow each other, one lies past the disk) and nothing was read; -ENODEV: lx holds no such disk.
 */
static long map_copy(const struct fmap *m, void *buf, size_t n, uint64_t off)
{
	uint64_t end = m->h.file_size - off < n ? m->h.file_size : off + n, at = off;
	if (off >= m->h.file_size)
		return 0;
	for (uint32_t i = 0; i < m->h.count && at < end; i++) {
		const struct fuse_map_extent *x = &m->x[i];
		if (x->offset > at || x->length > UINT64_MAX - x->offset)
			break;
		if (x->offset + x->length <= at)
			continue;
		uint64_t k = (x->offset + x->length < end ? x->offset + x->length : end) - at;
		char *to = (char *)buf + (at - off);
		long r = (long)k;
		if (x->addr == FUSE_MAP_HOLE)
			memset(to, 0, k);
		else if (x->addr > UINT64_MAX - x->length ||
			 (r = blkdev_pread(m->h.dev, to, k, x->addr + (at - x->offset))) < 0)
			return at > off ? (long)(at - off) : r < 0 ? r : -EIO;
		at += (uint64_t)r;
		if ((uint64_t)r < k)
			break; /* past the disk's end */
	}
	return at > off ? (long)(at - off) : -EIO;
}

/*
 * The map of [off, off + n) of open file (nodeid, fh) into *m: 0, or -errno; -ENOSYS or -EOPNOTSUPP when the
 * server does not map it. A map answered across a request that may free blocks is asked for again: the blocks
 * it names may be another file's by then.
 */
static long map_get(struct fuse_conn *c, uint64_t nodeid, uint64_t fh, uint64_t off, uint64_t n, struct fmap *m)
{
	long r = -EOPNOTSUPP;
	for (int tries = 0; tries < FMAP_TRIES; tries++) {
		uint64_t gen = c->map_gen;
		struct fuse_map_in in = { fh, off, n };
		size_t got = 0;
		r = call(c, FUSE_MICA_MAP, nodeid, &(struct piece){ &in, sizeof(in) }, 1, m, sizeof(*m), &got);
		if (r == -ENOSYS)
			c->no_map = true;
		if (r == 0 && (got < sizeof(m->h) || m->h.count > FUSE_MAP_EXTENTS_MAX ||
			       got != sizeof(m->h) + m->h.count * sizeof(m->x[0])))
			r = -EIO;
		if (r < 0 || c->map_gen == gen)
			return r;
		r = -EOPNOTSUPP; /* (asked too often: READ reads it) */
	}
	return r;
}

/*
 * Read up to n bytes at off of open file (nodeid, fh) through FUSE_MICA_MAP: how many, or -errno; -ENOSYS or
 * -EOPNOTSUPP when the server does not map it, -ENODEV when the map is of a disk lx does not hold (READ then).
 */
static long map_read(struct fuse_conn *c, uint64_t nodeid, uint64_t fh, void *buf, size_t n, uint64_t off)
{
	struct fmap *m = lx_alloc_raw(sizeof(*m)); /* (the answer is checked for its length before it is read) */
	long r = m ? map_get(c, nodeid, fh, off, n, m) : -ENOMEM;
	if (r == 0)
		r = map_copy(m, buf, n, off);
	lx_free(m);
	return r;
}

/* Where page-aligned byte at of a file lies whole on a page of its disk, by map m: the disk's byte, or FUSE_MAP_HOLE when it does not (a hole, a page the file or the map ends in, an extent not page-aligned). */
static uint64_t map_page_at(const struct fmap *m, uint64_t at)
{
	if (at >= m->h.file_size || m->h.file_size - at < PAGE_SIZE)
		return FUSE_MAP_HOLE;
	for (uint32_t i = 0; i < m->h.count; i++) {
		const struct fuse_map_extent *x = &m->x[i];
		if (x->offset > at || x->length > UINT64_MAX - x->offset || x->addr == FUSE_MAP_HOLE ||
		    x->addr > UINT64_MAX - x->length)
			return FUSE_MAP_HOLE;
		if (x->offset + x->length <= at)
			continue;
		uint64_t a = x->addr + (at - x->offset);
		return x->offset + x->length - at >= PAGE_SIZE && a % PAGE_SIZE == 0 ? a : FUSE_MAP_HOLE;
	}
	return FUSE_MAP_HOLE;
}

static long f_pages(uint32_t conn, uint32_t fid, uint64_t off, int n, struct vol_page *pg)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take_open(conn, fid, &c, &f);
	if (r == 0)
		f->node->mapped = true; /* from now on a write waits, so that these pages show it on return */
	struct fmap *m = r == 0 && !c->no_map ? lx_alloc_raw(sizeof(*m)) : NULL;
	if (r == 0)
		r = c->no_map ? -ENOSYS
		    : m       ? map_get(c, f->node->nodeid, f->fh, off, (uint64_t)n * PAGE_SIZE, m)
			      : -ENOMEM;
	for (int i = 0; i < n; i++) {
		uint64_t a = r == 0 ? map_page_at(m, off + (uint64_t)i * PAGE_SIZE) : FUSE_MAP_HOLE;
		long err;
		pg[i].data = a == FUSE_MAP_HOLE ? NULL
						: blkdev_page_hold(m->h.dev, a, a + (uint64_t)(n - i) * PAGE_SIZE - 1,
								   &pg[i].hold, &err);
	}
	if (r == 0)
		r = (long)m->h.file_size;
	lx_free(m);
	return r;
}

static long f_read(uint32_t conn, uint32_t fid, void *buf, size_t n, uint64_t off)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take_open(conn, fid, &c, &f);
	if (r < 0)
		return r;
	if (!c->no_map) {
		r = map_read(c, f->node->nodeid, f->fh, buf, n < FMAP_IO_MAX ? n : FMAP_IO_MAX, off);
		if (r != -ENOSYS && r != -EOPNOTSUPP && r != -ENODEV)
			return r;
		f = &c->fids[fid]; /* (the fids may have moved while lx waited) */
	}
	if (n > IO_MAX)
		n = IO_MAX;
	struct fuse_read_in in = { f->fh, off, (uint32_t)n, 0, 0, f->flags, 0 };
	size_t got = 0;
	r = call(c, FUSE_READ, f->node->nodeid, &(struct piece){ &in, sizeof(in) }, 1, buf, n, &got);
	return r < 0 ? r : (long)got;
}

/*
 * Write-behind. With a server that takes requests in order (fuse_mica.h),
 * a small write is sent without waiting for its answer, as Linux's page
 * cache takes a write and writes it out later: whatever lx sends next
 * about the file (a read, a map, a fsync, a stat) is answered after it, so
 * each file creation costs one round trip to the server, not two. A write
 * that continues the newest one queued, not yet read, joins it (wb_join).
 * Such a write cannot fail with its call, so lx sends one only where the
 * server will not fail it for want of room: the writes sent so may take
 * half of what the file system had free beyond WB_SPARE when lx last asked
 * (STATFS), and WB_ROOM_MAX at most before it asks again; on a fuller file
 * system each write waits for its answer, and ENOSPC comes with the write
 * that meets it. An error such a write meets all the same (EIO from the
 * disk) is kept on its node and told by the next write or fsync of the
 * node, and by syncfs, as Linux tells an error of its write-back. A write
 * to a file whose pages are mapped (mappings must show it on return), to
 * one opened O_SYNC or O_DSYNC, or of more than WB_MAX bytes waits.
 */

/* Whether c may count on room for a write of n bytes sent without waiting, taking it: false when it may not. */
static bool wb_room_take(struct fuse_conn *c, size_t n)
{
	uint64_t cost = PGROUNDUP_U(n) + PAGE_SIZE; /* its blocks, and a block of metadata */
	if (c->wb_room < cost && clock_ns() >= c->wb_ask_at) {
		struct fuse_statfs_out out;
		long r = call_fixed(c, FUSE_STATFS, FUSE_ROOT_ID, NULL, 0, &out, sizeof(out));
		uint64_t unit = r == 0 ? (out.st.frsize ? out.st.frsize : out.st.bsize) : 0;
		uint64_t free = unit && out.st.bavail <= UINT64_MAX / unit ? out.st.bavail * unit : 0;
		c->wb_room = free > WB_SPARE ? (free - WB_SPARE) / 2 : 0;
		if (c->wb_room > WB_ROOM_MAX)
			c->wb_room = WB_ROOM_MAX;
		c->wb_ask_at = c->wb_room >= cost ? 0 : clock_ns() + WB_ASK_NS;
	}
	if (c->wb_room < cost)
		return false;
	c->wb_room -= cost;
	return true;
}

/* Whether a write of n bytes to open fid f of c may go without waiting for its answer (it may ask for room). */
static bool wb_may(struct fuse_conn *c, const struct ffid *f, size_t n)
{
	return c->promises && !f->node->mapped && !(f->flags & (O_SYNC | O_DSYNC)) && n <= WB_MAX &&
	       c->wb_flight + n <= WB_FLIGHT && wb_room_take(c, n);
}

/* A write sent without waiting is answered (or failed): its error, or a short write's EIO, kept for its node and c. */
static void wb_answered(struct fuse_conn *c, struct freq *q)
{
	const struct fuse_write_out *o = q->out;
	uint32_t n = q->in_len - (uint32_t)(sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in));
	int err = q->error ? q->error : q->out_len < sizeof(*o) || o->size != n ? -EIO : 0;
	c->wb_flight -= n;
	if (err && !q->wb->wb_error)
		q->wb->wb_error = err;
	if (err && !c->wb_error)
		c->wb_error = err;
	node_put(c, q->wb);
	q->wb = NULL;
}

/* A request no one waits for, answered or failed (its error in q->error): a write behind accounted, then freed. */
static void let_go(struct fuse_conn *c, struct freq *q)
{
	if (q->wb)
		wb_answered(c, q);
	req_free(q);
}

/* The error *err kept for a write-behind, taken (0 when none). */
static int wb_error_take(int *err)
{
	int e = *err;
	*err = 0;
	return e;
}

/*
 * Join a write of n bytes at off to open file f to the newest request of c's queue when that is a write behind
 * to the same open file, ending at off, that the server has not read yet, and the two fit in max_write: true when
 * joined (the server takes both as one write, as Linux's page cache gathers neighbouring writes), false when not
 * (nothing changed). sqlite3 writes a page at a time.
 */
static bool wb_join(struct fuse_conn *c, const struct ffid *f, const void *buf, size_t n, uint64_t off)
{
	struct freq *q = c->queue_last;
	const size_t head = sizeof(struct fuse_in_header);
	struct fuse_write_in *w = q && q->wb == f->node && q->opcode == FUSE_WRITE ? (void *)(q->in + head) : NULL;
	if (!w || w->fh != f->fh || w->offset + w->size != off || w->size + n > c->max_write)
		return false;
	uint8_t *in = q->in;
	if (q->in_len + n > lx_alloc_room(in)) { /* a block twice the size (the heap's bins), the bytes moved there */
		if (!(in = lx_alloc_raw(q->in_len + n)))
			return false;
		memcpy(in, q->in, q->in_len);
		lx_free(q->in);
		q->in = in;
		w = (void *)(in + head);
	}
	memcpy(in + q->in_len, buf, n);
	q->in_len += (uint32_t)n;
	((struct fuse_in_header *)in)->len = q->in_len;
	w->size += (uint32_t)n;
	c->wb_flight += n;
	return true;
}

static long f_write(uint32_t conn, uint32_t fid, const void *buf, size_t n, uint64_t off)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take_open(conn, fid, &c, &f);
	if (r < 0)
		return r;
	struct fnode *node = f->node;
	if (node->wb_error)
		return wb_error_take(&node->wb_error);
	if (n > c->max_write)
		n = c->max_write;
	bool behind = wb_may(c, f, n);
	f = &c->fids[fid]; /* (the fids may have moved, and c ended, while lx asked for room) */
	behind = behind && !c->dead;
	if (behind && wb_join(c, f, buf, n, off))
		return (long)n;
	struct fuse_write_in in = { f->fh, off, (uint32_t)n, 0, 0, f->flags, 0 };
	struct fuse_write_out out;
	struct piece p[] = { { &in, sizeof(in) }, { buf, n } };
	struct freq *q = behind ? req_new(c, FUSE_WRITE, node->nodeid, p, 2, sizeof(out)) : NULL;
	if (q) {
		q->waited = false;
		q->background = true;
		q->wb = node;
		node->refs++;
		c->wb_flight += n;
		enqueue(c, q);
		return (long)n;
	}
	r = call_fixed(c, FUSE_WRITE, node->nodeid, p, 2, &out, sizeof(out));
	return r < 0 ? r : out.size > n ? -EIO : (long)out.size;
}

static long f_readdir(uint32_t conn, uint32_t fid, uint64_t off, struct p9_dirent *out, size_t max, size_t *n)
{
	struct fuse_conn *c;
	struct ffid *f;
	*n = 0;
	long r = take_open(conn, fid, &c, &f);
	if (r < 0)
		return r;
	size_t size = max * (sizeof(struct fuse_dirent) + 64);
	if (size > IO_MAX)
		size = IO_MAX;
	if (size < 4096)
		size = 4096;
	uint8_t *buf = lx_alloc(size);
	if (!buf)
		return -ENOMEM;
	struct fuse_read_in in = { f->fh, off, (uint32_t)size, 0, 0, f->flags, 0 };
	size_t got = 0;
	r = call(c, FUSE_READDIR, f->node->nodeid, &(struct piece){ &in, sizeof(in) }, 1, buf, size, &got);
	for (size_t at = 0; r == 0 && *n < max && at + sizeof(struct fuse_dirent) <= got;) {
		struct fuse_dirent *d = (struct fuse_dirent *)(buf + at);
		if (d->namelen == 0 || d->namelen > LX_NAME_MAX || at + sizeof(*d) + d->namelen > got) {
			r = *n ? 0 : -EIO; /* a malformed answer: what came before it stands */
			break;
		}
		struct p9_dirent *o = &out[(*n)++];
		o->ino = d->ino;
		o->next = d->off;
		o->type = (uint8_t)d->type;
		memcpy(o->name, d->name, d->namelen);
		o->name[d->namelen] = 0;
		at += (sizeof(*d) + d->namelen + 7) & ~(size_t)7;
	}
	lx_free(buf);
	return r;
}

/* A call on directory fid that makes name, its answer an entry no fid keeps: mkdir, symlink, link. */
static long make_entry(uint32_t conn, uint32_t dfid, uint32_t opcode, const char *name, const struct piece *in, int nin)
{
	struct fuse_conn *c;
	struct ffid *f;
	struct fnode *n;
	struct fuse_entry_out e;
	long r = take(conn, dfid, &c, &f);
	if (r == 0 && (r = make_name(c, f->node, opcode, name, in, nin, &e, sizeof(e), &n)) == 0)
		node_put(c, n);
	return r;
}

static long f_mkdir(uint32_t conn, uint32_t dfid, const char *name, uint32_t mode)
{
	struct fuse_mkdir_in in = { mode & 07777, 0 };
	struct piece p[] = { { &in, sizeof(in) }, { name, strlen(name) + 1 } };
	return make_entry(conn, dfid, FUSE_MKDIR, name, p, 2);
}

static long f_symlink(uint32_t conn, uint32_t dfid, const char *name, const char *target)
{
	struct piece p[] = { { name, strlen(name) + 1 }, { target, strlen(target) + 1 } };
	return make_entry(conn, dfid, FUSE_SYMLINK, name, p, 2);
}

static long f_link(uint32_t conn, uint32_t dfid, uint32_t fid, const char *name)
{
	struct ffid *old = fid_at(conn_at(conn), fid);
	if (!old)
		return -EBADF;
	struct fuse_link_in in = { old->node->nodeid };
	struct piece p[] = { { &in, sizeof(in) }, { name, strlen(name) + 1 } };
	return make_entry(conn, dfid, FUSE_LINK, name, p, 2);
}

static long f_renameat(uint32_t conn, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname)
{
	struct fuse_conn *c;
	struct ffid *od, *nd = fid_at(conn_at(conn), ndfid);
	long r = take(conn, odfid, &c, &od);
	if (r < 0 || !nd)
		return r < 0 ? r : -EBADF;
	struct fuse_rename_in in = { nd->node->nodeid };
	struct piece p[] = { { &in, sizeof(in) }, { oname, strlen(oname) + 1 }, { nname, strlen(nname) + 1 } };
	uint64_t from = od->node->nodeid, to = nd->node->nodeid;
	name_forget(c, from, oname);
	name_forget(c, to, nname);
	uint64_t gen = c->names_gen;
	r = call(c, FUSE_RENAME, from, p, 3, NULL, 0, NULL);
	bool keep = r == 0 && gen == c->names_gen;
	name_forget(c, from, oname); /* and what a lookup made while the server renamed kept */
	name_forget(c, to, nname);
	if (keep)
		name_keep(c, from, oname, NULL, c->absent_ns);
	return r;
}

static long f_unlinkat(uint32_t conn, uint32_t dfid, const char *name, uint32_t flags)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, dfid, &c, &f);
	if (r < 0)
		return r;
	uint64_t dir = f->node->nodeid;
	name_forget(c, dir, name);
	uint64_t gen = c->names_gen;
	r = call(c, (flags & AT_REMOVEDIR) ? FUSE_RMDIR : FUSE_UNLINK, dir, &(struct piece){ name, strlen(name) + 1 },
		 1, NULL, 0, NULL);
	bool keep = r == 0 && gen == c->names_gen;
	name_forget(c, dir, name); /* and what a lookup made while the server removed it kept */
	if (keep) /* a negative entry, for as long as the server keeps its own valid */
		name_keep(c, dir, name, NULL, c->absent_ns);
	return r;
}

static long f_fsync(uint32_t conn, uint32_t fid)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take_open(conn, fid, &c, &f);
	if (r < 0)
		return r == -EBADF ? 0 : r; /* nothing open: nothing of it waits to be written */
	struct fuse_fsync_in in = { f->fh, 0, 0 };
	struct fnode *node = f->node;
	r = call(c, f->dir ? FUSE_FSYNCDIR : FUSE_FSYNC, node->nodeid, &(struct piece){ &in, sizeof(in) }, 1, NULL, 0,
		 NULL);
	if (r == -ENOSYS)
		r = 0; /* a server without fsync writes through, as Linux takes it */
	return r == 0 ? wb_error_take(&node->wb_error) : r; /* (the writes behind were answered before it) */
}

/*
 * A whole file system's write-back: SYNCFS (protocol 7.34, as Linux asks
 * it), on the mount's root. A server that does not know it (fuse2fs) is
 * not asked again; for it, a fsync of one file open for writing is the
 * nearest (fuse2fs's flushes the whole file system, as its fsync always
 * does). With no such file open, what was written went to the server's
 * disk at its last release, where lx's disk cache and its flush take it on.
 */
static long f_syncfs(uint32_t conn)
{
	struct fuse_conn *c = conn_at(conn);
	if (c && !c->dead && !c->no_syncfs) {
		uint64_t pad = 0;
		long r = call(c, FUSE_SYNCFS, FUSE_ROOT_ID, &(struct piece){ &pad, sizeof(pad) }, 1, NULL, 0, NULL);
		if (r != -ENOSYS) /* (the writes behind were answered before it) */
			return r == 0 ? wb_error_take(&c->wb_error) : r;
		c->no_syncfs = true;
	}
	for (uint32_t i = 1; c && !c->dead && i < c->nfids; i++) {
		struct ffid *f = &c->fids[i];
		if (f->node && f->open && !f->dir && (f->flags & O_ACCMODE) != O_RDONLY)
			return f_fsync(conn, i);
	}
	return 0;
}

static long f_chown(uint32_t conn, uint32_t fid, uint32_t uid, uint32_t gid)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0)
		return r;
	struct fuse_setattr_in in = { 0 };
	if (uid != (uint32_t)-1)
		in.valid |= FATTR_UID, in.uid = uid;
	if (gid != (uint32_t)-1)
		in.valid |= FATTR_GID, in.gid = gid;
	return setattr_call(c, f, &in);
}

static long f_readlink(uint32_t conn, uint32_t fid, char *buf, size_t size)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0 || size == 0)
		return r < 0 ? r : -EINVAL;
	size_t got = 0;
	r = call(c, FUSE_READLINK, f->node->nodeid, NULL, 0, buf, size - 1, &got);
	if (r < 0)
		return r;
	buf[got] = 0;
	return (long)strlen(buf);
}

static long f_statfs(uint32_t conn, uint32_t fid, struct linux_statfs *s)
{
	struct fuse_conn *c;
	struct ffid *f;
	long r = take(conn, fid, &c, &f);
	if (r < 0)
		return r;
	struct fuse_statfs_out out;
	r = call_fixed(c, FUSE_STATFS, f->node->nodeid, NULL, 0, &out, sizeof(out));
	if (r < 0)
		return r;
	memset(s, 0, sizeof(*s));
	s->f_type = FUSE_SUPER_MAGIC;
	s->f_bsize = out.st.bsize;
	s->f_blocks = out.st.blocks;
	s->f_bfree = out.st.bfree;
	s->f_bavail = out.st.bavail;
	s->f_files = out.st.files;
	s->f_ffree = out.st.ffree;
	s->f_namelen = out.st.namelen;
	s->f_frsize = out.st.frsize ? out.st.frsize : out.st.bsize;
	return 0;
}

const struct vol_ops fuse_vol_ops = {
	.fid_new = f_fid_new,
	.walk = f_walk,
	.walk_names = f_walk_names,
	.clunk = f_clunk,
	.lopen = f_lopen,
	.lcreate = f_lcreate,
	.read = f_read,
	.write = f_write,
	.pages = f_pages,
	.getattr = f_getattr,
	.setattr = f_setattr,
	.chown = f_chown,
	.readdir = f_readdir,
	.mkdir = f_mkdir,
	.symlink = f_symlink,
	.link = f_link,
	.renameat = f_renameat,
	.unlinkat = f_unlinkat,
	.fsync = f_fsync,
	.syncfs = f_syncfs,
	.readlink = f_readlink,
	.statfs = f_statfs,
};

/* ---- /dev/fuse, the server's side ---- */

/* Every waiting request fails: the server has gone, or the mount has. */
static void conn_end(struct fuse_conn *c)
{
	c->dead = true;
	for (struct freq **list = &c->queue; list; list = list == &c->queue ? &c->sent : NULL)
		for (struct freq *q = *list, *next; q; q = next) {
			next = q->next;
			if (q->waited) {
				q->error = -ENOTCONN;
				lx_waitq_wake(&q->wq); /* its thread frees it, finding c dead */
			} else {
				unlink_req(list, q);
				q->error = -ENOTCONN;
				let_go(c, q);
			}
		}
	queue_last_find(c);
	lx_waitq_wake(&c->readers);
	lx_waitq_wake(&c->ready_wq);
}

/* One hold on c fewer: with the last (its file closed and its volume unmounted), it goes. */
static void conn_put(struct fuse_conn *c)
{
	if (--c->refs > 0)
		return;
	while (c->nodes) {
		struct fnode *n = c->nodes;
		c->nodes = n->next;
		lx_free(n);
	}
	conns()[c->id] = NULL;
	lx_waitq_free(&c->readers);
	lx_waitq_free(&c->ready_wq);
	lx_free(c->fids);
	lx_free(c);
}

/* The connection of an open /dev/fuse, made at its first use: NULL when none can be. */
static struct fuse_conn *conn_of(struct file *f)
{
	if (f->priv)
		return f->priv;
	struct fuse_conn **t = conns();
	for (int i = 0; t && i < FUSE_CONNS; i++) {
		if (t[i])
			continue;
		struct fuse_conn *c = lx_alloc(sizeof(*c));
		if (!c)
			return NULL;
		c->refs = 1;
		c->id = i;
		c->max_write = 4096;
		t[i] = c;
		f->priv = c;
		return c;
	}
	return NULL;
}

/* INIT's answer: the protocol agreed (7.x), and how much one WRITE may carry; else the connection ends. */
static void init_answered(struct fuse_conn *c, struct freq *q)
{
	struct fuse_init_out *o = q->out;
	if (q->error || q->out_len < 8 || o->major != FUSE_KERNEL_VERSION) {
		printf("lx: a FUSE server did not agree on the protocol (error %d, version %u)\n", q->error,
		       q->out_len >= 8 ? o->major : 0);
		conn_end(c);
		return;
	}
	uint32_t mw = q->out_len >= sizeof(*o) ? o->max_write : 0;
	c->promises = q->out_len >= 16 && (o->flags & FUSE_MICA_PROMISES);
	c->max_write = mw < 4096 ? 4096 : mw > IO_MAX ? IO_MAX : mw;
	c->ready = true;
	lx_waitq_wake(&c->ready_wq);
}

/* read: the next request, whole; it waits unless O_NONBLOCK; -ENODEV once the mount is gone. */
static long dev_read(struct file *f, void *buf, size_t n)
{
	struct fuse_conn *c = conn_of(f);
	if (!c)
		return -ENOMEM;
	for (;;) {
		while (!c->queue) {
			if (c->dead)
				return -ENODEV;
			if (!c->mounted)
				return -EPERM; /* as Linux: nothing to read before the mount */
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			if (lx_signal_interrupts())
				return -EINTR;
			lx_waitq_add(&c->readers);
			lx_thread_wait(LX_RECHECK_NS);
		}
		struct freq *q = c->queue;
		if (!(c->queue = q->next))
			c->queue_last = NULL;
		if (n < q->in_len) { /* as Linux: the request fails with EIO, and the server hears of the next */
			q->error = -EIO;
			q->done = true;
			lx_waitq_wake(&q->wq);
			if (!q->waited)
				let_go(c, q);
			continue;
		}
		long r = copy_to_user((uint64_t)buf, q->in, q->in_len);
		uint32_t len = q->in_len;
		if (r < 0) {
			q->next = c->queue; /* back at the head, for a read that can take it */
			c->queue = q;
			if (!q->next)
				c->queue_last = q;
			return r;
		}
		if (q->waited || q->background || q->opcode == FUSE_INIT) {
			q->next = c->sent;
			c->sent = q;
		} else {
			req_free(q);
		}
		return len;
	}
}

/* Copy n bytes from the program's iovecs, starting skip bytes in, to dst: 0, or -EFAULT. */
static long iov_in(void *dst, const struct linux_iovec *iov, long cnt, size_t skip, size_t n)
{
	for (long i = 0; i < cnt && n; i++) {
		if (skip >= iov[i].len) {
			skip -= iov[i].len;
			continue;
		}
		size_t k = iov[i].len - skip < n ? iov[i].len - skip : n;
		if (copy_from_user(dst, iov[i].base + skip, k) < 0)
			return -EFAULT;
		dst = (char *)dst + k;
		n -= k;
		skip = 0;
	}
	return n ? -EFAULT : 0;
}

/* writev: an answer (struct fuse_out_header, then its body) to a request read before; -EINVAL when malformed. */
static long dev_writev(struct file *f, const struct linux_iovec *iov, long cnt)
{
	struct fuse_conn *c = conn_of(f);
	struct fuse_out_header h;
	size_t n = 0;
	for (long i = 0; i < cnt; i++)
		n += iov[i].len;
	if (!c)
		return -ENOMEM;
	if (n < sizeof(h))
		return -EINVAL;
	if (iov_in(&h, iov, cnt, 0, sizeof(h)) < 0)
		return -EFAULT;
	if (h.len != n || h.error > 0 || h.error < -4095)
		return -EINVAL;
	if (h.unique == 0)
		return (long)n; /* a notification: lx asks for none, and takes none */
	struct freq *q = c->sent;
	while (q && q->unique != h.unique)
		q = q->next;
	if (!q)
		return -ENOENT;
	size_t body = h.error ? 0 : n - sizeof(h);
	if (body > q->out_cap)
		body = q->out_cap; /* a newer protocol's longer answer: the part lx knows */
	if (body && iov_in(q->out, iov, cnt, sizeof(h), body) < 0)
		return -EFAULT;
	unlink_req(&c->sent, q);
	q->out_len = (uint32_t)body;
	q->error = h.error;
	if (q->opcode == FUSE_INIT) {
		init_answered(c, q);
		req_free(q);
	} else if (q->background) {
		let_go(c, q);
	} else {
		q->done = true;
		lx_waitq_wake(&q->wq);
	}
	return (long)n;
}

static long dev_write(struct file *f, const void *buf, size_t n)
{
	struct linux_iovec iov = { (uint64_t)buf, n };
	return dev_writev(f, &iov, 1);
}

static short dev_poll(struct file *f)
{
	struct fuse_conn *c = conn_of(f);
	if (!c)
		return POLLERR;
	return (short)(POLLOUT | (c->queue ? POLLIN | POLLRDNORM : 0) | (c->dead ? POLLERR : 0));
}

static struct lx_waitq *dev_waitq(struct file *f)
{
	struct fuse_conn *c = conn_of(f);
	return c ? &c->readers : NULL;
}

static void dev_close(struct file *f)
{
	struct fuse_conn *c = f->priv;
	if (!c)
		return;
	conn_end(c);
	conn_put(c);
}

const struct file_ops fuse_dev_ops = {
	.read = dev_read,
	.write = dev_write,
	.pread = lx_no_pread,
	.pwrite = lx_no_pwrite,
	.close = dev_close,
	.poll = dev_poll,
	.waitq = dev_waitq,
	.writev = dev_writev,
};

/* ---- mounting ---- */

long fuse_mount(int fd, uint32_t *conn, uint32_t *root)
{
	struct file *f = file_get(fd);
	if (!f)
		return -EBADF;
	struct fuse_conn *c = f->ops == &fuse_dev_ops ? conn_of(f) : NULL;
	long r = !c ? (f->ops == &fuse_dev_ops ? -ENOMEM : -EINVAL) : c->mounted || c->dead ? -EINVAL : 0;
	struct fnode *n = r == 0 ? lx_alloc(sizeof(*n)) : NULL;
	uint32_t fid = n ? f_fid_new((uint32_t)c->id) : 0;
	struct fuse_init_in in = { FUSE_KERNEL_VERSION, FUSE_KERNEL_MINOR_VERSION, IO_MAX,
				   FUSE_BIG_WRITES | FUSE_MICA_PROMISES };
	struct freq *q = fid ? req_new(c, FUSE_INIT, 0, &(struct piece){ &in, sizeof(in) }, 1, 64) : NULL;
	if (r == 0 && !q) {
		lx_free(n);
		r = -ENOMEM;
	}
	file_put(f);
	if (r < 0)
		return r;
	*n = (struct fnode){ .nodeid = FUSE_ROOT_ID, .refs = 1, .mode = S_IFDIR };
	c->nodes = n;
	c->fids[fid] = (struct ffid){ n, 0, false, false, 0, true };
	c->mounted = true;
	c->refs++; /* the volume's */
	q->waited = false;
	enqueue(c, q);
	*conn = (uint32_t)c->id;
	*root = fid;
	return 0;
}

void fuse_unmount(uint32_t conn)
{
	struct fuse_conn *c = conn_at(conn);
	if (c)
		conn_end(c); /* its volume keeps its hold: the id stays taken, and the gone volume's files fail */
}
