/* Open files of volumes: opening, the file operations over 9P, and the descriptor calls on them (fstat, lseek, getdents64, mmap...). */
#include "libos/lx/volume.h"
#include "libos/lx/filelock.h"

/*
 * A volume file is a struct file whose priv is a struct vfile: the fid the
 * server opened, kept until the last descriptor closes. Files live in lx's
 * shared heap and fids belong to the connection, so a fork's child shares
 * them, position included, as Linux shares an open file description.
 * A directory's position is the server's readdir offset. Shared mappings
 * (MAP_SHARED) map the file's shadow (below), and each is written back to
 * the file at msync, munmap, execve and exit, by the process that holds it:
 * the one that made it, and a fork's child for its copy.
 */
#define DENTS_BATCH 64
#define SHARED_MAPS 32
#define FILL_CHUNK (128 * 1024) /* a shadow is filled from the server in reads of this many bytes at most */
#define OPEN_PASS (O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | O_SYNC | O_DSYNC | O_NONBLOCK)

/*
 * A volume file's pages while it is mapped shared: a file in lx's memory
 * (vfs) that every shared mapping of the file maps, in every process, so
 * that they all see the same bytes, and so do read and write (vol_pread,
 * vol_pwrite) over the part it holds: the file's first `extent` bytes as
 * the server had them when a mapping first reached them, changed since by
 * the mappings' stores and by writes. Kept on its volume's list by inode
 * number, and gone with its last mapping.
 */
struct vshadow {
	uint64_t ino;
	struct file *mem; /* held */
	uint64_t extent; /* a multiple of the page size */
	int maps; /* the shared mappings of it that struct shared_map records, in any process */
	struct vshadow *next;
};

/* A shared mapping of a volume file, held by a process (env): the one that made it, or a fork's child. */
struct shared_map {
	uint64_t env, addr, len, off;
	struct file *f; /* held */
	struct vshadow *s; /* what it maps (holding one of its maps) */
};
static struct shared_map maps[SHARED_MAPS];

struct vfile *vfile_of(long fd)
{
	struct file *f = (int)fd >= 0 ? file_get((int)fd) : NULL;
	if (!f)
		return NULL;
	struct vfile *vf = f->ops == &vol_file_ops ? f->priv : NULL;
	file_put(f); /* the descriptor still holds it */
	return vf;
}

/* vf's inode number, asked for once (a getattr): 0 when the server cannot say. */
static uint64_t vfile_ino(struct vfile *vf)
{
	struct p9_attr at;
	if (!vf->ino && vf->v->ops->getattr(vf->v->share, vf->fid, &at) == 0)
		vf->ino = at.ino;
	return vf->ino;
}

/* The shadow of inode ino of v, or NULL. */
static struct vshadow *shadow_find(struct volume *v, uint64_t ino)
{
	struct vshadow *s = v->shadows;
	while (s && s->ino != ino)
		s = s->next;
	return s;
}

/* vf's file's shadow, or NULL (and no question to the server while its volume has none). */
static struct vshadow *shadow_of(struct vfile *vf)
{
	return vf->v->shadows && vfile_ino(vf) ? shadow_find(vf->v, vf->ino) : NULL;
}

/* n bytes at off of vf's file as the server has them: how many (short at its end), or -errno. */
static long server_pread(struct vfile *vf, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		long r = vf->v->ops->read(vf->v->share, vf->fid, (char *)buf + done, n - done, off + done);
		if (r < 0)
			return done ? (long)done : r;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (long)done;
}

/* n bytes at off to vf's file on the server: how many, or -errno. */
static long server_pwrite(struct vfile *vf, const void *buf, size_t n, uint64_t off)
{
	size_t done = 0;
	while (done < n) {
		long r = vf->v->ops->write(vf->v->share, vf->fid, (const char *)buf + done, n - done, off + done);
		if (r <= 0)
			return done ? (long)done : r < 0 ? r : -EIO;
		done += (size_t)r;
	}
	return (long)done;
}

/* The server's answer (its length is the file's), with the part the file's shadow holds taken from there. */
static long vol_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct vfile *vf = f->priv;
	if (vf->dir)
		return -EISDIR;
	long r = server_pread(vf, buf, n, off);
	struct vshadow *s = r > 0 ? shadow_of(vf) : NULL;
	if (s && off < s->extent) {
		uint64_t m = s->extent - off < (uint64_t)r ? s->extent - off : (uint64_t)r;
		s->mem->ops->pread(s->mem, buf, m, off);
	}
	return r;
}

static long vol_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	struct vfile *vf = f->priv;
	long r = server_pwrite(vf, buf, n, off);
	struct vshadow *s = r > 0 ? shadow_of(vf) : NULL;
	if (s && off < s->extent) /* the mappings see it too */
		s->mem->ops->pwrite(s->mem, buf, s->extent - off < (uint64_t)r ? s->extent - off : (uint64_t)r, off);
	/* O_SYNC, O_DSYNC: on stable storage before the call returns (a FUSE server is not told of the flags) */
	if (r > 0 && (f->flags & (O_SYNC | O_DSYNC)) && vf->v->ops->fsync(vf->v->share, vf->fid) < 0)
		return -EIO;
	return r;
}

static long vol_read(struct file *f, void *buf, size_t n)
{
	long r = vol_pread(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

/* write at the position, or with O_APPEND at the end as the server sees it now. */
static long vol_write(struct file *f, const void *buf, size_t n)
{
	struct vfile *vf = f->priv;
	struct p9_attr at;
	if (f->flags & O_APPEND) {
		long r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
		if (r < 0)
			return r;
		f->pos = at.size;
	}
	long r = vol_pwrite(f, buf, n, f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

/*
 * Locks. lx keeps fcntl and flock locks on nodes (filelock.c); a volume
 * file has none, so each file that is locked gets a stand-in, shared by
 * every open file of the same file (same volume, same inode number) in
 * every process, and gone with the last of them. The locks are lx's: they
 * hold between the processes of this machine, not against the host's.
 */
struct vlock {
	uint64_t ino;
	struct inode node; /* regular, its size the file's at the last lock call (for SEEK_END) */
	int refs; /* open files that hold it */
	struct vlock *next;
};

struct inode *vfile_lock_held(struct file *f)
{
	struct vfile *vf = f->ops == &vol_file_ops ? f->priv : NULL;
	return vf && vf->lock ? &vf->lock->node : NULL;
}

struct inode *vfile_lock_node(struct file *f)
{
	struct vfile *vf = f->ops == &vol_file_ops ? f->priv : NULL;
	struct p9_attr at;
	if (!vf || vf->v->ops->getattr(vf->v->share, vf->fid, &at) < 0)
		return NULL;
	if (!vf->lock) {
		struct vlock *l = vf->v->locks;
		while (l && l->ino != at.ino)
			l = l->next;
		if (!l && (l = lx_alloc(sizeof(*l)))) {
			*l = (struct vlock){ .ino = at.ino, .next = vf->v->locks };
			l->node.mode = S_IFREG;
			vf->v->locks = l;
		}
		if (!l)
			return NULL;
		l->refs++;
		vf->lock = l;
	}
	vf->lock->node.size = at.size;
	return &vf->lock->node;
}

/* vf goes: its hold on its lock stand-in too (the locks themselves went at its close, lock_close). */
static void lock_drop(struct vfile *vf)
{
	struct vlock *l = vf->lock;
	if (!l || --l->refs > 0)
		return;
	for (struct vlock **pp = &vf->v->locks; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	lock_free(&l->node);
	lx_free(l);
}

static void vol_close(struct file *f)
{
	struct vfile *vf = f->priv;
	lock_drop(vf);
	vf->v->ops->clunk(vf->v->share, vf->fid);
	lx_free(vf);
}

const struct file_ops vol_file_ops = {
	.read = vol_read,
	.write = vol_write,
	.pread = vol_pread,
	.pwrite = vol_pwrite,
	.close = vol_close,
};

/* A new open file for fid (opened, or not for O_PATH) of vp, in *out: 0, or -ENOMEM (fid clunked). */
static long vfile_new(struct vpath *vp, uint32_t fid, bool dir, long flags, struct file **out)
{
	size_t n = strlen(vp->path) + 1;
	struct vfile *vf = lx_alloc(sizeof(*vf) + n);
	struct file *f = vf ? file_new(&vol_file_ops, NULL, (int)flags) : NULL;
	if (!f) {
		lx_free(vf);
		vp->v->ops->clunk(vp->v->share, fid);
		return -ENOMEM;
	}
	*vf = (struct vfile){ .v = vp->v, .fid = fid, .dir = dir };
	memcpy(vf->path, vp->path, n);
	f->priv = vf;
	*out = f;
	return 0;
}

/* Create vp's last name as a regular file opened with flags: 0 with *fid, or -errno. */
static long create(struct vpath *vp, long flags, long mode, uint32_t *fid)
{
	const char *slash = vol_last_slash(vp->rel), *name = slash ? slash + 1 : vp->rel;
	char *dir = lx_alloc(LX_PATH_MAX);
	if (!dir)
		return -ENOMEM;
	memcpy(dir, vp->rel, (size_t)(name - vp->rel));
	dir[slash ? slash - vp->rel : 0] = 0;
	long r = vol_walk(vp->v, dir, fid);
	lx_free(dir);
	if (r < 0)
		return r;
	r = vp->v->ops->lcreate(vp->v->share, *fid, name, (uint32_t)(flags & OPEN_PASS),
				(uint32_t)mode & 07777 & ~vfs_umask);
	if (r < 0)
		vp->v->ops->clunk(vp->v->share, *fid);
	return r;
}

/* Open the existing node fid (attributes at) as flags ask. 0 or -errno (the fid is the caller's to clunk). */
static long open_node(struct vpath *vp, uint32_t fid, const struct p9_attr *at, long flags)
{
	bool dir = (at->mode & S_IFMT) == S_IFDIR, writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if (flags & O_PATH)
		return 0;
	if ((flags & O_DIRECTORY) && !dir)
		return -ENOTDIR;
	if (dir && writes)
		return -EISDIR;
	if ((at->mode & S_IFMT) == S_IFLNK)
		return -ELOOP;
	if (writes && vp->v->ro)
		return -EROFS;
	return vp->v->ops->lopen(vp->v->share, fid, (uint32_t)(flags & OPEN_PASS & (dir ? ~(long)O_TRUNC : ~0L)));
}

/* Open path (absolute, in lx's own tree: a volume's symlink led there) as openat would: 0 with *out, or -errno. */
static long open_outside(const char *path, long flags, long mode, struct file **out)
{
	return vfs_openat(AT_FDCWD, path, (int)flags, (int)mode, out);
}

/* vol_open's file, not yet given a descriptor: 0 with *out, or -errno. */
static long vol_open_file(struct vpath *vp, long flags, long mode, struct file **out)
{
	struct p9_attr at;
	uint32_t fid;
	long r;
	if (!vp->v) /* a link led out of the volumes */
		return open_outside(vp->path, flags, mode, out);
	for (int hops = 0; hops <= LX_SYMLOOP_MAX; hops++) {
		struct volume *v = vp->v; /* the fid is this volume's, wherever a link leads */
		r = vol_walk(vp->v, vp->rel, &fid);
		if (r == -ENOENT && (flags & O_CREAT) && vp->rel[0]) {
			if (vp->v->ro)
				return -EROFS;
			if ((r = create(vp, flags, mode, &fid)) == -EEXIST && !(flags & O_EXCL))
				continue; /* another process made it since the walk: open that one, as Linux would */
			if (r < 0)
				return r;
			return vfile_new(vp, fid, false, flags, out);
		}
		if (r < 0)
			return r;
		if ((r = v->ops->getattr(v->share, fid, &at)) < 0 || (at.mode & S_IFMT) != S_IFLNK ||
		    (flags & (O_NOFOLLOW | O_PATH))) {
			if (r == 0 && (r = open_node(vp, fid, &at, flags)) == 0)
				return vfile_new(vp, fid, (at.mode & S_IFMT) == S_IFDIR, flags, out);
			v->ops->clunk(v->share, fid);
			return r;
		}
		r = vol_follow(vp, fid, &at);
		v->ops->clunk(v->share, fid);
		if (r < 0)
			return r;
		if (r == 1)
			return open_outside(vp->path, flags, mode, out);
	}
	return -ELOOP;
}

long vol_open(struct vpath *vp, long flags, long mode)
{
	struct file *f;
	long r = vol_open_file(vp, flags, mode, &f);
	return r < 0 ? r : fd_new(f, flags & O_CLOEXEC);
}

/*
 * A volume file to be run has a node of its own, made here, not named in
 * lx's tree: the host's mode, owner and size, so that the loader and the
 * execute permission see it as they see lx's files. EACCES for a file that
 * is not regular or that the caller may not execute.
 */
static long exec_node(struct file *f)
{
	struct vfile *vf = f->priv;
	struct p9_attr at;
	long r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
	if (r < 0)
		return r;
	struct inode *n = inode_new(at.mode);
	if (!n)
		return -ENOMEM;
	n->uid = at.uid;
	n->gid = at.gid;
	n->size = at.size;
	inode_hold(n); /* the file's hold, as file_new takes it */
	f->inode = n;
	return (at.mode & S_IFMT) == S_IFREG && lx_cred_may(n, X_OK, false) ? 0 : -EACCES;
}

struct file *vol_open_exec(const char *path, long *err)
{
	struct vpath vp;
	if ((*err = vpath_make(AT_FDCWD, path, &vp)) == 2) { /* a link led out of the volumes: lx's file */
		struct file *f = vfs_open_exec(vp.path, err);
		vpath_free(&vp);
		return f;
	}
	if (*err != 0)
		return NULL;
	struct file *f;
	long r = vol_open_file(&vp, O_RDONLY, 0, &f);
	vpath_free(&vp);
	if (r < 0) {
		*err = r;
		return NULL;
	}
	r = f->ops != &vol_file_ops ? (f->inode && ISREG(f->inode) && lx_cred_may(f->inode, X_OK, false) ? 0 : -EACCES)
				    : exec_node(f); /* lx's own file, when a symlink led there */
	if (r < 0) {
		file_put(f);
		*err = r;
		return NULL;
	}
	*err = 0;
	return f;
}

/* ---- the descriptor calls; each answers *mine = false for a descriptor that is not a volume file ---- */

/* The volume file at a[0] (the fd), *mine saying whether there is one. */
static struct vfile *mine_fd(const long *a, bool *mine)
{
	struct vfile *vf = vfile_of(a[0]);
	*mine = vf != NULL;
	return vf;
}

long vfile_stat(struct vfile *vf, uint64_t ust)
{
	struct p9_attr at;
	struct linux_stat st;
	long r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
	if (r < 0)
		return r;
	vol_stat_fill(&at, vf->v, &st);
	return copy_to_user(ust, &st, sizeof(st));
}

static long h_fstat(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	return vf ? vfile_stat(vf, (uint64_t)a[1]) : 0;
}

static long h_lseek(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	struct file *f = vf ? file_get((int)a[0]) : NULL;
	struct p9_attr at;
	long r = 0, base = 0;
	if (!f)
		return 0;
	if (a[2] == SEEK_CUR)
		base = (long)f->pos;
	else if (a[2] == SEEK_END && (r = vf->v->ops->getattr(vf->v->share, vf->fid, &at)) == 0)
		base = (long)at.size;
	else if (a[2] != SEEK_SET && a[2] != SEEK_END)
		r = -EINVAL;
	if (r == 0 && (base + a[1] < 0 || (vf->dir && !(a[2] == SEEK_SET && a[1] == 0) && a[2] != SEEK_CUR)))
		r = -EINVAL; /* a directory's offsets are the server's: only a rewind or a look at the current one */
	if (r == 0)
		r = (long)(f->pos = (uint64_t)(base + a[1]));
	file_put(f);
	return r;
}

/* Put d as a linux_dirent64 at ubuf + *used (size bytes in all): 1, 0 when it does not fit, -EFAULT. */
static long put_dirent64(uint64_t ubuf, size_t size, size_t *used, const struct p9_dirent *d)
{
	char rec[sizeof(struct linux_dirent64) + LX_NAME_MAX + 8];
	size_t len = strlen(d->name), reclen = (offsetof(struct linux_dirent64, d_name) + len + 1 + 7) & ~(size_t)7;
	if (*used + reclen > size)
		return 0;
	struct linux_dirent64 *e = (struct linux_dirent64 *)rec;
	memset(rec, 0, reclen);
	e->d_ino = d->ino;
	e->d_off = (int64_t)d->next;
	e->d_reclen = (uint16_t)reclen;
	e->d_type = d->type;
	memcpy(e->d_name, d->name, len);
	if (copy_to_user(ubuf + *used, rec, reclen) < 0)
		return -EFAULT;
	*used += reclen;
	return 1;
}

/* getdents64: a batch from the server at the position, as many as fit; the position moves past those given. */
static long h_getdents64(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	struct file *f = vf ? file_get((int)a[0]) : NULL;
	if (!f)
		return 0;
	size_t used = 0, n = 0, count = (size_t)(uint32_t)a[2];
	struct p9_dirent *ds = vf->dir ? lx_alloc(DENTS_BATCH * sizeof(*ds)) : NULL;
	long r = !vf->dir ? -ENOTDIR : !ds ? -ENOMEM : 0, put = 1;
	while (r == 0 && put > 0) {
		if ((r = vf->v->ops->readdir(vf->v->share, vf->fid, f->pos, ds, DENTS_BATCH, &n)) < 0 || n == 0)
			break;
		for (size_t i = 0; i < n && (put = put_dirent64((uint64_t)a[1], count, &used, &ds[i])) > 0; i++)
			f->pos = ds[i].next;
	}
	if (r == 0 && used == 0 && n > 0)
		r = put < 0 ? put : -EINVAL; /* not even the first record fits */
	lx_free(ds);
	file_put(f);
	return r < 0 ? r : (long)used;
}

/* Tsetattr on the file at a[0]; refused on a read-only volume. */
static long fd_setattr(const long *a, bool *mine, uint32_t valid, uint32_t mode, uint64_t size)
{
	struct vfile *vf = mine_fd(a, mine);
	if (!vf)
		return 0;
	return vf->v->ro ? -EROFS : vf->v->ops->setattr(vf->v->share, vf->fid, valid, mode, size, NULL);
}

static long h_ftruncate(const long *a, bool *mine)
{
	struct file *f = file_get((int)a[0]);
	bool writable = f && (f->flags & O_ACCMODE) != O_RDONLY;
	if (f)
		file_put(f);
	if (a[1] < 0 || !writable) {
		*mine = vfile_of(a[0]) != NULL;
		return a[1] < 0 ? -EINVAL : -EBADF;
	}
	long r = fd_setattr(a, mine, P9_SET_SIZE, 0, (uint64_t)a[1]);
	struct vfile *vf = r == 0 && *mine ? vfile_of(a[0]) : NULL;
	if (vf && shadow_of(vf))
		vol_shadow_resized(vf->v, vf->ino, (uint64_t)a[1]);
	return r;
}

static long h_fchmod(const long *a, bool *mine)
{
	return fd_setattr(a, mine, P9_SET_MODE, (uint32_t)a[1] & 07777, 0);
}

static long h_fchown(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	if (!vf)
		return 0;
	return vf->v->ro ? -EROFS : vf->v->ops->chown(vf->v->share, vf->fid, (uint32_t)a[1], (uint32_t)a[2]);
}

static long h_fsync(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	return vf ? vf->v->ops->fsync(vf->v->share, vf->fid) : 0;
}

static long h_syncfs(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	return vf && vf->v->ops->syncfs ? vf->v->ops->syncfs(vf->v->share) : 0;
}

static long h_fstatfs(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	struct linux_statfs s;
	long r = vf ? vf->v->ops->statfs(vf->v->share, vf->fid, &s) : 0;
	return vf && r == 0 ? copy_to_user((uint64_t)a[1], &s, sizeof(s)) : r;
}

/* One mapping of s, on v's list, is gone; so is s with its last. */
static void shadow_put(struct volume *v, struct vshadow *s)
{
	if (--s->maps > 0)
		return;
	for (struct vshadow **pp = &v->shadows; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	file_put(s->mem);
	lx_free(s);
}

/*
 * The shadow of f's file (a volume file) holding at least its first end
 * bytes, made now if it has none, with one more mapping counted: NULL,
 * with *err, when the server cannot say which file it is or memory is
 * short. What it did not hold is read from the server.
 */
static struct vshadow *shadow_get(struct file *f, uint64_t end, long *err)
{
	struct vfile *vf = f->priv;
	uint64_t ino = vfile_ino(vf);
	struct vshadow *s = ino ? shadow_find(vf->v, ino) : NULL;
	*err = -ENOMEM;
	if (!ino) {
		*err = -EIO;
		return NULL;
	}
	if (!s) {
		if (!(s = lx_alloc(sizeof(*s))) || file_open_new(0600, &s->mem) < 0) {
			lx_free(s);
			return NULL;
		}
		s->ino = ino;
		s->next = vf->v->shadows;
		vf->v->shadows = s;
	}
	s->maps++;
	end = PGROUNDUP_U(end);
	if (end > s->extent && reg_resize(s->mem->inode, end) == 0) {
		char *buf = lx_alloc_raw(FILL_CHUNK);
		long got = buf ? 0 : -ENOMEM;
		for (uint64_t at = s->extent; buf && at < end; at += FILL_CHUNK) {
			size_t want = end - at < FILL_CHUNK ? end - at : FILL_CHUNK;
			if ((got = server_pread(vf, buf, want, at)) < 0)
				break; /* not filled: the mapping fails, rather than show (and write back) zeros */
			s->mem->ops->pwrite(s->mem, buf, (size_t)got, at);
			if ((size_t)got < want)
				break; /* the file ends: zeros from here */
		}
		lx_free(buf);
		if (got >= 0)
			s->extent = end;
		else
			*err = got;
	}
	if (s->extent >= end)
		return s;
	shadow_put(vf->v, s);
	return NULL;
}

void vol_shadow_resized(struct volume *v, uint64_t ino, uint64_t size)
{
	struct vshadow *s = shadow_find(v, ino);
	if (s && size < s->extent) { /* cut, then grown back with zeros: the mappings keep their length */
		reg_resize(s->mem->inode, size);
		reg_resize(s->mem->inode, s->extent);
	}
}

/* Write shared mapping m's bytes back to its file (no further than the file's end): 0 or -errno. */
static long writeback(struct shared_map *m)
{
	struct vfile *vf = m->f->priv;
	struct p9_attr at;
	long r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
	if (r < 0 || at.size <= m->off)
		return r;
	uint64_t n = at.size - m->off < m->len ? at.size - m->off : m->len;
	r = server_pwrite(vf, (const void *)m->addr, n, m->off);
	return r < 0 ? r : 0;
}

/* Write back this process's shared mappings that overlap [addr, addr + len); forget them too when drop. */
static void writeback_range(uint64_t addr, uint64_t len, bool drop)
{
	for (int i = 0; i < SHARED_MAPS; i++) {
		struct shared_map *m = &maps[i];
		if (!m->f || m->env != ENVINFO->id || m->addr >= addr + len || addr >= m->addr + m->len)
			continue;
		writeback(m);
		if (drop) {
			shadow_put(((struct vfile *)m->f->priv)->v, m->s);
			file_put(m->f);
			*m = (struct shared_map){ 0 };
		}
	}
}

void vol_maps_fork(void)
{
	for (int i = 0; i < SHARED_MAPS; i++)
		if (maps[i].f && maps[i].env == ENVINFO->id) {
			maps[i].f->refs++;
			maps[i].s->maps++;
		}
}

void vol_maps_fork_abandon(void)
{
	for (int i = 0; i < SHARED_MAPS; i++)
		if (maps[i].f && maps[i].env == ENVINFO->id) {
			maps[i].f->refs--; /* never the last: this process holds them */
			maps[i].s->maps--;
		}
}

void vol_maps_fork_child(uint64_t parent_env)
{
	for (int i = 0; i < SHARED_MAPS; i++)
		if (maps[i].f && maps[i].env == parent_env)
			maps[i].env = ENVINFO->id;
		else
			maps[i] = (struct shared_map){ 0 };
}

/*
 * mmap MAP_SHARED of a volume file: the file's shadow, mapped, and
 * remembered for the write back. MAP_PRIVATE needs nothing of this: lx
 * fills private pages through the file's pread.
 */
static long h_mmap(const long *a, bool *mine)
{
	long addr = a[0], len = a[1], prot = a[2], flags = a[3], off = a[5];
	struct vfile *vf = (flags & MAP_SHARED) && !(flags & MAP_ANONYMOUS) ? vfile_of(a[4]) : NULL;
	struct file *f = vf ? file_get((int)a[4]) : NULL;
	*mine = f != NULL;
	if (!f)
		return 0;
	int slot = 0;
	while (slot < SHARED_MAPS && maps[slot].f)
		slot++;
	long r = (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR      ? -EACCES
		 : (f->flags & O_ACCMODE) == O_WRONLY                         ? -EACCES
		 : slot == SHARED_MAPS || len <= 0 || (off & (PAGE_SIZE - 1)) ? -ENOMEM
									      : 0;
	struct vshadow *s = r == 0 ? shadow_get(f, (uint64_t)off + (uint64_t)len, &r) : NULL;
	if (s)
		r = mem_map((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, s->mem, (uint64_t)off);
	if (r < 0 && r > -4096) {
		if (s)
			shadow_put(vf->v, s);
		file_put(f);
		return r;
	}
	maps[slot] = (struct shared_map){ ENVINFO->id, (uint64_t)r, (uint64_t)len, (uint64_t)off, f, s };
	return r;
}

static long h_msync(const long *a, bool *mine)
{
	*mine = false;
	writeback_range((uint64_t)a[0], (uint64_t)a[1], false);
	return 0;
}

static long h_munmap(const long *a, bool *mine)
{
	*mine = false;
	writeback_range((uint64_t)a[0], (uint64_t)a[1], true);
	return 0;
}

/* exit_group and execve: the address space goes, so its shared mappings are written back first. */
static long h_leaving(const long *a, bool *mine)
{
	(void)a;
	*mine = false;
	writeback_range(0, ~0UL >> 1, true);
	return 0;
}

const struct vol_hook vol_fd_hooks[] = {
	{ "fstat", h_fstat },           { "lseek", h_lseek },
	{ "getdents64", h_getdents64 }, { "ftruncate", h_ftruncate },
	{ "fchmod", h_fchmod },         { "fchown", h_fchown },
	{ "fsync", h_fsync },           { "fdatasync", h_fsync },
	{ "fstatfs", h_fstatfs },       { "mmap", h_mmap },
	{ "msync", h_msync },           { "munmap", h_munmap },
	{ "exit_group", h_leaving },    { "execve", h_leaving },
	{ "syncfs", h_syncfs },         { NULL, NULL },
};
