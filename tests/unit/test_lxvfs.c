/* Host tests for lx's file system: the syscalls on a root filled from a small archive, checked against Linux's results. */
#define CHECK_SUITE "lxvfs"
#include "tests/unit/check.h"

#include <stdint.h>
#include "lib/string.h"
#include "libos/lx/linux.h"

#include "libos/lx/syscall.h"
void vfs_init(const void *cpio, size_t size);
long vfs_read_all(const char *path, void **data, size_t *size);
extern uint64_t stub_now_ns;

#define L(x) ((long)(x))
#define OPEN(p, fl, m) lx_sys_open(L(p), (fl), (m))
#define CLOSE(fd) lx_sys_close((fd))
#define READ(fd, b, n) lx_sys_read((fd), L(b), (n))
#define WRITE(fd, s) lx_sys_write((fd), L(s), (long)strlen(s))
#define MKDIR(p) lx_sys_mkdir(L(p), 0755)
#define STAT(p, st) lx_sys_stat(L(p), L(st))
#define LSTAT(p, st) lx_sys_lstat(L(p), L(st))
#define UNLINK(p) lx_sys_unlink(L(p))
#define RMDIR(p) lx_sys_rmdir(L(p))
#define RENAME(a, b) lx_sys_rename(L(a), L(b))
#define SYMLINK(t, p) lx_sys_symlink(L(t), L(p))

static unsigned char archive[4096];
static size_t archive_len;

/* Appends a newc member. */
static void add(const char *name, uint32_t mode, const char *data)
{
	size_t namesize = strlen(name) + 1, size = data ? strlen(data) : 0;
	archive_len += (size_t)snprintf((char *)archive + archive_len, 111,
		"070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
		1u, mode, 0u, 0u, 1u, 1234u, size, 0u, 0u, 0u, 0u, namesize, 0u);
	memcpy(archive + archive_len, name, namesize);
	archive_len += namesize;
	while (archive_len % 4)
		archive[archive_len++] = 0;
	memcpy(archive + archive_len, data ? data : "", size);
	archive_len += size;
	while (archive_len % 4)
		archive[archive_len++] = 0;
}

/* The whole contents of path, NUL-terminated, in buf. */
static long slurp(const char *path, char *buf, size_t n)
{
	long fd = OPEN(path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	long r = READ(fd, buf, (long)n - 1);
	buf[r > 0 ? r : 0] = 0;
	CLOSE(fd);
	return r;
}

TEST(archive)
{
	struct linux_stat st;
	char buf[64];
	REQUIRE(STAT("/bin/hello", &st) == 0);
	CHECK(st.st_size == 3 && st.st_mode == (S_IFREG | 0755) && st.st_mtim.tv_sec == 1234);
	CHECK(STAT("/etc", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR);
	CHECK(STAT("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777);
	CHECK(lx_sys_readlink(L("/bin/sh"), L(buf), sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(slurp("/bin/sh", buf, sizeof(buf)) == 3 && strcmp(buf, "hi\n") == 0);
	CHECK(slurp("/etc/motd", buf, sizeof(buf)) == 4 && strcmp(buf, "motd") == 0);
	/* Writing copies the data out of the archive first. */
	long fd = OPEN("/bin/hello", O_WRONLY | O_APPEND, 0);
	CHECK(WRITE(fd, "!") == 1);
	CLOSE(fd);
	bool kept = false; /* the archive itself still holds the old data */
	for (size_t i = 0; i + 3 <= archive_len; i++)
		kept |= memcmp(archive + i, "hi\n", 3) == 0;
	CHECK(kept);
	void *data;
	size_t size;
	REQUIRE(vfs_read_all("/bin/hello", &data, &size) == 0);
	CHECK(size == 4 && memcmp(data, "hi\n!", 4) == 0);
	free(data);
	CHECK(vfs_read_all("/bin", &data, &size) == -EISDIR);
	CHECK(vfs_read_all("/nope", &data, &size) == -ENOENT);
}

TEST(open_flags)
{
	char buf[32];
	long fd = OPEN("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0666);
	REQUIRE(fd >= 0);
	CHECK(OPEN("/tmp/a", O_CREAT | O_EXCL | O_RDWR, 0666) == -EEXIST);
	CHECK(WRITE(fd, "hello") == 5);
	CHECK(lx_sys_lseek(fd, 10, SEEK_SET) == 10 && WRITE(fd, "x") == 1);
	CHECK(lx_sys_pread64(fd, L(buf), 32, 0) == 11 && memcmp(buf, "hello\0\0\0\0\0x", 11) == 0);
	CHECK(lx_sys_lseek(fd, -1, SEEK_SET) == -EINVAL);
	CHECK(lx_sys_lseek(fd, -2, SEEK_END) == 9);
	CLOSE(fd);
	struct linux_stat st;
	CHECK(STAT("/tmp/a", &st) == 0 && (st.st_mode & 0777) == 0644); /* umask 022 */
	fd = OPEN("/tmp/a", O_RDONLY, 0);
	CHECK(WRITE(fd, "no") == -EBADF);
	CLOSE(fd);
	fd = OPEN("/tmp/a", O_WRONLY | O_TRUNC, 0);
	CHECK(READ(fd, buf, 1) == -EBADF);
	CHECK(STAT("/tmp/a", &st) == 0 && st.st_size == 0);
	CLOSE(fd);
	fd = OPEN("/tmp/a", O_WRONLY | O_APPEND, 0);
	WRITE(fd, "ab");
	lx_sys_lseek(fd, 0, SEEK_SET);
	WRITE(fd, "cd");
	CLOSE(fd);
	CHECK(slurp("/tmp/a", buf, sizeof(buf)) == 4 && strcmp(buf, "abcd") == 0);
	CHECK(OPEN("/tmp/missing", O_RDONLY, 0) == -ENOENT);
	CHECK(OPEN("/tmp/a/x", O_RDONLY, 0) == -ENOTDIR);
	CHECK(OPEN("/tmp/a/", O_RDONLY, 0) == -ENOTDIR);
	CHECK(OPEN("/tmp/new/", O_CREAT | O_RDWR, 0644) == -EISDIR);
	CHECK(OPEN("/tmp/a", O_RDONLY | O_DIRECTORY, 0) == -ENOTDIR);
	CHECK(OPEN((void *)16, O_RDONLY, 0) == -EFAULT);
	CHECK(OPEN("", O_RDONLY, 0) == -ENOENT);
	char longname[300];
	memset(longname, 'n', 299);
	longname[0] = '/';
	longname[299] = 0;
	CHECK(OPEN(longname, O_RDONLY, 0) == -ENAMETOOLONG);
}

TEST(directories)
{
	struct linux_stat st;
	char buf[8];
	CHECK(MKDIR("/tmp/d") == 0 && MKDIR("/tmp/d") == -EEXIST && MKDIR("/tmp/d/e/") == 0);
	CHECK(MKDIR("/tmp/nope/e") == -ENOENT);
	CHECK(STAT("/tmp/d", &st) == 0 && st.st_nlink == 3);
	CHECK(RMDIR("/tmp/d") == -ENOTEMPTY);
	CHECK(RMDIR("/tmp/d/e/.") == -EINVAL);
	CHECK(UNLINK("/tmp/d/e") == -EISDIR);
	long fd = OPEN("/tmp/d", O_RDONLY, 0);
	CHECK(fd >= 0 && READ(fd, buf, 8) == -EISDIR);
	CLOSE(fd);
	CHECK(OPEN("/tmp/d", O_WRONLY, 0) == -EISDIR);
	CLOSE(OPEN("/tmp/d/f", O_CREAT | O_WRONLY, 0644));
	CHECK(RMDIR("/tmp/d/f") == -ENOTDIR);
	CHECK(STAT("/tmp/d/e/../f", &st) == 0);
	CHECK(RMDIR("/tmp/d/e") == 0 && UNLINK("/tmp/d/f") == 0 && RMDIR("/tmp/d") == 0);
	CHECK(STAT("/tmp/d", &st) == -ENOENT);
	CHECK(STAT("/..", &st) == 0 && st.st_ino == 2);
}

/* The names getdents64 gives for fd, len bytes at a time, joined by spaces; unlinks each if rm. */
static void list(long fd, char *out, long len, bool rm, const char *dir)
{
	char buf[512], path[128];
	out[0] = 0;
	for (;;) {
		long n = lx_sys_getdents64(fd, L(buf), len);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			snprintf(out + strlen(out), 256 - strlen(out), "%s ", d->d_name);
			if (rm && d->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
				UNLINK(path);
			}
			off += d->d_reclen;
		}
	}
}

TEST(getdents)
{
	char out[256];
	MKDIR("/tmp/g");
	CLOSE(OPEN("/tmp/g/one", O_CREAT | O_WRONLY, 0644));
	MKDIR("/tmp/g/two");
	SYMLINK("one", "/tmp/g/three");
	long fd = OPEN("/tmp/g", O_RDONLY | O_DIRECTORY, 0);
	REQUIRE(fd >= 0);
	list(fd, out, 512, false, NULL);
	CHECK(strcmp(out, ". .. one two three ") == 0);
	char buf[512];
	lx_sys_lseek(fd, 0, SEEK_SET);
	CHECK(lx_sys_getdents64(fd, L(buf), 10) == -EINVAL);
	CHECK(lx_sys_getdents64(fd, L(buf), 512) > 0 && ((struct linux_dirent64 *)buf)->d_type == DT_DIR);
	lx_sys_lseek(fd, 0, SEEK_SET);
	CHECK(lx_sys_getdents(fd, L(buf), 512) > 0 && strcmp(buf + 18, ".") == 0);
	RMDIR("/tmp/g/two");
	/* Removing entries while listing skips none. */
	lx_sys_lseek(fd, 0, SEEK_SET);
	list(fd, out, 32, true, "/tmp/g");
	CHECK(strcmp(out, ". .. one three ") == 0);
	CHECK(RMDIR("/tmp/g") == 0);
	CHECK(lx_sys_getdents64(fd, L(buf), 512) == 0);
	CLOSE(fd);
	fd = OPEN("/bin/hello", O_RDONLY, 0);
	CHECK(lx_sys_getdents64(fd, L(buf), 512) == -ENOTDIR);
	CLOSE(fd);
}

/* A directory of thousands of names: each found, removals from the middle, getdents in creation order
 * resuming where it stopped while names come and go. */
TEST(big_directory)
{
	enum { N = 3000 };
	char path[64], buf[4096];
	struct linux_stat st;
	REQUIRE(MKDIR("/tmp/big") == 0);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/tmp/big/f%d", i);
		long fd = OPEN(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		REQUIRE(fd >= 0);
		CLOSE(fd);
	}
	int found = 0;
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/tmp/big/f%d", i);
		found += STAT(path, &st) == 0;
	}
	CHECK(found == N);
	CHECK(STAT("/tmp/big/f3000", &st) == -ENOENT && STAT("/tmp/big/f", &st) == -ENOENT);
	int removed = 0;
	for (int i = 0; i < N; i += 3) {
		snprintf(path, sizeof(path), "/tmp/big/f%d", i);
		removed += UNLINK(path) == 0;
	}
	CHECK(removed == N / 3);
	found = 0;
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/tmp/big/f%d", i);
		found += (STAT(path, &st) == 0) == (i % 3 != 0);
	}
	CHECK(found == N);
	/* list it in small reads; half way, the next name is removed and a new one made: the listing goes on
	 * after the last name given, skips the removed one and ends with the new one, each name once */
	long fd = OPEN("/tmp/big", O_RDONLY | O_DIRECTORY, 0);
	REQUIRE(fd >= 0);
	int want = 1, in_order = 1, listed = 0, changed = 0;
	bool saw_new = false;
	for (long n; (n = lx_sys_getdents64(fd, L(buf), 256)) > 0;) {
		for (long off = 0; off < n; off += ((struct linux_dirent64 *)(buf + off))->d_reclen) {
			const char *name = ((struct linux_dirent64 *)(buf + off))->d_name;
			if (name[0] == '.')
				continue;
			listed++;
			if (strcmp(name, "new") == 0) {
				saw_new = true;
				continue;
			}
			while (want % 3 == 0 || (changed && want == 1501))
				want++;
			in_order &= atoi(name + 1) == want;
			want++;
		}
		if (!changed && want > 1400) {
			changed = 1;
			CHECK(UNLINK("/tmp/big/f1501") == 0);
			long nf = OPEN("/tmp/big/new", O_CREAT | O_WRONLY, 0644);
			CHECK(nf >= 0);
			CLOSE(nf);
		}
	}
	CLOSE(fd);
	CHECK(in_order && saw_new);
	CHECK(listed == N - N / 3 - 1 + 1);
}

TEST(symlinks)
{
	struct linux_stat st;
	char buf[32];
	MKDIR("/tmp/s");
	MKDIR("/tmp/s/real");
	CHECK(SYMLINK("real", "/tmp/s/dir") == 0 && SYMLINK("x", "/tmp/s/dir") == -EEXIST);
	CLOSE(OPEN("/tmp/s/dir/f", O_CREAT | O_WRONLY, 0644));
	CHECK(STAT("/tmp/s/real/f", &st) == 0);
	CHECK(STAT("/tmp/s/dir", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR);
	CHECK(LSTAT("/tmp/s/dir", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK && st.st_size == 4);
	CHECK(SYMLINK("loop", "/tmp/s/loop") == 0 && STAT("/tmp/s/loop", &st) == -ELOOP);
	CHECK(OPEN("/tmp/s/loop/x", O_RDONLY, 0) == -ELOOP);
	CHECK(OPEN("/tmp/s/dir", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP);
	CHECK(SYMLINK("target", "/tmp/s/dangle") == 0 && STAT("/tmp/s/dangle", &st) == -ENOENT);
	long fd = OPEN("/tmp/s/dangle", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && STAT("/tmp/s/target", &st) == 0);
	CLOSE(fd);
	CHECK(OPEN("/tmp/s/dangle", O_CREAT | O_EXCL | O_WRONLY, 0644) == -EEXIST);
	CHECK(lx_sys_readlink(L("/tmp/s/real"), L(buf), 32) == -EINVAL);
	CHECK(lx_sys_readlink(L("/tmp/s/dir"), L(buf), 2) == 2 && memcmp(buf, "re", 2) == 0);
	CHECK(UNLINK("/tmp/s/dir") == 0 && STAT("/tmp/s/real", &st) == 0);
	CHECK(SYMLINK("", "/tmp/s/empty") == -ENOENT);
}

TEST(rename_link)
{
	struct linux_stat st;
	char buf[32];
	MKDIR("/tmp/r");
	long fd = OPEN("/tmp/r/a", O_CREAT | O_WRONLY, 0644);
	WRITE(fd, "A");
	CLOSE(OPEN("/tmp/r/b", O_CREAT | O_WRONLY, 0644));
	CHECK(RENAME("/tmp/r/a", "/tmp/r/b") == 0);
	CHECK(lx_sys_write(fd, L("B"), 1) == 1); /* the open file follows the node */
	CLOSE(fd);
	CHECK(STAT("/tmp/r/a", &st) == -ENOENT && slurp("/tmp/r/b", buf, 32) == 2 && strcmp(buf, "AB") == 0);
	MKDIR("/tmp/r/d");
	MKDIR("/tmp/r/d/sub");
	CHECK(RENAME("/tmp/r/d", "/tmp/r/d/sub/x") == -EINVAL);
	CHECK(RENAME("/tmp/r/b", "/tmp/r/d") == -EISDIR);
	MKDIR("/tmp/r/e");
	CHECK(RENAME("/tmp/r/e", "/tmp/r/d") == -ENOTEMPTY);
	CHECK(RENAME("/tmp/r/d/sub", "/tmp/r/e") == 0 && STAT("/tmp/r/e", &st) == 0 && st.st_nlink == 2);
	CHECK(STAT("/tmp/r/d", &st) == 0 && st.st_nlink == 2);
	CHECK(RENAME("/tmp/r/e", "/tmp/r/b") == -ENOTDIR);
	CHECK(lx_sys_renameat2(AT_FDCWD, L("/tmp/r/b"), AT_FDCWD, L("/tmp/r/f"), 1) == 0);
	CLOSE(OPEN("/tmp/r/b", O_CREAT | O_WRONLY, 0644));
	CHECK(lx_sys_renameat2(AT_FDCWD, L("/tmp/r/b"), AT_FDCWD, L("/tmp/r/f"), 1) == -EEXIST);
	/* Hard links share the node; an unlinked open file stays readable. */
	CHECK(lx_sys_link(L("/tmp/r/f"), L("/tmp/r/h")) == 0);
	CHECK(STAT("/tmp/r/h", &st) == 0 && st.st_nlink == 2);
	CHECK(lx_sys_link(L("/tmp/r/d"), L("/tmp/r/dd")) == -EPERM);
	CHECK(lx_sys_link(L("/tmp/r/f"), L("/tmp/r/b")) == -EEXIST);
	fd = OPEN("/tmp/r/h", O_RDONLY, 0);
	CHECK(UNLINK("/tmp/r/h") == 0 && UNLINK("/tmp/r/f") == 0);
	CHECK(READ(fd, buf, 32) == 2 && buf[0] == 'A');
	CHECK(lx_sys_fstat(fd, L(&st)) == 0 && st.st_nlink == 0);
	CLOSE(fd);
}

TEST(descriptors)
{
	long fd = OPEN("/tmp/fds", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	REQUIRE(fd >= 0);
	CHECK(lx_sys_fcntl(fd, F_GETFD, 0) == FD_CLOEXEC);
	CHECK(lx_sys_fcntl(fd, F_GETFL, 0) == O_RDWR);
	long d = lx_sys_dup(fd);
	CHECK(d > fd && lx_sys_fcntl(d, F_GETFD, 0) == 0);
	WRITE(fd, "xyz");
	CHECK(lx_sys_lseek(d, 0, SEEK_CUR) == 3); /* shared position */
	CHECK(lx_sys_dup2(fd, 100) == 100 && lx_sys_dup2(100, 100) == 100);
	CHECK(lx_sys_dup3(fd, fd, 0) == -EINVAL);
	CHECK(lx_sys_dup3(fd, 101, O_CLOEXEC) == 101 && lx_sys_fcntl(101, F_GETFD, 0) == FD_CLOEXEC);
	CHECK(lx_sys_fcntl(fd, F_DUPFD, 200) == 200);
	CHECK(lx_sys_fcntl(fd, F_SETFL, O_APPEND) == 0 && lx_sys_fcntl(fd, F_GETFL, 0) == (O_RDWR | O_APPEND));
	CHECK(lx_sys_ioctl(fd, TCGETS, 0) == -ENOTTY);
	CHECK(CLOSE(200) == 0 && CLOSE(200) == -EBADF && CLOSE(101) == 0 && CLOSE(100) == 0 && CLOSE(d) == 0);
	CHECK(READ(-1, NULL, 0) == -EBADF && READ(4000, NULL, 0) == -EBADF);
	CHECK(READ(fd, (void *)16, 4) == -EFAULT);
	struct linux_iovec iov[2] = { { L("ab"), 2 }, { L("cd"), 2 } };
	CHECK(lx_sys_writev(fd, L(iov), 2) == 4);
	char b1[3] = { 0 }, b2[10] = { 0 };
	struct linux_iovec riov[2] = { { L(b1), 2 }, { L(b2), 10 } };
	lx_sys_lseek(fd, 0, SEEK_SET);
	CHECK(lx_sys_readv(fd, L(riov), 2) == 7 && strcmp(b1, "xy") == 0 && strcmp(b2, "zabcd") == 0);
	CHECK(lx_sys_pwrite64(fd, L("Q"), 1, 1) == 1 && lx_sys_pread64(fd, L(b1), 2, 0) == 2 && b1[1] == 'Q');
	CHECK(lx_sys_ftruncate(fd, 2) == 0 && lx_sys_lseek(fd, 0, SEEK_END) == 2);
	CHECK(lx_sys_ftruncate(fd, 6) == 0 && lx_sys_pread64(fd, L(b2), 10, 0) == 6 && b2[5] == 0);
	CLOSE(fd);
	fd = OPEN("/tmp/fds", O_RDONLY, 0);
	CHECK(lx_sys_ftruncate(fd, 0) == -EINVAL);
	CLOSE(fd);
}

TEST(cwd)
{
	char buf[64];
	MKDIR("/tmp/w");
	MKDIR("/tmp/w/x");
	CHECK(lx_sys_chdir(L("/tmp/w")) == 0);
	CHECK(lx_sys_getcwd(L(buf), 64) == 7 && strcmp(buf, "/tmp/w") == 0);
	CHECK(lx_sys_getcwd(L(buf), 3) == -ERANGE);
	CLOSE(OPEN("rel", O_CREAT | O_WRONLY, 0644));
	struct linux_stat st;
	CHECK(STAT("/tmp/w/rel", &st) == 0 && STAT("x/../rel", &st) == 0);
	long dfd = OPEN("x", O_RDONLY | O_DIRECTORY, 0);
	long fd = lx_sys_openat(dfd, L("inx"), O_CREAT | O_WRONLY, 0600);
	CHECK(fd >= 0 && STAT("/tmp/w/x/inx", &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(lx_sys_newfstatat(dfd, L(""), L(&st), AT_EMPTY_PATH) == 0 && (st.st_mode & S_IFMT) == S_IFDIR);
	CHECK(lx_sys_openat(fd, L("y"), O_RDONLY, 0) == -ENOTDIR);
	CHECK(lx_sys_openat(555, L("y"), O_RDONLY, 0) == -EBADF);
	CHECK(lx_sys_unlinkat(dfd, L("inx"), 0) == 0);
	CHECK(lx_sys_fchdir(dfd) == 0 && lx_sys_getcwd(L(buf), 64) > 0 && strcmp(buf, "/tmp/w/x") == 0);
	CHECK(lx_sys_chdir(L("/tmp/w/rel")) == -ENOTDIR);
	CHECK(lx_sys_chdir(L("..")) == 0 && lx_sys_unlinkat(AT_FDCWD, L("x"), AT_REMOVEDIR) == 0);
	CHECK(lx_sys_fchdir(dfd) == 0 && lx_sys_getcwd(L(buf), 64) == -ENOENT);
	CHECK(OPEN("new", O_CREAT | O_WRONLY, 0644) == -ENOENT);
	CLOSE(fd);
	CLOSE(dfd);
	CHECK(lx_sys_chdir(L("/")) == 0 && lx_sys_getcwd(L(buf), 64) == 2 && strcmp(buf, "/") == 0);
}

TEST(attributes)
{
	struct linux_stat st;
	CHECK(lx_sys_umask(077) == 022);
	CLOSE(OPEN("/tmp/m", O_CREAT | O_WRONLY, 0666));
	CHECK(STAT("/tmp/m", &st) == 0 && (st.st_mode & 0777) == 0600);
	lx_sys_umask(022);
	CHECK(lx_sys_access(L("/tmp/m"), X_OK) == -EACCES);
	CHECK(lx_sys_chmod(L("/tmp/m"), 04755) == 0 && STAT("/tmp/m", &st) == 0 && st.st_mode == (S_IFREG | 04755));
	CHECK(lx_sys_access(L("/tmp/m"), X_OK | R_OK | W_OK) == 0);
	CHECK(lx_sys_access(L("/tmp/m"), 8) == -EINVAL);
	CHECK(lx_sys_chown(L("/tmp/m"), 5, -1) == 0 && STAT("/tmp/m", &st) == 0 && st.st_uid == 5 && st.st_gid == 0);
	struct linux_timespec ts[2] = { { 7, 0 }, { 0, UTIME_OMIT } };
	int64_t mtime = st.st_mtim.tv_sec;
	CHECK(lx_sys_utimensat(AT_FDCWD, L("/tmp/m"), L(ts), 0) == 0);
	CHECK(STAT("/tmp/m", &st) == 0 && st.st_atim.tv_sec == 7 && st.st_mtim.tv_sec == mtime);
	stub_now_ns = 5000000000UL;
	CHECK(lx_sys_utimensat(AT_FDCWD, L("/tmp/m"), 0, 0) == 0 && STAT("/tmp/m", &st) == 0 && st.st_mtim.tv_sec == 1005);
	ts[1].tv_nsec = 2000000000;
	CHECK(lx_sys_utimensat(AT_FDCWD, L("/tmp/m"), L(ts), 0) == -EINVAL);
	struct linux_statx sx;
	CHECK(lx_sys_statx(AT_FDCWD, L("/tmp/m"), 0, STATX_BASIC_STATS, L(&sx)) == 0 && sx.stx_uid == 5 && sx.stx_mode == (S_IFREG | 04755));
	struct linux_statfs sf;
	CHECK(lx_sys_statfs(L("/tmp"), L(&sf)) == 0 && sf.f_blocks == 100 && sf.f_bfree == 40);
}

/* File bytes in pages: holes read as zeros, writes across page edges, truncation, archive files copied on write. */
TEST(pages)
{
	static char big[3 * 4096 + 10], back[sizeof(big)];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('A' + i % 23);
	long fd = OPEN("/tmp-pages", O_RDWR | O_CREAT, 0644);
	REQUIRE(fd >= 0);
	CHECK(lx_sys_pwrite64(fd, L(big), 100, 5 * 4096 - 50) == 100); /* across pages 4 and 5, after a hole */
	CHECK(lx_sys_pread64(fd, L(back), 4096, 0) == 4096);
	bool zeros = true;
	for (int i = 0; i < 4096; i++)
		zeros &= back[i] == 0;
	CHECK(zeros);
	CHECK(lx_sys_pread64(fd, L(back), 200, 5 * 4096 - 50) == 100 && memcmp(back, big, 100) == 0);
	CHECK(lx_sys_pwrite64(fd, L(big), sizeof(big), 1) == (long)sizeof(big));
	CHECK(lx_sys_pread64(fd, L(back), sizeof(big), 1) == (long)sizeof(big) && memcmp(back, big, sizeof(big)) == 0);
	/* shrink into a page, then grow: the cut bytes read as zeros */
	CHECK(lx_sys_ftruncate(fd, 4096 + 7) == 0 && lx_sys_ftruncate(fd, 3 * 4096) == 0);
	CHECK(lx_sys_pread64(fd, L(back), 16, 4096) == 16 && memcmp(back, big + 4095, 7) == 0 && back[7] == 0 &&
	      back[15] == 0);
	CLOSE(fd);
	CHECK(UNLINK("/tmp-pages") == 0);
	/* an archive file keeps its bytes when first written */
	fd = OPEN("/etc/motd", O_RDWR, 0);
	REQUIRE(fd >= 0);
	CHECK(lx_sys_pwrite64(fd, L("X"), 1, 1) == 1);
	CLOSE(fd);
	char text[16];
	CHECK(slurp("/etc/motd", text, sizeof(text)) == 4 && strcmp(text, "mXtd") == 0);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	add("./bin", S_IFDIR | 0755, NULL);
	add("./bin/hello", S_IFREG | 0755, "hi\n");
	add("etc/motd", S_IFREG | 0644, "motd");
	add("bin/sh", S_IFLNK | 0777, "hello");
	add("TRAILER!!!", 0, NULL);
	vfs_init(archive, archive_len);
	RUN(archive);
	RUN(open_flags);
	RUN(directories);
	RUN(getdents);
	RUN(big_directory);
	RUN(symlinks);
	RUN(rename_link);
	RUN(descriptors);
	RUN(cwd);
	RUN(attributes);
	RUN(pages);
	return CHECK_END();
}
