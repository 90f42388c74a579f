/*
 * Processes: fork and wait statuses, a fork in a child of a child, zombies
 * reaped later, WNOHANG, exec of a missing file, close-on-exec across exec,
 * shared file offsets after fork, pipes between processes (a full pipe with
 * O_NONBLOCK, EOF when the writers go, EPIPE and SIGPIPE), getppid, kill of
 * a child, and process groups; /proc/self/exe per process and across
 * re-execs of itself.
 */
#define T_NAME "procs"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <pthread.h>
#include <spawn.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_status(pid_t p)
{
	int st = -1;
	return waitpid(p, &st, 0) == p ? st : -1;
}

static void check_fork_wait(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(42);
	int st = wait_status(p);
	CHECK("fork-exit-status", p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x", st);
	p = fork();
	if (p == 0)
		_exit(syscall(SYS_gettid) == getpid() ? 0 : 1);
	st = wait_status(p);
	CHECK("child-tid-is-pid", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	p = fork();
	if (p == 0) {
		pid_t q = fork(); /* a grandchild */
		if (q == 0)
			_exit(getppid() > 1 ? 5 : 6);
		int s = wait_status(q);
		_exit(WIFEXITED(s) ? WEXITSTATUS(s) + 10 : 99);
	}
	st = wait_status(p);
	CHECK("fork-in-child-of-child", WEXITSTATUS(st) == 15, "status %#x", st);
	int gate[2];
	if (pipe(gate) < 0)
		return;
	p = fork();
	if (p == 0) { /* runs until the parent closes the gate */
		char c;
		close(gate[1]);
		_exit(read(gate[0], &c, 1) == 0 ? 0 : 1);
	}
	close(gate[0]);
	errno = 0;
	int nohang = waitpid(-1, NULL, WNOHANG); /* still running: nothing to reap */
	close(gate[1]);
	usleep(20000);
	st = wait_status(p); /* a zombie by now, reaped here */
	CHECK("zombie-reaped-later", nohang == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "nohang %d status %#x", nohang, st);
	errno = 0;
	CHECK("no-children", waitpid(-1, NULL, 0) == -1 && errno == ECHILD, "errno %d", errno);
	p = fork();
	if (p == 0) {
		pause();
		_exit(0);
	}
	kill(p, SIGTERM);
	st = wait_status(p);
	CHECK("killed-child", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "status %#x", st);
}

static void check_exec(const char *self)
{
	pid_t p = fork();
	if (p == 0) {
		execl("/no/such/program", "x", (char *)0);
		_exit(errno == ENOENT ? 3 : 4);
	}
	CHECK("exec-missing", WEXITSTATUS(wait_status(p)) == 3, "exec of a missing file did not fail with ENOENT");
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), keep = open("/dev/null", O_RDONLY);
	char arg[16], arg2[16];
	snprintf(arg, sizeof(arg), "%d", fd);
	snprintf(arg2, sizeof(arg2), "%d", keep);
	p = fork();
	if (p == 0) {
		execl(self, self, "fdcheck", arg, arg2, (char *)0);
		_exit(9);
	}
	CHECK("close-on-exec", WEXITSTATUS(wait_status(p)) == 0, "a close-on-exec fd survived exec, or another did not");
	close(fd);
	close(keep);

	/* a "#!" script runs its interpreter (this program) with the optional argument, the script, then its arguments */
	char script[] = "/tmp/script-XXXXXX", line[256];
	int sfd = mkstemp(script);
	snprintf(line, sizeof(line), "#! %s  shebang-arg \necho this is not run\n", self);
	int wrote = sfd >= 0 && write(sfd, line, strlen(line)) == (ssize_t)strlen(line) && fchmod(sfd, 0755) == 0;
	close(sfd);
	p = fork();
	if (p == 0) {
		execl(script, "ignored", "one", (char *)0);
		_exit(8);
	}
	int st = wait_status(p);
	CHECK("exec-script", wrote && WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	snprintf(line, sizeof(line), "#!\n");
	sfd = open(script, O_WRONLY | O_TRUNC);
	wrote = write(sfd, line, strlen(line)) == (ssize_t)strlen(line);
	close(sfd);
	p = fork();
	if (p == 0) {
		execl(script, "x", (char *)0);
		_exit(errno == ENOEXEC ? 3 : 4);
	}
	CHECK("exec-script-no-interpreter", wrote && WEXITSTATUS(wait_status(p)) == 3, "did not fail with ENOEXEC");
	unlink(script);
}

static void check_shared_offset(void)
{
	char path[] = "/tmp/procs-offset-XXXXXX";
	int fd = mkstemp(path);
	pid_t p = fork();
	if (p == 0) {
		write(fd, "child", 5);
		_exit(0);
	}
	wait_status(p);
	write(fd, "parent", 6);
	char buf[16] = { 0 };
	pread(fd, buf, 11, 0);
	CHECK("shared-offset", strcmp(buf, "childparent") == 0, "file holds '%s'", buf);
	close(fd);
	unlink(path);
}

static void check_pipes(void)
{
	int fds[2];
	pipe(fds);
	pid_t p = fork();
	if (p == 0) {
		close(fds[0]);
		for (int i = 0; i < 1000; i++)
			write(fds[1], "0123456789", 10);
		_exit(0);
	}
	close(fds[1]);
	long total = 0, n;
	char buf[4096];
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		total += n;
	wait_status(p);
	CHECK("pipe-between-processes", total == 10000 && n == 0, "read %ld bytes, last %ld", total, n);
	close(fds[0]);
	pipe(fds);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	long written = 0;
	while ((n = write(fds[1], buf, sizeof(buf))) > 0)
		written += n;
	CHECK("pipe-full-nonblock", n == -1 && errno == EAGAIN && written >= 4096, "wrote %ld, then %ld errno %d",
	      written, n, errno);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	n = write(fds[1], "x", 1);
	CHECK("epipe", n == -1 && errno == EPIPE, "write to a pipe without readers: %ld errno %d", n, errno);
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);
	pipe(fds);
	p = fork();
	if (p == 0) {
		close(fds[0]);
		write(fds[1], "x", 1); /* no reader: SIGPIPE ends it */
		_exit(0);
	}
	close(fds[0]);
	close(fds[1]);
	int st = wait_status(p);
	CHECK("sigpipe-kills", (WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE) || WIFEXITED(st), "status %#x", st);
}

static void check_waitid_setsid(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(9);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PID, p, &si, WEXITED | WNOWAIT);
	CHECK("waitid-exited", r == 0 && si.si_pid == p && si.si_code == CLD_EXITED && si.si_status == 9,
	      "r %d pid %d code %d status %d", r, si.si_pid, si.si_code, si.si_status);
	CHECK("waitid-nowait-keeps-zombie", WEXITSTATUS(wait_status(p)) == 9, "the zombie was gone after WNOWAIT");
	p = fork();
	if (p == 0) {
		pause();
		_exit(0);
	}
	kill(p, SIGKILL);
	memset(&si, 0, sizeof(si));
	r = waitid(P_ALL, 0, &si, WEXITED);
	CHECK("waitid-killed", r == 0 && si.si_code == CLD_KILLED && si.si_status == SIGKILL, "code %d status %d",
	      si.si_code, si.si_status);
	errno = 0;
	CHECK("waitid-needs-wexited", waitid(P_ALL, 0, &si, 0) == -1 && errno == EINVAL, "errno %d", errno);
	p = fork();
	if (p == 0) {
		pid_t s = setsid();
		_exit(s == getpid() && getsid(0) == getpid() && getpgid(0) == getpid() ? 0 : 1);
	}
	CHECK("setsid", WEXITSTATUS(wait_status(p)) == 0, "setsid in a child did not make a new session");
	p = fork();
	if (p == 0) {
		setpgid(0, 0);
		_exit(setsid() == -1 && errno == EPERM ? 0 : 1);
	}
	CHECK("setsid-group-leader", WEXITSTATUS(wait_status(p)) == 0, "a group leader could setsid");
}

/* Job control: SIGSTOP stops a child (WUNTRACED sees it), SIGCONT lets it go on (WCONTINUED). */
static void check_stop_continue(void)
{
	int p2c[2];
	pipe(p2c);
	pid_t p = fork();
	if (p == 0) {
		char c;
		/* blocks until the parent writes, after the stop and the continue, which do not interrupt it */
		_exit(read(p2c[0], &c, 1) == 1 && c == 'g' ? 0 : 1);
	}
	usleep(100000); /* the child waits in read by now */
	kill(p, SIGSTOP);
	int st = 0;
	pid_t w = waitpid(p, &st, WUNTRACED);
	CHECK("stopped", w == p && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status %#x", st);
	kill(p, SIGCONT);
	w = waitpid(p, &st, WCONTINUED);
	CHECK("continued", w == p && WIFCONTINUED(st), "status %#x", st);
	write(p2c[1], "g", 1);
	st = wait_status(p);
	CHECK("runs-after-continue", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	close(p2c[0]);
	close(p2c[1]);
}

/*
 * A forked child whose thread waits to read the terminal costs no CPU while
 * it waits (the wait is a sleep, not a poll). On the host the read may end
 * at once (standard input at its end); on Mica the console has no input.
 */
static void *read_stdin(void *arg)
{
	char c;
	(void)arg;
	while (read(0, &c, 1) > 0)
		;
	return NULL;
}

static void check_console_wait_is_idle(void)
{
	pid_t p = fork();
	if (p == 0) {
		pthread_t t;
		struct timespec a, b;
		pthread_create(&t, NULL, read_stdin, NULL);
		usleep(50000); /* the reader is waiting by now */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		usleep(500000);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		long used = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
		_exit(used < 1500000L ? 0 : 1); /* under 1.5 ms of CPU in half a second (a 1 ms poll costs 4) */
	}
	int st = wait_status(p);
	CHECK("console-wait-is-idle", WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a child waiting for the terminal used 1.5 ms or more of CPU in 0.5 s (status %#x)", st);
}

/* A reaped child's CPU time reaches wait4's rusage, getrusage(RUSAGE_CHILDREN) and times. */
static long tv_ms(struct timeval tv)
{
	return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void check_child_cpu_time(void)
{
	pid_t p = fork();
	if (p == 0) { /* use 60 ms of CPU */
		struct timespec t;
		do
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
		while (t.tv_sec == 0 && t.tv_nsec < 60000000L);
		_exit(0);
	}
	struct rusage ru, all;
	int st = 0;
	pid_t w = wait4(p, &st, 0, &ru);
	long ms = tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime);
	CHECK("wait4-rusage", w == p && ms >= 50 && ms < 5000, "the child used %ld ms", ms);
	getrusage(RUSAGE_CHILDREN, &all);
	long all_ms = tv_ms(all.ru_utime) + tv_ms(all.ru_stime);
	CHECK("rusage-children", all_ms >= ms, "children %ld ms, the last child %ld ms", all_ms, ms);
	struct tms tm;
	times(&tm);
	CHECK("times-children", tm.tms_cutime + tm.tms_cstime >= 5, "children's ticks %ld",
	      (long)(tm.tms_cutime + tm.tms_cstime));
}

/*
 * The parent changes its memory map right after fork, before the child has
 * run: the child's memory is still what it was at the fork. And posix_spawn
 * (clone with CLONE_VM|CLONE_VFORK and a stack of its own) runs a program.
 */
static void check_map_after_fork(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 'a';
	p[8192] = 'c'; /* the middle page untouched */
	pid_t c = fork();
	if (c == 0)
		_exit(p[0] == 'a' && p[4096] == 0 && p[8192] == 'c' ? 0 : 1);
	munmap(p, 3 * 4096);
	int st = wait_status(c);
	CHECK("map-change-after-fork", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* A PROT_NONE area's contents survive a fork on both sides, each side's its own. */
static void check_protnone_fork(void)
{
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(p, "kept");
	strcpy(p + 4096, "also");
	mprotect(p, 2 * 4096, PROT_NONE);
	pid_t c = fork();
	if (c == 0) {
		mprotect(p, 2 * 4096, PROT_READ | PROT_WRITE);
		int ok = strcmp(p, "kept") == 0 && strcmp(p + 4096, "also") == 0;
		strcpy(p, "child");
		_exit(ok ? 0 : 1);
	}
	int st = wait_status(c);
	mprotect(p, 2 * 4096, PROT_READ | PROT_WRITE);
	CHECK("protnone-across-fork", WIFEXITED(st) && WEXITSTATUS(st) == 0 && strcmp(p, "kept") == 0 &&
	      strcmp(p + 4096, "also") == 0, "status %#x, the parent has '%s' '%s'", st, p, p + 4096);
	munmap(p, 2 * 4096);
}

static void check_posix_spawn(const char *self)
{
	pid_t c;
	char *argv[] = { (char *)self, "spawned", NULL }, *envp[] = { NULL };
	int r = posix_spawn(&c, self, NULL, NULL, argv, envp);
	int st = r == 0 ? wait_status(c) : -1;
	CHECK("posix-spawn", r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 42, "returned %d, status %#x", r, st);
	r = posix_spawn(&c, "/no/such/program", NULL, NULL, argv, envp);
	st = r == 0 ? wait_status(c) : 0;
	CHECK("posix-spawn-missing", r == ENOENT || (r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 127),
	      "returned %d, status %#x", r, st);
}

/* MAP_SHARED | MAP_ANONYMOUS memory stays shared between parent and child after fork. */
static void check_shared_anonymous(void)
{
	volatile int *shared = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared[0] = 1; /* one page touched before the fork, two not */
	pid_t p = fork();
	if (p == 0) {
		shared[0] = 10;
		shared[1024] = 20;
		shared[2048] = 30;
		_exit(0);
	}
	wait_status(p);
	CHECK("shared-anonymous-after-fork", shared[0] == 10 && shared[1024] == 20 && shared[2048] == 30,
	      "parent sees %d %d %d", shared[0], shared[1024], shared[2048]);
	munmap((void *)shared, 3 * 4096);

	/* a futex in shared memory: the child waits, the parent wakes it */
	volatile uint32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*word = 0;
	p = fork();
	if (p == 0) {
		while (*word == 0)
			syscall(SYS_futex, word, 0 /* FUTEX_WAIT, not private */, 0, NULL, NULL, 0);
		_exit(*word == 7 ? 0 : 1);
	}
	usleep(30000); /* let it fall asleep */
	*word = 7;
	syscall(SYS_futex, word, 1 /* FUTEX_WAKE */, 1, NULL, NULL, 0);
	int st = wait_status(p);
	CHECK("shared-futex-across-processes", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	munmap((void *)word, 4096);
}

static void check_groups(void)
{
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, 0);
		_exit(getpgid(0) == getpid() ? 0 : 1);
	}
	CHECK("setpgid", WEXITSTATUS(wait_status(p)) == 0, "the child did not lead its own group");
}

/* MemFree of /proc/meminfo, in kB. */
static long mem_free(void)
{
	char buf[4096] = { 0 };
	int fd = open("/proc/meminfo", O_RDONLY);
	read(fd, buf, sizeof(buf) - 1);
	close(fd);
	char *p = strstr(buf, "MemFree:");
	return p ? atol(p + 8) : -1;
}

/* "leak N": N fork/exit/wait cycles after a warm-up; prints the free memory before and after. */
static int leak(int n)
{
	for (int i = 0; i < n + 50; i++) {
		if (i == 49) /* once before measuring, so that the pages of this path are in (programs are mapped lazily) */
			printf("memfree-warmup %ld\n", mem_free());
		if (i == 50)
			printf("memfree-before %ld\n", mem_free());
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0 || wait_status(p) != 0)
			return 1;
	}
	printf("memfree-after %ld\n", mem_free());
	return 0;
}

/*
 * "gone": Mica only. A child ends its environment with a raw kernel call
 * (env_exit, status 139) made from a `syscall` instruction inside lx's code,
 * so that lx never learns of it, as when the kernel ends a process whose
 * fault it cannot deliver. Its parent's wait must still end: with SIGSEGV.
 */
static int gone(void)
{
	pid_t p = fork();
	if (p == 0) {
		const unsigned char *lx = (const unsigned char *)0x7D0000000000UL, *at = NULL;
		for (long i = 0; i < (1L << 20) && !at; i++)
			if (lx[i] == 0x0F && lx[i + 1] == 0x05)
				at = lx + i;
		if (!at)
			_exit(2);
		__asm__ volatile("mov $3, %%eax\n\tmov $139, %%edi\n\tjmp *%0" : : "r"(at) : "rax", "rdi", "memory");
		_exit(3);
	}
	int st = 0;
	pid_t w = waitpid(p, &st, 0);
	printf("gone: waitpid %d, %s %d\n", w == p ? 0 : -1, WIFSIGNALED(st) ? "signal" : "exit",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}

/* "reexec N": exec /proc/self/exe N more times; 0 once the last one runs as this program, 2 if an exec failed. */
static int reexec(int n)
{
	char left[16];
	if (n == 0)
		return 0;
	snprintf(left, sizeof(left), "%d", n - 1);
	execl("/proc/self/exe", "reexec", "reexec", left, (char *)0);
	return 2;
}

/* "exe-report FD": the copy exec'd by check_exe writes its /proc/self/exe to FD. */
static int exe_report(int fd)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf));
	return n > 0 && write(fd, buf, (size_t)n) == n ? 0 : 1;
}

/* A copy of this program at path, executable; 0 on success. */
static int copy_self(const char *path)
{
	static char buf[1 << 16];
	int in = open("/proc/self/exe", O_RDONLY), out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return in >= 0 && out >= 0 && n == 0 ? 0 : -1;
}

/*
 * /proc/self/exe belongs to each process: a child that execs a copy of this
 * program sees the copy, its parent still sees itself; and exec of
 * /proc/self/exe runs this program again, however many times in a row.
 */
static void check_exe(void)
{
	char mine[4096], copy[64], theirs[4096], fdarg[16];
	ssize_t n = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	CHECK("exe-link", n > 0, "readlink: %s", strerror(errno));
	mine[n > 0 ? n : 0] = 0;
	snprintf(copy, sizeof(copy), "/tmp/procs-exe-%d", (int)getpid());
	int fds[2];
	if (!CHECK("exe-copy", copy_self(copy) == 0 && pipe(fds) == 0, "%s", strerror(errno)))
		return;
	snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
	pid_t p = fork();
	if (p == 0) {
		execl(copy, copy, "exe-report", fdarg, (char *)0);
		_exit(3);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], theirs, sizeof(theirs) - 1);
	theirs[got > 0 ? got : 0] = 0;
	close(fds[0]);
	char now[4096];
	ssize_t m = readlink("/proc/self/exe", now, sizeof(now) - 1);
	now[m > 0 ? m : 0] = 0;
	int st = wait_status(p);
	CHECK("exe-child-sees-its-program", got > 0 && strcmp(theirs, copy) == 0, "child's link %s, want %s", theirs, copy);
	CHECK("exe-parent-keeps-its-own", strcmp(now, mine) == 0, "after the child's exec: %s, want %s", now, mine);
	CHECK("exe-child-status", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	unlink(copy);
	p = fork();
	if (p == 0) {
		execl("/proc/self/exe", "reexec", "reexec", "3", (char *)0);
		_exit(3);
	}
	st = wait_status(p);
	CHECK("exe-reexec-thrice", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x (2: a re-exec failed)", st);
}

/* "bomb N": fork up to N children that wait; fork must fail cleanly before the system does. Mica only. */
static int bomb(int n)
{
	pid_t kids[1024];
	int made = 0, err = 0;
	for (; made < n && made < 1024; made++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[made] = p;
	}
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	pid_t again = fork();
	if (again == 0)
		_exit(0);
	int st = again > 0 ? wait_status(again) : -1;
	printf("bomb made %d, then errno %d (%s), fork afterwards %s\n", made, err,
	       err == EAGAIN ? "EAGAIN" : err == ENOMEM ? "ENOMEM" : "-", st == 0 ? "works" : "fails");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "leak") == 0)
		return leak(atoi(argv[2]));
	if (argc == 2 && strcmp(argv[1], "spawned") == 0)
		return 42;
	if (argc == 2 && strcmp(argv[1], "gone") == 0)
		return gone();
	if (argc == 3 && strcmp(argv[1], "bomb") == 0)
		return bomb(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "reexec") == 0)
		return reexec(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "exe-report") == 0)
		return exe_report(atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "shebang-arg") == 0) /* run as a script's interpreter */
		return strncmp(argv[2], "/tmp/script-", 12) == 0 && strcmp(argv[3], "one") == 0 ? 0 : 1;
	if (argc == 4 && strcmp(argv[1], "fdcheck") == 0) {
		int gone = fcntl(atoi(argv[2]), F_GETFD) == -1, kept = fcntl(atoi(argv[3]), F_GETFD) >= 0;
		return gone && kept ? 0 : 1;
	}
	check_fork_wait();
	check_exec(argv[0]);
	check_shared_offset();
	check_pipes();
	check_groups();
	check_waitid_setsid();
	check_stop_continue();
	check_shared_anonymous();
	check_console_wait_is_idle();
	check_child_cpu_time();
	check_map_after_fork();
	check_protnone_fork();
	check_posix_spawn(argv[0]);
	check_exe();
	return t_done();
}
