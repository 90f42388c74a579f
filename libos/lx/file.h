/* Open files and descriptors: struct file and its operations, the descriptor table. (file.c) */
#ifndef LX_FILE_H
#define LX_FILE_H

struct file;
struct inode;
/* An open file description, shared by dup'ed descriptors. */
struct file {
	const struct file_ops *ops;
	struct inode *inode; /* NULL for devices without a node */
	uint64_t pos;
	int flags; /* O_* given to open, O_APPEND etc. */
	int refs;
	int owner; /* F_SETOWN's: a pid, minus a process group, or 0 */
	struct ep_interest *watchers; /* the epoll interests in this file, linked by fnext (epoll.c) */
	void *priv;
	const char *anon; /* without a node: what /proc/PID/fd/N names it, as Linux ("anon_inode:[eventfd]"); or NULL */
};
struct file_ops {
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	long (*pread)(struct file *f, void *buf, size_t n, uint64_t off);
	long (*pwrite)(struct file *f, const void *buf, size_t n, uint64_t off);
	long (*ioctl)(struct file *f, unsigned long req, unsigned long arg);
	void (*close)(struct file *f);
	short (*poll)(struct file *f); /* ready POLL* bits; NULL: always readable and writable */
	struct lx_waitq *(*waitq)(
		struct file *f); /* where a change to poll's answer is announced; NULL (or it answers NULL): none */
	/* writev as one write (a file whose writes are whole messages: /dev/fuse); NULL: each iovec in turn. */
	long (*writev)(struct file *f, const struct linux_iovec *iov, long cnt);
	/* For a file mapped whose pages are not its inode's (a volume's file): the page in lx's shared heap
	 * that holds byte off (page-aligned) for every mapping of it, made now if need be; NULL: there is none
	 * (past the file's end: SIGBUS in a shared mapping). */
	char *(*share_page)(struct file *f, uint64_t off);
	/* An area that maps f (shared, or private) is made (d 1: does it hold f's pages, so that share_page
	 * serves it?) or goes (d -1, an area that held them), in any process. */
	bool (*share_hold)(struct file *f, int d, bool shared);
};
struct linux_iovec;
/* One descriptor: the open file it names and its close-on-exec flag. */
struct fdent {
	struct file *f;
	bool cloexec;
};
struct file *file_get(int fd); /* NULL if fd is not open */
void epoll_forget(struct file *f); /* drop every epoll's interest in f: its last reference is going */
void file_put(struct file *f);
int fd_install(struct file *f, int min, bool cloexec); /* lowest free fd >= min, or -EMFILE */
/* A new file without a node (an eventfd, a timerfd) whose priv is size zeroed bytes of its own; NULL when out of memory. */
struct file *file_new_anon(const struct file_ops *ops, int flags, size_t size);
int fd_new(struct file *f,
	   bool cloexec); /* f (the caller's reference) at the lowest free fd; else f dropped, -EMFILE */
struct file *vfs_open_path(const char *path, int flags, int mode, long *err); /* for the loader and mmap */
long vfs_read_all(const char *path, void **data, size_t *size); /* whole file into a new buffer */
bool vfs_fds_init(void); /* the first process's descriptor table; false when out of memory */
struct lx_proc;
long vfs_fork(struct lx_proc *child); /* the child of a fork shares every descriptor: 0 or -ENOMEM */
void vfs_fork_abandon(struct lx_proc *child); /* the fork failed: undo vfs_fork */
void vfs_close_on_exec(void);
void vfs_exit(void); /* a process ends: its descriptors close */
long lx_no_pread(struct file *f, void *buf, size_t n, uint64_t off); /* -ESPIPE: pipes and the like */
long lx_no_pwrite(struct file *f, const void *buf, size_t n, uint64_t off); /* -ESPIPE */

/* Open files and descriptors, for the file system's calls */
struct file *file_new(const struct file_ops *ops, struct inode *n, int flags); /* refs 1 */
long file_open_inode(struct inode *n, int flags, struct file **out);
/* A file open O_RDWR on a new, unnamed regular inode of that mode (memfd's, shm's, a shadow's): 0 or -ENOMEM, nothing left behind. */
long file_open_new(uint32_t mode, struct file **out);
bool file_bytes_at(struct file *f, uint64_t off, const void **src,
		   size_t *len); /* a regular file's bytes at off in lx's memory */
long vfs_openat(int dirfd, const char *path, int flags, int mode, struct file **out); /* path in lx memory */
/* Open the file at path (in lx memory) for lx to run it: its execute permission is checked, not its read one. NULL with *err. */
struct file *vfs_open_exec(const char *path, long *err);
long fd_close(int fd);
void fd_set_cloexec(int fd, bool on);
bool fd_cloexec(int fd);
int fd_limit(void); /* descriptors a new one may take are below this: RLIMIT_NOFILE, at most LX_NFD */
long fd_replace(int fd, struct file *f, bool cloexec); /* installs at fd, closing what was there; -ENOMEM (f dropped) */

#endif
