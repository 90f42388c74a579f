/* More file calls: creat, truncate, fallocate, preadv/pwritev, sendfile, copy_file_range, memfd_create, flock, close_range. */
#define T_NAME "fileops"
#include "check.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64], path2[64];

static long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void check_create_truncate(void)
{
	strcpy(path, "/tmp/fileops-XXXXXX");
	close(mkstemp(path));
	int fd = creat(path, 0644);
	CHECK("creat", fd >= 0 && write(fd, "0123456789", 10) == 10, "errno %d", errno);
	errno = 0;
	CHECK("creat-write-only", read(fd, path2, 1) == -1 && errno == EBADF, "errno %d", errno);
	close(fd);
	CHECK("truncate-shrink", truncate(path, 4) == 0 && file_size(path) == 4, "size %ld", file_size(path));
	CHECK("truncate-grow", truncate(path, 100) == 0 && file_size(path) == 100, "size %ld", file_size(path));
	errno = 0;
	CHECK("truncate-dir", truncate("/tmp", 0) == -1 && errno == EISDIR, "errno %d", errno);
	errno = 0;
	CHECK("truncate-missing", truncate("/tmp/no/such", 0) == -1 && errno == ENOENT, "errno %d", errno);
	fd = open(path, O_RDWR);
	CHECK("fallocate-grows", fallocate(fd, 0, 0, 5000) == 0 && file_size(path) == 5000, "size %ld", file_size(path));
	CHECK("fallocate-keep-size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 9000) == 0 && file_size(path) == 5000,
	      "size %ld", file_size(path));
	close(fd);
}

static void check_vectors_and_copies(void)
{
	int fd = open(path, O_RDWR | O_TRUNC);
	struct iovec w[2] = { { "hello ", 6 }, { "world", 5 } };
	CHECK("pwritev", pwritev(fd, w, 2, 3) == 11, "errno %d", errno);
	char a[4] = { 0 }, b[8] = { 0 };
	struct iovec r[2] = { { a, 3 }, { b, 8 } };
	CHECK("preadv", preadv(fd, r, 2, 3) == 11 && memcmp(a, "hel", 3) == 0 && memcmp(b, "lo world", 8) == 0,
	      "read '%s' '%s'", a, b);
	CHECK("pwritev-keeps-position", lseek(fd, 0, SEEK_CUR) == 0, "at %ld", (long)lseek(fd, 0, SEEK_CUR));

	strcpy(path2, "/tmp/fileops2-XXXXXX");
	int out = mkstemp(path2);
	off_t off = 3;
	CHECK("sendfile", sendfile(out, fd, &off, 5) == 5 && off == 8 && lseek(fd, 0, SEEK_CUR) == 0, "off %ld", (long)off);
	char c[16] = { 0 };
	CHECK("sendfile-bytes", pread(out, c, sizeof(c), 0) == 5 && memcmp(c, "hello", 5) == 0, "read '%s'", c);
	loff_t in_off = 9, out_off = 5;
	CHECK("copy-file-range", copy_file_range(fd, &in_off, out, &out_off, 5, 0) == 5 && in_off == 14 && out_off == 10,
	      "offsets %ld %ld", (long)in_off, (long)out_off);
	memset(c, 0, sizeof(c));
	CHECK("copy-file-range-bytes", pread(out, c, sizeof(c), 0) == 10 && memcmp(c, "helloworld", 10) == 0, "read '%s'", c);
	close(out);
	unlink(path2);
	close(fd);
}

static void check_memfd(void)
{
	int fd = (int)syscall(SYS_memfd_create, "scratch", 1 /* MFD_CLOEXEC */);
	CHECK("memfd-create", fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "errno %d", errno);
	if (fd < 0)
		return;
	CHECK("memfd-write-size", ftruncate(fd, 8192) == 0 && pwrite(fd, "mica", 4, 4096) == 4, "errno %d", errno);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("memfd-map", p != MAP_FAILED && memcmp(p + 4096, "mica", 4) == 0, "errno %d", errno);
	if (p != MAP_FAILED)
		munmap(p, 8192);
	struct stat st;
	CHECK("memfd-is-regular", fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0, "mode %o, links %ld",
	      st.st_mode, (long)st.st_nlink);
	close(fd);
}

static void check_flock(void)
{
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK("flock-ex", flock(a, LOCK_EX) == 0, "errno %d", errno);
	errno = 0;
	CHECK("flock-other-open-conflicts", flock(b, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK, "errno %d", errno);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK("flock-and-fcntl-apart", fcntl(b, F_SETLK, &fl) == 0, "errno %d", errno);
	CHECK("flock-downgrade", flock(a, LOCK_SH) == 0 && flock(b, LOCK_SH | LOCK_NB) == 0, "errno %d", errno);
	CHECK("flock-unlock", flock(a, LOCK_UN) == 0 && flock(b, LOCK_UN) == 0, "errno %d", errno);
	/* a forked child's descriptor is the same open file: it holds the same lock */
	CHECK("flock-again", flock(a, LOCK_EX) == 0, "errno %d", errno);
	pid_t p = fork();
	if (p == 0)
		_exit(flock(a, LOCK_EX | LOCK_NB) == 0 && flock(b, LOCK_EX | LOCK_NB) == -1 ? 0 : 1);
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("flock-shared-by-fork", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	close(a);
	CHECK("flock-goes-with-close", flock(b, LOCK_EX | LOCK_NB) == 0, "errno %d", errno);
	errno = 0;
	CHECK("flock-bad-op", flock(b, 0) == -1 && errno == EINVAL, "errno %d", errno);
	close(b);
}

static void check_close_range(void)
{
	int a = open("/dev/null", O_RDONLY), b = dup(a), c = dup(a);
	CHECK("close-range-cloexec", syscall(SYS_close_range, b, c, 4 /* CLOSE_RANGE_CLOEXEC */) == 0 &&
	      (fcntl(b, F_GETFD) & FD_CLOEXEC) && (fcntl(c, F_GETFD) & FD_CLOEXEC) && !(fcntl(a, F_GETFD) & FD_CLOEXEC), "errno %d", errno);
	CHECK("close-range", syscall(SYS_close_range, b, c, 0) == 0 && fcntl(b, F_GETFD) == -1 && fcntl(c, F_GETFD) == -1 &&
	      fcntl(a, F_GETFD) == 0, "errno %d", errno);
	errno = 0;
	CHECK("close-range-backwards", syscall(SYS_close_range, c, b, 0) == -1 && errno == EINVAL, "errno %d", errno);
	close(a);
}

static void check_misc(void)
{
	errno = 0;
	int prio = getpriority(PRIO_PROCESS, 0);
	CHECK("getpriority", prio == 0 && errno == 0, "%d, errno %d", prio, errno);
	CHECK("setpriority-same", setpriority(PRIO_PROCESS, 0, 0) == 0, "errno %d", errno);
	sync();
	CHECK("syncfs", syncfs(0) == 0, "errno %d", errno);
}

int main(void)
{
	check_create_truncate();
	check_vectors_and_copies();
	check_memfd();
	check_flock();
	check_close_range();
	check_misc();
	unlink(path);
	return t_done();
}
