/* Pipes: a ring buffer in the heap all processes share, with readers and writers that wait on their notifications. */
#include "libos/lx/fs.h"

#define PIPE_SIZE 65536

struct pipe {
	uint8_t buf[PIPE_SIZE];
	uint32_t start, len;
	int readers, writers;
	struct lx_waitq waiters; /* threads waiting for a change */
};

/* Wake every thread waiting on p (something changed). */
static void pipe_wake(struct pipe *p)
{
	lx_waitq_wake(&p->waiters);
}

/* Wait for a change to p, or a signal: 0, or -EINTR. */
static long pipe_wait(struct pipe *p)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(&p->waiters);
	lx_thread_wait(100000000UL); /* look again now and then, whatever happened */
	return lx_signal_interrupts() ? -EINTR : 0;
}

static long pipe_read(struct file *f, void *buf, size_t n)
{
	struct pipe *p = f->priv;
	while (p->len == 0) {
		if (p->writers == 0 || n == 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = pipe_wait(p);
		if (r < 0)
			return r;
	}
	size_t k = n < p->len ? n : p->len;
	for (size_t i = 0; i < k; i++)
		((uint8_t *)buf)[i] = p->buf[(p->start + i) % PIPE_SIZE];
	p->start = (uint32_t)((p->start + k) % PIPE_SIZE);
	p->len -= (uint32_t)k;
	pipe_wake(p);
	return (long)k;
}

static long pipe_write(struct file *f, const void *buf, size_t n)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	while (done < n) {
		if (p->readers == 0) {
			lx_signal_send(NULL, 13, 0); /* SIGPIPE */
			return done ? (long)done : -EPIPE;
		}
		size_t room = PIPE_SIZE - p->len;
		if (room == 0) {
			if (f->flags & O_NONBLOCK)
				return done ? (long)done : -EAGAIN;
			long r = pipe_wait(p);
			if (r < 0)
				return done ? (long)done : r;
			continue;
		}
		size_t k = n - done < room ? n - done : room;
		for (size_t i = 0; i < k; i++)
			p->buf[(p->start + p->len + i) % PIPE_SIZE] = ((const uint8_t *)buf)[done + i];
		p->len += (uint32_t)k;
		done += k;
		pipe_wake(p);
	}
	return (long)done;
}

static void pipe_close(struct file *f)
{
	struct pipe *p = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	pipe_wake(p);
	if (p->readers == 0 && p->writers == 0)
		lx_free(p);
}

static short pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (p->len ? POLLIN : 0) | (p->writers ? 0 : POLLHUP);
	return (p->len < PIPE_SIZE ? POLLOUT : 0) | (p->readers ? 0 : POLLERR);
}

static struct lx_waitq *pipe_waitq(struct file *f)
{
	return &((struct pipe *)f->priv)->waiters;
}

static const struct file_ops pipe_ops = { pipe_read, pipe_write, lx_no_pread, lx_no_pwrite, NULL, pipe_close, pipe_poll,
					  pipe_waitq };

/* Both ends of a new pipe into fds[0] (read) and fds[1] (write). */
long lx_sys_pipe2(long ufds, long flags, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!mem_user_ok((uint64_t)ufds, 8, true))
		return -EFAULT;
	struct pipe *p = lx_alloc(sizeof(*p));
	struct inode *n = p ? inode_new(S_IFIFO | 0600) : NULL;
	struct file *r = n ? file_new(&pipe_ops, n, O_RDONLY | (int)(flags & O_NONBLOCK)) : NULL;
	struct file *w = r ? file_new(&pipe_ops, n, O_WRONLY | (int)(flags & O_NONBLOCK)) : NULL;
	if (!w) {
		lx_free(p);
		return -ENOMEM; /* (a partly made inode or file is left to the heap) */
	}
	r->priv = w->priv = p;
	p->readers = p->writers = 1;
	int rfd = fd_install(r, 0, flags & O_CLOEXEC);
	int wfd = rfd < 0 ? rfd : fd_install(w, 0, flags & O_CLOEXEC);
	if (wfd < 0) {
		if (rfd >= 0)
			fd_close(rfd);
		return wfd;
	}
	((int *)ufds)[0] = rfd;
	((int *)ufds)[1] = wfd;
	return 0;
}

long lx_sys_pipe(long ufds, long a2, long a3, long a4, long a5, long a6)
{
	(void)a2;
	return lx_sys_pipe2(ufds, 0, a3, a4, a5, a6);
}
