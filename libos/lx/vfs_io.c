/* lx's descriptor syscalls: read, write, seeking, vectors, dup, fcntl, ioctl, truncation and directory listing. */
#include "libos/lx/vfs.h"
#include "libos/lx/process.h"

#define IO_CHUNK (256 * 1024) /* a long read or write moves this much at a time, letting others into lx between */
#define ZERO_CHUNK (64 * 1024)   /* never-touched source pages are written from this many zeros at a time */

/* Has f no position to read (write: write) at, like a pipe or a socket? Then pread and pwrite say ESPIPE. */
static bool unpositioned(struct file *f, bool write)
{
	return write ? !f->ops->pwrite || f->ops->pwrite == lx_no_pwrite : !f->ops->pread || f->ops->pread == lx_no_pread;
}

/* May f be read (write: written)? 0 or -EBADF. */
static long can_io(struct file *f, bool write)
{
	int acc = f->flags & O_ACCMODE;
	if (f->flags & O_PATH)
		return -EBADF;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		return -EBADF;
	return 0;
}

/*
 * Writes n bytes of the program's memory at buf through f (at its position
 * when off < 0, else at off), a chunk at a time, each made present first
 * (never-touched pages are written from zeros instead, as Linux reads them
 * from its zero page), so that a large buffer never has to be all in memory,
 * letting other threads and processes into lx between chunks: it stops at a
 * short write or at a page that cannot be had, as Linux writes what it can.
 * Bytes written, or -errno (-EFAULT for the first page) when none were.
 */
static long write_chunks(struct file *f, long buf, size_t n, long off)
{
	static const char zero_chunk[ZERO_CHUNK];
	size_t done = 0;
	long r = 0;
	while (done < n) {
		if (done)
			lx_lock_yield();
		bool zeros;
		size_t want = n - done < IO_CHUNK ? n - done : IO_CHUNK;
		size_t ready = mem_user_source((uint64_t)buf + done, want, &zeros);
		if (zeros && ready > ZERO_CHUNK)
			ready = ZERO_CHUNK;
		const void *p = zeros ? zero_chunk : (const void *)(buf + (long)done);
		if (ready == 0) {
			r = -EFAULT;
			break;
		}
		r = off < 0 ? f->ops->write(f, p, ready) : f->ops->pwrite(f, p, ready, (uint64_t)off + done);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < ready)
			break;
	}
	return done ? (long)done : r;
}

/*
 * Reads n bytes of a regular file f into the program's memory at buf (at its
 * position when off < 0, else at off) a chunk at a time, letting others into
 * lx between chunks; the buffer is checked again after each such pause, as
 * another thread may have unmapped it. Stops at a short read. Bytes read, or
 * -errno when none were.
 */
static long read_chunks(struct file *f, long buf, size_t n, long off)
{
	size_t done = 0;
	long r = 0;
	while (done < n) {
		size_t want = n - done < IO_CHUNK ? n - done : IO_CHUNK;
		if (done)
			lx_lock_yield();
		if (!mem_user_mapped((uint64_t)buf + done, want, true)) {
			r = -EFAULT;
			break;
		}
		void *p = (void *)(buf + (long)done);
		r = off < 0 ? f->ops->read(f, p, want) : f->ops->pread(f, p, want, (uint64_t)off + done);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < want)
			break;
	}
	return done ? (long)done : r;
}

/* Reads or writes n bytes at buf through f at its position (off < 0) or at off; at most LINUX_MAX_RW of them. */
static long do_io(struct file *f, bool write, long buf, size_t n, long off)
{
	if (off >= 0 && unpositioned(f, write))
		return -ESPIPE; /* before the access mode, as Linux */
	long r = can_io(f, write);
	if (r < 0)
		return r;
	if (n > LINUX_MAX_RW)
		n = LINUX_MAX_RW;
	if (write && n)
		return write_chunks(f, buf, n, off);
	if (!write && n > IO_CHUNK && f->inode && ISREG(f->inode))
		return read_chunks(f, buf, n, off);
	if (!(write ? user_ok(buf, n, false) : mem_user_mapped((uint64_t)buf, n, true)))
		return -EFAULT; /* a read's buffer is filled by first touches as the bytes come */
	if (off < 0)
		return write ? f->ops->write(f, (const void *)buf, 0) : f->ops->read(f, (void *)buf, n);
	return write ? f->ops->pwrite(f, (const void *)buf, 0, (uint64_t)off) : f->ops->pread(f, (void *)buf, n, (uint64_t)off);
}

/* do_io on descriptor fd. */
static long fd_io(long fd, bool write, long buf, long n, long off)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r = do_io(f, write, buf, (size_t)n, off);
	file_put(f);
	return r;
}


/* Linux's checks of an iovec array: -EINVAL if a length is negative; else 0, the lengths cut to add up to at most LINUX_MAX_RW. */
static long iov_cap(struct linux_iovec *iov, long cnt)
{
	uint64_t sum = 0;
	for (long i = 0; i < cnt; i++) {
		if ((int64_t)iov[i].len < 0)
			return -EINVAL;
		if (iov[i].len > LINUX_MAX_RW - sum)
			iov[i].len = LINUX_MAX_RW - sum;
		sum += iov[i].len;
	}
	return 0;
}

/* Each of the cnt iovecs in turn through f (off as do_io's, advancing), stopping at a short transfer: the bytes moved, or -errno if none. */
static long iov_io(struct file *f, bool write, const struct linux_iovec *iov, long cnt, long off)
{
	long total = off >= 0 && unpositioned(f, write) ? -ESPIPE : can_io(f, write);
	if (total >= 0 && write && off < 0 && f->ops->writev)
		return f->ops->writev(f, iov, cnt);
	for (long i = 0; total >= 0 && i < cnt; i++) {
		if (iov[i].len == 0)
			continue;
		long r = do_io(f, write, (long)iov[i].base, iov[i].len, off < 0 ? -1 : off + total);
		if (r < 0) {
			total = total ? total : r;
			break;
		}
		total += r;
		if ((uint64_t)r < iov[i].len)
			break;
	}
	return total;
}

/*
 * readv/writev (off < 0: at the file's position) and preadv/pwritev (at off).
 * The iovecs are copied into lx first (a blocking transfer lets other threads
 * change them), and capped at LINUX_MAX_RW in all, as Linux does.
 */
static long fd_iov(long fd, bool write, long uiov, long cnt, long off)
{
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	size_t size = (size_t)cnt * sizeof(struct linux_iovec);
	struct linux_iovec *iov = lx_alloc(size ? size : 1);
	if (!iov)
		return -ENOMEM;
	struct file *f = NULL;
	long r = copy_from_user(iov, (uint64_t)uiov, size) < 0 ? -EFAULT : !(f = file_get((int)fd)) ? -EBADF : iov_cap(iov, cnt);
	if (r == 0)
		r = iov_io(f, write, iov, cnt, off);
	if (f)
		file_put(f);
	lx_free(iov);
	return r;
}

/*
 * The read and write family, through fd_io (a buffer) or fd_iov (iovecs):
 * read, write, readv and writev at the file's position; pread64, pwrite64,
 * preadv and pwritev at off, which must not be negative.
 */
#define RW_CALL(name, fn, write) \
	long lx_sys_##name(int fd, long buf, long n) { return fn(fd, write, buf, n, -1); }
#define PRW_CALL(name, fn, write) \
	long lx_sys_##name(int fd, long buf, long n, long off) { return off < 0 ? -EINVAL : fn(fd, write, buf, n, off); }
RW_CALL(read, fd_io, false)
RW_CALL(write, fd_io, true)
PRW_CALL(pread64, fd_io, false)
PRW_CALL(pwrite64, fd_io, true)
RW_CALL(readv, fd_iov, false)
RW_CALL(writev, fd_iov, true)
PRW_CALL(preadv, fd_iov, false)
PRW_CALL(pwritev, fd_iov, true)

#define COPY_CHUNK 65536

/* The file offset the program keeps at uoff, into *off: 0, -EFAULT, or -EINVAL if it is negative. */
static long get_off(long uoff, int64_t *off)
{
	if (copy_from_user(off, (uint64_t)uoff, sizeof(*off)) < 0)
		return -EFAULT;
	return *off < 0 ? -EINVAL : 0;
}

/*
 * sendfile and copy_file_range: count bytes (at most LINUX_MAX_RW, as Linux)
 * from in (at *uoff, which moves, or at its position) to out (at its
 * position, or *uoutoff), through a buffer in lx, a chunk at a time, letting
 * other threads and processes into lx between chunks. The bytes copied, or
 * -errno when none were.
 */
static long copy_between(long in, long uoff, long out, long uoutoff, size_t count)
{
	struct file *fi = file_get((int)in), *fo = file_get((int)out);
	char *buf = lx_alloc(COPY_CHUNK);
	long done = 0, r = !fi || !fo ? -EBADF : !buf ? -ENOMEM : can_io(fi, false) < 0 || can_io(fo, true) < 0 ? -EBADF : 0;
	int64_t off = -1, outoff = -1;
	if (r == 0 && uoff)
		r = get_off(uoff, &off);
	if (r == 0 && uoutoff)
		r = get_off(uoutoff, &outoff);
	if (r == 0 && ((off >= 0 && !fi->ops->pread) || (outoff >= 0 && !fo->ops->pwrite)))
		r = -ESPIPE;
	if (count > LINUX_MAX_RW)
		count = LINUX_MAX_RW;
	while (r == 0 && (size_t)done < count) {
		if (done)
			lx_lock_yield();
		size_t want = count - (size_t)done < COPY_CHUNK ? count - (size_t)done : COPY_CHUNK;
		long got = off >= 0 ? fi->ops->pread(fi, buf, want, (uint64_t)off) : fi->ops->read(fi, buf, want);
		if (got <= 0) {
			r = got;
			break;
		}
		long put = outoff >= 0 ? fo->ops->pwrite(fo, buf, (size_t)got, (uint64_t)outoff) : fo->ops->write(fo, buf, (size_t)got);
		if (put <= 0) {
			r = put < 0 ? put : -EIO;
			break;
		}
		done += put;
		if (off >= 0)
			off += put;
		if (outoff >= 0)
			outoff += put;
		if (put < got)
			break;
	}
	if (uoff && off >= 0)
		copy_to_user((uint64_t)uoff, &off, sizeof(off));
	if (uoutoff && outoff >= 0)
		copy_to_user((uint64_t)uoutoff, &outoff, sizeof(outoff));
	lx_free(buf);
	if (fi)
		file_put(fi);
	if (fo)
		file_put(fo);
	return done ? done : r;
}

long lx_sys_sendfile(long out, long in, uint64_t uoff, long count)
{
	return count < 0 ? -EINVAL : copy_between(in, uoff, out, 0, (size_t)count);
}

long lx_sys_copy_file_range(long in, uint64_t uoff, long out, uint64_t uoutoff, long count, long flags)
{
	if (flags || count < 0)
		return -EINVAL;
	return copy_between(in, uoff, out, uoutoff, (size_t)count);
}

long lx_sys_lseek(int fd, long off, long whence)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r;
	struct inode *n = f->inode;
	int type = n ? (int)(n->mode & S_IFMT) : 0;
	if (type == S_IFIFO || type == S_IFSOCK || !f->ops->pread) {
		r = -ESPIPE; /* pipes, FIFOs, sockets and terminals have no position */
	} else if (!n || (n->dev && type != S_IFBLK)) {
		r = 0; /* null, zero, an eventfd, an epoll: always at 0 */
	} else {
		int64_t end = type == S_IFBLK ? blkdev_size(n) : (int64_t)n->size; /* a disk's end is its size */
		int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos
			     : whence == SEEK_END ? end : -1;
		if (base < 0 && whence != SEEK_SET)
			r = -EINVAL;
		else if (off > 0 && base > INT64_MAX - off)
			r = -EOVERFLOW;
		else if (base + off < 0)
			r = -EINVAL;
		else
			r = base + off;
		if (r >= 0)
			f->pos = (uint64_t)r;
	}
	file_put(f);
	return r;
}

long lx_sys_close(int fd)
{
	return fd_close((int)fd);
}

long lx_sys_dup(int fd)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	return fd_new(f, false);
}

long lx_sys_dup3(int oldfd, int newfd, long flags)
{
	if ((flags & ~(long)O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	if (newfd < 0 || newfd >= fd_limit())
		return -EBADF;
	struct file *f = file_get((int)oldfd);
	if (!f)
		return -EBADF;
	long r = fd_replace((int)newfd, f, (flags & O_CLOEXEC) != 0);
	return r < 0 ? r : newfd;
}

long lx_sys_dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) {
		struct file *f = file_get((int)oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return lx_sys_dup3(oldfd, newfd, 0);
}

/* The status flags F_SETFL changes (O_ASYNC is kept, and F_GETFL shows it, but no SIGIO is sent yet). */
#define FL_SETTABLE (O_APPEND | O_NONBLOCK | O_ASYNC)

/* F_SETOWN: who would get f's SIGIO; pid > 0 a process, < 0 a process group, 0 nobody.
   0, or -ESRCH when no such process or group is alive. */
static long set_owner(struct file *f, int pid)
{
	if (pid > 0) {
		struct lx_proc *p = lx_proc_of(pid);
		if (!p || p->state != LX_PROC_LIVE)
			return -ESRCH;
	} else if (pid < 0 && (pid == INT32_MIN || !lx_pgrp_exists(-pid))) {
		return -ESRCH;
	}
	f->owner = pid;
	return 0;
}

/* F_GETOWN_EX (set false) and F_SETOWN_EX on f with the struct at uarg: 0, or -EFAULT, -EINVAL (an unknown
   type), -ESRCH. A thread (F_OWNER_TID) is taken as the process of that id. */
static long owner_ex(struct file *f, bool set, long uarg)
{
	struct linux_f_owner_ex o;
	if (!mem_user_ok((uint64_t)uarg, sizeof(o), !set))
		return -EFAULT;
	if (!set) {
		o = (struct linux_f_owner_ex){ f->owner < 0 ? F_OWNER_PGRP : F_OWNER_PID, f->owner < 0 ? -f->owner : f->owner };
		memcpy((void *)uarg, &o, sizeof(o));
		return 0;
	}
	memcpy(&o, (const void *)uarg, sizeof(o));
	if (o.type != F_OWNER_TID && o.type != F_OWNER_PID && o.type != F_OWNER_PGRP)
		return -EINVAL;
	if (o.pid < 0)
		return -ESRCH;
	return set_owner(f, o.type == F_OWNER_PGRP ? -o.pid : o.pid);
}

long lx_sys_fcntl(int fd, long cmd, long arg)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r = 0;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= fd_limit())
			r = -EINVAL;
		else if ((r = fd_install(f, (int)arg, cmd == F_DUPFD_CLOEXEC)) >= 0)
			return r; /* the table keeps our reference */
		break;
	case F_GETFD:
		r = fd_cloexec((int)fd) ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		fd_set_cloexec((int)fd, (arg & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		f->flags = (f->flags & ~FL_SETTABLE) | ((int)arg & FL_SETTABLE);
		break;
	case F_GETOWN:
		r = f->owner;
		break;
	case F_SETOWN:
		r = set_owner(f, (int)arg);
		break;
	case F_GETOWN_EX:
	case F_SETOWN_EX:
		r = owner_ex(f, cmd == F_SETOWN_EX, arg);
		break;
	case F_GETLK: case F_SETLK: case F_SETLKW:
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
		r = lock_fcntl(f, cmd, arg);
		break;
	default:
		r = -EINVAL;
	}
	file_put(f);
	return r;
}

/* FIONBIO, FIOASYNC: set f's status flag when the int at uarg is not 0, clear it when it is; 0 or -EFAULT. */
static long flag_from_user(struct file *f, int flag, long uarg)
{
	if (!mem_user_ok((uint64_t)uarg, sizeof(int), false))
		return -EFAULT;
	f->flags = *(const int *)uarg ? f->flags | flag : f->flags & ~flag;
	return 0;
}

long lx_sys_ioctl(int fd, long req, long arg)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r;
	req = (unsigned int)req; /* a 32-bit request, as Linux takes it: musl passes an int, which may arrive sign-extended */
	switch ((unsigned long)req) { /* the requests every kind of file takes */
	case FIONBIO:
	case FIOASYNC:
		r = flag_from_user(f, req == FIONBIO ? O_NONBLOCK : O_ASYNC, arg);
		break;
	case FIOCLEX:
	case FIONCLEX:
		fd_set_cloexec((int)fd, req == FIOCLEX);
		r = 0;
		break;
	default:
		r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned long)req, (unsigned long)arg) : -ENOTTY;
	}
	file_put(f);
	return r;
}

long lx_sys_ftruncate(int fd, long len)
{
	if (len < 0)
		return -EINVAL;
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r;
	if (!f->inode || (f->inode->mode & S_IFMT) != S_IFREG || f->inode->gen || can_io(f, true) < 0)
		r = -EINVAL;
	else
		r = reg_resize(f->inode, (uint64_t)len);
	file_put(f);
	return r;
}

long lx_sys_truncate(uint64_t upath, long len)
{
	long err;
	struct inode *n = resolve(AT_FDCWD, upath, RESOLVE_CHANGE, &err);
	if (!n)
		return err;
	if (len < 0)
		return -EINVAL;
	if (ISDIR(n))
		return -EISDIR;
	if (!ISREG(n) || n->gen)
		return -EINVAL;
	return reg_resize(n, (uint64_t)len);
}

/* fallocate: mode 0 (and FALLOC_FL_KEEP_SIZE, 1) only; holes read as zeros anyway, so only the size moves. */
long lx_sys_fallocate(int fd, long mode, long off, long len)
{
	if (off < 0 || len <= 0 || off + len < off)
		return -EINVAL;
	if (mode & ~1L)
		return -EOPNOTSUPP;
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r = 0;
	if (can_io(f, true) < 0)
		r = -EBADF;
	else if (!f->inode || !ISREG(f->inode) || f->inode->gen)
		r = -ENODEV;
	else if (!(mode & 1) && (uint64_t)(off + len) > f->inode->size)
		r = reg_resize(f->inode, (uint64_t)(off + len));
	file_put(f);
	return r;
}

long lx_sys_fsync(int fd)
{
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	long r = f->inode && (f->inode->mode & S_IFMT) == S_IFBLK ? blkdev_fsync(f) : 0; /* a disk's write cache */
	file_put(f);
	return r;
}

/* syncfs: as fsync, the descriptor checked and nothing to write back. */
long lx_sys_syncfs(int fd)
{
	return lx_sys_fsync(fd);
}

long lx_sys_fdatasync(int fd)
{
	return lx_sys_fsync(fd);
}

/* ---- directory listing ---- */

/*
 * Put one directory record (old: struct linux_dirent, else linux_dirent64)
 * at ubuf + *used (program memory, size bytes in all), built here and copied out fault-safely. 1 when written, 0 when it
 * does not fit, -EFAULT when the program's buffer cannot take it.
 */
static long put_dirent(uint64_t ubuf, size_t size, size_t *used, bool old, uint64_t ino, uint64_t next, uint32_t mode,
		       const char *name)
{
	char r[8 + 8 + 2 + 1 + LX_NAME_MAX + 1 + 7];
	size_t len = strlen(name);
	size_t reclen = old ? (8 + 8 + 2 + len + 2 + 7) & ~7UL : (8 + 8 + 2 + 1 + len + 1 + 7) & ~7UL;
	if (*used + reclen > size)
		return 0;
	memset(r, 0, reclen);
	memcpy(r, &ino, 8);
	memcpy(r + 8, &next, 8);
	uint16_t rl = (uint16_t)reclen;
	memcpy(r + 16, &rl, 2);
	uint8_t type = (uint8_t)((mode & S_IFMT) >> 12);
	if (old) {
		memcpy(r + 18, name, len);
		r[reclen - 1] = (char)type;
	} else {
		r[18] = (char)type;
		memcpy(r + 19, name, len);
	}
	if (copy_to_user(ubuf + *used, r, reclen) < 0)
		return -EFAULT;
	*used += reclen;
	return 1;
}

/* getdents and getdents64: f->pos is 0 for ".", 1 for "..", else the cookie of the next entry. */
static long dents(long fd, long ubuf, long count, bool old)
{
	count = (long)(uint32_t)count; /* an unsigned int in Linux's ABI */
	struct file *f = file_get((int)fd);
	if (!f)
		return -EBADF;
	struct inode *dir = f->inode;
	uint64_t buf = (uint64_t)ubuf;
	size_t used = 0;
	long r = 0, put = 1;
	if (!dir || (dir->mode & S_IFMT) != S_IFDIR || (f->flags & O_PATH)) {
		r = (f->flags & O_PATH) ? -EBADF : -ENOTDIR;
		goto out;
	}
	if (dir->refresh)
		dir->refresh(dir);
	if (f->pos == 0 && (put = put_dirent(buf, (size_t)count, &used, old, dir->ino, 1, S_IFDIR, ".")) <= 0)
		goto out;
	if (f->pos == 0)
		f->pos = 1;
	if (f->pos == 1 &&
	    (put = put_dirent(buf, (size_t)count, &used, old, dir->parent->ino, 2, S_IFDIR, "..")) <= 0)
		goto out;
	if (f->pos == 1)
		f->pos = 2;
	for (struct dentry *d = dir->entries; d; d = d->next) {
		if (d->cookie < f->pos)
			continue;
		put = put_dirent(buf, (size_t)count, &used, old, d->inode->ino, d->cookie + 1, d->inode->mode, d->name);
		if (put <= 0)
			break;
		f->pos = d->cookie + 1;
	}
out:
	if (r == 0 && used == 0 && put < 0)
		r = put; /* not even the first record could be written */
	if (r == 0 && used == 0) {
		bool more = f->pos < 2;
		for (struct dentry *d = dir->entries; d && !more; d = d->next)
			more = d->cookie >= f->pos;
		if (more)
			r = -EINVAL; /* the next record does not fit */
	}
	if (r == 0)
		inode_touch(dir, true, false);
	file_put(f);
	return r < 0 ? r : (long)used;
}

long lx_sys_getdents(int fd, long buf, long count)
{
	return dents(fd, buf, count, true);
}

long lx_sys_getdents64(int fd, long buf, long count)
{
	return dents(fd, buf, count, false);
}
