/* A Linux program run on Mica against a disk as /dev/vda: stat, the block ioctls, read, write, pread, pwrite, lseek, fsync, reading in order, the end of the disk. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

/*
 * The disk holds pattern() when this starts (tests/blk.sh writes it);
 * what this writes is what tests/blk.sh then expects on the host's image:
 * 1000 bytes of 'w' at 5000, 100000 bytes of written() at 1 MiB, 512
 * bytes of 'e' in the last sector, 4096 bytes of 's' at 2 MiB.
 */
static int failures;

static void check(int cond, const char *name)
{
	printf("%s blk-lx/%s\n", cond ? "ok" : "not ok", name);
	failures += !cond;
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 512);
}

static uint8_t written(uint64_t off)
{
	return (uint8_t)(off * 13 + 5);
}

/* What the disk holds at off once the writes of "pwrite-unaligned" and "write-long" are in. */
static uint8_t expected(uint64_t off)
{
	if (off >= 5000 && off < 6000)
		return 'w';
	if (off >= 1 << 20 && off < (1 << 20) + 100000)
		return written(off - (1 << 20));
	return pattern(off);
}

/* Read the whole disk from the start 4 KiB at a time, in order (as fuse2fs reads a file): is all as expected? */
static int reads_in_order(int fd, uint64_t size)
{
	static uint8_t page[4096];
	if (lseek(fd, 0, SEEK_SET) != 0)
		return 0;
	for (uint64_t off = 0; off < size; off += sizeof(page)) {
		if (read(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			return 0;
		for (size_t i = 0; i < sizeof(page); i++)
			if (page[i] != expected(off + i))
				return 0;
	}
	return read(fd, page, sizeof(page)) == 0;
}

static int holds_pattern(const uint8_t *b, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pattern(off + i))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *dev = argv[1];
	uint64_t size = strtoull(argv[2], NULL, 0), got64 = 0;
	static uint8_t buf[200000];
	struct stat st;
	int ssz = 0;
	unsigned long sectors = 0;

	check(stat(dev, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 254 && minor(st.st_rdev) == 0,
	      "stat-block-device");
	int fd = open(dev, O_RDWR);
	check(fd >= 0, "open-rdwr");
	check(fstat(fd, &st) == 0 && S_ISBLK(st.st_mode), "fstat-block-device");
	check(ioctl(fd, BLKGETSIZE64, &got64) == 0 && got64 == size, "BLKGETSIZE64");
	check(ioctl(fd, BLKGETSIZE, &sectors) == 0 && sectors == size / 512, "BLKGETSIZE");
	check(ioctl(fd, BLKSSZGET, &ssz) == 0 && ssz == 512, "BLKSSZGET");
	struct termios t;
	check(ioctl(fd, TCGETS, &t) == -1 && errno == ENOTTY, "not-a-tty");
	check(lseek(fd, 0, SEEK_END) == (off_t)size, "lseek-end-is-size");
	check(lseek(fd, 1000, SEEK_SET) == 1000, "lseek-set");
	check(read(fd, buf, 3000) == 3000 && holds_pattern(buf, 3000, 1000), "read-unaligned");
	check(lseek(fd, 0, SEEK_CUR) == 4000, "read-advances");
	check(pread(fd, buf, 70000, 123457) == 70000 && holds_pattern(buf, 70000, 123457), "pread-long-unaligned");

	memset(buf, 'w', 1000);
	check(pwrite(fd, buf, 1000, 5000) == 1000, "pwrite-unaligned");
	check(pread(fd, buf, 2048, 4096) == 2048 && holds_pattern(buf, 904, 4096) && buf[904] == 'w' &&
		      buf[1903] == 'w' && holds_pattern(buf + 1904, 144, 6000),
	      "pwrite-kept-the-rest-of-its-sectors");
	for (int i = 0; i < 100000; i++)
		buf[i] = written((uint64_t)i);
	check(lseek(fd, 1 << 20, SEEK_SET) == 1 << 20 && write(fd, buf, 100000) == 100000, "write-long");
	memset(buf, 0, 100000);
	int same = pread(fd, buf, 100000, 1 << 20) == 100000;
	for (int i = 0; same && i < 100000; i++)
		same = buf[i] == written((uint64_t)i);
	check(same, "read-back-long");
	check(fsync(fd) == 0, "fsync");
	check(fdatasync(fd) == 0, "fdatasync");
	check(ioctl(fd, BLKFLSBUF, 0) == 0, "BLKFLSBUF");
	check(reads_in_order(fd, size), "read-in-order-to-the-end"); /* read ahead from an empty cache, to the end */
	sync();

	void *volatile bad = (void *)8; /* volatile: the compiler need not know it is bad */
	check(ioctl(fd, BLKGETSIZE64, bad) == -1 && errno == EFAULT, "ioctl-bad-pointer-EFAULT");
	check(pread(fd, bad, 512, 0) == -1 && errno == EFAULT, "pread-bad-pointer-EFAULT");
	check(pwrite(fd, bad, 512, 0) == -1 && errno == EFAULT, "pwrite-bad-pointer-EFAULT");
	check(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL, "lseek-negative-EINVAL");
	check(pread(fd, buf, 512, (off_t)size) == 0, "read-at-end");
	check(pwrite(fd, buf, 512, (off_t)size) == -1 && errno == ENOSPC, "write-at-end-ENOSPC");
	memset(buf, 'e', 1024);
	check(pwrite(fd, buf, 1024, (off_t)size - 512) == 512, "write-across-end-short");
	check(close(fd) == 0, "close");

	int s = open(dev, O_WRONLY | O_DSYNC);
	memset(buf, 's', 4096);
	check(s >= 0 && pwrite(s, buf, 4096, 2 << 20) == 4096 && close(s) == 0, "o-dsync-write");
	return failures ? 1 : 0;
}
