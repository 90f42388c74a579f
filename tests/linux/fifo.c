/*
 * Named pipes and mknod, as Linux has them: mkfifo makes a FIFO node; a
 * writer opened with O_NONBLOCK and no reader is ENXIO; a reader opened with
 * O_NONBLOCK goes on at once and reads end of file while no writer exists; a
 * blocking reader waits for a writer and a blocking writer for a reader (in
 * another process); O_RDWR never waits; a FIFO has no position; its bytes
 * are gone once every end has closed. mknod makes regular files and FIFOs,
 * refuses a directory (EPERM) and an unknown type (EINVAL), and a device node
 * it makes opens with ENXIO when nothing backs it.
 */
#define T_NAME "fifo"
#include "check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char path[64];

/* A child that opens the FIFO to read (blocking), expects "hello" and then end of file: exit 0 if so. */
static int child_reader(void)
{
	char b[16] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, b, sizeof(b));
	ssize_t eof = read(fd, b + 8, 8);
	return n == 5 && memcmp(b, "hello", 5) == 0 && eof == 0 ? 0 : 1;
}

static void check_fifo(void)
{
	struct stat st;
	CHECK("mkfifo", mkfifo(path, 0600) == 0, "errno %d", errno);
	CHECK("stat-is-fifo", stat(path, &st) == 0 && S_ISFIFO(st.st_mode), "mode %o", st.st_mode);
	check_err("nonblock-writer-no-reader-enxio", open(path, O_WRONLY | O_NONBLOCK), ENXIO);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	char b[16];
	CHECK("nonblock-reader-opens", r >= 0, "errno %d", errno);
	CHECK("read-without-writer-eof", read(r, b, sizeof(b)) == 0, "errno %d", errno);
	int w = open(path, O_WRONLY | O_NONBLOCK);
	CHECK("nonblock-writer-with-reader", w >= 0 && write(w, "abc", 3) == 3, "errno %d", errno);
	CHECK("reader-gets-bytes", read(r, b, sizeof(b)) == 3 && memcmp(b, "abc", 3) == 0, "errno %d", errno);
	check_err("lseek-espipe", lseek(r, 0, SEEK_CUR), ESPIPE);
	CHECK("written-then-all-closed", write(w, "zz", 2) == 2, "errno %d", errno);
	close(w), close(r);
	r = open(path, O_RDONLY | O_NONBLOCK);
	CHECK("bytes-gone-after-last-close", read(r, b, sizeof(b)) == 0, "errno %d", errno);
	close(r);

	pid_t p = fork();
	if (p == 0)
		_exit(child_reader());
	w = open(path, O_WRONLY); /* waits for the child's reader */
	CHECK("blocking-writer-meets-reader", w >= 0 && write(w, "hello", 5) == 5, "errno %d", errno);
	close(w);
	int status = -1;
	waitpid(p, &status, 0);
	CHECK("blocking-reader-reads", WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);

	int rw = open(path, O_RDWR);
	CHECK("rdwr-never-waits", rw >= 0 && write(rw, "x", 1) == 1 && read(rw, b, 1) == 1 && b[0] == 'x', "errno %d",
	      errno);
	close(rw);
	CHECK("unlink-fifo", unlink(path) == 0, "errno %d", errno);
}

static void check_mknod(void)
{
	struct stat st;
	CHECK("mknod-regular", mknod(path, S_IFREG | 0600, 0) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode),
	      "errno %d", errno);
	check_err("mknod-exists-eexist", mknod(path, S_IFIFO | 0600, 0), EEXIST);
	unlink(path);
	CHECK("mknod-type-0-regular", mknod(path, 0600, 0) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode),
	      "errno %d", errno);
	unlink(path);
	CHECK("mknod-fifo", mknod(path, S_IFIFO | 0600, 0) == 0 && stat(path, &st) == 0 && S_ISFIFO(st.st_mode),
	      "errno %d", errno);
	unlink(path);
	check_err("mknod-dir-eperm", mknod(path, S_IFDIR | 0700, 0), EPERM);
	check_err("mknod-bad-type-einval", mknod(path, 0170000 | 0600, 0), EINVAL);
	/* a device no driver backs: a major number no Linux driver takes */
	int made = mknod(path, S_IFCHR | 0600, makedev(240, 7)) == 0;
	CHECK("mknod-char-device", made && stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 240 &&
					   minor(st.st_rdev) == 7,
	      "errno %d", errno);
	check_err("open-unbacked-device-enxio", open(path, O_RDONLY), ENXIO);
	unlink(path);
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/fifo-test-%d", (int)getpid());
	unlink(path);
	check_fifo();
	check_mknod();
	unlink(path);
	return t_done();
}
