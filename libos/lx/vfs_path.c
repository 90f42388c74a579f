/* lx's path syscalls: open, stat, access, the working directory, and making, linking, renaming and removing names. */
#include "libos/lx/vfs.h"


bool user_ok(long addr, size_t n, bool write)
{
	return mem_user_ok((uint64_t)addr, n, write);
}

/* The node a *at call with AT_EMPTY_PATH or a NULL path means: dirfd's own. NULL with *err. */
struct inode *fd_inode(long fd, long *err)
{
	if (fd == AT_FDCWD)
		return lx_me->cwd;
	struct file *f = file_get((int)fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct inode *n = f->inode;
	file_put(f); /* the descriptor still holds it */
	if (!n)
		*err = -EBADF;
	return n;
}

/* Resolves (dirfd, upath) to an existing node; at_flags may hold AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH. */
struct inode *resolve(long dirfd, long upath, int at_flags, long *err)
{
	struct lookup lk;
	if (at_flags & AT_EMPTY_PATH) {
		if (!user_ok(upath, 1, false)) {
			*err = -EFAULT;
			return NULL;
		}
		if (*(const char *)upath == 0)
			return fd_inode(dirfd, err);
	}
	long r = path_get((int)dirfd, (const char *)upath, (at_flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOK_FOLLOW, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	if (r == 0 && lk.ro && (at_flags & RESOLVE_CHANGE))
		r = -EROFS;
	*err = r;
	return r < 0 ? NULL : lk.node;
}

/* ---- open ---- */

long lx_sys_openat(int dirfd, uint64_t upath, long flags, long mode)
{
	char *path = lx_alloc_raw(LX_PATH_MAX); /* path_copy fills it as far as it is read */
	if (!path)
		return -ENOMEM;
	struct file *f = NULL;
	long r = path_copy((const char *)upath, path);
	if (r == 0)
		r = vfs_openat((int)dirfd, path, (int)flags, (int)mode, &f);
	lx_free(path);
	if (r < 0)
		return r;
	return fd_new(f, (flags & O_CLOEXEC) != 0);
}

long lx_sys_open(uint64_t upath, long flags, long mode)
{
	return lx_sys_openat(AT_FDCWD, upath, flags, mode);
}

long lx_sys_creat(uint64_t upath, long mode)
{
	return lx_sys_openat(AT_FDCWD, upath, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* memfd_create: a regular file in no directory, open for reading and writing; it goes with its last descriptor. */
long lx_sys_memfd_create(uint64_t uname, long flags)
{
	if (flags & ~(long)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[MFD_NAME_MAX + 1];
	long len = strncpy_from_user(name, (uint64_t)uname, sizeof(name));
	if (len < 0 || len == (long)sizeof(name))
		return len < 0 ? len : -EINVAL;
	struct file *f = NULL;
	if (file_open_new(0777, &f) < 0)
		return -ENOMEM;
	return fd_new(f, flags & MFD_CLOEXEC);
}

/* ---- stat ---- */

static void fill_stat(struct inode *n, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 0x1a;
	st->st_ino = n->ino;
	st->st_nlink = n->nlink;
	st->st_mode = n->mode;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_rdev = n->rdev;
	st->st_size = (int64_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)reg_blocks(n);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

/* The node a stat call describes (upath at dirfd, as at_flags say) once size bytes at ubuf may be written; else NULL, *err -EFAULT or why. */
static struct inode *stat_node(int dirfd, uint64_t upath, long at_flags, uint64_t ubuf, size_t size, long *err)
{
	if (!user_ok(ubuf, size, true)) {
		*err = -EFAULT;
		return NULL;
	}
	return resolve(dirfd, upath, (int)at_flags, err);
}

long lx_sys_newfstatat(int dirfd, uint64_t upath, uint64_t ust, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	long err;
	struct inode *n = stat_node(dirfd, upath, flags, ust, sizeof(struct linux_stat), &err);
	if (!n)
		return err;
	fill_stat(n, (struct linux_stat *)ust);
	return 0;
}

long lx_sys_stat(uint64_t upath, uint64_t ust)
{
	return lx_sys_newfstatat(AT_FDCWD, upath, ust, 0);
}

long lx_sys_lstat(uint64_t upath, uint64_t ust)
{
	return lx_sys_newfstatat(AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW);
}

long lx_sys_fstat(int fd, uint64_t ust)
{
	if (!user_ok(ust, sizeof(struct linux_stat), true))
		return -EFAULT;
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	fill_stat(n, (struct linux_stat *)ust);
	return 0;
}

long lx_sys_statx(int dirfd, uint64_t upath, long flags, long mask, uint64_t ubuf)
{
	(void)mask;
	long err;
	struct inode *n = stat_node(dirfd, upath, flags, ubuf, sizeof(struct linux_statx), &err);
	if (!n)
		return err;
	struct linux_statx *sx = (struct linux_statx *)ubuf;
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = 4096;
	sx->stx_nlink = n->nlink;
	sx->stx_uid = n->uid;
	sx->stx_gid = n->gid;
	sx->stx_mode = (uint16_t)n->mode;
	sx->stx_ino = n->ino;
	sx->stx_size = n->size;
	sx->stx_blocks = reg_blocks(n);
	sx->stx_atime = (struct linux_statx_timestamp){ n->atime.tv_sec, (uint32_t)n->atime.tv_nsec, 0 };
	sx->stx_mtime = (struct linux_statx_timestamp){ n->mtime.tv_sec, (uint32_t)n->mtime.tv_nsec, 0 };
	sx->stx_ctime = (struct linux_statx_timestamp){ n->ctime.tv_sec, (uint32_t)n->ctime.tv_nsec, 0 };
	sx->stx_rdev_major = n->rdev >> 8;
	sx->stx_rdev_minor = n->rdev & 0xFF;
	sx->stx_dev_minor = 0x1a;
	return 0;
}

long lx_sys_faccessat2(int dirfd, uint64_t upath, long mode, long flags)
{
	if ((mode & ~7L) || (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	long err;
	struct inode *n = resolve(dirfd, upath, (int)flags, &err);
	if (!n)
		return err;
	/* by the real ids, as access() asks, unless AT_EACCESS */
	return lx_cred_may(n, (int)mode, !(flags & AT_EACCESS)) ? 0 : -EACCES;
}

long lx_sys_faccessat(int dirfd, uint64_t upath, long mode)
{
	return lx_sys_faccessat2(dirfd, upath, mode, 0);
}

long lx_sys_access(uint64_t upath, long mode)
{
	return lx_sys_faccessat2(AT_FDCWD, upath, mode, 0);
}

/* ---- the working directory ---- */

long lx_sys_getcwd(uint64_t ubuf, long size)
{
	if (size <= 0)
		return size == 0 ? -EINVAL : -ERANGE;
	if (size > LX_PATH_MAX)
		size = LX_PATH_MAX;
	if (!user_ok(ubuf, (size_t)size, true))
		return -EFAULT;
	char *tmp = lx_alloc((size_t)size);
	if (!tmp)
		return -ENOMEM;
	long r = path_of_cwd(lx_me, tmp, (size_t)size);
	if (r >= 0) {
		memcpy((char *)ubuf, tmp, (size_t)r + 1);
		r++;
	}
	lx_free(tmp);
	return r;
}

/* Makes directory n the working directory, inside the mounts lk's walk crossed into (NULL: none known). */
static long set_cwd(struct inode *n, const struct lookup *lk)
{
	if (!ISDIR(n))
		return -ENOTDIR;
	inode_hold(n);
	inode_release(lx_me->cwd);
	lx_me->cwd = n;
	lx_me->cwd_nin = lk ? lk->nin : 0;
	if (lk)
		memcpy(lx_me->cwd_in, lk->in, sizeof(lx_me->cwd_in));
	return 0;
}

long lx_sys_chdir(uint64_t upath)
{
	struct lookup lk;
	long r = path_get(AT_FDCWD, (const char *)upath, LOOK_FOLLOW, &lk);
	if (r == 0 && !lk.node)
		r = -ENOENT;
	return r < 0 ? r : set_cwd(lk.node, &lk);
}

long lx_sys_fchdir(int fd)
{
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	return set_cwd(n, NULL); /* (the mounts the descriptor's path crossed are not kept) */
}

/* ---- making and removing names ---- */

/* Looks up a name to create: 0 with lk->dir a live directory and lk->node NULL, or -errno. */
static long lookup_new(long dirfd, long upath, struct lookup *lk)
{
	long r = path_get((int)dirfd, (const char *)upath, 0, lk);
	if (r < 0)
		return r;
	if (lk->node)
		return -EEXIST;
	if (lk->dir->nlink == 0)
		return -ENOENT;
	if (lk->ro)
		return -EROFS;
	return lx_cred_may(lk->dir, W_OK | X_OK, false) ? 0 : -EACCES;
}

/*
 * May the caller take the name of n out of directory dir: write and search
 * permission in dir, and, in a sticky directory (/tmp), own n or dir.
 * 0, -EACCES or -EPERM.
 */
static long may_unname(const struct inode *dir, const struct inode *n)
{
	if (!lx_cred_may(dir, W_OK | X_OK, false))
		return -EACCES;
	if ((dir->mode & S_ISVTX) && !lx_cred_owns(n) && !lx_cred_owns(dir))
		return -EPERM;
	return 0;
}

long lx_sys_mkdirat(int dirfd, uint64_t upath, long mode)
{
	struct lookup lk;
	long r = lookup_new(dirfd, upath, &lk);
	if (r < 0)
		return r;
	return vfs_mknode(lk.dir, lk.name, S_IFDIR | ((uint32_t)mode & S_IALLUGO & ~vfs_umask)) ? 0 : -ENOMEM;
}

long lx_sys_mkdir(uint64_t upath, long mode)
{
	return lx_sys_mkdirat(AT_FDCWD, upath, mode);
}

/*
 * mknod: a regular file (type 0 or S_IFREG), a FIFO or a socket's name; a
 * device only for a privileged process, and then a node no driver backs
 * (opening it says ENXIO). A directory is EPERM, any other type EINVAL.
 */
long lx_sys_mknodat(int dirfd, uint64_t upath, long mode, long dev)
{
	uint32_t type = (uint32_t)mode & S_IFMT;
	if (type == S_IFDIR)
		return -EPERM;
	if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK)
		return -EINVAL;
	struct lookup lk;
	long r = lookup_new(dirfd, upath, &lk);
	if (r < 0)
		return r;
	if ((type == S_IFCHR || type == S_IFBLK) && !lx_cred_privileged())
		return -EPERM;
	struct inode *n = vfs_mknode(lk.dir, lk.name, (type ? type : S_IFREG) | ((uint32_t)mode & S_IALLUGO & ~vfs_umask));
	if (!n)
		return -ENOMEM;
	if (type == S_IFCHR || type == S_IFBLK)
		n->rdev = (uint32_t)dev;
	return 0;
}

long lx_sys_mknod(uint64_t upath, long mode, long dev)
{
	return lx_sys_mknodat(AT_FDCWD, upath, mode, dev);
}

/* Removes a name: a directory (dir) or anything else. */
static long remove_name(long dirfd, long upath, bool dir)
{
	struct lookup lk;
	long r = path_get((int)dirfd, (const char *)upath, 0, &lk);
	if (r < 0)
		return r;
	if (!lk.node)
		return -ENOENT;
	if (lk.mnt)
		return -EBUSY; /* a mount point */
	if (lk.ro)
		return -EROFS;
	if (dir) {
		if (strcmp(lk.name, ".") == 0)
			return -EINVAL;
		if (strcmp(lk.name, "..") == 0)
			return -ENOTEMPTY;
		if (!ISDIR(lk.node))
			return -ENOTDIR;
		if (lk.node == vfs_root)
			return -EBUSY;
		if (lk.node->entries)
			return -ENOTEMPTY;
	} else if (ISDIR(lk.node)) {
		return -EISDIR;
	}
	if ((r = may_unname(lk.dir, lk.node)) < 0)
		return r;
	struct dentry *d = dir_find(lk.dir, lk.name);
	if (!d)
		return -ENOENT;
	vfs_notify_remove(lk.dir, d, true);
	return 0;
}

long lx_sys_unlinkat(int dirfd, uint64_t upath, long flags)
{
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return remove_name(dirfd, upath, (flags & AT_REMOVEDIR) != 0);
}

long lx_sys_unlink(uint64_t upath)
{
	return remove_name(AT_FDCWD, upath, false);
}

long lx_sys_rmdir(uint64_t upath)
{
	return remove_name(AT_FDCWD, upath, true);
}

/* Is n the directory d or one of its ancestors? */
static bool is_ancestor(struct inode *n, struct inode *d)
{
	for (;; d = d->parent) {
		if (d == n)
			return true;
		if (d == vfs_root || !d->parent || d->parent == d)
			return false;
	}
}

static bool dot_name(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

long lx_sys_renameat2(int odfd, long opath, int ndfd, long npath, long flags)
{
	if (flags & ~(long)RENAME_NOREPLACE)
		return -EINVAL;
	struct lookup o, nw;
	long r = path_get((int)odfd, (const char *)opath, 0, &o);
	if (r == 0)
		r = path_get((int)ndfd, (const char *)npath, 0, &nw);
	if (r < 0)
		return r;
	struct inode *n = o.node, *victim = nw.node;
	if (!n)
		return -ENOENT;
	if (dot_name(o.name) || dot_name(nw.name) || o.mnt || nw.mnt)
		return -EBUSY;
	if (o.ro || nw.ro)
		return -EROFS;
	if (nw.dir->nlink == 0)
		return -ENOENT;
	if ((r = may_unname(o.dir, n)) < 0 || (r = victim ? may_unname(nw.dir, victim) : 0) < 0)
		return r;
	if (!lx_cred_may(nw.dir, W_OK | X_OK, false))
		return -EACCES;
	if (victim == n)
		return 0;
	if (victim && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (ISDIR(n)) {
		if (is_ancestor(n, nw.dir))
			return -EINVAL;
		if (victim && !ISDIR(victim))
			return -ENOTDIR;
		if (victim && victim->entries)
			return -ENOTEMPTY;
	} else if (victim && ISDIR(victim)) {
		return -EISDIR;
	} else if (nw.slash) {
		return -ENOTDIR;
	}
	inode_hold(n);
	uint32_t cookie = vfs_notify_cookie();
	if (victim)
		vfs_notify_remove(nw.dir, dir_find(nw.dir, nw.name), false);
	vfs_notify(o.dir, o.name, n, IN_MOVED_FROM, cookie);
	dir_remove(o.dir, dir_find(o.dir, o.name));
	r = dir_add(nw.dir, nw.name, n);
	if (r == 0)
		vfs_notify(nw.dir, nw.name, n, IN_MOVED_TO, cookie);
	vfs_notify(NULL, NULL, n, IN_MOVE_SELF, 0);
	inode_release(n);
	return r;
}

long lx_sys_renameat(int odfd, long opath, int ndfd, long npath)
{
	return lx_sys_renameat2(odfd, opath, ndfd, npath, 0);
}

long lx_sys_rename(long opath, long npath)
{
	return lx_sys_renameat2(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

long lx_sys_linkat(int odfd, long opath, int ndfd, long npath, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err;
	struct inode *n = resolve(odfd, opath, (flags & AT_SYMLINK_FOLLOW) ? (int)(flags & AT_EMPTY_PATH)
								    : AT_SYMLINK_NOFOLLOW | (int)(flags & AT_EMPTY_PATH), &err);
	if (!n)
		return err;
	if (ISDIR(n))
		return -EPERM;
	struct lookup lk;
	long r = lookup_new(ndfd, npath, &lk);
	if (r < 0)
		return r;
	if (lk.slash)
		return -ENOENT;
	r = dir_add(lk.dir, lk.name, n);
	if (r == 0)
		vfs_notify(lk.dir, lk.name, n, IN_CREATE, 0);
	return r;
}

long lx_sys_link(long opath, long npath)
{
	return lx_sys_linkat(AT_FDCWD, opath, AT_FDCWD, npath, 0);
}

long lx_sys_symlinkat(uint64_t utarget, int ndfd, long npath)
{
	char *target = lx_alloc(LX_PATH_MAX);
	if (!target)
		return -ENOMEM;
	struct lookup lk;
	long r = path_copy((const char *)utarget, target);
	if (r == 0)
		r = lookup_new(ndfd, npath, &lk);
	if (r == 0 && lk.slash)
		r = -ENOENT;
	struct inode *n = NULL;
	if (r == 0 && !(n = vfs_mknode(lk.dir, lk.name, S_IFLNK | 0777)))
		r = -ENOMEM;
	if (r == 0 && (r = symlink_set(n, target)) < 0)
		dir_remove(lk.dir, dir_find(lk.dir, lk.name));
	lx_free(target);
	return r;
}

long lx_sys_symlink(uint64_t utarget, long npath)
{
	return lx_sys_symlinkat(utarget, AT_FDCWD, npath);
}

long lx_sys_readlinkat(int dirfd, uint64_t upath, uint64_t ubuf, long size)
{
	if (size <= 0)
		return -EINVAL;
	long err;
	struct inode *n = resolve(dirfd, upath, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH, &err);
	if (!n)
		return err;
	if (!ISLNK(n))
		return -EINVAL;
	const char *target = symlink_target(n);
	size_t len = strlen(target) < (size_t)size ? strlen(target) : (size_t)size;
	if (!user_ok(ubuf, len ? len : 1, true))
		return -EFAULT;
	memcpy((char *)ubuf, target, len);
	inode_touch(n, true, false);
	return (long)len;
}

long lx_sys_readlink(uint64_t upath, uint64_t ubuf, long size)
{
	return lx_sys_readlinkat(AT_FDCWD, upath, ubuf, size);
}
