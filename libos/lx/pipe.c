/* Pipes and FIFOs: ring buffers in the heap all processes share, with readers and writers that wait on their notifications. */
#include "libos/lx/vfs.h"

/* A pipe is one ring: its read end takes from it, its write end puts in it. */
#define PIPE_SIZE 65536

struct ring {
	uint8_t buf[PIPE_SIZE];
	uint32_t start, len;
	int readers, writers;
	int rdwr;               /* ends that both read and write (a FIFO opened O_RDWR) */
	struct lx_waitq rd, wr; /* the reading ends' queue, woken when bytes come; the writing ends', when room does */
	struct inode *fifo;     /* a FIFO's node, whose ring this is while some end is open; NULL for a pipe */
	uint64_t opened[2];     /* a FIFO's opens of a reading [0] and of a writing [1] end, ever */
};

/*
 * The queue an end of r (acc: what it may do) waits and is polled on. As on
 * Linux, readers are woken by every write and by an end going, writers by a
 * read that makes room in a full ring and by an end going, so that a read
 * which leaves bytes behind is no new event for an edge-triggered epoll. An
 * end that does both waits on the readers' queue, which then hears the
 * writers' wakes too.
 */
static struct lx_waitq *end_queue(struct ring *r, int acc)
{
	return acc == O_WRONLY ? &r->wr : &r->rd;
}

static void wake_writers(struct ring *r)
{
	lx_waitq_wake(&r->wr);
	if (r->rdwr)
		lx_waitq_wake(&r->rd);
}

static void wake_all(struct ring *r)
{
	lx_waitq_wake(&r->rd);
	lx_waitq_wake(&r->wr);
}

/* Wait on q for a change to its ring, or a signal: 0, or -EINTR. */
static long ring_wait(struct lx_waitq *q)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(q);
	lx_thread_wait(LX_RECHECK_NS); /* look again now and then, whatever happened */
	return lx_signal_interrupts() ? -EINTR : 0;
}

/* Take up to n bytes from r, waiting on q; 0 at end of file (no writers left), -EAGAIN when nonblock and empty. */
static long ring_read(struct ring *r, struct lx_waitq *q, void *buf, size_t n, bool nonblock)
{
	while (r->len == 0) {
		if (r->writers == 0 || n == 0)
			return 0;
		if (nonblock)
			return -EAGAIN;
		long e = ring_wait(q);
		if (e < 0)
			return e;
	}
	bool was_full = r->len == PIPE_SIZE;
	size_t k = n < r->len ? n : r->len, first = PIPE_SIZE - r->start; /* the bytes up to the buffer's end */
	if (first > k)
		first = k;
	memcpy(buf, r->buf + r->start, first);
	memcpy((uint8_t *)buf + first, r->buf, k - first);
	r->start = (uint32_t)((r->start + k) % PIPE_SIZE);
	r->len -= (uint32_t)k;
	if (was_full)
		wake_writers(r);
	return (long)k;
}

/* Put n bytes into r, waiting on q for room unless nonblock; with no reader left, SIGPIPE and -EPIPE. */
static long ring_write(struct ring *r, struct lx_waitq *q, const void *buf, size_t n, bool nonblock)
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
			long e = ring_wait(q);
			if (e < 0)
				return done ? (long)done : e;
			continue;
		}
		size_t k = n - done < room ? n - done : room, at = (r->start + r->len) % PIPE_SIZE;
		size_t first = PIPE_SIZE - at < k ? PIPE_SIZE - at : k; /* the bytes up to the buffer's end */
		memcpy(r->buf + at, (const uint8_t *)buf + done, first);
		memcpy(r->buf, (const uint8_t *)buf + done + first, k - first);
		r->len += (uint32_t)k;
		done += k;
		lx_waitq_wake(&r->rd);
	}
	return (long)done;
}

/* ---- pipes ---- */

static long pipe_read(struct file *f, void *buf, size_t n)
{
	return ring_read(f->priv, end_queue(f->priv, f->flags & O_ACCMODE), buf, n, f->flags & O_NONBLOCK);
}

static long pipe_write(struct file *f, const void *buf, size_t n)
{
	return ring_write(f->priv, end_queue(f->priv, f->flags & O_ACCMODE), buf, n, f->flags & O_NONBLOCK);
}

/* An end of r goes (acc: what it could do; a FIFO's O_RDWR end is both); the ring goes with the last, its bytes too. */
static void ring_drop(struct ring *r, int acc)
{
	if (acc != O_WRONLY)
		r->readers--;
	if (acc != O_RDONLY)
		r->writers--;
	r->rdwr -= acc == O_RDWR;
	wake_all(r);
	if (r->readers == 0 && r->writers == 0) {
		if (r->fifo)
			r->fifo->fifo = NULL;
		lx_waitq_free(&r->rd);
		lx_waitq_free(&r->wr);
		lx_free(r);
	}
}

static void pipe_close(struct file *f)
{
	ring_drop(f->priv, f->flags & O_ACCMODE);
}

static short pipe_poll(struct file *f)
{
	struct ring *r = f->priv;
	int acc = f->flags & O_ACCMODE;
	short ev = 0;
	if (acc != O_WRONLY)
		ev |= (r->len ? POLLIN : 0) | (r->writers ? 0 : POLLHUP);
	if (acc != O_RDONLY)
		ev |= (r->len < PIPE_SIZE ? POLLOUT : 0) | (r->readers ? 0 : POLLERR);
	return ev;
}

static struct lx_waitq *pipe_waitq(struct file *f)
{
	return end_queue(f->priv, f->flags & O_ACCMODE);
}

static const struct file_ops pipe_ops = { .read = pipe_read, .write = pipe_write, .pread = lx_no_pread, .pwrite = lx_no_pwrite, .close = pipe_close, .poll = pipe_poll, .waitq = pipe_waitq };

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
	return install_two(ufds, r, w, flags & O_CLOEXEC);
}

long lx_sys_pipe(uint64_t ufds)
{
	return lx_sys_pipe2(ufds, 0);
}

/* ---- FIFOs ---- */

/*
 * A FIFO is a pipe with a name: its ring exists while some end is open. As
 * on Linux, opening a reading end waits until a writer has opened one (not
 * with O_NONBLOCK), opening a writing end waits for a reader (O_NONBLOCK:
 * ENXIO while there is none), and O_RDWR is both ends and never waits. A
 * wait ends when the other side has opened since it began, even if that end
 * has closed again, and a signal ends it with EINTR.
 */
long fifo_open(struct inode *n, int flags, struct file **out)
{
	int acc = flags & O_ACCMODE;
	bool nonblock = flags & O_NONBLOCK;
	if (acc == O_WRONLY && nonblock && (!n->fifo || n->fifo->readers == 0))
		return -ENXIO;
	struct ring *r = n->fifo ? n->fifo : lx_alloc(sizeof(*r));
	struct file *f = r ? file_new(&pipe_ops, n, flags) : NULL;
	if (!f) {
		if (r && !n->fifo)
			lx_free(r);
		return -ENOMEM;
	}
	if (!n->fifo) {
		r->fifo = n;
		n->fifo = r;
	}
	f->priv = r;
	r->readers += acc != O_WRONLY;
	r->writers += acc != O_RDONLY;
	r->rdwr += acc == O_RDWR;
	r->opened[0] += acc != O_WRONLY;
	r->opened[1] += acc != O_RDONLY;
	wake_all(r);
	int other = acc == O_RDONLY && !nonblock && !r->writers ? 1 : acc == O_WRONLY && !r->readers ? 0 : -1;
	uint64_t seen = other >= 0 ? r->opened[other] : 0; /* wait for the other side's next open */
	long e = 0;
	while (other >= 0 && r->opened[other] == seen && e == 0)
		e = ring_wait(end_queue(r, acc));
	if (e < 0) {
		file_put(f);
		return e;
	}
	*out = f;
	return 0;
}
