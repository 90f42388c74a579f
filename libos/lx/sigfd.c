/* signalfd: the signals of a mask, pending for whoever reads, read as struct signalfd_siginfo. */
#include "libos/lx/vfs.h"

/*
 * The file keeps only the mask: what it reads is the reading thread's pending
 * signals (its own and its process's), so after a fork parent and child each
 * read their own, as on Linux. A signal on the way wakes the process's
 * waiting threads (lx_proc_wake), whose queue is the file's wait queue.
 */
struct sigfd {
	uint64_t mask; /* bit sig-1 */
};

#define BIT(sig) (1UL << ((sig)-1))
#define UNREADABLE (BIT(SIGKILL) | BIT(SIGSTOP)) /* never in a mask, as Linux */

/* The pending signals f's mask takes, for the running thread. */
static uint64_t sfd_ready(struct file *f)
{
	struct lx_thread *me = lx_self();
	return (me->sigpending | lx_process_pending) & ((struct sigfd *)f->priv)->mask;
}

/* Dequeue the lowest pending signal of mask into si; 0 if none. */
static int sfd_take(uint64_t mask, struct linux_signalfd_siginfo *si)
{
	int sig = lx_signal_take(mask);
	if (!sig)
		return 0;
	struct lx_sigfrom from = lx_signal_from(sig);
	*si = (struct linux_signalfd_siginfo){ .signo = (uint32_t)sig,
					       .code = from.code,
					       .pid = (uint32_t)from.pid,
					       .uid = from.uid,
					       .status = from.status };
	return sig;
}

/* read: as many pending signals as n holds 128-byte records for, waiting for the first unless O_NONBLOCK. */
static long sfd_read(struct file *f, void *buf, size_t n)
{
	struct linux_signalfd_siginfo si;
	size_t done = 0;
	if (n < sizeof(si))
		return -EINVAL;
	while (!sfd_ready(f)) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (lx_signal_interrupts())
			return -EINTR;
		lx_thread_wait(LX_RECHECK_NS);
	}
	for (; done + sizeof(si) <= n && sfd_take(((struct sigfd *)f->priv)->mask, &si); done += sizeof(si))
		memcpy((char *)buf + done, &si, sizeof(si));
	return (long)done;
}

static long sfd_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EINVAL;
}

static short sfd_poll(struct file *f)
{
	return sfd_ready(f) ? POLLIN : 0;
}

/* A signal for the poller's process wakes this queue (lx_signal_send, kill). */
static struct lx_waitq *sfd_waitq(struct file *f)
{
	(void)f;
	return &lx_me->wake;
}

static void sfd_close(struct file *f)
{
	lx_free(f->priv);
}

static const struct file_ops sfd_ops = { .read = sfd_read,
					 .write = sfd_write,
					 .pread = lx_no_pread,
					 .pwrite = lx_no_pwrite,
					 .close = sfd_close,
					 .poll = sfd_poll,
					 .waitq = sfd_waitq };

/* Read the mask at umask (size must be 8); -EINVAL, -EFAULT. */
static long read_mask(uint64_t umask, long size, uint64_t *mask)
{
	if (size != sizeof(*mask))
		return -EINVAL;
	if (copy_from_user(mask, umask, sizeof(*mask)) < 0)
		return -EFAULT;
	*mask &= ~UNREADABLE;
	return 0;
}

/* signalfd4: a new signalfd for the mask (fd -1), or fd's mask replaced; -EBADF, -EINVAL (fd no signalfd). */
long lx_sys_signalfd4(int fd, uint64_t umask, long size, long flags)
{
	uint64_t mask;
	long r;
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if ((r = read_mask(umask, size, &mask)) < 0)
		return r;
	if (fd != -1) {
		struct file *f = file_get(fd);
		if (!f)
			return -EBADF;
		r = f->ops == &sfd_ops ? fd : -EINVAL;
		if (r >= 0)
			((struct sigfd *)f->priv)->mask = mask;
		file_put(f);
		return r;
	}
	struct file *f = file_new_anon(&sfd_ops, O_RDWR | (int)(flags & SFD_NONBLOCK), sizeof(struct sigfd));
	if (!f)
		return -ENOMEM;
	((struct sigfd *)f->priv)->mask = mask;
	f->anon = "anon_inode:[signalfd]";
	return fd_new(f, flags & SFD_CLOEXEC);
}

long lx_sys_signalfd(int fd, uint64_t umask, long size)
{
	return lx_sys_signalfd4(fd, umask, size, 0);
}
