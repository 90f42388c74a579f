/* poll, ppoll, select and pselect6: readiness of descriptors, waiting for a change or a timeout. */
#include "libos/lx/lx.h"

#define POLL_MAX 1024
#define CONSOLE_LOOK_NS 1000000UL /* files without a wait queue (timers; the console before pid 1's console thread): look again this often */

/* The ready events of one pollfd (POLLNVAL for a closed fd); registers for a change when wait. */
static short poll_one(const struct linux_pollfd *p, bool wait, bool *console)
{
	if (p->fd < 0)
		return 0;
	struct file *f = file_get(p->fd);
	if (!f)
		return POLLNVAL;
	short ready = f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
	struct lx_waitq *q = wait && f->ops->waitq ? f->ops->waitq(f) : NULL;
	if (q)
		lx_waitq_add(q);
	else if (wait && f->ops->poll)
		*console = true;
	file_put(f);
	return ready & (p->events | POLLERR | POLLHUP);
}

/* Scan every pollfd once; the number with events. */
static long poll_scan(struct linux_pollfd *fds, long n, bool wait, bool *console)
{
	long count = 0;
	for (long i = 0; i < n; i++) {
		fds[i].revents = poll_one(&fds[i], wait, console);
		count += fds[i].revents != 0;
	}
	return count;
}

/* Wait until some pollfd has events, the deadline (ns since boot) passes, or a signal comes. */
static long poll_wait(struct linux_pollfd *fds, long n, uint64_t deadline)
{
	for (;;) {
		bool console = false;
		long count = poll_scan(fds, n, false, &console);
		uint64_t now = clock_ns();
		if (count > 0 || now >= deadline)
			return count;
		if (lx_signal_interrupts())
			return -EINTR;
		if ((count = poll_scan(fds, n, true, &console)) > 0)
			return count;
		uint64_t ns = deadline - now;
		if (console) {
			console_wait(ns < CONSOLE_LOOK_NS ? ns : CONSOLE_LOOK_NS);
			continue;
		}
		lx_thread_wait(ns);
	}
}

/* A deadline from a relative timespec at uts (NULL: none); -EFAULT or -EINVAL. */
static long deadline_of(long uts, uint64_t *deadline)
{
	uint64_t ns;
	*deadline = ~0UL;
	if (!uts)
		return 0;
	long r = lx_read_timespec(uts, &ns);
	if (r == 0)
		*deadline = clock_ns() + ns;
	return r;
}

/* Run fn with the signal mask at usig (if any) in place, as ppoll and pselect6 do. */
static long with_mask(long usig, long size, long (*fn)(void *), void *arg)
{
	struct lx_thread *me = lx_self();
	uint64_t old = me->sigmask, mask;
	if (usig) {
		if (size != 8)
			return -EINVAL;
		if (!mem_user_ok((uint64_t)usig, 8, false))
			return -EFAULT;
		memcpy(&mask, (const void *)usig, 8);
		me->sigmask = mask & ~((1UL << 8) | (1UL << 18));
	}
	long r = fn(arg);
	if (usig) {
		if (r == -EINTR) { /* the handler runs with the caller's mask, then the old one comes back */
			me->saved_mask = old;
			me->has_saved_mask = true;
		} else {
			me->sigmask = old;
		}
	}
	return r;
}

struct poll_call {
	struct linux_pollfd *fds;
	long n;
	uint64_t deadline;
};

static long poll_call(void *arg)
{
	struct poll_call *c = arg;
	return poll_wait(c->fds, c->n, c->deadline);
}

static long check_fds(long ufds, long n)
{
	if (n < 0 || n > POLL_MAX)
		return -EINVAL;
	return mem_user_ok((uint64_t)ufds, (uint64_t)n * sizeof(struct linux_pollfd), true) ? 0 : -EFAULT;
}

long lx_sys_poll(uint64_t ufds, long n, long timeout_ms)
{
	long r = check_fds(ufds, n);
	if (r < 0)
		return r;
	timeout_ms = (int)timeout_ms;
	uint64_t deadline = timeout_ms < 0 ? ~0UL : clock_ns() + (uint64_t)timeout_ms * 1000000UL;
	return poll_wait((struct linux_pollfd *)ufds, n, deadline);
}

long lx_sys_ppoll(uint64_t ufds, long n, uint64_t uts, uint64_t usig, long size)
{
	struct poll_call c = { (struct linux_pollfd *)ufds, n, 0 };
	long r = check_fds(ufds, n);
	if (r == 0)
		r = deadline_of(uts, &c.deadline);
	return r < 0 ? r : with_mask(usig, size, poll_call, &c);
}

/* ---- select: fd_sets become pollfds and back ---- */
struct select_call {
	long nfds;
	uint64_t *sets[3]; /* read, write, except; NULL when not given */
	uint64_t deadline;
};

static long select_call(void *arg)
{
	struct select_call *c = arg;
	static const short want[3] = { POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI };
	struct linux_pollfd *fds = lx_alloc((size_t)c->nfds * sizeof(*fds) + 1);
	if (!fds)
		return -ENOMEM;
	long n = 0;
	for (long fd = 0; fd < c->nfds; fd++) {
		short ev = 0;
		for (int k = 0; k < 3; k++)
			if (c->sets[k] && (c->sets[k][fd / 64] >> (fd % 64) & 1))
				ev |= want[k];
		if (ev)
			fds[n++] = (struct linux_pollfd){ (int32_t)fd, ev, 0 };
	}
	long r = poll_wait(fds, n, c->deadline), count = 0;
	for (long i = 0; i < n && r >= 0; i++)
		if (fds[i].revents & POLLNVAL)
			r = -EBADF;
	for (int k = 0; k < 3 && r >= 0; k++)
		if (c->sets[k])
			memset(c->sets[k], 0, (size_t)(c->nfds + 63) / 64 * 8);
	for (long i = 0; i < n && r >= 0; i++)
		for (int k = 0; k < 3; k++)
			if (c->sets[k] && (fds[i].revents & want[k] & fds[i].events)) {
				c->sets[k][fds[i].fd / 64] |= 1UL << (fds[i].fd % 64);
				count++;
			}
	lx_free(fds);
	return r < 0 ? r : count;
}

/* Check and gather select's arguments. */
static long select_args(struct select_call *c, long nfds, long r, long w, long e)
{
	long bytes = (nfds + 63) / 64 * 8, u[3] = { r, w, e };
	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	c->nfds = nfds;
	for (int k = 0; k < 3; k++) {
		if (u[k] && !mem_user_ok((uint64_t)u[k], (uint64_t)bytes, true))
			return -EFAULT;
		c->sets[k] = (uint64_t *)u[k];
	}
	return 0;
}

long lx_sys_select(long nfds, long r, long w, long e, uint64_t utv)
{
	struct select_call c;
	long err = select_args(&c, nfds, r, w, e);
	if (err < 0)
		return err;
	c.deadline = ~0UL;
	if (utv) {
		struct linux_timeval tv;
		if (!mem_user_ok((uint64_t)utv, sizeof(tv), true))
			return -EFAULT;
		memcpy(&tv, (const void *)utv, sizeof(tv));
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
		c.deadline = clock_ns() + (uint64_t)tv.tv_sec * 1000000000UL + (uint64_t)tv.tv_usec * 1000UL;
	}
	return select_call(&c);
}

long lx_sys_pselect6(long nfds, long r, long w, long e, uint64_t uts, uint64_t usig)
{
	struct select_call c;
	long err = select_args(&c, nfds, r, w, e);
	if (err == 0)
		err = deadline_of(uts, &c.deadline);
	if (err < 0)
		return err;
	/* the sixth argument points at { const sigset_t *set; size_t size; } */
	uint64_t ss[2] = { 0, 8 };
	if (usig) {
		if (!mem_user_ok((uint64_t)usig, sizeof(ss), false))
			return -EFAULT;
		memcpy(ss, (const void *)usig, sizeof(ss));
	}
	return with_mask((long)ss[0], (long)ss[1], select_call, &c);
}
