/* The host's byte streams (kernel stream ports) as descriptors 0, 1 and 2: no line discipline, end of file, EPIPE. */
#include "libos/lx/vfs.h"
#include <mica/stream.h>

/*
 * `mica run` lists in .mica/streams the descriptors whose host side is not
 * a terminal; descriptor fd is stream port fd + 1. pid 1 binds every such
 * port to one notification of its own. While it is the only process it
 * waits on that itself; before its first fork it starts a thread
 * (stream_helper) that waits on it and wakes the threads of every process
 * waiting on a stream, which sleep on a queue in the shared header — as the
 * console's readers do (dev.c).
 */
#define STREAM_BIT 1
#define READ_CHUNK 4096 /* bytes read through lx's stack at a time */

static long stream_ntfn; /* pid 1's, bound to every port; 0 if none */
static unsigned stream_fds; /* bit fd: descriptor fd is a stream */

void stream_init(const char *fds)
{
	for (; fds && *fds; fds++) {
		int fd = *fds - '0';
		if (fd < 0 || fd > 2)
			continue;
		if (!stream_ntfn && (stream_ntfn = sys_ntfn_create()) < 0)
			stream_ntfn = 0;
		if (stream_ntfn && sys_stream_bind(fd + 1, stream_ntfn, STREAM_BIT) == 0)
			stream_fds |= 1u << fd;
	}
}

static long port_of(struct file *f)
{
	return (long)(uintptr_t)f->priv;
}

/* pid 1's stream thread: wake the waiters of every process at each change of a port. */
static void stream_helper(struct lx_thread *t)
{
	(void)t;
	lx_lock();
	for (;;) {
		lx_waitq_wake(&LX_SH->stream_waiters);
		int depth = lx_lock_drop();
		sys_ntfn_wait(stream_ntfn, TIMEOUT_FOREVER);
		lx_lock_take(depth);
	}
}

void stream_start_helper(void)
{
	if (lx_pid == 1 && stream_ntfn && !LX_SH->stream_helper && lx_thread_helper(stream_helper))
		LX_SH->stream_helper = true;
}

/* Sleep until a port may have changed (or a while passes), unless a signal is pending: 0, or -EINTR. */
static long stream_wait(void)
{
	if (lx_signal_interrupts())
		return -EINTR;
	stream_start_helper(); /* pid 1's first wait starts its stream thread */
	if (LX_SH->stream_helper) {
		lx_waitq_add(&LX_SH->stream_waiters);
		lx_thread_wait(LX_RECHECK_NS);
	} else {
		int depth = lx_lock_drop();
		if (lx_pid != 1 || sys_ntfn_wait(stream_ntfn, LX_RECHECK_NS) < 0)
			sys_sleep(1000000UL);
		lx_lock_take(depth);
	}
	return lx_signal_interrupts() ? -EINTR : 0;
}

/* What the host has sent, at most n bytes, waiting for some unless nonblocking; 0 at the host's end of file. */
static long stream_read(struct file *f, void *buf, size_t n)
{
	char chunk[READ_CHUNK];
	for (;;) {
		long r = sys_stream_read(port_of(f), chunk, n < sizeof(chunk) ? (long)n : (long)sizeof(chunk));
		if (r >= 0) {
			memcpy(buf, chunk, (size_t)r); /* the program's pages are made as they are touched */
			return r;
		}
		if (r != -E_AGAIN)
			return lx_errno(r);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long e = stream_wait();
		if (e < 0)
			return e;
	}
}

/* Send all n bytes to the host, waiting for room unless nonblocking; the host end closed: SIGPIPE and -EPIPE. */
static long stream_write(struct file *f, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		long r = sys_stream_write(port_of(f), (const char *)buf + done, (long)(n - done));
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r == -E_CLOSED)
			lx_signal_send(NULL, SIGPIPE, SI_USER);
		long e = r != -E_AGAIN ? lx_errno(r) : (f->flags & O_NONBLOCK) ? -EAGAIN : stream_wait();
		if (e < 0)
			return done ? (long)done : e;
	}
	return (long)done;
}

static short stream_poll(struct file *f)
{
	long s = sys_stream_poll(port_of(f));
	if (s < 0)
		return POLLERR;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (s & STREAM_READABLE ? POLLIN : 0) | (s & STREAM_CLOSED ? POLLHUP : 0);
	return s & STREAM_CLOSED ? POLLERR : s & STREAM_WRITABLE ? POLLOUT : 0;
}

/* Where a poll waits for a change: the shared queue, once pid 1's stream thread wakes it; NULL before. */
static struct lx_waitq *stream_waitq(struct file *f)
{
	(void)f;
	stream_start_helper();
	return LX_SH->stream_helper ? &LX_SH->stream_waiters : NULL;
}

static const struct file_ops stream_ops = { stream_read, stream_write, lx_no_pread, lx_no_pwrite,
					    NULL,        NULL,         stream_poll, stream_waitq, NULL };

struct file *stream_open_fd(int fd)
{
	if (fd < 0 || fd > 2 || !(stream_fds & (1u << fd)))
		return NULL;
	struct inode *n = inode_new(S_IFIFO | 0600); /* as a host pipe looks */
	struct file *f = n ? file_new(&stream_ops, n, fd == 0 ? O_RDONLY : O_WRONLY) : NULL;
	if (f)
		f->priv = (void *)(uintptr_t)(fd + 1);
	return f;
}
