/* Mounts in lx's tree (tmpfs, proc, bind), read-only mounts, chroot, and the table /proc/mounts shows. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"

/*
 * The table is a list in the shared heap, the newest first: each mount
 * covers a node (point) with the root of what is mounted there. Path lookup
 * (vfs.c) crosses from a covered node to the root of its newest mount, and
 * ".." out of a tmpfs root leads to the point's parent. A tmpfs root is a
 * directory of its own (fresh), whose parent is itself; a bind or proc mount
 * shows a directory that also has its own place, and ".." from it leads
 * there. A read-only flag is the mount's; a path that crossed into the
 * mount sees it (struct lookup's ro).
 */
struct lx_mount {
	struct lx_mount *next;
	struct inode *point, *root; /* both held */
	char *path; /* the point's absolute path when mounted, for /proc/mounts */
	char *source, *fstype;
	bool ro, fresh;
	int id;
};

#define MOUNT_DEPTH 16 /* mounts stacked on one place that a lookup crosses */

bool mount_active(void)
{
	return LX_SH->mounts || lx_me->root;
}

struct inode *lx_root(void)
{
	return lx_me->root ? lx_me->root : vfs_root;
}

struct inode *mount_down(struct inode *n, struct lookup *lk)
{
	for (int i = 0; i < MOUNT_DEPTH; i++) {
		struct lx_mount *m = LX_SH->mounts;
		while (m && m->point != n)
			m = m->next;
		if (!m)
			break;
		n = m->root;
		lk->ro = m->ro;
		lk->mnt = m;
		if (lk->nin < LX_MOUNTS_IN)
			lk->in[lk->nin++] =
				m; /* (beyond that, ".." out of it goes by the tree, as for a walk begun inside) */
	}
	return n;
}

/* The fresh mount whose root is n, or NULL. */
static struct lx_mount *fresh_mount_of(struct inode *n)
{
	for (struct lx_mount *m = LX_SH->mounts; m; m = m->next)
		if (m->root == n && m->fresh)
			return m;
	return NULL;
}

struct inode *mount_point_of(struct inode *n)
{
	struct lx_mount *m;
	for (int i = 0; i < MOUNT_DEPTH && n != lx_root() && (m = fresh_mount_of(n)); i++)
		n = m->point;
	return n;
}

bool mount_ro_at(struct inode *n)
{
	if (!LX_SH->mounts)
		return false;
	for (int i = 0; n && i < LX_PATH_MAX; i++) {
		for (struct lx_mount *m = LX_SH->mounts; m; m = m->next)
			if (m->root == n)
				return m->ro;
		if (n == vfs_root || n->parent == n)
			return false;
		n = n->parent;
	}
	return false;
}

/*
 * At the root of a mount the walk crossed into (or the cwd is inside),
 * ".." leaves it for the mount point's parent, as Linux's does. A walk that
 * began inside a mount otherwise (at a directory descriptor, say) knows
 * only the tree: from a tmpfs root to its point's parent, from a bind's
 * root to its source's parent.
 */
struct inode *mount_dotdot(struct inode *dir, struct lookup *lk)
{
	if (dir == lx_root())
		return dir; /* ".." at a process's root stays there */
	dir = mount_leave(dir, lk->in, &lk->nin);
	if (dir == lx_root())
		return dir;
	dir = mount_point_of(dir);
	if (dir == lx_root())
		return dir;
	dir = dir->parent;
	if (LX_SH->mounts)
		lk->ro = mount_ro_at(dir);
	return dir;
}

/* Leaving the innermost of in (nin of them) while n is its root: the point it covers, and nin one less. */
struct inode *mount_leave(struct inode *n, struct lx_mount *const *in, int *nin)
{
	while (*nin && in[*nin - 1]->root == n && n != lx_root())
		n = in[--*nin]->point;
	return n;
}

/* Is n inside mount m's tree (following fresh mounts down to their points)? */
static bool mount_holds(struct lx_mount *m, struct inode *n)
{
	for (int i = 0; n && i < LX_PATH_MAX; i++) {
		if (n == m->root)
			return true;
		struct lx_mount *f = fresh_mount_of(n);
		if (f)
			n = f->point;
		else if (n == vfs_root || n->parent == n)
			return false;
		else
			n = n->parent;
	}
	return false;
}

/* A string in program memory into lx's heap (maxlen bytes at most); NULL with *err. */
static char *user_string(uint64_t u, size_t maxlen, long *err)
{
	char *s = lx_alloc(maxlen);
	long r = s ? strncpy_from_user(s, u, maxlen) : -ENOMEM;
	if (r >= 0 && (size_t)r == maxlen)
		r = -ENAMETOOLONG;
	if (r < 0) {
		lx_free(s);
		*err = r;
		return NULL;
	}
	return s;
}

/* The absolute path of point, named name, into path[LX_PATH_MAX]: for /proc/mounts. 0, or -ENOMEM if path is NULL. */
static long point_path(struct inode *point, const char *name, char *path)
{
	long r = path ? path_of(point, path, LX_PATH_MAX) : -ENOMEM;
	if (r < 0 && path)
		r = 0, strlcpy(path, name, LX_PATH_MAX); /* a point out of sight: its name */
	return r < 0 ? r : 0;
}

/* Adds a mount of root on the node lk names, as source and fstype say. 0 or -errno. */
static long mount_add(struct lookup *lk, struct inode *root, const char *source, const char *fstype, bool ro,
		      bool fresh)
{
	struct lx_mount *m = lx_alloc(sizeof(*m));
	char *path = lx_alloc(LX_PATH_MAX);
	char *src = lx_strdup(source), *type = lx_strdup(fstype);
	long r = m && src && type ? point_path(lk->node, lk->name, path) : -ENOMEM;
	if (r < 0) {
		lx_free(m), lx_free(path), lx_free(src), lx_free(type);
		return r;
	}
	*m = (struct lx_mount){
		LX_SH->mounts, lk->node, root, path, src, type, ro, fresh, ++LX_SH->mount_next_id + 20
	};
	inode_hold(m->point);
	inode_hold(root);
	LX_SH->mounts = m;
	return 0;
}

/* The root of a new file system of type fstype: a fresh directory (tmpfs) or /proc; NULL with *err. */
static struct inode *new_fs_root(const char *fstype, bool *fresh, long *err)
{
	*fresh = strcmp(fstype, "tmpfs") == 0;
	if (*fresh) {
		struct inode *n = inode_new(S_IFDIR | 01777);
		if (!n) {
			*err = -ENOMEM;
			return NULL;
		}
		n->nlink = 2;
		n->parent = n;
		return n;
	}
	struct dentry *d = strcmp(fstype, "proc") == 0 ? dir_find(vfs_root, "proc") : NULL;
	*err = -ENODEV;
	return d ? d->inode : NULL;
}

/* A bind mount (source's node, seen at lk) or a new file system of type fstype at lk. 0 or -errno. */
static long mount_new(uint64_t usource, struct lookup *lk, uint64_t utype, long flags)
{
	long r = 0;
	char *source = usource ? user_string(usource, LX_PATH_MAX, &r) : lx_strdup("none");
	char *fstype = !source             ? NULL
		       : (flags & MS_BIND) ? lx_strdup("none")
		       : utype             ? user_string(utype, 256, &r)
					   : NULL;
	struct inode *root = NULL;
	bool fresh = false;
	if (!source || !fstype) {
		r = r ? r : (flags & MS_BIND) || !source ? -ENOMEM : -EINVAL;
	} else if (flags & MS_BIND) {
		struct lookup from;
		r = usource ? path_lookup(AT_FDCWD, source, LOOK_FOLLOW, &from) : -EFAULT;
		if (r == 0 && !from.node)
			r = -ENOENT;
		if (r == 0 && ISDIR(from.node) != ISDIR(lk->node))
			r = ISDIR(lk->node) ? -ENOTDIR : -EISDIR;
		if (r == 0)
			root = from.node;
	} else if (!ISDIR(lk->node)) {
		r = -ENOTDIR;
	} else {
		root = new_fs_root(fstype, &fresh, &r);
	}
	if (root)
		r = mount_add(lk, root, source, fstype, (flags & MS_RDONLY) != 0, fresh);
	if (root && fresh && r < 0)
		lx_free(root);
	lx_free(source);
	lx_free(fstype);
	return r;
}

/*
 * MS_MOVE of the mount of lx's whose root usource names to the node lk
 * names; the mounts inside it go along. 0, or -EINVAL (usource is not a
 * mount's root, or a directory would cover a file or a file a directory),
 * -ELOOP (into itself), -EBUSY (over the root), -ENOMEM, or the lookup's error.
 */
static long mount_move(uint64_t usource, struct lookup *lk)
{
	struct lookup from;
	long r = usource ? path_get(AT_FDCWD, (const char *)usource, LOOK_FOLLOW, &from) : -EINVAL;
	struct lx_mount *m = r == 0 ? from.mnt : NULL;
	if (r == 0 && !from.node)
		r = -ENOENT;
	else if (r == 0 && (!m || m->root != from.node || ISDIR(m->root) != ISDIR(lk->node)))
		r = -EINVAL;
	else if (r == 0 && mount_holds(m, lk->node))
		r = -ELOOP;
	else if (r == 0 && lk->node == lx_root())
		r = -EBUSY;
	char *path = r == 0 ? lx_alloc(LX_PATH_MAX) : NULL;
	if (r == 0 && !path)
		r = -ENOMEM;
	if (r < 0)
		return r;
	inode_hold(lk->node);
	inode_release(m->point);
	m->point = lk->node;
	lx_free(m->path);
	m->path = path;
	point_path(m->point, lk->name, path);
	for (struct lx_mount *o = LX_SH->mounts; o; o = o->next) /* the paths of the mounts inside it, anew */
		if (o != m && mount_holds(m, o->point))
			path_of(o->point, o->path, LX_PATH_MAX);
	return 0;
}

/* 0 if upath is not in a volume; -EINVAL if it is (a volume's paths never reach lx's lookup), or why not known. */
static long not_volume(uint64_t upath)
{
	struct vpath vp;
	long r = vpath_get(AT_FDCWD, upath, &vp);
	if (r == 0)
		vpath_free(&vp);
	return r == 0 ? -EINVAL : r == 1 ? 0 : r;
}

/* Is fstype a FUSE file system's ("fuse", "fuseblk", "fuse.SUBTYPE")? */
static bool fuse_type(const char *fstype)
{
	return strcmp(fstype, "fuse") == 0 || strcmp(fstype, "fuseblk") == 0 || strncmp(fstype, "fuse.", 5) == 0;
}

/* mount(2) of a FUSE server's connection at lk's directory: a volume (volume.c). 0 or -errno. */
static long mount_fuse(uint64_t usource, struct lookup *lk, const char *fstype, long flags, uint64_t udata)
{
	long r = 0;
	char *source = usource ? user_string(usource, LX_PATH_MAX, &r) : NULL;
	char *data = udata ? user_string(udata, PAGE_SIZE, &r) : NULL;
	char *path = lx_alloc(LX_PATH_MAX);
	if (r == 0 && (!path || (usource && !source) || (udata && !data)))
		r = -ENOMEM;
	if (r == 0 && !ISDIR(lk->node))
		r = -ENOTDIR;
	if (r == 0 && (r = path_of(lk->node, path, LX_PATH_MAX)) >= 0)
		r = volume_mount_fuse(source, path, fstype, (unsigned long)flags, data ? data : "");
	lx_free(source), lx_free(data), lx_free(path);
	return r;
}

long lx_sys_mount(uint64_t usource, uint64_t utarget, uint64_t utype, long flags, uint64_t udata)
{
	struct lookup lk;
	long r = (flags & MS_REMOUNT) ? volume_remount(utarget, (flags & MS_RDONLY) != 0) : 1;
	if (r != 1)
		return r;
	r = not_volume(utarget);
	if (r == 0)
		r = path_get(AT_FDCWD, (const char *)utarget, LOOK_FOLLOW, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	if (r < 0)
		return r;
	if (flags & MS_REMOUNT) { /* a mount's flags: the one lk crossed into */
		if (!lk.mnt || lk.mnt->root != lk.node)
			return -EINVAL;
		lk.mnt->ro = (flags & MS_RDONLY) != 0;
		return 0;
	}
	if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
		return 0; /* propagation: lx has one namespace, nothing propagates */
	if (flags & MS_MOVE) {
		r = usource ? not_volume(usource) : 0;
		if (r != -EINVAL)
			return r < 0 ? r : mount_move(usource, &lk); /* one of lx's own mounts */
		char *path = lx_alloc(LX_PATH_MAX); /* a volume's mount point (a new root: mica run --rootfs) */
		r = !path ? -ENOMEM : !ISDIR(lk.node) ? -ENOTDIR : path_of(lk.node, path, LX_PATH_MAX);
		r = r < 0 ? r : volume_move(usource, path);
		lx_free(path);
		return r == 1 ? -EINVAL : r;
	}
	if (lk.node == lx_root())
		return -EBUSY; /* lookup never crosses the root: a mount over it could not be seen */
	char *fstype = utype && !(flags & MS_BIND) ? user_string(utype, 256, &r) : NULL;
	if (fstype && fuse_type(fstype))
		r = mount_fuse(usource, &lk, fstype, flags, udata);
	else if (r == 0)
		r = mount_new(usource, &lk, utype, flags); /* tmpfs's options (size=, mode=) are not kept */
	lx_free(fstype);
	return r;
}

/* Frees what is under tmpfs directory dir (nodes something holds stay until released). */
static void tree_drop(struct inode *dir)
{
	while (dir->entries) {
		struct dentry *d = dir->entries;
		if (ISDIR(d->inode) && d->inode != dir)
			tree_drop(d->inode);
		dir_remove(dir, d);
	}
}

long lx_sys_umount2(uint64_t utarget, long flags)
{
	if (flags & ~(long)(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	struct lookup lk;
	long r = volume_umount(utarget);
	if (r != 1)
		return r;
	r = not_volume(utarget);
	if (r == 0)
		r = path_get(AT_FDCWD, (const char *)utarget, (flags & UMOUNT_NOFOLLOW) ? 0 : LOOK_FOLLOW, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	if (r < 0)
		return r;
	struct lx_mount *m = lk.mnt;
	if (!m || m->root != lk.node)
		return -EINVAL; /* not a mount point */
	for (struct lx_mount *o = LX_SH->mounts; o; o = o->next)
		if (o != m && mount_holds(m, o->point))
			return -EBUSY; /* something is mounted below */
	for (int i = 0; i < LX_MAX_PROCS && !(flags & MNT_DETACH); i++) {
		struct lx_proc *p = &LX_SH->procs[i];
		if (p->state == LX_PROC_LIVE &&
		    ((p->cwd && mount_holds(m, p->cwd)) || (p->root && mount_holds(m, p->root))))
			return -EBUSY; /* a process works in it */
	}
	struct lx_mount **pp = &LX_SH->mounts;
	while (*pp != m)
		pp = &(*pp)->next;
	*pp = m->next;
	for (int i = 0; i < LX_MAX_PROCS; i++) /* a cwd inside it (MNT_DETACH) forgets it and what is inside */
		for (int k = 0; k < LX_SH->procs[i].cwd_nin; k++)
			if (LX_SH->procs[i].cwd_in[k] == m)
				LX_SH->procs[i].cwd_nin = k;
	int held = 1; /* by m, and by each directory in it (its "..") */
	for (struct dentry *d = m->root->entries; d; d = d->next)
		held += ISDIR(d->inode);
	if (m->fresh && m->root->refs == held) { /* nothing else holds it: the tree goes */
		tree_drop(m->root);
		m->root->nlink = 0;
		m->root->parent = NULL;
	}
	inode_release(m->root);
	inode_release(m->point);
	lx_free(m->path), lx_free(m->source), lx_free(m->fstype), lx_free(m);
	return 0;
}

long lx_sys_chroot(uint64_t upath)
{
	long err;
	struct inode *n = resolve(AT_FDCWD, (long)upath, 0, &err);
	if (!n)
		return err;
	if (!ISDIR(n))
		return -ENOTDIR;
	inode_hold(n);
	if (lx_me->root)
		inode_release(lx_me->root);
	lx_me->root = n;
	return 0;
}

/* ---- what /proc tells ---- */

/* One line of /proc/mounts (info false) or of mountinfo. */
static void mount_line(struct procfs_text *t, bool info, int id, int parent, int dev, const char *point,
		       const char *fstype, const char *source, bool ro)
{
	const char *o = ro ? "ro" : "rw";
	if (info)
		procfs_printf(t, "%d %d 0:%d / %s %s,relatime - %s %s %s\n", id, parent, dev, point, o, fstype, source,
			      o);
	else
		procfs_printf(t, "%s %s %s %s,relatime 0 0\n", source, point, fstype, o);
}

/* The mounts in the order made: lx's root and /proc, the volumes, then lx's mounts. */
static long mounts_text(char **buf, size_t *len, bool info)
{
	struct procfs_text t = { .ok = true };
	mount_line(&t, info, 1, 0, 1, "/", "rootfs", "rootfs", false);
	mount_line(&t, info, 2, 1, 2, "/proc", "proc", "proc", false);
	const struct volume *v;
	for (int i = 0; (v = volume_nth(i)); i++)
		mount_line(&t, info, 3 + i, 1, (int)v->dev, v->guest, v->type, v->source, v->ro);
	int n = 0;
	for (struct lx_mount *m = LX_SH->mounts; m; m = m->next)
		n++;
	for (int k = n - 1; k >= 0; k--) { /* oldest first */
		struct lx_mount *m = LX_SH->mounts;
		for (int j = 0; j < k; j++)
			m = m->next;
		int parent = 1;
		for (struct lx_mount *o = m->next; o; o = o->next)
			if (mount_holds(o, m->point)) {
				parent = o->id;
				break;
			}
		mount_line(&t, info, m->id, parent, 0x100 + m->id, m->path, m->fstype, m->source, m->ro);
	}
	return procfs_done(&t, buf, len);
}

long mount_gen(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	return mounts_text(buf, len, false);
}

long mount_gen_info(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	return mounts_text(buf, len, true);
}
