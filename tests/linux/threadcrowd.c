/*
 * A thousand threads in one process, every one blocked in a futex wait at once: first each on a word of its
 * own (a wake of that word must find it asleep there), then all on one word, which one wake releases; all
 * are joined. Runs in a forked child, a process like any other, not only the first. While the thousand
 * wait, one more thread forks: the new process, whose only thread that one is, makes and joins a thread.
 */
#define T_NAME "threadcrowd"
#include "check.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define THREADS 1000
#define STACK (64 * 1024)
#define PATIENCE_MS 20000 /* how long the whole of a phase may take */
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG (musl ships no kernel headers) */
#define FUTEX_WAKE_PRIVATE 129

static atomic_int word[THREADS], go, moved;

static long futex(atomic_int *w, int op, int val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static long ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* Wait on its own word until it is 1, then on go until it is 1. */
static void *waiter(void *arg)
{
	atomic_int *mine = &word[(uintptr_t)arg];
	while (atomic_load(mine) == 0)
		futex(mine, FUTEX_WAIT_PRIVATE, 0);
	atomic_fetch_add(&moved, 1);
	while (atomic_load(&go) == 0)
		futex(&go, FUTEX_WAIT_PRIVATE, 0);
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Fork; the child makes and joins a thread and exits 0 if all went well. Whether the child did (NULL if so). */
static void *forker(void *arg)
{
	(void)arg;
	pid_t p = fork();
	if (p == 0) {
		pthread_t t;
		void *r = (void *)1;
		_exit(pthread_create(&t, NULL, nothing, NULL) == 0 && pthread_join(t, &r) == 0 && r == NULL ? 0 : 1);
	}
	int st = -1;
	return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? NULL : (void *)1;
}

/* Wake k's word until a wake finds k asleep on it (it then waits again, its word still 0): whether one did in time. */
static int found_asleep(int k, const struct timespec *start)
{
	while (futex(&word[k], FUTEX_WAKE_PRIVATE, 1) != 1)
		if (ms_since(start) > PATIENCE_MS)
			return 0;
		else
			sched_yield();
	return 1;
}

/* In the child: the checks, its status the number that failed (made, forked, found, moved, joined: 1 each). */
static int crowd(void)
{
	static pthread_t t[THREADS];
	pthread_attr_t a;
	int made = 0, found = 0, joined = 0, err = 0, forked = 0;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, STACK);
	for (; made < THREADS; made++)
		if ((err = pthread_create(&t[made], &a, waiter, (void *)(uintptr_t)made)) != 0)
			break;
	pthread_t f;
	void *fret = (void *)1;
	forked = pthread_create(&f, &a, forker, NULL) == 0 && pthread_join(f, &fret) == 0 && fret == NULL;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int k = 0; k < made; k++) {
		int f = found_asleep(k, &start);
		found += f;
		atomic_store(&word[k], 1);
		futex(&word[k], FUTEX_WAKE_PRIVATE, 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (atomic_load(&moved) < made && ms_since(&start) < PATIENCE_MS)
		usleep(1000);
	usleep(100000); /* most are asleep on go now */
	atomic_store(&go, 1);
	futex(&go, FUTEX_WAKE_PRIVATE, INT_MAX);
	for (int k = 0; k < made; k++) {
		void *ret = (void *)1;
		joined += pthread_join(t[k], &ret) == 0 && ret == NULL;
	}
	if (made < THREADS)
		printf("# made %d threads, then error %d (%s)\n", made, err, strerror(err));
	if (!forked)
		printf("# the fork from thread %d, or the thread its child made, failed\n", made + 2);
	if (found < made || joined < made)
		printf("# found asleep %d, moved %d, joined %d of %d\n", found, atomic_load(&moved), joined, made);
	return (made < THREADS) + !forked + (found < THREADS) + (atomic_load(&moved) < THREADS) + (joined < THREADS);
}

int main(void)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(crowd());
	int st = -1;
	CHECK("fork", c > 0 && waitpid(c, &st, 0) == c, "fork or waitpid failed: %s", strerror(errno));
	CHECK("thousand-threads-asleep-woken-joined", WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "status %#x (the exit code counts the phases that fell short)", st);
	return t_done();
}
