/* Host folders mounted in lx's tree over 9P: the mount table and path calls (volume.c), open files and descriptor calls (volume_fd.c). */
#ifndef LX_VOLUME_H
#define LX_VOLUME_H

#include "libos/lx/vfs.h"
#include "libos/lx/ninep.h"
#include <mica/ninep.h>

/* A mounted share: its guest path (absolute, without a trailing slash) and the fid of its root. */
struct volume {
	uint32_t share, root;
	bool ro;
	char *guest;
	size_t glen;
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
	uint32_t fid;
	bool dir;
	char path[];
};

extern const struct file_ops vol_file_ops;

/* volume.c */
void volume_init(const char *table, const char *cwd); /* mount .mica/volumes's shares, then enter cwd (may be NULL) */
const char *volume_nth(int i, bool *ro); /* volume i's guest path and *ro, NULL past the last (for /proc/mounts) */
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

/* A syscall the volumes take part in, by its name in syscalls.def: *mine false leaves it to lx's own. */
struct vol_hook {
	const char *name;
	long (*fn)(const long *a, bool *mine);
};

/* volume_fd.c */
extern const struct vol_hook vol_fd_hooks[]; /* ends with a NULL name */
long vfile_stat(struct vfile *vf, uint64_t ust); /* fstat: 0 or -errno */
struct vfile *vfile_of(long fd); /* the volume file open at fd, or NULL */
long vol_open(struct vpath *vp, long flags, long mode); /* a descriptor, or -errno */
/* The file at path (lx's memory) opened to be run, if it is a volume's: NULL with *err 1 when it is not, or -errno. */
struct file *vol_open_exec(const char *path, long *err);

#endif
