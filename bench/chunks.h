/* What bench/io.c and bench/disk.c share: the clock, whole writes, and the pattern of a file's MiBs with its check. */
#ifndef BENCH_CHUNKS_H
#define BENCH_CHUNKS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20) /* one MiB: a write or read of the file figures */

/* CLOCK_MONOTONIC in seconds. */
static inline double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Write all n bytes of buf to fd: 0, or -1. */
static inline int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* MiB i of the file: its first 8 bytes say i, the rest a pattern of it. */
static inline void fill(char *p, long i)
{
	memset(p, (int)(i * 7 + 1), CHUNK);
	memcpy(p, &i, sizeof(i));
}

/* Is q MiB i as fill made it? Its index and one word a page: a check that costs little beside the read. */
static inline bool looks_right(const char *q, long i)
{
	long at;
	uint64_t want, got;
	memcpy(&at, q, sizeof(at));
	memset(&want, (int)(i * 7 + 1), sizeof(want));
	for (size_t off = 4096; off < CHUNK; off += 4096) {
		memcpy(&got, q + off, sizeof(got));
		if (got != want)
			return false;
	}
	return at == i;
}

#endif
