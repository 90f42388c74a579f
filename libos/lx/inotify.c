/* inotify: watches on nodes of lx's file system, and the queue of events each instance reads. */
#include "libos/lx/vfs.h"

/*
 * Every watch of every process is on one list in the shared heap
 * (LX_SH->inotify), holding its node; the file system reports each change
 * through vfs_notify, which queues an event on each instance watching the
 * node itself or the directory naming it. With no watch at all, vfs_notify
 * costs one test.
 */
#define QUEUE_MAX 16384 /* events queued before IN_Q_OVERFLOW: Linux's max_queued_events */
#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) /* for a directory's watch only */
#define SELF_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF) /* for the node's own watch only */
#define WATCH_FLAGS (IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | IN_ONESHOT)

/* One queued event: the record read returns, then its name padded to ev.len bytes. */
struct queued {
	struct queued *next;
	struct linux_inotify_event ev;
	char name[];
};

/* An instance: its queue and the next watch descriptor. */
struct inotify {
	struct queued *head, *tail;
	int count; /* events queued */
	uint64_t bytes; /* what read would return of them all */
	int next_wd;
	struct lx_waitq waiters;
};

struct inotify_watch {
	struct inotify_watch *next; /* on LX_SH->inotify */
	struct inotify *in;
	struct inode *node; /* held while watched */
	int wd;
	uint32_t mask; /* events and IN_ONESHOT */
};

/* Does the last queued event say the same (Linux drops such a repeat)? */
static bool same_as_last(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	struct queued *t = in->tail;
	return t && t->ev.wd == wd && t->ev.mask == mask && t->ev.cookie == cookie &&
	       (name ? t->ev.len && strcmp(t->name, name) == 0 : !t->ev.len);
}

/* Queue an event (name: NULL or the child's) on in and wake its readers; past QUEUE_MAX one IN_Q_OVERFLOW. */
static void queue_event(struct inotify *in, int wd, uint32_t mask, uint32_t cookie, const char *name)
{
	if (same_as_last(in, wd, mask, cookie, name))
		return;
	if (in->count >= QUEUE_MAX) {
		if (in->count > QUEUE_MAX)
			return;
		wd = -1, mask = IN_Q_OVERFLOW, cookie = 0, name = NULL;
	}
	uint32_t len = name ? (uint32_t)((strlen(name) + sizeof(struct linux_inotify_event)) &
					 ~(sizeof(struct linux_inotify_event) - 1))
			    : 0; /* the name, its NUL and padding to a whole record size */
	struct queued *q = lx_alloc(sizeof(*q) + len);
	if (!q)
		return;
	q->ev = (struct linux_inotify_event){ wd, mask, cookie, len };
	if (name)
		memcpy(q->name, name, strlen(name));
	*(in->tail ? &in->tail->next : &in->head) = q;
	in->tail = q;
	in->count++;
	in->bytes += sizeof(q->ev) + len;
	lx_waitq_wake(&in->waiters);
}

/* Take w off the list and let its node go. */
static void watch_drop(struct inotify_watch *w)
{
	struct inotify_watch **pp = &LX_SH->inotify;
	while (*pp != w)
		pp = &(*pp)->next;
	*pp = w->next;
	inode_release(w->node);
	lx_free(w);
}

/* The watch ends (removed, one-shot, its node gone): IN_IGNORED, as Linux. */
static void watch_ignore(struct inotify_watch *w)
{
	queue_event(w->in, w->wd, IN_IGNORED, 0, NULL);
	watch_drop(w);
}

/* The name dir gives n (the first, for a node of several names); NULL if none. */
static const char *name_in(struct inode *dir, struct inode *n)
{
	for (struct dentry *d = dir->entries; d; d = d->next)
		if (d->inode == n)
			return d->name;
	return NULL;
}

/* Queue event mask about n (name: its name in w's directory, or NULL for n's own watch) for w. */
static void notify_one(struct inotify_watch *w, uint32_t mask, uint32_t cookie, const char *name, bool isdir)
{
	if (w->mask & mask)
		queue_event(w->in, w->wd, mask | (isdir ? IN_ISDIR : 0), cookie, name);
	if (!name && (mask & IN_DELETE_SELF))
		watch_ignore(w); /* its node is gone */
	else if ((w->mask & mask) && (w->mask & IN_ONESHOT))
		watch_ignore(w);
}

/* The name n has in w's directory, if the event goes to w as a directory's watch; else NULL. */
static const char *child_name(struct inotify_watch *w, struct inode *dir, const char *name, struct inode *n)
{
	if (!ISDIR(w->node))
		return NULL;
	return dir ? (w->node == dir ? name : NULL) : name_in(w->node, n);
}

void vfs_notify(struct inode *dir, const char *name, struct inode *n, uint32_t mask, uint32_t cookie)
{
	struct inotify_watch *w, *next;
	const char *child;
	if (!LX_SH->inotify)
		return;
	bool isdir = ISDIR(n);
	for (w = LX_SH->inotify; w && !(mask & SELF_EVENTS); w = next) { /* the directories' watches first, as Linux */
		next = w->next; /* w may end here */
		if ((child = child_name(w, dir, name, n)))
			notify_one(w, mask, cookie, child, isdir);
	}
	for (w = LX_SH->inotify; w && !(mask & DIR_EVENTS); w = next) { /* then n's own */
		next = w->next;
		if (w->node == n)
			notify_one(w, mask, cookie, NULL, isdir);
	}
}

uint32_t vfs_notify_cookie(void)
{
	return ++LX_SH->inotify_cookie;
}

void vfs_notify_remove(struct inode *dir, struct dentry *d, bool deleted)
{
	struct inode *n = d->inode;
	if (deleted)
		vfs_notify(dir, d->name, n, IN_DELETE, 0);
	inode_hold(n);
	dir_remove(dir, d);
	if (n->nlink == 0)
		vfs_notify(NULL, NULL, n, IN_DELETE_SELF, 0);
	inode_release(n);
}

/* ---- the instance as a file ---- */

/* Wait for an event or a signal: 0 or -EINTR. */
static long in_wait(struct inotify *in)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(&in->waiters);
	lx_thread_wait(LX_RECHECK_NS);
	return lx_signal_interrupts() ? -EINTR : 0;
}

/* read: the queued events that fit in n bytes, waiting for one unless O_NONBLOCK; -EINVAL if the first does not fit. */
static long in_read(struct file *f, void *buf, size_t n)
{
	struct inotify *in = f->priv;
	size_t done = 0;
	while (!in->head) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long r = in_wait(in);
		if (r < 0)
			return r;
	}
	for (struct queued *q; (q = in->head) && done + sizeof(q->ev) + q->ev.len <= n;) {
		memcpy((char *)buf + done, &q->ev, sizeof(q->ev) + q->ev.len);
		done += sizeof(q->ev) + q->ev.len;
		in->head = q->next;
		if (!in->head)
			in->tail = NULL;
		in->count--;
		in->bytes -= sizeof(q->ev) + q->ev.len;
		lx_free(q);
	}
	return done ? (long)done : -EINVAL;
}

static long in_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EINVAL;
}

/* FIONREAD: the bytes read would return; other requests -ENOTTY. */
static long in_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	if (req != FIONREAD)
		return -ENOTTY;
	int bytes = (int)((struct inotify *)f->priv)->bytes;
	return copy_to_user(arg, &bytes, sizeof(bytes)) < 0 ? -EFAULT : 0;
}

static short in_poll(struct file *f)
{
	return ((struct inotify *)f->priv)->head ? POLLIN : 0;
}

static struct lx_waitq *in_waitq(struct file *f)
{
	return &((struct inotify *)f->priv)->waiters;
}

/* The last descriptor closes: its watches and its queue go. */
static void in_close(struct file *f)
{
	struct inotify *in = f->priv;
	for (struct inotify_watch *w = LX_SH->inotify, *next; w; w = next) {
		next = w->next;
		if (w->in == in)
			watch_drop(w);
	}
	while (in->head) {
		struct queued *q = in->head;
		in->head = q->next;
		lx_free(q);
	}
	lx_waitq_wake(&in->waiters); /* gives back what its queue grew */
	lx_free(in);
}

static const struct file_ops in_ops = { .read = in_read,
					.write = in_write,
					.pread = lx_no_pread,
					.pwrite = lx_no_pwrite,
					.ioctl = in_ioctl,
					.close = in_close,
					.poll = in_poll,
					.waitq = in_waitq };

long lx_sys_inotify_init1(long flags)
{
	if (flags & ~(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	struct file *f = file_new_anon(&in_ops, O_RDONLY | (int)(flags & IN_NONBLOCK), sizeof(struct inotify));
	if (!f)
		return -ENOMEM;
	((struct inotify *)f->priv)->next_wd = 1;
	f->anon = "anon_inode:inotify";
	return fd_new(f, flags & IN_CLOEXEC);
}

long lx_sys_inotify_init(void)
{
	return lx_sys_inotify_init1(0);
}

/* The instance open at fd, with a reference (file_put it); NULL with *err -EBADF or -EINVAL (no inotify). */
static struct file *instance_of(int fd, long *err)
{
	struct file *f = file_get(fd);
	if (f && f->ops != &in_ops) {
		file_put(f);
		*err = -EINVAL;
		return NULL;
	}
	*err = -EBADF;
	return f;
}

/* in's watch of n, or NULL. */
static struct inotify_watch *watch_of(struct inotify *in, struct inode *n)
{
	for (struct inotify_watch *w = LX_SH->inotify; w; w = w->next)
		if (w->in == in && w->node == n)
			return w;
	return NULL;
}

/* Watch n for in with mask (a watch of n already there: its mask replaced, or added to); the wd. */
static long watch_set(struct inotify *in, struct inode *n, uint32_t mask)
{
	uint32_t keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	struct inotify_watch *w = watch_of(in, n);
	if (w && (mask & IN_MASK_CREATE))
		return -EEXIST;
	if (w) {
		w->mask = (mask & IN_MASK_ADD) ? w->mask | keep : keep;
		return w->wd;
	}
	if (!(w = lx_alloc(sizeof(*w))))
		return -ENOMEM;
	inode_hold(n);
	*w = (struct inotify_watch){ LX_SH->inotify, in, n, in->next_wd++, keep };
	LX_SH->inotify = w;
	return w->wd;
}

/* inotify_add_watch: watch the node at upath; its wd. -EINVAL, -EBADF, -ENOENT, -ENOTDIR (IN_ONLYDIR), -EACCES, -EEXIST. */
long lx_sys_inotify_add_watch(int fd, uint64_t upath, long mask)
{
	long err;
	uint32_t m = (uint32_t)mask;
	if (!(m & (IN_ALL_EVENTS | WATCH_FLAGS)) || ((m & IN_MASK_ADD) && (m & IN_MASK_CREATE)))
		return -EINVAL;
	struct file *f = instance_of(fd, &err);
	if (!f)
		return err;
	struct inode *n = resolve(AT_FDCWD, (long)upath, (m & IN_DONT_FOLLOW) ? AT_SYMLINK_NOFOLLOW : 0, &err);
	if (n && (m & IN_ONLYDIR) && !ISDIR(n))
		err = -ENOTDIR;
	else if (n && !lx_cred_may(n, R_OK, false))
		err = -EACCES;
	else if (n)
		err = watch_set(f->priv, n, m);
	file_put(f);
	return err;
}

/* inotify_rm_watch: end watch wd (IN_IGNORED); -EINVAL if the instance has none such. */
long lx_sys_inotify_rm_watch(int fd, long wd)
{
	long err;
	struct file *f = instance_of(fd, &err);
	if (!f)
		return err;
	err = -EINVAL;
	for (struct inotify_watch *w = LX_SH->inotify; w; w = w->next)
		if (w->in == f->priv && w->wd == (int)wd) {
			watch_ignore(w);
			err = 0;
			break;
		}
	file_put(f);
	return err;
}
