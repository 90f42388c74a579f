/* Mica's additions to the FUSE protocol: a server's promises (a CREATE that checks the name, requests in order), and where a file's bytes lie on the disk. */
#ifndef LX_FUSE_MICA_H
#define LX_FUSE_MICA_H

#include <stdint.h>

/*
 * lx offers FUSE_MICA_PROMISES in FUSE_INIT's flags (a bit protocol 7.19,
 * which lx speaks, leaves unused). A server that answers with it set
 * promises two things Linux's FUSE does not count on:
 *
 * - It answers a CREATE whose flags have O_EXCL with EEXIST when the
 *   folder has the name already, as open(2) does. Linux's FUSE never sends
 *   a CREATE without a LOOKUP first that found no such name, and servers
 *   count on that (fuse2fs would make a second entry of the name); with
 *   the promise, lx sends an O_EXCL create as CREATE alone.
 * - It takes requests one at a time, each answered before it reads the
 *   next. A request then sees what every request sent before it did, so
 *   lx may send a WRITE without waiting for its answer (write-behind, as
 *   Linux's page cache writes later), knowing that what it sends next on
 *   the file (a read, a map, a fsync) comes after it.
 */
#define FUSE_MICA_PROMISES (1u << 31)

/*
 * A server whose file system lies on a block device lx holds too
 * (mica-ext4 on /dev/vdX) may tell lx where a file's bytes lie on that
 * device. lx then reads them from its own disk cache, the pages the
 * server's own reads and writes go through, rather than have the server
 * copy them into a READ answer and lx copy that answer out again (the
 * way Linux's FUSE iomap work has the kernel do a server's data I/O).
 *
 * The request, on an open regular file: a fuse_map_in. The answer: a
 * fuse_map_out, then its count fuse_map_extent, in file order, each
 * beginning where the one before ends, the first holding byte `offset`;
 * together they reach at least min(offset + size, file_size), unless
 * count is FUSE_MAP_EXTENTS_MAX. An extent is a hole (its addr
 * FUSE_MAP_HOLE: it reads as zeros; unwritten extents are holes too) or
 * lies at device bytes [addr, addr + length). Bytes of the last extent
 * past file_size are not the file's.
 *
 * A server that does not know the opcode answers ENOSYS, and lx asks it
 * no more; EOPNOTSUPP for one file (say, its data inline in its inode)
 * makes lx read that file with READ. lx asks again after any request that
 * may free blocks (a truncate, a removal...) was sent while it waited, so
 * that it never reads blocks the file no longer owns.
 */
#define FUSE_MICA_MAP 0x4d49 /* 'M' 'I': far from Linux's opcodes */
#define FUSE_MAP_HOLE (~(uint64_t)0)
#define FUSE_MAP_EXTENTS_MAX 64

struct fuse_map_in {
	uint64_t fh;
	uint64_t offset; /* the bytes wanted, [offset, offset + size) */
	uint64_t size;
};

struct fuse_map_out {
	uint64_t file_size;
	uint64_t dev; /* the block device's number, as stat gives st_rdev */
	uint32_t count; /* extents that follow */
	uint32_t padding;
};

struct fuse_map_extent {
	uint64_t offset; /* in the file, bytes */
	uint64_t length;
	uint64_t addr; /* on the device, bytes, or FUSE_MAP_HOLE */
};

#endif
