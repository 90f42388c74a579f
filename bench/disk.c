/* Disk rates in MB/s and operations/s of wall clock on an ext4 file system: a file written and read, files created, sqlite3. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "chunks.h"
#include "idle.h"
#include "modules.h"

/*
 * The same static program on both systems (glibc, with Debian's libsqlite3.a linked in):
 *   disk DIR MIB N STEP...
 * does the steps in the order given, on the ext4 file system at DIR:
 *   write   writes DIR/disk.bin, MIB MiB in 1 MiB writes, then fsync and close
 *   read    reads it back in 1 MiB reads (each MiB's index and a word of each page checked)
 *   drop    Linux only: writes 3 to /proc/sys/vm/drop_caches (after sync), so that read reads the disk
 *   files   in a new folder DIR/files: N times open(O_CREAT | O_EXCL), write 4 KiB, close (no sync)
 *   sqlite  DIR/bench.db (rollback journal, synchronous=FULL): 10,000 inserts in one transaction, then
 *           1,000 inserts each in its own transaction; the rows are counted afterwards
 * Each prints "bench NAME RATE UNIT (...)" on stderr, timed from the step's first call to its last, and
 * "bench NAME_busy NS ns/op (...)": the time per operation the machine was not idle (bench/idle.h).
 * As pid 1 with no argument (Linux's init) it loads the virtio, virtio-blk and ext4 modules, mounts
 * devtmpfs, proc and /dev/vda (ext4) at /data, does write drop read files sqlite with INIT_MIB and
 * INIT_FILES, unmounts /data and powers off.
 */
#define FILE_BYTES 4096
#define TXN_ROWS 10000 /* inserts in the one transaction */
#define SYNC_ROWS 1000 /* inserts, each its own transaction */
#define INIT_MIB 256 /* as Linux's init (bench/disk.sh gives Mica the same) */
#define INIT_FILES 10000

/* In the order they load, each after the modules it uses (Debian's generic kernel has them as modules). */
static const char *const modules[] = { "virtio_ring", "virtio",         "virtio_mmio", "virtio_blk", "crc16",
				       "mbcache",     "crc32c_generic", "jbd2",        "ext4" };

static int fail(const char *what)
{
	fprintf(stderr, "disk: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The busy time of a step of ops operations that took s seconds, begun with idle0 seconds idle: "bench
 * NAME_busy NS ns/op", the ns per operation the machine was not idle (nothing where the idle time cannot be
 * read). With instructions counted, these are the instructions each operation ran, the waits left out. */
static void busy(const char *name, double s, double idle0, long ops)
{
	double idle = idle_seconds() - idle0, b = s - idle;
	if (idle0 >= 0 && idle >= 0)
		fprintf(stderr, "bench %s_busy %.0f ns/op (%.3f s idle of %.3f s)\n", name, (b < 0 ? 0 : b) * 1e9 / ops,
			idle, s);
}

static int seq_write(const char *dir, long mib)
{
	char path[4096];
	static char p[CHUNK];
	snprintf(path, sizeof(path), "%s/disk.bin", dir);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		return fail(path);
	double idle0 = idle_seconds(), start = now();
	for (long i = 0; i < mib; i++) {
		fill(p, i);
		if (write_all(fd, p, CHUNK) < 0)
			return fail("write");
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return fail("fsync");
	double s = now() - start;
	busy("disk_seq_write", s, idle0, mib);
	fprintf(stderr, "bench disk_seq_write %.1f MB/s (%ld MiB in %.2f s, fsync included)\n", mib * 1.048576 / s, mib,
		s);
	return 0;
}

static int seq_read(const char *dir, long mib)
{
	char path[4096];
	static char q[CHUNK];
	snprintf(path, sizeof(path), "%s/disk.bin", dir);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail(path);
	double idle0 = idle_seconds(), start = now();
	for (long i = 0; i < mib; i++) {
		size_t got = 0;
		ssize_t k;
		while (got < CHUNK && (k = read(fd, q + got, CHUNK - got)) > 0)
			got += (size_t)k;
		if (got != CHUNK || !looks_right(q, i)) {
			fprintf(stderr, "disk: MiB %ld of %s differs from what was written\n", i, path);
			return 1;
		}
	}
	double s = now() - start;
	busy("disk_seq_read", s, idle0, mib);
	close(fd);
	fprintf(stderr, "bench disk_seq_read %.1f MB/s (%ld MiB in %.2f s)\n", mib * 1.048576 / s, mib, s);
	return 0;
}

/* Linux's page cache emptied (what is dirty written first), so that a read reads the disk. */
static int drop_caches(void)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3\n", 2) != 2 || close(fd) < 0)
		return fail("/proc/sys/vm/drop_caches");
	return 0;
}

static int files(const char *dir, long n)
{
	char path[4096];
	static char buf[FILE_BYTES];
	snprintf(path, sizeof(path), "%s/files", dir);
	if (mkdir(path, 0755) < 0)
		return fail(path);
	memset(buf, 'f', sizeof(buf));
	double idle0 = idle_seconds(), start = now();
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/files/f%06ld", dir, i);
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || write_all(fd, buf, sizeof(buf)) < 0 || close(fd) < 0)
			return fail(path);
	}
	double s = now() - start;
	busy("disk_create_files", s, idle0, n);
	struct stat st;
	snprintf(path, sizeof(path), "%s/files/f%06ld", dir, n - 1);
	if (stat(path, &st) < 0 || st.st_size != FILE_BYTES)
		return fail("the last file's size");
	fprintf(stderr, "bench disk_create_files %.1f ops/s (%ld files of 4 KiB in one folder in %.2f s)\n", n / s, n,
		s);
	return 0;
}

/* Run sql on db: 0, or 1 with sqlite3's message said. */
static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK)
		return 0;
	fprintf(stderr, "disk: sqlite3: %s: %s\n", sql, err ? err : "?");
	sqlite3_free(err);
	return 1;
}

/* Insert rows [from, to) with stmt, each in its own transaction when own is true. */
static int insert(sqlite3 *db, sqlite3_stmt *stmt, int from, int to, bool own)
{
	for (int i = from; i < to; i++) {
		if (own && exec(db, "BEGIN"))
			return 1;
		sqlite3_bind_int(stmt, 1, i);
		sqlite3_bind_text(stmt, 2, "a row of the benchmark's table, of some sixty bytes of text", -1,
				  SQLITE_STATIC);
		if (sqlite3_step(stmt) != SQLITE_DONE || sqlite3_reset(stmt) != SQLITE_OK) {
			fprintf(stderr, "disk: sqlite3 insert: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		if (own && exec(db, "COMMIT"))
			return 1;
	}
	return 0;
}

static int sqlite(const char *dir)
{
	char path[4096];
	sqlite3 *db;
	sqlite3_stmt *stmt, *count;
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return fprintf(stderr, "disk: sqlite3 %s: %s\n", path, sqlite3_errmsg(db)), 1;
	if (exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;"
		     "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)") ||
	    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &stmt, NULL) != SQLITE_OK)
		return fprintf(stderr, "disk: sqlite3: %s\n", sqlite3_errmsg(db)), 1;
	double idle0 = idle_seconds(), start = now();
	if (exec(db, "BEGIN") || insert(db, stmt, 0, TXN_ROWS, false) || exec(db, "COMMIT"))
		return 1;
	double s = now() - start;
	busy("sqlite_insert_one_txn", s, idle0, TXN_ROWS);
	fprintf(stderr, "bench sqlite_insert_one_txn %.1f ops/s (%d inserts in one transaction in %.2f s)\n",
		TXN_ROWS / s, TXN_ROWS, s);
	idle0 = idle_seconds();
	start = now();
	if (insert(db, stmt, TXN_ROWS, TXN_ROWS + SYNC_ROWS, true))
		return 1;
	s = now() - start;
	busy("sqlite_insert_txn_each", s, idle0, SYNC_ROWS);
	fprintf(stderr, "bench sqlite_insert_txn_each %.1f ops/s (%d inserts, each its own transaction, in %.2f s)\n",
		SYNC_ROWS / s, SYNC_ROWS, s);
	sqlite3_finalize(stmt);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &count, NULL) != SQLITE_OK ||
	    sqlite3_step(count) != SQLITE_ROW || sqlite3_column_int(count, 0) != TXN_ROWS + SYNC_ROWS) {
		fprintf(stderr, "disk: sqlite3: the table does not have the %d rows inserted\n", TXN_ROWS + SYNC_ROWS);
		return 1;
	}
	sqlite3_finalize(count);
	return sqlite3_close(db) == SQLITE_OK ? 0 : 1;
}

/* Do each step of steps[0..n) on dir: 0, or 1 at the first that fails. */
static int steps(const char *dir, long mib, long nfiles, char **steps, int n)
{
	for (int i = 0; i < n; i++) {
		const char *s = steps[i];
		int r = strcmp(s, "write") == 0    ? seq_write(dir, mib)
			: strcmp(s, "read") == 0   ? seq_read(dir, mib)
			: strcmp(s, "drop") == 0   ? drop_caches()
			: strcmp(s, "files") == 0  ? files(dir, nfiles)
			: strcmp(s, "sqlite") == 0 ? sqlite(dir)
						   : (fprintf(stderr, "disk: no step %s\n", s), 2);
		if (r)
			return r;
	}
	return 0;
}

/* Linux's init: the modules, /dev, /proc, the disk's ext4 at /data. */
static int linux_setup(void)
{
	char path[64];
	if (load_modules(modules, sizeof(modules) / sizeof(modules[0]), path, sizeof(path)) < 0)
		return fail(path);
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/data", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) < 0 || mount("proc", "/proc", "proc", 0, NULL) < 0)
		return fail("mount /dev, /proc");
	int con = open("/dev/console", O_WRONLY);
	if (con >= 0)
		dup2(con, 2);
	for (int tries = 0; tries < 500 && access("/dev/vda", F_OK) < 0; tries++)
		usleep(10000); /* the disk appears once the driver has met the device */
	if (mount("/dev/vda", "/data", "ext4", 0, NULL) < 0)
		return fail("mount /dev/vda (ext4) at /data");
	return 0;
}

int main(int argc, char **argv)
{
	int r;
	if (getpid() == 1 && argc == 1) { /* Linux's init (mica run always names what to do) */
		char *all[] = { "write", "drop", "read", "files", "sqlite" };
		r = linux_setup();
		r = r ? r : steps("/data", INIT_MIB, INIT_FILES, all, 5);
		if (umount("/data") < 0 && !r)
			r = fail("umount /data");
		fprintf(stderr, "disk: done %d\n", r);
		sync();
		reboot(RB_POWER_OFF);
		return r;
	}
	if (argc >= 5 && atol(argv[2]) > 0 && atol(argv[3]) > 0)
		return steps(argv[1], atol(argv[2]), atol(argv[3]), argv + 4, argc - 4);
	fprintf(stderr, "usage: disk DIR MIB NFILES write|read|drop|files|sqlite...\n");
	return 2;
}
