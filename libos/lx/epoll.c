/* epoll (level- and edge-triggered, one-shot) and timerfd: event loops over pipes, eventfds, timers and the console. */
#include "libos/lx/vfs.h"

#define LOOK_NS 1000000UL /* files without a wait queue (console, timers) are looked at this often */


/* One watched (descriptor, open file) pair, as Linux keys it. The file is not held: its last close drops the
   interest (epoll_forget), so a closed connection goes, and a new file at the same number is a new interest. */
struct ep_interest {
	int fd;
	struct file *file;
	struct epoll *ep;
	uint32_t events;
	uint64_t data;
	short last;      /* what was reported last (edge-triggered: only new readiness counts) */
	uint64_t wakes;  /* the file's wait queue's wakes when it was last looked at (edge-triggered: a wake is an event) */
	bool disabled;   /* one-shot, already reported */
	struct ep_interest *next;  /* in ep's list */
	struct ep_interest *fnext; /* in the file's list of watchers */
};

struct epoll {
	struct ep_interest *list;
};

/* Unlink i from its file's watchers and its epoll's list, and free it. */
static void interest_drop(struct ep_interest *i)
{
	struct ep_interest **pp = &i->file->watchers;
	while (*pp != i)
		pp = &(*pp)->fnext;
	*pp = i->fnext;
	for (pp = &i->ep->list; *pp != i; pp = &(*pp)->next)
		;
	*pp = i->next;
	lx_free(i);
}

void epoll_forget(struct file *f)
{
	while (f->watchers)
		interest_drop(f->watchers);
}

static void epoll_close(struct file *f)
{
	struct epoll *ep = f->priv;
	while (ep->list)
		interest_drop(ep->list);
	lx_free(ep);
}

static long ep_none_read(struct file *f, void *b, size_t n)
{
	(void)f, (void)b, (void)n;
	return -EINVAL;
}

static long ep_none_write(struct file *f, const void *b, size_t n)
{
	(void)f, (void)b, (void)n;
	return -EINVAL;
}

static const struct file_ops epoll_ops = { ep_none_read, ep_none_write, lx_no_pread, lx_no_pwrite, NULL, epoll_close,
					   NULL, NULL, NULL };

long lx_sys_epoll_create1(long flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct epoll *ep = lx_alloc(sizeof(*ep));
	struct file *f = ep ? file_new(&epoll_ops, NULL, O_RDWR) : NULL;
	if (!f) {
		lx_free(ep);
		return -ENOMEM;
	}
	f->priv = ep;
	f->anon = "anon_inode:[eventpoll]";
	return fd_new(f, flags & O_CLOEXEC);
}

long lx_sys_epoll_create(long size)
{
	return size <= 0 ? -EINVAL : lx_sys_epoll_create1(0);
}

static struct epoll *epoll_of(long epfd, struct file **f)
{
	*f = file_get((int)epfd);
	if (*f && (*f)->ops != &epoll_ops) {
		file_put(*f);
		*f = NULL;
		return NULL;
	}
	return *f ? (*f)->priv : NULL;
}

/* ep's interest in (fd, file), or NULL. */
static struct ep_interest *find(struct epoll *ep, int fd, const struct file *file)
{
	struct ep_interest *i = ep->list;
	while (i && (i->fd != fd || i->file != file))
		i = i->next;
	return i;
}

/* A new interest of ep in (fd, target) for ev: 0, or -EINVAL (target is an epoll), -ENOMEM. */
static long interest_add(struct epoll *ep, int fd, struct file *target, const struct linux_epoll_event *ev)
{
	struct ep_interest *i;
	if (target->ops == &epoll_ops)
		return -EINVAL;
	if (!(i = lx_alloc(sizeof(*i))))
		return -ENOMEM;
	*i = (struct ep_interest){ .fd = fd, .file = target, .ep = ep, .events = ev->events, .data = ev->data,
				   .next = ep->list, .fnext = target->watchers };
	i->wakes = target->ops->waitq && target->ops->waitq(target) ? target->ops->waitq(target)->wakes - 1 : 0;
	ep->list = i;
	target->watchers = i;
	return 0;
}

/* EPOLL_CTL_MOD: i wants ev now, armed again (one-shot) and with nothing reported yet. */
static void interest_mod(struct ep_interest *i, const struct linux_epoll_event *ev)
{
	i->events = ev->events;
	i->data = ev->data;
	i->disabled = false;
	i->last = 0;
}

/* Add, change or remove the interest of epoll ep in fd: 0, or -EBADF (fd not open), -EEXIST (added already),
   -ENOENT (not added), -EINVAL, -ENOMEM. */
static long ctl(struct epoll *ep, int op, int fd, const struct linux_epoll_event *ev)
{
	struct file *target = file_get(fd);
	if (!target)
		return -EBADF;
	struct ep_interest *i = find(ep, fd, target);
	long r = 0;
	if (op == EPOLL_CTL_ADD)
		r = i ? -EEXIST : interest_add(ep, fd, target, ev);
	else if (!i)
		r = -ENOENT;
	else if (op == EPOLL_CTL_DEL)
		interest_drop(i);
	else if (op != EPOLL_CTL_MOD)
		r = -EINVAL;
	else
		interest_mod(i, ev);
	file_put(target);
	return r;
}

long lx_sys_epoll_ctl(int epfd, long op, int fd, uint64_t uev)
{
	struct file *f;
	struct epoll *ep = epoll_of(epfd, &f);
	struct linux_epoll_event ev = { 0, 0 };
	if (!ep)
		return f ? -EINVAL : -EBADF;
	long r = 0;
	if (op != EPOLL_CTL_DEL && !mem_user_ok((uint64_t)uev, sizeof(ev), false))
		r = -EFAULT;
	else if (op != EPOLL_CTL_DEL)
		memcpy(&ev, (const void *)uev, sizeof(ev));
	if (r == 0)
		r = (int)fd == (int)epfd ? -EINVAL : ctl(ep, (int)op, (int)fd, &ev);
	file_put(f);
	return r;
}

/* Collect up to max ready events into out; register for changes when wait. */
static long collect(struct epoll *ep, struct linux_epoll_event *out, long max, bool wait, bool *look)
{
	long n = 0;
	for (struct ep_interest *i = ep->list; i && n < max; i = i->next) {
		if (i->disabled)
			continue;
		struct file *f = i->file;
		short ready = (short)((f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT)) &
				      (short)(i->events | EPOLLERR | EPOLLHUP));
		struct lx_waitq *fq = f->ops->waitq ? f->ops->waitq(f) : NULL, *q = wait ? fq : NULL;
		bool woken = fq && fq->wakes != i->wakes; /* edge-triggered, as Linux: new data is an event even when already readable */
		short fresh = (i->events & EPOLLET) && !woken ? (short)(ready & ~i->last) : ready;
		i->last = ready;
		i->wakes = fq ? fq->wakes : 0;
		if (q)
			lx_waitq_add(q);
		else if (wait)
			*look = true;
		if (!fresh)
			continue;
		out[n++] = (struct linux_epoll_event){ (uint32_t)fresh, i->data };
		if (i->events & EPOLLONESHOT)
			i->disabled = true;
	}
	return n;
}

/* Wait for events on ep until the deadline or a signal. */
static long epoll_wait_on(struct epoll *ep, struct linux_epoll_event *out, long max, uint64_t deadline)
{
	for (;;) {
		bool look = false;
		long n = collect(ep, out, max, false, &look);
		uint64_t now = clock_ns();
		if (n > 0 || now >= deadline)
			return n;
		if (lx_signal_interrupts())
			return -EINTR;
		if ((n = collect(ep, out, max, true, &look)) > 0)
			return n;
		uint64_t ns = deadline - now;
		lx_thread_wait(look && ns > LOOK_NS ? LOOK_NS : ns);
	}
}

long lx_sys_epoll_pwait(int epfd, uint64_t uev, long max, long timeout_ms, uint64_t usig, long size)
{
	struct file *f;
	struct epoll *ep = epoll_of(epfd, &f);
	if (!ep)
		return f ? -EINVAL : -EBADF;
	long r = 0;
	struct lx_thread *me = lx_self();
	uint64_t old = me->sigmask, mask;
	if (max <= 0 || max > 65536)
		r = -EINVAL;
	else if (!mem_user_ok((uint64_t)uev, (uint64_t)max * sizeof(struct linux_epoll_event), true))
		r = -EFAULT;
	else if (usig && (size != 8 || !mem_user_ok((uint64_t)usig, 8, false)))
		r = size != 8 ? -EINVAL : -EFAULT;
	if (r == 0) {
		if (usig) {
			memcpy(&mask, (const void *)usig, 8);
			me->sigmask = mask & ~((1UL << 8) | (1UL << 18));
		}
		timeout_ms = (int)timeout_ms;
		uint64_t deadline = timeout_ms < 0 ? ~0UL : clock_ns() + (uint64_t)timeout_ms * 1000000UL;
		r = epoll_wait_on(ep, (struct linux_epoll_event *)uev, max, deadline);
		if (usig)
			me->sigmask = old;
	}
	file_put(f);
	return r;
}

long lx_sys_epoll_wait(int epfd, uint64_t uev, long max, long timeout_ms)
{
	return lx_sys_epoll_pwait(epfd, uev, max, timeout_ms, 0, 8);
}

/* ---- timerfd ---- */
struct timerfd {
	int clock;
	uint64_t next, interval; /* next expiry (ns on the clock), 0 when disarmed; period, 0 for one shot */
	uint64_t pending;        /* expirations not yet read */
};

/* The clock a timerfd counts on, in ns (realtime: the launch time plus time since boot). */
static uint64_t timer_now(const struct timerfd *t)
{
	return clock_ns() + (t->clock == CLOCK_REALTIME ? lx_boot_time * 1000000000UL : 0);
}

/* Count the expirations that have happened by now. */
static void timer_update(struct timerfd *t)
{
	uint64_t now = timer_now(t);
	if (!t->next || now < t->next)
		return;
	if (!t->interval) {
		t->pending++;
		t->next = 0;
		return;
	}
	uint64_t n = (now - t->next) / t->interval + 1;
	t->pending += n;
	t->next += n * t->interval;
}

static long tfd_read(struct file *f, void *buf, size_t n)
{
	struct timerfd *t = f->priv;
	if (n < 8)
		return -EINVAL;
	for (timer_update(t); !t->pending; timer_update(t)) {
		if ((f->flags & O_NONBLOCK) || !t->next)
			return -EAGAIN;
		if (lx_signal_interrupts())
			return -EINTR;
		uint64_t now = timer_now(t);
		lx_thread_wait(t->next > now ? t->next - now : 0);
	}
	memcpy(buf, &t->pending, 8);
	t->pending = 0;
	return 8;
}

static short tfd_poll(struct file *f)
{
	struct timerfd *t = f->priv;
	timer_update(t);
	return t->pending ? POLLIN : 0;
}

static void tfd_close(struct file *f)
{
	lx_free(f->priv);
}

static const struct file_ops tfd_ops = { tfd_read, ep_none_write, lx_no_pread, lx_no_pwrite, NULL, tfd_close,
					 tfd_poll, NULL, NULL };

long lx_sys_timerfd_create(long clk, long flags)
{
	if ((clk != CLOCK_REALTIME && clk != CLOCK_MONOTONIC && clk != CLOCK_BOOTTIME) || (flags & ~(O_CLOEXEC | O_NONBLOCK)))
		return -EINVAL;
	struct file *f = file_new_anon(&tfd_ops, O_RDONLY | (int)(flags & O_NONBLOCK), sizeof(struct timerfd));
	if (!f)
		return -ENOMEM;
	((struct timerfd *)f->priv)->clock = (int)clk;
	f->anon = "anon_inode:[timerfd]";
	return fd_new(f, flags & O_CLOEXEC);
}

static uint64_t ts_ns(const struct linux_timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000UL + (uint64_t)ts->tv_nsec;
}

static void ns_ts(uint64_t ns, struct linux_timespec *ts)
{
	ts->tv_sec = (int64_t)(ns / 1000000000UL);
	ts->tv_nsec = (int64_t)(ns % 1000000000UL);
}

/* The current setting as struct itimerspec { interval, value }. */
static void tfd_current(struct timerfd *t, struct linux_timespec out[2])
{
	timer_update(t);
	uint64_t now = timer_now(t);
	ns_ts(t->interval, &out[0]);
	ns_ts(t->next > now ? t->next - now : 0, &out[1]);
}

long lx_sys_timerfd_settime(int fd, long flags, uint64_t unew, uint64_t uold)
{
	struct linux_timespec nv[2], ov[2];
	struct file *f = file_get((int)fd);
	long r = 0;
	if (!f)
		return -EBADF;
	if (f->ops != &tfd_ops || (flags & ~1L))
		r = -EINVAL;
	else if (!mem_user_ok((uint64_t)unew, sizeof(nv), false) || (uold && !mem_user_ok((uint64_t)uold, sizeof(ov), true)))
		r = -EFAULT;
	if (r == 0) {
		struct timerfd *t = f->priv;
		memcpy(nv, (const void *)unew, sizeof(nv));
		if (nv[0].tv_nsec < 0 || nv[0].tv_nsec >= 1000000000L || nv[1].tv_nsec < 0 || nv[1].tv_nsec >= 1000000000L ||
		    nv[0].tv_sec < 0 || nv[1].tv_sec < 0) {
			r = -EINVAL;
		} else {
			tfd_current(t, ov);
			uint64_t value = ts_ns(&nv[1]);
			t->interval = ts_ns(&nv[0]);
			t->pending = 0;
			t->next = !value ? 0 : (flags & 1) ? value : timer_now(t) + value; /* TFD_TIMER_ABSTIME */
			if (uold)
				memcpy((void *)uold, ov, sizeof(ov));
		}
	}
	file_put(f);
	return r;
}

long lx_sys_timerfd_gettime(int fd, uint64_t ucur)
{
	struct linux_timespec cur[2];
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r = f->ops != &tfd_ops ? -EINVAL : mem_user_ok((uint64_t)ucur, sizeof(cur), true) ? 0 : -EFAULT;
	if (r == 0) {
		tfd_current(f->priv, cur);
		memcpy((void *)ucur, cur, sizeof(cur));
	}
	file_put(f);
	return r;
}
