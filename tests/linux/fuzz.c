/*
 * Random syscalls with random arguments, in forked children, from fixed seeds.
 *
 * Each child makes up to BATCH calls with a random number and six arguments
 * drawn from NULL, small numbers, unmapped and kernel-half addresses, a byte
 * before an unmapped page, valid buffers, names in a scratch directory and
 * huge lengths. It drops its privileges first and gives every pid argument its
 * own pid, so nothing outside it can be harmed; the calls that would end it or
 * block it by design, and those that act on the machine (reboot, mount, clocks,
 * modules...) are never made. A child may end any way it likes, by exit or by a
 * signal (an alarm ends a stuck one); the parent kills the ones that outlive
 * their time. Then the parent's fork, pipes, files and threads must still work.
 * The second half runs with a 1 ms timer sending SIGUSR1 to a handler.
 *
 * "fuzz seed S plain|sig [N]" runs the children of a half up to seed S and
 * prints each call of the last (which makes at most N) before making it: the
 * way to find which call went wrong.
 */
#define T_NAME "fuzz"
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#define SEED 0x6d696361UL /* the first child's; child i has SEED + i, signal children SIGNAL_SEED + i */
#define SIGNAL_SEED 0x10000000UL
#define WANT_CALLS 60000 /* calls made, at least, by each half's children */
#define BATCH 2000 /* calls a child tries */
#define MAX_CHILDREN 400 /* per half: if children die young, no more than these are tried */
#define MAX_FORK_FAILURES 3 /* and the half stops when fork fails this often */
#define CHILD_MS 300 /* the alarm that ends a stuck child */
#define PARENT_SECONDS 1 /* a child still there after this is killed */
#define KILL_SECONDS 5 /* and one still there after this hung */
#define NR_LIMIT 470 /* numbers tried: 0 to NR_LIMIT - 1, past the last x86-64 call */
#define SCRATCH 65536
#define PAGE 4096
#define RESET 128 /* bytes of each buffer set back before every call */
#define KERNEL_HALF 0xffff800000000000UL
#define BAD_PID 0x3ffffff0 /* past any pid_max */
#define NOBODY 65534
#define FSIZE_LIMIT (1 << 20)
#define AS_LIMIT (1UL << 30)
#define NOFILE_LIMIT 64
#define TRACE_FD 900
#define FRAME_WORDS 128 /* a signal frame's size and more */
#define TIMER_NS 1000000 /* the signal half's SIGUSR1 period */

/* What a call's arguments need before it is made. */
enum rule { FREE, SKIP, PID0, PID01, PRIO, MKNOD1, MKNOD2, IPC };

/* Shared between the parent and its children: what the current child did. */
struct shared {
	long calls; /* calls made */
	long signals; /* SIGUSR1s handled */
	long last[7]; /* the call being made: its number and arguments */
};

static unsigned char rules[NR_LIMIT];
static struct shared *st;
static uint64_t rng;
static char *buf; /* SCRATCH bytes; the first RESET a 'z' name, RESET more at ZEROS zero */
static char *hole; /* an unmapped page; the page before it is mapped */
static int trace = -1;
static long batch = BATCH; /* calls a child tries: fewer for the last child of a replay */
static int ipc_private; /* the child has an IPC namespace of its own */
static char scratch[64];

#define ZEROS 2048
static const char *const names[] = { "f0", "f1", "d0", "d0/f2", "d0/d1", "l0", "p0", "s0", "zz" };

static void rule(long nr, enum rule r)
{
	if (nr >= 0 && nr < NR_LIMIT)
		rules[nr] = r;
}

/* The calls that end or block the caller by design, or act on the machine or on other processes. */
static void set_rules(void)
{
	static const long skipped[] = {
		SYS_exit, SYS_exit_group, SYS_pause, SYS_rt_sigsuspend, SYS_reboot, SYS_kexec_load, SYS_ptrace,
		SYS_mount, SYS_umount2, SYS_swapon, SYS_swapoff, SYS_pivot_root, SYS_chroot, SYS_settimeofday,
		SYS_clock_settime, SYS_adjtimex, SYS_clock_adjtime, SYS_sethostname, SYS_setdomainname, SYS_init_module,
		SYS_finit_module, SYS_delete_module, SYS_bpf, SYS_perf_event_open, SYS_acct, SYS_quotactl, SYS_syslog,
		SYS_iopl, SYS_ioperm, SYS_vhangup, SYS_fanotify_init, SYS_fanotify_mark, SYS_open_by_handle_at,
		SYS_name_to_handle_at, SYS_lookup_dcookie, SYS_keyctl, SYS_add_key, SYS_request_key, SYS_uselib,
		SYS_kexec_file_load, 428, 429, 430, 431, 432, 433, 442, 443, 467,
		/* open_tree move_mount fsopen fsconfig fsmount fspick mount_setattr quotactl_fd open_tree_attr */
		335, /* uretprobe: SIGILL by design unless called from a uretprobe's trampoline */
	};
	static const long ipc[] = { SYS_shmget,    SYS_shmat,        SYS_shmctl,       SYS_shmdt,
				    SYS_semget,    SYS_semop,        SYS_semctl,       SYS_msgget,
				    SYS_msgsnd,    SYS_msgrcv,       SYS_msgctl,       SYS_semtimedop,
				    SYS_mq_open,   SYS_mq_unlink,    SYS_mq_timedsend, SYS_mq_timedreceive,
				    SYS_mq_notify, SYS_mq_getsetattr };
	static const long pid0[] = { SYS_kill,
				     SYS_tkill,
				     SYS_rt_sigqueueinfo,
				     SYS_sched_setaffinity,
				     SYS_sched_setparam,
				     SYS_sched_setscheduler,
				     SYS_sched_setattr,
				     SYS_prlimit64,
				     SYS_migrate_pages,
				     SYS_move_pages,
				     SYS_process_vm_readv,
				     SYS_process_vm_writev,
				     SYS_pidfd_open };
	for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++)
		rule(skipped[i], SKIP);
	for (size_t i = 0; i < sizeof ipc / sizeof *ipc; i++)
		rule(ipc[i], IPC);
	for (size_t i = 0; i < sizeof pid0 / sizeof *pid0; i++)
		rule(pid0[i], PID0);
	rule(SYS_tgkill, PID01);
	rule(SYS_rt_tgsigqueueinfo, PID01);
	rule(SYS_kcmp, PID01);
	rule(SYS_setpriority, PRIO);
	rule(SYS_ioprio_set, PRIO);
	rule(SYS_mknod, MKNOD1);
	rule(SYS_mknodat, MKNOD2);
}

/* The next number of the child's sequence (xorshift64*). */
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dUL;
}

/* A syscall that, made as fork, vfork, clone or clone3 and returning 0 in a new thread or process, ends
 * that thread at once without touching its stack (which may be anything). Returns what the call returned. */
static long raw_call(const long *c, long forklike)
{
	register long r10 __asm__("r10") = c[4];
	register long r8 __asm__("r8") = c[5];
	register long r9 __asm__("r9") = c[6];
	register long r12 __asm__("r12") = forklike;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "test %%r12, %%r12\n\t"
			 "jz 1f\n\t"
			 "mov %[exit], %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "1:"
			 : "=a"(ret)
			 : "a"(c[0]), "D"(c[1]), "S"(c[2]), "d"(c[3]), "r"(r10), "r"(r8), "r"(r9),
			   "r"(r12), [exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}

/* One argument: a number or an address of one of the kinds the file's comment lists. */
static long arg(void)
{
	switch (rnd() % 16) {
	case 0:
		return 0;
	case 1:
		return (long)(rnd() % 64); /* small: descriptors, flags, signals */
	case 2:
		return -1;
	case 3:
		return (long)(uint32_t)rnd();
	case 4:
		return (long)rnd();
	case 5:
		return 1L << 40;
	case 6:
		return (long)(1UL << (rnd() % 64)); /* one flag bit */
	case 7:
		return (long)(KERNEL_HALF + (rnd() % 4096) * PAGE + rnd() % 2 * (rnd() % PAGE));
	case 8:
		return (long)hole;
	case 9:
		return (long)(hole - 1); /* the last byte before the unmapped page */
	case 10:
		return (long)buf;
	case 11:
		return (long)(buf + ZEROS);
	case 12:
		return (long)names[rnd() % (sizeof names / sizeof *names)];
	case 13:
		return AT_FDCWD;
	case 14:
		return (long)(3 + rnd() % 16); /* the child's own descriptors */
	default:
		return 0x7ffff000 + (long)(rnd() % 3) * 0x1000; /* near the largest transfer */
	}
}

/* rt_sigreturn with a frame of random arguments (the stack's own contents could resume this code with
 * registers of no meaning, writing anywhere): it ends the child, as on Linux, without running anything. */
static void sigreturn_garbage(void)
{
	long *frame = (long *)(buf + SCRATCH / 2);
	for (int i = 0; i < FRAME_WORDS; i++)
		frame[i] = arg();
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "mov %1, %%eax\n\t"
			 "syscall\n\t"
			 "ud2"
			 :
			 : "r"(frame + 1), "i"(SYS_rt_sigreturn)
			 : "memory");
}

/* A pid for a call that acts on a process: this child itself, its own process group, or no process. */
static long own_pid(void)
{
	long me = syscall(SYS_getpid);
	int leader = syscall(SYS_getpgid, 0) == me;
	switch (rnd() % 4) {
	case 0:
		return me;
	case 1:
		return BAD_PID;
	case 2:
		return leader ? 0 : me;
	default:
		return leader ? -me : me;
	}
}

/* Fit call c (number and arguments) to its rule: false when it is not to be made. */
static int fit(long *c)
{
	switch (c[0] < NR_LIMIT ? rules[c[0]] : FREE) {
	case SKIP:
		return 0;
	case IPC:
		return ipc_private;
	case PID01:
		c[2] = own_pid(); /* fall through */
	case PID0:
		c[1] = own_pid();
		return 1;
	case PRIO:
		c[1] = c[0] == SYS_setpriority ? PRIO_PROCESS : 1; /* IOPRIO_WHO_PROCESS */
		c[2] = 0;
		return 1;
	case MKNOD1:
		if ((c[2] & S_IFMT) == S_IFCHR || (c[2] & S_IFMT) == S_IFBLK)
			c[2] &= ~(long)S_IFMT;
		return 1;
	case MKNOD2:
		if ((c[3] & S_IFMT) == S_IFCHR || (c[3] & S_IFMT) == S_IFBLK)
			c[3] &= ~(long)S_IFMT;
		return 1;
	default:
		return 1;
	}
}

/* The next call: number 0 to NR_LIMIT - 1 mostly, now and then one that does not exist. */
static void draw(long *c)
{
	uint64_t k = rnd() % 64;
	c[0] = k == 0 ? -1 : k == 1 ? 100000 : (long)(rnd() % NR_LIMIT);
	for (int i = 1; i <= 6; i++)
		c[i] = arg();
}

/* Write one line to the trace descriptor (seed mode only). */
static void trace_call(const long *c)
{
	char line[256];
	int n = snprintf(line, sizeof line, "call %ld: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", st->calls, c[0],
			 c[1], c[2], c[3], c[4], c[5], c[6]);
	syscall(SYS_write, trace, line, n);
}

/* Set the buffers back to a short name and to zeros, so no call reads a path or address made by another. */
static void reset_buffers(void)
{
	memset(buf, 'z', RESET - 1);
	buf[RESET - 1] = 0;
	memset(buf + ZEROS, 0, RESET);
	hole[-1] = 'q';
}

/* Make the child's calls: batch of them, or until one ends it. */
static void fuzz_calls(void)
{
	long c[7];
	for (long i = 0; i < batch; i++) {
		draw(c);
		if (!fit(c))
			continue;
		reset_buffers();
		memcpy(st->last, c, sizeof c);
		if (trace >= 0)
			trace_call(c);
		st->calls++;
		if (c[0] == SYS_rt_sigreturn)
			sigreturn_garbage();
		long forklike = c[0] == SYS_fork || c[0] == SYS_vfork || c[0] == SYS_clone || c[0] == SYS_clone3;
		raw_call(c, forklike);
	}
}

static void on_usr1(int sig)
{
	(void)sig;
	st->signals++;
}

/* Start a timer that sends SIGUSR1 every TIMER_NS to a handler. */
static void start_signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_t t;
	struct itimerspec its = { .it_interval = { 0, TIMER_NS }, .it_value = { 0, TIMER_NS } };
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0)
		timer_settime(t, 0, &its, NULL);
}

/* The child's descriptors 0-2 on a scratch file, others closed, and a few of each kind opened. */
static void own_descriptors(void)
{
	unlink("out"); /* an earlier child may have left it unwritable, or made it something else */
	rmdir("out");
	int out = open("out", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (out < 0)
		out = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3; fd++)
		if (out < 0 || dup2(out, fd) < 0)
			_exit(3); /* never write to the test's own output */
	for (int fd = 3; fd < 256; fd++)
		if (fd != trace)
			close(fd);
	int p[2], s[2];
	open("f0", O_RDWR | O_CREAT, 0600);
	open(".", O_RDONLY | O_DIRECTORY);
	if (pipe(p) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, s) != 0)
		return;
	eventfd(0, 0);
	syscall(SYS_memfd_create, "m", 0);
	syscall(SYS_epoll_create1, 0);
}

/* Limits a call cannot undo once privileges are gone, then the privileges dropped (if there were any). */
static void confine(void)
{
	struct rlimit core = { 0, 0 }, fsize = { FSIZE_LIMIT, FSIZE_LIMIT }, as = { AS_LIMIT, AS_LIMIT };
	struct rlimit nofile = { NOFILE_LIMIT, NOFILE_LIMIT };
	setrlimit(RLIMIT_CORE, &core);
	setrlimit(RLIMIT_FSIZE, &fsize);
	setrlimit(RLIMIT_AS, &as);
	setrlimit(RLIMIT_NOFILE, &nofile);
	ipc_private = unshare(CLONE_NEWIPC) == 0;
	if (geteuid() == 0) {
		setgroups(0, NULL);
		if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
			_exit(3);
	}
}

/* The memory the arguments point at: a buffer with an unmapped page after it (a call that writes a lot into
 * the buffer stops there, at EFAULT, and nothing else of the child's is overwritten). */
static void own_memory(void)
{
	buf = mmap(NULL, SCRATCH + PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || munmap(buf + SCRATCH, PAGE) != 0)
		_exit(2);
	hole = buf + SCRATCH;
}

/* A child's life: a session of its own, confined, with its descriptors and memory, then the calls. */
static void child(uint64_t seed, int signals)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);
	if (setsid() < 0)
		setpgid(0, 0);
	rng = seed * 0x9e3779b97f4a7c15UL + 1;
	if (chdir(scratch) != 0)
		_exit(2);
	confine();
	own_descriptors();
	own_memory();
	if (signals)
		start_signals();
	struct itimerval alarm = { .it_value = { 0, CHILD_MS * 1000 } };
	setitimer(ITIMER_REAL, &alarm, NULL);
	fuzz_calls();
	syscall(SYS_exit_group, 0);
}

/* Outcomes of one half's children. */
struct tally {
	long children, calls, signals, exited, timed_out, hung, fork_failed;
	long by_signal[65];
};

/* Wait up to secs for child pid to end (SIGCHLD is blocked): true when it was reaped, *status its status. */
static int reap_within(pid_t pid, int secs, int *status)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	struct timespec end, now;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	for (;;) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return 0;
		struct timespec step = { 0, 10000000 }; /* SIGCHLD ends the wait sooner */
		sigtimedwait(&chld, NULL, &step);
	}
}

/* Note how the child of seed ended, with its last call when a signal ended it. */
static void note(struct tally *t, uint64_t seed, int status)
{
	t->calls += st->calls;
	t->signals += st->signals;
	if (WIFEXITED(status)) {
		t->exited++;
		return;
	}
	int sig = WTERMSIG(status);
	t->by_signal[sig > 0 && sig < 65 ? sig : 0]++;
	printf("seed %#lx: signal %d after %ld calls, last %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n",
	       (unsigned long)seed, sig, st->calls, st->last[0], st->last[1], st->last[2], st->last[3], st->last[4],
	       st->last[5], st->last[6]);
}

/* Run one child of seed and wait for it; a child that outlives its time is killed. */
static void run_child(struct tally *t, uint64_t seed, int signals)
{
	memset(st, 0, sizeof *st);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		printf("seed %#lx: fork failed, errno %d (%s)\n", (unsigned long)seed, errno, strerror(errno));
		t->fork_failed++;
		return;
	}
	if (pid == 0)
		child(seed, signals);
	t->children++;
	int status = 0;
	if (!reap_within(pid, PARENT_SECONDS, &status)) {
		t->timed_out++;
		kill(pid, SIGKILL);
		if (!reap_within(pid, KILL_SECONDS, &status)) {
			printf("seed %#lx: no end %d s after SIGKILL\n", (unsigned long)seed, KILL_SECONDS);
			t->hung++;
			return;
		}
	}
	note(t, seed, status);
}

/* One half: children from seed0 on until WANT_CALLS calls are made or MAX_CHILDREN have run. */
static void run_half(const char *what, uint64_t seed0, int signals)
{
	struct tally t = { 0 };
	for (uint64_t i = 0; t.calls < WANT_CALLS && i < MAX_CHILDREN && t.fork_failed < MAX_FORK_FAILURES; i++) {
		run_child(&t, seed0 + i, signals);
		/* children a clone with CLONE_PARENT gave this process, and orphans when it is pid 1 */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	printf("%s: seeds %#lx on, %ld children, %ld calls, %ld exited, %ld timed out, %ld SIGUSR1; by signal:", what,
	       (unsigned long)seed0, t.children, t.calls, t.exited, t.timed_out, t.signals);
	for (int s = 0; s < 65; s++)
		if (t.by_signal[s])
			printf(" %d:%ld", s, t.by_signal[s]);
	printf("\n");
	char name[64];
	snprintf(name, sizeof name, "%s-calls", what);
	CHECK(name, t.calls >= WANT_CALLS, "%ld calls by %ld children, want %d", t.calls, t.children, WANT_CALLS);
	snprintf(name, sizeof name, "%s-children-ended", what);
	CHECK(name, t.hung == 0, "%ld of %ld children did not end", t.hung, t.children);
	snprintf(name, sizeof name, "%s-forks", what);
	CHECK(name, t.fork_failed == 0, "fork failed %ld times after %ld children", t.fork_failed, t.children);
	if (signals) {
		snprintf(name, sizeof name, "%s-arrived", what);
		CHECK(name, t.signals > 0, "no SIGUSR1 handled");
	}
}

static void *thread_main(void *arg)
{
	return (char *)arg + 1;
}

/* Fork, a pipe, a file in the scratch directory and a thread, after the children. */
static void check_after(void)
{
	int p[2];
	char c = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(42);
	int status = 0;
	CHECK("fork-after",
	      pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "pid %d, status %#x, errno %d", pid, status, errno);
	CHECK("pipe-after", pipe(p) == 0 && write(p[1], "p", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'p', "errno %d",
	      errno);
	char path[128], back[6] = "";
	snprintf(path, sizeof path, "%s/after", scratch);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK("file-after",
	      fd >= 0 && write(fd, "after", 5) == 5 && pread(fd, back, 5, 0) == 5 && !strcmp(back, "after"),
	      "fd %d, read \"%s\", errno %d", fd, back, errno);
	close(fd);
	pthread_t t;
	void *ret = NULL;
	char x;
	CHECK("thread-after",
	      pthread_create(&t, NULL, thread_main, &x) == 0 && pthread_join(t, &ret) == 0 && ret == &x + 1, "ret %p",
	      ret);
}

/* Remove directory path and everything under it (children may have taken their permissions away). */
static void remove_tree(const char *path)
{
	chmod(path, 0700);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char sub[512];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (unlink(sub) != 0)
			remove_tree(sub);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

/* The children of one half (signals: the timer's) from its first seed to seed, as the full run makes them (each
 * finds the scratch directory as the ones before left it), the last in the foreground with each call printed
 * before it is made. */
static int replay(uint64_t seed, int signals, long calls)
{
	uint64_t first = signals ? SEED + SIGNAL_SEED : SEED;
	for (uint64_t s = first; s < seed; s++) {
		struct tally t = { 0 };
		run_child(&t, s, signals);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
	trace = dup2(1, TRACE_FD);
	batch = calls;
	printf("seed %#lx%s: calls as made\n", (unsigned long)seed, signals ? " with SIGUSR1" : "");
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		child(seed, signals);
	int status = 0;
	waitpid(pid, &status, 0);
	printf("ended: %s %d after %ld calls\n", WIFEXITED(status) ? "exit" : "signal",
	       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), st->calls);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_rules();
	st = mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	strcpy(scratch, "/tmp/fuzz.XXXXXX");
	if (!CHECK("setup", st != MAP_FAILED && mkdtemp(scratch) != NULL, "errno %d", errno))
		return t_done();
	if (geteuid() == 0)
		chown(scratch, NOBODY, NOBODY);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (argc >= 3 && !strcmp(argv[1], "seed")) {
		replay(strtoul(argv[2], NULL, 0), argc >= 4 && !strcmp(argv[3], "sig"),
		       argc >= 5 ? atol(argv[4]) : BATCH);
		remove_tree(scratch);
		return 0;
	}
	printf("seeds %#lx and %#lx on, %d calls a child\n", SEED, SEED + SIGNAL_SEED, BATCH);
	run_half("plain", SEED, 0);
	run_half("signals", SEED + SIGNAL_SEED, 1);
	sigprocmask(SIG_UNBLOCK, &chld, NULL);
	check_after();
	remove_tree(scratch);
	return t_done();
}
