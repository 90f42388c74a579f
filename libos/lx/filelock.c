/* Advisory locks on files: record locks (fcntl F_GETLK/F_SETLK/F_SETLKW and the open-file-description forms) and flock. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"

/*
 * A file's locks are a list of byte ranges, each held by an owner: a
 * process (POSIX locks, owner = its pid) or an open file (OFD locks, owner =
 * the struct file's address, never a small number). The list lives in the
 * shared heap with the inode, so every process sees it. Two locks conflict
 * when their owners differ, their ranges overlap and either is a write lock.
 * A process's POSIX locks on a file go when it closes any descriptor of the
 * file (and so when it exits); an OFD lock goes with the last descriptor of
 * its open file.
 */
struct range_lock {
	uint64_t owner;
	uint64_t start, end;    /* [start, end); end UINT64_MAX: to the end of the file and beyond */
	short type;             /* F_RDLCK or F_WRLCK */
	int pid;                /* reported by F_GETLK: the process, or -1 for an OFD lock */
	struct range_lock *next;
};
struct lock_list {
	struct range_lock *head;
	struct lx_waitq waiters; /* F_SETLKW sleepers, woken whenever a lock goes */
};


#define OFD_OWNER(f) ((uint64_t)(f))

static struct range_lock *conflict(struct lock_list *ll, uint64_t owner, short type, uint64_t start, uint64_t end)
{
	for (struct range_lock *l = ll ? ll->head : NULL; l; l = l->next)
		if (l->owner != owner && l->start < end && start < l->end && (type == F_WRLCK || l->type == F_WRLCK))
			return l;
	return NULL;
}

/* Take [start, end) out of owner's locks, splitting one that straddles it. 0 or -ENOLCK. */
static long carve(struct lock_list *ll, uint64_t owner, uint64_t start, uint64_t end)
{
	for (struct range_lock **pp = &ll->head; *pp;) {
		struct range_lock *l = *pp;
		if (l->owner != owner || l->end <= start || l->start >= end) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) { /* the hole is inside: two pieces remain */
			struct range_lock *hi = lx_alloc(sizeof(*hi));
			if (!hi)
				return -ENOLCK;
			*hi = *l;
			hi->start = end;
			l->end = start;
			l->next = hi;
			return 0;
		}
		if (l->start < start)
			l->end = start;
		else if (l->end > end)
			l->start = end;
		else {
			*pp = l->next;
			lx_free(l);
			continue;
		}
		pp = &l->next;
	}
	return 0;
}

/* Widen [*start, *end) over owner's locks of the same type that touch it, removing them: Linux keeps one lock per run. */
static void merge_neighbours(struct lock_list *ll, uint64_t owner, short type, uint64_t *start, uint64_t *end)
{
	for (struct range_lock **pp = &ll->head; *pp;) {
		struct range_lock *l = *pp;
		if (l->owner == owner && l->type == type && (l->end == *start || l->start == *end)) {
			*start = l->start < *start ? l->start : *start;
			*end = l->end > *end ? l->end : *end;
			*pp = l->next;
			lx_free(l);
			pp = &ll->head; /* the range grew: look at every lock again */
			continue;
		}
		pp = &l->next;
	}
}

/* The node f's locks are kept on: its own, or a volume file's stand-in (volume_fd.c); NULL if it has none. */
static struct inode *lock_node(struct file *f)
{
	return f->inode ? f->inode : vfile_lock_node(f);
}

/* The byte range a struct flock names, for file f: 0 with [*start, *end), or -EINVAL. */
static long flock_range(struct file *f, const struct linux_flock *fl, uint64_t *start, uint64_t *end)
{
	int64_t base;
	switch (fl->l_whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = (int64_t)lock_node(f)->size; break;
	default: return -EINVAL;
	}
	int64_t s = base + fl->l_start, len = fl->l_len;
	if (len < 0) {
		s += len;
		len = -len;
	}
	if (s < 0)
		return -EINVAL;
	*start = (uint64_t)s;
	*end = len == 0 || (uint64_t)len > UINT64_MAX - *start ? UINT64_MAX : *start + (uint64_t)len;
	return 0;
}

static long get_lock(struct file *f, struct linux_flock *fl, uint64_t owner, uint64_t start, uint64_t end)
{
	struct range_lock *l = conflict(lock_node(f)->locks, owner, fl->l_type, start, end);
	if (!l) {
		fl->l_type = F_UNLCK;
		return 0;
	}
	fl->l_type = l->type;
	fl->l_whence = SEEK_SET;
	fl->l_start = (int64_t)l->start;
	fl->l_len = l->end == UINT64_MAX ? 0 : (int64_t)(l->end - l->start);
	fl->l_pid = l->pid;
	return 0;
}

/* Set (or with F_UNLCK clear) owner's lock on [start, end) in *where; wait for conflicting ones to go when wait. */
static long set_lock(struct lock_list **where, short type, uint64_t owner, int pid, uint64_t start, uint64_t end, bool wait)
{
	if (!*where && !(*where = lx_alloc(sizeof(struct lock_list))))
		return -ENOLCK;
	struct lock_list *ll = *where;
	if (type != F_UNLCK)
		while (conflict(ll, owner, type, start, end)) {
			if (!wait)
				return -EAGAIN;
			if (lx_signal_interrupts())
				return -EINTR;
			lx_waitq_add(&ll->waiters);
			lx_thread_wait(LX_RECHECK_NS); /* look again now and then, whatever happened */
		}
	long r = carve(ll, owner, start, end);
	if (r == 0 && type != F_UNLCK)
		merge_neighbours(ll, owner, type, &start, &end);
	if (r == 0 && type != F_UNLCK) {
		struct range_lock *l = lx_alloc(sizeof(*l));
		if (!l)
			return -ENOLCK;
		*l = (struct range_lock){ owner, start, end, type, pid, ll->head };
		ll->head = l;
	}
	lx_waitq_wake(&ll->waiters);
	return r;
}

long lock_fcntl(struct file *f, long cmd, long arg)
{
	struct linux_flock fl;
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	if (!mem_user_ok((uint64_t)arg, sizeof(fl), cmd == F_GETLK || cmd == F_OFD_GETLK))
		return -EFAULT;
	memcpy(&fl, (const void *)arg, sizeof(fl));
	struct inode *n = lock_node(f);
	if (!n || !ISREG(n))
		return -EINVAL;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	uint64_t start, end, owner = ofd ? OFD_OWNER(f) : (uint64_t)lx_pid;
	long r = flock_range(f, &fl, &start, &end);
	if (r < 0)
		return r;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK) {
		if (fl.l_type == F_UNLCK)
			return -EINVAL;
		get_lock(f, &fl, owner, start, end);
		memcpy((void *)arg, &fl, sizeof(fl));
		return 0;
	}
	int acc = f->flags & O_ACCMODE;
	if ((fl.l_type == F_RDLCK && acc == O_WRONLY) || (fl.l_type == F_WRLCK && acc == O_RDONLY))
		return -EBADF;
	return set_lock(&n->locks, fl.l_type, owner, ofd ? -1 : lx_pid, start, end, cmd == F_SETLKW || cmd == F_OFD_SETLKW);
}

/*
 * flock: a whole-file lock of the open file, shared or exclusive, in a list
 * of its own (flock and fcntl locks do not see each other, as on Linux).
 */
long lx_sys_flock(int fd, long op)
{
	int kind = (int)op & ~LOCK_NB;
	if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
		return -EINVAL;
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	struct inode *n = lock_node(f);
	long r = !n ? -EINVAL :
		set_lock(&n->flocks, kind == LOCK_SH ? F_RDLCK : kind == LOCK_EX ? F_WRLCK : F_UNLCK, OFD_OWNER(f), -1, 0,
			 UINT64_MAX, !(op & LOCK_NB));
	file_put(f);
	return r == -EAGAIN ? -EWOULDBLOCK : r;
}

/* A descriptor of f closes: this process's POSIX locks on the file go, and f's own ones if this was f's last. */
void lock_close(struct file *f, bool last)
{
	struct inode *n = f->inode ? f->inode : vfile_lock_held(f);
	struct lock_list *ll = n ? n->locks : NULL, *fl = n ? n->flocks : NULL;
	if (ll) {
		carve(ll, (uint64_t)lx_pid, 0, UINT64_MAX);
		if (last)
			carve(ll, OFD_OWNER(f), 0, UINT64_MAX);
		lx_waitq_wake(&ll->waiters);
	}
	if (fl && last) {
		carve(fl, OFD_OWNER(f), 0, UINT64_MAX);
		lx_waitq_wake(&fl->waiters);
	}
}

static void list_free(struct lock_list *ll)
{
	if (ll)
		lx_waitq_wake(&ll->waiters); /* gives back what its queue grew */
	while (ll && ll->head) {
		struct range_lock *l = ll->head;
		ll->head = l->next;
		lx_free(l);
	}
	lx_free(ll);
}

void lock_free(struct inode *n)
{
	list_free(n->locks);
	list_free(n->flocks);
	n->locks = n->flocks = NULL;
}
