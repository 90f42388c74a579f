/* lx's attribute syscalls: modes, owners, times and file system figures. */
#include "libos/lx/vfs.h"


/* ---- modes, owners and times ---- */

/* Sets n's permission bits: its owner or root. 0 or -EPERM. */
static long set_mode(struct inode *n, long mode)
{
	if (!lx_cred_owns(n))
		return -EPERM;
	n->mode = (n->mode & S_IFMT) | ((uint32_t)mode & S_IALLUGO);
	n->ctime = vfs_now();
	vfs_notify(NULL, NULL, n, IN_ATTRIB, 0);
	return 0;
}

long lx_sys_fchmodat(int dirfd, uint64_t upath, long mode)
{
	long err;
	struct inode *n = resolve(dirfd, upath, RESOLVE_CHANGE, &err);
	return n ? set_mode(n, mode) : err;
}

long lx_sys_chmod(uint64_t upath, long mode)
{
	return lx_sys_fchmodat(AT_FDCWD, upath, mode);
}

long lx_sys_fchmod(int fd, long mode)
{
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	return set_mode(n, mode);
}

/*
 * Changes n's owner; -1 keeps a field. Only root gives a file away; its
 * owner may give it to one of its own groups. 0 or -EPERM.
 */
static long set_owner(struct inode *n, long uid, long gid)
{
	bool new_uid = (uint32_t)uid != (uint32_t)-1 && (uint32_t)uid != n->uid;
	bool new_gid = (uint32_t)gid != (uint32_t)-1 && (uint32_t)gid != n->gid;
	if (!lx_cred_privileged() && (new_uid || (new_gid && (!lx_cred_owns(n) || !lx_cred_in_group((uint32_t)gid)))))
		return -EPERM;
	if ((uint32_t)uid != (uint32_t)-1)
		n->uid = (uint32_t)uid;
	if ((uint32_t)gid != (uint32_t)-1)
		n->gid = (uint32_t)gid;
	n->ctime = vfs_now();
	vfs_notify(NULL, NULL, n, IN_ATTRIB, 0);
	return 0;
}

long lx_sys_fchownat(int dirfd, uint64_t upath, long uid, long gid, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err;
	struct inode *n = resolve(dirfd, upath, (int)flags | RESOLVE_CHANGE, &err);
	return n ? set_owner(n, uid, gid) : err;
}

long lx_sys_chown(uint64_t upath, long uid, long gid)
{
	return lx_sys_fchownat(AT_FDCWD, upath, uid, gid, 0);
}

long lx_sys_lchown(uint64_t upath, long uid, long gid)
{
	return lx_sys_fchownat(AT_FDCWD, upath, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long lx_sys_fchown(int fd, long uid, long gid)
{
	long err = 0;
	struct inode *n = fd == AT_FDCWD ? NULL : fd_inode(fd, &err);
	if (!n)
		return fd == AT_FDCWD ? -EBADF : err;
	return set_owner(n, uid, gid);
}

long lx_sys_umask(long mask)
{
	long old = vfs_umask;
	vfs_umask = (uint32_t)mask & 0777;
	return old;
}

/* Sets n's times from ts[2] (atime, mtime, with UTIME_NOW and UTIME_OMIT), or both to now if ts is NULL. */
static long set_times(struct inode *n, const struct linux_timespec *ts)
{
	struct linux_timespec now = vfs_now();
	for (int i = 0; ts && i < 2; i++)
		if (ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT &&
		    (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000))
			return -EINVAL;
	struct linux_timespec *dst[2] = { &n->atime, &n->mtime };
	for (int i = 0; i < 2; i++) {
		if (!ts || ts[i].tv_nsec == UTIME_NOW)
			*dst[i] = now;
		else if (ts[i].tv_nsec != UTIME_OMIT)
			*dst[i] = ts[i];
	}
	n->ctime = now;
	vfs_notify(NULL, NULL, n, IN_ATTRIB, 0);
	return 0;
}

long lx_sys_utimensat(int dirfd, uint64_t upath, uint64_t uts, long flags)
{
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct linux_timespec ts[2];
	if (uts) {
		if (!user_ok(uts, sizeof(ts), false))
			return -EFAULT;
		memcpy(ts, (const void *)uts, sizeof(ts));
	}
	long err = 0;
	struct inode *n = upath ? resolve(dirfd, upath, (int)flags | RESOLVE_CHANGE, &err)
				: dirfd == AT_FDCWD ? NULL : fd_inode(dirfd, &err);
	if (!n)
		return err ? err : -EFAULT;
	return set_times(n, uts ? ts : NULL);
}

long lx_sys_utimes(uint64_t upath, uint64_t utv)
{
	struct linux_timespec ts[2];
	if (utv) {
		if (!user_ok(utv, 2 * sizeof(struct linux_timeval), false))
			return -EFAULT;
		const struct linux_timeval *tv = (const struct linux_timeval *)utv;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i] = (struct linux_timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
		}
	}
	long err;
	struct inode *n = resolve(AT_FDCWD, upath, RESOLVE_CHANGE, &err);
	return n ? set_times(n, utv ? ts : NULL) : err;
}

long lx_sys_utime(uint64_t upath, uint64_t ubuf)
{
	struct linux_timespec ts[2];
	if (ubuf) {
		if (!user_ok(ubuf, 2 * sizeof(int64_t), false))
			return -EFAULT;
		const int64_t *t = (const int64_t *)ubuf; /* struct utimbuf: actime, modtime */
		ts[0] = (struct linux_timespec){ t[0], 0 };
		ts[1] = (struct linux_timespec){ t[1], 0 };
	}
	long err;
	struct inode *n = resolve(AT_FDCWD, upath, RESOLVE_CHANGE, &err);
	return n ? set_times(n, ubuf ? ts : NULL) : err;
}

/* ---- file system figures ---- */

static void fill_statfs(struct linux_statfs *s)
{
	uint64_t total, avail;
	vfs_mem_frames(&total, &avail);
	memset(s, 0, sizeof(*s));
	s->f_type = TMPFS_MAGIC;
	s->f_bsize = s->f_frsize = 4096;
	s->f_blocks = total;
	s->f_bfree = s->f_bavail = avail;
	s->f_files = total;
	s->f_ffree = avail;
	s->f_namelen = LX_NAME_MAX;
}

long lx_sys_statfs(uint64_t upath, uint64_t ubuf)
{
	if (!user_ok(ubuf, sizeof(struct linux_statfs), true))
		return -EFAULT;
	long err;
	if (!resolve(AT_FDCWD, upath, 0, &err))
		return err;
	fill_statfs((struct linux_statfs *)ubuf);
	return 0;
}

long lx_sys_fstatfs(int fd, uint64_t ubuf)
{
	if (!user_ok(ubuf, sizeof(struct linux_statfs), true))
		return -EFAULT;
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	file_put(f);
	fill_statfs((struct linux_statfs *)ubuf);
	return 0;
}
