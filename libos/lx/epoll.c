/* epoll (level- and edge-triggered, one-shot, exclusive) and timerfd: event loops over pipes, eventfds, timers and the console. */
#include "libos/lx/vfs.h"

#define LOOK_NS 1000000UL /* files without a wait queue (console, timers) are looked at this often */
#define EP_HASH_MIN 16    /* buckets of an epoll's first table of interests */
#define EP_MAX_NESTS 4    /* epolls inside epolls: at most this many links in a chain of them, as Linux */
/* The events an EPOLLEXCLUSIVE interest may ask for besides, as Linux */
#define EP_EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

/*
 * One watched (descriptor, open file) pair, as Linux keys it. The file is not held: its last close drops the
 * interest (epoll_forget), so a closed connection goes, and a new file at the same number is a new interest.
 *
 * epoll_wait looks only at the interests on its epoll's ready list, as Linux does: an interest is there when
 * its file may have something to report, that is when it was added or changed while its file was ready (arm),
 * when the wait queue where its file announces changes was woken (the interest hangs on that queue,
 * lx_waitq's watch: epoll_queue_woke), when level-triggered and found ready at the last look, or always when
 * its file has no wait queue. Any other
 * interest would report nothing: its file's answer is the one of the last look, and edge-triggered it is
 * not new. So one ready descriptor among 10,000 costs one look.
 *
 * An interest added with EPOLLEXCLUSIVE hangs on its queue after the others, oldest first, and a wake of the
 * queue stops at the first of them whose epoll has a thread in epoll_wait and whose file has what it asks for,
 * as Linux's exclusive wake-up: of several processes' epolls watching one listening socket (nginx's
 * workers), one is woken for a connection, not all.
 */
struct ep_interest {
	int fd;
	struct file *file;
	struct epoll *ep;
	uint32_t events;
	uint64_t data;
	short last;      /* what was reported last (edge-triggered: only new readiness counts) */
	uint64_t wakes;  /* the file's wait queue's wakes when it was last looked at (edge-triggered: a wake is an event) */
	bool disabled;   /* one-shot, already reported */
	bool queued;     /* on ep's ready list */
	struct ep_interest *hnext;               /* in its bucket of ep's table */
	struct ep_interest *fnext, **fprev;      /* in the file's list of watchers */
	struct ep_interest *rnext, **rprev;      /* on ep's ready list */
	struct lx_waitq *q;                      /* the queue it hangs on, or NULL */
	struct ep_interest *qnext, **qprev;      /* in q's watch list */
};

struct epoll {
	struct ep_interest **hash;  /* hash_size buckets of the interests by (fd, file); NULL until the first */
	uint32_t hash_size, count;  /* buckets (a power of 2), interests */
	struct ep_interest *ready, **rtail; /* the ready list, and where the next goes at its end */
	uint32_t nready;
	struct lx_waitq wq;         /* threads in epoll_wait on it, woken when the ready list gains one; an epoll
	                               watching this one hangs on it too */
	struct file *self;          /* its open file (an epoll inside another is watched as a file) */
};

/* ---- the ready list and the queues ---- */

/* Take i off the wait queue it hangs on, if any. */
static void unhook(struct ep_interest *i)
{
	if (!i->q)
		return;
	*i->qprev = i->qnext;
	if (i->qnext)
		i->qnext->qprev = i->qprev;
	i->q = NULL;
}

/* Hang i on queue q (NULL: none) instead of where it hangs now: first, or last if exclusive (epoll_queue_woke). */
static void hook(struct ep_interest *i, struct lx_waitq *q)
{
	if (i->q == q)
		return;
	unhook(i);
	if (!q)
		return;
	struct ep_interest **pp = &q->watch;
	if (i->events & EPOLLEXCLUSIVE)
		while (*pp)
			pp = &(*pp)->qnext;
	i->q = q;
	i->qnext = *pp;
	i->qprev = pp;
	if (*pp)
		(*pp)->qprev = &i->qnext;
	*pp = i;
}

static void ready_remove(struct ep_interest *i)
{
	struct epoll *ep = i->ep;
	*i->rprev = i->rnext;
	if (i->rnext)
		i->rnext->rprev = i->rprev;
	else
		ep->rtail = i->rprev;
	i->queued = false;
	ep->nready--;
}

/* Put i at the end of its epoll's ready list (if it is not there, nor disabled). */
static void ready_add(struct ep_interest *i)
{
	struct epoll *ep = i->ep;
	if (i->queued || i->disabled)
		return;
	i->rnext = NULL;
	i->rprev = ep->rtail;
	*ep->rtail = i;
	ep->rtail = &i->rnext;
	i->queued = true;
	ep->nready++;
}

/* What i's file has now of the events i asks for (errors and hang-ups always). */
static short wanted(const struct ep_interest *i)
{
	struct file *f = i->file;
	return (short)((f->ops->poll ? f->ops->poll(f) : (POLLIN | POLLOUT)) & (short)(i->events | EPOLLERR | EPOLLHUP));
}

/* i may have something to report: on the ready list, and the threads waiting on its epoll woken. */
static void candidate(struct ep_interest *i)
{
	ready_add(i);
	if (i->queued)
		lx_waitq_wake(&i->ep->wq);
}

void epoll_queue_woke(struct lx_waitq *q)
{
	for (struct ep_interest *i = q->watch; i; i = i->qnext) {
		bool woke_one = (i->events & EPOLLEXCLUSIVE) && lx_waitq_waiting(&i->ep->wq) && wanted(i);
		candidate(i);
		if (woke_one)
			break; /* the exclusive interests after it are not told */
	}
}

void epoll_queue_gone(struct lx_waitq *q)
{
	while (q->watch) {
		struct ep_interest *i = q->watch;
		unhook(i);
		candidate(i); /* its next look finds its file's queue again */
	}
}

/* ---- the table of interests ---- */

static uint32_t key_hash(int fd, const struct file *file)
{
	uint64_t k = (uint64_t)(uint32_t)fd * 0x9e3779b97f4a7c15UL ^ (uint64_t)file >> 4;
	return (uint32_t)(k ^ k >> 29);
}

static struct ep_interest **bucket(struct epoll *ep, int fd, const struct file *file)
{
	return &ep->hash[key_hash(fd, file) & (ep->hash_size - 1)];
}

/* Make ep's table twice as big (or its first): false when out of memory (the old one stays, still right). */
static bool table_grow(struct epoll *ep)
{
	uint32_t size = ep->hash_size ? ep->hash_size * 2 : EP_HASH_MIN, old = ep->hash_size;
	struct ep_interest **hash = lx_alloc(size * sizeof(*hash)), **was = ep->hash;
	if (!hash)
		return false;
	ep->hash = hash;
	ep->hash_size = size;
	for (uint32_t b = 0; b < old; b++) {
		for (struct ep_interest *i = was[b], *next; i; i = next) {
			next = i->hnext;
			struct ep_interest **pp = bucket(ep, i->fd, i->file);
			i->hnext = *pp;
			*pp = i;
		}
	}
	lx_free(was);
	return true;
}

/* ep's interest in (fd, file), or NULL. */
static struct ep_interest *find(struct epoll *ep, int fd, const struct file *file)
{
	if (!ep->hash)
		return NULL;
	struct ep_interest *i = *bucket(ep, fd, file);
	while (i && (i->fd != fd || i->file != file))
		i = i->hnext;
	return i;
}

/* Unlink i from its file's watchers, its epoll's table, ready list and its queue, and free it. */
static void interest_drop(struct ep_interest *i)
{
	struct epoll *ep = i->ep;
	*i->fprev = i->fnext;
	if (i->fnext)
		i->fnext->fprev = i->fprev;
	struct ep_interest **pp = bucket(ep, i->fd, i->file);
	while (*pp != i)
		pp = &(*pp)->hnext;
	*pp = i->hnext;
	ep->count--;
	if (i->queued)
		ready_remove(i);
	unhook(i);
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
	for (uint32_t b = 0; b < ep->hash_size; b++)
		while (ep->hash[b])
			interest_drop(ep->hash[b]);
	lx_free(ep->hash);
	lx_waitq_free(&ep->wq);
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

/* An epoll polled (by poll, select or another epoll): readable when an interest on its ready list has an event
   it asked for, as Linux's answer; nothing is taken off the list. */
static short epoll_poll(struct file *f)
{
	struct epoll *ep = f->priv;
	for (struct ep_interest *i = ep->ready; i; i = i->rnext)
		if (wanted(i))
			return POLLIN | POLLRDNORM;
	return 0;
}

static struct lx_waitq *epoll_waitq(struct file *f)
{
	return &((struct epoll *)f->priv)->wq;
}

static const struct file_ops epoll_ops = { .read = ep_none_read, .write = ep_none_write, .pread = lx_no_pread, .pwrite = lx_no_pwrite, .close = epoll_close, .poll = epoll_poll, .waitq = epoll_waitq };

/* The most epolls in a chain down from ep (ep itself is one); EP_MAX_NESTS + 1 when that is too many or the
   chain reaches stop (a loop). */
static int depth_below(const struct epoll *ep, const struct epoll *stop, int level)
{
	if (ep == stop || level > EP_MAX_NESTS)
		return EP_MAX_NESTS + 1;
	int most = 1;
	for (uint32_t b = 0; b < ep->hash_size; b++)
		for (const struct ep_interest *i = ep->hash[b]; i; i = i->hnext)
			if (i->file->ops == &epoll_ops) {
				int d = 1 + depth_below(i->file->priv, stop, level + 1);
				most = d > most ? d : most;
			}
	return most;
}

/* The most epolls in a chain up from ep's file, through the epolls that watch it (ep itself not counted). */
static int depth_above(const struct epoll *ep, int level)
{
	int most = 0;
	for (const struct ep_interest *i = ep->self->watchers; i && level <= EP_MAX_NESTS; i = i->fnext) {
		int d = 1 + depth_above(i->ep, level + 1);
		most = d > most ? d : most;
	}
	return most;
}

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
	ep->rtail = &ep->ready;
	ep->self = f;
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

/*
 * i was added or changed: looked at once now, as Linux does at EPOLL_CTL_ADD and MOD, and on the ready list
 * only if its file has something i asks for, or has no queue to announce it later. An idle interest then
 * costs epoll_wait nothing, from the first wait on.
 */
static void arm(struct ep_interest *i)
{
	if (!i->q || wanted(i))
		candidate(i);
}

/* A new interest of ep in (fd, target) for ev, on the ready list if ready (arm): 0, or -ELOOP (target is an
   epoll that watches ep, or the chain of epolls would be longer than EP_MAX_NESTS links), -ENOMEM. */
static long interest_add(struct epoll *ep, int fd, struct file *target, const struct linux_epoll_event *ev)
{
	struct ep_interest *i;
	if (target->ops == &epoll_ops && depth_above(ep, 0) + depth_below(target->priv, ep, 0) > EP_MAX_NESTS)
		return -ELOOP;
	if (ep->count >= ep->hash_size && !table_grow(ep) && !ep->hash)
		return -ENOMEM;
	if (!(i = lx_alloc(sizeof(*i))))
		return -ENOMEM;
	*i = (struct ep_interest){ .fd = fd, .file = target, .ep = ep, .events = ev->events, .data = ev->data };
	struct lx_waitq *q = target->ops->waitq ? target->ops->waitq(target) : NULL;
	i->wakes = q ? q->wakes - 1 : 0; /* edge-triggered: the first look reports what is ready */
	struct ep_interest **pp = bucket(ep, fd, target);
	i->hnext = *pp;
	*pp = i;
	ep->count++;
	i->fnext = target->watchers;
	i->fprev = &target->watchers;
	if (target->watchers)
		target->watchers->fprev = &i->fnext;
	target->watchers = i;
	hook(i, q); /* from now on: a wake before the first look still makes its epoll readable to one that watches it */
	arm(i);
	return 0;
}

/* EPOLL_CTL_MOD: i wants ev now, armed again (one-shot) and with nothing reported yet. */
static void interest_mod(struct ep_interest *i, const struct linux_epoll_event *ev)
{
	i->events = ev->events;
	i->data = ev->data;
	i->disabled = false;
	i->last = 0;
	arm(i);
}

/* Whether EPOLLEXCLUSIVE, if ev asks for it, may be: at EPOLL_CTL_ADD only, not on an epoll, and with
   nothing but EP_EXCLUSIVE_OK. */
static bool exclusive_ok(int op, const struct file *target, const struct linux_epoll_event *ev)
{
	if (op == EPOLL_CTL_DEL || !(ev->events & EPOLLEXCLUSIVE))
		return true;
	return op == EPOLL_CTL_ADD && target->ops != &epoll_ops && !(ev->events & ~EP_EXCLUSIVE_OK);
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
	if (!exclusive_ok(op, target, ev))
		r = -EINVAL;
	else if (op == EPOLL_CTL_ADD)
		r = i ? -EEXIST : interest_add(ep, fd, target, ev);
	else if (!i)
		r = -ENOENT;
	else if (op == EPOLL_CTL_DEL)
		interest_drop(i);
	else if (op != EPOLL_CTL_MOD || (i->events & EPOLLEXCLUSIVE))
		r = -EINVAL; /* an exclusive interest cannot be changed, as on Linux */
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

/*
 * Look at interest i (just taken off the ready list): the events to report now (0: none). It goes back on the
 * list when a look with no wake in between may report again: level-triggered and ready, or its file has no
 * queue (then *look: epoll_wait must look again by the clock); else it hangs on its file's queue.
 */
static short look_at(struct ep_interest *i, bool *look)
{
	struct file *f = i->file;
	short ready = wanted(i);
	struct lx_waitq *q = f->ops->waitq ? f->ops->waitq(f) : NULL;
	bool woken = q && q->wakes != i->wakes; /* edge-triggered, as Linux: new data is an event even when already readable */
	short fresh = (i->events & EPOLLET) && !woken ? (short)(ready & ~i->last) : ready;
	i->last = ready;
	i->wakes = q ? q->wakes : 0;
	hook(i, q);
	if (fresh && (i->events & EPOLLONESHOT))
		i->disabled = true;
	if (!q)
		*look = true;
	if (!q || (fresh && !(i->events & EPOLLET)))
		ready_add(i);
	return fresh;
}

/* Collect up to max ready events into out, looking at each interest on ep's ready list once at most. */
static long collect(struct epoll *ep, struct linux_epoll_event *out, long max, bool *look)
{
	long n = 0;
	for (uint32_t k = ep->nready; k > 0 && n < max; k--) {
		struct ep_interest *i = ep->ready;
		ready_remove(i);
		short fresh = look_at(i, look);
		if (fresh)
			out[n++] = (struct linux_epoll_event){ (uint32_t)fresh, i->data };
	}
	return n;
}

/* Wait for events on ep until the deadline or a signal. */
static long epoll_wait_on(struct epoll *ep, struct linux_epoll_event *out, long max, uint64_t deadline)
{
	for (;;) {
		bool look = false;
		long n = collect(ep, out, max, &look);
		uint64_t now = clock_ns();
		if (n > 0 || now >= deadline)
			return n;
		if (lx_signal_interrupts())
			return -EINTR;
		lx_waitq_add(&ep->wq);
		uint64_t ns = deadline - now;
		if ((n = collect(ep, out, max, &look)) == 0)
			lx_thread_wait(look && ns > LOOK_NS ? LOOK_NS : ns);
		lx_waitq_leave(&ep->wq); /* so that an exclusive wake passes it by while it does not wait */
		if (n > 0)
			return n;
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

static const struct file_ops tfd_ops = { .read = tfd_read, .write = ep_none_write, .pread = lx_no_pread, .pwrite = lx_no_pwrite, .close = tfd_close, .poll = tfd_poll };

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
