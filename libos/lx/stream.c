/* The host's byte streams (kernel stream ports) as descriptors 0, 1 and 2: no line discipline, end of file, EPIPE. */
#include "libos/lx/vfs.h"
#include "libos/lx/dev.h"
#include <mica/stream.h>

/*
 * `mica run` lists in .mica/streams the descriptors whose host side is not
 * a terminal; descriptor fd is stream port fd + 1. pid 1 binds every such
 * port to one notification of its own. While it is the only process it
 * waits on that itself; before its first fork it starts a thread
 * (stream_helper) that waits on it and wakes the threads of every process
 * waiting on a stream, which sleep on a queue in the shared header — as the
 * console's readers do (dev.c). When the host's stdin is a terminal,
 * port STREAM_PORT_WINSIZE brings a line "ROWS COLS" at each resize: pid 1
 * binds it too and starts that thread at once, which hands each line to
 * the console (console_resize: the new size, SIGWINCH to the foreground
 * group), whatever the program is doing.
 */
#define STREAM_BIT 1
#define READ_CHUNK 4096 /* bytes read through lx's stack at a time */

static long stream_ntfn; /* pid 1's, bound to every port; 0 if none */
static unsigned stream_fds; /* bit fd: descriptor fd is a stream */
static bool winsize_port; /* pid 1 holds port STREAM_PORT_WINSIZE */
static char winsize_line[32]; /* its line so far (pid 1's stream thread alone reads it) */
static size_t winsize_len;

/* Bind port to pid 1's stream notification (made at the first): true if it is bound. */
static bool port_bind(long port)
{
	if (!stream_ntfn && (stream_ntfn = sys_ntfn_create()) < 0)
		stream_ntfn = 0;
	return stream_ntfn && sys_stream_bind(port, stream_ntfn, STREAM_BIT) == 0;
}

void stream_init(const char *fds)
{
	for (; fds && *fds; fds++) {
		int fd = *fds - '0';
		if (fd >= 0 && fd <= 2 && port_bind(fd + 1))
			stream_fds |= 1u << fd;
	}
	if (sys_stream_poll(STREAM_PORT_WINSIZE) != -E_NOENT) /* only a port the host gave: else no notification */
		winsize_port = port_bind(STREAM_PORT_WINSIZE);
}

/* One line of the window size port, "ROWS COLS": the console's new size. */
static void winsize_apply(const char *line)
{
	uint64_t rows = 0, cols = 0;
	while (*line >= '0' && *line <= '9')
		rows = rows * 10 + (uint64_t)(*line++ - '0');
	while (*line == ' ')
		line++;
	while (*line >= '0' && *line <= '9')
		cols = cols * 10 + (uint64_t)(*line++ - '0');
	if (*line == 0 && rows <= 0xffff && cols <= 0xffff)
		console_resize(rows, cols);
}

/* pid 1's stream thread: take every whole line the window size port has brought (a line too long is dropped). */
static void winsize_drain(void)
{
	char c;
	while (winsize_port && sys_stream_read(STREAM_PORT_WINSIZE, &c, 1) == 1) {
		if (c != '\n') {
			if (winsize_len < sizeof(winsize_line) - 1)
				winsize_line[winsize_len] = c;
			winsize_len++;
			continue;
		}
		if (winsize_len < sizeof(winsize_line)) {
			winsize_line[winsize_len] = 0;
			winsize_apply(winsize_line);
		}
		winsize_len = 0;
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
		winsize_drain();
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

void stream_start(void)
{
	if (winsize_port)
		stream_start_helper();
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

static const struct file_ops stream_ops = { .read = stream_read,
					    .write = stream_write,
					    .pread = lx_no_pread,
					    .pwrite = lx_no_pwrite,
					    .poll = stream_poll,
					    .waitq = stream_waitq };

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
