/*
 * Program memory as the kernel reads and writes it for a syscall: a pointer
 * into the kernel half, a string that runs into an unmapped page, a buffer
 * with a hole, and a huge never-touched buffer give EFAULT or a short count,
 * never a crash; transfers are capped at MAX_RW_COUNT and return quickly.
 */
#define T_NAME "usermem"
#include "check.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define KERNEL_HALF ((void *)0xffff800000001000UL)
#define PAGE 4096

/* Two pages whose second is unmapped; the first filled with c. */
static char *page_before_hole(char c)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	munmap(p + PAGE, PAGE);
	memset(p, c, PAGE);
	return p;
}

static void check_futex(void)
{
	check_err("futex-wake-shared-kernel-half", syscall(SYS_futex, KERNEL_HALF, FUTEX_WAKE, 1, 0, 0, 0), EFAULT);
	check_err("futex-wake-private-kernel-half",
		  syscall(SYS_futex, KERNEL_HALF, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0, 0), EFAULT);
	char *hole = page_before_hole(0);
	if (!CHECK("futex-hole", hole != NULL, "mmap failed"))
		return;
	check_err("futex-wake-shared-unmapped", syscall(SYS_futex, hole + PAGE, FUTEX_WAKE, 1, 0, 0, 0), EFAULT);
	long r = syscall(SYS_futex, hole + PAGE, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0, 0);
	CHECK("futex-wake-private-unmapped", r == 0, "returned %ld, errno %d; want 0 woken", r, errno);
	check_err("futex-wake-misaligned", syscall(SYS_futex, hole + 1, FUTEX_WAKE, 1, 0, 0, 0), EINVAL);
	munmap(hole, PAGE);
}

/* Names that run into an unmapped page, and the longest memfd name. */
static void check_strings(void)
{
	char *hole = page_before_hole('a');
	if (!CHECK("strings-hole", hole != NULL, "mmap failed"))
		return;
	char *tail = hole + PAGE - 6; /* six bytes, no NUL, then the hole */
	check_err("memfd-name-into-hole", syscall(SYS_memfd_create, tail, 0), EFAULT);
	check_err("prctl-name-into-hole", prctl(PR_SET_NAME, tail, 0, 0, 0), EFAULT);
	check_err("open-path-into-hole", open(tail, O_RDONLY), EFAULT);
	check_err("open-kernel-half", open(KERNEL_HALF, O_RDONLY), EFAULT);
	char *argv[] = { tail, NULL };
	check_err("execve-arg-into-hole", execve("/proc/self/exe", argv, argv + 1), EFAULT);
	hole[PAGE - 1] = 0; /* 249 bytes before it */
	int fd = syscall(SYS_memfd_create, hole + PAGE - 250, 0);
	CHECK("memfd-name-249", fd >= 0, "errno %d (%s)", errno, strerror(errno));
	close(fd);
	check_err("memfd-name-250", syscall(SYS_memfd_create, hole + PAGE - 251, 0), EINVAL); /* one byte longer */
	char name[16] = "";
	CHECK("prctl-name-cut", prctl(PR_SET_NAME, hole + PAGE - 40, 0, 0, 0) == 0 &&
				prctl(PR_GET_NAME, name, 0, 0, 0) == 0 && strlen(name) == 15,
	      "name \"%s\" (%zu bytes), errno %d", name, strlen(name), errno);
	munmap(hole, PAGE);
}

/* Writes from a buffer with a hole after its first page, and from 1 GiB never touched. */
static void check_writes(void)
{
	char *hole = page_before_hole('w');
	int fd = open("/tmp/usermem-file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!CHECK("writes-setup", hole != NULL && fd >= 0, "errno %d", errno))
		return;
	long r = write(fd, hole, 2 * PAGE);
	CHECK("write-stops-at-hole", r == PAGE, "returned %ld, errno %d; want %d", r, errno, PAGE);
	check_err("write-from-hole", write(fd, hole + PAGE, 10), EFAULT);
	check_err("read-into-kernel-half", pread(fd, KERNEL_HALF, 10, 0), EFAULT);
	munmap(hole, PAGE);
	size_t big = 1UL << 30;
	char *buf = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!CHECK("big-buffer", buf != MAP_FAILED, "errno %d", errno))
		return;
	buf[big / 2] = 'x'; /* one touched page in the middle */
	int null = open("/dev/null", O_WRONLY);
	r = write(null, buf, big);
	CHECK("write-1g-untouched-to-null", r == (long)big, "returned %ld, errno %d", r, errno);
	close(null);
	r = pwrite(fd, buf + big / 2 - big / 4, big / 2, 0); /* 512 MiB: twice Mica's memory */
	char c[2] = { 1, 1 };
	CHECK("write-512m-untouched-to-file", r == (long)big / 2 && pread(fd, c, 1, big / 4) == 1 && c[0] == 'x' &&
						     pread(fd, c + 1, 1, big / 8) == 1 && c[1] == 0,
	      "returned %ld, errno %d; bytes read back %d %d", r, errno, c[0], c[1]);
	ftruncate(fd, 0);
	close(fd);
	unlink("/tmp/usermem-file");
	munmap(buf, big);
}

/* A descriptor pair for copying: /dev/zero to /dev/null. */
static int zero_to_null(int *z, int *n)
{
	*z = open("/dev/zero", O_RDONLY), *n = open("/dev/null", O_WRONLY);
	return *z >= 0 && *n >= 0;
}

/* A child sendfiles 2 GiB from z to n four times; meanwhile this process's 100 opens must be done before it is. */
static void parent_runs(int fds[2], int z, int n)
{
	pid_t p = fork();
	if (p == 0) {
		write(fds[1], "x", 1);
		for (int i = 0; i < 4; i++)
			sendfile(n, z, NULL, 1UL << 40);
		_exit(0);
	}
	char c;
	read(fds[0], &c, 1);
	for (int i = 0; i < 100; i++)
		close(open("/dev/null", O_RDONLY));
	int st = 0;
	pid_t w = waitpid(p, &st, WNOHANG);
	CHECK("parent-runs-while-child-copies", w == 0, "the child's four 2 GiB copies ended before 100 opens here");
	waitpid(p, &st, 0);
}

/*
 * sendfile and writev move at most MAX_RW_COUNT bytes a call (copy_file_range,
 * which needs regular files on Linux, shares lx's loop with sendfile); and
 * while a child copies that much its parent's calls go on.
 */
static void check_transfer_caps(void)
{
	int z, n, fds[2];
	if (!CHECK("caps-setup", zero_to_null(&z, &n) && pipe(fds) == 0, "errno %d", errno))
		return;
	long r = sendfile(n, z, NULL, 1UL << 40);
	CHECK("sendfile-1t-capped", r == 0x7ffff000L, "returned %#lx, errno %d; want 0x7ffff000", r, errno);
	size_t most = 0x7ffff000UL;
	char *buf = mmap(NULL, most, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (CHECK("writev-buffer", buf != MAP_FAILED, "errno %d", errno)) {
		struct iovec iov[2] = { { buf, most }, { buf, most } };
		r = writev(n, iov, 2);
		CHECK("writev-4g-capped", r == (long)most, "returned %#lx, errno %d; want 0x7ffff000", r, errno);
		iov[1].iov_len = (size_t)-1;
		check_err("writev-negative-length", writev(n, iov, 2), EINVAL);
		munmap(buf, most);
	}
	parent_runs(fds, z, n);
	close(z), close(n), close(fds[0]), close(fds[1]);
}

int main(void)
{
	check_futex();
	check_strings();
	check_writes();
	check_transfer_caps();
	return t_done();
}
