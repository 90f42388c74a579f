/* lx's 9P2000.L client over the kernel's virtio-9p transport (ninep.c), for the volumes (volume.c). */
#ifndef LX_NINEP_H
#define LX_NINEP_H

#include "libos/lx/lx.h"

#define P9_NOFID 0xFFFFFFFFu
#define P9_WALK_MAX 16 /* names in one Twalk */
#define P9_QT_DIR 0x80 /* a qid's type bits */
#define P9_QT_SYMLINK 0x02

/* What Tgetattr answers (the fields lx uses). */
struct p9_attr {
	uint64_t ino; /* the qid's path */
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	struct linux_timespec atime, mtime, ctime;
};

/* One entry of a Treaddir answer. */
struct p9_dirent {
	uint64_t ino, next;
	uint8_t type;
	char name[256];
};

/* Every call: 0 (or a count) or -errno (the server's Rlerror, -EIO when the transport fails, -ENAMETOOLONG). */
long p9_attach(uint32_t share, uint32_t *root);
uint32_t p9_fid_new(uint32_t share);
long p9_walk(uint32_t share, uint32_t fid, uint32_t newfid, const char *name); /* name NULL: clone fid */
/*
 * Walk fid to newfid through names[0 .. n) (1 to P9_WALK_MAX), each walked
 * name's qid type (P9_QT_*) into types: how many were walked (newfid made
 * only when all n were), or -errno when not even the first was.
 */
long p9_walk_names(uint32_t share, uint32_t fid, uint32_t newfid, const char *const *names, int n, uint8_t *types);
void p9_clunk(uint32_t share, uint32_t fid);
long p9_lopen(uint32_t share, uint32_t fid, uint32_t flags);
long p9_lcreate(uint32_t share, uint32_t fid, const char *name, uint32_t flags, uint32_t mode);
long p9_read(uint32_t share, uint32_t fid, void *buf, size_t n, uint64_t off);
long p9_write(uint32_t share, uint32_t fid, const void *buf, size_t n, uint64_t off);
long p9_getattr(uint32_t share, uint32_t fid, struct p9_attr *a);
/* valid: P9_SET_* bits; times as (sec, nsec) pairs, atime then mtime. */
long p9_setattr(uint32_t share, uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size, const uint64_t times[4]);
long p9_chown(uint32_t share, uint32_t fid, uint32_t uid, uint32_t gid); /* (uint32_t)-1: unchanged */
long p9_readdir(uint32_t share, uint32_t fid, uint64_t off, struct p9_dirent *out, size_t max, size_t *n);
long p9_mkdir(uint32_t share, uint32_t dfid, const char *name, uint32_t mode);
long p9_symlink(uint32_t share, uint32_t dfid, const char *name, const char *target);
long p9_link(uint32_t share, uint32_t dfid, uint32_t fid, const char *name);
long p9_renameat(uint32_t share, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname);
long p9_unlinkat(uint32_t share, uint32_t dfid, const char *name, uint32_t flags);
long p9_fsync(uint32_t share, uint32_t fid);
long p9_readlink(uint32_t share, uint32_t fid, char *buf, size_t size);
long p9_statfs(uint32_t share, uint32_t fid, struct linux_statfs *s);

/* Tsetattr's valid bits (9P2000.L's, which are Linux's ATTR_* ones). */
#define P9_SET_MODE 0x1u
#define P9_SET_UID 0x2u
#define P9_SET_GID 0x4u
#define P9_SET_SIZE 0x8u
#define P9_SET_ATIME 0x10u
#define P9_SET_MTIME 0x20u
#define P9_SET_CTIME 0x40u
#define P9_SET_ATIME_SET 0x80u
#define P9_SET_MTIME_SET 0x100u

#endif
