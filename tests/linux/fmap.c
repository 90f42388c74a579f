/* mmap of files: private copy-on-write, shared writes seen by read and write, msync, fork, and SIGBUS past the end. */
#define T_NAME "fmap"
#include "check.h"

#include <fcntl.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096L

static char path[64];

/* A fresh file of n bytes: byte i is 'a' + i % 26. */
static int make_file(long n)
{
	strcpy(path, "/tmp/fmap-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	for (long i = 0; i < n; i++) {
		char c = (char)('a' + i % 26);
		if (write(fd, &c, 1) != 1)
			return -1;
	}
	return fd;
}

static void check_private(void)
{
	int fd = make_file(2 * PG);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK("private-map", p != MAP_FAILED, "mmap: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	CHECK("private-bytes", p[0] == 'a' && p[PG + 1] == 'a' + (PG + 1) % 26, "read %c %c", p[0], p[PG + 1]);
	p[0] = 'X';
	char c = 0;
	CHECK("private-not-written-back", pread(fd, &c, 1, 0) == 1 && c == 'a', "the file has %c", c);
	CHECK("private-own-copy", p[0] == 'X', "the mapping has %c", p[0]);
	munmap(p, 2 * PG);
	close(fd);
	unlink(path);
}

static void check_shared(void)
{
	int fd = make_file(PG + 100);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("shared-map", p != MAP_FAILED, "mmap: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	memcpy(p + 10, "HELLO", 5);
	char buf[8] = { 0 };
	CHECK("shared-write-seen-by-read", pread(fd, buf, 5, 10) == 5 && memcmp(buf, "HELLO", 5) == 0, "read '%s'", buf);
	CHECK("shared-write-past-page", (p[PG + 50] = 'Z', pread(fd, buf, 1, PG + 50) == 1 && buf[0] == 'Z'), "read %c", buf[0]);
	CHECK("write-seen-by-mapping", pwrite(fd, "world", 5, 200) == 5 && memcmp(p + 200, "world", 5) == 0,
	      "the mapping has '%.5s'", p + 200);
	CHECK("msync", msync(p, PG, MS_SYNC) == 0, "msync: %s", strerror(errno));
	CHECK("msync-both-flags", msync(p, PG, MS_SYNC | MS_ASYNC) < 0 && errno == EINVAL, "errno %d", errno);
	CHECK("msync-unaligned", msync(p + 1, PG, MS_SYNC) < 0 && errno == EINVAL, "errno %d", errno);
	/* the tail of the last page past the end reads as zeros, and is not the file's */
	CHECK("tail-zero", p[PG + 100] == 0 && p[2 * PG - 1] == 0, "read %d %d", p[PG + 100], p[2 * PG - 1]);

	/* a forked child's writes are the parent's too */
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(p + 20, "child", 5);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK("fork-child-write", memcmp(p + 20, "child", 5) == 0 && pread(fd, buf, 5, 20) == 5 && memcmp(buf, "child", 5) == 0,
	      "the mapping has '%.5s', the file '%.5s'", p + 20, buf);

	/* PROT_NONE and back keeps the contents; unmapping keeps the file's */
	CHECK("protnone-and-back", mprotect(p, PG, PROT_NONE) == 0 && mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 &&
	      memcmp(p + 10, "HELLO", 5) == 0, "lost '%.5s'", p + 10);
	munmap(p, 2 * PG);
	CHECK("unmapped-file-kept", pread(fd, buf, 5, 10) == 5 && memcmp(buf, "HELLO", 5) == 0, "read '%.5s'", buf);

	/* a second mapping at an offset sees the first page's neighbour */
	char *q = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, PG);
	CHECK("offset-map", q != MAP_FAILED && q[50] == 'Z', "read %c", q == MAP_FAILED ? '?' : q[50]);
	if (q != MAP_FAILED)
		munmap(q, PG);
	close(fd);
	unlink(path);
}

static sigjmp_buf jump;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_code = sig == SIGBUS ? si->si_code : -sig;
	siglongjmp(jump, 1);
}

static void check_past_end(void)
{
	int fd = make_file(100);
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK("past-end-map", p != MAP_FAILED, "mmap: %s", strerror(errno));
	if (p == MAP_FAILED)
		return;
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };
	sigaction(SIGBUS, &sa, NULL);
	volatile char c = 0;
	bus_code = 0;
	if (sigsetjmp(jump, 1) == 0)
		c = p[PG + 1];
	CHECK("past-end-sigbus", bus_code == BUS_ADRERR, "si_code %d", bus_code);
	int grown = ftruncate(fd, 2 * PG + 1) == 0;
	c = grown ? p[PG + 1] : -1;
	CHECK("grown-file-maps", c == 0, "ftruncate %d, read %d", grown, c);
	p[2 * PG] = 'q';
	char b = 0;
	CHECK("grown-write-seen", pread(fd, &b, 1, 2 * PG) == 1 && b == 'q', "read %c", b);
	munmap(p, 3 * PG);
	close(fd);
	unlink(path);
}

static void check_errors(void)
{
	int fd = make_file(PG);
	int ro = open(path, O_RDONLY);
	errno = 0;
	CHECK("shared-write-readonly-fd", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES,
	      "errno %d", errno);
	void *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	CHECK("shared-read-readonly-fd", p != MAP_FAILED, "mmap: %s", strerror(errno));
	errno = 0;
	CHECK("unaligned-offset", mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 1) == MAP_FAILED && errno == EINVAL, "errno %d", errno);
	int pfd[2];
	errno = 0;
	CHECK("shared-pipe", pipe(pfd) == 0 && mmap(NULL, PG, PROT_READ, MAP_SHARED, pfd[0], 0) == MAP_FAILED && errno == ENODEV,
	      "errno %d", errno);
	close(ro);
	close(fd);
	unlink(path);
}

/* POSIX shared memory and named semaphores: files in /dev/shm, mapped shared across fork. */
static void check_shm(void)
{
	shm_unlink("/fmap-test");
	int fd = shm_open("/fmap-test", O_CREAT | O_EXCL | O_RDWR, 0600);
	CHECK("shm-open", fd >= 0 && ftruncate(fd, PG) == 0, "errno %d", errno);
	if (fd < 0)
		return;
	volatile int *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	sem_unlink("/fmap-sem");
	sem_t *s = sem_open("/fmap-sem", O_CREAT | O_EXCL, 0600, 0);
	CHECK("sem-open", p != MAP_FAILED && s != SEM_FAILED, "errno %d", errno);
	if (p == MAP_FAILED || s == SEM_FAILED)
		return;
	pid_t c = fork();
	if (c == 0) {
		p[10] = 1234;
		sem_post(s);
		_exit(0);
	}
	int got = sem_wait(s);
	CHECK("sem-across-fork", got == 0 && p[10] == 1234, "sem_wait %d, the word %d", got, p[10]);
	waitpid(c, NULL, 0);
	sem_close(s);
	CHECK("sem-unlink", sem_unlink("/fmap-sem") == 0, "errno %d", errno);
	munmap((void *)p, PG);
	close(fd);
	CHECK("shm-unlink", shm_unlink("/fmap-test") == 0, "errno %d", errno);
}

int main(void)
{
	check_shm();
	check_private();
	check_shared();
	check_past_end();
	check_errors();
	return t_done();
}
