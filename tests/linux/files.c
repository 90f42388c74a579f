/* Files and directories: open/read/write/seek, metadata, directory listing, names, descriptors, errors. */
/* Works in a fresh directory under /tmp and removes it at the end. */
#define T_NAME "files"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static char top[64];

/* Write a whole file; returns 0 or -1. */
static int put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Read a whole small file into buf (NUL-terminated); returns its length or -1. */
static ssize_t get_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	return n;
}

static void check_basic_io(void)
{
	char buf[256];
	int fd = open("a.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
	if (!check_ok("open-create", fd))
		return;
	int lowest = 1; /* every fd below the new one is in use (the host may hand down more than 0-2) */
	for (int k = 0; k < fd; k++)
		lowest &= fcntl(k, F_GETFD) >= 0;
	CHECK("open-lowest-fd", lowest, "open returned %d, but a lower fd is free", fd);
	ssize_t n = write(fd, "hello, world\n", 13);
	CHECK("write", n == 13, "write returned %zd", n);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	CHECK("lseek-cur", pos == 13, "offset after write is %lld", (long long)pos);
	pos = lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf));
	CHECK("read-back", pos == 0 && n == 13 && memcmp(buf, "hello, world\n", 13) == 0, "read %zd bytes", n);
	n = read(fd, buf, sizeof(buf));
	CHECK("read-eof", n == 0, "read at the end returned %zd", n);
	pos = lseek(fd, -6, SEEK_END);
	n = read(fd, buf, 5);
	CHECK("lseek-end", pos == 7 && n == 5 && memcmp(buf, "world", 5) == 0, "offset %lld, read %zd", (long long)pos, n);
	errno = 0;
	check_err("lseek-negative", lseek(fd, -100, SEEK_SET), EINVAL);
	errno = 0;
	check_err("lseek-bad-whence", lseek(fd, 0, 42), EINVAL);
	n = pread(fd, buf, 5, 0);
	pos = lseek(fd, 0, SEEK_CUR);
	CHECK("pread", n == 5 && memcmp(buf, "hello", 5) == 0 && pos == 12, "pread %zd, offset now %lld", n,
	      (long long)pos);
	n = pwrite(fd, "HELLO", 5, 0);
	pos = lseek(fd, 0, SEEK_CUR);
	CHECK("pwrite", n == 5 && pos == 12, "pwrite %zd, offset now %lld", n, (long long)pos);
	n = pread(fd, buf, 13, 0);
	CHECK("pwrite-visible", n == 13 && memcmp(buf, "HELLO, world\n", 13) == 0, "read %zd", n);
	/* Writing past the end leaves a hole that reads as zeros. */
	pos = lseek(fd, 100, SEEK_SET);
	n = write(fd, "x", 1);
	memset(buf, 0xff, sizeof(buf));
	ssize_t m = pread(fd, buf, sizeof(buf), 0);
	int hole = m == 101 && buf[100] == 'x';
	for (int i = 13; hole && i < 100; i++)
		hole = buf[i] == 0;
	CHECK("hole-zeros", pos == 100 && n == 1 && hole, "file is %zd bytes, hole not zero", m);
	struct stat st;
	int r = fstat(fd, &st);
	CHECK("fstat", r == 0 && S_ISREG(st.st_mode) && st.st_size == 101 && st.st_nlink == 1,
	      "fstat %d, mode %o, size %lld, nlink %lu", r, st.st_mode, (long long)st.st_size, (unsigned long)st.st_nlink);
	CHECK("fstat-blksize", r == 0 && st.st_blksize > 0, "st_blksize %ld", (long)st.st_blksize);
	r = ftruncate(fd, 5);
	n = pread(fd, buf, sizeof(buf), 0);
	CHECK("ftruncate-shrink", r == 0 && n == 5 && memcmp(buf, "HELLO", 5) == 0, "ftruncate %d, then read %zd", r, n);
	r = ftruncate(fd, 4096);
	n = pread(fd, buf, sizeof(buf), 0);
	CHECK("ftruncate-grow", r == 0 && n == (ssize_t)sizeof(buf) && buf[5] == 0 && buf[255] == 0,
	      "ftruncate %d, then read %zd", r, n);
	fstat(fd, &st);
	CHECK("ftruncate-size", st.st_size == 4096, "size %lld", (long long)st.st_size);
	errno = 0;
	check_err("ftruncate-negative", ftruncate(fd, -1), EINVAL);
	CHECK("close", close(fd) == 0, "errno %d", errno);
	errno = 0;
	check_err("close-again", close(fd), EBADF);
	errno = 0;
	check_err("read-closed", read(fd, buf, 1), EBADF);
	errno = 0;
	check_err("write-bad-fd", write(1000, "x", 1), EBADF);
	fd = open("a.txt", O_RDONLY);
	errno = 0;
	check_err("write-readonly", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open("a.txt", O_WRONLY);
	errno = 0;
	check_err("read-writeonly", read(fd, buf, 1), EBADF);
	close(fd);
	fd = open("a.txt", O_WRONLY | O_TRUNC);
	r = fstat(fd, &st);
	CHECK("o-trunc", fd >= 0 && r == 0 && st.st_size == 0, "size %lld after O_TRUNC", (long long)st.st_size);
	close(fd);
	put_file("a.txt", "one\n");
	fd = open("a.txt", O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "two\n", 4);
	close(fd);
	n = get_file("a.txt", buf, sizeof(buf));
	CHECK("o-append", n == 8 && strcmp(buf, "one\ntwo\n") == 0, "file is \"%s\"", buf);
	struct iovec iov[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
	fd = open("v.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	n = writev(fd, iov, 3);
	char x[2], y[8] = { 0 };
	struct iovec rv[2] = { { x, 2 }, { y, 8 } };
	lseek(fd, 0, SEEK_SET);
	m = readv(fd, rv, 2);
	CHECK("writev-readv", n == 5 && m == 5 && memcmp(x, "ab", 2) == 0 && strcmp(y, "cde") == 0, "writev %zd, readv %zd",
	      n, m);
	close(fd);
	unlink("v.txt");
}

static void check_big_file(void)
{
	enum { SIZE = 3 << 20 };
	static unsigned char data[SIZE], back[SIZE];
	for (size_t i = 0; i < SIZE; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	int fd = open("big.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ssize_t n = 0, m = 0, r;
	while (fd >= 0 && n < SIZE && (r = write(fd, data + n, n + 100000 < SIZE ? 100000 : SIZE - n)) > 0)
		n += r;
	lseek(fd, 0, SEEK_SET);
	while (fd >= 0 && m < SIZE && (r = read(fd, back + m, 65536)) > 0)
		m += r;
	CHECK("big-file", n == SIZE && m == SIZE && memcmp(data, back, SIZE) == 0, "wrote %zd, read back %zd of %d", n,
	      m, SIZE);
	close(fd);
	unlink("big.bin");
}

static void check_errors(void)
{
	errno = 0;
	check_err("open-excl-exists", open("a.txt", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	errno = 0;
	check_err("open-missing", open("nosuch", O_RDONLY), ENOENT);
	errno = 0;
	check_err("open-missing-dir", open("nodir/file", O_WRONLY | O_CREAT, 0644), ENOENT);
	errno = 0;
	check_err("open-through-file", open("a.txt/x", O_RDONLY), ENOTDIR);
	errno = 0;
	check_err("open-dir-write", open("d", O_WRONLY), EISDIR);
	errno = 0;
	check_err("open-directory-flag-file", open("a.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
	errno = 0;
	check_err("open-empty-path", open("", O_RDONLY), ENOENT);
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	char c;
	check_ok("open-dir", fd);
	errno = 0;
	check_err("read-dir", read(fd, &c, 1), EISDIR);
	close(fd);
	char longname[300];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	errno = 0;
	check_err("open-name-too-long", open(longname, O_RDONLY | O_CREAT, 0644), ENAMETOOLONG);
	errno = 0;
	check_err("mkdir-exists", mkdir("d", 0755), EEXIST);
	errno = 0;
	check_err("mkdir-exists-file", mkdir("a.txt", 0755), EEXIST);
	errno = 0;
	check_err("mkdir-missing-parent", mkdir("nodir/sub", 0755), ENOENT);
	errno = 0;
	check_err("rmdir-nonempty", rmdir("d"), ENOTEMPTY);
	errno = 0;
	check_err("rmdir-file", rmdir("a.txt"), ENOTDIR);
	errno = 0;
	check_err("rmdir-missing", rmdir("nosuch"), ENOENT);
	errno = 0;
	check_err("rmdir-dot", rmdir("."), EINVAL);
	errno = 0;
	check_err("unlink-missing", unlink("nosuch"), ENOENT);
	errno = 0;
	check_err("unlink-dir", unlink("d"), EISDIR);
	errno = 0;
	check_err("stat-missing", stat("nosuch", &(struct stat){ 0 }), ENOENT);
	errno = 0;
	check_err("chdir-missing", chdir("nosuch"), ENOENT);
	errno = 0;
	check_err("chdir-file", chdir("a.txt"), ENOTDIR);
	errno = 0;
	check_err("rename-missing", rename("nosuch", "other"), ENOENT);
	errno = 0;
	check_err("rename-dir-over-file", rename("d", "a.txt"), ENOTDIR);
	errno = 0;
	check_err("rename-file-over-dir", rename("a.txt", "d"), EISDIR);
	errno = 0;
	check_err("rename-into-self", rename("d", "d/inside"), EINVAL);
	errno = 0;
	check_err("access-missing", access("nosuch", F_OK), ENOENT);
}

static void check_stat(void)
{
	struct stat st, lst;
	int r = stat("d", &st);
	CHECK("stat-dir", r == 0 && S_ISDIR(st.st_mode), "stat %d, mode %o", r, st.st_mode);
	r = stat("a.txt", &st);
	CHECK("stat-file", r == 0 && S_ISREG(st.st_mode) && st.st_size == 8, "stat %d, mode %o, size %lld", r, st.st_mode,
	      (long long)st.st_size);
	CHECK("stat-mode-bits", (st.st_mode & 07777) == 0644, "mode %o, want 0644 (umask 022)", st.st_mode & 07777);
	CHECK("stat-mtime", st.st_mtime > 1700000000, "mtime %lld", (long long)st.st_mtime);
	CHECK("chmod", chmod("a.txt", 0600) == 0 && stat("a.txt", &st) == 0 && (st.st_mode & 07777) == 0600,
	      "mode %o after chmod 0600", st.st_mode & 07777);
	struct stat st2;
	r = stat("./d/../a.txt", &st2);
	CHECK("stat-dotdot", r == 0 && st2.st_ino == st.st_ino && st2.st_dev == st.st_dev, "stat %d, inode %lu vs %lu", r,
	      (unsigned long)st2.st_ino, (unsigned long)st.st_ino);
	r = fstatat(AT_FDCWD, "a.txt", &st2, 0);
	CHECK("fstatat", r == 0 && st2.st_ino == st.st_ino, "fstatat %d", r);
	CHECK("access", access("a.txt", R_OK | W_OK) == 0 && access("d", X_OK) == 0, "errno %d", errno);
	r = symlink("a.txt", "link");
	CHECK("symlink", r == 0, "errno %d", errno);
	char buf[PATH_MAX];
	ssize_t n = readlink("link", buf, sizeof(buf));
	CHECK("readlink", n == 5 && memcmp(buf, "a.txt", 5) == 0, "readlink returned %zd", n);
	r = lstat("link", &lst);
	int r2 = stat("link", &st2);
	CHECK("lstat-symlink", r == 0 && S_ISLNK(lst.st_mode) && lst.st_size == 5, "lstat %d, mode %o", r, lst.st_mode);
	CHECK("stat-follows-symlink", r2 == 0 && st2.st_ino == st.st_ino, "stat through the link %d", r2);
	errno = 0;
	check_err("readlink-not-link", readlink("a.txt", buf, sizeof(buf)), EINVAL);
	errno = 0;
	check_err("symlink-exists", symlink("x", "link"), EEXIST);
	unlink("link");
	r = link("a.txt", "hard");
	r2 = stat("a.txt", &st2);
	CHECK("link", r == 0 && r2 == 0 && st2.st_nlink == 2, "link %d, nlink %lu", r, (unsigned long)st2.st_nlink);
	unlink("hard");
	stat("a.txt", &st2);
	CHECK("unlink-link", st2.st_nlink == 1, "nlink %lu", (unsigned long)st2.st_nlink);
}

/* The names in directory path, sorted, joined with spaces, and whether d_type matched stat. */
static int list_dir(const char *path, char *out, size_t size)
{
	DIR *d = opendir(path);
	char names[32][256];
	int n = 0, types_ok = 1;
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < 32) {
		snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
		if (strcmp(e->d_name, "file") == 0)
			types_ok &= e->d_type == DT_REG;
		if (strcmp(e->d_name, "sub") == 0)
			types_ok &= e->d_type == DT_DIR;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char t[256];
				memcpy(t, names[i], 256);
				memcpy(names[i], names[j], 256);
				memcpy(names[j], t, 256);
			}
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		if (len + l + 2 > size)
			break;
		if (i)
			out[len++] = ' ';
		memcpy(out + len, names[i], l);
		len += l;
	}
	out[len] = 0;
	return types_ok;
}

static void check_dirs(void)
{
	char got[512];
	put_file("d/file", "f");
	mkdir("d/sub", 0755);
	put_file("d/sub/deep", "deep");
	int t = list_dir("d", got, sizeof(got));
	CHECK("getdents", strcmp(got, ". .. file keep sub") == 0, "d holds \"%s\"", got);
	CHECK("getdents-types", t == 1, "d_type is wrong for a file or a directory");
	/* Many entries: more than one getdents64 call's worth. */
	mkdir("many", 0755);
	char name[64];
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/entry-with-a-long-name-%03d", i);
		put_file(name, "");
	}
	DIR *d = opendir("many");
	int count = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		count++;
	if (d)
		closedir(d);
	CHECK("getdents-many", count == 302, "listed %d entries, want 302", count);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "many/entry-with-a-long-name-%03d", i);
		unlink(name);
	}
	CHECK("rmdir-emptied", rmdir("many") == 0, "errno %d", errno);
	char raw[1024];
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	long n = syscall(SYS_getdents64, fd, raw, sizeof(raw));
	long n2 = syscall(SYS_getdents64, fd, raw, sizeof(raw));
	CHECK("getdents64-raw", n > 0 && n2 == 0, "first call %ld, second %ld", n, n2);
	errno = 0;
	check_err("getdents64-small-buffer", (lseek(fd, 0, SEEK_SET), syscall(SYS_getdents64, fd, raw, 8)), EINVAL);
	close(fd);
	fd = open("a.txt", O_RDONLY);
	errno = 0;
	check_err("getdents64-file", syscall(SYS_getdents64, fd, raw, sizeof(raw)), ENOTDIR);
	close(fd);

	CHECK("rename-file", rename("d/file", "d/renamed") == 0 && access("d/file", F_OK) != 0 &&
	      access("d/renamed", F_OK) == 0, "errno %d", errno);
	put_file("d/other", "other");
	int r = rename("d/other", "d/renamed");
	char buf[64];
	get_file("d/renamed", buf, sizeof(buf));
	CHECK("rename-replaces", r == 0 && strcmp(buf, "other") == 0 && access("d/other", F_OK) != 0, "d/renamed holds %s",
	      buf);
	CHECK("rename-dir", rename("d/sub", "d/moved") == 0 && get_file("d/moved/deep", buf, sizeof(buf)) == 4,
	      "errno %d", errno);
	mkdir("empty", 0755);
	CHECK("rename-dir-over-empty", rename("d/moved", "empty") == 0 && access("empty/deep", F_OK) == 0, "errno %d",
	      errno);
	CHECK("unlink", unlink("empty/deep") == 0 && access("empty/deep", F_OK) != 0, "errno %d", errno);
	CHECK("rmdir", rmdir("empty") == 0 && access("empty", F_OK) != 0, "errno %d", errno);
	unlink("d/renamed");
	/* An open file outlives its name. */
	fd = open("gone", O_RDWR | O_CREAT, 0644);
	write(fd, "still here", 10);
	unlink("gone");
	r = (int)pread(fd, buf, 10, 0);
	CHECK("unlinked-open-file", r == 10 && memcmp(buf, "still here", 10) == 0 && access("gone", F_OK) != 0,
	      "read %d", r);
	close(fd);
}

static void check_fds(void)
{
	char buf[16];
	int fd = open("a.txt", O_RDWR);
	int d = dup(fd);
	CHECK("dup", d > fd, "dup returned %d", d);
	lseek(fd, 2, SEEK_SET);
	CHECK("dup-shares-offset", lseek(d, 0, SEEK_CUR) == 2, "the duplicate's offset is %lld",
	      (long long)lseek(d, 0, SEEK_CUR));
	int r = dup2(fd, 20);
	CHECK("dup2", r == 20 && lseek(20, 0, SEEK_CUR) == 2, "dup2 returned %d", r);
	CHECK("dup2-same", dup2(fd, fd) == fd, "dup2(fd, fd) returned something else");
	int other = open("a.txt", O_RDONLY);
	r = dup2(other, 20); /* closes the old 20 first */
	CHECK("dup2-replaces", r == 20 && lseek(20, 0, SEEK_CUR) == 0, "dup2 over an open fd returned %d", r);
	close(other);
	errno = 0;
	check_err("dup-bad", dup(999), EBADF);
	errno = 0;
	check_err("dup2-bad", dup2(999, 30), EBADF);
	errno = 0;
	check_err("dup3-same", dup3(fd, fd, 0), EINVAL);
	int fl = fcntl(fd, F_GETFL);
	CHECK("fcntl-getfl", fl >= 0 && (fl & O_ACCMODE) == O_RDWR, "F_GETFL is %#x", fl);
	r = fcntl(fd, F_SETFL, fl | O_APPEND);
	fl = fcntl(d, F_GETFL);
	CHECK("fcntl-setfl-shared", r == 0 && (fl & O_APPEND), "O_APPEND set on one fd is not seen through its dup (%#x)", fl);
	CHECK("fcntl-getfd", fcntl(fd, F_GETFD) == 0, "F_GETFD is %d", fcntl(fd, F_GETFD));
	r = fcntl(fd, F_SETFD, FD_CLOEXEC);
	CHECK("fcntl-cloexec", r == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && fcntl(d, F_GETFD) == 0,
	      "FD_CLOEXEC is per descriptor");
	int hi = fcntl(fd, F_DUPFD, 50);
	CHECK("fcntl-dupfd", hi == 50 && fcntl(hi, F_GETFD) == 0, "F_DUPFD 50 returned %d", hi);
	int hic = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	CHECK("fcntl-dupfd-cloexec", hic == 51 && fcntl(hic, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC 50 returned %d", hic);
	int oc = open("a.txt", O_RDONLY | O_CLOEXEC);
	CHECK("open-cloexec", fcntl(oc, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC not recorded");
	errno = 0;
	check_err("fcntl-bad-fd", fcntl(999, F_GETFD), EBADF);
	close(oc);
	close(hi);
	close(hic);
	close(20);
	close(d);
	close(fd);
	/* The lowest free descriptor is reused. */
	int a = open("a.txt", O_RDONLY), b = open("a.txt", O_RDONLY);
	close(a);
	int c = open("a.txt", O_RDONLY);
	CHECK("lowest-free-fd", c == a, "got %d after closing %d", c, a);
	close(b);
	close(c);
	(void)buf;
	/* stdin/stdout/stderr are open */
	CHECK("std-fds", fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 && fcntl(2, F_GETFD) >= 0,
	      "one of fds 0-2 is not open");
	int null = open("/dev/null", O_RDWR);
	CHECK("dev-null", null >= 0 && write(null, "x", 1) == 1 && read(null, buf, 1) == 0, "/dev/null: fd %d", null);
	close(null);
}

static void check_cwd(void)
{
	char buf[PATH_MAX], want[PATH_MAX + 8];
	char *p = getcwd(buf, sizeof(buf));
	CHECK("getcwd", p && strcmp(buf, top) == 0, "getcwd is %s, want %s", p ? buf : "NULL", top);
	errno = 0;
	p = getcwd(buf, 3);
	check_err("getcwd-small", p ? 0 : -1, ERANGE);
	int r = chdir("d");
	snprintf(want, sizeof(want), "%s/d", top);
	p = getcwd(buf, sizeof(buf));
	CHECK("chdir", r == 0 && p && strcmp(buf, want) == 0, "getcwd is %s, want %s", p ? buf : "NULL", want);
	CHECK("relative-after-chdir", access("../a.txt", F_OK) == 0, "../a.txt not found from d");
	r = chdir("..");
	p = getcwd(buf, sizeof(buf));
	CHECK("chdir-dotdot", r == 0 && p && strcmp(buf, top) == 0, "getcwd is %s", p ? buf : "NULL");
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	r = fchdir(fd);
	p = getcwd(buf, sizeof(buf));
	CHECK("fchdir", r == 0 && p && strcmp(buf, want) == 0, "getcwd is %s", p ? buf : "NULL");
	close(fd);
	chdir("/");
	p = getcwd(buf, sizeof(buf));
	CHECK("chdir-root", p && strcmp(buf, "/") == 0, "getcwd is %s", p ? buf : "NULL");
	r = chdir("/..");
	p = getcwd(buf, sizeof(buf));
	CHECK("root-dotdot", r == 0 && p && strcmp(buf, "/") == 0, "getcwd is %s", p ? buf : "NULL");
	chdir(top);
	fd = open(top, O_RDONLY | O_DIRECTORY);
	chdir("/");
	int at = openat(fd, "a.txt", O_RDONLY);
	CHECK("openat", at >= 0, "openat relative to a directory fd failed, errno %d", errno);
	close(at);
	r = mkdirat(fd, "viaat", 0755);
	CHECK("mkdirat-unlinkat", r == 0 && unlinkat(fd, "viaat", AT_REMOVEDIR) == 0, "errno %d", errno);
	close(fd);
	chdir(top);
}

static void check_proc_self_exe(const char *argv0)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = 0;
	CHECK("proc-self-exe", n > 0 && buf[0] == '/' && strcmp(base_name(buf), base_name(argv0)) == 0,
	      "readlink /proc/self/exe gave %zd \"%s\"", n, buf);
	struct stat a, b;
	int r = stat(buf, &a), r2 = stat("/proc/self/exe", &b);
	CHECK("proc-self-exe-stat", r == 0 && r2 == 0 && a.st_size == b.st_size && a.st_size > 0,
	      "the program's file and /proc/self/exe differ");
}

int main(int argc, char **argv)
{
	(void)argc;
	umask(022);
	strcpy(top, "/tmp/lxtest.XXXXXX");
	if (!CHECK("mkdtemp", mkdtemp(top) != NULL, "cannot make a directory under /tmp, errno %d", errno))
		return t_done();
	CHECK("chdir-top", chdir(top) == 0, "errno %d", errno);
	CHECK("mkdir", mkdir("d", 0755) == 0, "errno %d", errno);
	put_file("d/keep", "keep");
	check_basic_io();
	check_big_file();
	check_errors();
	check_stat();
	check_dirs();
	check_fds();
	check_cwd();
	check_proc_self_exe(argv[0]);
	/* Clean up, which also checks the tree is what we think. */
	int r = unlink("a.txt") | unlink("d/keep");
	int r2 = rmdir("d");
	chdir("/");
	int r3 = rmdir(top);
	CHECK("cleanup", r == 0 && r2 == 0 && r3 == 0, "unlink %d, rmdir d %d, rmdir top %d, errno %d", r, r2, r3, errno);
	return t_done();
}
