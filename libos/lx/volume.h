/* File systems served from outside lx's tree (host folders over 9P, FUSE servers): the mount table and path calls (volume.c), open files and descriptor calls (volume_fd.c). */
#ifndef LX_VOLUME_H
#define LX_VOLUME_H

#include "libos/lx/vfs.h"
#include "libos/lx/ninep.h"
#include <mica/ninep.h>

/*
 * What serves a volume's files: 9P2000.L over virtio (ninep.c) or a FUSE
 * server in another process (fuse.c). Both speak in fids, numbers that
 * name a node (and, once opened, an open file) on connection conn; each
 * call is as ninep.h describes the 9P one: 0 (or a count) or -errno.
 */
struct cpage;
/* One page of a file mapped shared, as a volume's pages call finds it. */
struct vol_page {
	char *data; /* the disk cache's page, held, or NULL: the page does not lie whole on a disk lx holds */
	struct cpage *hold; /* (blkdev.h) */
};

struct vol_ops {
	uint32_t (*fid_new)(uint32_t conn);
	long (*walk)(uint32_t conn, uint32_t fid, uint32_t newfid, const char *name); /* name NULL: clone */
	long (*walk_names)(uint32_t conn, uint32_t fid, uint32_t newfid, const char *const *names, int n,
			   uint8_t *types); /* types: P9_QT_* of each name walked */
	void (*clunk)(uint32_t conn, uint32_t fid);
	long (*lopen)(uint32_t conn, uint32_t fid, uint32_t flags);
	/* EEXIST when flags have O_EXCL and folder fid has name already (O_EXCL creates do not walk to it first) */
	long (*lcreate)(uint32_t conn, uint32_t fid, const char *name, uint32_t flags, uint32_t mode);
	long (*read)(uint32_t conn, uint32_t fid, void *buf, size_t n, uint64_t off);
	long (*write)(uint32_t conn, uint32_t fid, const void *buf, size_t n, uint64_t off);
	/* The n pages of open fid from off (page-aligned) for a shared mapping: pg[i] the disk cache's page where
	 * page i lies whole on a disk lx holds (held: blkdev_page_put gives it back). The file's size, or -errno.
	 * NULL: the volume's files lie on no disk of lx's (9P). */
	long (*pages)(uint32_t conn, uint32_t fid, uint64_t off, int n, struct vol_page *pg);
	long (*getattr)(uint32_t conn, uint32_t fid, struct p9_attr *a);
	long (*setattr)(uint32_t conn, uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size,
			const uint64_t times[4]);
	long (*chown)(uint32_t conn, uint32_t fid, uint32_t uid, uint32_t gid); /* (uint32_t)-1: unchanged */
	long (*readdir)(uint32_t conn, uint32_t fid, uint64_t off, struct p9_dirent *out, size_t max, size_t *n);
	long (*mkdir)(uint32_t conn, uint32_t dfid, const char *name, uint32_t mode);
	long (*symlink)(uint32_t conn, uint32_t dfid, const char *name, const char *target);
	long (*link)(uint32_t conn, uint32_t dfid, uint32_t fid, const char *name);
	long (*renameat)(uint32_t conn, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname);
	long (*unlinkat)(uint32_t conn, uint32_t dfid, const char *name, uint32_t flags);
	long (*fsync)(uint32_t conn, uint32_t fid);
	/* Write back all the server keeps of the file system (sync, syncfs): 0 or -errno. NULL: it keeps nothing
	 * back (a 9P server writes each message through to the host's files). */
	long (*syncfs)(uint32_t conn);
	long (*readlink)(uint32_t conn, uint32_t fid, char *buf, size_t size);
	long (*statfs)(uint32_t conn, uint32_t fid, struct linux_statfs *s);
};
extern const struct vol_ops p9_vol_ops; /* ninep.c */
extern const struct vol_ops fuse_vol_ops; /* fuse.c */

/* A mounted volume: its guest path (absolute, without a trailing slash), its server and the fid of its root. */
struct volume {
	const struct vol_ops *ops;
	uint32_t share, root; /* share: the 9P share, or the FUSE connection */
	bool ro;
	bool gone; /* unmounted: no new path reaches it (its open files still may) */
	char *guest;
	size_t glen;
	const char *type, *source; /* what /proc/mounts says of it */
	struct vlock *locks; /* stand-in nodes for its files' locks (volume_fd.c) */
	struct vshadow *shadows; /* the pages of its files mapped shared (volume_fd.c) */
	uint32_t dev; /* st_dev of its files */
};

/* Where a path in a volume leads: the volume, the absolute path, and its part inside the volume ("" for the root). */
struct vpath {
	struct volume *v;
	char *path; /* LX_PATH_MAX bytes, in lx's heap (vpath_free) */
	const char *rel;
};

/* An open file of a volume (struct file's priv): its fid, and its absolute path for *at calls and getcwd. */
struct vfile {
	struct volume *v;
	struct vlock *lock; /* the stand-in node its locks are kept on, once it has taken one; else NULL */
	uint32_t fid;
	bool dir;
	uint64_t ino; /* the file's inode number once asked for (vfile_ino), else 0 */
	char path[];
};

/* The file ino of v is about to be cut to size (truncate, O_TRUNC): its shared pages not wholly within size stop
 * being the disk cache's, whose blocks the server may free and give another file (the page it then ends in too:
 * with blocks smaller than a page, some of its blocks go). 0, or -ENOMEM (then do not cut it). */
long vol_shadow_cutting(struct volume *v, uint64_t ino, uint64_t size);
/* The file ino of v was cut or grown to size (truncate): its shared pages past size are zeros now. */
void vol_shadow_resized(struct volume *v, uint64_t ino, uint64_t size);
/* fork: the child inherits this process's shared mappings of volume files (a hold on each file and shadow). */
void vol_maps_fork(void);
void vol_maps_fork_abandon(void); /* the fork failed: undo vol_maps_fork */
void vol_maps_fork_child(uint64_t parent_env); /* in the child: the inherited mappings become its own */
extern const struct file_ops vol_file_ops;

/* volume.c */
void volume_init(const char *table, const char *cwd); /* mount .mica/volumes's shares, then enter cwd (may be NULL) */
const struct volume *volume_nth(int i); /* the mounted volume i, NULL past the last (for /proc/mounts) */
/* mount(2) of a FUSE file system: the server's /dev/fuse descriptor and its options in data ("fd=N,rootmode=..."). */
long volume_mount_fuse(const char *source, const char *target, const char *type, unsigned long flags, const char *data);
/* mount(MS_MOVE) of a volume's mount point usource to target (absolute, lx memory): 1 when no volume is there; 0; -errno */
long volume_move(uint64_t usource, const char *target);
long volume_remount(uint64_t utarget,
		    bool ro); /* mount(MS_REMOUNT) of a volume: 1 when no volume is there; 0; -errno */
long volume_umount(uint64_t utarget); /* umount2 of a program's path: 1 when no volume holds it; 0; -errno */
/* A volume mounted by another process since this one last looked: from now on this one's path and descriptor
 * calls go to volume.c too (syscall.c asks before every call, when LX_SH->vol_mounts differs from vol_seen). */
extern uint32_t vol_seen;
void volume_catch_up(void);
void volume_sync_all(void); /* sync(2) for the volumes: every writable one's server writes back what it keeps */
/*
 * (dirfd, upath) as an absolute path in a volume, its directories resolved
 * (symlinks followed, ".." taken): 0 with *vp; 1 when it is not in one; 2
 * when a volume's symlink led out of the volumes (*vp with v NULL, its path
 * in lx's tree); -errno.
 */
long vpath_get(long dirfd, uint64_t upath, struct vpath *vp);
long vpath_make(long dirfd, const char *path, struct vpath *vp); /* the same for a path in lx's memory */
void vpath_free(struct vpath *vp);
/* A new fid for rel of v: the node itself (follow: through a symlink at the end). 0 with *fid, or -errno. */
long vol_walk(struct volume *v, const char *rel, uint32_t *fid);
long vol_follow(struct vpath *vp, uint32_t fid,
		const struct p9_attr *at); /* a symlink's target: 2 in a volume, 1 outside, 0 not a link */
char *vol_last_slash(const char *s); /* the last '/' in s, or NULL */
void vol_stat_fill(const struct p9_attr *at, const struct volume *v, struct linux_stat *st);

/* fuse.c: the server's side of a FUSE mount */
extern const struct file_ops fuse_dev_ops; /* /dev/fuse */
/* Mount the /dev/fuse open at fd: its connection in *conn and the fid of its root in *root. 0 or -errno. */
long fuse_mount(int fd, uint32_t *conn, uint32_t *root);
void fuse_unmount(uint32_t conn); /* the mount is gone: the server reads ENODEV, waiting calls fail */

/* A syscall the volumes take part in, by its name in syscalls.def: *mine false leaves it to lx's own. */
struct vol_hook {
	const char *name;
	long (*fn)(const long *a, bool *mine);
};

/* volume_fd.c */
extern const struct vol_hook vol_fd_hooks[]; /* ends with a NULL name */
long vfile_stat(struct vfile *vf, uint64_t ust); /* fstat: 0 or -errno */
struct vfile *vfile_of(long fd); /* the volume file open at fd, or NULL */
/* The node that stands for volume file f's file in lx's locks (filelock.c), made at need; NULL for another file. */
struct inode *vfile_lock_node(struct file *f);
struct inode *vfile_lock_held(struct file *f); /* the same, only if it is made already */
long vol_open(struct vpath *vp, long flags, long mode); /* a descriptor, or -errno */
/* The file at path (lx's memory) opened to be run, if it is a volume's: NULL with *err 1 when it is not, or -errno. */
struct file *vol_open_exec(const char *path, long *err);

#endif
