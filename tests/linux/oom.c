/*
 * Running out of memory ends only the process that ran out: a child touches
 * page after page until it can get no more (on Linux, an address-space limit
 * stops it; on Mica, the VM's memory), and ends by exit or SIGKILL, while a
 * bystander's file data and memory stay intact and the parent goes on (fork,
 * pipes, files). A huge mapping that is never touched succeeds lazily.
 * "oom give-back" (Mica alone) checks that memory held as clean file pages
 * by one process is given back when another runs out.
 */
#define _GNU_SOURCE
#define T_NAME "oom"
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILE_BYTES (1 << 20)
#define CHUNK (4 << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 12));
}

/* Write FILE_BYTES of a known pattern to path; 0 on success. */
static int write_file(const char *path)
{
	static unsigned char buf[FILE_BYTES];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	int ok = fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Whether path still holds the pattern. */
static int file_intact(const char *path)
{
	static unsigned char buf[FILE_BYTES];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(buf))
		return 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != pattern(i))
			return 0;
	return 1;
}

/* The hog: map and touch CHUNK after CHUNK until a mapping fails (exit 0) or the system ends it. */
static void hog(void)
{
	struct rlimit rl = { 1UL << 30, 1UL << 30 }; /* on a host with far more memory, stop at 1 GiB */
	setrlimit(RLIMIT_AS, &rl);
	for (;;) {
		unsigned char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(0);
		for (size_t i = 0; i < CHUNK; i += 4096)
			p[i] = 1;
	}
}

/* The bystander: holds file data it wrote and 4 MiB of its own memory; when told (a byte on go), checks both. */
static void keeper(const char *path, int ready, int go)
{
	static unsigned char mine[4 << 20];
	for (size_t i = 0; i < sizeof(mine); i++)
		mine[i] = pattern(i + 7);
	char b;
	if (write_file(path) != 0 || write(ready, "r", 1) != 1 || read(go, &b, 1) != 1)
		_exit(3);
	int same = 1;
	for (size_t i = 0; i < sizeof(mine); i++)
		same &= mine[i] == pattern(i + 7);
	_exit(!same ? 1 : !file_intact(path) ? 2 : 0);
}

/*
 * "oom fill-tmp" (run on Mica alone, by tests/linux.sh: a host's /tmp may be a
 * large disk): write to /tmp until it is full. The in-memory file system
 * must say ENOSPC while this process still has memory to go on: it prints
 * the outcome and writes a file again once it removed the big one.
 */
static int fill_tmp(void)
{
	static char buf[1 << 20];
	memset(buf, 7, sizeof(buf));
	int fd = open("/tmp/fill", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	long total = 0;
	ssize_t n;
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += n;
	int e = errno;
	close(fd);
	unlink("/tmp/fill");
	fd = open("/tmp/again", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ssize_t again = write(fd, buf, sizeof(buf));
	printf("wrote %ld MiB, then %s; a write after removing it: %zd\n", total >> 20, e == ENOSPC ? "ENOSPC" : strerror(e),
	       again);
	return n == -1 && e == ENOSPC && again == (ssize_t)sizeof(buf) ? 0 : 1;
}

#define GIVE_FILE (12 << 20)
#define GIVE_MORE (6 << 20) /* what the parent takes beyond the free memory: less than the holder's clean pages */

/* The holder: maps the file read-only, reads all of it, says so, and stays runnable until told; then reads it again. */
static void holder(const char *path, int ready, volatile int *done)
{
	int fd = open(path, O_RDONLY);
	const unsigned char *p = fd >= 0 ? mmap(NULL, GIVE_FILE, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	if (p == MAP_FAILED)
		_exit(3);
	unsigned long sum = 0, again = 0;
	for (size_t i = 0; i < GIVE_FILE; i += 4096)
		sum += p[i] + p[i + 4095];
	if (write(ready, "r", 1) != 1)
		_exit(3);
	while (!*done)
		; /* runnable, so that a revocation request reaches it */
	for (size_t i = 0; i < GIVE_FILE; i += 4096)
		again += p[i] + p[i + 4095];
	_exit(again == sum ? 0 : 1);
}

/*
 * "oom give-back" (Mica alone, with little memory): a holder keeps 12 MiB of
 * a file as clean pages of a private mapping; then this process takes all
 * the free memory and 6 MiB more. It must get it, from the pages the holder
 * gives back when asked, and the holder must still read its file whole.
 */
static int give_back(void)
{
	static unsigned char buf[1 << 20];
	int fd = open("/tmp/give", O_CREAT | O_TRUNC | O_WRONLY, 0600), ready[2];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	for (int i = 0; i < GIVE_FILE / (int)sizeof(buf); i++)
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return 10;
	close(fd);
	volatile int *done = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (done == MAP_FAILED || pipe(ready) != 0)
		return 11;
	pid_t h = fork();
	if (h == 0)
		holder("/tmp/give", ready[1], done);
	char b;
	if (read(ready[0], &b, 1) != 1)
		return 12;
	struct sysinfo si;
	sysinfo(&si);
	size_t want = si.freeram * si.mem_unit + GIVE_MORE;
	unsigned char *p = mmap(NULL, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 13;
	for (size_t i = 0; i < want; i += 4096)
		p[i] = 1; /* past the free memory: only what the holder gives back lets this go on */
	printf("took %zu MiB, %zu MiB more than was free\n", want >> 20, (size_t)GIVE_MORE >> 20);
	munmap(p, want);
	*done = 1;
	int st = -1;
	waitpid(h, &st, 0);
	printf("the holder: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "its file read whole again" : "failed");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 14;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "give-back") == 0)
		return give_back();
	if (argc == 2 && strcmp(argv[1], "fill-tmp") == 0)
		return fill_tmp();
	char dir[] = "/tmp/oomXXXXXX", path[64], b = 0;
	int ready[2], go[2];
	CHECK("mkdtemp", mkdtemp(dir) != NULL, "errno %d", errno);
	snprintf(path, sizeof(path), "%s/data", dir);
	CHECK("pipes", pipe(ready) == 0 && pipe(go) == 0, "errno %d", errno);
	pid_t kp = fork();
	if (kp == 0)
		keeper(path, ready[1], go[0]);
	CHECK("keeper-ready", read(ready[0], &b, 1) == 1 && b == 'r', "the keeper did not start");

	pid_t c = fork();
	if (c == 0)
		hog();
	int st = -1;
	waitpid(c, &st, 0);
	CHECK("hog-ended", (WIFEXITED(st) && WEXITSTATUS(st) == 0) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL),
	      "status %#x (want exit 0 or SIGKILL)", st);
	int kst = -1;
	if (write(go[1], "g", 1) == 1)
		waitpid(kp, &kst, 0);
	CHECK("bystander-intact", WIFEXITED(kst) && WEXITSTATUS(kst) == 0,
	      "keeper status %#x (1: its memory changed, 2: its file changed, 3: it failed)", kst);
	CHECK("file-intact", file_intact(path), "the file's data changed");

	int fds[2];
	pid_t k = pipe(fds) == 0 ? fork() : -1;
	if (k == 0)
		_exit(write(fds[1], "k", 1) == 1 ? 0 : 1);
	if (k > 0)
		waitpid(k, &kst, 0);
	CHECK("fork-and-pipe-after", k > 0 && read(fds[0], &b, 1) == 1 && b == 'k' && kst == 0, "k %d st %#x", k, kst);

	void *huge = mmap(NULL, 1UL << 46, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK("huge-lazy-mapping", huge != MAP_FAILED, "errno %d", errno);
	if (huge != MAP_FAILED) {
		((char *)huge)[12345] = 1;
		munmap(huge, 1UL << 46);
	}
	unlink(path);
	rmdir(dir);
	return t_done();
}
