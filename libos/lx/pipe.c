/* Pipes: ring buffers in the heap all processes share, with readers and writers that wait on their notifications. */
#include "libos/lx/vfs.h"

/* A pipe is one ring: its read end takes from it, its write end puts in it. */
#define PIPE_SIZE 65536

struct ring {
	uint8_t buf[PIPE_SIZE];
	uint32_t start, len;
	int readers, writers;
	struct lx_waitq *wq;     /* where changes are announced */
	struct lx_waitq waiters; /* a pipe's own queue */
};

/* Wake every thread waiting on r (something changed). */
static void ring_wake(struct ring *r)
{
	lx_waitq_wake(r->wq);
}

/* Wait for a change to r, or a signal: 0, or -EINTR. */
static long ring_wait(struct ring *r)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(r->wq);
	lx_thread_wait(LX_RECHECK_NS); /* look again now and then, whatever happened */
	return lx_signal_interrupts() ? -EINTR : 0;
}

/* Take up to n bytes from r; 0 at end of file (no writers left), -EAGAIN when nonblock and empty. */
static long ring_read(struct ring *r, void *buf, size_t n, bool nonblock)
{
	while (r->len == 0) {
		if (r->writers == 0 || n == 0)
			return 0;
		if (nonblock)
			return -EAGAIN;
		long e = ring_wait(r);
		if (e < 0)
			return e;
	}
	size_t k = n < r->len ? n : r->len;
	for (size_t i = 0; i < k; i++)
		((uint8_t *)buf)[i] = r->buf[(r->start + i) % PIPE_SIZE];
	r->start = (uint32_t)((r->start + k) % PIPE_SIZE);
	r->len -= (uint32_t)k;
	ring_wake(r);
	return (long)k;
}

/* Put n bytes into r, waiting for room unless nonblock; with no reader left, SIGPIPE and -EPIPE. */
static long ring_write(struct ring *r, const void *buf, size_t n, bool nonblock)
{
	size_t done = 0;
	while (done < n) {
		if (r->readers == 0) {
			lx_signal_send(NULL, SIGPIPE, SI_USER);
			return done ? (long)done : -EPIPE;
		}
		size_t room = PIPE_SIZE - r->len;
		if (room == 0) {
			if (nonblock)
				return done ? (long)done : -EAGAIN;
			long e = ring_wait(r);
			if (e < 0)
				return done ? (long)done : e;
			continue;
		}
		size_t k = n - done < room ? n - done : room;
		for (size_t i = 0; i < k; i++)
			r->buf[(r->start + r->len + i) % PIPE_SIZE] = ((const uint8_t *)buf)[done + i];
		r->len += (uint32_t)k;
		done += k;
		ring_wake(r);
	}
	return (long)done;
}

/* ---- pipes ---- */

static long pipe_read(struct file *f, void *buf, size_t n)
{
	return ring_read(f->priv, buf, n, f->flags & O_NONBLOCK);
}

static long pipe_write(struct file *f, const void *buf, size_t n)
{
	return ring_write(f->priv, buf, n, f->flags & O_NONBLOCK);
}

static void pipe_close(struct file *f)
{
	struct ring *r = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		r->readers--;
	else
		r->writers--;
	ring_wake(r);
	if (r->readers == 0 && r->writers == 0)
		lx_free(r);
}

static short pipe_poll(struct file *f)
{
	struct ring *r = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (r->len ? POLLIN : 0) | (r->writers ? 0 : POLLHUP);
	return (r->len < PIPE_SIZE ? POLLOUT : 0) | (r->readers ? 0 : POLLERR);
}

static struct lx_waitq *pipe_waitq(struct file *f)
{
	return ((struct ring *)f->priv)->wq;
}

static const struct file_ops pipe_ops = { pipe_read, pipe_write, lx_no_pread, lx_no_pwrite, NULL, pipe_close, pipe_poll,
					  pipe_waitq };

/* Install a and b as two new descriptors, into fds[0] and fds[1]; 0, or -errno with both dropped. */
static long install_two(long ufds, struct file *a, struct file *b, bool cloexec)
{
	int fa = fd_install(a, 0, cloexec);
	int fb = fa < 0 ? fa : fd_install(b, 0, cloexec);
	if (fb < 0) {
		if (fa >= 0)
			fd_close(fa);
		else
			file_put(a);
		file_put(b);
		return fb;
	}
	((int *)ufds)[0] = fa;
	((int *)ufds)[1] = fb;
	return 0;
}

/* Both ends of a new pipe into fds[0] (read) and fds[1] (write). */
long lx_sys_pipe2(uint64_t ufds, long flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!mem_user_ok((uint64_t)ufds, 8, true))
		return -EFAULT;
	struct ring *p = lx_alloc(sizeof(*p));
	struct inode *n = p ? inode_new(S_IFIFO | 0600) : NULL;
	struct file *r = n ? file_new(&pipe_ops, n, O_RDONLY | (int)(flags & O_NONBLOCK)) : NULL;
	struct file *w = r ? file_new(&pipe_ops, n, O_WRONLY | (int)(flags & O_NONBLOCK)) : NULL;
	if (!w) {
		lx_free(p);
		return -ENOMEM; /* (a partly made inode or file is left to the heap) */
	}
	r->priv = w->priv = p;
	p->readers = p->writers = 1;
	p->wq = &p->waiters;
	return install_two(ufds, r, w, flags & O_CLOEXEC);
}

long lx_sys_pipe(uint64_t ufds)
{
	return lx_sys_pipe2(ufds, 0);
}
