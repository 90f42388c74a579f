/* poll: readiness of descriptors, waiting on the console when nothing is ready yet. */
#include "libos/lx/lx.h"

#define POLL_MAX 1024

/* The ready events of one pollfd (POLLNVAL for a closed fd). */
static short poll_one(const struct linux_pollfd *p)
{
	if (p->fd < 0)
		return 0;
	struct file *f = file_get(p->fd);
	if (!f)
		return POLLNVAL;
	short ready = f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT);
	return ready & (p->events | POLLERR | POLLHUP);
}

/* Scan every pollfd once; the number with events. */
static long poll_scan(struct linux_pollfd *fds, long n)
{
	long count = 0;
	for (long i = 0; i < n; i++) {
		fds[i].revents = poll_one(&fds[i]);
		count += fds[i].revents != 0;
	}
	return count;
}

long lx_sys_poll(long ufds, long n, long timeout_ms, long a4, long a5, long a6)
{
	(void)a4, (void)a5, (void)a6;
	if (n < 0 || n > POLL_MAX)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)ufds, (uint64_t)n * sizeof(struct linux_pollfd), true))
		return -EFAULT;
	struct linux_pollfd *fds = (struct linux_pollfd *)ufds;
	uint64_t deadline = timeout_ms < 0 ? ~0UL : clock_ns() + (uint64_t)timeout_ms * 1000000UL;
	for (;;) {
		long count = poll_scan(fds, n);
		uint64_t now = clock_ns();
		if (count > 0 || now >= deadline)
			return count;
		console_wait(deadline - now); /* only the console can become ready by itself */
	}
}
