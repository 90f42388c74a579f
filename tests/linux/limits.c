/*
 * Limits as Linux enforces them: RLIMIT_NOFILE for every call that makes a
 * descriptor, RLIMIT_FSIZE for writes (SIGXFSZ, then EFBIG), RLIMIT_NPROC for
 * an unprivileged user's forks and threads (EAGAIN), RLIMIT_AS and RLIMIT_DATA for mmap and brk,
 * RLIMIT_STACK for the stack's growth and execve's arguments (100,000 of
 * them pass; past a quarter of the stack limit, E2BIG), and a hard limit that
 * only a privileged process raises.
 */
#define T_NAME "limits"
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOFILE 64

static void check_nofile(void)
{
	struct rlimit old, r = { NOFILE, NOFILE };
	getrlimit(RLIMIT_NOFILE, &old);
	if (!CHECK("nofile-set", setrlimit(RLIMIT_NOFILE, &r) == 0, "errno %d", errno))
		return;
	int last = -1, fd;
	while ((fd = dup(0)) >= 0)
		last = fd;
	int err = errno;
	CHECK("nofile-dup-stops", last == NOFILE - 1 && err == EMFILE, "last %d, errno %d; want %d, EMFILE", last,
	      err, NOFILE - 1);
	int sv[2] = { -1, -1 }, p[2] = { -1, -1 };
	check_err("nofile-open", open("/dev/null", O_RDONLY), EMFILE);
	check_err("nofile-pipe", pipe(p), EMFILE);
	check_err("nofile-socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), EMFILE);
	close(NOFILE - 1);
	check_err("nofile-dup2-past", dup2(0, NOFILE), EBADF);
	check_err("nofile-dup3-past", dup3(0, NOFILE + 5, 0), EBADF);
	check_err("nofile-fcntl-dupfd-past", fcntl(0, F_DUPFD, NOFILE), EINVAL);
	CHECK("nofile-dup2-below", dup2(0, NOFILE - 1) == NOFILE - 1, "errno %d", errno);
	for (fd = 3; fd < NOFILE; fd++)
		close(fd);
	setrlimit(RLIMIT_NOFILE, &old);
	CHECK("nofile-open-after", (fd = open("/dev/null", O_RDONLY)) >= 0, "errno %d", errno);
	close(fd);
}

static volatile int xfsz;
static void on_xfsz(int sig)
{
	(void)sig;
	xfsz++;
}

static void check_fsize(void)
{
	struct rlimit old, r = { 10000, RLIM_INFINITY };
	getrlimit(RLIMIT_FSIZE, &old);
	CHECK("fsize-default-unlimited", old.rlim_cur == RLIM_INFINITY, "soft limit %#lx", (unsigned long)old.rlim_cur);
	static char buf[20000];
	int fd = open("/tmp/limits-fsize", O_RDWR | O_CREAT | O_TRUNC, 0644);
	signal(SIGXFSZ, on_xfsz);
	if (!CHECK("fsize-set", fd >= 0 && setrlimit(RLIMIT_FSIZE, &r) == 0, "errno %d", errno))
		return;
	long n = write(fd, buf, sizeof(buf));
	CHECK("fsize-write-cut", n == 10000 && xfsz == 0, "wrote %ld, %d SIGXFSZ; want 10000, none", n, xfsz);
	check_err("fsize-write-past", write(fd, buf, 1), EFBIG);
	CHECK("fsize-sigxfsz", xfsz == 1, "%d SIGXFSZ; want 1", xfsz);
	signal(SIGXFSZ, SIG_IGN);
	check_err("fsize-pwrite-past-ignored", pwrite(fd, buf, 10, 20000), EFBIG);
	CHECK("fsize-pwrite-below", pwrite(fd, buf, 100, 9950) == 50, "errno %d", errno);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	close(fd);
	unlink("/tmp/limits-fsize");
}

/*
 * In a child that becomes an unprivileged user (one no other process has)
 * with RLIMIT_NPROC 2: one fork works; a second, while the first child is an
 * unreaped zombie, fails with EAGAIN; after the wait it works again. Its exit
 * status says which step went wrong (0: none).
 */
#define LONE_ID 54321
static int nproc_child(void)
{
	struct rlimit r = { 2, 2 };
	if (setrlimit(RLIMIT_NPROC, &r) != 0 || setresgid(LONE_ID, LONE_ID, LONE_ID) != 0 ||
	    setresuid(LONE_ID, LONE_ID, LONE_ID) != 0)
		return 10;
	pid_t a = fork();
	if (a == 0)
		_exit(0);
	if (a < 0)
		return 11;
	pid_t b = fork();
	int err = errno;
	if (b == 0)
		_exit(0);
	if (b > 0 || err != EAGAIN)
		return 12;
	waitpid(a, NULL, 0);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	return c > 0 && waitpid(c, NULL, 0) == c ? 0 : 13;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Wait for a byte on the pipe whose read end arg points at. */
static void *wait_byte(void *arg)
{
	char c;
	return read(*(int *)arg, &c, 1) == 1 ? NULL : arg;
}

/*
 * The same with threads, which RLIMIT_NPROC counts as Linux does: with 2, as
 * another lone user, one thread more works; a second, while the first lives,
 * fails with EAGAIN; after the join it works again.
 */
static int nproc_thread_child(void)
{
	struct rlimit r = { 2, 2 };
	pthread_t a, b;
	void *ret = (void *)1;
	int fds[2];
	if (pipe(fds) != 0 || setrlimit(RLIMIT_NPROC, &r) != 0 || setresgid(LONE_ID + 1, LONE_ID + 1, LONE_ID + 1) != 0 ||
	    setresuid(LONE_ID + 1, LONE_ID + 1, LONE_ID + 1) != 0)
		return 10;
	if (pthread_create(&a, NULL, wait_byte, &fds[0]) != 0)
		return 11;
	int err = pthread_create(&b, NULL, nothing, NULL);
	if (err == 0)
		pthread_join(b, NULL);
	if (write(fds[1], "x", 1) != 1 || pthread_join(a, &ret) != 0 || ret != NULL)
		return 11;
	if (err != EAGAIN)
		return 12;
	return pthread_create(&b, NULL, nothing, NULL) == 0 && pthread_join(b, &ret) == 0 && ret == NULL ? 0 : 13;
}

static void check_nproc(void)
{
	struct rlimit r = { 0, 0 };
	int got = getrlimit(RLIMIT_NPROC, &r);
	CHECK("nproc-default", got == 0 && r.rlim_cur >= 64, "soft limit %lu",
	      (unsigned long)r.rlim_cur);
	pid_t p = fork();
	if (p == 0)
		_exit(nproc_child());
	int st = 0;
	waitpid(p, &st, 0);
	CHECK("nproc-fork-eagain", WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x (10: setup, 11: first fork, 12: second fork not EAGAIN, 13: fork after the wait)", st);
	if ((p = fork()) == 0)
		_exit(nproc_thread_child());
	waitpid(p, &st, 0);
	CHECK("nproc-thread-eagain", WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x (10: setup, 11: first thread, 12: second thread not EAGAIN, 13: thread after the join)", st);
}

/* In a child: run f, and pass its exit status (0: every step as Linux does it; else the failing step's number). */
static int in_child(int (*f)(void))
{
	pid_t p = fork();
	if (p == 0)
		_exit(f());
	int st = 0;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define MIB (1UL << 20)

/* Can len bytes be mapped with prot and flags? They are unmapped again. */
static int maps(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	munmap(p, len);
	return 1;
}

static int as_child(void)
{
	struct rlimit r = { 256 * MIB, 256 * MIB };
	if (setrlimit(RLIMIT_AS, &r) != 0)
		return 1;
	if (!maps(16 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE))
		return 2;
	if (maps(512 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) || errno != ENOMEM)
		return 3;
	if (maps(512 * MIB, PROT_NONE, MAP_PRIVATE)) /* address space, used or not */
		return 4;
	if (sbrk(512 * MIB) != (void *)-1)
		return 5;
	if (malloc(300 * MIB) != NULL)
		return 6;
	return 0;
}

static int data_child(void)
{
	struct rlimit r = { 64 * MIB, 64 * MIB };
	if (setrlimit(RLIMIT_DATA, &r) != 0)
		return 1;
	if (maps(128 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE) || errno != ENOMEM)
		return 2;
	if (!maps(128 * MIB, PROT_READ, MAP_PRIVATE)) /* not writable: not data */
		return 3;
	if (!maps(128 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED)) /* shared: not data */
		return 4;
	if (sbrk(128 * MIB) != (void *)-1)
		return 5;
	if (!maps(8 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE))
		return 6;
	return 0;
}

/* Touch depth KiB of stack below here, a page at a time; returns a sum the compiler cannot drop. */
static __attribute__((noinline)) long dig(long depth)
{
	volatile char page[4096];
	page[0] = (char)depth;
	page[4095] = 1;
	return depth <= 4 ? page[0] : dig(depth - 4) + page[4095];
}

static int deep_stack_child(void)
{
	struct rlimit r = { 64 * MIB, RLIM_INFINITY };
	if (setrlimit(RLIMIT_STACK, &r) != 0)
		return 1;
	return dig(32 * 1024) > 0 ? 0 : 2; /* 32 MiB: past the first limit of 8 MiB */
}

static int small_stack_child(void)
{
	struct rlimit r = { 256 * 1024, RLIM_INFINITY };
	if (setrlimit(RLIMIT_STACK, &r) != 0)
		return 1;
	dig(1024); /* 1 MiB: SIGSEGV */
	return 2;
}

static int hard_limit_child(void)
{
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	if (setresuid(LONE_ID, LONE_ID, LONE_ID) != 0)
		return 1;
	struct rlimit up = { r.rlim_max, r.rlim_max + 1 };
	if (setrlimit(RLIMIT_NOFILE, &up) == 0 || errno != EPERM)
		return 2;
	struct rlimit down = { r.rlim_cur < r.rlim_max - 1 ? r.rlim_cur : r.rlim_max - 1, r.rlim_max - 1 };
	if (setrlimit(RLIMIT_NOFILE, &down) != 0)
		return 3;
	if (setrlimit(RLIMIT_NOFILE, &up) == 0 || errno != EPERM) /* lowered for good */
		return 4;
	return 0;
}

static void check_memory_limits(void)
{
	int st = in_child(as_child);
	CHECK("as-limits-mmap-brk", st == 0, "step %d went otherwise than on Linux", st);
	st = in_child(data_child);
	CHECK("data-limits-private-writable", st == 0, "step %d went otherwise than on Linux", st);
	st = in_child(deep_stack_child);
	CHECK("stack-grows-to-its-limit", st == 0, "status %d", st);
	st = in_child(small_stack_child);
	CHECK("stack-past-limit-sigsegv", st == 128 + SIGSEGV, "status %d; want %d (SIGSEGV)", st, 128 + SIGSEGV);
	st = in_child(hard_limit_child);
	CHECK("hard-limit-raise-eperm", st == 0, "step %d went otherwise than on Linux", st);
}

/* Run this program with n more arguments of len bytes each ("x..."): the child's exit status, or -errno of execve. */
static int exec_with(const char *self, long n, size_t len)
{
	char **argv = calloc((size_t)n + 3, sizeof(char *)), *arg = malloc(len + 1);
	int fds[2], err = 0;
	if (!argv || !arg || pipe(fds) < 0)
		return -ENOMEM;
	memset(arg, 'x', len);
	arg[len] = 0;
	argv[0] = (char *)self;
	argv[1] = "count";
	for (long i = 0; i < n; i++)
		argv[2 + i] = arg;
	pid_t p = fork();
	if (p == 0) {
		close(fds[0]);
		fcntl(fds[1], F_SETFD, FD_CLOEXEC);
		execv(self, argv);
		err = errno;
		write(fds[1], &err, sizeof(err));
		_exit(127);
	}
	close(fds[1]);
	if (read(fds[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(fds[0]);
	int st = 0;
	waitpid(p, &st, 0);
	free(argv), free(arg);
	return err ? -err : WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* "count N...": exit 0 if argc is what the last argument's position says (every argument arrived). */
static int count_args(int argc, char **argv)
{
	printf("# count: %d arguments, the last %zu bytes\n", argc, strlen(argv[argc - 1]));
	return argc;
}

/* "environ": print how many environment entries arrived and whether the usual three are among them. */
static int count_environ(char **envp)
{
	int n = 0;
	while (envp[n])
		n++;
	printf("# environ: %d entries,%s%s%s\n", n, getenv("PATH") ? " PATH" : "", getenv("HOME") ? " HOME" : "",
	       getenv("TERM") ? " TERM" : "");
	return 0;
}

static void check_args(const char *self)
{
	int r = exec_with(self, 100000 - 2, 1);
	CHECK("execve-100000-args", r == 100000 % 256, "status or -errno %d; want %d (argc 100000 mod 256)", r,
	      100000 % 256);
	r = exec_with(self, 300 - 2, 1);
	CHECK("execve-300-args", r == 300 % 256, "status or -errno %d; want %d", r, 300 % 256);
	r = exec_with(self, 16, 100000); /* 1.6 MB: more than 128 KiB, less than 2 MiB */
	CHECK("execve-1.6mb-of-args", r == 18, "status or -errno %d; want 18", r);
	r = exec_with(self, 1, 200000); /* one argument longer than MAX_ARG_STRLEN */
	CHECK("execve-arg-too-long", r == -E2BIG, "status or -errno %d; want -E2BIG", r);
	r = exec_with(self, 1000000, 7); /* 8 MB of strings and 8 MB of pointers */
	CHECK("execve-too-many-args", r == -E2BIG, "status or -errno %d; want -E2BIG", r);
}

static const char *self_path;

/* With RLIMIT_STACK at 1 MiB, execve takes 200 KiB of arguments but not 512 KiB (a quarter: 256 KiB). */
static int stack_args_child(void)
{
	struct rlimit r = { 1 * MIB, RLIM_INFINITY };
	if (setrlimit(RLIMIT_STACK, &r) != 0)
		return 1;
	if (exec_with(self_path, 2, 100000) != 4)
		return 2;
	if (exec_with(self_path, 4, 128000) != -E2BIG)
		return 3;
	return 0;
}

static void check_stack_args(const char *self)
{
	self_path = self;
	int st = in_child(stack_args_child);
	CHECK("execve-args-quarter-of-stack-limit", st == 0, "step %d went otherwise than on Linux", st);
}

int main(int argc, char **argv, char **envp)
{
	if (argc >= 2 && strcmp(argv[1], "count") == 0)
		return count_args(argc, argv);
	if (argc == 2 && strcmp(argv[1], "environ") == 0)
		return count_environ(envp);
	check_nofile();
	check_fsize();
	check_nproc();
	check_args(argv[0]);
	check_memory_limits();
	check_stack_args(argv[0]);
	return t_done();
}
