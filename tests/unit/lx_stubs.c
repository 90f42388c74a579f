/* Host stand-ins for what lx's file system needs from the rest of lx: a heap over malloc, open user memory, a clock. */
#include <stdlib.h>
#include "libos/lx/vfs.h"

uint64_t lx_boot_time = 1000;
static uint64_t next_ino = 2;

uint64_t lx_next_ino(void)
{
	return next_ino++;
}
uint64_t stub_now_ns;

void *lx_alloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

void *lx_alloc_raw(size_t n)
{
	return malloc(n ? n : 1);
}

void *lx_realloc(void *p, size_t n)
{
	return realloc(p, n ? n : 1);
}

void lx_free(void *p)
{
	free(p);
}

void *lx_page_alloc(void)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void lx_page_free(void *page)
{
	free(page);
}

/* Addresses below 4 KiB stand for memory the program may not touch. */
bool mem_user_ok(uint64_t addr, uint64_t len, bool write)
{
	(void)len, (void)write;
	return addr >= 4096;
}

bool mem_user_mapped(uint64_t addr, uint64_t len, bool write)
{
	return mem_user_ok(addr, len, write);
}

size_t mem_user_fault_in(uint64_t addr, size_t len, bool write)
{
	return mem_user_ok(addr, len, write) ? len : 0;
}

/* Host memory is all present: nothing reads as never-touched zeros. */
size_t mem_user_source(uint64_t addr, size_t len, bool *zeros)
{
	*zeros = false;
	return mem_user_fault_in(addr, len, false);
}

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (!mem_user_ok(usrc, n, false))
		return -EFAULT;
	memcpy(dst, (const void *)usrc, n);
	return 0;
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (!mem_user_ok(udst, n, true))
		return -EFAULT;
	memcpy((void *)udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t size)
{
	if (!mem_user_ok(usrc, 1, false))
		return -EFAULT;
	for (size_t i = 0; i < size; i++)
		if ((dst[i] = ((const char *)usrc)[i]) == 0)
			return (long)i;
	return (long)size;
}

void lx_lock_yield(void)
{
}

/* Linux's first limits: 1024 descriptors, the rest unlimited. */
uint64_t lx_rlimit(int res)
{
	return res == RLIMIT_NOFILE ? 1024 : RLIM_INFINITY;
}

long lx_signal_send(struct lx_thread *t, int sig, int code)
{
	(void)t, (void)sig, (void)code;
	return 0;
}

uint64_t clock_ns(void)
{
	return stub_now_ns;
}

void vfs_mem_frames(uint64_t *total, uint64_t *avail)
{
	*total = 100;
	*avail = 40;
}

void dev_init(void)
{
}

void procfs_init(void)
{
}

/* No disks here: no node is a block device. */
bool blkdev_writable(struct inode *n)
{
	(void)n;
	return false;
}

long blkdev_size(struct inode *n)
{
	(void)n;
	return -1;
}

void blkdev_opened(struct file *f)
{
	(void)f;
}

long blkdev_fsync(struct file *f)
{
	(void)f;
	return 0;
}

void vfs_stdio_init(void)
{
}

/* No pipes here: a FIFO's end cannot be opened. */
long fifo_open(struct inode *n, int flags, struct file **out)
{
	(void)n, (void)flags, (void)out;
	return -ENXIO;
}

/* No pseudo-terminals here: no node is one. */
bool pty_node(struct inode *n)
{
	(void)n;
	return false;
}

long pty_open(struct inode *n, int flags, struct file **out)
{
	(void)n, (void)flags, (void)out;
	return -ENXIO;
}

struct inode *pty_ctty(void)
{
	return NULL;
}

/* One process with one thread: nothing ever waits. */
int lx_pid = 1;

bool lx_signal_interrupts(void)
{
	return false;
}

long lx_waitq_add(struct lx_waitq *q)
{
	(void)q;
	return 0;
}

void lx_waitq_wake(struct lx_waitq *q)
{
	(void)q;
}

void lx_thread_wait(uint64_t ns)
{
	(void)ns;
}

static struct fdent stub_fds[1024]; /* lx_rlimit's RLIMIT_NOFILE */
static struct lx_proc stub_proc = { .fds = stub_fds,
				    .fd_cap = 1024 }; /* the descriptor table lives in the process's entry */
struct lx_proc *lx_me = &stub_proc; /* cred.c keeps the process's ids here for others to see */

/* The one process is pid 1, in group 1; no epoll here, so no file has watchers to forget. */
struct lx_proc *lx_proc_of(int pid)
{
	return pid == lx_pid ? lx_me : NULL;
}

bool lx_pgrp_exists(int pgid)
{
	return pgid == lx_pid;
}

void epoll_forget(struct file *f)
{
	(void)f;
}

/* No inotify here: nothing watches, a removal is only a removal. */
void vfs_notify(struct inode *dir, const char *name, struct inode *n, uint32_t mask, uint32_t cookie)
{
	(void)dir, (void)name, (void)n, (void)mask, (void)cookie;
}

uint32_t vfs_notify_cookie(void)
{
	return 1;
}

void vfs_notify_remove(struct inode *dir, struct dentry *d, bool deleted)
{
	(void)deleted;
	dir_remove(dir, d);
}

/* No mounts here and no chroot: lookup never asks for the rest. */
bool mount_active(void)
{
	return false;
}

struct inode *lx_root(void)
{
	return vfs_root;
}

struct inode *mount_point_of(struct inode *n)
{
	return n;
}

struct inode *mount_down(struct inode *n, struct lookup *lk)
{
	(void)lk;
	return n;
}

struct inode *mount_dotdot(struct inode *dir, struct lookup *lk)
{
	(void)lk;
	return dir->parent;
}

struct inode *mount_leave(struct inode *n, struct lx_mount *const *in, int *nin)
{
	(void)in, (void)nin;
	return n;
}

bool mount_ro_at(struct inode *n)
{
	(void)n;
	return false;
}

/* No volumes on the host: no path is a volume's. */
struct file *vol_open_exec(const char *path, long *err)
{
	(void)path;
	*err = 1;
	return NULL;
}

struct inode *vfile_lock_node(struct file *f)
{
	(void)f;
	return NULL;
}

struct inode *vfile_lock_held(struct file *f)
{
	(void)f;
	return NULL;
}
