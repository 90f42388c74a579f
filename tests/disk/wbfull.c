/* Small writes, which lx sends to mica-ext4 without waiting (write-behind), fill a disk: ENOSPC comes with a write, and none is lost. Mica only. */
#define T_NAME "wbfull"
#include "../linux/check.h"
#include <fcntl.h>
#include <sys/stat.h>

/*
 * usage: wbfull DIR, DIR a folder of a small ext4 volume (64 MiB). Writes
 * of 4 KiB, each block of the file its own pattern, until one fails; then
 * the failure must be ENOSPC, every write that said it wrote must be in
 * the file (its size, its bytes), and fsync must find no error a write
 * behind met unseen. Once the file is removed, there is room again.
 */
#define BLK 4096

static char path[4096];

/* Block k of the file: its byte i is k's low byte plus i, so that a block written twice or out of place shows. */
static void block(char *p, long k)
{
	for (int i = 0; i < BLK; i++)
		p[i] = (char)(k + i);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: wbfull DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/fill", argv[1]);
	static char buf[BLK], got[BLK];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	long n = 0, partial = 0;
	int err = 0;
	for (; fd >= 0; n++) {
		block(buf, n);
		ssize_t w = write(fd, buf, BLK);
		if (w != BLK) {
			err = w < 0 ? errno : 0;
			partial = w > 0 ? w : 0;
			break;
		}
	}
	CHECK("filled", fd >= 0 && n > 1000, "%ld blocks written before the write that failed (errno %d)", n, errno);
	CHECK("enospc", err == ENOSPC || (partial > 0 && write(fd, buf, BLK) < 0 && errno == ENOSPC),
	      "the write that stopped returned %ld bytes, errno %d", partial, err);
	CHECK("fsync-clean", fsync(fd) == 0, "a write said done failed: errno %d", errno);
	struct stat st;
	CHECK("size", fstat(fd, &st) == 0 && st.st_size == n * BLK + partial, "%lld bytes in the file, %ld written",
	      (long long)st.st_size, n * BLK + partial);
	long bad = -1;
	for (long k = 0; k < n && bad < 0; k++) {
		block(buf, k);
		if (pread(fd, got, BLK, k * BLK) != BLK || memcmp(got, buf, BLK) != 0)
			bad = k;
	}
	CHECK("bytes", bad < 0, "block %ld of %ld is not what was written", bad, n);
	CHECK("removed", close(fd) == 0 && unlink(path) == 0, "errno %d", errno);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	block(buf, 0);
	CHECK("room-again", fd >= 0 && write(fd, buf, BLK) == BLK && fsync(fd) == 0 && close(fd) == 0, "errno %d",
	      errno);
	return t_done();
}
