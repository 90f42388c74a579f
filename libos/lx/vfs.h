/* lx's in-memory file system: inodes, directories and path lookup (vfs.c, vfs_path.c, vfs_io.c, vfs_attr.c), for the files that build on it. */
#ifndef LX_VFS_H
#define LX_VFS_H

#include "libos/lx/lx.h"

void vfs_init(const void *cpio, size_t size); /* fill the root from a cpio archive */
void vfs_devices_init(void); /* then /dev, /proc and descriptors 0, 1 and 2 (after stream_init) */

#define LX_NFD 1048576       /* descriptors per process at most: RLIMIT_NOFILE's ceiling, Linux's nr_open */
#define LX_PATH_MAX 4096     /* bytes of a path, with its NUL */
#define LX_NAME_MAX 255      /* bytes of one component */
#define LX_SYMLOOP_MAX 40    /* symlinks followed in one lookup */

/* One name in a directory. cookie orders entries and is what getdents' offset records. */
struct dentry {
	char *name;
	struct inode *inode;
	uint64_t cookie;
	struct dentry *next;
	struct dentry *prev;            /* the one before on the list (NULL: the first) */
	struct dentry *hnext;           /* the next in its bucket of the directory's hash (vfs.c) */
	uint32_t hash;                  /* of name (vfs.c's name_hash) */
	uint32_t len;                   /* name's length */
};

/* A file n that produces its whole text when opened (procfs): a new buffer in *buf, its length in *len; 0 or -errno. */
typedef long (*gen_fn)(struct inode *n, char **buf, size_t *len);

/* A node: regular file, directory, symlink or character device. */
struct inode {
	uint64_t ino;
	uint32_t mode;                  /* S_IF* | permission bits */
	uint32_t uid, gid, nlink;
	uint64_t size;                  /* regular: bytes; symlink: target length */
	struct linux_timespec atime, mtime, ctime;
	int refs;                       /* open files and cwd holding it */
	/* regular file: the archive's bytes until first changed, then whole pages (NULL: a hole of zeros) */
	const char *archived;           /* the boot image's copy, read-only; NULL once the file has pages */
	char **pages;                   /* page i holds bytes [i * PAGE_SIZE, (i + 1) * PAGE_SIZE) */
	uint64_t npages;                /* entries in pages */
	int maps;                       /* shared mappings of it (MAP_SHARED), in every process */
	struct lock_list *locks;        /* fcntl record locks (filelock.c); NULL until the first */
	struct lock_list *flocks;       /* flock locks, likewise */
	struct ring *fifo;              /* FIFO: its pipe while some end is open (pipe.c) */
	struct pty *pty;                /* a pty's slave /dev/pts/N: its pair while the node exists (pty.c) */
	/* symlink target */
	char *data;                     /* NUL-terminated; NULL when size is 0 */
	/* directory */
	struct dentry *entries;         /* ascending cookie */
	struct dentry *last_entry;      /* the end of entries, where dir_add appends */
	struct dentry **hash;           /* once it has DIR_HASH_MIN entries: hash_size buckets of them by name (vfs.c) */
	uint32_t hash_size, nentries;   /* buckets (a power of 2; 0: no hash yet); entries */
	uint64_t next_cookie;           /* starts at 2: 0 is ".", 1 is ".." */
	struct inode *parent;           /* the directory holding it ("..") */
	/* device and generated files */
	const struct file_ops *dev;     /* character device: its ops */
	uint32_t rdev;
	gen_fn gen;                     /* procfs: text made at open */
	const char *(*link)(struct inode *n); /* procfs: a symlink whose target is made when it is read (NULL: none) */
	void (*refresh)(struct inode *dir); /* procfs: brings a directory's entries up to date before a lookup or listing */
	int pid, id;                    /* procfs: the process a node describes, and its descriptor or thread id */
	void *sock;                     /* socket file: the AF_UNIX socket bound to it (unix.c), NULL once that closes */
	struct xattr *xattrs;           /* extended attributes (vfs_xattr.c), NULL: none */
};

extern struct inode *vfs_root;

/* Nodes (vfs.c). */
struct inode *inode_new(uint32_t mode);
void inode_hold(struct inode *n);
void inode_release(struct inode *n);           /* drop a hold; frees when no name nor holds remain */
struct dentry *dir_find(struct inode *dir, const char *name);
long dir_add(struct inode *dir, const char *name, struct inode *n); /* 0 or -ENOMEM; n gains a link */
void dir_remove(struct inode *dir, struct dentry *d); /* n loses a link */
struct inode *vfs_mknode(struct inode *dir, const char *name, uint32_t mode); /* for dev.c and procfs.c */
long reg_resize(struct inode *n, uint64_t size); /* grow with zeros or shrink; makes the data lx's own */
long reg_write(struct inode *n, const void *buf, size_t len, uint64_t off);
long reg_read(struct inode *n, void *buf, size_t len, uint64_t off);
bool reg_bytes_at(struct inode *n, uint64_t off, const void **src, size_t *len); /* n's bytes at off in lx's memory, to its page's end */
uint64_t reg_blocks(struct inode *n);          /* st_blocks: 512-byte units of the pages it holds (0 unless regular) */
char *reg_page(struct inode *n, uint64_t i);   /* page i (inside the file) made lx's own, for a shared mapping; NULL when out of memory */
long symlink_set(struct inode *n, const char *target);
const char *symlink_target(struct inode *n); /* what symlink n points at, for the calling process */
struct linux_timespec vfs_now(void);
void inode_touch(struct inode *n, bool access, bool modify); /* modify also sets ctime */

void xattr_free(struct inode *n); /* drop n's extended attributes, as n is freed (vfs_xattr.c) */

/* Path lookup (vfs.c). */
#define LOOK_FOLLOW 1   /* follow a symlink in the last component */
#define LOOK_DIR 2      /* the last component must be a directory */
/* Where a path leads: the directory holding the last name and the node it names (NULL if none). */
struct lookup {
	struct inode *dir;
	struct inode *node;
	char name[LX_NAME_MAX + 1];
	bool slash;     /* the path ended in '/' */
	bool ro;        /* the node is in a read-only mount */
	struct lx_mount *mnt; /* the mount the last name crossed into (mount.c), or NULL */
	struct lx_mount *in[LX_MOUNTS_IN]; /* the mounts the walk is inside, as it crossed into them, innermost last */
	int nin;
};
long path_copy(const char *upath, char *buf); /* a program's path into buf[LX_PATH_MAX]; 0 or -errno */
long path_lookup(int dirfd, const char *path, int flags, struct lookup *lk); /* 0 or -errno; lk->node may be NULL */
long path_get(int dirfd, const char *upath, int flags, struct lookup *lk); /* path_copy then path_lookup */
long path_of(struct inode *n, char *buf, size_t size); /* its absolute path; length or -errno */
long path_of_cwd(struct lx_proc *p, char *buf, size_t size); /* p's cwd's, out of the mounts it is inside */

/* Mounts and chroot (mount.c): lookup consults them only while mount_active(). */
struct lx_mount;
bool mount_active(void); /* is anything mounted, or this process chrooted? */
struct inode *lx_root(void); /* this process's root: chroot's, else vfs_root */
struct inode *mount_down(struct inode *n, struct lookup *lk); /* what covers n (n if nothing); lk's ro, mnt, in */
struct inode *mount_dotdot(struct inode *dir, struct lookup *lk); /* ".." of dir, out of a mount, not above the root */
struct inode *mount_leave(struct inode *n, struct lx_mount *const *in, int *nin); /* n, or the point of in's it roots */
struct inode *mount_point_of(struct inode *n); /* the node a tmpfs root n covers (n if it is none) */
bool mount_ro_at(struct inode *n); /* is directory n in a read-only mount (by its parents)? */
long mount_gen(struct inode *n, char **buf, size_t *len); /* /proc/mounts */
long mount_gen_info(struct inode *n, char **buf, size_t *len); /* /proc/PID/mountinfo */

/* Pseudo-terminals (pty.c): /dev/ptmx and the slaves in /dev/pts. */
bool pty_node(struct inode *n); /* /dev/ptmx or a slave: file_open_inode hands it to pty_open */
long pty_open(struct inode *n, int flags, struct file **out); /* 0 with *out, or -errno */
struct inode *pty_ctty(void); /* the slave of the pty that is the calling session's controlling terminal, or NULL */
void pty_init(struct inode *dev); /* /dev/ptmx and /dev/pts */
void tty_default_termios(struct linux_termios *t); /* a new terminal's modes, the console's and a pty's (dev.c) */
/* A non-canonical read's progress (tty.c): the bytes it has seen, and when VTIME ends it (TIMEOUT_FOREVER: not yet). */
struct tty_raw {
	uint64_t seen, deadline;
};
void tty_raw_start(struct tty_raw *r, const struct linux_termios *t); /* a read begins: VTIME's timer, raw with VMIN 0 */
bool tty_raw_ready(struct tty_raw *r, const struct linux_termios *t, uint64_t avail, size_t n); /* may it return now? */

/* Opens an end of FIFO n, waiting for the other end as Linux does (pipe.c). 0 with *out, or -errno. */
long fifo_open(struct inode *n, int flags, struct file **out);

/*
 * inotify (inotify.c): the file system reports each change here. vfs_notify:
 * event mask (one IN_* event) about node n, named name in dir (both NULL when
 * the change is to n itself: the directories watched that name it are found);
 * cookie ties IN_MOVED_FROM to IN_MOVED_TO (vfs_notify_cookie), else 0.
 */
void vfs_notify(struct inode *dir, const char *name, struct inode *n, uint32_t mask, uint32_t cookie);
uint32_t vfs_notify_cookie(void);
/* dir_remove with its events: IN_DELETE if deleted (not for a name a rename replaces), IN_DELETE_SELF at the last link. */
void vfs_notify_remove(struct inode *dir, struct dentry *d, bool deleted);

/* The umask of this process (vfs.c); its working directory is lx_me->cwd. */
extern uint32_t vfs_umask;

/* ---- for the syscalls on files (vfs_path.c) ---- */
#define ISDIR(n) (((n)->mode & S_IFMT) == S_IFDIR)
#define ISFIFO(n) (((n)->mode & S_IFMT) == S_IFIFO)
#define ISREG(n) (((n)->mode & S_IFMT) == S_IFREG)
#define ISLNK(n) (((n)->mode & S_IFMT) == S_IFLNK)
/* May lx touch n bytes of the program's memory at addr? */
bool user_ok(long addr, size_t n, bool write);
/* The node of descriptor fd (or the cwd for AT_FDCWD); NULL with *err = -EBADF. */
struct inode *fd_inode(long fd, long *err);
/* (dirfd, path) to an existing node, following AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH; NULL with *err. */
struct inode *resolve(long dirfd, long upath, int at_flags, long *err);
#define RESOLVE_CHANGE 0x40000000 /* resolve's at_flags: to change the node (-EROFS in a read-only mount) */

#endif
