/*
 * Priority-inheritance futexes: the raw calls (FUTEX_LOCK_PI, _LOCK_PI2,
 * _TRYLOCK_PI, _UNLOCK_PI, _WAIT_REQUEUE_PI, _CMP_REQUEUE_PI) with the futex
 * word and errno checked after each, and the C library's PTHREAD_PRIO_INHERIT
 * mutexes built on them: plain, error-checking, robust with owner death (in a
 * thread and in another process), trylock, timedlock and condition variables
 * (glibc's condition variables no longer use the requeue-PI pair: the raw
 * calls check it).
 */
#define T_NAME "pifutex"
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The futex ABI (linux/futex.h, which musl's headers lack). */
#define FUTEX_WAKE 1
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu

typedef volatile uint32_t word_t;

static long fx(word_t *u, int op, long val, const struct timespec *ts, word_t *u2, long val3)
{
	return syscall(SYS_futex, u, op, val, ts, u2, val3);
}

static int my_tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* An absolute time ms from now on clock clk. */
static struct timespec at_ms(clockid_t clk, long ms)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += (ms % 1000) * 1000000L;
	t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* ---- a thread that runs one futex call on request ---- */
struct job {
	word_t *word, *word2;
	int op;
	long val;
	int tid;
	long result;
	int err;
	word_t done, release; /* done: the call returned; release: it may unlock and end */
	uint32_t seen; /* the word as it saw it right after the call */
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	j->tid = my_tid();
	j->result = fx(j->word, j->op, j->val, NULL, j->word2, 0);
	j->err = errno;
	j->seen = *(j->word2 ? j->word2 : j->word);
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&j->release, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	if (j->result == 0 && j->op != FUTEX_WAKE)
		fx(j->word2 ? j->word2 : j->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

/* Wait up to 5 s for cond, polling. */
#define WAIT_FOR(cond)                                       \
	do {                                                 \
		for (int i_ = 0; i_ < 5000 && !(cond); i_++) \
			sleep_ms(1);                         \
	} while (0)

/* A thread that holds a PI lock until told to let go (its tid is the lock's owner). */
static word_t held_word, held_stop;
static int held_tid;
static void *holder(void *arg)
{
	(void)arg;
	fx(&held_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	__atomic_store_n(&held_tid, my_tid(), __ATOMIC_SEQ_CST);
	while (!held_stop)
		sleep_ms(1);
	fx(&held_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	return NULL;
}

static void check_raw_single(void)
{
	static word_t w;
	int tid = my_tid();
	check_ok("lock-free", fx(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
	CHECK("lock-word-is-tid", w == (uint32_t)tid, "word %#x, tid %d", w, tid);
	check_err("relock-edeadlk", fx(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EDEADLK);
	check_err("trylock-own-edeadlk", fx(&w, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EDEADLK);
	check_ok("unlock", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	CHECK("unlock-word-zero", w == 0, "word %#x", w);
	check_err("unlock-free-eperm", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM);
	check_ok("trylock-free", fx(&w, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
	CHECK("trylock-word-is-tid", w == (uint32_t)tid, "word %#x", w);
	check_ok("unlock-private", fx(&w, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
	w = FUTEX_OWNER_DIED;
	check_ok("lock-owner-died-free", fx(&w, FUTEX_LOCK_PI2, 0, NULL, NULL, 0));
	CHECK("owner-died-kept", w == (FUTEX_OWNER_DIED | (uint32_t)tid), "word %#x", w);
	check_ok("unlock-owner-died", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	CHECK("unlock-clears-owner-died", w == 0, "word %#x", w);
	w = 0x3ffffff0; /* no such thread */
	check_err("lock-dead-owner-esrch", fx(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0), ESRCH);
	w = 0;
	check_err("lock-pi-clock-realtime-enosys", fx(&w, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0),
		  ENOSYS);
	check_err("unlock-clock-realtime-enosys", fx(&w, FUTEX_UNLOCK_PI | FUTEX_CLOCK_REALTIME, 0, NULL, NULL, 0),
		  ENOSYS);
	check_err("lock-misaligned-einval", fx((word_t *)((char *)&w + 1), FUTEX_LOCK_PI, 0, NULL, NULL, 0), EINVAL);
	check_err("lock-null-efault", fx(NULL, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EFAULT);
	struct timespec bad = { 0, 2000000000L };
	check_err("lock-bad-timespec-einval", fx(&w, FUTEX_LOCK_PI, 0, &bad, NULL, 0), EINVAL);
	CHECK("lock-bad-timespec-word-untouched", w == 0, "word %#x", w);
}

static void check_raw_contended(void)
{
	pthread_t th;
	pthread_create(&th, NULL, holder, NULL);
	WAIT_FOR(__atomic_load_n(&held_tid, __ATOMIC_SEQ_CST));
	int owner = held_tid;
	CHECK("holder-owns", (held_word & FUTEX_TID_MASK) == (uint32_t)owner, "word %#x, tid %d", held_word, owner);
	check_err("unlock-not-owner-eperm", fx(&held_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM);
	check_err("trylock-held-eagain", fx(&held_word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0), EAGAIN);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = at_ms(CLOCK_REALTIME, 100);
	check_err("lock-pi-timeout-realtime", fx(&held_word, FUTEX_LOCK_PI, 0, &t, NULL, 0), ETIMEDOUT);
	long ms = ms_since(&t0);
	CHECK("lock-pi-timeout-waited", ms >= 90, "returned after %ld ms", ms);
	CHECK("lock-pi-waiters-bit", (held_word & FUTEX_WAITERS) && (held_word & FUTEX_TID_MASK) == (uint32_t)owner,
	      "word %#x", held_word);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = at_ms(CLOCK_MONOTONIC, 100);
	check_err("lock-pi2-timeout-monotonic", fx(&held_word, FUTEX_LOCK_PI2, 0, &t, NULL, 0), ETIMEDOUT);
	ms = ms_since(&t0);
	CHECK("lock-pi2-timeout-waited", ms >= 90, "returned after %ld ms", ms);
	t = at_ms(CLOCK_REALTIME, 50);
	check_err("lock-pi2-timeout-realtime",
		  fx(&held_word, FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME | FUTEX_PRIVATE_FLAG, 0, &t, NULL, 0),
		  ETIMEDOUT);
	t = (struct timespec){ 1, 0 }; /* long past */
	check_err("lock-pi-past-timeout", fx(&held_word, FUTEX_LOCK_PI, 0, &t, NULL, 0), ETIMEDOUT);
	held_stop = 1;
	pthread_join(th, NULL);
	CHECK("holder-unlocked", held_word == 0, "word %#x", held_word);
}

/* Unlock with a waiter: the lock goes to it, the word says so. */
static void check_handoff(void)
{
	static word_t w;
	static struct job j;
	pthread_t th;
	int tid = my_tid();
	fx(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	j = (struct job){ .word = &w, .op = FUTEX_LOCK_PI };
	pthread_create(&th, NULL, job_run, &j);
	WAIT_FOR(w & FUTEX_WAITERS);
	CHECK("waiter-sets-waiters-bit", w == (FUTEX_WAITERS | (uint32_t)tid), "word %#x", w);
	sleep_ms(20);
	CHECK("waiter-still-waits", !j.done, "the waiter returned %ld", j.result);
	check_ok("unlock-to-waiter", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
	WAIT_FOR(j.done);
	CHECK("waiter-got-lock", j.done && j.result == 0, "done %d, result %ld errno %d", j.done, j.result, j.err);
	CHECK("handed-word", j.seen == (FUTEX_WAITERS | (uint32_t)j.tid), "word %#x, waiter %d", j.seen, j.tid);
	check_err("old-owner-unlock-eperm", fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM);
	j.release = 1;
	pthread_join(th, NULL);
	CHECK("waiter-unlocked", w == 0, "word %#x", w);
}

/* A handler interrupting a lock wait (without SA_RESTART): the wait goes on after it, as Linux restarts it. */
static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
}

static void check_signal_restarts(void)
{
	static word_t w;
	static struct job j;
	pthread_t th;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	fx(&w, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	j = (struct job){ .word = &w, .op = FUTEX_LOCK_PI };
	pthread_create(&th, NULL, job_run, &j);
	WAIT_FOR(w & FUTEX_WAITERS);
	pthread_kill(th, SIGUSR1);
	WAIT_FOR(handled);
	sleep_ms(20);
	CHECK("signal-handler-ran", handled, "the handler did not run");
	CHECK("signal-lock-wait-goes-on", !j.done, "returned %ld errno %d", j.result, j.err);
	fx(&w, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	WAIT_FOR(j.done);
	CHECK("signal-lock-then-taken", j.result == 0 && (j.seen & FUTEX_TID_MASK) == (uint32_t)j.tid,
	      "result %ld errno %d, word %#x", j.result, j.err, j.seen);
	j.release = 1;
	pthread_join(th, NULL);
}

/* A thread that ends holding a PI lock (no robust list): its waiter gets the lock, marked as its owner's death. */
static word_t exit_word;
static void *lock_and_exit(void *arg)
{
	(void)arg;
	fx(&exit_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	sleep_ms(100);
	syscall(SYS_exit, 0); /* no robust list walk for this word: it is on no list */
	return NULL;
}

static void check_owner_exit(void)
{
	pthread_t th;
	pthread_create(&th, NULL, lock_and_exit, NULL);
	WAIT_FOR(exit_word != 0);
	struct timespec t = at_ms(CLOCK_REALTIME, 5000);
	long r = fx(&exit_word, FUTEX_LOCK_PI, 0, &t, NULL, 0);
	check_ok("owner-exit-waiter-gets-lock", r);
	CHECK("owner-exit-word", exit_word == (FUTEX_WAITERS | FUTEX_OWNER_DIED | (uint32_t)my_tid()), "word %#x",
	      exit_word);
	fx(&exit_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
}

static void check_requeue_pi(void)
{
	static word_t c, m;
	static struct job j;
	pthread_t th;
	struct timespec t;
	int tid = my_tid();
	check_err("wait-requeue-same-einval", fx(&c, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &c, 0), EINVAL);
	check_err("wait-requeue-value-eagain", fx(&c, FUTEX_WAIT_REQUEUE_PI, 1, NULL, &m, 0), EAGAIN);
	t = at_ms(CLOCK_MONOTONIC, 50);
	check_err("wait-requeue-timeout", fx(&c, FUTEX_WAIT_REQUEUE_PI, 0, &t, &m, 0), ETIMEDOUT);
	check_err("cmp-requeue-nr-wake-einval", fx(&c, FUTEX_CMP_REQUEUE_PI, 2, (void *)1L, &m, 0), EINVAL);
	check_err("cmp-requeue-same-einval", fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &c, 0), EINVAL);
	check_err("cmp-requeue-value-eagain", fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &m, 5), EAGAIN);
	CHECK("cmp-requeue-none", fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &m, 0) == 0, "a waiter was found");

	/* the lock free: the waiter is woken owning it */
	j = (struct job){ .word = &c, .word2 = &m, .op = FUTEX_WAIT_REQUEUE_PI };
	pthread_create(&th, NULL, job_run, &j);
	long r = 0;
	for (int i = 0; i < 5000 && r == 0; i++, sleep_ms(1))
		r = fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)0L, &m, 0);
	CHECK("cmp-requeue-takes-free-lock", r == 1, "returned %ld", r);
	WAIT_FOR(j.done);
	CHECK("requeued-waiter-owns", j.result == 0 && (j.seen & FUTEX_TID_MASK) == (uint32_t)j.tid,
	      "result %ld errno %d, word %#x, waiter %d", j.result, j.err, j.seen, j.tid);
	j.release = 1;
	pthread_join(th, NULL);
	CHECK("requeued-waiter-unlocked", m == 0, "word %#x", m);

	/* the lock held: the waiter moves to it and gets it at the unlock */
	fx(&m, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
	j = (struct job){ .word = &c, .word2 = &m, .op = FUTEX_WAIT_REQUEUE_PI };
	pthread_create(&th, NULL, job_run, &j);
	r = 0;
	for (int i = 0; i < 5000 && r == 0; i++, sleep_ms(1))
		r = fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)10L, &m, 0);
	CHECK("cmp-requeue-moves", r == 1, "returned %ld", r);
	CHECK("cmp-requeue-sets-waiters", m == (FUTEX_WAITERS | (uint32_t)tid), "word %#x", m);
	sleep_ms(20);
	CHECK("requeued-still-waits", !j.done, "returned %ld", j.result);
	fx(&m, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
	WAIT_FOR(j.done);
	CHECK("requeued-gets-lock-at-unlock", j.result == 0 && j.seen == (FUTEX_WAITERS | (uint32_t)j.tid),
	      "result %ld errno %d, word %#x", j.result, j.err, j.seen);
	j.release = 1;
	pthread_join(th, NULL);

	/* a plain wake cannot end such a wait: EINVAL */
	j = (struct job){ .word = &c, .word2 = &m, .op = FUTEX_WAIT_REQUEUE_PI };
	pthread_create(&th, NULL, job_run, &j);
	r = 0;
	for (int i = 0; i < 5000 && r == 0; i++, sleep_ms(1))
		r = fx(&c, FUTEX_WAKE, 1, NULL, NULL, 0);
	check_err("plain-wake-requeue-waiter-einval", r, EINVAL);
	sleep_ms(20);
	CHECK("plain-wake-waiter-still-waits", !j.done, "returned %ld errno %d", j.result, j.err);
	r = fx(&c, FUTEX_CMP_REQUEUE_PI, 1, (void *)0L, &m, 0);
	WAIT_FOR(j.done);
	CHECK("then-requeue-wakes-it", r == 1 && j.result == 0, "requeue %ld, result %ld errno %d", r, j.result, j.err);
	j.release = 1;
	pthread_join(th, NULL);
	CHECK("plain-wake-lock-untouched", m == 0, "word %#x", m);
}

/* ---- the C library's PTHREAD_PRIO_INHERIT mutexes ---- */
static pthread_mutex_t pm;
static long counter;

static void pi_mutex_init(pthread_mutex_t *m, int type, int robust, int pshared)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, type);
	int r = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	CHECK("setprotocol-inherit", r == 0, "error %d", r);
	if (robust)
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	if (pshared)
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		pthread_mutex_lock(&pm);
		long v = counter;
		if (i % 64 == 0)
			sched_yield();
		counter = v + 1;
		pthread_mutex_unlock(&pm);
	}
	return NULL;
}

static void *hold_briefly(void *arg)
{
	pthread_mutex_t *m = arg;
	pthread_mutex_lock(m);
	__atomic_store_n(&held_tid, 1, __ATOMIC_SEQ_CST);
	while (!held_stop)
		sleep_ms(1);
	pthread_mutex_unlock(m);
	return NULL;
}

static void check_mutex_plain(void)
{
	pthread_t th[4];
	pi_mutex_init(&pm, PTHREAD_MUTEX_NORMAL, 0, 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, adder, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK("mutex-counts", counter == 12000, "counter %ld", counter);

	pthread_mutex_t em;
	pi_mutex_init(&em, PTHREAD_MUTEX_ERRORCHECK, 0, 0);
	CHECK("errorcheck-lock", pthread_mutex_lock(&em) == 0, "lock failed");
	int r = pthread_mutex_lock(&em);
	CHECK("errorcheck-relock-edeadlk", r == EDEADLK, "error %d", r);
	pthread_mutex_unlock(&em);
	r = pthread_mutex_unlock(&em);
	CHECK("errorcheck-unlock-unowned-eperm", r == EPERM, "error %d", r);

	pthread_t h;
	held_tid = 0, held_stop = 0;
	pthread_create(&h, NULL, hold_briefly, &em);
	WAIT_FOR(__atomic_load_n(&held_tid, __ATOMIC_SEQ_CST));
	r = pthread_mutex_trylock(&em);
	CHECK("trylock-held-ebusy", r == EBUSY, "error %d", r);
	struct timespec t0, t = at_ms(CLOCK_REALTIME, 100);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = pthread_mutex_timedlock(&em, &t);
	long ms = ms_since(&t0);
	CHECK("timedlock-etimedout", r == ETIMEDOUT && ms >= 90, "error %d after %ld ms", r, ms);
	held_stop = 1;
	t = at_ms(CLOCK_REALTIME, 5000);
	r = pthread_mutex_timedlock(&em, &t);
	CHECK("timedlock-after-release", r == 0, "error %d", r);
	pthread_join(h, NULL);
	pthread_mutex_unlock(&em);
}

/* Robust PI mutexes whose owner thread ends holding them. */
static pthread_mutex_t rm;
static void *lock_and_leave(void *arg)
{
	long wait = (long)arg;
	pthread_mutex_lock(&rm);
	__atomic_store_n(&held_tid, 1, __ATOMIC_SEQ_CST);
	sleep_ms(wait);
	return NULL; /* ends holding it */
}

static void check_mutex_robust(void)
{
	pthread_t th;
	pi_mutex_init(&rm, PTHREAD_MUTEX_NORMAL, 1, 0);
	held_tid = 0;
	pthread_create(&th, NULL, lock_and_leave, (void *)0L);
	pthread_join(th, NULL);
	int r = pthread_mutex_lock(&rm);
	CHECK("robust-eownerdead", r == EOWNERDEAD, "error %d", r);
	CHECK("robust-consistent", pthread_mutex_consistent(&rm) == 0, "consistent failed");
	pthread_mutex_unlock(&rm);
	r = pthread_mutex_lock(&rm);
	CHECK("robust-after-consistent", r == 0, "error %d", r);
	pthread_mutex_unlock(&rm);

	/* a waiter blocked when the owner dies */
	held_tid = 0;
	pthread_create(&th, NULL, lock_and_leave, (void *)150L);
	WAIT_FOR(__atomic_load_n(&held_tid, __ATOMIC_SEQ_CST));
	r = pthread_mutex_lock(&rm);
	CHECK("robust-blocked-eownerdead", r == EOWNERDEAD, "error %d", r);
	pthread_mutex_consistent(&rm);
	pthread_mutex_unlock(&rm);
	pthread_join(th, NULL);

	/* not made consistent: unusable after the unlock */
	held_tid = 0;
	pthread_create(&th, NULL, lock_and_leave, (void *)0L);
	pthread_join(th, NULL);
	r = pthread_mutex_trylock(&rm);
	CHECK("robust-trylock-eownerdead", r == EOWNERDEAD, "error %d", r);
	pthread_mutex_unlock(&rm);
	r = pthread_mutex_lock(&rm);
	CHECK("robust-notrecoverable", r == ENOTRECOVERABLE, "error %d", r);
}

/* A process-shared robust PI mutex whose owner process ends holding it. */
static void check_mutex_shared(void)
{
	pthread_mutex_t *sm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pi_mutex_init(sm, PTHREAD_MUTEX_NORMAL, 1, 1);
	for (int blocked = 0; blocked < 2; blocked++) {
		pid_t pid = fork();
		if (pid == 0) {
			pthread_mutex_lock(sm);
			sleep_ms(blocked ? 200 : 0);
			_exit(0);
		}
		if (blocked) {
			int r = 0; /* wait until the child holds it */
			for (int i = 0; i < 5000 && (r = pthread_mutex_trylock(sm)) == 0; i++) {
				pthread_mutex_unlock(sm);
				sleep_ms(1);
			}
		} else {
			waitpid(pid, NULL, 0);
		}
		int r = pthread_mutex_lock(sm);
		CHECK(blocked ? "shared-blocked-eownerdead" : "shared-eownerdead", r == EOWNERDEAD, "error %d", r);
		pthread_mutex_consistent(sm);
		pthread_mutex_unlock(sm);
		waitpid(pid, NULL, 0);
	}
	munmap(sm, 4096);
}

/* Condition variables over a PI mutex: a queue with producers and consumers. */
static pthread_mutex_t qm;
static pthread_cond_t qc;
static int queued, consumed, produced_all;

static void *consumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&qm);
	for (;;) {
		while (!queued && !produced_all)
			pthread_cond_wait(&qc, &qm);
		if (!queued)
			break;
		queued--;
		consumed++;
	}
	pthread_mutex_unlock(&qm);
	return NULL;
}

static void check_condvar(void)
{
	pthread_t th[3];
	pi_mutex_init(&qm, PTHREAD_MUTEX_NORMAL, 0, 0);
	pthread_cond_init(&qc, NULL);
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, consumer, NULL);
	for (int i = 0; i < 600; i++) {
		pthread_mutex_lock(&qm);
		queued++;
		if (i % 2)
			pthread_cond_signal(&qc);
		else
			pthread_cond_broadcast(&qc);
		pthread_mutex_unlock(&qm);
		if (i % 50 == 0)
			sleep_ms(1);
	}
	pthread_mutex_lock(&qm);
	produced_all = 1;
	pthread_cond_broadcast(&qc);
	pthread_mutex_unlock(&qm);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	CHECK("condvar-all-consumed", consumed == 600 && queued == 0, "consumed %d, queued %d", consumed, queued);

	struct timespec t0, t = at_ms(CLOCK_REALTIME, 100);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_mutex_lock(&qm);
	int r = pthread_cond_timedwait(&qc, &qm, &t);
	long ms = ms_since(&t0);
	int again = pthread_mutex_trylock(&qm);
	CHECK("cond-timedwait-etimedout", r == ETIMEDOUT && ms >= 90, "error %d after %ld ms", r, ms);
	CHECK("cond-timedwait-relocked", again == EBUSY || again == EDEADLK, "trylock %d", again);
	pthread_mutex_unlock(&qm);
}

int main(void)
{
	check_raw_single();
	check_raw_contended();
	check_handoff();
	check_signal_restarts();
	check_owner_exit();
	check_requeue_pi();
	check_mutex_plain();
	check_mutex_robust();
	check_mutex_shared();
	check_condvar();
	return t_done();
}
