/* eventfd: a 64-bit counter as a file, in the heap all processes share. */
#include "libos/lx/vfs.h"

#define COUNTER_MAX 0xFFFFFFFFFFFFFFFEUL

struct eventfd {
	uint64_t count;
	bool semaphore;
	struct lx_waitq waiters;
};

/* Wait for the counter to change, or a signal. */
static long efd_wait(struct eventfd *e)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(&e->waiters);
	lx_thread_wait(LX_RECHECK_NS);
	return lx_signal_interrupts() ? -EINTR : 0;
}

static long efd_read(struct file *f, void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	if (n < 8)
		return -EINVAL;
	while (e->count == 0) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = efd_wait(e);
		if (r < 0)
			return r;
	}
	uint64_t v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, 8);
	lx_waitq_wake(&e->waiters);
	return 8;
}

static long efd_write(struct file *f, const void *buf, size_t n)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	if (n < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == ~0UL)
		return -EINVAL;
	while (COUNTER_MAX - e->count < v) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = efd_wait(e);
		if (r < 0)
			return r;
	}
	e->count += v;
	lx_waitq_wake(&e->waiters);
	return 8;
}

static short efd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	return (e->count ? POLLIN : 0) | (e->count < COUNTER_MAX ? POLLOUT : 0);
}

static struct lx_waitq *efd_waitq(struct file *f)
{
	return &((struct eventfd *)f->priv)->waiters;
}

static void efd_close(struct file *f)
{
	lx_waitq_wake(&((struct eventfd *)f->priv)->waiters); /* gives back what its queue grew */
	lx_free(f->priv);
}

static const struct file_ops efd_ops = { .read = efd_read, .write = efd_write, .pread = lx_no_pread, .pwrite = lx_no_pwrite, .close = efd_close, .poll = efd_poll, .waitq = efd_waitq };

long lx_sys_eventfd2(long initval, long flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct file *f = file_new_anon(&efd_ops, O_RDWR | (int)(flags & O_NONBLOCK), sizeof(struct eventfd));
	if (!f)
		return -ENOMEM;
	struct eventfd *e = f->priv;
	e->count = (uint32_t)initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	f->anon = "anon_inode:[eventfd]";
	return fd_new(f, flags & O_CLOEXEC);
}

long lx_sys_eventfd(long initval)
{
	return lx_sys_eventfd2(initval, 0);
}
