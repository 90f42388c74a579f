/* The Linux x86-64 ABI, block devices: the ioctls that ask a disk its size and sector size, and flush it. */
#ifndef LX_LINUX_BLKDEV_H
#define LX_LINUX_BLKDEV_H

#define BLKROGET 0x125E /* int: read-only? */
#define BLKGETSIZE 0x1260 /* unsigned long: size in 512-byte sectors */
#define BLKFLSBUF 0x1261 /* write back and drop the buffer cache */
#define BLKSSZGET 0x1268 /* int: logical sector size */
#define BLKBSZGET 0x80081270 /* int: the block size the kernel uses for the device */
#define BLKGETSIZE64 0x80081272 /* uint64_t: size in bytes */
#define BLKDISCARD 0x1277 /* uint64_t[2]: discard a range */
#define BLKIOMIN 0x1278 /* unsigned int: the smallest I/O that is efficient */
#define BLKIOOPT 0x1279 /* unsigned int: the optimal I/O size (0: none) */
#define BLKALIGNOFF 0x127A /* int: alignment offset */
#define BLKPBSZGET 0x127B /* unsigned int: physical sector size */
#define VIRTIO_BLK_MAJOR 254 /* the major number Linux gives its first dynamic block driver, virtio-blk's usually */
#define VD_MINORS 16 /* minors per disk: the disk and its partitions */

#endif
