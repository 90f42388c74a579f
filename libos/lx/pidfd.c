/* pidfds: a process as a file (pidfd_open, CLONE_PIDFD), to signal it, take its descriptors, poll and wait for it. */
#include "libos/lx/vfs.h"

/*
 * The file names a process by its pid and the time it was made, so that a
 * pid used again later names no other process through it. It is readable
 * (poll) once the process has ended, and hangs up once it has been reaped.
 */
struct pidfd {
	int pid;
	uint64_t start_ns;
};

/* The process f names, live or a zombie; NULL once it has been reaped. */
static struct lx_proc *pidfd_proc(struct file *f)
{
	struct pidfd *d = f->priv;
	struct lx_proc *p = lx_proc_of(d->pid);
	return p && p->start_ns == d->start_ns ? p : NULL;
}

static long pidfd_read(struct file *f, void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EINVAL;
}

static long pidfd_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EINVAL;
}

static short pidfd_poll(struct file *f)
{
	struct lx_proc *p = pidfd_proc(f);
	if (!p)
		return POLLIN | POLLRDNORM | POLLHUP;
	return p->state == LX_PROC_ZOMBIE ? POLLIN | POLLRDNORM : 0;
}

static struct lx_waitq *pidfd_waitq(struct file *f)
{
	struct lx_proc *p = pidfd_proc(f);
	return p ? &p->ended : NULL;
}

static void pidfd_close(struct file *f)
{
	lx_free(f->priv);
}

static const struct file_ops pidfd_ops = { .read = pidfd_read,
					   .write = pidfd_write,
					   .pread = lx_no_pread,
					   .pwrite = lx_no_pwrite,
					   .close = pidfd_close,
					   .poll = pidfd_poll,
					   .waitq = pidfd_waitq };

long lx_pidfd_new(int pid, bool nonblock)
{
	struct lx_proc *p = lx_proc_of(pid);
	if (!p)
		return -ESRCH;
	struct file *f = file_new_anon(&pidfd_ops, O_RDWR | (nonblock ? O_NONBLOCK : 0), sizeof(struct pidfd));
	if (!f)
		return -ENOMEM;
	*(struct pidfd *)f->priv = (struct pidfd){ pid, p->start_ns };
	f->anon = "anon_inode:[pidfd]";
	return fd_new(f, true);
}

long lx_pidfd_pid(int fd, bool *nonblock)
{
	struct file *f = file_get(fd);
	if (!f)
		return -EBADF;
	long r = f->ops == &pidfd_ops ? ((struct pidfd *)f->priv)->pid : -EBADF;
	*nonblock = f->flags & O_NONBLOCK;
	file_put(f);
	return r;
}

/* The process pidfd names: 0 with *out (live or a zombie); -EBADF (no pidfd), -ESRCH (reaped). */
static long proc_of_fd(int pidfd, struct lx_proc **out)
{
	struct file *f = file_get(pidfd);
	if (!f)
		return -EBADF;
	long r = f->ops != &pidfd_ops ? -EBADF : (*out = pidfd_proc(f)) ? 0 : -ESRCH;
	file_put(f);
	return r;
}

/* pidfd_open: a pidfd (close-on-exec) for process pid; -EINVAL (bad flags), -ENOENT (a thread's id), -ESRCH. */
long lx_sys_pidfd_open(long pid, long flags)
{
	if (flags & ~PIDFD_NONBLOCK || (int)pid <= 0)
		return -EINVAL;
	if (!lx_proc_of((int)pid))
		return lx_thread_by_tid((int)pid) ? -ENOENT : -ESRCH; /* another thread's id names no process */
	return lx_pidfd_new((int)pid, flags & PIDFD_NONBLOCK);
}

/*
 * pidfd_send_signal: kill for the process pidfd names (0 for a zombie, as
 * Linux), or with PIDFD_SIGNAL_PROCESS_GROUP for its group;
 * PIDFD_SIGNAL_THREAD signals its process too (lx sends no signal to a thread
 * of another process). -EINVAL, -EBADF, -ESRCH, -EPERM.
 */
long lx_sys_pidfd_send_signal(int pidfd, long sig, uint64_t uinfo, long flags)
{
	struct lx_proc *p = NULL;
	bool scopes = flags & ~(PIDFD_SIGNAL_THREAD | PIDFD_SIGNAL_THREAD_GROUP | PIDFD_SIGNAL_PROCESS_GROUP);
	long r = scopes || (flags & (flags - 1)) ? -EINVAL : proc_of_fd(pidfd, &p); /* at most one scope */
	if (r < 0)
		return r;
	if ((int)sig < 0 || (int)sig > NSIG)
		return -EINVAL;
	if (uinfo) { /* a program's own siginfo: for the same signal; to another process only with a code < 0 */
		struct linux_siginfo si;
		if (copy_from_user(&si, uinfo, sizeof(si)) < 0)
			return -EFAULT;
		if (si.signo != (int)sig)
			return -EINVAL;
		if (p != lx_me && (si.code >= 0 || si.code == SI_TKILL))
			return -EPERM;
	}
	if (flags & PIDFD_SIGNAL_PROCESS_GROUP)
		return lx_sys_kill(-p->pgid, sig);
	if (p->state == LX_PROC_ZOMBIE)
		return lx_cred_may_signal(p, (int)sig) ? 0 : -EPERM;
	return lx_sys_kill(p->pid, sig);
}

/* pidfd_getfd: a duplicate (close-on-exec) of descriptor fd of the process; -EBADF, -ESRCH, -EPERM, -EINVAL. */
long lx_sys_pidfd_getfd(int pidfd, int fd, long flags)
{
	struct lx_proc *p = NULL;
	long r = flags ? -EINVAL : proc_of_fd(pidfd, &p);
	if (r < 0)
		return r;
	if (!lx_cred_privileged() && (p->uid != lx_me->uid || p->suid != lx_me->uid))
		return -EPERM; /* as ptrace's attach check: the same real user id, or root */
	if (p->state == LX_PROC_ZOMBIE)
		return -ESRCH; /* as Linux: an ended process is no longer there to take from */
	if (!p->fds || fd < 0 || fd >= p->fd_end || !p->fds[fd].f)
		return -EBADF;
	struct file *f = p->fds[fd].f;
	f->refs++;
	return fd_new(f, true);
}
