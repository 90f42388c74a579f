/* lx's open files and descriptors: regular, directory and generated files, open(2) itself and the fd table. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"


/* The descriptor table is the process's entry's (lx_me->fds), in lx's heap, so /proc can read any process's. */
#define fdtab (lx_me->fds)

/* ---- open files ---- */

static long reg_f_read(struct file *f, void *buf, size_t n)
{
	long r = reg_read(f->inode, buf, n, f->pos);
	f->pos += (uint64_t)r;
	return r;
}

/*
 * A write of *n bytes at off, cut to end at RLIMIT_FSIZE as Linux does: 0,
 * or -EFBIG (with SIGXFSZ to the thread) when off is at or past the limit.
 */
static long fsize_cut(uint64_t off, size_t *n)
{
	uint64_t lim = lx_rlimit(RLIMIT_FSIZE);
	if (lim == RLIM_INFINITY || *n == 0 || off + *n <= lim)
		return 0;
	if (off >= lim) {
		lx_signal_send(lx_self(), SIGXFSZ, 0);
		return -EFBIG;
	}
	*n = (size_t)(lim - off);
	return 0;
}

static long reg_f_write(struct file *f, const void *buf, size_t n)
{
	if (f->flags & O_APPEND)
		f->pos = f->inode->size;
	long r = fsize_cut(f->pos, &n);
	if (r == 0)
		r = reg_write(f->inode, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

static long reg_f_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	return reg_read(f->inode, buf, n, off);
}

static long reg_f_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	long r = fsize_cut(off, &n);
	return r < 0 ? r : reg_write(f->inode, buf, n, off);
}

static long eisdir_read(struct file *f, void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EISDIR;
}

static long eisdir_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)off;
	return eisdir_read(f, buf, n);
}

static long ebadf_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -EBADF;
}

static long ebadf_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	(void)off;
	return ebadf_write(f, buf, n);
}

static const struct file_ops reg_ops = { .read = reg_f_read, .write = reg_f_write, .pread = reg_f_pread, .pwrite = reg_f_pwrite };
static const struct file_ops dir_ops = { .read = eisdir_read, .write = ebadf_write, .pread = eisdir_pread, .pwrite = ebadf_pwrite };

/* A generated file's text, made when it was opened. */
struct snapshot {
	char *buf;
	size_t len;
};

static long gen_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct snapshot *s = f->priv;
	if (off >= s->len)
		return 0;
	if (n > s->len - off)
		n = s->len - off;
	memcpy(buf, s->buf + off, n);
	return (long)n;
}

static long gen_read(struct file *f, void *buf, size_t n)
{
	long r = gen_pread(f, buf, n, f->pos);
	f->pos += (uint64_t)r;
	return r;
}

static void gen_close(struct file *f)
{
	struct snapshot *s = f->priv;
	lx_free(s->buf);
	lx_free(s);
}

static const struct file_ops gen_ops = { .read = gen_read, .write = ebadf_write, .pread = gen_pread, .pwrite = ebadf_pwrite, .close = gen_close };

/* A new open file on n (held) with ops; refs 1. NULL when out of memory. */
struct file *file_new(const struct file_ops *ops, struct inode *n, int flags)
{
	struct file *f = lx_alloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ops = ops;
	f->inode = n;
	f->flags = flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
	f->refs = 1;
	if (n)
		inode_hold(n);
	return f;
}

struct file *file_new_anon(const struct file_ops *ops, int flags, size_t size)
{
	void *priv = lx_alloc(size);
	struct file *f = priv ? file_new(ops, NULL, flags) : NULL;
	if (!f) {
		lx_free(priv);
		return NULL;
	}
	f->priv = priv;
	return f;
}

/* Opens node n as open(2) would once the path is resolved. 0 with *out, or -errno. */
/* /dev/tty (n) in a session whose controlling terminal is a pty: that pty's slave, seen as n as on Linux. */
static long ctty_open(struct inode *n, int flags, struct file **out)
{
	long r = pty_open(pty_ctty(), flags, out);
	if (r == 0) {
		struct inode *slave = (*out)->inode;
		inode_hold(n);
		(*out)->inode = n;
		inode_release(slave);
	}
	return r;
}

/* Where f's bytes at off lie in lx's memory, when f is a regular file of lx's own (reg_bytes_at); false otherwise. */
bool file_bytes_at(struct file *f, uint64_t off, const void **src, size_t *len)
{
	return f->ops == &reg_ops && reg_bytes_at(f->inode, off, src, len);
}

long file_open_inode(struct inode *n, int flags, struct file **out)
{
	int acc = flags & O_ACCMODE;
	const struct file_ops *ops = &reg_ops;
	struct snapshot *s = NULL;
	if (flags & O_PATH) {
		ops = &dir_ops;
	} else if (ISDIR(n)) {
		if (acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT)))
			return -EISDIR;
		ops = &dir_ops;
	} else if (ISLNK(n)) {
		return -ELOOP;
	} else if (ISFIFO(n)) {
		return fifo_open(n, flags, out);
	} else if (n->dev && pty_node(n)) {
		return pty_open(n, flags, out);
	} else if (n->dev && n->rdev == MKDEV(5, 0) && pty_ctty()) {
		return ctty_open(n, flags, out);
	} else if (n->dev) {
		if ((n->mode & S_IFMT) == S_IFBLK && acc != O_RDONLY && !blkdev_writable(n))
			return -EROFS;
		ops = n->dev;
	} else if (n->gen) {
		if (acc != O_RDONLY)
			return -EACCES;
		s = lx_alloc(sizeof(*s));
		if (!s)
			return -ENOMEM;
		long r = n->gen(n, &s->buf, &s->len);
		if (r < 0) {
			lx_free(s);
			return r;
		}
		ops = &gen_ops;
	} else if (!ISREG(n)) {
		return -ENXIO;
	} else if ((flags & O_TRUNC) && acc != O_RDONLY) {
		long r = reg_resize(n, 0);
		if (r < 0)
			return r;
	}
	struct file *f = file_new(ops, n, flags);
	if (!f) {
		if (s)
			gen_close(&(struct file){ .priv = s });
		return -ENOMEM;
	}
	f->priv = s;
	*out = f;
	if (ops == n->dev && (n->mode & S_IFMT) == S_IFBLK)
		blkdev_opened(f);
	if (!(flags & O_PATH))
		vfs_notify(NULL, NULL, n, IN_OPEN, 0);
	return 0;
}

long file_open_new(uint32_t mode, struct file **out)
{
	struct inode *n = inode_new(S_IFREG | mode);
	long r = n ? file_open_inode(n, O_RDWR, out) : -ENOMEM;
	if (n && r < 0) { /* freed, as nothing holds it */
		inode_hold(n);
		inode_release(n);
	}
	return r;
}

/* Opens path (lx memory) from dirfd as openat(2). 0 with *out, or -errno. */
/* What open's flags ask of a file: reading, writing or both (O_TRUNC writes). */
static int open_wants(int flags)
{
	int acc = flags & O_ACCMODE;
	return (acc != O_WRONLY ? R_OK : 0) | (acc != O_RDONLY || (flags & O_TRUNC) ? W_OK : 0);
}

long vfs_openat(int dirfd, const char *path, int flags, int mode, struct file **out)
{
	struct lookup lk;
	int lf = LOOK_FOLLOW;
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		lf = 0;
	if (flags & O_DIRECTORY)
		lf |= LOOK_DIR;
	long r = path_lookup(dirfd, path, lf, &lk);
	if (r < 0)
		return r;
	struct inode *n = lk.node;
	if (!n) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (lk.slash)
			return -EISDIR;
		if (lk.dir->nlink == 0)
			return -ENOENT;
		if (lk.ro)
			return -EROFS;
		if (!lx_cred_may(lk.dir, W_OK | X_OK, false))
			return -EACCES;
		n = vfs_mknode(lk.dir, lk.name, S_IFREG | ((uint32_t)mode & S_IALLUGO & ~vfs_umask));
		if (!n)
			return -ENOMEM;
	} else if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		return -EEXIST;
	} else if (ISLNK(n) && (flags & O_PATH)) {
		struct file *f = file_new(&dir_ops, n, flags);
		if (!f)
			return -ENOMEM;
		*out = f;
		return 0;
	} else if (!(flags & O_PATH) && !lx_cred_may(n, open_wants(flags), false)) {
		return -EACCES;
	} else if (!(flags & O_PATH) && lk.ro && (open_wants(flags) & W_OK) && !ISDIR(n)) {
		return -EROFS;
	}
	return file_open_inode(n, flags, out);
}

struct file *vfs_open_exec(const char *path, long *err)
{
	struct lookup lk;
	if (strcmp(path, "/proc/self/exe") == 0 && lx_me->exe)
		path = lx_me->exe; /* a magic link, as on Linux: the program itself, wherever it lies (a volume too) */
	struct file *f = vol_open_exec(path, err); /* a program on a volume */
	if (f || *err != 1)
		return f;
	long r = path_lookup(AT_FDCWD, path, LOOK_FOLLOW, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	if (r == 0 && !ISDIR(lk.node) && !lx_cred_may(lk.node, X_OK, false))
		r = -EACCES; /* running a file needs its execute permission, not its read one */
	if (r == 0)
		r = file_open_inode(lk.node, O_RDONLY, &f);
	*err = r;
	return r < 0 ? NULL : f;
}

struct file *vfs_open_path(const char *path, int flags, int mode, long *err)
{
	struct file *f = NULL;
	long r = vfs_openat(AT_FDCWD, path, flags, mode, &f);
	if (err)
		*err = r;
	return r < 0 ? NULL : f;
}

long vfs_read_all(const char *path, void **data, size_t *size)
{
	struct lookup lk;
	long r = path_lookup(AT_FDCWD, path, LOOK_FOLLOW, &lk);
	if (r < 0)
		return r;
	if (!lk.node)
		return -ENOENT;
	if (ISDIR(lk.node))
		return -EISDIR;
	if (!ISREG(lk.node))
		return -EACCES;
	char *p = lx_alloc(lk.node->size ? lk.node->size : 1);
	if (!p)
		return -ENOMEM;
	reg_read(lk.node, p, lk.node->size, 0);
	*data = p;
	*size = lk.node->size;
	return 0;
}

long lx_no_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -ESPIPE;
}

long lx_no_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	(void)f, (void)buf, (void)n, (void)off;
	return -ESPIPE;
}

/* ---- descriptors ---- */

struct file *file_get(int fd)
{
	if (fd < 0 || fd >= lx_me->fd_cap || !fdtab[fd].f)
		return NULL;
	fdtab[fd].f->refs++;
	return fdtab[fd].f;
}

void file_put(struct file *f)
{
	if (--f->refs > 0)
		return;
	if (f->watchers)
		epoll_forget(f);
	if (f->inode && !(f->flags & O_PATH))
		vfs_notify(NULL, NULL, f->inode, (f->flags & O_ACCMODE) != O_RDONLY ? IN_CLOSE_WRITE : IN_CLOSE_NOWRITE, 0);
	if (f->ops && f->ops->close)
		f->ops->close(f);
	if (f->inode)
		inode_release(f->inode);
	lx_free(f);
}

int fd_limit(void)
{
	uint64_t lim = lx_rlimit(RLIMIT_NOFILE);
	return lim < LX_NFD ? (int)lim : LX_NFD;
}

#define FDTAB_MIN 64 /* a table's first size: it doubles as descriptors above it are opened, up to LX_NFD */

/* A table of at least FDTAB_MIN entries, enough for n (a power of two, at most LX_NFD). */
static int fd_cap_for(int n)
{
	int cap = FDTAB_MIN;
	while (cap < n && cap < LX_NFD)
		cap *= 2;
	return cap;
}

/* Make the table hold descriptor fd (below LX_NFD); false when out of memory. */
static bool fd_room(int fd)
{
	if (fd < lx_me->fd_cap)
		return true;
	int cap = fd_cap_for(fd + 1);
	struct fdent *t = lx_alloc((size_t)cap * sizeof(struct fdent));
	if (!t)
		return false;
	memcpy(t, fdtab, (size_t)lx_me->fd_end * sizeof(struct fdent));
	lx_free(fdtab);
	lx_me->fds = t;
	lx_me->fd_cap = cap;
	return true;
}

/* fd is open now: the loops over the table (fork, exit, exec) go up to it. */
static void fd_reach(int fd)
{
	if (fd >= lx_me->fd_end)
		lx_me->fd_end = fd + 1;
}

/* Installs f (the caller's reference passes to the table) at the lowest free fd >= min, below fd_limit. */
int fd_install(struct file *f, int min, bool cloexec)
{
	if (min < 0)
		return -EINVAL;
	int limit = fd_limit(), start = min > lx_me->fd_low ? min : lx_me->fd_low;
	for (int fd = start; fd < limit; fd++) {
		if (fd >= lx_me->fd_cap && !fd_room(fd))
			return -ENOMEM;
		if (!fdtab[fd].f) {
			fdtab[fd].f = f;
			fdtab[fd].cloexec = cloexec;
			fd_reach(fd);
			if (start == lx_me->fd_low)
				lx_me->fd_low = fd + 1; /* those from start to fd were open */
			return fd;
		}
	}
	return -EMFILE;
}

int fd_new(struct file *f, bool cloexec)
{
	int fd = fd_install(f, 0, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

/* Installs f at fd (below LX_NFD), closing what fd named before; 0, or -ENOMEM with f dropped. */
long fd_replace(int fd, struct file *f, bool cloexec)
{
	if (!fd_room(fd)) {
		file_put(f);
		return -ENOMEM;
	}
	struct file *old = fdtab[fd].f;
	fdtab[fd].f = f;
	fdtab[fd].cloexec = cloexec;
	fd_reach(fd);
	if (old) {
		lock_close(old, old->refs == 1);
		file_put(old);
	}
	return 0;
}

long fd_close(int fd)
{
	if (fd < 0 || fd >= lx_me->fd_cap || !fdtab[fd].f)
		return -EBADF;
	struct file *f = fdtab[fd].f;
	fdtab[fd].f = NULL;
	if (fd < lx_me->fd_low)
		lx_me->fd_low = fd;
	lock_close(f, f->refs == 1);
	file_put(f);
	return 0;
}

void fd_set_cloexec(int fd, bool on)
{
	fdtab[fd].cloexec = on;
}

bool fd_cloexec(int fd)
{
	return fdtab[fd].cloexec;
}

/* close_range: close (or with CLOSE_RANGE_CLOEXEC mark close-on-exec) every descriptor in [first, last]. */
long lx_sys_close_range(long first, long last, long flags)
{
	unsigned lo = (unsigned)first, hi = (unsigned)last;
	if (lo > hi || (flags & ~(long)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return -EINVAL;
	for (unsigned fd = lo; fd <= hi && fd < (unsigned)lx_me->fd_end; fd++)
		if (fdtab[fd].f) {
			if (flags & CLOSE_RANGE_CLOEXEC)
				fdtab[fd].cloexec = true;
			else
				fd_close((int)fd);
		}
	return 0;
}

/* The first process's descriptor table, empty; false when out of memory. */
bool vfs_fds_init(void)
{
	lx_me->fd_cap = FDTAB_MIN;
	lx_me->fd_low = 0;
	lx_me->fds = lx_alloc(FDTAB_MIN * sizeof(struct fdent));
	return lx_me->fds != NULL;
}

/* A forked child holds every descriptor, in a copy of the table, and the cwd too: one more reference each. 0 or -ENOMEM. */
long vfs_fork(struct lx_proc *child)
{
	child->fd_cap = fd_cap_for(lx_me->fd_end);
	child->fds = lx_alloc((size_t)child->fd_cap * sizeof(struct fdent));
	if (!child->fds)
		return -ENOMEM;
	memcpy(child->fds, fdtab, (size_t)lx_me->fd_end * sizeof(struct fdent));
	child->fd_end = lx_me->fd_end;
	child->fd_low = lx_me->fd_low;
	for (int fd = 0; fd < lx_me->fd_end; fd++)
		if (fdtab[fd].f)
			fdtab[fd].f->refs++;
	child->cwd = lx_me->cwd;
	inode_hold(child->cwd);
	child->cwd_nin = lx_me->cwd_nin;
	memcpy(child->cwd_in, lx_me->cwd_in, sizeof(child->cwd_in));
	child->root = lx_me->root;
	if (child->root)
		inode_hold(child->root);
	return 0;
}

/* The fork failed: the references vfs_fork took go back, and the child's table. */
void vfs_fork_abandon(struct lx_proc *child)
{
	for (int fd = 0; fd < lx_me->fd_end; fd++)
		if (fdtab[fd].f)
			fdtab[fd].f->refs--; /* never the last: this process holds it */
	inode_release(child->cwd);
	child->cwd = NULL;
	if (child->root)
		inode_release(child->root);
	child->root = NULL;
	lx_free(child->fds);
	child->fds = NULL;
}

/* The process ends: close every descriptor, so pipes see their ends go and files are freed (the table stays, empty, until its entry is freed). */
void vfs_exit(void)
{
	for (int fd = 0; fd < lx_me->fd_end; fd++)
		if (fdtab[fd].f)
			fd_close(fd);
}

/* Closes every close-on-exec descriptor (for execve). */
void vfs_close_on_exec(void)
{
	for (int fd = 0; fd < lx_me->fd_end; fd++)
		if (fdtab[fd].f && fdtab[fd].cloexec)
			fd_close(fd);
}
