/* A disk file mapped shared maps the disk cache's own pages: stores meet reads, writes and the disk, across processes and a truncate. Mica only. */
#define T_NAME "mapshare"
#include "../linux/check.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

/*
 * usage: mapshare DIR DISK, DIR a folder of an ext4 volume on DISK (its
 * /dev/vdX). On Linux a block device's page cache is not a file's, so a
 * store to a mapped file is on the device only after writeback; on Mica
 * the mapping's page is the disk cache's page, so reading DISK finds it at
 * once. At the end DIR/f holds what it should and DIR/f.want says what
 * that is (the test compares the two in the image on the host).
 */
#define PG 4096
#define PAGES 4
#define TAIL 100

static char *dir, *disk;

/* A 32-byte marker no file of the image holds by chance. */
static void marker(char *m, char tag)
{
	snprintf(m, 33, "mica-mapshare-%c-5b1d0e7c93a4f62", tag);
}

/* Is the 32-byte marker m somewhere on the disk, as a read of the device gives it? -1 when it cannot be read. */
static int on_disk(const char *m)
{
	int fd = open(disk, O_RDONLY);
	if (fd < 0)
		return -1;
	static char buf[(1 << 20) + 32];
	size_t keep = 0;
	int found = 0;
	for (;;) {
		ssize_t n = read(fd, buf + keep, 1 << 20);
		if (n <= 0)
			break;
		if (memmem(buf, keep + (size_t)n, m, 32)) {
			found = 1;
			break;
		}
		memmove(buf, buf + keep + (size_t)n - 31, 31); /* a marker across two reads */
		keep = 31;
	}
	close(fd);
	return found;
}

static char *path(const char *name)
{
	static char p[2][512];
	static int k;
	k ^= 1;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* Page k of the file as first written: its byte i is 'a' + (k * 7 + i) % 26. */
static void first_bytes(char *p, int k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('a' + (k * 7 + i) % 26);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mapshare DIR DISK\n");
		return 2;
	}
	dir = argv[1];
	disk = argv[2];
	static char want[PAGES * PG + TAIL], buf[PG];
	for (int k = 0; k <= PAGES; k++)
		first_bytes(want + k * PG, k, k < PAGES ? PG : TAIL);
	int fd = open(path("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK("written", fd >= 0 && write(fd, want, sizeof(want)) == (ssize_t)sizeof(want) && fsync(fd) == 0,
	      "errno %d", errno);
	char *m = mmap(NULL, (PAGES + 1) * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!CHECK("mapped", m != MAP_FAILED && memcmp(m, want, sizeof(want)) == 0, "errno %d", errno))
		return t_done();

	char b[33], c[33], d[33], e[33];
	marker(b, 'B');
	memcpy(m + PG, b, 32);
	memcpy(want + PG, b, 32);
	CHECK("store-seen-by-read", pread(fd, buf, 32, PG) == 32 && memcmp(buf, b, 32) == 0, "read %.32s", buf);
	int r = on_disk(b);
	CHECK("store-in-disk-cache", r == 1, "%s", r < 0 ? strerror(errno) : "a read of the disk does not find it");

	/* a store moves the modification time by the next msync, as a write does (Linux: at the store's fault); h
	 * is two whole pages on the disk, which a writeback sends nothing of to the server */
	struct stat s0, s1;
	int h = open(path("h"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *hm = h >= 0 && write(h, want, 2 * PG) == 2 * PG && fsync(h) == 0
			   ? mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, h, 0)
			   : MAP_FAILED;
	int st0 = hm != MAP_FAILED && hm[0] == want[0] && hm[PG] == want[PG] ? fstat(h, &s0) : -1;
	usleep(50000);
	if (hm != MAP_FAILED)
		hm[40] = '!';
	CHECK("store-moves-mtime",
	      st0 == 0 && msync(hm, 2 * PG, MS_SYNC) == 0 && fstat(h, &s1) == 0 &&
		      (s1.st_mtim.tv_sec > s0.st_mtim.tv_sec ||
		       (s1.st_mtim.tv_sec == s0.st_mtim.tv_sec && s1.st_mtim.tv_nsec > s0.st_mtim.tv_nsec)),
	      "mtimes %ld.%09ld, %ld.%09ld", (long)s0.st_mtim.tv_sec, s0.st_mtim.tv_nsec, (long)s1.st_mtim.tv_sec,
	      s1.st_mtim.tv_nsec);
	if (hm != MAP_FAILED)
		munmap(hm, 2 * PG);
	close(h);

	marker(c, 'C');
	CHECK("write-seen-by-mapping", pwrite(fd, c, 32, 2 * PG) == 32 && memcmp(m + 2 * PG, c, 32) == 0,
	      "the mapping holds %.32s", m + 2 * PG);

	/* a private mapping never written maps the same pages (a later write to the file shows in it, as on Linux);
	 * once made writable, a store there is its own */
	char f[33], g2[33];
	marker(f, 'F');
	marker(g2, 'G');
	char *pm = mmap(NULL, PAGES * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK("private-sees-store", pm != MAP_FAILED && memcmp(pm + PG, b, 32) == 0 && pm[3 * PG] == want[3 * PG],
	      "errno %d", errno); /* (page 3 touched now, before the write below) */
	CHECK("private-sees-later-write",
	      pm != MAP_FAILED && pwrite(fd, f, 32, 3 * PG) == 32 && memcmp(pm + 3 * PG, f, 32) == 0,
	      "the private mapping does not show the write");
	memcpy(want + 3 * PG, f, 32);
	CHECK("private-store-own",
	      pm != MAP_FAILED && mprotect(pm, PAGES * PG, PROT_READ | PROT_WRITE) == 0 &&
		      (memcpy(pm + 3 * PG, g2, 32), pread(fd, buf, 32, 3 * PG) == 32) && memcmp(buf, f, 32) == 0 &&
		      memcmp(m + 3 * PG, f, 32) == 0 && on_disk(g2) == 0,
	      "the store reached the file");
	if (pm != MAP_FAILED)
		munmap(pm, PAGES * PG);

	/* another process's own mapping of the file: the same pages */
	marker(d, 'D');
	pid_t pid = fork();
	if (pid == 0) {
		int cfd = open(path("f"), O_RDWR);
		char *cm = cfd >= 0 ? mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0) : MAP_FAILED;
		if (cm == MAP_FAILED || memcmp(cm + PG, b, 32) != 0)
			_exit(1);
		memcpy(cm, d, 32);
		_exit(0); /* without munmap: the exit lets go of the mapping */
	}
	int st = -1;
	waitpid(pid, &st, 0);
	memcpy(want, d, 32);
	CHECK("other-process", WIFEXITED(st) && WEXITSTATUS(st) == 0 && memcmp(m, d, 32) == 0,
	      "status %#x, the mapping holds %.32s", st, m);

	/* cut to a page and TAIL bytes: the server frees the blocks of pages 2 and 3 and zeros page 1 past TAIL */
	CHECK("truncate", ftruncate(fd, PG + TAIL) == 0, "errno %d", errno);
	char zeros[PG - TAIL] = { 0 };
	CHECK("truncate-zeros-tail", memcmp(m + PG + TAIL, zeros, PG - TAIL) == 0, "page 1 keeps bytes past the end");
	/* a page past the end that was mapped is no block of the disk's any more: what is stored there (Linux would
	 * raise SIGBUS; Mica keeps the page, as zeros) reaches no block another file may have now */
	marker(e, 'E');
	memcpy(m + 3 * PG, e, 32);
	int g = open(path("g"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	for (int k = 0; g >= 0 && k < 16; k++)
		write(g, want + 2 * PG, PG);
	if (g >= 0)
		fsync(g);
	r = on_disk(e);
	CHECK("past-end-not-on-disk", r == 0, "%s", r < 0 ? strerror(errno) : "a read of the disk finds it");
	CHECK("past-end-not-the-new-file", g >= 0 && pread(g, buf, 32, 3 * PG) == 32 && memcmp(buf, e, 32) != 0,
	      "the new file holds the store");
	close(g);

	CHECK("unmapped", munmap(m, (PAGES + 1) * PG) == 0 && close(fd) == 0, "errno %d", errno);
	int w = open(path("f.want"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK("want-written", w >= 0 && write(w, want, PG + TAIL) == PG + TAIL && close(w) == 0, "errno %d", errno);
	fd = open(path("f"), O_RDONLY);
	static char got[PG + TAIL + 1];
	CHECK("read-back", fd >= 0 && read(fd, got, sizeof(got)) == PG + TAIL && memcmp(got, want, PG + TAIL) == 0,
	      "the file differs");
	return t_done();
}
