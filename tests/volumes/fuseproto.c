/* A FUSE server of its own on lx's /dev/fuse (no libfuse): the protocol's edges that fuse2fs never shows. Mica only. */
#define T_NAME "fuseproto"
#include "../linux/check.h"
#include <stdbool.h>
#include <sys/wait.h>
#include "fuse_server.h"

#define MNT "/mnt/fuseproto"
#define FILE_NODE 2
#define OPENS 3 /* the client opens and closes the file this many times */

static int flushes, releases;

/* Serve one request (false when it could not be read); FLUSH is not implemented, as in fuse2fs. */
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
		fuse_init_answer(h->unique, 0);
		break;
	case FUSE_LOOKUP:
		if (h->nodeid != FUSE_ROOT_ID || strcmp(arg, "f") != 0) {
			fuse_answer(h->unique, -ENOENT, NULL, 0);
			break;
		}
		o.entry.nodeid = FILE_NODE;
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
	case FUSE_FLUSH:
		flushes++;
		fuse_answer(h->unique, -ENOSYS, NULL, 0);
		break;
	case FUSE_RELEASE:
		releases++;
		fuse_answer(h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
		break; /* no answer */
	default:
		fuse_answer(h->unique, -ENOSYS, NULL, 0);
	}
	return true;
}

int main(void)
{
	int m = fuse_mount(MNT, "fuseproto");
	if (!CHECK("mounted", m == 0, "errno %d", errno))
		return t_done();

	/* answers the server may not give: one too short for its header, one for a request never sent */
	struct fuse_out_header bad = { sizeof(bad), 0, 0x7777777 };
	errno = 0;
	CHECK("answer-short", write(fuse_dev, &bad, 8) == -1 && errno == EINVAL, "errno %d", errno);
	errno = 0;
	CHECK("answer-unknown", write(fuse_dev, &bad, sizeof(bad)) == -1 && errno == ENOENT, "errno %d", errno);

	pid_t client = fork();
	if (client == 0) { /* the file opened and closed OPENS times; each close asks the server */
		for (int i = 0; i < OPENS; i++) {
			int fd = open(MNT "/f", O_RDONLY);
			if (fd < 0 || close(fd) != 0)
				_exit(1);
		}
		_exit(0);
	}
	while (client > 0 && releases < OPENS && serve())
		;
	int st = -1;
	waitpid(client, &st, 0);
	CHECK("client", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	CHECK("released", releases == OPENS, "%d RELEASEs for %d closes", releases, OPENS);
	CHECK("flush-once", flushes == 1, "%d FLUSHes: after ENOSYS, none should follow", flushes);

	CHECK("umount", umount2(MNT, 0) == 0, "errno %d", errno);
	char buf[FUSE_MIN_READ_BUFFER];
	errno = 0;
	CHECK("read-after-umount", read(fuse_dev, buf, sizeof(buf)) == -1 && errno == ENODEV, "errno %d", errno);
	return t_done();
}
