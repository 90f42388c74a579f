/* Errors of writes behind (libos/lx/fuse.c): a write the server fails after lx returned is told once, by fsync, a write or syncfs, also after a close. Mica only. */
#define T_NAME "fusewb"
#include "../linux/check.h"
#include <stdbool.h>
#include <sys/wait.h>
#include "fuse_server.h"
#include "libos/lx/fuse_mica.h"

#define MNT "/mnt/fusewb"
#define FILE_NODE 2
#define PG 4096

/*
 * The server makes Mica's promises (fuse_mica.h), so lx sends a write
 * without waiting for its answer, and says the disk has room. It fails
 * every write whose data begins with 'X' with EIO; a LOOKUP of "end" ends
 * it.
 */
static bool ended;

/* Serve one request (false when it could not be read). */
static bool serve(void)
{
	const char *arg;
	struct fuse_in_header *h = fuse_request(&arg);
	if (!h)
		return false;
	union fuse_body o;
	memset(&o, 0, sizeof(o)); /* (every member, not only the first) */
	switch (h->opcode) {
	case FUSE_INIT:
		fuse_init_answer(h->unique, FUSE_MICA_PROMISES);
		break;
	case FUSE_LOOKUP:
		if (h->nodeid != FUSE_ROOT_ID || strcmp(arg, "f") != 0) {
			ended |= strcmp(arg, "end") == 0;
			fuse_answer(h->unique, -ENOENT, NULL, 0);
			break;
		}
		o.entry.nodeid = FILE_NODE;
		o.entry.generation = 1;
		fuse_attr_of(FILE_NODE, &o.entry.attr);
		fuse_answer(h->unique, 0, &o.entry, sizeof(o.entry));
		break;
	case FUSE_GETATTR:
		fuse_attr_of(h->nodeid, &o.attr.attr);
		fuse_answer(h->unique, 0, &o.attr, sizeof(o.attr));
		break;
	case FUSE_OPEN:
		o.open.fh = 7;
		fuse_answer(h->unique, 0, &o.open, sizeof(o.open));
		break;
	case FUSE_WRITE: {
		const struct fuse_write_in *w = (const void *)arg;
		o.write.size = w->size;
		if (((const char *)(w + 1))[0] == 'X')
			fuse_answer(h->unique, -EIO, NULL, 0);
		else
			fuse_answer(h->unique, 0, &o.write, sizeof(o.write));
		break;
	}
	case FUSE_STATFS:
		o.statfs.st = (struct fuse_kstatfs){ .blocks = 1 << 20,
						     .bfree = 1 << 20,
						     .bavail = 1 << 20,
						     .bsize = PG,
						     .frsize = PG,
						     .namelen = 255 };
		fuse_answer(h->unique, 0, &o.statfs, sizeof(o.statfs));
		break;
	case FUSE_FSYNC:
	case FUSE_SYNCFS:
	case FUSE_RELEASE:
		fuse_answer(h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
		break; /* no answer */
	default: /* FLUSH too, as in fuse2fs */
		fuse_answer(h->unique, -ENOSYS, NULL, 0);
	}
	return true;
}

/* What a program sees: each failed write told once, where Linux tells an error of its write-back. */
static int client(void)
{
	static char bad[PG], good[PG];
	memset(bad, 'X', PG);
	memset(good, 'g', PG);
	int fd = open(MNT "/f", O_WRONLY);
	CHECK("write-returns", fd >= 0 && write(fd, bad, PG) == PG, "errno %d", errno);
	errno = 0;
	CHECK("fsync-tells", fsync(fd) == -1 && errno == EIO, "errno %d", errno);
	CHECK("fsync-tells-once", fsync(fd) == 0, "errno %d", errno);
	/* the fstat's request is answered after the write's: the failure is known when the next write comes */
	struct stat st;
	errno = 0;
	CHECK("write-tells",
	      write(fd, bad, PG) == PG && fstat(fd, &st) == 0 && write(fd, good, PG) == -1 && errno == EIO, "errno %d",
	      errno);
	CHECK("write-tells-once", write(fd, good, PG) == PG && fsync(fd) == 0, "errno %d", errno);
	errno = 0;
	CHECK("syncfs-tells", syncfs(fd) == -1 && errno == EIO, "errno %d", errno);
	CHECK("syncfs-tells-once", syncfs(fd) == 0, "errno %d", errno);
	/* a failed write of a file closed at once: the file's next fsync tells it, through a new descriptor */
	int w = write(fd, bad, PG);
	close(fd);
	fd = open(MNT "/f", O_WRONLY);
	errno = 0;
	CHECK("fsync-tells-after-close", w == PG && fd >= 0 && fsync(fd) == -1 && errno == EIO, "errno %d", errno);
	CHECK("fsync-after-close-once", fsync(fd) == 0, "errno %d", errno);
	close(fd);
	open(MNT "/end", O_RDONLY);
	return t_done();
}

int main(void)
{
	int m = fuse_mount(MNT, "fusewb");
	if (!CHECK("mounted", m == 0, "errno %d", errno))
		return t_done();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(client());
	while (pid > 0 && !ended && serve())
		;
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK("client", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	CHECK("umount", umount2(MNT, 0) == 0, "errno %d", errno);
	return t_done();
}
