/* The block storage ABI: disk extents bound to environments (XN's secure bindings), requests from own frames, a completion ring. */
#ifndef MICA_BLK_H
#define MICA_BLK_H

#include <stdint.h>
#include <stddef.h>
#include <mica/abi.h>

/*
 * Disks are the machine's virtio-blk devices, numbered from 0 in the order
 * the kernel found them (the order of the kernel command line). Sectors are
 * BLK_SECTOR bytes, as virtio counts them.
 *
 * Extents. An environment may touch only the sectors of the extents it
 * holds: (disk, first sector, count, BLK_R and/or BLK_W). The root env
 * (the one the kernel starts) holds every disk whole, read-write (read
 * only if the device is). An env carves a sub-extent of one of its own,
 * with the same or fewer rights, for a child with blk_grant; it may take
 * it back with blk_revoke, which also takes every extent carved from it,
 * at any depth. When an env ends, its extents go; what it carved from them
 * for others stays with them (as its orphaned children live on), carved
 * now from the extent its own came from, so that extent's granter may
 * revoke it. A request in flight when its extent goes still completes (it
 * was checked when submitted); later ones are refused.
 *
 * Requests. blk_submit takes a batch of struct blk_req. Each is checked
 * when it is submitted, and a refused one changes nothing: the sectors lie
 * inside one extent of the caller with the right it needs (BLK_R to read,
 * BLK_W to write or flush); len is a multiple of BLK_SECTOR, at most
 * BLK_MAX_LEN; va is BLK_SECTOR-aligned and every page of [va, va + len)
 * is mapped in the caller (writable, for a read) and holds a frame the
 * caller owns or that its group shares (frame_share). The data moves
 * between the device and those frames directly. The kernel holds a
 * reference on each frame until the request completes, so a frame freed or
 * unmapped meanwhile, or an env that ends meanwhile, never lets the device
 * touch memory that has gone to someone else: the frame returns to the
 * pool only after the device is done with it.
 *
 * Completions. Each env binds one page of its own as its completion ring
 * (blk_ring_bind) before it submits. When a request completes the kernel
 * writes a struct blk_done at slot head % nslots, advances head and
 * signals the ring's notification bits; the env reads from tail and
 * advances tail. The kernel admits a request only while the env's
 * requests in flight plus the completions it has not consumed fit the
 * ring, so the ring never overflows; a submission refused for room
 * (-E_AGAIN: the ring, or the device's queue, is full) sets BLK_RING_WAIT
 * and the ring is signalled when a request of that disk completes.
 *
 * Order and durability. The device may complete requests in any order.
 * A flush (BLK_FLUSH) is held by the kernel until every write to that disk
 * submitted before it (by any env) has completed, and it completes once
 * those writes are on stable storage (a device without a volatile cache,
 * which does not offer VIRTIO_BLK_F_FLUSH, has them there when they
 * complete, and the flush completes at once after them). Requests
 * submitted after a flush are not held back: an env that needs a write
 * ordered after a flush (a journal's commit block) submits it after the
 * flush's completion.
 */
#define BLK_SECTOR 512
#define BLK_NDISKS 4 /* disks driven at most */
#define BLK_MAX_LEN (64 * 1024) /* bytes in one request at most */
#define BLK_SUBMIT_BATCH 32 /* requests in one blk_submit at most */
#define BLK_EXTENTS_MAX 16 /* extents one env holds at most; and live grants it has made at most */

/* Rights on an extent. */
#define BLK_R 1
#define BLK_W 2
#define BLK_RW (BLK_R | BLK_W)

/* Operations of a request. */
#define BLK_READ 0 /* disk to memory */
#define BLK_WRITE 1 /* memory to disk */
#define BLK_FLUSH 2 /* the writes before it, on stable storage: sector, va and len are ignored */

/* struct blk_info flags. */
#define BLK_INFO_RO 1 /* the device is read-only */
#define BLK_INFO_FLUSH 2 /* the device has a write cache that flush empties (VIRTIO_BLK_F_FLUSH) */

/* What blk_info says of a disk. */
struct blk_info {
	uint64_t sectors; /* capacity, in BLK_SECTOR units */
	uint32_t sector_size; /* BLK_SECTOR */
	uint32_t flags; /* BLK_INFO_* */
};
ABI_SIZE(struct blk_info, 16);
ABI_OFFSET(struct blk_info, sectors, 0);
ABI_OFFSET(struct blk_info, sector_size, 8);
ABI_OFFSET(struct blk_info, flags, 12);

/* An extent an env holds, as blk_extents lists them. */
struct blk_extent {
	uint64_t id; /* what blk_revoke names */
	uint32_t disk;
	uint32_t perm; /* BLK_R, BLK_W */
	uint64_t start; /* first sector */
	uint64_t count; /* sectors */
};
ABI_SIZE(struct blk_extent, 32);
ABI_OFFSET(struct blk_extent, id, 0);
ABI_OFFSET(struct blk_extent, disk, 8);
ABI_OFFSET(struct blk_extent, perm, 12);
ABI_OFFSET(struct blk_extent, start, 16);
ABI_OFFSET(struct blk_extent, count, 24);

/* One request of a blk_submit batch. */
struct blk_req {
	uint64_t cookie; /* the env's, returned in its completion */
	uint32_t op; /* BLK_READ, BLK_WRITE, BLK_FLUSH */
	uint32_t disk;
	uint64_t sector; /* first sector */
	uint64_t va; /* the caller's memory: BLK_SECTOR-aligned */
	uint32_t len; /* bytes: a multiple of BLK_SECTOR, 1 .. BLK_MAX_LEN / BLK_SECTOR sectors */
	uint32_t pad;
};
ABI_SIZE(struct blk_req, 40);
ABI_OFFSET(struct blk_req, cookie, 0);
ABI_OFFSET(struct blk_req, op, 8);
ABI_OFFSET(struct blk_req, disk, 12);
ABI_OFFSET(struct blk_req, sector, 16);
ABI_OFFSET(struct blk_req, va, 24);
ABI_OFFSET(struct blk_req, len, 32);

/* One completion. */
struct blk_done {
	uint64_t cookie;
	int32_t status; /* 0, or -E_IO (the device failed it) */
	uint32_t len; /* the request's length */
};
ABI_SIZE(struct blk_done, 16);
ABI_OFFSET(struct blk_done, cookie, 0);
ABI_OFFSET(struct blk_done, status, 8);
ABI_OFFSET(struct blk_done, len, 12);

/* The completion ring: one page, this header and then BLK_RING_SLOTS completions. */
#define BLK_RING_WAIT 1 /* flags, set by the kernel: a submission was refused for room; cleared when signalled */
struct blk_ring_hdr {
	volatile uint32_t head; /* kernel: completions written, in total */
	volatile uint32_t tail; /* env: completions consumed, in total */
	uint32_t nslots; /* kernel, at bind */
	volatile uint32_t flags; /* BLK_RING_WAIT */
	volatile uint64_t submitted; /* kernel: requests admitted */
	volatile uint64_t completed; /* kernel: requests completed */
	uint64_t pad[4];
	struct blk_done slot[];
};
ABI_SIZE(struct blk_ring_hdr, 64);
ABI_OFFSET(struct blk_ring_hdr, head, 0);
ABI_OFFSET(struct blk_ring_hdr, tail, 4);
ABI_OFFSET(struct blk_ring_hdr, nslots, 8);
ABI_OFFSET(struct blk_ring_hdr, flags, 12);
ABI_OFFSET(struct blk_ring_hdr, submitted, 16);
ABI_OFFSET(struct blk_ring_hdr, completed, 24);
ABI_OFFSET(struct blk_ring_hdr, slot, 64);
#define BLK_RING_SLOTS ((PAGE_SIZE - sizeof(struct blk_ring_hdr)) / sizeof(struct blk_done))

#endif
