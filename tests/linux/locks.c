/* fcntl record locks: conflicts between processes, F_GETLK, F_SETLKW waiting, release on close, OFD locks, errors. */
#define T_NAME "locks"
#include "check.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	return fcntl(fd, cmd, &fl);
}

/* F_SETLK tried by a child: 0 or its errno. */
static int child_try(int fd, short type, off_t start, off_t len)
{
	pid_t p = fork();
	if (p == 0)
		_exit(lock(fd, F_SETLK, type, start, len) == 0 ? 0 : errno);
	int st = 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Check that a child trying F_SETLK of type on [start, start + len) of fd gets want (0 or an errno). */
#define CHILD(name, type, start, len, want)                              \
	do {                                                             \
		int got_ = child_try(fd, type, start, len);              \
		CHECK(name, got_ == (want), "the child got %d", got_);   \
	} while (0)

int main(void)
{
	char path[] = "/tmp/locks-XXXXXX";
	int fd = mkstemp(path);
	CHECK("file", fd >= 0 && write(fd, "0123456789", 10) == 10, "mkstemp: %s", strerror(errno));

	CHECK("write-lock", lock(fd, F_SETLK, F_WRLCK, 0, 5) == 0, "errno %d", errno);
	CHECK("relock-own", lock(fd, F_SETLK, F_WRLCK, 2, 10) == 0, "errno %d", errno); /* own locks never conflict */
	CHILD("child-conflict", F_WRLCK, 4, 1, EAGAIN);
	CHILD("child-read-conflict", F_RDLCK, 0, 1, EAGAIN);
	CHILD("child-past-range", F_WRLCK, 12, 3, 0);

	pid_t p = fork();
	if (p == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1 };
		int r = fcntl(fd, F_GETLK, &fl);
		_exit(r == 0 && fl.l_type == F_WRLCK && fl.l_pid == getppid() && fl.l_start == 0 && fl.l_len == 12 ? 0 : 1);
	}
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("getlk-reports-holder", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	struct flock mine = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	CHECK("getlk-own-none", fcntl(fd, F_GETLK, &mine) == 0 && mine.l_type == F_UNLCK, "type %d", mine.l_type);

	/* unlock the middle: the rest stays locked */
	CHECK("unlock-middle", lock(fd, F_SETLK, F_UNLCK, 4, 4) == 0, "errno %d", errno);
	CHILD("middle-free", F_WRLCK, 5, 2, 0);
	CHILD("start-still-held", F_WRLCK, 3, 1, EAGAIN);
	CHILD("end-still-held", F_WRLCK, 9, 1, EAGAIN);

	/* read locks share */
	CHECK("downgrade-to-read", lock(fd, F_SETLK, F_RDLCK, 0, 0) == 0, "errno %d", errno);
	CHILD("read-shared", F_RDLCK, 0, 0, 0);
	CHILD("write-vs-read", F_WRLCK, 0, 1, EAGAIN);

	/* F_SETLKW waits until the holder lets go */
	int ready[2];
	CHECK("pipe", pipe(ready) == 0, "errno %d", errno);
	CHECK("hold-for-wait", lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "errno %d", errno);
	p = fork();
	if (p == 0) {
		close(ready[0]);
		int r = lock(fd, F_SETLKW, F_WRLCK, 0, 1); /* blocks */
		char c = r == 0 ? 'y' : 'n';
		write(ready[1], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	usleep(50000);
	CHECK("setlkw-still-waiting", waitpid(p, &st, WNOHANG) == 0, "the child ended: %#x", st);
	CHECK("release", lock(fd, F_SETLK, F_UNLCK, 0, 0) == 0, "errno %d", errno);
	char c = 0;
	CHECK("setlkw-got-it", read(ready[0], &c, 1) == 1 && c == 'y', "read %c", c);
	waitpid(p, &st, 0);
	close(ready[0]);

	/* closing any descriptor of the file drops the process's locks */
	CHECK("lock-again", lock(fd, F_SETLK, F_WRLCK, 0, 0) == 0, "errno %d", errno);
	int other = open(path, O_RDWR);
	close(other);
	CHILD("close-other-drops", F_WRLCK, 0, 0, 0);

	/* OFD locks belong to the open file: two opens in one process conflict */
	int a = open(path, O_RDWR), b = open(path, O_RDWR);
	CHECK("ofd-lock", lock(a, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "errno %d", errno);
	errno = 0;
	CHECK("ofd-conflict", lock(b, F_OFD_SETLK, F_WRLCK, 0, 1) < 0 && errno == EAGAIN, "errno %d", errno);
	close(a);
	CHECK("ofd-close-drops", lock(b, F_OFD_SETLK, F_WRLCK, 0, 1) == 0, "errno %d", errno);
	close(b);

	/* errors */
	errno = 0;
	CHECK("bad-type", lock(fd, F_SETLK, 7, 0, 1) < 0 && errno == EINVAL, "errno %d", errno);
	int ro = open(path, O_RDONLY);
	errno = 0;
	CHECK("write-lock-readonly", lock(ro, F_SETLK, F_WRLCK, 0, 1) < 0 && errno == EBADF, "errno %d", errno);
	errno = 0;
	CHECK("negative-start", lock(fd, F_SETLK, F_WRLCK, -5, 1) < 0 && errno == EINVAL, "errno %d", errno);
	close(ro);
	close(fd);
	unlink(path);
	return t_done();
}
