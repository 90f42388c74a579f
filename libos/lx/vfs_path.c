/* lx's path syscalls: open, stat, access, the working directory, and making, linking, renaming and removing names. */
#include "libos/lx/fs.h"


bool user_ok(long addr, size_t n, bool write)
{
	return mem_user_ok((uint64_t)addr, n, write);
}

/* The node a *at call with AT_EMPTY_PATH or a NULL path means: dirfd's own. NULL with *err. */
struct inode *fd_inode(long fd, long *err)
{
	if (fd == AT_FDCWD)
		return vfs_cwd;
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
	*err = r;
	return r < 0 ? NULL : lk.node;
}

/* ---- open ---- */

long lx_sys_openat(long dirfd, long upath, long flags, long mode, long a5, long a6)
{
	(void)a5, (void)a6;
	char *path = lx_alloc(LX_PATH_MAX);
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

long lx_sys_open(long upath, long flags, long mode, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
	return lx_sys_openat(AT_FDCWD, upath, flags, mode, 0, 0);
}

long lx_sys_creat(long upath, long mode, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5);
	(void)a6;
	return lx_sys_openat(AT_FDCWD, upath, O_CREAT | O_WRONLY | O_TRUNC, mode, 0, 0);
}

/* memfd_create: a regular file in no directory, open for reading and writing; it goes with its last descriptor. */
#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MFD_NAME_MAX 249 /* bytes of its name, with the NUL, after Linux's "memfd:" */
long lx_sys_memfd_create(long uname, long flags, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5);
	(void)a6;
	if (flags & ~(long)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[MFD_NAME_MAX + 1];
	long len = strncpy_from_user(name, (uint64_t)uname, sizeof(name));
	if (len < 0 || len == (long)sizeof(name))
		return len < 0 ? len : -EINVAL;
	struct inode *n = inode_new(S_IFREG | 0777);
	struct file *f = NULL;
	if (!n || file_open_inode(n, O_RDWR, &f) < 0)
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

long lx_sys_newfstatat(long dirfd, long upath, long ust, long flags, long a5, long a6)
{
	(void)a5, (void)a6;
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	if (!user_ok(ust, sizeof(struct linux_stat), true))
		return -EFAULT;
	long err;
	struct inode *n = resolve(dirfd, upath, (int)flags, &err);
	if (!n)
		return err;
	fill_stat(n, (struct linux_stat *)ust);
	return 0;
}

long lx_sys_stat(long upath, long ust, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_newfstatat(AT_FDCWD, upath, ust, 0, 0, 0);
}

long lx_sys_lstat(long upath, long ust, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_newfstatat(AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW, 0, 0);
}

long lx_sys_fstat(long fd, long ust, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	if (!user_ok(ust, sizeof(struct linux_stat), true))
		return -EFAULT;
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	fill_stat(n, (struct linux_stat *)ust);
	return 0;
}

long lx_sys_statx(long dirfd, long upath, long flags, long mask, long ubuf, long a6)
{
	(void)a6, (void)mask;
	if (!user_ok(ubuf, sizeof(struct linux_statx), true))
		return -EFAULT;
	long err;
	struct inode *n = resolve(dirfd, upath, (int)flags, &err);
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

long lx_sys_faccessat2(long dirfd, long upath, long mode, long flags, long a5, long a6)
{
	(void)a5, (void)a6;
	if ((mode & ~7L) || (flags & ~(long)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	long err;
	struct inode *n = resolve(dirfd, upath, (int)flags, &err);
	if (!n)
		return err;
	/* Programs run as root: only execution needs a permission bit. */
	if ((mode & X_OK) && !ISDIR(n) && !(n->mode & 0111))
		return -EACCES;
	return 0;
}

long lx_sys_faccessat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
	return lx_sys_faccessat2(dirfd, upath, mode, 0, 0, 0);
}

long lx_sys_access(long upath, long mode, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_faccessat2(AT_FDCWD, upath, mode, 0, 0, 0);
}

/* ---- the working directory ---- */

long lx_sys_getcwd(long ubuf, long size, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	if (size <= 0)
		return size == 0 ? -EINVAL : -ERANGE;
	if (size > LX_PATH_MAX)
		size = LX_PATH_MAX;
	if (!user_ok(ubuf, (size_t)size, true))
		return -EFAULT;
	char *tmp = lx_alloc((size_t)size);
	if (!tmp)
		return -ENOMEM;
	long r = path_of(vfs_cwd, tmp, (size_t)size);
	if (r >= 0) {
		memcpy((char *)ubuf, tmp, (size_t)r + 1);
		r++;
	}
	lx_free(tmp);
	return r;
}

/* Makes directory n the working directory. */
static long set_cwd(struct inode *n)
{
	if (!ISDIR(n))
		return -ENOTDIR;
	inode_hold(n);
	inode_release(vfs_cwd);
	vfs_cwd = n;
	return 0;
}

long lx_sys_chdir(long upath, long a2, long a3, long a4, long a5, long a6)
{
	UNUSED3(a2, a3, a4), (void)a5, (void)a6;
	long err;
	struct inode *n = resolve(AT_FDCWD, upath, 0, &err);
	return n ? set_cwd(n) : err;
}

long lx_sys_fchdir(long fd, long a2, long a3, long a4, long a5, long a6)
{
	UNUSED3(a2, a3, a4), (void)a5, (void)a6;
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	return set_cwd(n);
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
	return lk->dir->nlink == 0 ? -ENOENT : 0;
}

long lx_sys_mkdirat(long dirfd, long upath, long mode, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
	struct lookup lk;
	long r = lookup_new(dirfd, upath, &lk);
	if (r < 0)
		return r;
	return vfs_mknode(lk.dir, lk.name, S_IFDIR | ((uint32_t)mode & S_IALLUGO & ~vfs_umask)) ? 0 : -ENOMEM;
}

long lx_sys_mkdir(long upath, long mode, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_mkdirat(AT_FDCWD, upath, mode, 0, 0, 0);
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
	struct dentry *d = dir_find(lk.dir, lk.name);
	if (!d)
		return -ENOENT;
	dir_remove(lk.dir, d);
	return 0;
}

long lx_sys_unlinkat(long dirfd, long upath, long flags, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return remove_name(dirfd, upath, (flags & AT_REMOVEDIR) != 0);
}

long lx_sys_unlink(long upath, long a2, long a3, long a4, long a5, long a6)
{
	UNUSED3(a2, a3, a4), (void)a5, (void)a6;
	return remove_name(AT_FDCWD, upath, false);
}

long lx_sys_rmdir(long upath, long a2, long a3, long a4, long a5, long a6)
{
	UNUSED3(a2, a3, a4), (void)a5, (void)a6;
	return remove_name(AT_FDCWD, upath, true);
}

/* Is n the directory d or one of its ancestors? */
static bool is_ancestor(struct inode *n, struct inode *d)
{
	for (;; d = d->parent) {
		if (d == n)
			return true;
		if (d == vfs_root)
			return false;
	}
}

static bool dot_name(const char *s)
{
	return strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
}

long lx_sys_renameat2(long odfd, long opath, long ndfd, long npath, long flags, long a6)
{
	(void)a6;
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
	if (dot_name(o.name) || dot_name(nw.name))
		return -EBUSY;
	if (nw.dir->nlink == 0)
		return -ENOENT;
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
	if (victim)
		dir_remove(nw.dir, dir_find(nw.dir, nw.name));
	dir_remove(o.dir, dir_find(o.dir, o.name));
	r = dir_add(nw.dir, nw.name, n);
	inode_release(n);
	return r;
}

long lx_sys_renameat(long odfd, long opath, long ndfd, long npath, long a5, long a6)
{
	(void)a5, (void)a6;
	return lx_sys_renameat2(odfd, opath, ndfd, npath, 0, 0);
}

long lx_sys_rename(long opath, long npath, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_renameat2(AT_FDCWD, opath, AT_FDCWD, npath, 0, 0);
}

long lx_sys_linkat(long odfd, long opath, long ndfd, long npath, long flags, long a6)
{
	(void)a6;
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
	return dir_add(lk.dir, lk.name, n);
}

long lx_sys_link(long opath, long npath, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_linkat(AT_FDCWD, opath, AT_FDCWD, npath, 0, 0);
}

long lx_sys_symlinkat(long utarget, long ndfd, long npath, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
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

long lx_sys_symlink(long utarget, long npath, long a3, long a4, long a5, long a6)
{
	UNUSED3(a3, a4, a5), (void)a6;
	return lx_sys_symlinkat(utarget, AT_FDCWD, npath, 0, 0, 0);
}

long lx_sys_readlinkat(long dirfd, long upath, long ubuf, long size, long a5, long a6)
{
	(void)a5, (void)a6;
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

long lx_sys_readlink(long upath, long ubuf, long size, long a4, long a5, long a6)
{
	UNUSED3(a4, a5, a6);
	return lx_sys_readlinkat(AT_FDCWD, upath, ubuf, size, 0, 0);
}
