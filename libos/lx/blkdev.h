/* Disks as block devices: /dev/vda, /dev/vdb, ... over the extents lx holds. (blkdev.c) */
#ifndef LX_BLKDEV_H
#define LX_BLKDEV_H

/* A node in dev for each disk lx holds an extent of. */
void blkdev_init(struct inode *dev);
/* Give a forked child's env the extents this process holds: 0 or -ENOMEM. */
long blkdev_fork(long child_env);
/* f, a disk, was opened (its last close writes its cache back). */
void blkdev_opened(struct file *f);
/* f's disk: every write done is on stable storage. 0 or -EIO. */
long blkdev_fsync(struct file *f);
/* The same for every disk lx holds writable: 0 or -EIO. */
long blkdev_sync(void);
/*
 * Up to n bytes at off of the disk whose device number is rdev, through its
 * cache, as a read of /dev/vdX would (FUSE_MICA_MAP reads a file's blocks
 * so): the bytes read (0 at the disk's end), -ENODEV when lx holds no such
 * disk, or -EIO.
 */
long blkdev_pread(uint64_t rdev, void *buf, size_t n, uint64_t off);
/* Block device n's size in bytes, or -1 if n is none. */
long blkdev_size(struct inode *n);
/*
 * Pages of a disk's cache held for a shared mapping (volume_fd.c): the page at byte addr (page-aligned, whole on
 * the disk) of the disk whose device number is rdev, read with the pages after it up to byte last when it is not
 * cached, and held there until blkdev_page_put: its bytes, with *hold; NULL with *err (-ENODEV: no such disk;
 * -EINVAL: addr is not a page's; -EIO, -ENOMEM).
 */
struct cpage;
char *blkdev_page_hold(uint64_t rdev, uint64_t addr, uint64_t last, struct cpage **hold, long *err);
void blkdev_page_put(struct cpage *p);
void blkdev_page_dirty(struct cpage *p); /* changed through a mapping: written back with the next writeback */
/* p's page given to the caller, with its hold (blkdev_page_put's work done), and a copy of its bytes made the
 * cache's page in its place: the page, or NULL (p still held) when out of memory. */
char *blkdev_page_unshare(struct cpage *p);
/* May block device n be opened for writing (its extent is writable)? */
bool blkdev_writable(struct inode *n);

#endif
