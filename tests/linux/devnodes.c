/*
 * Files without a position and the small devices, as Linux has them: lseek,
 * pread and pwrite on a pipe or a socket fail with ESPIPE (an eventfd's
 * lseek succeeds at 0); /dev/full reads as zeros and refuses every write
 * with ENOSPC; /dev/null and /dev/zero seek to 0; /dev/stdin, /dev/stdout,
 * /dev/stderr and /dev/fd are links to /proc/self/fd.
 */
#define T_NAME "devnodes"
#include "check.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void no_position(const char *what, int fd)
{
	char name[64], b = 0;
	snprintf(name, sizeof(name), "%s-lseek-espipe", what);
	check_err(name, lseek(fd, 0, SEEK_CUR), ESPIPE);
	snprintf(name, sizeof(name), "%s-pread-espipe", what);
	check_err(name, pread(fd, &b, 1, 0), ESPIPE);
	snprintf(name, sizeof(name), "%s-pwrite-espipe", what);
	check_err(name, pwrite(fd, &b, 1, 0), ESPIPE);
}

static void check_streams(void)
{
	int p[2], s[2];
	if (CHECK("pipe", pipe(p) == 0, "errno %d", errno)) {
		no_position("pipe", p[0]);
		close(p[0]), close(p[1]);
	}
	if (CHECK("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "errno %d", errno)) {
		no_position("socket", s[0]);
		close(s[0]), close(s[1]);
	}
	int e = eventfd(0, 0);
	CHECK("eventfd-lseek-0", e >= 0 && lseek(e, 0, SEEK_CUR) == 0, "errno %d", errno);
	close(e);
}

static void check_devices(void)
{
	char buf[8] = "xxxxxxx";
	int fd = open("/dev/full", O_RDWR);
	CHECK("full-open", fd >= 0, "errno %d", errno);
	check_err("full-write-enospc", write(fd, "a", 1), ENOSPC);
	CHECK("full-reads-zeros", read(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf) && buf[0] == 0 && buf[7] == 0,
	      "errno %d", errno);
	close(fd);
	fd = open("/dev/null", O_RDWR);
	CHECK("null-lseek-0", fd >= 0 && lseek(fd, 100, SEEK_SET) == 0, "errno %d", errno);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	CHECK("zero-lseek-0", fd >= 0 && lseek(fd, 100, SEEK_SET) == 0, "errno %d", errno);
	close(fd);
}

static void check_links(void)
{
	static const char *const names[][2] = {
		{ "/dev/stdin", "/proc/self/fd/0" },
		{ "/dev/stdout", "/proc/self/fd/1" },
		{ "/dev/stderr", "/proc/self/fd/2" },
		{ "/dev/fd", "/proc/self/fd" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char target[64] = "", name[64];
		ssize_t n = readlink(names[i][0], target, sizeof(target) - 1);
		snprintf(name, sizeof(name), "link-%s", names[i][0] + 5);
		CHECK(name, n > 0 && strcmp(target, names[i][1]) == 0, "readlink says %zd \"%s\"", n, target);
	}
}

int main(void)
{
	check_streams();
	check_devices();
	check_links();
	return t_done();
}
