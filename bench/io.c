/* I/O rates in MB/s of wall clock: bytes through stdin and stdout, a file written and read on a host folder (virtio-9p). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "chunks.h"
#include "modules.h"

/*
 * The same static program on both systems:
 *   io copy           stdin to stdout until stdin's end (run by mica run with both
 *                     host pipes or files: virtio-console ports)
 *   io file DIR MIB   writes DIR/io.bin (MIB MiB, 1 MiB a write, then fsync), reads
 *                     it back (1 MiB a read, each MiB's index and a word of each page
 *                     checked), removes it
 * Each prints "bench NAME MB/s" lines on stderr, timed from the first byte to the
 * last (the machine's boot not counted). As pid 1 with no argument (Linux's init) it does both with
 * the devices mica run gives Mica: it loads the virtio, console and 9p modules,
 * mounts devtmpfs and the share vol0 at /vol, reads port 1 (/dev/vport0p1) into
 * port 2, prints on the serial console and powers off.
 */
#define COPY_BUF (128 << 10)
#define INIT_MIB 64 /* the file's size as Linux's init (bench/io.sh gives Mica the same) */

/* In the order they load: each after the modules it uses (Debian's generic kernel: 9p is no module of the cloud one). */
static const char *const modules[] = { "virtio_ring",    "virtio",       "virtio_mmio",
				       "virtio_console", "netfs",        "fscache",
				       "9pnet",          "9pnet_virtio", "9p" };

static int fail(const char *what)
{
	fprintf(stderr, "io: %s: %s\n", what, strerror(errno));
	return 1;
}

static void report(const char *name, double bytes, double secs)
{
	fprintf(stderr, "bench %s %.1f MB/s (%.0f bytes in %.2f s)\n", name, bytes / 1e6 / secs, bytes, secs);
}

/* stdin to stdout until stdin's end; the rate from the first byte read to the last written. */
static int copy(void)
{
	static char buf[COPY_BUF];
	double total = 0, start = 0;
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		if (total == 0)
			start = now();
		if (write_all(1, buf, (size_t)n) < 0)
			return fail("write");
		total += (double)n;
	}
	if (n < 0)
		return fail("read");
	report("streams_stdin_to_stdout", total, now() - start);
	return 0;
}

static int file_rw(const char *dir, long mib)
{
	char path[4096], *p = malloc(CHUNK), *q = malloc(CHUNK);
	snprintf(path, sizeof(path), "%s/io.bin", dir);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (!p || !q || fd < 0)
		return fail(path);
	double start = now();
	for (long i = 0; i < mib; i++) {
		fill(p, i);
		if (write_all(fd, p, CHUNK) < 0)
			return fail("write");
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return fail("fsync");
	report("volume_file_write", (double)mib * CHUNK, now() - start);
	if ((fd = open(path, O_RDONLY)) < 0)
		return fail(path);
	start = now();
	for (long i = 0; i < mib; i++) {
		size_t got = 0;
		ssize_t k;
		while (got < CHUNK && (k = read(fd, q + got, CHUNK - got)) > 0)
			got += (size_t)k;
		if (got != CHUNK || !looks_right(q, i)) {
			fprintf(stderr, "io: MiB %ld of %s differs from what was written\n", i, path);
			return 1;
		}
	}
	report("volume_file_read", (double)mib * CHUNK, now() - start);
	close(fd);
	return unlink(path) < 0 ? fail("unlink") : 0;
}

/* Linux's init: the modules, /dev, the share at /vol, the ports as fds 0 and 1, the console as 2. */
static int linux_setup(void)
{
	char path[64];
	if (load_modules(modules, sizeof(modules) / sizeof(modules[0]), path, sizeof(path)) < 0)
		return fail(path);
	mkdir("/dev", 0755);
	mkdir("/vol", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0)
		return fail("mount /dev");
	if (mount("vol0", "/vol", "9p", 0, "trans=virtio,version=9p2000.L,msize=131072") < 0)
		return fail("mount /vol");
	int in = -1, out = -1; /* the ports appear once the driver has met the device */
	for (int tries = 0; tries < 500 && (in < 0 || out < 0); tries++) {
		if (in < 0)
			in = open("/dev/vport0p1", O_RDONLY);
		if (out < 0)
			out = open("/dev/vport0p2", O_WRONLY);
		if (in < 0 || out < 0)
			usleep(10000);
	}
	int con = open("/dev/console", O_WRONLY);
	if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || (con >= 0 && dup2(con, 2) < 0))
		return fail("the ports");
	return 0;
}

int main(int argc, char **argv)
{
	int r;
	if (getpid() == 1 && argc == 1) { /* Linux's init (mica run always names what to do) */
		r = linux_setup();
		r = r ? r : copy();
		r = r ? r : file_rw("/vol", INIT_MIB);
		fprintf(stderr, "io: done %d\n", r);
		sync();
		reboot(RB_POWER_OFF);
		return r;
	}
	if (argc == 2 && strcmp(argv[1], "copy") == 0)
		return copy();
	if (argc == 4 && strcmp(argv[1], "file") == 0 && atol(argv[3]) > 0)
		return file_rw(argv[2], atol(argv[3]));
	fprintf(stderr, "usage: io copy | io file DIR MIB\n");
	return 2;
}
