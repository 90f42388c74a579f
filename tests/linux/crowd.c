/*
 * A crowd waiting on one pipe: more threads, then more processes, than a wait
 * queue holds at first, all in poll without a timeout; one write must wake
 * every one of them, within seconds rather than never.
 */
#define T_NAME "crowd"
#include "check.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CROWD 24 /* waiters of each kind: more than the 16 a wait queue started with */
#define SETTLE_US 200000 /* time for the last waiter to be asleep in poll before the write */
#define WAKE_MS 3000 /* how long all of them may take to wake */

static int pipefd[2];
static atomic_int ready, woken;

static long since_ms(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* Wait, without a timeout, for the pipe to be readable; 0 when it was. */
static int wait_readable(void)
{
	struct pollfd p = { pipefd[0], POLLIN, 0 };
	return poll(&p, 1, -1) == 1 && (p.revents & POLLIN) ? 0 : 1;
}

static void *waiter(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ready, 1);
	if (wait_readable() == 0)
		atomic_fetch_add(&woken, 1);
	return NULL;
}

/* CROWD threads poll the pipe; one byte written; how many woke within WAKE_MS. */
static int crowd_of_threads(void)
{
	pthread_t t[CROWD];
	for (int i = 0; i < CROWD; i++)
		if (pthread_create(&t[i], NULL, waiter, NULL) != 0)
			return -1;
	while (atomic_load(&ready) < CROWD)
		usleep(1000);
	usleep(SETTLE_US);
	if (write(pipefd[1], "x", 1) != 1)
		return -1;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (atomic_load(&woken) < CROWD && since_ms(&t0) < WAKE_MS)
		usleep(1000);
	int n = atomic_load(&woken);
	if (n == CROWD)
		for (int i = 0; i < CROWD; i++)
			pthread_join(t[i], NULL);
	char c;
	return read(pipefd[0], &c, 1) == 1 ? n : -1;
}

/* CROWD child processes poll the pipe; one byte written; how many ended, woken, within WAKE_MS. */
static int crowd_of_processes(void)
{
	int readyfd[2];
	pid_t kids[CROWD];
	if (pipe(readyfd) != 0)
		return -1;
	for (int i = 0; i < CROWD; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			_exit(write(readyfd[1], "r", 1) == 1 ? wait_readable() : 1);
		}
	}
	char buf[CROWD];
	for (int got = 0; got < CROWD;) {
		ssize_t r = read(readyfd[0], buf, sizeof(buf));
		if (r <= 0)
			return -1;
		got += (int)r;
	}
	usleep(SETTLE_US);
	if (write(pipefd[1], "x", 1) != 1)
		return -1;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int n = 0, status;
	while (n < CROWD && since_ms(&t0) < WAKE_MS) {
		pid_t p = waitpid(-1, &status, WNOHANG);
		if (p > 0)
			n += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		else
			usleep(1000);
	}
	for (int i = 0; i < CROWD; i++) /* those still asleep, if any */
		kill(kids[i], SIGKILL);
	while (waitpid(-1, &status, 0) > 0)
		;
	char c;
	return read(pipefd[0], &c, 1) == 1 ? n : -1;
}

int main(void)
{
	if (pipe(pipefd) != 0)
		return 2;
	int n = crowd_of_processes();
	CHECK("processes-all-woken", n == CROWD, "%d of %d processes woke within %d ms", n, CROWD, WAKE_MS);
	n = crowd_of_threads();
	CHECK("threads-all-woken", n == CROWD, "%d of %d threads woke within %d ms", n, CROWD, WAKE_MS);
	return t_done();
}
