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
#define FAULT_PAGES 32 /* pages a shadow is filled with at a fault that misses, in one question to the server */
#define SHADOW_HASH 64 /* buckets of a shadow's pages */
#define OPEN_PASS (O_ACCMODE | O_TRUNC | O_APPEND | O_DIRECTORY | O_NOFOLLOW | O_SYNC | O_DSYNC | O_NONBLOCK)

/*
 * A volume file's pages while it is mapped shared (or, a disk's file,
 * private: vol_share_hold): the pages every such mapping of the file maps,
 * in every process, so that they all see the same bytes (a private one
 * read-only, until it is made writable: mem.c then gives it copies). A page that lies whole on a disk lx holds (a FUSE server's
 * file whose blocks it maps, fuse_mica.h) is the disk cache's page itself,
 * held there: the server's writes, reads through the map and the mappings'
 * stores all meet in it. Any other page (a 9P file's, a hole's, the
 * file's last page when the file ends inside it) is the shadow's own, a
 * copy of the server's bytes made at the first fault that reached it and
 * changed since by the mappings' stores and by writes, which read and
 * write see too (vol_pread, vol_pwrite). Pages are made at faults,
 * FAULT_PAGES at a time, and stay until the shadow goes with its last
 * mapping; a truncate first makes the disk's pages past the new end the
 * shadow's own (blkdev_page_unshare), so that a block the server frees is
 * never mapped. Kept on its volume's list by inode number.
 */
struct spage {
	uint64_t index; /* the file's bytes [index * PAGE_SIZE, + PAGE_SIZE) */
	char *data; /* in lx's shared heap */
	struct cpage *hold; /* the disk cache's page it is, or NULL: the shadow's own */
	bool wr; /* given to a mapping that may write it: written back (own) or marked dirty (the disk's) */
	struct spage *next; /* in its bucket */
};

struct vshadow {
	uint64_t ino;
	int maps; /* holds: each area that maps it (share_hold), in any process, and each struct shared_map */
	struct spage *hash[SHADOW_HASH];
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

static struct spage *spage_find(const struct vshadow *s, uint64_t index)
{
	struct spage *p = s->hash[index % SHADOW_HASH];
	while (p && p->index != index)
		p = p->next;
	return p;
}

/*
 * Copy the bytes [off, off + n) of the file between buf and s's own pages (into them when to_shadow), where
 * s has them; the disk's pages need nothing: the server's reads and writes go through them.
 */
static void own_copy(const struct vshadow *s, void *buf, uint64_t n, uint64_t off, bool to_shadow)
{
	for (uint64_t at = off; at < off + n;) {
		uint64_t skip = at % PAGE_SIZE, k = PAGE_SIZE - skip < off + n - at ? PAGE_SIZE - skip : off + n - at;
		struct spage *p = spage_find(s, at / PAGE_SIZE);
		if (p && !p->hold && to_shadow)
			memcpy(p->data + skip, (const char *)buf + (at - off), k);
		else if (p && !p->hold)
			memcpy((char *)buf + (at - off), p->data + skip, k);
		at += k;
	}
}

/* The server's answer (its length is the file's), with the bytes the shadow's own pages hold taken from there. */
static long vol_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	struct vfile *vf = f->priv;
	if (vf->dir)
		return -EISDIR;
	long r = server_pread(vf, buf, n, off);
	struct vshadow *s = r > 0 ? shadow_of(vf) : NULL;
	if (s)
		own_copy(s, buf, (uint64_t)r, off, false);
	return r;
}

static long vol_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	struct vfile *vf = f->priv;
	long r = server_pwrite(vf, buf, n, off);
	struct vshadow *s = r > 0 ? shadow_of(vf) : NULL;
	if (s) /* the mappings see it too */
		own_copy(s, (void *)buf, (uint64_t)r, off, true);
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

static char *vol_share_page(struct file *f, uint64_t off);
static bool vol_share_hold(struct file *f, int d, bool shared);
static long shadow_sync(struct vfile *vf, struct vshadow *s, uint64_t off, uint64_t len);

const struct file_ops vol_file_ops = {
	.read = vol_read,
	.write = vol_write,
	.pread = vol_pread,
	.pwrite = vol_pwrite,
	.close = vol_close,
	.share_page = vol_share_page,
	.share_hold = vol_share_hold,
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
	r = vp->v->ops->lcreate(vp->v->share, *fid, name, (uint32_t)(flags & (OPEN_PASS | O_EXCL)),
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
	bool cut = (flags & O_TRUNC) && !dir && vp->v->shadows;
	long r = cut ? vol_shadow_cutting(vp->v, at->ino, 0) : 0;
	if (r == 0)
		r = vp->v->ops->lopen(vp->v->share, fid, (uint32_t)(flags & OPEN_PASS & (dir ? ~(long)O_TRUNC : ~0L)));
	if (r == 0 && cut)
		vol_shadow_resized(vp->v, at->ino, 0);
	return r;
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
		bool excl = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) && vp->rel[0] && !v->ro;
		if (excl) { /* the create itself says EEXIST (volume.h): no walk to the name first */
			r = create(vp, flags, mode, &fid);
			return r < 0 ? r : vfile_new(vp, fid, false, flags, out);
		}
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
			if (r == 0 && (r = open_node(vp, fid, &at, flags)) == 0) {
				r = vfile_new(vp, fid, (at.mode & S_IFMT) == S_IFDIR, flags, out); /* (the fid its) */
				if (r == 0)
					((struct vfile *)(*out)->priv)->ino =
						at.ino; /* (mmap and share_hold need it) */
				return r;
			}
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
	vf->ino = at.ino;
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
	struct vfile *vf = vfile_of(a[0]);
	long r = vf && shadow_of(vf) ? vol_shadow_cutting(vf->v, vf->ino, (uint64_t)a[1]) : 0;
	if (r == 0)
		r = fd_setattr(a, mine, P9_SET_SIZE, 0, (uint64_t)a[1]);
	if (r == 0 && vf && shadow_of(vf))
		vol_shadow_resized(vf->v, vf->ino, (uint64_t)a[1]);
	*mine = vf != NULL;
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

/* fsync, fdatasync: what the file's shared mappings changed is written back first, as Linux's writes back their dirty pages. */
static long h_fsync(const long *a, bool *mine)
{
	struct vfile *vf = mine_fd(a, mine);
	struct vshadow *s = vf ? shadow_of(vf) : NULL;
	long r = s ? shadow_sync(vf, s, 0, ~0UL >> 1) : 0;
	return !vf ? 0 : r < 0 ? r : vf->v->ops->fsync(vf->v->share, vf->fid);
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

/* Page index of s, made now from data (the disk cache's page hold, or NULL: data is s's own): NULL when out of memory. */
static struct spage *spage_add(struct vshadow *s, uint64_t index, char *data, struct cpage *hold)
{
	struct spage *p = lx_alloc(sizeof(*p));
	if (p) {
		*p = (struct spage){ index, data, hold, false, s->hash[index % SHADOW_HASH] };
		s->hash[index % SHADOW_HASH] = p;
	}
	return p;
}

/* One hold of s, on v's list, is gone; so is s with its last (the disk's pages a mapping may have changed dirty). */
static void shadow_put(struct volume *v, struct vshadow *s)
{
	if (--s->maps > 0)
		return;
	for (struct vshadow **pp = &v->shadows; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	for (int b = 0; b < SHADOW_HASH; b++)
		while (s->hash[b]) {
			struct spage *p = s->hash[b];
			s->hash[b] = p->next;
			if (p->hold && p->wr)
				blkdev_page_dirty(p->hold);
			if (p->hold)
				blkdev_page_put(p->hold);
			else
				lx_page_free(p->data);
			lx_free(p);
		}
	lx_free(s);
}

/* The shadow of inode ino of v, made now (without holds) if it has none: NULL when memory is short. */
static struct vshadow *shadow_make(struct volume *v, uint64_t ino)
{
	struct vshadow *s = shadow_find(v, ino);
	if (!s && (s = lx_alloc(sizeof(*s))) != NULL) {
		*s = (struct vshadow){ .ino = ino, .next = v->shadows };
		v->shadows = s;
	}
	return s;
}

/* The shadow of f's file (a volume file), made now if it has none, with one more hold: NULL, with *err, when the server cannot say which file it is or memory is short. */
static struct vshadow *shadow_get(struct file *f, long *err)
{
	struct vfile *vf = f->priv;
	uint64_t ino = vfile_ino(vf);
	struct vshadow *s = ino ? shadow_make(vf->v, ino) : NULL;
	*err = ino ? -ENOMEM : -EIO;
	if (s)
		s->maps++;
	return s;
}

/* An own page of s for page index of vf's file, read from the server with up to n - 1 pages after it that s lacks (9P's files: one read for a run): page index, or NULL past the file's end or when the read fails. */
static struct spage *own_fill(struct vfile *vf, struct vshadow *s, uint64_t index, int n)
{
	char *buf = lx_alloc_raw((size_t)n * PAGE_SIZE);
	long got = buf ? server_pread(vf, buf, (size_t)n * PAGE_SIZE, index * PAGE_SIZE) : -ENOMEM;
	for (long i = 0; i * (long)PAGE_SIZE < got; i++) {
		char *page = !spage_find(s, index + (uint64_t)i) ? lx_page_alloc_raw()
								 : NULL; /* (another fault's meanwhile?) */
		if (!page)
			continue;
		long k = got - i * (long)PAGE_SIZE < (long)PAGE_SIZE ? got - i * (long)PAGE_SIZE : (long)PAGE_SIZE;
		memcpy(page, buf + i * PAGE_SIZE, (size_t)k);
		memset(page + k, 0, PAGE_SIZE - (size_t)k);
		if (!spage_add(s, index + (uint64_t)i, page, NULL))
			lx_page_free(page);
	}
	lx_free(buf);
	return got > 0 ? spage_find(s, index) : NULL;
}

/*
 * Page index of s (vf's file's shadow) for a fault that found none: the disk cache's pages of FAULT_PAGES
 * pages from index, where the server says they lie whole on a disk lx holds, and an own page read from the
 * server where not. NULL past the file's end (SIGBUS), or when the server or memory fails.
 */
static struct spage *shadow_fill(struct vfile *vf, struct vshadow *s, uint64_t index)
{
	struct vol_page pg[FAULT_PAGES];
	long size = vf->v->ops->pages ? vf->v->ops->pages(vf->v->share, vf->fid, index * PAGE_SIZE, FAULT_PAGES, pg)
				      : -ENOSYS;
	for (int i = 0; size >= 0 && i < FAULT_PAGES; i++)
		if (pg[i].data &&
		    (spage_find(s, index + (uint64_t)i) || !spage_add(s, index + (uint64_t)i, pg[i].data, pg[i].hold)))
			blkdev_page_put(pg[i].hold);
	struct spage *p = size >= 0 ? spage_find(s, index) : NULL;
	if (p || (size >= 0 && index * PAGE_SIZE >= (uint64_t)size))
		return p;
	return own_fill(vf, s, index, vf->v->ops->pages ? 1 : FAULT_PAGES);
}

/* share_page of a volume file: its shadow's page for byte off, made now if need be. */
static char *vol_share_page(struct file *f, uint64_t off)
{
	struct vfile *vf = f->priv;
	struct vshadow *s = shadow_of(vf);
	struct spage *p = s ? spage_find(s, off / PAGE_SIZE) : NULL;
	if (!p && s)
		p = shadow_fill(vf, s, off / PAGE_SIZE);
	if (p && (f->flags & O_ACCMODE) == O_RDWR)
		p->wr = true; /* (an area mprotect may make writable) */
	return p ? p->data : NULL;
}

/*
 * share_hold of a volume file: a shared area holds the shadow h_mmap made;
 * a private one holds the shadow of a file whose pages a disk holds (made
 * now if need be), so that program text and read-only data map the disk
 * cache's pages; another file's private areas copy what they read (a 9P
 * file's pages, which the host may change meanwhile, are not kept).
 */
static bool vol_share_hold(struct file *f, int d, bool shared)
{
	struct vfile *vf = f->priv;
	bool make = d > 0 && !shared && !vf->dir && vf->v->ops->pages;
	struct vshadow *s = !vf->ino ? NULL /* (the number is asked for at open, or mmap) */
			    : make   ? shadow_make(vf->v, vf->ino)
				     : shadow_find(vf->v, vf->ino);
	if (s && d < 0)
		shadow_put(vf->v, s);
	else if (s)
		s->maps++;
	return d > 0 && s;
}

long vol_shadow_cutting(struct volume *v, uint64_t ino, uint64_t size)
{
	struct vshadow *s = shadow_find(v, ino);
	for (int b = 0; s && b < SHADOW_HASH; b++)
		for (struct spage *p = s->hash[b]; p; p = p->next)
			if (p->hold && p->index >= size / PAGE_SIZE) {
				if (!blkdev_page_unshare(p->hold))
					return -ENOMEM;
				p->hold = NULL;
			}
	return 0;
}

void vol_shadow_resized(struct volume *v, uint64_t ino, uint64_t size)
{
	struct vshadow *s = shadow_find(v, ino);
	for (int b = 0; s && b < SHADOW_HASH; b++)
		for (struct spage *p = s->hash[b]; p; p = p->next)
			if (!p->hold && (p->index + 1) * PAGE_SIZE > size) { /* the mappings keep their length: zeros */
				uint64_t keep = size > p->index * PAGE_SIZE ? size - p->index * PAGE_SIZE : 0;
				memset(p->data + keep, 0, PAGE_SIZE - keep);
			}
}

/*
 * Write back what mappings may have changed of vf's file's pages in [off, off + len) (no further than the
 * file's end): its own pages to the server, the disk's marked dirty in the disk cache. 0 or -errno.
 */
static long shadow_sync(struct vfile *vf, struct vshadow *s, uint64_t off, uint64_t len)
{
	struct p9_attr at;
	long r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
	for (int b = 0; r >= 0 && b < SHADOW_HASH; b++)
		for (struct spage *p = s->hash[b]; r >= 0 && p; p = p->next) {
			uint64_t at_off = p->index * PAGE_SIZE;
			if (!p->wr || at_off + PAGE_SIZE <= off || at_off >= off + len || at_off >= at.size)
				continue;
			if (p->hold)
				blkdev_page_dirty(p->hold);
			else
				r = server_pwrite(vf, p->data,
						  at.size - at_off < PAGE_SIZE ? at.size - at_off : PAGE_SIZE, at_off);
		}
	return r < 0 ? r : 0;
}

/*
 * Did this process store to shared mapping m since it last looked (a page's
 * dirty bit, which it clears)? A store to the disk cache's page reaches the
 * disk with no request to the server, which then needs telling that the
 * file was modified, as Linux's page_mkwrite tells its file system.
 */
static bool stored(const struct shared_map *m)
{
	bool any = false;
	for (uint64_t va = m->addr; va < m->addr + m->len; va += PAGE_SIZE) {
		uint64_t pte = mem_pte(va);
		if ((pte & (PTE_P | PTE_D)) == (PTE_P | PTE_D)) {
			sys_protect(0, va, (long)(pte & PTE_USER_PERMS));
			any = true;
		}
	}
	return any;
}

/* Write back this process's shared mappings that overlap [addr, addr + len) (and fsync their files when sync); forget them too when drop. */
static void writeback_range(uint64_t addr, uint64_t len, bool drop, bool sync)
{
	for (int i = 0; i < SHARED_MAPS; i++) {
		struct shared_map *m = &maps[i];
		if (!m->f || m->env != ENVINFO->id || m->addr >= addr + len || addr >= m->addr + m->len)
			continue;
		struct vfile *vf = m->f->priv;
		if (stored(m)) /* modified now, as a write would stamp it */
			vf->v->ops->setattr(vf->v->share, vf->fid, P9_SET_MTIME | P9_SET_CTIME, 0, 0, NULL);
		if (shadow_sync(vf, m->s, m->off, m->len) == 0 && sync)
			vf->v->ops->fsync(vf->v->share, vf->fid);
		if (drop) {
			shadow_put(vf->v, m->s);
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
 * mmap MAP_SHARED of a volume file: the file mapped, its pages its shadow's
 * (vol_share_page), and the mapping remembered for the write back.
 * MAP_PRIVATE needs nothing of this: lx fills private pages through the
 * file's pread.
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
	struct vshadow *s = r == 0 ? shadow_get(f, &r) : NULL;
	if (s)
		r = mem_map((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, f, (uint64_t)off);
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
	writeback_range((uint64_t)a[0], (uint64_t)a[1], false, a[2] & MS_SYNC);
	return 0;
}

static long h_munmap(const long *a, bool *mine)
{
	*mine = false;
	writeback_range((uint64_t)a[0], (uint64_t)a[1], true, false);
	return 0;
}

/* exit_group and execve: the address space goes, so its shared mappings are written back first. */
static long h_leaving(const long *a, bool *mine)
{
	(void)a;
	*mine = false;
	writeback_range(0, ~0UL >> 1, true, false);
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
