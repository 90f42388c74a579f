/*
 * Threads that touch the same fresh pages at once: each page's first touch
 * faults in every thread that reaches it before it is filled, and every one
 * of those faults must be served (one fills the page, the others find it
 * there), never turned into SIGSEGV, and no thread may see a page of a file
 * before all of it is there. Reads, writes, calls into a fresh executable
 * file mapping and reads of its far bytes, in rounds over new memory.
 */
#define _GNU_SOURCE
#define T_NAME "pagerace"
#include "check.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>

#define THREADS 6
#define PAGES 512
#define ROUNDS 16
#define PAGE 4096
#define FILL 0xA5 /* the code file's bytes after each page's code */

static pthread_barrier_t start, done;
static unsigned char *volatile area; /* this round's fresh pages */
static volatile int mode; /* 0: read, 1: write, 2: call the code at each page's start, 3: read the file's far bytes */
static long sums[THREADS];

/* One round for thread id: touch every page of area in the round's mode, from a different first page each. */
static void touch(int id)
{
	long sum = 0;
	for (int k = 0; k < PAGES; k++) {
		unsigned char *p = area + (size_t)((k + id) % PAGES) * PAGE;
		if (mode == 0)
			sum += p[id];
		else if (mode == 1)
			__atomic_fetch_add(&p[0], 1, __ATOMIC_RELAXED);
		else if (mode == 2)
			sum += ((int (*)(void))p)();
		else
			sum += (p[PAGE - 1] == FILL) + (p[PAGE / 2] == FILL);
	}
	sums[id] = sum;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start);
		touch(id);
		pthread_barrier_wait(&done);
	}
	return NULL;
}

static int code_fd = -1; /* a file of PAGES pages, each "mov $7, %eax; ret" and then FILL bytes */

/* A file of code for the call rounds: -1 on failure. */
static int code_file(void)
{
	static const unsigned char code[] = { 0xb8, 7, 0, 0, 0, 0xc3 };
	char name[] = "/tmp/pagerace-XXXXXX";
	int fd = mkstemp(name);
	if (fd < 0)
		return -1;
	unlink(name);
	static unsigned char page[PAGE];
	memset(page, FILL, sizeof page);
	memcpy(page, code, sizeof code);
	for (int k = 0; k < PAGES; k++)
		if (write(fd, page, PAGE) != PAGE)
			return close(fd), -1;
	return fd;
}

/* Fresh memory for a round of mode m: zero pages, or the code file mapped anew. */
static unsigned char *fresh(int m)
{
	void *a = m >= 2 ? mmap(NULL, (size_t)PAGES * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, code_fd, 0)
			 : mmap(NULL, (size_t)PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return a == MAP_FAILED ? NULL : a;
}

int main(void)
{
	pthread_t t[THREADS];
	code_fd = code_file();
	CHECK("code-file", code_fd >= 0, "cannot write the code file");
	pthread_barrier_init(&start, NULL, THREADS + 1);
	pthread_barrier_init(&done, NULL, THREADS + 1);
	int made = 1;
	for (int i = 0; i < THREADS; i++)
		made &= pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) == 0;
	CHECK("threads", made, "pthread_create failed");
	if (!made)
		return t_done();
	long bad_reads = 0, bad_writes = 0, bad_calls = 0, bad_file = 0, maps = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int m = code_fd >= 0 ? r % 4 : r % 2;
		unsigned char *a = fresh(m);
		maps += a != NULL;
		if (!a)
			a = fresh(0);
		area = a;
		mode = a ? m : 0;
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&done);
		for (int i = 0; i < THREADS; i++) {
			bad_reads += mode == 0 && sums[i] != 0;
			bad_calls += mode == 2 && sums[i] != 7L * PAGES;
			bad_file += mode == 3 && sums[i] != 2L * PAGES;
		}
		for (int k = 0; mode == 1 && k < PAGES; k++)
			bad_writes += a[(size_t)k * PAGE] != THREADS;
		munmap(a, (size_t)PAGES * PAGE);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK("fresh-mappings", maps == ROUNDS, "%ld of %d mappings made", maps, ROUNDS);
	CHECK("reads-see-zeros", bad_reads == 0, "%ld threads read nonzero", bad_reads);
	CHECK("writes-all-land", bad_writes == 0, "%ld pages lost writes", bad_writes);
	CHECK("calls-run", bad_calls == 0, "%ld threads' calls went wrong", bad_calls);
	CHECK("file-pages-whole", bad_file == 0, "%ld threads saw part of a file page", bad_file);
	return t_done();
}
