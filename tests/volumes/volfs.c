/* File-system behaviour in the folder named by argv[1]: run on a host folder and on a shared folder in Mica, the same checks. */
#define T_NAME "volfs"
#include "../linux/check.h"
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MANY 300
#define BIG (1 << 20)

/* Count the entries of directory path with getdents64 through a small buffer (several calls); -1 on error. */
static int count_entries(const char *path)
{
	char buf[512];
	int fd = open(path, O_RDONLY | O_DIRECTORY), n = 0;
	long got;
	if (fd < 0)
		return -1;
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got; off += ((unsigned short *)(buf + off + 16))[0]) {
			const char *name = buf + off + 19;
			n += strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
		}
	close(fd);
	return got < 0 ? -1 : n;
}

static void files(void)
{
	char buf[64];
	struct stat st;
	int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0644);
	check_ok("create-excl", fd);
	check_err("create-excl-again", open("f", O_CREAT | O_EXCL | O_RDWR, 0644), EEXIST);
	CHECK("write", write(fd, "hello world", 11) == 11, "short write");
	CHECK("lseek-end", lseek(fd, 0, SEEK_END) == 11, "not 11");
	CHECK("pread", pread(fd, buf, 5, 6) == 5 && memcmp(buf, "world", 5) == 0, "wrong bytes");
	CHECK("pwrite",
	      pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 11, 0) == 11 && memcmp(buf, "hello World", 11) == 0,
	      "wrong bytes");
	CHECK("fstat-size", fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode), "size %ld",
	      (long)st.st_size);
	CHECK("ftruncate-grow", ftruncate(fd, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 100, "size %ld",
	      (long)st.st_size);
	CHECK("ftruncate-shrink", ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "size %ld",
	      (long)st.st_size);
	CHECK("fsync", fsync(fd) == 0, "errno %d", errno);
	close(fd);
	fd = open("f", O_WRONLY | O_APPEND);
	CHECK("append", write(fd, "++", 2) == 2 && stat("f", &st) == 0 && st.st_size == 7, "size %ld",
	      (long)st.st_size);
	close(fd);
	fd = open("f", O_RDONLY);
	CHECK("read-back", read(fd, buf, sizeof(buf)) == 7 && memcmp(buf, "hello++", 7) == 0, "wrong bytes");
	CHECK("read-eof", read(fd, buf, sizeof(buf)) == 0, "not at the end");
	close(fd);
	fd = open("f", O_RDWR | O_TRUNC);
	CHECK("trunc", fstat(fd, &st) == 0 && st.st_size == 0, "size %ld", (long)st.st_size);
	close(fd);
	check_err("open-missing", open("nothere", O_RDONLY), ENOENT);
	check_err("open-file-as-dir", open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
}

static void names(void)
{
	struct stat st, st2;
	char buf[64];
	close(open("a", O_CREAT | O_WRONLY, 0644));
	close(open("b", O_CREAT | O_WRONLY, 0644));
	check_ok("rename", rename("a", "c"));
	check_err("rename-old-gone", stat("a", &st), ENOENT);
	check_ok("rename-over", rename("b", "c"));
	check_err("rename-over-gone", stat("b", &st), ENOENT);
	check_ok("link", link("c", "d"));
	CHECK("link-nlink", stat("c", &st) == 0 && stat("d", &st2) == 0 && st.st_nlink == 2 && st.st_ino == st2.st_ino,
	      "nlink %ld", (long)st.st_nlink);
	check_ok("symlink", symlink("c", "s"));
	long n = readlink("s", buf, sizeof(buf));
	CHECK("readlink", n == 1 && buf[0] == 'c', "got %ld", n);
	CHECK("lstat-link", lstat("s", &st) == 0 && S_ISLNK(st.st_mode), "mode %o", st.st_mode);
	CHECK("stat-through-link", stat("s", &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == st2.st_ino, "mode %o",
	      st.st_mode);
	int fd = open("s", O_WRONLY);
	CHECK("open-through-link", fd >= 0 && write(fd, "xy", 2) == 2 && stat("d", &st) == 0 && st.st_size == 2,
	      "fd %d", fd);
	close(fd);
	check_err("open-nofollow", open("s", O_RDONLY | O_NOFOLLOW), ELOOP);
	check_ok("unlink", unlink("c"));
	check_err("unlink-gone", stat("c", &st), ENOENT);
	CHECK("unlink-other-name", stat("d", &st) == 0 && st.st_nlink == 1, "nlink %ld", (long)st.st_nlink);
	check_err("unlink-missing", unlink("c"), ENOENT);
	unlink("d");
	unlink("s");
}

/* The text of file path (at most size - 1 bytes), or "" when it cannot be read. */
static const char *text_of(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	long n = fd >= 0 ? read(fd, buf, size - 1) : -1;
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Symlinks inside a path: relative, absolute, chained, ".." after one, out of the folder, loops, dangling. */
static void links(void)
{
	struct stat st;
	char buf[PATH_MAX], here[PATH_MAX], abs_target[PATH_MAX + 8];
	mkdir("sub", 0755);
	mkdir("sub/deep", 0755);
	int fd = open("sub/file", O_CREAT | O_WRONLY, 0644);
	CHECK("mid-setup", fd >= 0 && write(fd, "in sub", 6) == 6 && symlink("sub", "rel") == 0, "errno %d", errno);
	close(fd);
	CHECK("mid-relative-read", strcmp(text_of("rel/file", buf, sizeof(buf)), "in sub") == 0, "read '%s'", buf);
	CHECK("mid-relative-stat", stat("rel/file", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 6, "errno %d",
	      errno);
	CHECK("mid-lstat-last", lstat("rel/deep", &st) == 0 && S_ISDIR(st.st_mode), "errno %d", errno);
	check_ok("mid-chain",
		 symlink("rel", "rel2") == 0 && stat("rel2/deep", &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1);
	check_ok("mid-up", symlink("../../sub", "sub/deep/up") == 0 && access("sub/deep/up/file", R_OK) == 0 ? 0 : -1);
	CHECK("mid-getcwd", getcwd(here, sizeof(here)) != NULL, "errno %d", errno);
	snprintf(abs_target, sizeof(abs_target), "%s/sub", here);
	CHECK("mid-absolute",
	      symlink(abs_target, "abs") == 0 && strcmp(text_of("abs/file", buf, sizeof(buf)), "in sub") == 0,
	      "read '%s'", buf);
	/* ".." after a link: from where it led (sub/deep/.. is sub), not by name (which would be the folder) */
	check_ok("mid-dotdot", symlink("sub/deep", "dl") == 0 && stat("dl/../file", &st) == 0 ? 0 : -1);
	check_err("mid-dotdot-not-by-name", stat("dl/../sub", &st), ENOENT);
	fd = open("rel/new", O_CREAT | O_WRONLY, 0644);
	CHECK("mid-create", fd >= 0 && stat("sub/new", &st) == 0, "errno %d", errno);
	close(fd);
	CHECK("mid-mkdir-unlink", mkdir("rel/nd", 0755) == 0 && rmdir("sub/nd") == 0 && unlink("rel/new") == 0,
	      "errno %d", errno);
	fd = open("abs/deep/..", O_RDONLY | O_DIRECTORY);
	CHECK("mid-open-dir", fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode), "errno %d", errno);
	close(fd);
	long n = readlink("rel/deep/up", buf, sizeof(buf));
	CHECK("mid-readlink", n == 9 && memcmp(buf, "../../sub", 9) == 0, "got %ld", n);
	CHECK("mid-chdir",
	      chdir("rel") == 0 && getcwd(buf, sizeof(buf)) && strcmp(base_name(buf), "sub") == 0 && chdir("..") == 0 &&
		      access("rel", F_OK) == 0,
	      "cwd %s", buf);
	/* an absolute target out of the folder: the root of the machine's own tree, then /dev/null there */
	check_ok("mid-out-symlink", symlink("/", "root"));
	CHECK("mid-out-stat", stat("root/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "errno %d", errno);
	fd = open("root/dev/null", O_WRONLY);
	CHECK("mid-out-open", fd >= 0 && write(fd, "x", 1) == 1, "errno %d", errno);
	close(fd);
	check_ok("loop-setup", symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0 ? 0 : -1);
	check_err("loop-mid-stat", stat("loop1/x", &st), ELOOP);
	check_err("loop-mid-open", open("loop1/x", O_RDONLY), ELOOP);
	check_err("loop-last-stat", stat("loop1", &st), ELOOP);
	check_ok("self-loop", symlink("self/x", "self"));
	check_err("self-loop-stat", stat("self", &st), ELOOP);
	check_ok("dangling", symlink("nothere", "dang"));
	check_err("dangling-mid", stat("dang/x", &st), ENOENT);
	check_err("file-mid", stat("sub/file/x", &st), ENOTDIR);
	check_err("link-to-file-mid", stat("rel/file/x", &st), ENOTDIR);
	const char *names[] = { "rel",   "rel2", "abs",  "dl",          "root",    "loop1",
				"loop2", "self", "dang", "sub/deep/up", "sub/file" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(names[i]);
	rmdir("sub/deep");
	rmdir("sub");
}

static void dirs(void)
{
	struct stat st;
	char cwd[4096], name[32];
	check_ok("mkdir", mkdir("dir", 0755));
	check_err("mkdir-again", mkdir("dir", 0755), EEXIST);
	CHECK("stat-dir", stat("dir", &st) == 0 && S_ISDIR(st.st_mode), "mode %o", st.st_mode);
	check_err("open-dir-write", open("dir", O_WRONLY), EISDIR);
	int dfd = open("dir", O_RDONLY | O_DIRECTORY);
	check_ok("open-dir", dfd);
	int fd = openat(dfd, "inner", O_CREAT | O_WRONLY, 0600);
	check_ok("openat", fd);
	close(fd);
	check_err("rmdir-not-empty", rmdir("dir"), ENOTEMPTY);
	check_ok("chdir", chdir("dir"));
	CHECK("getcwd", getcwd(cwd, sizeof(cwd)) && strcmp(base_name(cwd), "dir") == 0, "cwd %s", cwd);
	CHECK("relative-after-chdir", access("inner", F_OK) == 0, "errno %d", errno);
	check_ok("chdir-back", chdir(".."));
	check_ok("unlinkat", unlinkat(dfd, "inner", 0));
	close(dfd);
	check_ok("rmdir", rmdir("dir"));
	check_ok("mkdir-many", mkdir("many", 0755));
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many/file-%03d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	int n = count_entries("many");
	CHECK("getdents-many", n == MANY, "%d entries", n);
	DIR *d = opendir("many");
	int seen = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		seen += e->d_name[0] != '.';
	CHECK("readdir-many", d && seen == MANY, "%d entries", seen);
	if (d)
		closedir(d);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many/file-%03d", i);
		unlink(name);
	}
	check_ok("unlinkat-dir", unlinkat(AT_FDCWD, "many", AT_REMOVEDIR));
}

/* Whether time a is later than time b. */
static int ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

static void attrs(void)
{
	struct stat st;
	struct statfs sf;
	int fd = open("m", O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK("chmod", chmod("m", 0640) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 0640, "mode %o",
	      st.st_mode);
	fd = open("m", O_RDONLY);
	CHECK("fchmod", fchmod(fd, 0604) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0604, "mode %o",
	      st.st_mode);
	CHECK("fchown", fchown(fd, 1234, 1235) == 0 && fstat(fd, &st) == 0 && st.st_uid == 1234 && st.st_gid == 1235,
	      "owner %u:%u, errno %d", st.st_uid, st.st_gid, errno);
	close(fd);
	CHECK("chown", chown("m", 0, (gid_t)-1) == 0 && stat("m", &st) == 0 && st.st_uid == 0 && st.st_gid == 1235,
	      "owner %u:%u, errno %d", st.st_uid, st.st_gid, errno);
	symlink("m", "ml");
	CHECK("lchown",
	      lchown("ml", 1236, 1236) == 0 && lstat("ml", &st) == 0 && st.st_uid == 1236 && stat("m", &st) == 0 &&
		      st.st_uid == 0,
	      "owner %u, errno %d", st.st_uid, errno);
	CHECK("fchownat-empty",
	      fchownat(open("m", O_RDONLY), "", 7, 7, AT_EMPTY_PATH) == 0 && stat("m", &st) == 0 && st.st_uid == 7 &&
		      st.st_gid == 7,
	      "owner %u:%u, errno %d", st.st_uid, st.st_gid, errno);
	unlink("ml");
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 500 } };
	CHECK("utimensat",
	      utimensat(AT_FDCWD, "m", ts, 0) == 0 && stat("m", &st) == 0 && st.st_mtim.tv_sec == 1200000000 &&
		      st.st_atim.tv_sec == 1000000000,
	      "mtime %ld", (long)st.st_mtim.tv_sec);
	/* a write, an overwrite of the same block and an append each move the modification time when a tick
	 * (10 ms at most on Linux) has passed: stamped by the same clock, never lost to a write that changes
	 * nothing else */
	struct stat s0, s1, s2;
	int wfd = open("m", O_WRONLY);
	char blk[4096];
	memset(blk, 'w', sizeof(blk));
	int wrote = wfd >= 0 && pwrite(wfd, blk, sizeof(blk), 0) == sizeof(blk) && fstat(wfd, &s0) == 0 &&
		    usleep(50000) == 0 && pwrite(wfd, blk, sizeof(blk), 0) == sizeof(blk) && fstat(wfd, &s1) == 0 &&
		    usleep(50000) == 0 && pwrite(wfd, blk, sizeof(blk), 4096) == sizeof(blk) && fstat(wfd, &s2) == 0;
	CHECK("write-moves-mtime",
	      wrote && s0.st_mtim.tv_sec > 1200000000 && ts_after(&s1.st_mtim, &s0.st_mtim) &&
		      ts_after(&s2.st_mtim, &s1.st_mtim) && s2.st_size == 8192,
	      "mtimes %ld.%09ld, %ld.%09ld, %ld.%09ld, errno %d", (long)s0.st_mtim.tv_sec, s0.st_mtim.tv_nsec,
	      (long)s1.st_mtim.tv_sec, s1.st_mtim.tv_nsec, (long)s2.st_mtim.tv_sec, s2.st_mtim.tv_nsec, errno);
	if (wfd >= 0)
		close(wfd);
	CHECK("statfs", statfs(".", &sf) == 0 && sf.f_bsize > 0, "errno %d", errno);
	CHECK("truncate", truncate("m", 3) == 0 && stat("m", &st) == 0 && st.st_size == 3, "size %ld",
	      (long)st.st_size);
	unlink("m");
}

static void big(void)
{
	char *p = malloc(BIG), *q = malloc(BIG);
	for (int i = 0; i < BIG; i++)
		p[i] = (char)(i * 7 + i / 4096);
	int fd = open("big", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK("big-write", write(fd, p, BIG) == BIG, "short");
	CHECK("big-read", pread(fd, q, BIG, 0) == BIG && memcmp(p, q, BIG) == 0, "differs");
	char *m = mmap(NULL, BIG, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK("mmap-private", m != MAP_FAILED && memcmp(m, p, BIG) == 0, "differs");
	if (m != MAP_FAILED)
		munmap(m, BIG);
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	if (m != MAP_FAILED) {
		memcpy(m, "shared!", 7);
		msync(m, 8192, MS_SYNC);
		munmap(m, 8192);
	}
	CHECK("mmap-shared", m != MAP_FAILED && pread(fd, q, 7, 4096) == 7 && memcmp(q, "shared!", 7) == 0,
	      "not written back");
	close(fd);
	unlink("big");
	free(p);
	free(q);
}

/*
 * Holes: blocks written after a later one (before a file's first extent, on ext4), whole blocks over a file
 * with holes between single bytes (as sqlite3 sizes its -shm file), and the holes read back as zeros.
 */
static void sparse(void)
{
	static char blk[32768], got[32768], zero[32768];
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (char)(i * 13 + 1);
	int fd = open("sparse", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK("sparse-write",
	      pwrite(fd, blk, 4096, 1 << 20) == 4096 && pwrite(fd, blk, 4096, 0) == 4096 &&
		      pwrite(fd, blk, 8192, 65536) == 8192,
	      "errno %d", errno);
	CHECK("sparse-read",
	      pread(fd, got, 4096, 0) == 4096 && memcmp(got, blk, 4096) == 0 && pread(fd, got, 8192, 65536) == 8192 &&
		      memcmp(got, blk, 8192) == 0 && pread(fd, got, 4096, 1 << 20) == 4096 &&
		      memcmp(got, blk, 4096) == 0,
	      "differs");
	CHECK("sparse-holes",
	      pread(fd, got, 32768, 4096) == 32768 && memcmp(got, zero, 32768) == 0 &&
		      pread(fd, got, 32768, 65536 + 8192) == 32768 && memcmp(got, zero, 32768) == 0,
	      "not zeros");
	int ok = ftruncate(fd, 0) == 0 && ftruncate(fd, 32768) == 0;
	for (off_t at = 4095; ok && at < 32768; at += 4096)
		ok = pwrite(fd, "", 1, at) == 1;
	CHECK("sparse-dotted",
	      ok && pwrite(fd, blk, 32768, 0) == 32768 && pread(fd, got, 32768, 0) == 32768 &&
		      memcmp(got, blk, 32768) == 0,
	      "differs");
	close(fd);
	unlink("sparse");
}

/*
 * Two processes map the same file shared, each with its own mmap: a store of
 * either is seen at once by the other's mapping and by read, a write by the
 * mapping, and what both stored is in the file when they have unmapped it.
 */
static void mmap_two_processes(void)
{
	int fd = open("mapped", O_CREAT | O_RDWR | O_TRUNC, 0644), go[2], back[2];
	char buf[16] = { 0 };
	CHECK("mmap-two-size", fd >= 0 && ftruncate(fd, 8192) == 0 && pipe(go) == 0 && pipe(back) == 0, "errno %d",
	      errno);
	pid_t child = fork();
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (child == 0) { /* stores, then checks what the parent stored and wrote, and says so in its status */
		char c;
		if (m == MAP_FAILED || read(go[0], &c, 1) != 1)
			_exit(2);
		memcpy(m + 4096, "from-child", 10);
		if (write(back[1], "x", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		_exit(memcmp(m, "from-parent", 11) != 0 ? 4 : memcmp(m + 100, "written", 7) != 0 ? 5 : 0);
	}
	char c;
	int ok = m != MAP_FAILED && write(go[1], "x", 1) == 1 && read(back[0], &c, 1) == 1;
	CHECK("mmap-two-seen-by-mapping", ok && memcmp(m + 4096, "from-child", 10) == 0, "not there");
	CHECK("mmap-two-seen-by-read", pread(fd, buf, 10, 4096) == 10 && memcmp(buf, "from-child", 10) == 0,
	      "read gave '%.10s'", buf);
	if (m != MAP_FAILED)
		memcpy(m, "from-parent", 11);
	CHECK("mmap-two-write-seen",
	      pwrite(fd, "written", 7, 100) == 7 && m != MAP_FAILED && memcmp(m + 100, "written", 7) == 0,
	      "not in the mapping");
	int st = -1;
	if (write(go[1], "x", 1) == 1)
		waitpid(child, &st, 0);
	CHECK("mmap-two-child", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	if (m != MAP_FAILED)
		munmap(m, 8192);
	close(fd);
	fd = open("mapped", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK("mmap-two-in-file",
	      pread(fd, buf, 11, 0) == 11 && memcmp(buf, "from-parent", 11) == 0 && pread(fd, buf, 10, 4096) == 10 &&
		      memcmp(buf, "from-child", 10) == 0,
	      "file has '%.11s'", buf);
	close(fd);
	close(go[0]), close(go[1]), close(back[0]), close(back[1]);
	unlink("mapped");
}

/*
 * A shared mapping a fork's child inherits is the child's too: its stores
 * reach the file although the parent unmapped the file before them.
 */
static void mmap_inherited(void)
{
	int fd = open("inherited", O_CREAT | O_RDWR | O_TRUNC, 0644), go[2] = { -1, -1 };
	char buf[16] = { 0 };
	char *m = fd >= 0 && ftruncate(fd, 4096) == 0 && pipe(go) == 0
			  ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
			  : MAP_FAILED;
	CHECK("mmap-inherited-mapped", m != MAP_FAILED, "errno %d", errno);
	pid_t child = m != MAP_FAILED ? fork() : -1;
	if (child == 0) { /* stores once the parent has unmapped */
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		memcpy(m + 10, "child-late", 10);
		_exit(0);
	}
	if (m != MAP_FAILED)
		munmap(m, 4096);
	int st = -1;
	if (child > 0 && write(go[1], "x", 1) == 1)
		waitpid(child, &st, 0);
	CHECK("mmap-inherited-in-file",
	      WIFEXITED(st) && WEXITSTATUS(st) == 0 && pread(fd, buf, 10, 10) == 10 &&
		      memcmp(buf, "child-late", 10) == 0,
	      "status %#x, file has '%.10s'", st, buf);
	close(fd);
	close(go[0]), close(go[1]);
	unlink("inherited");
}

/* Offsets are shared after fork, as open file descriptions are. */
/* Advisory locks: fcntl record locks seen from another process, flock between two open files, both gone at close. */
static void locks(void)
{
	int fd = open("lk", O_CREAT | O_RDWR, 0644), fd2 = open("lk", O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 20 };
	check_ok("fcntl-setlk", fcntl(fd, F_SETLK, &fl));
	pid_t pid = fork();
	if (pid == 0) {
		struct flock q = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 15 };
		int c = open("lk", O_RDWR);
		int busy = fcntl(c, F_SETLK, &q) < 0 && (errno == EAGAIN || errno == EACCES);
		int seen = fcntl(c, F_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_start == 10 && q.l_pid == getppid();
		q = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 30, .l_len = 5 };
		int beside = fcntl(c, F_SETLK, &q) == 0;
		_exit(busy && seen && beside ? 0 : 1 + busy + 2 * seen + 4 * beside);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK("fcntl-lock-seen-by-child", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	check_ok("flock-ex", flock(fd, LOCK_EX | LOCK_NB));
	check_err("flock-conflict", flock(fd2, LOCK_EX | LOCK_NB), EWOULDBLOCK);
	close(fd);
	check_ok("flock-after-close", flock(fd2, LOCK_EX | LOCK_NB));
	close(fd2);
	unlink("lk");
}

static void shared_offset(void)
{
	int fd = open("fk", O_CREAT | O_RDWR | O_TRUNC, 0644);
	pid_t pid = fork();
	if (pid == 0)
		_exit(write(fd, "child", 5) == 5 ? 0 : 1);
	int status = 0;
	waitpid(pid, &status, 0);
	CHECK("fork-child-wrote", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	CHECK("fork-shared-offset", lseek(fd, 0, SEEK_CUR) == 5, "offset %ld", (long)lseek(fd, 0, SEEK_CUR));
	CHECK("fork-then-write", write(fd, "+parent", 7) == 7, "short");
	char buf[16];
	CHECK("fork-content", pread(fd, buf, 12, 0) == 12 && memcmp(buf, "child+parent", 12) == 0, "wrong bytes");
	close(fd);
	unlink("fk");
}

/* A negative answer or a kept attribute never outlives a change: names and attributes as seen after each change
 * (lx keeps a FUSE server's answers: absent names, and attributes, for as long as the server says). */
static void kept(void)
{
	struct stat st, st2;
	const struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	CHECK("absent-twice", stat("k1", &st) < 0 && errno == ENOENT && stat("k1", &st) < 0 && errno == ENOENT,
	      "found");
	int fd = open("k1", O_CREAT | O_WRONLY, 0644);
	check_ok("create-after-absent", fd);
	CHECK("seen-after-create", stat("k1", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0, "not there");
	check_err("excl-on-symlink", (symlink("nowhere", "k-link"), open("k-link", O_CREAT | O_EXCL | O_WRONLY, 0644)),
		  EEXIST);
	check_err("excl-on-folder", (mkdir("k-dir", 0755), open("k-dir", O_CREAT | O_EXCL | O_RDONLY, 0644)), EEXIST);
	CHECK("fstat-after-write", write(fd, "0123456789", 10) == 10 && fstat(fd, &st) == 0 && st.st_size == 10,
	      "size %ld", (long)st.st_size);
	int fd2 = open("k1", O_RDONLY);
	CHECK("other-fd-sees-write", fd2 >= 0 && write(fd, "ab", 2) == 2 && fstat(fd2, &st) == 0 && st.st_size == 12,
	      "size %ld", (long)st.st_size);
	CHECK("mtime-after-write",
	      futimens(fd, old) == 0 && fstat(fd2, &st) == 0 && st.st_mtime == 1000 && write(fd, "c", 1) == 1 &&
		      fstat(fd2, &st) == 0 && st.st_mtime != 1000,
	      "mtime %ld", (long)st.st_mtime);
	CHECK("mode-after-chmod", chmod("k1", 0600) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
	      "mode %o", st.st_mode & 07777);
	CHECK("links-after-link", link("k1", "k2") == 0 && fstat(fd, &st) == 0 && st.st_nlink == 2, "nlink %ld",
	      (long)st.st_nlink);
	CHECK("folder-mtime-after-create",
	      utimensat(AT_FDCWD, ".", old, 0) == 0 && stat(".", &st) == 0 && st.st_mtime == 1000 &&
		      close(open("k3", O_CREAT | O_EXCL | O_WRONLY, 0644)) == 0 && stat(".", &st) == 0 &&
		      st.st_mtime != 1000,
	      "mtime %ld", (long)st.st_mtime);
	CHECK("links-after-rename-over", rename("k3", "k2") == 0 && fstat(fd, &st) == 0 && st.st_nlink == 1,
	      "nlink %ld", (long)st.st_nlink);
	CHECK("absent-after-rename", stat("k3", &st) < 0 && errno == ENOENT && stat("k2", &st2) == 0, "found");
	check_ok("create-after-rename", close(open("k3", O_CREAT | O_EXCL | O_WRONLY, 0644)));
	CHECK("absent-after-unlink", unlink("k1") == 0 && stat("k1", &st) < 0 && errno == ENOENT, "found");
	CHECK("links-after-unlink", fstat(fd, &st) == 0 && st.st_nlink == 0, "nlink %ld", (long)st.st_nlink);
	check_ok("create-after-unlink", fd2 = (close(fd2), open("k1", O_CREAT | O_EXCL | O_WRONLY, 0644)));
	CHECK("new-file-after-unlink", fstat(fd2, &st) == 0 && st.st_size == 0 && st.st_nlink == 1, "size %ld",
	      (long)st.st_size);
	close(fd);
	close(fd2);
	CHECK("mkdir-after-absent",
	      stat("k4", &st) < 0 && mkdir("k4", 0755) == 0 && stat("k4", &st) == 0 && S_ISDIR(st.st_mode),
	      "no folder");
	/* another process's changes: it made k5 and removed k1, k1 having been seen, k5 found absent, just before */
	stat("k5", &st);
	CHECK("stat-k1", stat("k1", &st) == 0, "not there");
	pid_t pid = fork();
	if (pid == 0)
		_exit(close(open("k5", O_CREAT | O_WRONLY, 0644)) == 0 && unlink("k1") == 0 ? 0 : 1);
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK("other-process-changes",
	      status == 0 && stat("k5", &st) == 0 && S_ISREG(st.st_mode) && stat("k1", &st) < 0 && errno == ENOENT,
	      "status %d", status);
	/* an O_EXCL create of a name made long before (a hundred names since: more than lx keeps) */
	char name[16];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "k-%d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	check_err("excl-long-after", open("k2", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "k-%d", i);
		unlink(name);
	}
	unlink("k2");
	unlink("k3");
	unlink("k5");
	unlink("k-link");
	rmdir("k-dir");
	rmdir("k4");
}

/*
 * Writes of a page at a time, as sqlite3 makes them: a run of neighbouring ones (which lx gathers into one
 * request while the server has not taken them, on a disk volume) with another file's between, a page written
 * again and a write before it, then everything read back.
 */
static void gathered(void)
{
	enum { PG = 4096, RUN = 48, TAILN = 100 };
	static char want[RUN * PG + TAILN], got[RUN * PG + TAILN], other[RUN / 8 * PG], back[RUN / 8 * PG];
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (char)('A' + (i / PG * 7 + i) % 26);
	int a = open("ga", O_RDWR | O_CREAT | O_TRUNC, 0644), b = open("gb", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int ok = a >= 0 && b >= 0;
	for (int k = 0; ok && k < RUN; k++) {
		ok = pwrite(a, want + k * PG, PG, (off_t)k * PG) == PG;
		if (ok && k % 8 == 7) { /* another file's write between */
			memcpy(other + k / 8 * PG, want + k * PG, PG);
			ok = pwrite(b, want + k * PG, PG, (off_t)(k / 8) * PG) == PG;
		}
	}
	ok = ok && pwrite(a, want + RUN * PG, TAILN, (off_t)RUN * PG) == TAILN;
	memset(want + 5 * PG, 'z', PG);
	memset(want + 4 * PG + 10, 'y', 50);
	ok = ok && pwrite(a, want + 5 * PG, PG, 5 * PG) == PG && pwrite(a, want + 4 * PG + 10, 50, 4 * PG + 10) == 50;
	CHECK("gathered-writes", ok, "errno %d", errno);
	struct stat st;
	CHECK("gathered-size", a >= 0 && fstat(a, &st) == 0 && st.st_size == (off_t)sizeof(want), "size %ld",
	      a >= 0 ? (long)st.st_size : -1L);
	CHECK("gathered-bytes",
	      a >= 0 && pread(a, got, sizeof(got), 0) == (ssize_t)sizeof(got) && memcmp(got, want, sizeof(want)) == 0,
	      "the file differs");
	CHECK("gathered-other",
	      b >= 0 && pread(b, back, sizeof(back), 0) == (ssize_t)sizeof(back) &&
		      memcmp(back, other, sizeof(other)) == 0,
	      "the other file differs");
	close(a);
	close(b);
	unlink("ga");
	unlink("gb");
}

int main(int argc, char **argv)
{
	if (argc < 2 || chdir(argv[1]) < 0) {
		printf("not ok volfs/folder: usage: volfs DIR (an empty folder)\n");
		return 1;
	}
	files();
	unlink("f");
	names();
	links();
	dirs();
	attrs();
	big();
	sparse();
	gathered();
	mmap_two_processes();
	mmap_inherited();
	shared_offset();
	locks();
	kept();
	int n = count_entries(".");
	CHECK("left-empty", n == 0, "%d entries left", n);
	return t_done();
}
