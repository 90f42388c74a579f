/*
 * Many threads in several processes at once: two processes with 127 threads
 * each, every thread waiting on a condition variable (so each one holds a
 * wait object) until all are made, then all released and joined. Thread
 * creation that runs out of resources must fail with EAGAIN, never hang.
 */
#define _GNU_SOURCE
#define T_NAME "threadbomb"
#include "check.h"

#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 127
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int released, waiting;

static int fds[2];

/* Wait on the condition variable, then block in a read of the pipe until main writes a byte for each thread. */
static void *waiter(void *arg)
{
	(void)arg;
	char c;
	pthread_mutex_lock(&mu);
	waiting++;
	while (!released)
		pthread_cond_wait(&go, &mu);
	pthread_mutex_unlock(&mu);
	if (read(fds[0], &c, 1) != 1)
		return arg;
	pthread_mutex_lock(&mu);
	waiting--;
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* In a child: make THREADS waiting threads, release and join them. Exit 0 when all were made and all ended. */
static void bomb(void)
{
	static pthread_t t[THREADS];
	int made = 0, err = 0;
	pthread_attr_t a;
	if (pipe(fds) != 0)
		_exit(4);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (; made < THREADS; made++)
		if ((err = pthread_create(&t[made], &a, waiter, NULL)) != 0)
			break;
	for (int w = 0; w < made;) { /* until every thread made waits */
		pthread_mutex_lock(&mu);
		w = waiting;
		pthread_mutex_unlock(&mu);
		if (w < made)
			usleep(1000);
	}
	pthread_mutex_lock(&mu);
	released = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&mu);
	usleep(100000); /* most are in read now */
	for (int i = 0; i < made; i++)
		if (write(fds[1], "x", 1) != 1)
			break;
	for (int i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	if (made < THREADS)
		printf("# made %d threads, then error %d\n", made, err);
	_exit(made == THREADS && waiting == 0 ? 0 : err == EAGAIN ? 2 : 3);
}

int main(void)
{
	pid_t c[2];
	for (int i = 0; i < 2; i++)
		if ((c[i] = fork()) == 0)
			bomb();
	int st[2] = { -1, -1 };
	for (int i = 0; i < 2; i++)
		waitpid(c[i], &st[i], 0);
	CHECK("two-processes-127-threads", WIFEXITED(st[0]) && WEXITSTATUS(st[0]) == 0 && WIFEXITED(st[1]) &&
						  WEXITSTATUS(st[1]) == 0,
	      "statuses %#x %#x (2: EAGAIN, 3: another error)", st[0], st[1]);
	return t_done();
}
