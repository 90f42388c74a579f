/* Host folders as volumes: the mount table, paths that cross into a volume, and the path syscalls on them. */
#include "libos/lx/volume.h"

/*
 * `mica run -v HOSTDIR:GUESTDIR[:ro]` gives each folder to the machine as
 * a virtio-9p share with the mount tag volN, and lists them in
 * .mica/volumes, a line each: "volN rw|ro GUESTDIR". lx attaches each share
 * and mounts it at GUESTDIR. A path (made absolute from the cwd or the
 * *at directory, with "." and ".." taken away by name) that lies under a
 * mount point is the volume's: the calls below speak 9P for it, and lx's
 * own tree never sees it. The server follows no symlink (QEMU's does not),
 * so lx does, as Linux's lookup does: vol_resolve() walks a path's directories
 * in a volume and puts each symlink's target in its place (a relative one
 * from the link's folder, an absolute one from the guest's root: lx's tree
 * or another volume), taking ".." from where a link led; a symlink at the
 * end of a path is followed by reading it and looking the result up again.
 * A volume's files are
 * the host's: lx keeps no cache, and the host's owner, modes and times are
 * what stat shows (docs/lx.md). `:ro` refuses every change with EROFS.
 */
#define VOL_MAX 32 /* volumes mounted while the machine runs, gone ones included */

/* The volumes, in the heap every process shares: a FUSE server mounts in its process for all of them. */
struct vol_table {
	int n; /* slots used; an unmounted volume keeps its slot (its open files may still name it) */
	struct volume v[VOL_MAX];
};
static struct vol_table *vt; /* made by pid 1 at boot, before any fork */
static bool routed; /* this process sends the hooked calls through vol_entry */
uint32_t vol_seen; /* LX_SH->vol_mounts as this process last saw it (inherited by fork) */
static LX_BUFFER char
	vcwd[LX_PATH_MAX]; /* the cwd when it is in a volume (this process's, inherited by fork), else "" */

char *vol_last_slash(const char *s)
{
	const char *last = NULL;
	for (; *s; s++)
		if (*s == '/')
			last = s;
	return (char *)last;
}

/* Append "/" and rel to the path in buf (LX_PATH_MAX bytes): 0 or -ENAMETOOLONG. */
static long join(char *buf, const char *rel)
{
	size_t n = strlen(buf), m = strlen(rel);
	if (n + m + 2 > LX_PATH_MAX)
		return -ENAMETOOLONG;
	buf[n] = '/';
	memcpy(buf + n + 1, rel, m + 1);
	return 0;
}

const struct volume *volume_nth(int i)
{
	for (int k = 0; vt && k < vt->n; k++)
		if (!vt->v[k].gone && i-- == 0)
			return &vt->v[k];
	return NULL;
}

/* Is path dir or below it? */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* The volume a normalized absolute path lies in (the deepest mount), with *rel its part inside; NULL if none. */
static struct volume *volume_of(const char *path, const char **rel)
{
	struct volume *best = NULL;
	for (int i = 0; vt && i < vt->n; i++) {
		struct volume *v = &vt->v[i];
		if (!v->gone && strncmp(path, v->guest, v->glen) == 0 && (path[v->glen] == 0 || path[v->glen] == '/') &&
		    (!best || v->glen >= best->glen))
			best = v;
	}
	if (best && best->glen == 0 && (under(path, "/dev") || under(path, "/proc")))
		return NULL; /* a root volume (mica run --rootfs) leaves lx's devices and /proc in place, as a new root's mounts */
	if (best)
		*rel = path + best->glen + (path[best->glen] == '/');
	return best;
}

/* Rewrite the absolute path p in place without "//", "." and "..": at most LX_PATH_MAX bytes. */
static void normalize(char *p)
{
	char *out = p, *in = p;
	while (*in) {
		while (*in == '/')
			in++;
		char *c = in;
		while (*in && *in != '/')
			in++;
		size_t n = (size_t)(in - c);
		if (n == 0 || (n == 1 && c[0] == '.'))
			continue;
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			while (out > p && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, c, n);
		out += n;
	}
	if (out == p)
		*out++ = '/';
	*out = 0;
}

/* The absolute path of the directory a relative path of dirfd starts from, into buf: 0, 1 (not known), -errno. */
static long base_of(long dirfd, char *buf)
{
	if (dirfd == AT_FDCWD && vcwd[0]) {
		strlcpy(buf, vcwd, LX_PATH_MAX);
		return 0;
	}
	struct vfile *vf = dirfd == AT_FDCWD ? NULL : vfile_of(dirfd);
	if (vf) {
		strlcpy(buf, vf->path, LX_PATH_MAX);
		return 0;
	}
	long err = 0;
	struct inode *n = fd_inode(dirfd, &err);
	if (!n)
		return err;
	return path_of(n, buf, LX_PATH_MAX) < 0 ? 1 : 0;
}

/* The target of the symlink at fid, or at the end of names[0 .. n) walked from fid, into target (LX_PATH_MAX): 0 or -errno. */
static long link_target(struct volume *v, uint32_t fid, const char *const *names, int n, char *target)
{
	uint8_t types[P9_WALK_MAX];
	uint32_t lf = fid;
	long r = n ? v->ops->walk_names(v->share, fid, lf = v->ops->fid_new(v->share), names, n, types) : n;
	if (r >= 0 && r < n)
		return -ENOENT; /* it went while we looked */
	if (r >= 0)
		r = v->ops->readlink(v->share, lf, target, LX_PATH_MAX);
	if (r >= 0 && n)
		v->ops->clunk(v->share, lf);
	return r < 0 ? r : 0;
}

/* Up to max names of the path at *p (split there in place, *p moved past them) into names: how many. */
static int next_names(char **p, const char **names, int max)
{
	int k = 0;
	while (k < max && **p) {
		names[k++] = *p;
		char *slash = strchr(*p, '/');
		*p = slash ? (*slash = 0, slash + 1) : *p + strlen(*p);
	}
	return k;
}

/*
 * Look for a symlink among the names of out (absolute, with no "." nor "..")
 * that lie in a volume, all but the last skip of them, walking from the
 * volume's root a Twalk of up to P9_WALK_MAX names at a time. 0 when there
 * is none (or a name is missing and not strict: the call made next says
 * so); 2 with the first link's target in target and the end of its name in
 * out at *end; -errno (for a missing name when strict: ENOENT, ENOTDIR).
 * target (LX_PATH_MAX bytes) holds the names being walked until then.
 */
static long find_link(const char *out, int skip, bool strict, char *target, size_t *end)
{
	const char *rel;
	struct volume *v = volume_of(out, &rel);
	if (!v || !rel[0])
		return 0;
	long left = 1 - skip;
	for (const char *c = rel; *c; c++)
		left += *c == '/';
	char *p = target;
	strlcpy(target, rel, LX_PATH_MAX);
	uint32_t fid = v->ops->fid_new(v->share);
	long r = left > 0 ? v->ops->walk(v->share, v->root, fid, NULL) : 1;
	while (r == 0 && left > 0) {
		const char *names[P9_WALK_MAX];
		uint8_t types[P9_WALK_MAX];
		int k = next_names(&p, names, left < P9_WALK_MAX ? (int)left : P9_WALK_MAX), j = 0;
		uint32_t next = v->ops->fid_new(v->share);
		long got = v->ops->walk_names(v->share, fid, next, names, k, types);
		left -= k;
		while (j < got && !(types[j] & P9_QT_SYMLINK))
			j++;
		if (got > 0 && j < got) { /* a symlink: its end in out now, before its target overwrites the names */
			*end = (size_t)(names[j] - target) + (size_t)(rel - out) + strlen(names[j]);
			r = got == k && j == k - 1 ? link_target(v, next, NULL, 0, target)
						   : link_target(v, fid, names, j + 1, target);
			r = r < 0 ? r : 2;
		} else if (got < k) {
			r = !strict ? 0 : got < 0 ? got : got > 0 && !(types[got - 1] & P9_QT_DIR) ? -ENOTDIR : -ENOENT;
		}
		if (got == k)
			v->ops->clunk(v->share, fid), fid = next;
		if (got != k || r != 0)
			break;
	}
	if (r != 1)
		v->ops->clunk(v->share, fid);
	return r == 1 ? 0 : r;
}

/*
 * Where out's link (out[0 .. end), whose target is in target) leads, with
 * the names out has after it and the raw rest of the path (rest, not yet
 * looked at) after those: into path (LX_PATH_MAX). 0 or -ENAMETOOLONG.
 */
static long relink(char *path, const char *out, size_t end, const char *target, const char *rest)
{
	char *buf = lx_alloc_raw(LX_PATH_MAX); /* (each way below writes it whole) */
	if (!buf)
		return -ENOMEM;
	size_t dir = end;
	while (dir > 0 && out[dir - 1] != '/')
		dir--;
	long r = 0;
	if (target[0] == '/')
		strlcpy(buf, target, LX_PATH_MAX);
	else if (dir + strlen(target) < LX_PATH_MAX) {
		memcpy(buf, out, dir);
		strlcpy(buf + dir, target, LX_PATH_MAX - dir);
	} else
		r = -ENAMETOOLONG;
	if (r == 0 && (r = join(buf, out + end)) == 0 && (r = join(buf, rest)) == 0)
		strlcpy(path, buf, LX_PATH_MAX);
	lx_free(buf);
	return r;
}

/* One pass of vol_resolve() over path into out: 0 (out is the answer), 2 (path was rewritten by a link: again), -errno. */
static long resolve_pass(char *path, char *out, char *target)
{
	size_t n = 0, end;
	bool name_last = false;
	out[0] = 0;
	for (const char *in = path; *in;) {
		while (*in == '/')
			in++;
		const char *c = in;
		while (*in && *in != '/')
			in++;
		size_t len = (size_t)(in - c);
		if (len == 0 || (len == 1 && c[0] == '.')) { /* "link/." is where the link leads; "link/" the call's */
			name_last = name_last && len == 0;
			continue;
		}
		name_last = !(len == 2 && c[0] == '.' && c[1] == '.');
		if (!name_last) { /* "..": of where the names before it lead */
			long r = find_link(out, 0, true, target, &end);
			if (r != 0)
				return r == 2 ? (relink(path, out, end, target, c) ?: 2) : r;
			while (n > 0 && out[--n] != '/')
				;
			out[n] = 0;
			continue;
		}
		if (n + 1 + len >= LX_PATH_MAX)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, c, len);
		out[n += len] = 0;
	}
	if (n == 0)
		strlcpy(out, "/", LX_PATH_MAX);
	long r = find_link(out, name_last ? 1 : 0, false, target, &end);
	return r == 2 ? (relink(path, out, end, target, "") ?: 2) : r;
}

/*
 * Make path (absolute, LX_PATH_MAX bytes) what Linux's lookup finds up to
 * its last name: without "//", "." and "..", each symlink of a volume
 * before the last name replaced by where it leads (a relative target from
 * the link's folder, an absolute one from the root: lx's tree or another
 * volume), ".." after such a link taken from where it led, *followed
 * saying whether one was. Outside the volumes, by name alone. 0 or -errno
 * (ELOOP after LX_SYMLOOP_MAX links, ENAMETOOLONG, ENOENT and ENOTDIR for
 * ".." after a missing name, the server's errors).
 */
static long vol_resolve(char *path, bool *followed)
{
	char *out = lx_alloc_raw(2 * LX_PATH_MAX), *target = out + LX_PATH_MAX; /* (path buffers: not zeroed) */
	if (!out)
		return -ENOMEM;
	out[0] = target[0] = 0;
	long r;
	int hops = 0;
	*followed = false;
	while ((r = resolve_pass(path, out, target)) == 2 && ++hops <= LX_SYMLOOP_MAX)
		*followed = true;
	if (r == 0)
		strlcpy(path, out, LX_PATH_MAX);
	lx_free(out);
	return r == 2 ? -ELOOP : r;
}

long vpath_get(long dirfd, uint64_t upath, struct vpath *vp)
{
	char first = 0;
	if (copy_from_user(&first, upath, 1) == 0 && first == 0)
		return 1; /* an empty path (AT_EMPTY_PATH, or ENOENT): lx's own answer */
	char *given = lx_alloc_raw(LX_PATH_MAX); /* (path_copy writes it) */
	if (!given)
		return -ENOMEM;
	long r = path_copy((const char *)upath, given);
	if (r == 0)
		r = vpath_make(dirfd, given, vp);
	lx_free(given);
	return r;
}

long vpath_make(long dirfd, const char *given, struct vpath *vp)
{
	dirfd = (int)dirfd; /* an int in Linux's ABI: AT_FDCWD may come without its upper bits */
	if (!given[0] || !vt || vt->n == 0)
		return 1; /* no volume was ever mounted: no path leads into one (every exec asks, for /proc/self/exe) */
	char *path = lx_alloc_raw(LX_PATH_MAX); /* (written below) */
	if (!path)
		return -ENOMEM;
	long r = 0;
	path[0] = 0;
	if (given[0] == '/')
		strlcpy(path, given, LX_PATH_MAX);
	else if ((r = base_of(dirfd, path)) == 0)
		r = join(path, given);
	bool followed;
	if (r == 0 && (r = vol_resolve(path, &followed)) == 0) {
		vp->path = path;
		vp->v = volume_of(path, &vp->rel);
		r = vp->v ? 0 : followed ? 2 : 1;
	}
	if (r != 0 && r != 2)
		lx_free(path);
	return r;
}

void vpath_free(struct vpath *vp)
{
	lx_free(vp->path);
	vp->path = NULL;
}

/* Walk fid (a clone of v's root made by the caller) down rel, a component at a time. 0 or -errno (the fid is then clunked). */
static long walk_down(struct volume *v, uint32_t fid, const char *rel)
{
	char name[LX_NAME_MAX + 1];
	while (*rel) {
		const char *end = strchr(rel, '/');
		size_t n = end ? (size_t)(end - rel) : strlen(rel);
		if (n > LX_NAME_MAX) {
			v->ops->clunk(v->share, fid);
			return -ENAMETOOLONG;
		}
		memcpy(name, rel, n);
		name[n] = 0;
		long r = v->ops->walk(v->share, fid, fid, name);
		if (r < 0) {
			v->ops->clunk(v->share, fid);
			return r;
		}
		rel += n + (end != NULL);
	}
	return 0;
}

long vol_walk(struct volume *v, const char *rel, uint32_t *fid)
{
	*fid = v->ops->fid_new(v->share);
	long r = v->ops->walk(v->share, v->root, *fid, NULL);
	return r < 0 ? r : walk_down(v, *fid, rel);
}

/* The fid of the directory holding vp's last name, and that name in *name. 0 or -errno (EBUSY for the root). */
static long walk_parent(struct vpath *vp, uint32_t *dfid, const char **name)
{
	if (!vp->rel[0])
		return -EBUSY;
	char *slash = vol_last_slash(vp->rel);
	if (!slash) {
		*name = vp->rel;
		return vol_walk(vp->v, "", dfid);
	}
	*slash = 0;
	long r = vol_walk(vp->v, vp->rel, dfid);
	*slash = '/';
	*name = slash + 1;
	return r;
}

/* Is (dirfd, upath) a path in a volume? (For the calls that refuse it before looking further.) */
static bool in_volume(long dirfd, long upath)
{
	struct vpath vp;
	long r = vpath_get(dirfd, (uint64_t)upath, &vp);
	if (r == 0 || r == 2)
		vpath_free(&vp);
	return r != 1;
}

/* If at (of fid, vp's node) is a symlink, vp becomes where it points: 2 (in a volume), 1 (outside); 0 when not a link; -errno. */
long vol_follow(struct vpath *vp, uint32_t fid, const struct p9_attr *at)
{
	if ((at->mode & S_IFMT) != S_IFLNK)
		return 0;
	char *target = lx_alloc(LX_PATH_MAX);
	if (!target)
		return -ENOMEM;
	long r = vp->v->ops->readlink(vp->v->share, fid, target, LX_PATH_MAX);
	if (r >= 0 && target[0] != '/') {
		*vol_last_slash(vp->path) = 0;
		r = join(vp->path, target);
	} else if (r >= 0)
		strlcpy(vp->path, target, LX_PATH_MAX);
	lx_free(target);
	bool followed;
	if (r < 0 || (r = vol_resolve(vp->path, &followed)) < 0)
		return r;
	vp->v = volume_of(vp->path, &vp->rel);
	return vp->v ? 2 : 1;
}

/*
 * The node of vp (following a symlink at the end when follow), as a new
 * fid with its attributes. 0; 1 when a symlink led out of the volumes
 * (vp->path says where); -errno (ELOOP after LX_SYMLOOP_MAX links).
 */
static long node_of(struct vpath *vp, bool follow_last, uint32_t *fid, struct p9_attr *at)
{
	for (int hops = 0; hops <= LX_SYMLOOP_MAX; hops++) {
		long r = vol_walk(vp->v, vp->rel, fid);
		if (r == 0 && (r = vp->v->ops->getattr(vp->v->share, *fid, at)) < 0)
			vp->v->ops->clunk(vp->v->share, *fid);
		if (r < 0 || !follow_last || (at->mode & S_IFMT) != S_IFLNK)
			return r;
		struct volume *v = vp->v; /* the fid is this volume's, wherever the link leads */
		r = vol_follow(vp, *fid, at);
		v->ops->clunk(v->share, *fid);
		if (r != 2)
			return r < 0 ? r : 1;
	}
	return -ELOOP;
}

void vol_stat_fill(const struct p9_attr *at, const struct volume *v, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = v ? v->dev : 0x1a; /* one device per volume, as a mount has; lx's for its own nodes */
	st->st_ino = at->ino;
	st->st_nlink = at->nlink;
	st->st_mode = at->mode;
	st->st_uid = at->uid;
	st->st_gid = at->gid;
	st->st_rdev = at->rdev;
	st->st_size = (int64_t)at->size;
	st->st_blksize = (int64_t)at->blksize;
	st->st_blocks = (int64_t)at->blocks;
	st->st_atim = at->atime;
	st->st_mtim = at->mtime;
	st->st_ctim = at->ctime;
}

/* The node of lx's tree at path (absolute; follow: through a final symlink); NULL with *err. */
static struct inode *outside_node(const char *path, bool follow, long *err)
{
	struct lookup lk;
	*err = path_lookup(AT_FDCWD, path, follow ? LOOK_FOLLOW : 0, &lk);
	if (*err == 0 && !lk.node)
		*err = -ENOENT;
	return *err ? NULL : lk.node;
}

/*
 * The attributes of vp's node (follow: through a final symlink): a
 * volume's, or lx's node's when a symlink led out of the volumes (vp->v is
 * NULL then, vp->path where it led). 0 or -errno.
 */
static long attr_of(struct vpath *vp, bool follow_last, struct p9_attr *at)
{
	uint32_t fid;
	long r = vp->v ? node_of(vp, follow_last, &fid, at) : 1;
	if (r == 0)
		vp->v->ops->clunk(vp->v->share, fid);
	if (r != 1)
		return r;
	struct inode *n = outside_node(vp->path, follow_last, &r);
	if (!n)
		return r;
	*at = (struct p9_attr){ .ino = n->ino,
				.mode = n->mode,
				.uid = n->uid,
				.gid = n->gid,
				.nlink = n->nlink,
				.rdev = n->rdev,
				.size = n->size,
				.blksize = 4096,
				.blocks = reg_blocks(n),
				.atime = n->atime,
				.mtime = n->mtime,
				.ctime = n->ctime };
	vp->v = NULL;
	return 0;
}

/* ---- the path calls; each answers *mine = false for a path outside the volumes ---- */

/*
 * vpath_get for a call: *mine says whether it is a volume's; the error to
 * return, 0 with *vp, or (outside) 2 with *vp when a volume's symlink led
 * into lx's tree. Without outside that is EXDEV: the calls that change
 * names or attributes are not carried there.
 */
static long take(long dirfd, long upath, struct vpath *vp, bool *mine, bool outside)
{
	long r = vpath_get(dirfd, (uint64_t)upath, vp);
	*mine = r != 1;
	if (r == 2 && !outside) {
		vpath_free(vp);
		return -EXDEV;
	}
	return r == 1 ? 0 : r;
}

/* AT_EMPTY_PATH with "" on a volume file: that file (*vf), *mine set. */
static bool empty_path(long dirfd, long upath, long flags, struct vfile **vf, bool *mine)
{
	char c = 1;
	*vf = NULL;
	if ((flags & AT_EMPTY_PATH) && copy_from_user(&c, (uint64_t)upath, 1) == 0 && c == 0)
		*vf = vfile_of(dirfd);
	*mine = *vf != NULL;
	return *mine;
}

static long stat_at(long dirfd, long upath, long ust, long flags, bool *mine)
{
	struct vpath vp;
	struct p9_attr at;
	struct linux_stat st;
	struct vfile *vf;
	if (empty_path(dirfd, upath, flags, &vf, mine))
		return vfile_stat(vf, (uint64_t)ust);
	long r = take(dirfd, upath, &vp, mine, true);
	if (!*mine || r < 0)
		return r;
	r = attr_of(&vp, !(flags & AT_SYMLINK_NOFOLLOW), &at);
	if (r == 0) {
		vol_stat_fill(&at, vp.v, &st);
		r = copy_to_user((uint64_t)ust, &st, sizeof(st));
	}
	vpath_free(&vp);
	return r;
}

static long h_newfstatat(const long *a, bool *mine)
{
	return stat_at(a[0], a[1], a[2], a[3], mine);
}

static long h_stat(const long *a, bool *mine)
{
	return stat_at(AT_FDCWD, a[0], a[1], 0, mine);
}

static long h_lstat(const long *a, bool *mine)
{
	return stat_at(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW, mine);
}

static long h_statx(const long *a, bool *mine)
{
	struct vpath vp = { 0 };
	struct p9_attr at;
	struct vfile *vf;
	long r;
	if (empty_path(a[0], a[1], a[2], &vf, mine))
		r = vf->v->ops->getattr(vf->v->share, vf->fid, &at);
	else if ((r = take(a[0], a[1], &vp, mine, true)) < 0 || !*mine)
		return r;
	else
		r = attr_of(&vp, !(a[2] & AT_SYMLINK_NOFOLLOW), &at);
	struct volume *v = vf ? vf->v : vp.v;
	if (r == 0) {
		struct linux_statx sx;
		memset(&sx, 0, sizeof(sx));
		sx.stx_mask = STATX_BASIC_STATS;
		sx.stx_blksize = (uint32_t)at.blksize;
		sx.stx_nlink = (uint32_t)at.nlink;
		sx.stx_uid = at.uid;
		sx.stx_gid = at.gid;
		sx.stx_mode = (uint16_t)at.mode;
		sx.stx_ino = at.ino;
		sx.stx_size = at.size;
		sx.stx_blocks = at.blocks;
		sx.stx_atime = (struct linux_statx_timestamp){ at.atime.tv_sec, (uint32_t)at.atime.tv_nsec, 0 };
		sx.stx_mtime = (struct linux_statx_timestamp){ at.mtime.tv_sec, (uint32_t)at.mtime.tv_nsec, 0 };
		sx.stx_ctime = (struct linux_statx_timestamp){ at.ctime.tv_sec, (uint32_t)at.ctime.tv_nsec, 0 };
		sx.stx_dev_major = v ? v->dev >> 8 : 0;
		sx.stx_dev_minor = v ? v->dev & 0xFF : 0x1a; /* lx's own device, when a link led there */
		r = copy_to_user((uint64_t)a[4], &sx, sizeof(sx));
	}
	if (vp.path)
		vpath_free(&vp);
	return r;
}

/*
 * access: the node must be there; writing is refused on a read-only volume;
 * the host decides the rest at use. lx decides for its own node, when a
 * link led there.
 */
static long access_at(long dirfd, long upath, long mode, bool *mine)
{
	struct vpath vp;
	struct p9_attr at;
	long r = take(dirfd, upath, &vp, mine, true);
	if (!*mine || r < 0)
		return r;
	r = attr_of(&vp, true, &at);
	struct inode *n = r == 0 && !vp.v ? outside_node(vp.path, true, &r) : NULL;
	if (r == 0 && vp.v && (mode & 2) && vp.v->ro)
		r = -EROFS;
	else if (n && !lx_cred_may(n, (int)mode, true))
		r = -EACCES;
	vpath_free(&vp);
	return r;
}

static long h_access(const long *a, bool *mine)
{
	return access_at(AT_FDCWD, a[0], a[1], mine);
}

static long h_faccessat(const long *a, bool *mine)
{
	return access_at(a[0], a[1], a[2], mine);
}

static long open_at(long dirfd, long upath, long flags, long mode, bool *mine)
{
	struct vpath vp;
	long r = take(dirfd, upath, &vp, mine, true);
	if (!*mine || r < 0)
		return r;
	r = vol_open(&vp, flags, mode);
	vpath_free(&vp);
	return r;
}

static long h_openat(const long *a, bool *mine)
{
	return open_at(a[0], a[1], a[2], a[3], mine);
}

static long h_open(const long *a, bool *mine)
{
	return open_at(AT_FDCWD, a[0], a[1], a[2], mine);
}

static long h_creat(const long *a, bool *mine)
{
	return open_at(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], mine);
}

static long do_unlink(struct vpath *vp, uint32_t dfid, const char *name, long flags);

/* Run fn on the parent directory of (dirfd, upath) in a volume that may be changed. */
static long at_parent(long dirfd, long upath, bool *mine,
		      long (*fn)(struct vpath *vp, uint32_t dfid, const char *name, long arg), long arg)
{
	struct vpath vp;
	uint32_t dfid;
	const char *name;
	long r = take(dirfd, upath, &vp, mine, false);
	if (!*mine || r < 0)
		return r;
	if (vp.v->ro)
		r = -EROFS;
	else if ((r = walk_parent(&vp, &dfid, &name)) == 0) {
		r = fn(&vp, dfid, name, arg);
		vp.v->ops->clunk(vp.v->share, dfid);
	} else if (r == -EBUSY && fn != do_unlink) {
		r = -EEXIST; /* making the mount point: it is there */
	}
	vpath_free(&vp);
	return r;
}

/*
 * The checks Linux's VFS makes before it asks a file system to change a
 * directory, which a FUSE server counts on (9P's server makes them itself):
 * the attributes of name in directory dfid of v: 0 with *at, -ENOENT, -errno.
 */
static long child_attr(struct volume *v, uint32_t dfid, const char *name, struct p9_attr *at)
{
	uint32_t fid = v->ops->fid_new(v->share);
	long r = v->ops->walk(v->share, dfid, fid, name);
	if (r == 0) {
		r = v->ops->getattr(v->share, fid, at);
		v->ops->clunk(v->share, fid);
	}
	return r;
}

/* Making name in dfid: -EEXIST when it is there already; 0 when it is not; -errno. */
static long must_be_new(struct volume *v, uint32_t dfid, const char *name)
{
	struct p9_attr at;
	long r = child_attr(v, dfid, name, &at);
	return r == 0 ? -EEXIST : r == -ENOENT ? 0 : r;
}

static long do_mkdir(struct vpath *vp, uint32_t dfid, const char *name, long mode)
{
	long r = must_be_new(vp->v, dfid, name);
	return r < 0 ? r : vp->v->ops->mkdir(vp->v->share, dfid, name, (uint32_t)mode & 07777 & ~vfs_umask);
}

static long h_mkdirat(const long *a, bool *mine)
{
	return at_parent(a[0], a[1], mine, do_mkdir, a[2]);
}

static long h_mkdir(const long *a, bool *mine)
{
	return at_parent(AT_FDCWD, a[0], mine, do_mkdir, a[1]);
}

/* unlink (flags 0) or rmdir (AT_REMOVEDIR) of name in dfid, refused as Linux does when the type is wrong. */
static long do_unlink(struct vpath *vp, uint32_t dfid, const char *name, long flags)
{
	struct p9_attr at;
	long r = child_attr(vp->v, dfid, name, &at);
	bool dir = r == 0 && (at.mode & S_IFMT) == S_IFDIR;
	if (r == 0 && (flags & AT_REMOVEDIR) && !dir)
		r = -ENOTDIR;
	else if (r == 0 && !(flags & AT_REMOVEDIR) && dir)
		r = -EISDIR;
	return r < 0 ? r : vp->v->ops->unlinkat(vp->v->share, dfid, name, (uint32_t)flags & AT_REMOVEDIR);
}

static long h_unlinkat(const long *a, bool *mine)
{
	return at_parent(a[0], a[1], mine, do_unlink, a[2]);
}

static long h_unlink(const long *a, bool *mine)
{
	return at_parent(AT_FDCWD, a[0], mine, do_unlink, 0);
}

static long h_rmdir(const long *a, bool *mine)
{
	return at_parent(AT_FDCWD, a[0], mine, do_unlink, AT_REMOVEDIR);
}

static long do_symlink(struct vpath *vp, uint32_t dfid, const char *name, long target)
{
	long r = must_be_new(vp->v, dfid, name);
	return r < 0 ? r : vp->v->ops->symlink(vp->v->share, dfid, name, (const char *)target);
}

/* symlink's target is copied into lx memory first. */
static long symlink_at(long utarget, long dirfd, long upath, bool *mine)
{
	char *target = lx_alloc(LX_PATH_MAX);
	if (!target)
		return -ENOMEM;
	long r = path_copy((const char *)utarget, target);
	if (r == 0)
		r = at_parent(dirfd, upath, mine, do_symlink, (long)target);
	else
		*mine = in_volume(dirfd, upath);
	lx_free(target);
	return r;
}

static long h_symlinkat(const long *a, bool *mine)
{
	return symlink_at(a[0], a[1], a[2], mine);
}

static long h_symlink(const long *a, bool *mine)
{
	return symlink_at(a[0], AT_FDCWD, a[1], mine);
}

/* readlink of lx's node at path (where a volume's link led): its length (at most size), or -errno. */
static long outside_readlink(const char *path, long ubuf, long size)
{
	long r;
	struct inode *n = outside_node(path, false, &r);
	if (!n)
		return r;
	const char *t = ISLNK(n) ? symlink_target(n) : NULL;
	if (!t)
		return -EINVAL;
	r = (long)strlen(t) < size ? (long)strlen(t) : size;
	return copy_to_user((uint64_t)ubuf, t, (size_t)r) < 0 ? -EFAULT : r;
}

static long readlink_at(long dirfd, long upath, long ubuf, long size, bool *mine)
{
	struct vpath vp;
	struct p9_attr at;
	uint32_t fid;
	long r = take(dirfd, upath, &vp, mine, true);
	if (!*mine || r < 0)
		return r;
	if (size <= 0)
		r = -EINVAL;
	else if (!vp.v)
		r = outside_readlink(vp.path, ubuf, size);
	else if ((r = node_of(&vp, false, &fid, &at)) == 0) {
		char *t = lx_alloc(LX_PATH_MAX);
		r = !t                              ? -ENOMEM
		    : (at.mode & S_IFMT) != S_IFLNK ? -EINVAL
						    : vp.v->ops->readlink(vp.v->share, fid, t, LX_PATH_MAX);
		if (r > size)
			r = size;
		if (r >= 0 && copy_to_user((uint64_t)ubuf, t, (size_t)r) < 0)
			r = -EFAULT;
		lx_free(t);
		vp.v->ops->clunk(vp.v->share, fid);
	}
	vpath_free(&vp);
	return r;
}

static long h_readlinkat(const long *a, bool *mine)
{
	return readlink_at(a[0], a[1], a[2], a[3], mine);
}

static long h_readlink(const long *a, bool *mine)
{
	return readlink_at(AT_FDCWD, a[0], a[1], a[2], mine);
}

/*
 * What Linux's VFS refuses before a rename reaches the file system: a
 * directory over a non-directory (ENOTDIR), the other way (EISDIR), a
 * directory into itself (EINVAL). 1 when both names are one file (the
 * rename does nothing), 0 to go on, or -errno.
 */
static long rename_checks(struct vpath *o, uint32_t od, const char *on, struct vpath *n, uint32_t nd, const char *nn)
{
	struct p9_attr a, b;
	long r = child_attr(o->v, od, on, &a);
	if (r < 0)
		return r;
	bool adir = (a.mode & S_IFMT) == S_IFDIR;
	size_t ol = strlen(o->rel);
	if (adir && strncmp(n->rel, o->rel, ol) == 0 && n->rel[ol] == '/')
		return -EINVAL;
	r = child_attr(o->v, nd, nn, &b);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (a.ino == b.ino)
		return 1;
	bool bdir = (b.mode & S_IFMT) == S_IFDIR;
	return adir && !bdir ? -ENOTDIR : !adir && bdir ? -EISDIR : 0;
}

/* Rename or link o to n, both in v, which may be changed. 0 or -errno. */
static long rename_or_link(struct vpath *o, struct vpath *n, bool link)
{
	uint32_t od, nd, fid;
	const char *on, *nn;
	struct p9_attr at;
	long r = walk_parent(o, &od, &on);
	if (r < 0)
		return r;
	if ((r = walk_parent(n, &nd, &nn)) == 0) {
		if (!link)
			r = rename_checks(o, od, on, n, nd, nn);
		if (!link && r == 0)
			r = o->v->ops->renameat(o->v->share, od, on, nd, nn);
		else if (link && (r = must_be_new(o->v, nd, nn)) == 0 && (r = node_of(o, false, &fid, &at)) == 0) {
			r = o->v->ops->link(o->v->share, nd, fid, nn);
			o->v->ops->clunk(o->v->share, fid);
		}
		o->v->ops->clunk(o->v->share, nd);
	}
	o->v->ops->clunk(o->v->share, od);
	return r == 1 ? 0 : r;
}

/* rename and link: both names in the same volume (EXDEV otherwise, as across mounts). */
static long two_names(long odfd, long opath, long ndfd, long npath, bool link, bool *mine)
{
	struct vpath o, n;
	long ro = vpath_get(odfd, (uint64_t)opath, &o), rn = vpath_get(ndfd, (uint64_t)npath, &n), r;
	*mine = ro != 1 || rn != 1;
	if (ro < 0 || rn < 0)
		r = ro < 0 ? ro : rn;
	else if (ro != 0 || rn != 0 || o.v != n.v)
		r = -EXDEV; /* one is lx's, or a link led there */
	else
		r = o.v->ro ? -EROFS : rename_or_link(&o, &n, link);
	if (ro == 0 || ro == 2)
		vpath_free(&o);
	if (rn == 0 || rn == 2)
		vpath_free(&n);
	return *mine ? r : 0;
}

static long h_renameat2(const long *a, bool *mine)
{
	if (a[4]) {
		*mine = in_volume(a[0], a[1]);
		return -EINVAL; /* RENAME_NOREPLACE and the others: 9P has no such rename */
	}
	return two_names(a[0], a[1], a[2], a[3], false, mine);
}

static long h_renameat(const long *a, bool *mine)
{
	return two_names(a[0], a[1], a[2], a[3], false, mine);
}

static long h_rename(const long *a, bool *mine)
{
	return two_names(AT_FDCWD, a[0], AT_FDCWD, a[1], false, mine);
}

static long h_linkat(const long *a, bool *mine)
{
	return two_names(a[0], a[1], a[2], a[3], true, mine);
}

static long h_link(const long *a, bool *mine)
{
	return two_names(AT_FDCWD, a[0], AT_FDCWD, a[1], true, mine);
}

/* A change of attributes: Tsetattr's (valid P9_SET_* bits, mode, size, times), or of the owner (chown). */
struct vset {
	bool owner; /* uid and gid ((uint32_t)-1: unchanged) are all it changes */
	uint32_t valid, mode, uid, gid;
	uint64_t size;
	const uint64_t *times;
};

/* Make change s to node fid of v: 0 or -errno. */
static long vset_apply(struct volume *v, uint32_t fid, const struct vset *s)
{
	if (v->ro)
		return -EROFS;
	return s->owner ? v->ops->chown(v->share, fid, s->uid, s->gid)
			: v->ops->setattr(v->share, fid, s->valid, s->mode, s->size, s->times);
}

/* Make change s to (dirfd, upath), following a last symlink unless nofollow. */
static long setattr_at(long dirfd, long upath, bool nofollow, const struct vset *s, bool *mine)
{
	struct vpath vp;
	struct p9_attr at;
	uint32_t fid;
	long r = take(dirfd, upath, &vp, mine, false);
	if (!*mine || r < 0)
		return r;
	if (vp.v->ro)
		r = -EROFS;
	else if ((r = node_of(&vp, !nofollow, &fid, &at)) == 0) {
		r = (at.mode & S_IFMT) == S_IFDIR && (s->valid & P9_SET_SIZE) ? -EISDIR
		    : (s->valid & P9_SET_SIZE) ? vol_shadow_cutting(vp.v, at.ino, s->size)
					       : 0;
		if (r == 0)
			r = vset_apply(vp.v, fid, s);
		if (r == 0 && (s->valid & P9_SET_SIZE))
			vol_shadow_resized(vp.v, at.ino, s->size);
		vp.v->ops->clunk(vp.v->share, fid);
	}
	vpath_free(&vp);
	return r == 1 ? -ENOENT : r;
}

/* chown of (dirfd, upath) as fchownat's flags say, or of dirfd itself (AT_EMPTY_PATH, ""). */
static long chown_at(long dirfd, long upath, long flags, uint32_t uid, uint32_t gid, bool *mine)
{
	struct vfile *vf;
	struct vset s = { .owner = true, .uid = uid, .gid = gid };
	if (empty_path(dirfd, upath, flags, &vf, mine))
		return vset_apply(vf->v, vf->fid, &s);
	return setattr_at(dirfd, upath, flags & AT_SYMLINK_NOFOLLOW, &s, mine);
}

static long h_chown(const long *a, bool *mine)
{
	return chown_at(AT_FDCWD, a[0], 0, (uint32_t)a[1], (uint32_t)a[2], mine);
}

static long h_lchown(const long *a, bool *mine)
{
	return chown_at(AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, (uint32_t)a[1], (uint32_t)a[2], mine);
}

static long h_fchownat(const long *a, bool *mine)
{
	if (a[4] & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
		*mine = in_volume(a[0], a[1]);
		return -EINVAL;
	}
	return chown_at(a[0], a[1], a[4], (uint32_t)a[2], (uint32_t)a[3], mine);
}

static long h_fchmodat(const long *a, bool *mine)
{
	return setattr_at(a[0], a[1], false, &(struct vset){ .valid = P9_SET_MODE, .mode = (uint32_t)a[2] & 07777 },
			  mine);
}

static long h_chmod(const long *a, bool *mine)
{
	return setattr_at(AT_FDCWD, a[0], false, &(struct vset){ .valid = P9_SET_MODE, .mode = (uint32_t)a[1] & 07777 },
			  mine);
}

static long h_truncate(const long *a, bool *mine)
{
	if (a[1] < 0) {
		*mine = in_volume(AT_FDCWD, a[0]);
		return -EINVAL;
	}
	return setattr_at(AT_FDCWD, a[0], false, &(struct vset){ .valid = P9_SET_SIZE, .size = (uint64_t)a[1] }, mine);
}

/* utimensat's times as Tsetattr's valid bits and values (UTIME_NOW and UTIME_OMIT as Linux reads them). */
static uint32_t times_valid(const struct linux_timespec *ts, uint64_t *t)
{
	uint32_t valid = P9_SET_CTIME;
	for (int i = 0; i < 2; i++) {
		uint32_t set = i ? P9_SET_MTIME : P9_SET_ATIME, given = i ? P9_SET_MTIME_SET : P9_SET_ATIME_SET;
		if (!ts || ts[i].tv_nsec == UTIME_NOW)
			valid |= set;
		else if (ts[i].tv_nsec != UTIME_OMIT) {
			valid |= set | given;
			t[2 * i] = (uint64_t)ts[i].tv_sec;
			t[2 * i + 1] = (uint64_t)ts[i].tv_nsec;
		}
	}
	return valid;
}

static long h_utimensat(const long *a, bool *mine)
{
	struct linux_timespec ts[2];
	uint64_t t[4] = { 0 };
	struct vfile *vf = a[1] ? NULL : vfile_of(a[0]); /* futimens */
	*mine = a[1] ? in_volume(a[0], a[1]) : vf != NULL;
	if (!*mine)
		return 0;
	if (a[2] && copy_from_user(ts, (uint64_t)a[2], sizeof(ts)) < 0)
		return -EFAULT;
	uint32_t valid = times_valid(a[2] ? ts : NULL, t);
	if (vf)
		return vf->v->ro ? -EROFS : vf->v->ops->setattr(vf->v->share, vf->fid, valid, 0, 0, t);
	return setattr_at(a[0], a[1], a[3] & AT_SYMLINK_NOFOLLOW, &(struct vset){ .valid = valid, .times = t }, mine);
}

static long h_statfs(const long *a, bool *mine)
{
	struct vpath vp;
	struct linux_statfs s;
	long r = take(AT_FDCWD, a[0], &vp, mine, false);
	if (!*mine || r < 0)
		return r;
	uint32_t fid;
	if ((r = vol_walk(vp.v, vp.rel, &fid)) == 0) {
		r = vp.v->ops->statfs(vp.v->share, fid, &s);
		vp.v->ops->clunk(vp.v->share, fid);
	}
	if (r == 0)
		r = copy_to_user((uint64_t)a[1], &s, sizeof(s));
	vpath_free(&vp);
	return r;
}

/* Make lx's directory at path (absolute) this process's cwd in lx's tree: 0 or -errno. */
static long enter_lx(const char *path)
{
	struct lookup lk;
	long r = path_lookup(AT_FDCWD, path, LOOK_FOLLOW | LOOK_DIR, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	if (r < 0)
		return r;
	inode_hold(lk.node);
	inode_release(lx_me->cwd);
	lx_me->cwd = lk.node;
	return 0;
}

/* Enter directory vp (in a volume, or in lx's tree where a volume's link led) as the cwd: 0 or -errno. */
static long enter(struct vpath *vp)
{
	struct p9_attr at;
	long r = attr_of(vp, true, &at);
	if (r < 0)
		return r;
	if ((at.mode & S_IFMT) != S_IFDIR)
		return -ENOTDIR;
	if (!vp->v) {
		vcwd[0] = 0;
		return enter_lx(vp->path);
	}
	strlcpy(vcwd, vp->path, sizeof(vcwd));
	enter_lx(vp->v->glen ? vp->v->guest
			     : "/"); /* lx's own cwd: the mount point, for relative paths that leave the volume */
	return 0;
}

static long h_chdir(const long *a, bool *mine)
{
	struct vpath vp;
	long r = take(AT_FDCWD, a[0], &vp, mine, true);
	if (!*mine) {
		vcwd[0] =
			0; /* lx's chdir goes on from lx's cwd (a failed one leaves it: then vcwd is lost, as is rare) */
		return 0;
	}
	if (r == 0 || r == 2) {
		r = enter(&vp);
		vpath_free(&vp);
	}
	return r;
}

static long h_fchdir(const long *a, bool *mine)
{
	struct vfile *vf = vfile_of(a[0]);
	*mine = vf != NULL;
	if (!vf) {
		vcwd[0] = 0;
		return 0;
	}
	if (!vf->dir)
		return -ENOTDIR;
	strlcpy(vcwd, vf->path, sizeof(vcwd));
	return 0;
}

static long h_getcwd(const long *a, bool *mine)
{
	*mine = vcwd[0] != 0;
	if (!*mine)
		return 0;
	size_t n = strlen(vcwd) + 1;
	if (a[1] <= 0 || (size_t)a[1] < n)
		return a[1] == 0 ? -EINVAL : -ERANGE;
	return copy_to_user((uint64_t)a[0], vcwd, n) < 0 ? -EFAULT : (long)n;
}

static const struct vol_hook hooks[] = {
	{ "open", h_open },
	{ "openat", h_openat },
	{ "creat", h_creat },
	{ "stat", h_stat },
	{ "lstat", h_lstat },
	{ "newfstatat", h_newfstatat },
	{ "statx", h_statx },
	{ "access", h_access },
	{ "faccessat", h_faccessat },
	{ "faccessat2", h_faccessat },
	{ "mkdir", h_mkdir },
	{ "mkdirat", h_mkdirat },
	{ "unlink", h_unlink },
	{ "unlinkat", h_unlinkat },
	{ "rmdir", h_rmdir },
	{ "symlink", h_symlink },
	{ "symlinkat", h_symlinkat },
	{ "readlink", h_readlink },
	{ "readlinkat", h_readlinkat },
	{ "rename", h_rename },
	{ "renameat", h_renameat },
	{ "renameat2", h_renameat2 },
	{ "link", h_link },
	{ "linkat", h_linkat },
	{ "chmod", h_chmod },
	{ "fchmodat", h_fchmodat },
	{ "chown", h_chown },
	{ "lchown", h_lchown },
	{ "fchownat", h_fchownat },
	{ "truncate", h_truncate },
	{ "utimensat", h_utimensat },
	{ "statfs", h_statfs },
	{ "chdir", h_chdir },
	{ "fchdir", h_fchdir },
	{ "getcwd", h_getcwd },
	{ NULL, NULL },
};
static LX_BUFFER const struct vol_hook *hook_of[LX_NR_LIMIT]; /* by syscall number */

/* Find each hook's syscall number by its name in lx's table. */
static void hooks_init(void)
{
	for (long nr = 0; nr < LX_NR_LIMIT; nr++)
		for (const struct vol_hook *h = hooks; lx_syscall_names[nr] && h->name; h++)
			if (strcmp(lx_syscall_names[nr], h->name) == 0)
				hook_of[nr] = h;
	for (long nr = 0; nr < LX_NR_LIMIT; nr++)
		for (const struct vol_hook *h = vol_fd_hooks; lx_syscall_names[nr] && h->name; h++)
			if (strcmp(lx_syscall_names[nr], h->name) == 0)
				hook_of[nr] = h;
}

/* A call of a volume's path or descriptor is volume.c's: true with the result in *r; false for lx's own. */
static bool vol_syscall(long nr, const long *a, long *r)
{
	if (nr < 0 || nr >= LX_NR_LIMIT || !hook_of[nr])
		return false;
	bool mine = false;
	long v = hook_of[nr]->fn(a, &mine);
	if (mine)
		*r = v;
	return mine;
}

/* A new slot in the table for a volume at guest (absolute; normalized here, in place): NULL when the table is full. */
static struct volume *slot_new(char *guest)
{
	if (!vt || vt->n == VOL_MAX)
		return NULL;
	struct volume *v = &vt->v[vt->n++];
	normalize(guest);
	v->guest = guest;
	v->glen = strcmp(guest, "/") == 0 ? 0 : strlen(guest);
	return v;
}

/*
 * Mount one line of .mica/volumes: "volN rw|ro GUESTDIR", a 9P share; or
 * "disk vdX rw|ro GUESTDIR", a disk whose file system a FUSE server that
 * mica-init starts will mount (nothing to do here but route the calls).
 * A line that cannot be mounted is said on the console.
 */
static void mount_line(char *line)
{
	char *mode = strchr(line, ' '), *guest = mode ? strchr(mode + 1, ' ') : NULL;
	if (strncmp(line, "disk ", 5) == 0)
		return;
	if (!guest) {
		printf("lx: bad volume line: %s\n", line);
		return;
	}
	*mode++ = 0;
	*guest++ = 0;
	struct p9_info info;
	for (uint32_t s = 0; sys_p9_info(s, &info) == 0; s++) {
		if (strcmp(info.tag, line) != 0)
			continue;
		uint32_t root;
		long r = p9_attach(s, &root);
		struct volume *v = r < 0 ? NULL : slot_new(guest);
		if (!v) {
			printf("lx: volume %s at %s: cannot attach (%ld)\n", line, guest, r < 0 ? r : -ENOMEM);
			return;
		}
		v->ops = &p9_vol_ops;
		v->share = s;
		v->root = root;
		v->ro = strcmp(mode, "ro") == 0;
		v->type = "9p";
		v->source = line;
		v->dev = 0x900 + s;
		return;
	}
	printf("lx: volume %s at %s: no such share\n", line, guest);
}

/* Enter the working directory path (absolute), in a volume or in lx's tree; a wrong one is said on the console. */
static void enter_cwd(const char *path)
{
	struct vpath vp = { 0 };
	char *p = lx_alloc(LX_PATH_MAX);
	if (!p)
		return;
	strlcpy(p, path, LX_PATH_MAX);
	normalize(p);
	vp.path = p;
	vp.v = volume_of(p, &vp.rel);
	long r = vp.v ? enter(&vp) : 0;
	struct lookup lk;
	if (!vp.v && (r = path_lookup(AT_FDCWD, p, LOOK_FOLLOW | LOOK_DIR, &lk)) == 0 && lk.node) {
		inode_hold(lk.node);
		inode_release(lx_me->cwd);
		lx_me->cwd = lk.node;
	}
	if (r < 0 || (!vp.v && !lk.node))
		printf("lx: cannot enter the working directory %s (%ld)\n", path, r < 0 ? r : -ENOENT);
	lx_free(p);
}

static LX_BUFFER lx_handler vol_next[LX_NR_LIMIT]; /* the handler each hooked call was routed from */

/* Every hooked call, once a volume is mounted: volume.c's if it names a volume's path or descriptor, else lx's. */
static long vol_entry(long a1, long a2, long a3, long a4, long a5, long a6)
{
	long nr = lx_self()->last_nr, r;
	if (!vol_syscall(nr, (const long[6]){ a1, a2, a3, a4, a5, a6 }, &r))
		r = vol_next[nr](a1, a2, a3, a4, a5, a6);
	return r;
}

/* From now on this process's hooked calls go through vol_entry (and so do its children's). */
static void route(void)
{
	if (routed)
		return;
	routed = true;
	hooks_init(); /* here, not at start: matching the names costs 260,000 instructions */
	for (long nr = 0; nr < LX_NR_LIMIT; nr++)
		if (hook_of[nr])
			vol_next[nr] = lx_syscall_route(nr, vol_entry);
}

void volume_catch_up(void)
{
	lx_lock(); /* another thread of this process may be here too */
	vol_seen = LX_SH->vol_mounts;
	if (vt && vt->n)
		route();
	lx_unlock();
}

/* The number of "key=" in mount options opts (rootmode's in octal): 0, or -EINVAL when it is not there. */
static long option(const char *opts, const char *key, unsigned long *val)
{
	size_t k = strlen(key);
	for (const char *o = opts; o && *o; o = strchr(o, ',') ? strchr(o, ',') + 1 : NULL) {
		if (strncmp(o, key, k) != 0 || o[k] != '=')
			continue;
		unsigned base = strcmp(key, "rootmode") == 0 ? 8 : 10;
		const char *p = o + k + 1;
		*val = 0;
		for (; *p >= '0' && *p < (char)('0' + base) && *val < (1UL << 40); p++)
			*val = *val * base + (unsigned long)(*p - '0');
		return p == o + k + 1 || (*p && *p != ',') ? -EINVAL : 0;
	}
	return -EINVAL;
}

long volume_mount_fuse(const char *source, const char *target, const char *type, unsigned long flags, const char *data)
{
	unsigned long fd, rootmode, uid, gid;
	if (option(data, "fd", &fd) < 0 || option(data, "rootmode", &rootmode) < 0 ||
	    option(data, "user_id", &uid) < 0 || option(data, "group_id", &gid) < 0 || (int)fd < 0)
		return -EINVAL; /* as Linux: the four are required */
	if (vt && vt->n == VOL_MAX)
		return -ENOSPC;
	char *guest = lx_strdup(target), *t = lx_strdup(type), *src = lx_strdup(source ? source : type);
	uint32_t conn, root;
	long r = !guest || !t || !src ? -ENOMEM : fuse_mount((int)fd, &conn, &root);
	struct volume *v = r == 0 ? slot_new(guest) : NULL;
	if (!v) {
		lx_free(guest), lx_free(t), lx_free(src);
		return r;
	}
	v->ops = &fuse_vol_ops;
	v->share = conn;
	v->root = root;
	v->ro = (flags & MS_RDONLY) != 0;
	v->type = t;
	v->source = src;
	v->dev = 0x2800 + conn; /* (0, 40 + N): an anonymous device, as Linux numbers a FUSE mount's */
	LX_SH->vol_mounts++;
	volume_catch_up();
	return 0;
}

/* The volume whose mount point the program's path utarget is: 0 with *v; 1 when it is in no volume; -errno. */
static long volume_at(uint64_t utarget, struct volume **v)
{
	struct vpath vp;
	long r = vpath_get(AT_FDCWD, utarget, &vp);
	if (r != 0)
		return r;
	*v = vp.v;
	bool root = vp.rel[0] == 0;
	vpath_free(&vp);
	return root ? 0 : -EINVAL; /* inside a volume, not its mount point */
}

long volume_move(uint64_t usource, const char *target)
{
	struct volume *v;
	long r = volume_at(usource, &v);
	char *guest = r == 0 ? lx_strdup(target) : NULL;
	if (r == 0 && !guest)
		r = -ENOMEM;
	if (r != 0)
		return r;
	normalize(guest);
	v->guest = guest; /* the old one may be .mica/volumes's line or lx's heap: it stays */
	v->glen = strcmp(guest, "/") == 0 ? 0 : strlen(guest);
	return 0;
}

long volume_remount(uint64_t utarget, bool ro)
{
	struct volume *v;
	long r = volume_at(utarget, &v);
	if (r == 0)
		v->ro = ro;
	return r;
}

long volume_umount(uint64_t utarget)
{
	struct volume *v;
	long r = volume_at(utarget, &v);
	if (r != 0)
		return r;
	v->gone = true; /* as MNT_DETACH: open files stay; new paths see what is below */
	if (v->ops == &fuse_vol_ops)
		fuse_unmount(v->share);
	return 0;
}

void volume_sync_all(void)
{
	for (int i = 0; vt && i < vt->n; i++) {
		struct volume *v = &vt->v[i];
		if (!v->gone && !v->ro && v->ops->syncfs)
			v->ops->syncfs(v->share); /* sync(2) reports nothing */
	}
}

void volume_init(const char *table, const char *cwd)
{
	vt = lx_alloc(sizeof(*vt));
	if (!vt)
		printf("lx: out of memory for the volumes\n");
	for (char *line = (char *)table; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (*line)
			mount_line(line);
		line = nl ? nl + 1 : NULL;
	}
	if (table && *table) /* calls with no volume pay nothing */
		route();
	if (cwd && cwd[0]) {
		char *nl = strchr(cwd, '\n');
		if (nl)
			*nl = 0;
		enter_cwd(cwd);
	}
}
