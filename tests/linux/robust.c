/*
 * Robust futexes: set_robust_list and get_robust_list; musl's robust
 * mutexes whose owner thread exits, or whose owner process is killed, while
 * holding them (the next locker gets EOWNERDEAD); and lists built by hand,
 * which the kernel must walk when a thread exits with SYS_exit, a process
 * ends, or a process execs: owner-died marks, a woken waiter, and cyclic or
 * broken lists that must neither hang nor crash anything.
 */
#define T_NAME "robust"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The kernel's struct robust_list_head and an entry of the list with its futex word. */
struct rhead {
	void *next;
	long futex_offset;
	void *pending;
};
struct rentry {
	void *next;
	long pad;
	volatile uint32_t word;
};
#define WORD_OFFSET ((long)offsetof(struct rentry, word))
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u

static long rsys(long n, long a, long b, long c, long d, long e);

/* ---- the calls themselves ---- */
static pid_t helper_tid;
static volatile int helper_stop;
static struct rhead helper_head;

static void *list_holder(void *arg)
{
	(void)arg;
	syscall(SYS_set_robust_list, &helper_head, sizeof(helper_head));
	helper_tid = (pid_t)syscall(SYS_gettid);
	while (!helper_stop)
		usleep(1000);
	return NULL;
}

static void check_calls(void)
{
	struct rhead mine = { &mine, 0, NULL };
	void *was, *got = NULL;
	size_t len = 0;
	CHECK("get-robust-list-self", syscall(SYS_get_robust_list, 0, &was, &len) == 0 && len == sizeof(struct rhead),
	      "len %zu", len);
	check_err("set-robust-list-bad-len", syscall(SYS_set_robust_list, &mine, sizeof(mine) - 1), EINVAL);
	check_err("set-robust-list-long-len", syscall(SYS_set_robust_list, &mine, sizeof(mine) + 8), EINVAL);
	CHECK("set-robust-list", syscall(SYS_set_robust_list, &mine, sizeof(mine)) == 0, "errno %d", errno);
	syscall(SYS_get_robust_list, 0, &got, &len);
	CHECK("get-robust-list-returns-set", got == &mine && len == 24, "got %p len %zu, want %p 24", got, len,
	      (void *)&mine);
	check_err("get-robust-list-efault", syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT);
	syscall(SYS_set_robust_list, was, sizeof(mine)); /* musl's own registration back */

	pthread_t t;
	pthread_create(&t, NULL, list_holder, NULL);
	while (!helper_tid)
		usleep(1000);
	got = NULL;
	syscall(SYS_get_robust_list, helper_tid, &got, &len);
	CHECK("get-robust-list-other-thread", got == &helper_head, "got %p, want %p", got, (void *)&helper_head);
	helper_stop = 1;
	pthread_join(t, NULL);
	check_err("get-robust-list-no-such-thread", syscall(SYS_get_robust_list, 0x3fffffff, &got, &len), ESRCH);
}

/* ---- musl's robust mutexes ---- */
/* pthread_mutex_timedlock with a deadline secs from now: a lost wake-up fails with ETIMEDOUT rather than hanging. */
static int lock_within(pthread_mutex_t *m, int secs)
{
	struct timespec at;
	clock_gettime(CLOCK_REALTIME, &at);
	at.tv_sec += secs;
	return pthread_mutex_timedlock(m, &at);
}

static pthread_mutex_t rm;
static volatile int owner_locked;

static void *lock_and_leave(void *arg)
{
	pthread_mutex_lock(arg);
	return NULL;
}

static void *lock_and_leave_later(void *arg)
{
	pthread_mutex_lock(arg);
	owner_locked = 1;
	usleep(50000); /* the main thread is waiting for the mutex by now */
	return NULL;
}

/* The owner of a robust mutex exits holding it: the next lock says so, and after consistent the mutex works. */
static void check_mutex(const char *name, int pshared, void *(*owner)(void *))
{
	pthread_mutexattr_t a;
	pthread_t t;
	char n[64];
	pthread_mutexattr_init(&a);
	int r = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	snprintf(n, sizeof(n), "%s-setrobust", name);
	CHECK(n, r == 0, "pthread_mutexattr_setrobust: %d (%s)", r, strerror(r));
	pthread_mutexattr_setpshared(&a, pshared);
	pthread_mutex_init(&rm, &a);
	owner_locked = 0;
	pthread_create(&t, NULL, owner, &rm);
	if (owner == lock_and_leave)
		pthread_join(t, NULL);
	while (!owner_locked && owner != lock_and_leave)
		usleep(1000);
	r = lock_within(&rm, 10);
	snprintf(n, sizeof(n), "%s-eownerdead", name);
	CHECK(n, r == EOWNERDEAD, "lock gave %d (%s)", r, strerror(r));
	int c = pthread_mutex_consistent(&rm), u = pthread_mutex_unlock(&rm), l = pthread_mutex_lock(&rm);
	snprintf(n, sizeof(n), "%s-consistent-then-works", name);
	CHECK(n, c == 0 && u == 0 && l == 0 && pthread_mutex_unlock(&rm) == 0, "consistent %d unlock %d lock %d", c, u, l);
	if (owner != lock_and_leave)
		pthread_join(t, NULL);
	pthread_mutex_destroy(&rm);
}

/* A process-shared robust mutex in shared memory whose owner process is killed holding it, while the parent waits. */
static void check_mutex_killed(void)
{
	pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t a;
	int p[2], status = 0;
	char c;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(m);
		write(p[1], "x", 1);
		usleep(50000); /* the parent is waiting for the mutex by now */
		raise(SIGKILL);
		_exit(1);
	}
	read(p[0], &c, 1);
	int r = lock_within(m, 10);
	waitpid(pid, &status, 0);
	CHECK("killed-owner-eownerdead", r == EOWNERDEAD && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "lock gave %d (%s), child status %#x", r, strerror(r), status);
	int k = pthread_mutex_consistent(m), u = pthread_mutex_unlock(m), l = pthread_mutex_lock(m);
	CHECK("killed-owner-consistent-then-works", k == 0 && u == 0 && l == 0 && pthread_mutex_unlock(m) == 0,
	      "consistent %d unlock %d lock %d", k, u, l);

	/* the same, killed by another process while it holds the mutex and nobody waits */
	if ((pid = fork()) == 0) {
		pthread_mutex_lock(m);
		write(p[1], "x", 1);
		for (;;)
			pause();
	}
	read(p[0], &c, 1);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	r = lock_within(m, 10);
	CHECK("kill-owner-eownerdead", r == EOWNERDEAD, "lock gave %d (%s)", r, strerror(r));
	pthread_mutex_consistent(m); /* off this thread's list of held mutexes before the memory goes */
	pthread_mutex_unlock(m);
	close(p[0]);
	close(p[1]);
	munmap(m, 4096);
}

/* ---- lists built by hand, in threads made with a raw clone that end with SYS_exit ---- */
static long rsys(long n, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
	return ret;
}

/* Start fn in a thread on stack (no TLS of its own: fn makes raw syscalls only); *ctid is cleared when it ends. */
static long raw_thread(void (*fn)(void), char *stack_top, volatile int *ctid)
{
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = 0;
	long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		     CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	long ret;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "call *%%rbx\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone), "D"(flags), "S"(stack_top), "d"(0L), "r"(r10), "r"(r8), "b"(fn)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Wait (raw futex) until *p is no longer v. */
static void wait_change(volatile int *p, int v)
{
	while (*p == v)
		rsys(SYS_futex, (long)p, FUTEX_WAIT, v, 0, 0);
}

static void set_and_wake(volatile int *p, int v)
{
	*p = v;
	rsys(SYS_futex, (long)p, FUTEX_WAKE, 1 << 30, 0, 0);
}

static char stack[65536] __attribute__((aligned(16)));
static volatile int raw_ctid, stage;
static struct rhead head;
static struct rentry ea, eb, ec, ed;
static int owner_tid;

/* Holds ea, eb and ed (list_op_pending), not ec; exits once the main thread waits on ea. */
static void holder(void)
{
	int tid = (int)rsys(SYS_gettid, 0, 0, 0, 0, 0);
	ea.word = eb.word = ed.word = (uint32_t)tid;
	ec.word = 12345;
	head = (struct rhead){ &ea, WORD_OFFSET, &ed };
	ea.next = &eb, eb.next = &ec, ec.next = &head;
	rsys(SYS_set_robust_list, (long)&head, sizeof(head), 0, 0, 0);
	owner_tid = tid;
	set_and_wake(&stage, 1);
	wait_change(&stage, 1);
	struct timespec ts = { 0, 50000000 }; /* the main thread is in FUTEX_WAIT by now */
	rsys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0);
	rsys(SYS_exit, 0, 0, 0, 0, 0);
}

/* A list that never comes back to its head: two entries in a cycle. */
static void cycler(void)
{
	int tid = (int)rsys(SYS_gettid, 0, 0, 0, 0, 0);
	ea.word = eb.word = (uint32_t)tid;
	head = (struct rhead){ &ea, WORD_OFFSET, NULL };
	ea.next = &eb, eb.next = &ea;
	rsys(SYS_set_robust_list, (long)&head, sizeof(head), 0, 0, 0);
	rsys(SYS_exit, 0, 0, 0, 0, 0);
}

/* A list whose second entry is a bad pointer: the walk stops there, before list_op_pending. */
static void breaker(void)
{
	int tid = (int)rsys(SYS_gettid, 0, 0, 0, 0, 0);
	ea.word = ec.word = (uint32_t)tid;
	head = (struct rhead){ &ea, WORD_OFFSET, &ec };
	ea.next = (void *)16;
	rsys(SYS_set_robust_list, (long)&head, sizeof(head), 0, 0, 0);
	rsys(SYS_exit, 0, 0, 0, 0, 0);
}

/* Run fn in a raw thread; join_raw waits for its end (the kernel clears raw_ctid after walking its list). */
static void run_raw(void (*fn)(void))
{
	raw_ctid = -1;
	long r = raw_thread(fn, stack + sizeof(stack), &raw_ctid);
	if (r < 0) {
		CHECK("raw-clone", 0, "clone failed: %ld", r);
		raw_ctid = 0;
	}
}

static void join_raw(void)
{
	int v;
	while ((v = raw_ctid) != 0)
		rsys(SYS_futex, (long)&raw_ctid, FUTEX_WAIT, v, 0, 0);
}

static void check_hand_built(void)
{
	stage = 0;
	run_raw(holder);
	wait_change(&stage, 0);
	uint32_t held = (uint32_t)owner_tid;
	__atomic_compare_exchange_n(&ea.word, &held, held | FUTEX_WAITERS, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	set_and_wake(&stage, 2);
	struct timespec limit = { 5, 0 };
	long r = syscall(SYS_futex, &ea.word, FUTEX_WAIT, owner_tid | FUTEX_WAITERS, &limit, NULL, 0);
	int e = errno;
	join_raw(); /* the thread is gone: its list was walked */
	CHECK("sys-exit-wakes-waiter", r == 0 || (r == -1 && e == EAGAIN), "FUTEX_WAIT gave %ld errno %d (%s)", r, e,
	      strerror(e));
	CHECK("sys-exit-owner-died-waiters-kept", ea.word == (FUTEX_OWNER_DIED | FUTEX_WAITERS), "word %#x", ea.word);
	CHECK("sys-exit-owner-died", eb.word == FUTEX_OWNER_DIED, "word %#x", eb.word);
	CHECK("sys-exit-other-owner-untouched", ec.word == 12345, "word %#x", ec.word);
	CHECK("sys-exit-pending-op", ed.word == FUTEX_OWNER_DIED, "word %#x", ed.word);

	run_raw(cycler);
	join_raw();
	CHECK("cyclic-list-ends", ea.word == FUTEX_OWNER_DIED && eb.word == FUTEX_OWNER_DIED, "words %#x %#x", ea.word,
	      eb.word);

	run_raw(breaker);
	join_raw();
	CHECK("bad-pointer-stops-walk", ea.word == FUTEX_OWNER_DIED && ec.word && !(ec.word & FUTEX_OWNER_DIED),
	      "words %#x %#x", ea.word, ec.word);
}

/* A process whose only thread ends (exit_group) or execs with a list naming a futex in shared memory. */
static void check_process_end(const char *self)
{
	struct shared {
		struct rhead head;
		struct rentry e;
	} *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int how = 0; how < 2; how++) {
		s->e.word = 0;
		pid_t pid = fork();
		if (pid == 0) {
			s->head = (struct rhead){ &s->e, WORD_OFFSET, NULL };
			s->e.next = &s->head;
			s->e.word = (uint32_t)syscall(SYS_gettid);
			syscall(SYS_set_robust_list, &s->head, sizeof(s->head));
			if (how == 1)
				execl(self, self, "exit-at-once", (char *)0);
			_exit(0);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		CHECK(how ? "exec-owner-died" : "exit-group-owner-died", s->e.word == FUTEX_OWNER_DIED && WIFEXITED(status),
		      "word %#x status %#x", s->e.word, status);
	}
	munmap(s, 4096);
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "exit-at-once") == 0)
		return 0;
	check_calls();
	check_mutex("exit", PTHREAD_PROCESS_PRIVATE, lock_and_leave);
	check_mutex("exit-with-waiter", PTHREAD_PROCESS_PRIVATE, lock_and_leave_later);
	check_mutex("pshared-exit", PTHREAD_PROCESS_SHARED, lock_and_leave);
	check_mutex("pshared-exit-with-waiter", PTHREAD_PROCESS_SHARED, lock_and_leave_later);
	check_mutex_killed();
	check_hand_built();
	check_process_end(argv[0]);
	return t_done();
}
