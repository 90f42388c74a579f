/* Disks as block devices /dev/vda, /dev/vdb, ...: the extents lx holds, read and written through the kernel's block requests. */
#include "libos/lx/vfs.h"
#include "lib/avl.h"
#include <mica/blk.h>

/*
 * Every disk lx holds an extent of (pid 1, the root env, holds every disk
 * whole) is a block device: /dev/vda for disk 0, /dev/vdb for disk 1, its
 * bytes the extent's sectors. A forked process's env is granted the same
 * extents (blkdev_fork).
 *
 * Reads and writes go through a cache of the disk's pages in lx's shared
 * heap, as Linux's block devices have one: a read fills the pages it
 * misses (a run of them at once), and when its misses follow each other on
 * the disk (a file read in order, 4 KiB at a time as fuse2fs reads one) it
 * reads ahead of what was asked, further each time up to 1 MiB, so that
 * one batch of 16 requests replaces 256 of one page each; a write changes
 * pages (reading one first only when it covers part of it) and leaves them
 * dirty. fsync, fdatasync, sync, BLKFLSBUF, O_SYNC/O_DSYNC writes and the
 * last close write the dirty pages back, in order (the dirty pages are a
 * tree by disk order, so that finding the next run costs no scan of the
 * cache), and then flush the disk's write cache (mica/blk.h says what a
 * flush guarantees); so does a full cache, which then starts again empty. A run of pages goes to or
 * from the disk as one batch of requests of BLK_MAX_LEN bytes at most, one
 * batch at a time under lx's lock, through a bounce buffer in the shared
 * heap (frames the group shares, which the kernel lets the device use),
 * one for all processes, since the lock lets one request at a time use it.
 * Each process binds its own completion ring, a private page at RING_VA,
 * at its first request.
 *
 * A page may be held (blkdev_page_hold): a shared mapping of a file whose
 * blocks lie on the disk maps the page itself (volume_fd.c), so that the
 * program's stores, the file system's writes and every read see the same
 * bytes. A held page stays in the cache (a full cache forgets the others)
 * and does not count against its size, until its last hold goes.
 */
#define CACHE_MAX 4096 /* pages of one disk's cache: 16 MiB */
#define CACHE_HASH 1024 /* buckets */
#define RING_VA (LX_FILL_PAGE - PAGE_SIZE)
#define BOUNCE_LEN (16 * BLK_MAX_LEN) /* bytes one disk_io moves at most, in one batch of requests */
#define RA_MIN 8 /* pages read ahead at the second miss of a run read in order */
#define RA_MAX (BOUNCE_LEN / PAGE_SIZE) /* pages read ahead at most */

/* One cached page of a disk. */
struct cpage {
	uint64_t index; /* bytes [index * PAGE_SIZE, + PAGE_SIZE) of the disk */
	char *data;
	struct bcache *cache; /* its cache */
	int holds; /* blkdev_page_hold's */
	bool dirty;
	struct avl_node by_index; /* in its cache's tree of dirty pages while dirty */
	struct cpage *next; /* in its bucket */
};

/* A disk's cache, in the shared heap (every process of lx uses the same). */
struct bcache {
	struct cpage *hash[CACHE_HASH];
	uint32_t n, dirty, held; /* pages; dirty ones; held ones (not counted against CACHE_MAX) */
	struct avl_node *dirty_tree; /* the dirty pages, by index */
	uint64_t ra_next; /* the page after the last run read from the disk */
	uint32_t ra_pages; /* how far that run read ahead of what was asked */
	int opens; /* open descriptions of the disk, in every process: the last close writes back */
};

struct vd {
	bool present;
	uint32_t disk, perm;
	uint64_t start, count; /* the extent: /dev/vdX's bytes are these sectors */
	struct inode *node;
	struct bcache *cache;
};

static struct vd vds[BLK_NDISKS];
static uint64_t ring_env; /* the env whose ring is bound at RING_VA (a forked child's differs: it binds its own) */
static long ring_nt;
static uint64_t cookie;

static struct blk_ring_hdr *const ring = (struct blk_ring_hdr *)RING_VA;

/* The disk of node n, or NULL. */
static struct vd *vd_of(struct inode *n)
{
	for (int i = 0; i < BLK_NDISKS; i++)
		if (vds[i].present && vds[i].node == n)
			return &vds[i];
	return NULL;
}

/* This process's completion ring, bound once: 0 or -EIO / -ENOMEM. */
static long ring_ready(void)
{
	if (ring_env == ENVINFO->id)
		return 0;
	if (!LX_SH->blk_bounce) { /* not zeroed: a read fills it, a write copies into it first */
		uint8_t *p = lx_alloc_raw(BOUNCE_LEN + PAGE_SIZE);
		if (!p)
			return -ENOMEM;
		LX_SH->blk_bounce = (uint8_t *)PGROUNDUP_U(p);
	}
	long nt = lx_dev_ring(RING_VA, sys_blk_ring_bind);
	if (nt < 0)
		return nt;
	ring_nt = nt;
	ring_env = ENVINFO->id;
	return 0;
}

/*
 * Take the completions in the ring, counting those of requests whose
 * cookies lie in [lo, hi] (a failed one sets *status to -EIO); when there
 * is none, wait for the ring's signal first. How many were counted. No
 * deadline, as Linux's waits for a disk have none: under -icount an idle
 * guest's clock jumps ahead of a host that is still writing.
 */
static int ring_reap(uint64_t lo, uint64_t hi, long *status)
{
	int k = 0;
	while (ring->tail != ring->head) {
		struct blk_done d = ring->slot[ring->tail % ring->nslots];
		ring->tail++;
		if (d.cookie >= lo && d.cookie <= hi) {
			k++;
			if (d.status)
				*status = -EIO;
		}
	}
	if (k == 0) {
		LX_SH->lock_io = 1; /* threads that want lx's lock meanwhile sleep until it is let go */
		sys_ntfn_wait(ring_nt, TIMEOUT_FOREVER); /* also the signal that the ring or the queue has room */
		LX_SH->lock_io = 0;
	}
	return k;
}

/*
 * Submit the n requests of q (cookies q[0].cookie and up, in order), as
 * many at a time as the ring and the device's queue take, and wait until
 * every one submitted has completed (lx's lock held: a disk's requests are
 * made by one thread at a time): 0, or -EIO when one failed or was refused.
 */
static long reqs_run(const struct blk_req *q, int n)
{
	int sent = 0, done = 0;
	long status = 0;
	while (done < sent || (sent < n && status == 0)) {
		if (sent < n && status == 0) {
			long r = sys_blk_submit(q + sent, n - sent);
			if (r > 0) {
				sent += (int)r;
				continue;
			}
			if (r != -E_AGAIN)
				status = -EIO;
		}
		if (done < sent || status == 0)
			done += ring_reap(q[0].cookie, q[n - 1].cookie, &status);
	}
	return status;
}

/* Make the bounce pages of the first len bytes present and writable in this process (the device fills them). */
static void bounce_touch(uint32_t len)
{
	for (uint32_t off = 0; off < len; off += PAGE_SIZE)
		((volatile uint8_t *)LX_SH->blk_bounce)[off] = ((volatile uint8_t *)LX_SH->blk_bounce)[off];
}

/*
 * op on len bytes (a multiple of BLK_SECTOR, at most BOUNCE_LEN) at sector
 * (of v's extent) to or from the bounce buffer, as one batch of requests of
 * BLK_MAX_LEN bytes at most (len is ignored for a flush): 0 or -EIO.
 */
static long disk_io(struct vd *v, uint32_t op, uint64_t sector, uint32_t len)
{
	long r = ring_ready();
	if (r < 0)
		return r;
	struct blk_req q[BOUNCE_LEN / BLK_MAX_LEN];
	int n = 0;
	if (op == BLK_FLUSH)
		q[n++] = (struct blk_req){ ++cookie, op, v->disk, 0, 0, 0, 0 };
	else
		bounce_touch(len);
	for (uint32_t at = 0; op != BLK_FLUSH && at < len; at += BLK_MAX_LEN) {
		uint32_t k = len - at < BLK_MAX_LEN ? len - at : BLK_MAX_LEN;
		q[n++] = (struct blk_req){
			++cookie, op, v->disk, v->start + sector + at / BLK_SECTOR, (uint64_t)(LX_SH->blk_bounce + at),
			k,        0
		};
	}
	return reqs_run(q, n);
}

static uint64_t vd_bytes(const struct vd *v)
{
	return v->count * BLK_SECTOR;
}

/* ---- the cache ---- */

static struct cpage **bucket(struct vd *v, uint64_t index)
{
	return &v->cache->hash[index % CACHE_HASH];
}

static struct cpage *page_find(struct vd *v, uint64_t index)
{
	for (struct cpage *p = *bucket(v, index); p; p = p->next)
		if (p->index == index)
			return p;
	return NULL;
}

/* Bytes of page index that lie on the disk (PAGE_SIZE but for a last page cut short; a multiple of BLK_SECTOR). */
static uint32_t page_len(const struct vd *v, uint64_t index)
{
	uint64_t left = vd_bytes(v) - index * PAGE_SIZE;
	return left < PAGE_SIZE ? (uint32_t)left : PAGE_SIZE;
}

static struct cpage *page_of(struct avl_node *a)
{
	return a ? container_of(a, struct cpage, by_index) : NULL;
}

/* Mark page p dirty (into its cache's tree that orders the dirty pages for writeback). */
static void page_dirty(struct cpage *p)
{
	if (p->dirty)
		return;
	struct avl_node **link = &p->cache->dirty_tree, *parent = NULL;
	while (*link) {
		parent = *link;
		link = page_of(parent)->index < p->index ? &parent->right : &parent->left;
	}
	avl_insert(&p->cache->dirty_tree, &p->by_index, parent, link, NULL);
	p->dirty = true;
	p->cache->dirty++;
}

/* Write back the dirty pages of v, neighbours in one request, lowest first: 0 or -EIO (the rest stay dirty). */
static long writeback(struct vd *v)
{
	struct bcache *c = v->cache;
	for (struct cpage *low; (low = page_of(avl_first(c->dirty_tree))) != NULL;) {
		uint32_t len = 0;
		struct cpage *run[BOUNCE_LEN / PAGE_SIZE];
		int n = 0;
		for (struct cpage *p = low;
		     p && n < (int)(BOUNCE_LEN / PAGE_SIZE) && (n == 0 || p->index == run[n - 1]->index + 1);
		     p = page_of(avl_next(&p->by_index))) {
			memcpy(LX_SH->blk_bounce + len, p->data, page_len(v, p->index));
			len += page_len(v, p->index);
			run[n++] = p;
			if (page_len(v, p->index) < PAGE_SIZE)
				break;
		}
		long r = disk_io(v, BLK_WRITE, low->index * (PAGE_SIZE / BLK_SECTOR), len);
		if (r < 0)
			return r;
		for (int i = 0; i < n; i++) {
			avl_remove(&c->dirty_tree, &run[i]->by_index, NULL);
			run[i]->dirty = false;
		}
		c->dirty -= (uint32_t)n;
	}
	return 0;
}

/* Write back, then forget every page not held: 0 or -EIO (nothing forgotten). */
static long cache_drop(struct vd *v)
{
	long r = writeback(v);
	if (r < 0)
		return r;
	for (int b = 0; b < CACHE_HASH; b++)
		for (struct cpage **pp = &v->cache->hash[b]; *pp;) {
			struct cpage *p = *pp;
			if (p->holds) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			lx_page_free(p->data);
			lx_free(p);
			v->cache->n--;
		}
	return 0;
}

/* Is v's cache full (CACHE_MAX pages not held) if it takes k more? */
static bool cache_full(const struct vd *v, uint64_t k)
{
	return v->cache->n - v->cache->held + k > CACHE_MAX;
}

/*
 * A new page index of v (its bytes on the disk not yet filled, those past the disk's end zero): NULL when
 * out of memory or the disk fails. With may_drop, room is made by writing back and forgetting every page
 * (so no page found before stays valid, and the bounce buffer is overwritten); without, a full cache or a
 * lack of memory just gives NULL.
 */
static struct cpage *page_new(struct vd *v, uint64_t index, bool may_drop)
{
	if (cache_full(v, 1) && (!may_drop || cache_drop(v) < 0))
		return NULL;
	struct cpage *p = lx_alloc(sizeof(*p));
	char *data = p ? lx_page_alloc_raw() : NULL;
	if (!data && p && may_drop && v->cache->n && cache_drop(v) == 0)
		data = lx_page_alloc_raw(); /* the files' share of memory is taken: this cache gives its pages back */
	if (!data) {
		lx_free(p);
		return NULL;
	}
	memset(data + page_len(v, index), 0, PAGE_SIZE - page_len(v, index)); /* the caller fills the rest */
	*p = (struct cpage){ .index = index, .data = data, .cache = v->cache, .next = *bucket(v, index) };
	*bucket(v, index) = p;
	v->cache->n++;
	return p;
}

/* Take page p (just made by page_new, the first of its bucket) out of v's cache again and free it. */
static void page_unmake(struct vd *v, struct cpage *p)
{
	*bucket(v, p->index) = p->next;
	lx_page_free(p->data);
	lx_free(p);
	v->cache->n--;
}

/*
 * The last page to read when a read of pages [index, last] of v misses
 * page index: last, or further when the misses go in order (index is the
 * page after the previous run read), reading ahead RA_MIN pages at first,
 * then twice as far each time up to RA_MAX; never past the disk's end.
 */
static uint64_t ahead(struct vd *v, uint64_t index, uint64_t last)
{
	struct bcache *c = v->cache;
	uint32_t ra = index != c->ra_next ? 0 : !c->ra_pages ? RA_MIN : 2 * c->ra_pages;
	c->ra_pages = ra < RA_MAX ? ra : RA_MAX;
	uint64_t end = (vd_bytes(v) - 1) / PAGE_SIZE;
	if (index + c->ra_pages > last)
		last = index + c->ra_pages;
	return last < end ? last : end;
}

/*
 * Page index of v, read from the disk with the missing pages after it (up to last, or ahead()) if it is
 * not cached: NULL on failure. Every page is made before the read (room made for the whole run first),
 * and the pages after index only when that needs no drop: a drop would free the pages of the run and
 * overwrite the bounce buffer that holds what was read.
 */
static struct cpage *page_get(struct vd *v, uint64_t index, uint64_t last, long *err)
{
	struct cpage *p = page_find(v, index);
	if (p)
		return p;
	uint32_t len = 0;
	uint64_t i = index;
	last = ahead(v, index, last);
	while (i <= last && len + page_len(v, i) <= BOUNCE_LEN && (i == index || !page_find(v, i))) {
		len += page_len(v, i);
		if (page_len(v, i++) < PAGE_SIZE)
			break;
	}
	v->cache->ra_next = i;
	if (cache_full(v, i - index) && (*err = cache_drop(v)) < 0)
		return NULL;
	if (!(p = page_new(v, index, true))) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = disk_io(v, BLK_READ, index * (PAGE_SIZE / BLK_SECTOR), len);
	if (*err < 0) {
		page_unmake(v, p);
		return NULL;
	}
	memcpy(p->data, LX_SH->blk_bounce, page_len(v, index));
	for (uint64_t k = index + 1, off = page_len(v, index); k < i; off += page_len(v, k), k++) {
		struct cpage *q = page_find(v, k) ? NULL : page_new(v, k, false);
		if (q)
			memcpy(q->data, LX_SH->blk_bounce + off, page_len(v, k));
	}
	return p;
}

/* Read up to n bytes at off of v into buf, through its cache: the bytes read (0 at the end), or -EIO. */
static long vd_pread(struct vd *v, void *buf, size_t n, uint64_t off)
{
	long r = ring_ready();
	if (r < 0)
		return r;
	if (off >= vd_bytes(v))
		return 0;
	if (n > vd_bytes(v) - off)
		n = vd_bytes(v) - off;
	uint64_t last = (off + n - 1) / PAGE_SIZE;
	size_t done = 0;
	while (done < n) {
		uint64_t index = (off + done) / PAGE_SIZE, skip = (off + done) % PAGE_SIZE;
		struct cpage *p = page_get(v, index, last, &r);
		if (!p)
			return done ? (long)done : r;
		size_t k = PAGE_SIZE - skip < n - done ? PAGE_SIZE - skip : n - done;
		memcpy((char *)buf + done, p->data + skip, k);
		done += k;
	}
	return (long)done;
}

static long blk_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct vd *v = vd_of(f->inode);
	return v ? vd_pread(v, buf, n, off) : -ENXIO;
}

/* The disk whose device number is rdev, or NULL. */
static struct vd *vd_by_rdev(uint64_t rdev)
{
	for (int i = 0; i < BLK_NDISKS; i++)
		if (vds[i].present && vds[i].node->rdev == rdev)
			return &vds[i];
	return NULL;
}

long blkdev_pread(uint64_t rdev, void *buf, size_t n, uint64_t off)
{
	struct vd *v = vd_by_rdev(rdev);
	return v ? vd_pread(v, buf, n, off) : -ENODEV;
}

char *blkdev_page_hold(uint64_t rdev, uint64_t addr, uint64_t last, struct cpage **hold, long *err)
{
	struct vd *v = vd_by_rdev(rdev);
	struct cpage *p = NULL;
	*err = !v                                                                                     ? -ENODEV
	       : addr % PAGE_SIZE || addr >= vd_bytes(v) || page_len(v, addr / PAGE_SIZE) < PAGE_SIZE ? -EINVAL
												      : ring_ready();
	if (*err == 0 && (p = page_get(v, addr / PAGE_SIZE, (last < vd_bytes(v) ? last : vd_bytes(v) - 1) / PAGE_SIZE,
				       err)) != NULL) {
		if (p->holds++ == 0)
			v->cache->held++;
		*hold = p;
	}
	return p ? p->data : NULL;
}

void blkdev_page_put(struct cpage *p)
{
	if (--p->holds == 0)
		p->cache->held--;
}

void blkdev_page_dirty(struct cpage *p)
{
	page_dirty(p);
}

char *blkdev_page_unshare(struct cpage *p)
{
	char *copy = lx_page_alloc_raw(), *old = p->data;
	if (!copy)
		return NULL;
	memcpy(copy, old, PAGE_SIZE);
	p->data = copy;
	blkdev_page_put(p);
	return old;
}

/* Write n bytes of buf at off of f's disk, into its cache: the bytes written; -ENOSPC past the end, -EIO. */
static long blk_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	struct vd *v = vd_of(f->inode);
	if (!v)
		return -ENXIO;
	long r = ring_ready();
	if (r < 0)
		return r;
	if (off >= vd_bytes(v))
		return n ? -ENOSPC : 0;
	if (n > vd_bytes(v) - off)
		n = vd_bytes(v) - off;
	size_t done = 0;
	while (done < n) {
		uint64_t index = (off + done) / PAGE_SIZE, skip = (off + done) % PAGE_SIZE;
		size_t k = PAGE_SIZE - skip < n - done ? PAGE_SIZE - skip : n - done;
		bool whole = skip == 0 && k == page_len(v, index);
		struct cpage *p = page_find(v, index);
		if (!p)
			p = whole ? page_new(v, index, true) : page_get(v, index, index, &r);
		if (!p)
			return done ? (long)done : r < 0 ? r : -ENOMEM;
		memcpy(p->data + skip, (const char *)buf + done, k);
		page_dirty(p);
		done += k;
	}
	if ((f->flags & (O_SYNC | O_DSYNC)) && (writeback(v) < 0 || disk_io(v, BLK_FLUSH, 0, 0) < 0))
		return -EIO;
	return (long)done;
}

static long blk_read(struct file *f, void *buf, size_t n)
{
	long r = blk_pread(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

static long blk_write(struct file *f, const void *buf, size_t n)
{
	long r = blk_pwrite(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

/* Store the value v, size bytes wide, at the program's arg: 0 or -EFAULT. */
static long put(unsigned long arg, uint64_t v, size_t size)
{
	uint32_t v32 = (uint32_t)v;
	return copy_to_user(arg, size == 8 ? (const void *)&v : (const void *)&v32, size) < 0 ? -EFAULT : 0;
}

/* The block device ioctls of Linux that ask the size and geometry, and flush. */
static long blk_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct vd *v = vd_of(f->inode);
	if (!v)
		return -ENXIO;
	switch (req) {
	case BLKGETSIZE64:
		return put(arg, vd_bytes(v), 8);
	case BLKGETSIZE:
		return put(arg, v->count, 8);
	case BLKSSZGET:
	case BLKPBSZGET:
	case BLKIOMIN:
		return put(arg, BLK_SECTOR, 4);
	case BLKBSZGET:
		return put(arg, PAGE_SIZE, 4);
	case BLKIOOPT:
	case BLKALIGNOFF:
		return put(arg, 0, 4);
	case BLKROGET:
		return put(arg, !(v->perm & BLK_W), 4);
	case BLKFLSBUF: /* write back and drop the cache */
		return blkdev_fsync(f) < 0 ? -EIO : cache_drop(v);
	case BLKDISCARD:
		return -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

/* Write back v's dirty pages, then flush the disk's write cache: 0 or -EIO. */
static long vd_sync(struct vd *v)
{
	if (!(v->perm & BLK_W))
		return 0;
	long r = ring_ready();
	if (r == 0)
		r = writeback(v);
	return r < 0 ? -EIO : disk_io(v, BLK_FLUSH, 0, 0);
}

/* Every open of a disk counts (in every process): the last close writes back, as Linux's does. */
static void blk_close(struct file *f)
{
	struct vd *v = vd_of(f->inode);
	if (v && --v->cache->opens == 0)
		vd_sync(v);
}

static const struct file_ops blk_ops = { .read = blk_read,
					 .write = blk_write,
					 .pread = blk_pread,
					 .pwrite = blk_pwrite,
					 .ioctl = blk_ioctl,
					 .close = blk_close };

void blkdev_opened(struct file *f)
{
	struct vd *v = vd_of(f->inode);
	if (v)
		v->cache->opens++;
}

long blkdev_fsync(struct file *f)
{
	struct vd *v = vd_of(f->inode);
	return v ? vd_sync(v) : 0;
}

long blkdev_sync(void)
{
	long r = 0;
	for (int i = 0; i < BLK_NDISKS; i++)
		if (vds[i].present && vd_sync(&vds[i]) < 0)
			r = -EIO;
	return r;
}

long blkdev_size(struct inode *n)
{
	struct vd *v = vd_of(n);
	return v ? (long)vd_bytes(v) : -1;
}

long blkdev_fork(long child_env)
{
	for (int i = 0; i < BLK_NDISKS; i++)
		if (vds[i].present &&
		    sys_blk_grant(child_env, vds[i].disk, vds[i].start, vds[i].count, vds[i].perm) < 0)
			return -ENOMEM;
	return 0;
}

bool blkdev_writable(struct inode *n)
{
	struct vd *v = vd_of(n);
	return v && (v->perm & BLK_W);
}

void blkdev_init(struct inode *dev)
{
	struct blk_extent x[BLK_EXTENTS_MAX];
	long n = sys_blk_extents(0, x, BLK_EXTENTS_MAX);
	for (long i = 0; i < n; i++) {
		if (x[i].disk >= BLK_NDISKS || vds[x[i].disk].present)
			continue; /* one extent per disk is a device */
		char name[] = "vda";
		name[2] = (char)('a' + x[i].disk);
		struct dentry *d = dir_find(dev, name);
		if (d)
			dir_remove(dev, d);
		struct inode *node = vfs_mknode(dev, name, S_IFBLK | 0660);
		struct bcache *cache = node ? lx_alloc(sizeof(*cache)) : NULL;
		if (!cache)
			continue;
		node->dev = &blk_ops;
		node->rdev = MKDEV(VIRTIO_BLK_MAJOR, x[i].disk * VD_MINORS);
		vds[x[i].disk] = (struct vd){ true, x[i].disk, x[i].perm, x[i].start, x[i].count, node, cache };
	}
}
