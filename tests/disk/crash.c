/* crash: writes records that it fsyncs and reports, until it is killed; later checks that every reported one survived. */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * usage: crash check DIR N    every record up to N is whole, and the log
 *                             holds 0..N in order: "ok" lines, or "not ok"
 *        crash write DIR      write DIR/rec-N (4 KiB of N) and fsync it and
 *                             the folder, append N to DIR/log (emptied
 *                             first, written O_DSYNC), then print
 *                             "synced N"; N = 0, 1, 2...
 *                             until killed
 *        crash cycle DIR N [stop]  check (unless N is -1), then write (but
 *                             not when "stop" is given)
 *        crash sync-cycle DIR N [stop]  the same, but each record is made
 *                             durable by sync (even N) or syncfs (odd N)
 *                             while it and the log are still open, with
 *                             no fsync and no O_DSYNC
 * The host kills the machine at a random moment of the writing and then
 * checks with the last N it saw: what was fsynced must be there.
 */
#define REC 4096
#define MAX_RECS 1000000

static void fill(char *buf, long n)
{
	for (int i = 0; i < REC; i++)
		buf[i] = (char)(n * 31 + i);
}

/* Make record fd (already written, still open) and its log line durable: fsync, or sync/syncfs if by_sync. */
static int persist(int fd, int dfd, bool by_sync, long n)
{
	if (!by_sync)
		return fsync(fd) < 0 || close(fd) < 0 || fsync(dfd) < 0 ? -1 : 0;
	if (n % 2 == 0)
		sync();
	else if (syncfs(fd) < 0)
		return -1;
	return close(fd);
}

static int writer(const char *dir, bool by_sync)
{
	char name[256], buf[REC];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(name, sizeof(name), "%s/log", dir);
	int log = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | (by_sync ? 0 : O_DSYNC), 0644);
	if (dfd < 0 || log < 0) {
		printf("not ok crash/open: %s\n", strerror(errno));
		return 1;
	}
	for (long n = 0; n < MAX_RECS; n++) {
		snprintf(name, sizeof(name), "%s/rec-%ld", dir, n);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		fill(buf, n);
		char line[32];
		int len = snprintf(line, sizeof(line), "%ld\n", n);
		if (fd < 0 || write(fd, buf, REC) != REC || (!by_sync && persist(fd, dfd, false, n) < 0) ||
		    write(log, line, (size_t)len) != len || (by_sync && persist(fd, dfd, true, n) < 0)) {
			printf("not ok crash/write: record %ld: %s\n", n, strerror(errno));
			return 1;
		}
		printf("synced %ld\n", n);
		fflush(stdout);
	}
	return 0;
}

static int checker(const char *dir, long last)
{
	char name[256], want[REC], got[REC + 1];
	long bad = 0;
	for (long n = 0; n <= last; n++) {
		snprintf(name, sizeof(name), "%s/rec-%ld", dir, n);
		int fd = open(name, O_RDONLY);
		fill(want, n);
		long r = fd < 0 ? -1 : read(fd, got, sizeof(got));
		if (r != REC || memcmp(got, want, REC) != 0) {
			if (bad++ < 5)
				printf("# record %ld: %s\n", n,
				       fd < 0     ? strerror(errno)
				       : r != REC ? "wrong size"
						  : "wrong bytes");
		}
		if (fd >= 0)
			close(fd);
	}
	if (bad)
		printf("not ok crash/records: %ld of %ld synced records lost or damaged\n", bad, last + 1);
	else
		printf("ok crash/records (%ld)\n", last + 1);
	snprintf(name, sizeof(name), "%s/log", dir);
	FILE *f = fopen(name, "r");
	long n = 0, v;
	while (f && fscanf(f, "%ld", &v) == 1 && v == n)
		n++;
	if (f)
		fclose(f);
	if (n > last)
		printf("ok crash/log (%ld lines in order)\n", n);
	else
		printf("not ok crash/log: %ld lines in order, want at least %ld\n", n, last + 1);
	return bad || n <= last;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return writer(argv[2], false);
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return checker(argv[2], atol(argv[3]));
	bool by_sync = strcmp(argv[1], "sync-cycle") == 0;
	if ((argc == 4 || (argc == 5 && strcmp(argv[4], "stop") == 0)) && (by_sync || strcmp(argv[1], "cycle") == 0))
		return atol(argv[3]) >= 0 && checker(argv[2], atol(argv[3])) ? 1
		       : argc == 5                                           ? 0
									     : writer(argv[2], by_sync);
	fprintf(stderr, "usage: crash write DIR | crash check DIR LAST | crash [sync-]cycle DIR LAST [stop]\n");
	return 2;
}
