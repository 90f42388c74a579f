/* Disks as block devices /dev/vda, /dev/vdb, ...: the extents lx holds, read and written through the kernel's block requests. */
#include "libos/lx/vfs.h"
#include <mica/blk.h>

/*
 * Every disk lx holds an extent of (pid 1, the root env, holds every disk
 * whole) is a block device: /dev/vda for disk 0, /dev/vdb for disk 1, its
 * bytes the extent's sectors. A forked process's env is granted the same
 * extents (blkdev_fork). There is no cache: each read and write goes to the
 * disk and waits for it under lx's lock, through a bounce buffer in lx's
 * shared heap (frames the group shares, which the kernel lets the device
 * use); a write that covers part of a sector reads the sector first.
 * fsync, fdatasync, sync, BLKFLSBUF and O_SYNC/O_DSYNC writes flush the
 * disk's write cache (mica/blk.h says what a flush guarantees). Each
 * process binds its own completion ring, a private page at RING_VA, at its
 * first request.
 */
#define RING_VA (LX_FILL_PAGE - PAGE_SIZE)

struct vd {
	bool present;
	uint32_t disk, perm;
	uint64_t start, count; /* the extent: /dev/vdX's bytes are these sectors */
	struct inode *node;
};

static struct vd vds[BLK_NDISKS];
static uint8_t *bounce; /* BLK_MAX_LEN bytes, page-aligned, in the shared heap */
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
	if (!bounce) {
		uint8_t *p = lx_alloc(BLK_MAX_LEN + PAGE_SIZE);
		if (!p)
			return -ENOMEM;
		bounce = (uint8_t *)PGROUNDUP_U(p);
	}
	long nt = lx_dev_ring(RING_VA, sys_blk_ring_bind);
	if (nt < 0)
		return nt;
	ring_nt = nt;
	ring_env = ENVINFO->id;
	return 0;
}

/*
 * Wait for the completion of request c (lx's lock held: requests are made
 * one at a time): its status. No deadline, as Linux's waits for a disk have
 * none: under -icount an idle guest's clock jumps ahead of a host that is
 * still writing.
 */
static long ring_wait(uint64_t c)
{
	for (;;) {
		while (ring->tail != ring->head) {
			struct blk_done d = ring->slot[ring->tail % ring->nslots];
			ring->tail++;
			if (d.cookie == c)
				return d.status;
		}
		sys_ntfn_wait(ring_nt, TIMEOUT_FOREVER);
	}
}

/* Make the bounce pages of the first len bytes present and writable in this process (the device fills them). */
static void bounce_touch(uint32_t len)
{
	for (uint32_t off = 0; off < len; off += PAGE_SIZE)
		((volatile uint8_t *)bounce)[off] = ((volatile uint8_t *)bounce)[off];
}

/* One request of v: op on len bytes (a multiple of BLK_SECTOR) at sector (of the extent) to or from the bounce buffer. 0 or -EIO. */
static long disk_io(struct vd *v, uint32_t op, uint64_t sector, uint32_t len)
{
	long r = ring_ready();
	if (r < 0)
		return r;
	if (op != BLK_FLUSH)
		bounce_touch(len);
	struct blk_req q = { ++cookie, op, v->disk, v->start + sector, (uint64_t)bounce, len, 0 };
	if (op == BLK_FLUSH)
		q.va = q.len = q.sector = 0;
	while ((r = sys_blk_submit(&q, 1)) == -E_AGAIN)
		sys_ntfn_wait(ring_nt, TIMEOUT_FOREVER); /* the ring is signalled when there is room */
	if (r == 1)
		r = ring_wait(q.cookie);
	return r < 0 ? -EIO : 0;
}

/* The piece of [off, off + left) that one request handles: its first sector, its length in bytes, and where the bytes start in it. */
static uint32_t piece(uint64_t off, size_t left, uint64_t *sector, uint32_t *skip)
{
	*sector = off / BLK_SECTOR;
	*skip = (uint32_t)(off % BLK_SECTOR);
	uint64_t want = (*skip + left + BLK_SECTOR - 1) / BLK_SECTOR * BLK_SECTOR;
	return want < BLK_MAX_LEN ? (uint32_t)want : BLK_MAX_LEN;
}

static uint64_t vd_bytes(const struct vd *v)
{
	return v->count * BLK_SECTOR;
}

/* Read up to n bytes at off of f's disk into buf: the bytes read (0 at the end), or -EIO. */
static long blk_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct vd *v = vd_of(f->inode);
	if (!v)
		return -ENXIO;
	size_t done = 0;
	if (off >= vd_bytes(v))
		return 0;
	if (n > vd_bytes(v) - off)
		n = vd_bytes(v) - off;
	while (done < n) {
		uint64_t sector;
		uint32_t skip, len = piece(off + done, n - done, &sector, &skip);
		size_t k = len - skip < n - done ? len - skip : n - done;
		long r = disk_io(v, BLK_READ, sector, len);
		if (r < 0)
			return done ? (long)done : r;
		memcpy((char *)buf + done, bounce + skip, k);
		done += k;
	}
	return (long)done;
}

/* Write n bytes of buf at off of f's disk (a sector written in part is read first): the bytes written; -ENOSPC past the end, -EIO. */
static long blk_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	struct vd *v = vd_of(f->inode);
	if (!v)
		return -ENXIO;
	long err = ring_ready(); /* the bounce buffer is filled before the first request */
	if (err < 0)
		return err;
	size_t done = 0;
	if (off >= vd_bytes(v))
		return n ? -ENOSPC : 0;
	if (n > vd_bytes(v) - off)
		n = vd_bytes(v) - off;
	while (done < n) {
		uint64_t sector;
		uint32_t skip, len = piece(off + done, n - done, &sector, &skip);
		size_t k = len - skip < n - done ? len - skip : n - done;
		long r = skip || k % BLK_SECTOR ? disk_io(v, BLK_READ, sector, len) : 0;
		if (r == 0) {
			memcpy(bounce + skip, (const char *)buf + done, k);
			r = disk_io(v, BLK_WRITE, sector, len);
		}
		if (r < 0)
			return done ? (long)done : r;
		done += k;
	}
	if (f->flags & (O_SYNC | O_DSYNC) && disk_io(v, BLK_FLUSH, 0, 0) < 0)
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
	case BLKFLSBUF:
		return blkdev_fsync(f);
	case BLKDISCARD:
		return -EOPNOTSUPP;
	default:
		return -ENOTTY;
	}
}

static const struct file_ops blk_ops = { blk_read, blk_write, blk_pread, blk_pwrite, blk_ioctl, NULL, NULL, NULL, NULL };

long blkdev_fsync(struct file *f)
{
	struct vd *v = vd_of(f->inode);
	if (!v || !(v->perm & BLK_W))
		return 0;
	return disk_io(v, BLK_FLUSH, 0, 0);
}

long blkdev_sync(void)
{
	long r = 0;
	for (int i = 0; i < BLK_NDISKS; i++)
		if (vds[i].present && (vds[i].perm & BLK_W) && disk_io(&vds[i], BLK_FLUSH, 0, 0) < 0)
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
		if (!node)
			continue;
		node->dev = &blk_ops;
		node->rdev = MKDEV(VIRTIO_BLK_MAJOR, x[i].disk * VD_MINORS);
		vds[x[i].disk] = (struct vd){ true, x[i].disk, x[i].perm, x[i].start, x[i].count, node };
	}
}
