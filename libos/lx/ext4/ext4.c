/* mica-ext4: an ext2/3/4 file system server for lx, on e2fsprogs' libext2fs, speaking the FUSE protocol on /dev/fuse. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <ext2fs/ext2fs.h>
#include "libos/lx/fuse_mica.h"

/*
 * One process serves one file system at one mount point: it reads FUSE
 * requests from /dev/fuse, one at a time, and answers each with what
 * libext2fs makes of the disk (a block device, or an image file).
 *
 * Node ids are inode numbers (the root, inode 2, is node 1 as FUSE wants),
 * so a node needs no table of its own; the server counts only what the
 * client holds of a node (lookups, opens) to free an unlinked inode when
 * the last hold goes, as Linux frees an open file removed.
 *
 * What makes it faster than a general FUSE server over libext2fs:
 * - a folder's names are read once into an index in memory (name, inode,
 *   type, and the folder block holding the entry), so that a lookup, a
 *   listing and a removal do not read the folder through;
 * - a new name goes into the folder's last block, or a new one (a folder
 *   with a hash index, as Linux makes them, gets it through libext2fs's
 *   own htree insertion);
 * - the superblock, group descriptors and bitmaps, which libext2fs keeps in
 *   memory, are written back at fsync, syncfs and the unmount, not at
 *   every change; inodes, folders and data go to the disk at once (the
 *   disk's cache below in lx holds them until a flush).
 * It writes in place without the journal, as fuse2fs does: the file
 * system is marked not clean while mounted, and `mica run` runs e2fsck on
 * an image that was not unmounted cleanly.
 */

#define MAX_WRITE (128 * 1024)
#define BUF_SIZE (MAX_WRITE + 4096)
#define NODE_BUCKETS 4096
#define INODES_KEPT 32 /* in libext2fs's inode cache */
#define ROOT EXT2_ROOT_INO
#define PAGE 4096 /* lx's page: one of a file's that lies whole on a page of the disk maps lx's disk cache */

static ext2_filsys fs;
static int dev = -1;
static bool readonly;
static uint32_t proto_minor;
static char *blockbuf; /* one block, for folder blocks */
static uint64_t map_dev; /* the device's number when it is a block device (FUSE_MICA_MAP is answered then), or 0 */

/* ---- errors ---- */

/* The errno for a libext2fs error code. */
static int err_of(errcode_t e)
{
	if (e > 0 && e < 4096)
		return (int)e; /* an errno from the I/O layer */
	switch (e) {
	case 0:
		return 0;
	case EXT2_ET_FILE_NOT_FOUND:
		return ENOENT;
	case EXT2_ET_BLOCK_ALLOC_FAIL:
	case EXT2_ET_INODE_ALLOC_FAIL:
	case EXT2_ET_DIR_NO_SPACE:
	case EXT2_ET_EA_NO_SPACE:
		return ENOSPC;
	case EXT2_ET_RO_FILSYS:
		return EROFS;
	case EXT2_ET_NO_MEMORY:
		return ENOMEM;
	case EXT2_ET_FILE_TOO_BIG:
		return EFBIG;
	case EXT2_ET_DIR_EXISTS:
	case EXT2_ET_FILE_EXISTS:
		return EEXIST;
	case EXT2_ET_TOO_MANY_REFS:
		return EMLINK;
	default:
		return EIO;
	}
}

/* ---- inodes ---- */

static ext2_ino_t ino_of(uint64_t nodeid)
{
	return nodeid == FUSE_ROOT_ID ? ROOT : (ext2_ino_t)nodeid;
}

static uint64_t nodeid_of(ext2_ino_t ino)
{
	return ino == ROOT ? FUSE_ROOT_ID : ino;
}

/* Read inode ino whole: 0 or an errno. A number out of range is ENOENT (a stale or forged node id). */
static int inode_get(ext2_ino_t ino, struct ext2_inode_large *in)
{
	if (ino < EXT2_FIRST_INODE(fs->super) && ino != ROOT)
		return ENOENT;
	if (ino > fs->super->s_inodes_count)
		return ENOENT;
	memset(in, 0, sizeof(*in));
	return err_of(ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)in, sizeof(*in)));
}

static int inode_put(ext2_ino_t ino, struct ext2_inode_large *in)
{
	return err_of(ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)in, sizeof(*in)));
}

/* Whether inode in has room for the nanosecond fields (its extra size reaches them). */
static bool has_extra(const struct ext2_inode_large *in)
{
	return EXT2_INODE_SIZE(fs->super) > EXT2_GOOD_OLD_INODE_SIZE &&
	       in->i_extra_isize >= offsetof(struct ext2_inode_large, i_crtime) - EXT2_GOOD_OLD_INODE_SIZE;
}

static uint32_t extra_of(const struct timespec *t)
{
	return ((uint32_t)t->tv_nsec << EXT4_EPOCH_BITS) |
	       ((uint32_t)(((uint64_t)t->tv_sec - (uint64_t)(int32_t)t->tv_sec) >> 32) & EXT4_EPOCH_MASK);
}

static struct timespec time_of(uint32_t sec, uint32_t extra, bool extra_valid)
{
	struct timespec t = { (int32_t)sec, 0 };
	if (extra_valid) {
		t.tv_sec += (int64_t)(extra & EXT4_EPOCH_MASK) << 32;
		t.tv_nsec = extra >> EXT4_EPOCH_BITS;
	}
	return t;
}

enum { T_A = 1, T_M = 2, T_C = 4, T_CR = 8 }; /* which times: access, modification, change, creation */

/* Set the times named by which (T_A | T_M | ...) of inode in to t. */
static void times_set(struct ext2_inode_large *in, int which, const struct timespec *t)
{
	bool x = has_extra(in);
	if (which & T_A) {
		in->i_atime = (uint32_t)t->tv_sec;
		if (x)
			in->i_atime_extra = extra_of(t);
	}
	if (which & T_M) {
		in->i_mtime = (uint32_t)t->tv_sec;
		if (x)
			in->i_mtime_extra = extra_of(t);
	}
	if (which & T_C) {
		in->i_ctime = (uint32_t)t->tv_sec;
		if (x)
			in->i_ctime_extra = extra_of(t);
	}
	if ((which & T_CR) && x) {
		in->i_crtime = (uint32_t)t->tv_sec;
		in->i_crtime_extra = extra_of(t);
	}
}

/* The time a change stamps on an inode: the coarse clock's, as Linux's ext4 stamps (its last tick's), so
 * that the writes of one tick change the times once. */
static struct timespec now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME_COARSE, &t);
	return t;
}

static void touch(struct ext2_inode_large *in, int which)
{
	struct timespec t = now();
	times_set(in, which, &t);
}

static void attr_fill(ext2_ino_t ino, const struct ext2_inode_large *in, struct fuse_attr *a)
{
	bool x = has_extra(in);
	struct timespec at = time_of(in->i_atime, in->i_atime_extra, x);
	struct timespec mt = time_of(in->i_mtime, in->i_mtime_extra, x);
	struct timespec ct = time_of(in->i_ctime, in->i_ctime_extra, x);
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->size = EXT2_I_SIZE(in);
	a->blocks = ext2fs_get_stat_i_blocks(fs, (struct ext2_inode *)in);
	a->atime = (uint64_t)at.tv_sec, a->atimensec = (uint32_t)at.tv_nsec;
	a->mtime = (uint64_t)mt.tv_sec, a->mtimensec = (uint32_t)mt.tv_nsec;
	a->ctime = (uint64_t)ct.tv_sec, a->ctimensec = (uint32_t)ct.tv_nsec;
	a->mode = in->i_mode;
	a->nlink = in->i_links_count;
	if (LINUX_S_ISDIR(in->i_mode) && in->i_links_count == 1)
		a->nlink = 1; /* dir_nlink: too many to count */
	a->uid = inode_uid(*in);
	a->gid = inode_gid(*in);
	if (LINUX_S_ISCHR(in->i_mode) || LINUX_S_ISBLK(in->i_mode)) {
		uint32_t old = in->i_block[0], new = in->i_block[1];
		a->rdev = old ? ((old >> 8) & 0xff) << 8 | (old & 0xff)
			      : ((new & 0xfff00) >> 8) << 8 | (new & 0xff) | ((new >> 12) & 0xfff00);
	}
	a->blksize = fs->blocksize;
}

/* The EXT2_FT_ type of a mode. */
static int ftype_of(uint32_t mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG:
		return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR:
		return EXT2_FT_DIR;
	case LINUX_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO:
		return EXT2_FT_FIFO;
	case LINUX_S_IFSOCK:
		return EXT2_FT_SOCK;
	case LINUX_S_IFLNK:
		return EXT2_FT_SYMLINK;
	default:
		return EXT2_FT_UNKNOWN;
	}
}

/* ---- what the client holds of each node ---- */

struct dirent_ix; /* a folder's names, below */

struct node {
	ext2_ino_t ino;
	uint64_t lookups; /* entries handed to the client, not yet forgotten */
	uint32_t opens;
	bool doomed; /* unlinked for good: freed when the last hold goes */
	struct dirix *ix; /* a folder's names, once read */
	struct node *next;
};

static struct node *nodes[NODE_BUCKETS];

static struct node **node_slot(ext2_ino_t ino)
{
	struct node **p = &nodes[ino % NODE_BUCKETS];
	while (*p && (*p)->ino != ino)
		p = &(*p)->next;
	return p;
}

static struct node *node_find(ext2_ino_t ino)
{
	return *node_slot(ino);
}

/* The node of ino, made if new: NULL when out of memory. */
static struct node *node_get(ext2_ino_t ino)
{
	struct node **p = node_slot(ino);
	if (!*p) {
		*p = calloc(1, sizeof(**p));
		if (*p)
			(*p)->ino = ino;
	}
	return *p;
}

static void ix_free(struct dirix *ix);
static int inode_release(ext2_ino_t ino);

/* Drop node n if nothing holds it any more (freeing its inode if it was unlinked for good). */
static void node_settle(struct node *n)
{
	if (n->lookups || n->opens || n->ino == ROOT)
		return;
	if (n->doomed)
		inode_release(n->ino);
	struct node **p = node_slot(n->ino);
	*p = n->next;
	ix_free(n->ix);
	free(n);
}

/* ---- a folder's names ---- */

struct dname {
	ext2_ino_t ino; /* 0: removed (a gap left while the folder is open) */
	int32_t lblk; /* the folder block holding it; -1: not known */
	uint8_t type, len;
	uint32_t next; /* the next name in its hash chain, plus one; 0 ends it */
	char *name;
};

struct dirix {
	struct dname *v;
	uint32_t n, cap, gaps;
	uint32_t *heads; /* hash chains: index of the first name, plus one */
	uint32_t nheads;
};

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static void ix_free(struct dirix *ix)
{
	if (!ix)
		return;
	for (uint32_t i = 0; i < ix->n; i++)
		free(ix->v[i].name);
	free(ix->v);
	free(ix->heads);
	free(ix);
}

static void ix_chain(struct dirix *ix, uint32_t i)
{
	uint32_t h = name_hash(ix->v[i].name, ix->v[i].len) & (ix->nheads - 1);
	ix->v[i].next = ix->heads[h];
	ix->heads[h] = i + 1;
}

/* Rebuild the hash chains of ix with room for at least want names; false when out of memory. */
static bool ix_rehash(struct dirix *ix, uint32_t want)
{
	uint32_t nh = 64;
	while (nh < want * 2)
		nh *= 2;
	uint32_t *heads = calloc(nh, sizeof(*heads));
	if (!heads)
		return false;
	free(ix->heads);
	ix->heads = heads;
	ix->nheads = nh;
	for (uint32_t i = 0; i < ix->n; i++)
		if (ix->v[i].ino)
			ix_chain(ix, i);
	return true;
}

/* Add a name to ix: 0 or ENOMEM. */
static int ix_add(struct dirix *ix, const char *name, size_t len, ext2_ino_t ino, int type, int32_t lblk)
{
	if (ix->n == ix->cap) {
		uint32_t cap = ix->cap ? ix->cap * 2 : 16;
		struct dname *v = realloc(ix->v, cap * sizeof(*v));
		if (!v)
			return ENOMEM;
		ix->v = v, ix->cap = cap;
	}
	if (ix->n * 2 >= ix->nheads && !ix_rehash(ix, ix->n + 1))
		return ENOMEM;
	char *s = malloc(len + 1);
	if (!s)
		return ENOMEM;
	memcpy(s, name, len);
	s[len] = 0;
	ix->v[ix->n] = (struct dname){ ino, lblk, (uint8_t)type, (uint8_t)len, 0, s };
	ix_chain(ix, ix->n++);
	return 0;
}

/* The name len bytes long at name in ix, or NULL. */
static struct dname *ix_find(struct dirix *ix, const char *name, size_t len)
{
	uint32_t h = name_hash(name, len) & (ix->nheads - 1);
	for (uint32_t i = ix->heads[h]; i; i = ix->v[i - 1].next) {
		struct dname *d = &ix->v[i - 1];
		if (d->ino && d->len == len && memcmp(d->name, name, len) == 0)
			return d;
	}
	return NULL;
}

/* Take d out of ix (its slot stays, a gap, so that a listing's positions hold); the gaps go while no one lists it. */
static void ix_remove(struct dirix *ix, struct dname *d, bool listed)
{
	uint32_t h = name_hash(d->name, d->len) & (ix->nheads - 1);
	uint32_t at = (uint32_t)(d - ix->v) + 1;
	for (uint32_t *p = &ix->heads[h]; *p; p = &ix->v[*p - 1].next)
		if (*p == at) {
			*p = d->next;
			break;
		}
	d->ino = 0;
	ix->gaps++;
	if (listed || ix->gaps * 2 < ix->n)
		return;
	uint32_t k = 0;
	for (uint32_t i = 0; i < ix->n; i++) {
		if (ix->v[i].ino)
			ix->v[k++] = ix->v[i];
		else
			free(ix->v[i].name);
	}
	ix->n = k, ix->gaps = 0;
	ix_rehash(ix, k); /* cannot fail for want of memory here: no larger than before */
}

/*
 * Folder blocks whose checksum was found good, or set here, since the mount (a block maps to slot block %
 * DIR_OK_SLOTS): read again without checking it, as Linux checks a block once, when it comes from the disk.
 * Nothing but this server writes the disk while it is mounted, and it writes every folder block with its checksum.
 */
#define DIR_OK_SLOTS 1024
static blk64_t dir_ok[DIR_OK_SLOTS];

/* Folder block lblk of folder ino (inode in), read into blockbuf and its checksum checked: 0, or an errno; *pblk its place. */
static int dirblock_read(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t lblk, blk64_t *pblk)
{
	errcode_t e = ext2fs_bmap2(fs, ino, (struct ext2_inode *)in, NULL, 0, lblk, NULL, pblk);
	if (e)
		return err_of(e);
	if (*pblk == 0)
		return ENOENT; /* a hole */
	bool known = dir_ok[*pblk % DIR_OK_SLOTS] == *pblk;
	int flags = fs->flags;
	if (known)
		fs->flags |= EXT2_FLAG_IGNORE_CSUM_ERRORS;
	e = ext2fs_read_dir_block4(fs, *pblk, blockbuf, 0, ino);
	fs->flags = flags;
	if (e == 0)
		dir_ok[*pblk % DIR_OK_SLOTS] = *pblk;
	return err_of(e);
}

/* Write blockbuf, folder dir's block at pblk, with its checksum: 0 or an errno. */
static int dirblock_write(ext2_ino_t dir, blk64_t pblk)
{
	errcode_t e = ext2fs_write_dir_block4(fs, pblk, blockbuf, 0, dir);
	if (e == 0)
		dir_ok[pblk % DIR_OK_SLOTS] = pblk;
	return err_of(e);
}

static size_t dirblock_limit(void)
{
	return fs->blocksize - (ext2fs_has_feature_metadata_csum(fs->super) ? sizeof(struct ext2_dir_entry_tail) : 0);
}

/* Read folder ino's names into a new index: 0 or an errno (EIO for a malformed folder block). */
static int ix_build(ext2_ino_t ino, struct dirix **out)
{
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r)
		return r;
	if (!LINUX_S_ISDIR(in.i_mode))
		return ENOTDIR;
	if (in.i_flags & EXT4_INLINE_DATA_FL)
		return EOPNOTSUPP;
	struct dirix *ix = calloc(1, sizeof(*ix));
	if (!ix || !ix_rehash(ix, 16)) {
		free(ix);
		return ENOMEM;
	}
	blk64_t nblk = EXT2_I_SIZE(&in) / fs->blocksize;
	for (blk64_t b = 0; b < nblk && r == 0; b++) {
		blk64_t p;
		r = dirblock_read(ino, &in, b, &p);
		if (r == ENOENT) {
			r = 0;
			continue;
		}
		for (size_t off = 0; r == 0 && off < fs->blocksize;) {
			struct ext2_dir_entry *d = (struct ext2_dir_entry *)(blockbuf + off);
			unsigned int rl;
			if (ext2fs_get_rec_len(fs, d, &rl) || rl < 8 || off + rl > fs->blocksize ||
			    (d->inode && (size_t)ext2fs_dirent_name_len(d) + 8 > rl)) {
				r = EIO;
				break;
			}
			int len = ext2fs_dirent_name_len(d);
			bool dot =
				(len == 1 && d->name[0] == '.') || (len == 2 && d->name[0] == '.' && d->name[1] == '.');
			if (d->inode && len && !dot)
				r = ix_add(ix, d->name, (size_t)len, d->inode, ext2fs_dirent_file_type(d), (int32_t)b);
			off += rl;
		}
	}
	if (r) {
		ix_free(ix);
		return r;
	}
	*out = ix;
	return 0;
}

/* The name index of folder node n, built if need be: NULL with *err set. */
static struct dirix *ix_of(struct node *n, int *err)
{
	if (!n->ix)
		*err = ix_build(n->ino, &n->ix);
	return n->ix;
}

/* Look name up in folder dir: its inode (and type), or 0 with *err set (ENOENT when it is not there). */
static ext2_ino_t dir_lookup(ext2_ino_t dir, const char *name, int *type, int *err)
{
	struct node *n = node_get(dir);
	*err = ENOMEM;
	struct dirix *ix = n ? ix_of(n, err) : NULL;
	if (!ix) {
		if (n)
			node_settle(n);
		return 0;
	}
	struct dname *d = ix_find(ix, name, strlen(name));
	*err = d ? 0 : ENOENT;
	if (type)
		*type = d ? d->type : 0;
	ext2_ino_t ino = d ? d->ino : 0;
	node_settle(n);
	return ino;
}

/* Put the entry (name, ino, type) into folder block lblk (in blockbuf, at pblk) if it fits: true when it did. */
static bool dirblock_insert(ext2_ino_t dir, blk64_t pblk, const char *name, size_t len, ext2_ino_t ino, int type,
			    int *err)
{
	unsigned int need = EXT2_DIR_REC_LEN(len);
	size_t limit = dirblock_limit();
	for (size_t off = 0; off < limit;) {
		struct ext2_dir_entry *d = (struct ext2_dir_entry *)(blockbuf + off);
		unsigned int rl, used;
		if (ext2fs_get_rec_len(fs, d, &rl) || rl < 8 || off + rl > limit) {
			*err = EIO;
			return false;
		}
		used = d->inode ? EXT2_DIR_REC_LEN(ext2fs_dirent_name_len(d)) : 0;
		if (rl >= used + need) {
			struct ext2_dir_entry *e = d;
			if (used) {
				ext2fs_set_rec_len(fs, used, d);
				e = (struct ext2_dir_entry *)(blockbuf + off + used);
				ext2fs_set_rec_len(fs, rl - used, e);
			}
			e->inode = ino;
			ext2fs_dirent_set_name_len(e, (int)len);
			ext2fs_dirent_set_file_type(e, type);
			memcpy(e->name, name, len);
			*err = dirblock_write(dir, pblk);
			return true;
		}
		off += rl;
	}
	return false;
}

/*
 * Add the name (name, ino, type) to folder dir, which has no such name: 0 or an errno. A folder with a hash
 * index gets it from libext2fs (htree insertion); another in its last block, grown by one block if full.
 */
static int dir_link(ext2_ino_t dir, const char *name, ext2_ino_t ino, int type)
{
	size_t len = strlen(name);
	if (len > EXT2_NAME_LEN)
		return ENAMETOOLONG;
	struct node *n = node_get(dir);
	int r = ENOMEM;
	struct dirix *ix = n ? ix_of(n, &r) : NULL;
	if (!ix)
		goto out;
	struct ext2_inode_large in;
	int32_t lblk = -1;
	for (int tries = 0; tries < 2; tries++) {
		if ((r = inode_get(dir, &in)) != 0)
			goto out;
		if (in.i_flags & EXT2_INDEX_FL) {
			errcode_t e = ext2fs_link(fs, dir, name, ino, type);
			r = err_of(e);
			if (e != EXT2_ET_DIR_NO_SPACE)
				break;
		} else {
			blk64_t nblk = EXT2_I_SIZE(&in) / fs->blocksize, pblk;
			r = nblk ? dirblock_read(dir, &in, nblk - 1, &pblk) : ENOENT;
			if (r == 0 && dirblock_insert(dir, pblk, name, len, ino, type, &r)) {
				lblk = (int32_t)(nblk - 1);
				break;
			}
			if (r && r != ENOENT)
				goto out;
			r = ENOSPC;
		}
		errcode_t e = ext2fs_expand_dir(fs, dir);
		if (e) {
			r = err_of(e);
			goto out;
		}
	}
	if (r == 0 && ix_add(ix, name, len, ino, type, lblk)) {
		ix_free(n->ix); /* the index is behind the folder: read it again when next wanted */
		n->ix = NULL;
	}
	if (r == 0 && inode_get(dir, &in) == 0) {
		touch(&in, T_M | T_C);
		r = inode_put(dir, &in);
	}
out:
	if (n)
		node_settle(n);
	return r;
}

/*
 * Change the entry name (of inode ino) in block lblk of folder dir: to name inode to and type type, or, when to
 * is 0, take it out. True when it was there (*err then says how the write went).
 */
static bool dirblock_edit(ext2_ino_t dir, struct ext2_inode_large *in, int32_t lblk, const char *name, size_t len,
			  ext2_ino_t ino, ext2_ino_t to, int type, int *err)
{
	blk64_t pblk;
	if (lblk < 0 || dirblock_read(dir, in, (blk64_t)lblk, &pblk))
		return false;
	struct ext2_dir_entry *prev = NULL;
	size_t limit = dirblock_limit();
	for (size_t off = 0; off < limit;) {
		struct ext2_dir_entry *d = (struct ext2_dir_entry *)(blockbuf + off);
		unsigned int rl;
		if (ext2fs_get_rec_len(fs, d, &rl) || rl < 8 || off + rl > limit)
			return false;
		if (d->inode == ino && (size_t)ext2fs_dirent_name_len(d) == len && memcmp(d->name, name, len) == 0) {
			if (to) {
				d->inode = to;
				ext2fs_dirent_set_file_type(d, type);
			} else if (prev) {
				unsigned int prl;
				ext2fs_get_rec_len(fs, prev, &prl);
				ext2fs_set_rec_len(fs, prl + rl, prev);
			} else {
				d->inode = 0;
			}
			*err = dirblock_write(dir, pblk);
			return true;
		}
		prev = d;
		off += rl;
	}
	return false;
}

/* Remove name from folder dir: 0 or an errno. (The inode it named is the caller's to settle.) */
static int dir_unlink(ext2_ino_t dir, const char *name)
{
	struct node *n = node_get(dir);
	int r = ENOMEM;
	struct dirix *ix = n ? ix_of(n, &r) : NULL;
	if (!ix)
		goto out;
	size_t len = strlen(name);
	struct dname *d = ix_find(ix, name, len);
	r = ENOENT;
	if (!d)
		goto out;
	struct ext2_inode_large in;
	if ((r = inode_get(dir, &in)) != 0)
		goto out;
	r = 0;
	if (!dirblock_edit(dir, &in, d->lblk, name, len, d->ino, 0, 0, &r))
		r = err_of(ext2fs_unlink(fs, dir, name, d->ino, 0));
	if (r)
		goto out;
	ix_remove(ix, d, n->opens > 0);
	if (inode_get(dir, &in) == 0) {
		touch(&in, T_M | T_C);
		r = inode_put(dir, &in);
	}
out:
	if (n)
		node_settle(n);
	return r;
}

/* Make name in folder dir, which names an inode, name inode ino of type type instead: 0 or an errno. */
static int dir_relink(ext2_ino_t dir, const char *name, ext2_ino_t ino, int type)
{
	struct node *n = node_get(dir);
	int r = ENOMEM;
	struct dirix *ix = n ? ix_of(n, &r) : NULL;
	size_t len = strlen(name);
	struct dname *d = ix ? ix_find(ix, name, len) : NULL;
	struct ext2_inode_large in;
	if (ix)
		r = d ? inode_get(dir, &in) : ENOENT;
	if (r == 0 && !dirblock_edit(dir, &in, d->lblk, name, len, d->ino, ino, type, &r)) {
		/* where it is is not known (a name libext2fs put into a hash index): out, then in again */
		r = err_of(ext2fs_unlink(fs, dir, name, d->ino, 0));
		if (r == 0) {
			ix_remove(ix, d, n->opens > 0);
			r = dir_link(dir, name, ino, type);
		}
		node_settle(n);
		return r;
	}
	if (r == 0) {
		d->ino = ino, d->type = (uint8_t)type;
		touch(&in, T_M | T_C);
		r = inode_put(dir, &in);
	}
	if (n)
		node_settle(n);
	return r;
}

/* ---- making and freeing inodes ---- */

/*
 * The orphan list (the superblock's s_last_orphan, then each inode's i_dtime): inodes whose last link went
 * while a program held them. e2fsck (and Linux) free what is on it after a crash.
 */
static void orphan_add(ext2_ino_t ino, struct ext2_inode_large *in)
{
	in->i_dtime = fs->super->s_last_orphan;
	fs->super->s_last_orphan = ino;
	ext2fs_mark_super_dirty(fs);
}

/* Take inode ino off the orphan list, if it is there. */
static void orphan_remove(ext2_ino_t ino, struct ext2_inode_large *in)
{
	if (fs->super->s_last_orphan == ino) {
		fs->super->s_last_orphan = in->i_dtime;
		ext2fs_mark_super_dirty(fs);
		return;
	}
	struct ext2_inode_large o;
	for (ext2_ino_t at = fs->super->s_last_orphan, n = 0; at && n < fs->super->s_inodes_count; n++) {
		if (inode_get(at, &o))
			return;
		if (o.i_dtime == ino) {
			o.i_dtime = in->i_dtime;
			inode_put(at, &o);
			return;
		}
		at = o.i_dtime;
	}
}

/* ext2fs_block_iterate3's step: give block *b back. */
static int block_free(ext2_filsys f, blk64_t *b, e2_blkcnt_t n, blk64_t ref, int off, void *arg)
{
	(void)n, (void)ref, (void)off, (void)arg;
	ext2fs_block_alloc_stats2(f, *b, -1);
	return 0;
}

/* Free inode ino and its blocks (its links are gone and nothing holds it): 0 or an errno. */
static int inode_release(ext2_ino_t ino)
{
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r)
		return r;
	if (in.i_links_count)
		return 0;
	orphan_remove(ino, &in);
	ext2fs_free_ext_attr(fs, ino, &in);
	if (ext2fs_inode_has_valid_blocks2(fs, (struct ext2_inode *)&in)) {
		/* every block, the extent tree's too, as e2fsck frees a dead inode's (ext2fs_punch of 1.47.0 refuses
		 * an extent that ends at the file system's last block) */
		errcode_t e = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, NULL, block_free, NULL);
		if (e) {
			fprintf(stderr, "mica-ext4: freeing inode %u: %s\n", ino, error_message(e));
			return err_of(e);
		}
		/* what is left is an empty tree, as Linux leaves a freed inode (e2fsck takes an inode table block
		 * of extent headers without their magic for garbage) */
		memset(in.i_block, 0, sizeof(in.i_block));
		ext2fs_iblk_set(fs, (struct ext2_inode *)&in, 0);
		ext2_extent_handle_t eh;
		if ((in.i_flags & EXT4_EXTENTS_FL) && ext2fs_extent_open2(fs, ino, (struct ext2_inode *)&in, &eh) == 0)
			ext2fs_extent_free(eh);
	}
	in.i_size = in.i_size_high = 0;
	in.i_dtime = (uint32_t)now().tv_sec;
	if ((r = inode_put(ino, &in)) != 0)
		return r;
	ext2fs_inode_alloc_stats2(fs, ino, -1, LINUX_S_ISDIR(in.i_mode));
	return 0;
}

/* Drop one link of inode ino (two for a folder: its name and its "."); free it now or when the client lets go. */
static int inode_unlink(ext2_ino_t ino)
{
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r)
		return r;
	if (LINUX_S_ISDIR(in.i_mode))
		in.i_links_count = 0;
	else if (in.i_links_count > 0)
		in.i_links_count--;
	touch(&in, T_C);
	if ((r = inode_put(ino, &in)) != 0 || in.i_links_count)
		return r;
	struct node *n = node_find(ino);
	if (n && (n->lookups || n->opens)) {
		n->doomed = true;
		orphan_add(ino, &in);
		return inode_put(ino, &in);
	}
	return inode_release(ino);
}

/*
 * The generation of a new inode: with the inode's number it names the file for as long as the file system
 * lives (FUSE's entry generation, which lx keeps with a node), an inode freed and made again being another
 * file. As Linux's ext4 numbers them: from a start drawn at mount, one more each time. (Folders and symlinks,
 * which libext2fs makes, keep its 0: a folder's blocks are checksummed with its generation as they are made.)
 */
static uint32_t generation_next(void)
{
	static uint32_t next;
	if (next == 0 && getrandom(&next, sizeof(next), 0) != sizeof(next))
		next = (uint32_t)time(NULL);
	return next++;
}

/* A new inode of the given mode in folder dir, owned by the caller: 0 or an errno, *ino its number. */
static int inode_new(ext2_ino_t dir, uint32_t mode, const struct fuse_in_header *h, ext2_ino_t *ino,
		     struct ext2_inode_large *in)
{
	errcode_t e = ext2fs_new_inode(fs, dir, (int)mode, NULL, ino);
	if (e)
		return err_of(e);
	memset(in, 0, sizeof(*in));
	in->i_mode = (uint16_t)mode;
	in->i_links_count = 1;
	in->i_generation = generation_next();
	ext2fs_set_i_uid_high(*in, h->uid >> 16);
	in->i_uid = (uint16_t)h->uid;
	ext2fs_set_i_gid_high(*in, h->gid >> 16);
	in->i_gid = (uint16_t)h->gid;
	in->i_extra_isize = sizeof(struct ext2_inode_large) - EXT2_GOOD_OLD_INODE_SIZE;
	if (in->i_extra_isize > EXT2_INODE_SIZE(fs->super) - EXT2_GOOD_OLD_INODE_SIZE)
		in->i_extra_isize = 0;
	touch(in, T_A | T_M | T_C | T_CR);
	if (ext2fs_has_feature_extents(fs->super) && !LINUX_S_ISLNK(mode)) {
		ext2_extent_handle_t eh;
		in->i_flags |= EXT4_EXTENTS_FL;
		if ((e = ext2fs_extent_open2(fs, *ino, (struct ext2_inode *)in, &eh)) != 0)
			return err_of(e);
		ext2fs_extent_free(eh);
	}
	/* the whole on-disk inode, past the fields of ext2_inode_large too, starts zero (no stale in-inode xattrs) */
	size_t isize = EXT2_INODE_SIZE(fs->super);
	char *whole = calloc(1, isize > sizeof(*in) ? isize : sizeof(*in));
	if (!whole)
		return ENOMEM;
	memcpy(whole, in, isize < sizeof(*in) ? isize : sizeof(*in));
	e = ext2fs_write_inode_full(fs, *ino, (struct ext2_inode *)whole, (int)isize);
	free(whole);
	if (e)
		return err_of(e);
	ext2fs_inode_alloc_stats2(fs, *ino, +1, 0);
	return 0;
}

/* Set the owner (the caller) and times of a folder or symlink libext2fs made. */
static int inode_own(ext2_ino_t ino, uint32_t mode, const struct fuse_in_header *h, struct ext2_inode_large *in)
{
	int r = inode_get(ino, in);
	if (r)
		return r;
	in->i_mode = (uint16_t)((in->i_mode & LINUX_S_IFMT) | (mode & 07777));
	ext2fs_set_i_uid_high(*in, h->uid >> 16);
	in->i_uid = (uint16_t)h->uid;
	ext2fs_set_i_gid_high(*in, h->gid >> 16);
	in->i_gid = (uint16_t)h->gid;
	touch(in, T_A | T_M | T_C | T_CR);
	return inode_put(ino, in);
}

/* ---- answers ---- */

static int answer(const struct fuse_in_header *h, int error, const void *body, size_t len)
{
	struct fuse_out_header o = { (uint32_t)(sizeof(o) + (error ? 0 : len)), -error, h->unique };
	struct iovec iov[2] = { { &o, sizeof(o) }, { (void *)body, error ? 0 : len } };
	ssize_t w = writev(dev, iov, 2);
	return w == (ssize_t)o.len ? 0 : -1;
}

static int answer_entry(const struct fuse_in_header *h, ext2_ino_t ino, const struct ext2_inode_large *in)
{
	struct fuse_entry_out e;
	memset(&e, 0, sizeof(e));
	struct node *n = node_get(ino);
	if (!n)
		return answer(h, ENOMEM, NULL, 0);
	n->lookups++;
	e.nodeid = nodeid_of(ino);
	e.generation = in->i_generation;
	e.entry_valid = 1;
	e.attr_valid = 1;
	attr_fill(ino, in, &e.attr);
	return answer(h, 0, &e, sizeof(e));
}

static int answer_attr(const struct fuse_in_header *h, ext2_ino_t ino, const struct ext2_inode_large *in)
{
	struct fuse_attr_out a;
	memset(&a, 0, sizeof(a));
	a.attr_valid = 1;
	attr_fill(ino, in, &a.attr);
	return answer(h, 0, &a, sizeof(a));
}

/* ---- requests ---- */

/*
 * Permissions. lx (and Linux without default_permissions) leaves them to the server: the caller's fsuid and
 * fsgid come in each request's header (its other groups do not, so they do not count). Root may do anything
 * but run a file no one may run.
 */
enum { MAY_X = 1, MAY_W = 2, MAY_R = 4 };

/* Whether the caller of h may use inode in as mask (MAY_*) asks: 0 or EACCES. */
static int may(const struct fuse_in_header *h, const struct ext2_inode_large *in, int mask)
{
	if (h->uid == 0)
		return (mask & MAY_X) && !LINUX_S_ISDIR(in->i_mode) && !(in->i_mode & 0111) ? EACCES : 0;
	int bits = in->i_mode & 7;
	if (h->uid == inode_uid(*in))
		bits = (in->i_mode >> 6) & 7;
	else if (h->gid == inode_gid(*in))
		bits = (in->i_mode >> 3) & 7;
	return (bits & mask) == mask ? 0 : EACCES;
}

/* may() for inode ino. */
static int may_ino(const struct fuse_in_header *h, ext2_ino_t ino, int mask)
{
	struct ext2_inode_large in;
	int r = h->uid == 0 && !(mask & MAY_X) ? 0 : inode_get(ino, &in);
	return r ? r : h->uid == 0 && !(mask & MAY_X) ? 0 : may(h, &in, mask);
}

/* Whether the caller may remove or rename the entry of inode victim (in) from folder dir: 0, EACCES or EPERM (sticky). */
static int may_delete(const struct fuse_in_header *h, ext2_ino_t dir, const struct ext2_inode_large *victim)
{
	struct ext2_inode_large d;
	int r = inode_get(dir, &d);
	if (r == 0)
		r = may(h, &d, MAY_W | MAY_X);
	if (r == 0 && (d.i_mode & LINUX_S_ISVTX) && h->uid != 0 && h->uid != inode_uid(d) &&
	    h->uid != inode_uid(*victim))
		r = EPERM;
	return r;
}

/* Whether name (of a request) is one a folder may hold: not empty, ".", ".." or too long. */
static int name_check(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return EINVAL;
	return len > EXT2_NAME_LEN ? ENAMETOOLONG : 0;
}

static void do_lookup(const struct fuse_in_header *h, const char *name)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = 0;
	struct ext2_inode_large in;
	int r = 0;
	if ((r = inode_get(dir, &in)) == 0)
		r = !LINUX_S_ISDIR(in.i_mode) ? ENOTDIR : may(h, &in, MAY_X);
	if (r == 0 && strcmp(name, ".") == 0)
		ino = dir;
	else if (r == 0 && strcmp(name, "..") == 0)
		r = err_of(ext2fs_lookup(fs, dir, "..", 2, NULL, &ino));
	else if (r == 0 && strlen(name) > EXT2_NAME_LEN)
		r = ENAMETOOLONG;
	else if (r == 0)
		ino = dir_lookup(dir, name, NULL, &r);
	if (r == 0)
		r = inode_get(ino, &in);
	if (r == ENOENT) { /* a negative entry, which the client may keep as long as it keeps a name */
		struct fuse_entry_out e = { .entry_valid = 1 };
		answer(h, 0, &e, sizeof(e));
	} else if (r) {
		answer(h, r, NULL, 0);
	} else {
		answer_entry(h, ino, &in);
	}
}

static void do_forget(ext2_ino_t ino, uint64_t count)
{
	struct node *n = node_find(ino);
	if (!n)
		return;
	n->lookups = count > n->lookups ? 0 : n->lookups - count;
	node_settle(n);
}

static void do_getattr(const struct fuse_in_header *h)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r)
		answer(h, r, NULL, 0);
	else
		answer_attr(h, ino, &in);
}

/* Set inode ino's size to size (inode in, written back by the caller): 0 or an errno. */
static int size_set(ext2_ino_t ino, struct ext2_inode_large *in, uint64_t size)
{
	ext2_file_t f;
	errcode_t e = ext2fs_file_open2(fs, ino, (struct ext2_inode *)in, EXT2_FILE_WRITE, &f);
	if (e)
		return err_of(e);
	e = ext2fs_file_set_size2(f, size);
	errcode_t e2 = ext2fs_file_close(f);
	if (e || e2)
		return err_of(e ? e : e2);
	return inode_get(ino, in);
}

/* Whether the caller of h may make the changes s asks of inode in (as Linux's chmod, chown, truncate, utimes). */
static int may_setattr(const struct fuse_in_header *h, const struct fuse_setattr_in *s,
		       const struct ext2_inode_large *in)
{
	bool owner = h->uid == 0 || h->uid == inode_uid(*in);
	if ((s->valid & FATTR_MODE) && !owner)
		return EPERM;
	if ((s->valid & FATTR_UID) && h->uid != 0 && s->uid != inode_uid(*in))
		return EPERM;
	if ((s->valid & FATTR_GID) && h->uid != 0 && (!owner || (s->gid != h->gid && s->gid != inode_gid(*in))))
		return EPERM;
	if ((s->valid & FATTR_SIZE) && !(s->valid & FATTR_FH) && may(h, in, MAY_W))
		return EACCES;
	if ((s->valid & (FATTR_ATIME | FATTR_MTIME)) && !owner) {
		bool given = ((s->valid & FATTR_ATIME) && !(s->valid & FATTR_ATIME_NOW)) ||
			     ((s->valid & FATTR_MTIME) && !(s->valid & FATTR_MTIME_NOW));
		return given ? EPERM : may(h, in, MAY_W); /* times of one's choosing, or now */
	}
	return 0;
}

static void do_setattr(const struct fuse_in_header *h, const struct fuse_setattr_in *s)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r == 0)
		r = may_setattr(h, s, &in);
	if (r == 0 && (s->valid & FATTR_SIZE)) {
		if (LINUX_S_ISDIR(in.i_mode))
			r = EISDIR;
		else if (!LINUX_S_ISREG(in.i_mode))
			r = EINVAL;
		else if ((r = size_set(ino, &in, s->size)) == 0)
			touch(&in, T_M | T_C);
	}
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	if (s->valid & FATTR_MODE) {
		uint32_t mode = s->mode & 07777;
		if (h->uid != 0 && h->gid != inode_gid(in))
			mode &= ~(uint32_t)LINUX_S_ISGID; /* as Linux: not in the file's group, no setgid */
		in.i_mode = (uint16_t)((in.i_mode & LINUX_S_IFMT) | mode);
	}
	if (s->valid & FATTR_UID) {
		in.i_uid = (uint16_t)s->uid;
		ext2fs_set_i_uid_high(in, s->uid >> 16);
	}
	if (s->valid & FATTR_GID) {
		in.i_gid = (uint16_t)s->gid;
		ext2fs_set_i_gid_high(in, s->gid >> 16);
	}
	struct timespec t = now();
	if (s->valid & FATTR_ATIME) {
		struct timespec a = { (time_t)s->atime, s->atimensec };
		times_set(&in, T_A, (s->valid & FATTR_ATIME_NOW) ? &t : &a);
	}
	if (s->valid & FATTR_MTIME) {
		struct timespec m = { (time_t)s->mtime, s->mtimensec };
		times_set(&in, T_M, (s->valid & FATTR_MTIME_NOW) ? &t : &m);
	}
	if (s->valid & FATTR_CTIME) {
		struct timespec c = { (time_t)s->ctime, s->ctimensec };
		times_set(&in, T_C, &c);
	} else if (s->valid & (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | FATTR_ATIME | FATTR_MTIME)) {
		times_set(&in, T_C, &t);
	}
	if ((r = inode_put(ino, &in)) != 0)
		answer(h, r, NULL, 0);
	else
		answer_attr(h, ino, &in);
}

/* Read len bytes at off of inode ino into buf: the count read, or -errno. */
static ssize_t file_read(ext2_ino_t ino, void *buf, size_t len, uint64_t off)
{
	ext2_file_t f = NULL;
	errcode_t e = ext2fs_file_open(fs, ino, 0, &f);
	unsigned int got = 0;
	if (e == 0 && (e = ext2fs_file_llseek(f, off, EXT2_SEEK_SET, NULL)) == 0)
		e = ext2fs_file_read(f, buf, (unsigned int)len, &got);
	if (f && !e)
		e = ext2fs_file_close(f);
	else if (f)
		ext2fs_file_close(f);
	return e ? -err_of(e) : (ssize_t)got;
}

static void do_readlink(const struct fuse_in_header *h)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	char buf[EXT2_MAX_BLOCK_SIZE + 1];
	int r = inode_get(ino, &in);
	if (r == 0 && !LINUX_S_ISLNK(in.i_mode))
		r = EINVAL;
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	size_t len = EXT2_I_SIZE(&in);
	if (len >= sizeof(buf)) {
		answer(h, EIO, NULL, 0);
		return;
	}
	if (ext2fs_is_fast_symlink((struct ext2_inode *)&in)) {
		memcpy(buf, in.i_block, len);
	} else {
		ssize_t got = file_read(ino, buf, len, 0);
		if (got < 0 || (size_t)got != len) {
			answer(h, got < 0 ? (int)-got : EIO, NULL, 0);
			return;
		}
	}
	answer(h, 0, buf, len);
}

/* The checks before the caller of h puts a new name into folder dir: 0 or an errno (EEXIST, EACCES, ...). */
static int new_name_check(const struct fuse_in_header *h, ext2_ino_t dir, const char *name)
{
	int r = name_check(name);
	if (r)
		return r;
	if (readonly)
		return EROFS;
	if ((r = may_ino(h, dir, MAY_W | MAY_X)) != 0)
		return r;
	dir_lookup(dir, name, NULL, &r);
	return r == 0 ? EEXIST : r == ENOENT ? 0 : r;
}

static void do_mknod_or_create(const struct fuse_in_header *h, uint32_t mode, const char *name, bool open)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = 0;
	struct ext2_inode_large in;
	int r = new_name_check(h, dir, name);
	if (r == 0 && !LINUX_S_ISREG(mode))
		r = EPERM; /* devices, FIFOs and sockets on a disk: not yet */
	if (r == 0 && (r = inode_new(dir, mode, h, &ino, &in)) == 0 && (r = dir_link(dir, name, ino, EXT2_FT_REG_FILE)))
		inode_unlink(ino);
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	struct node *n = node_get(ino);
	if (!n) {
		answer(h, ENOMEM, NULL, 0);
		return;
	}
	n->lookups++;
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out;
	memset(&out, 0, sizeof(out));
	out.e.nodeid = nodeid_of(ino);
	out.e.generation = in.i_generation;
	out.e.entry_valid = out.e.attr_valid = 1;
	attr_fill(ino, &in, &out.e.attr);
	if (open) {
		n->opens++;
		out.o.fh = ino;
	}
	if (answer(h, 0, &out, open ? sizeof(out) : sizeof(out.e)) && open)
		n->opens--;
}

static void do_mkdir(const struct fuse_in_header *h, const struct fuse_mkdir_in *m, const char *name)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = 0;
	struct ext2_inode_large in;
	int r = new_name_check(h, dir, name);
	errcode_t e = 0;
	if (r == 0 && (e = ext2fs_new_inode(fs, dir, LINUX_S_IFDIR, NULL, &ino)) == 0)
		e = ext2fs_mkdir(fs, dir, ino, NULL);
	if (r == 0 && e)
		r = err_of(e);
	if (r == 0 && (r = dir_link(dir, name, ino, EXT2_FT_DIR)) != 0) {
		inode_unlink(ino);
		if (inode_get(dir, &in) == 0 && in.i_links_count > 1) {
			in.i_links_count--;
			inode_put(dir, &in);
		}
	}
	if (r == 0)
		r = inode_own(ino, m->mode & ~m->umask, h, &in);
	if (r)
		answer(h, r, NULL, 0);
	else
		answer_entry(h, ino, &in);
}

static void do_symlink(const struct fuse_in_header *h, const char *name, const char *target)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = 0;
	struct ext2_inode_large in;
	int r = new_name_check(h, dir, name);
	errcode_t e = 0;
	if (r == 0 && strlen(target) >= fs->blocksize)
		r = ENAMETOOLONG;
	if (r == 0 && (e = ext2fs_new_inode(fs, dir, LINUX_S_IFLNK, NULL, &ino)) == 0)
		e = ext2fs_symlink(fs, dir, ino, NULL, target);
	if (r == 0 && e)
		r = err_of(e);
	if (r == 0 && (r = dir_link(dir, name, ino, EXT2_FT_SYMLINK)) != 0)
		inode_unlink(ino);
	if (r == 0)
		r = inode_own(ino, 0777, h, &in);
	if (r)
		answer(h, r, NULL, 0);
	else
		answer_entry(h, ino, &in);
}

/* Whether folder ino holds no name but "." and "..": 1, 0, or -errno. */
static int dir_empty(ext2_ino_t ino)
{
	struct node *n = node_get(ino);
	int r = ENOMEM;
	struct dirix *ix = n ? ix_of(n, &r) : NULL;
	int empty = ix ? ix->n == ix->gaps : -r;
	if (n)
		node_settle(n);
	return empty;
}

static void do_unlink(const struct fuse_in_header *h, const char *name, bool rmdir)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = 0;
	struct ext2_inode_large in;
	int r = readonly ? EROFS : name_check(name);
	if (r == 0)
		ino = dir_lookup(dir, name, NULL, &r);
	if (r == 0)
		r = inode_get(ino, &in);
	if (r == 0)
		r = may_delete(h, dir, &in);
	if (r == 0 && rmdir && !LINUX_S_ISDIR(in.i_mode))
		r = ENOTDIR;
	if (r == 0 && !rmdir && LINUX_S_ISDIR(in.i_mode))
		r = EISDIR;
	if (r == 0 && rmdir) {
		int e = dir_empty(ino);
		r = e < 0 ? -e : e ? 0 : ENOTEMPTY;
	}
	if (r == 0)
		r = dir_unlink(dir, name);
	if (r == 0)
		r = inode_unlink(ino);
	if (r == 0 && rmdir && inode_get(dir, &in) == 0) {
		if (in.i_links_count > 1)
			in.i_links_count--;
		r = inode_put(dir, &in);
	}
	answer(h, r, NULL, 0);
}

/* Point the ".." of folder ino at parent: 0 or an errno. */
static int dotdot_set(ext2_ino_t ino, ext2_ino_t parent)
{
	struct ext2_inode_large in;
	blk64_t pblk;
	int r = inode_get(ino, &in);
	if (r == 0)
		r = dirblock_read(ino, &in, 0, &pblk);
	if (r)
		return r;
	struct ext2_dir_entry *d = (struct ext2_dir_entry *)blockbuf;
	unsigned int rl;
	if (ext2fs_get_rec_len(fs, d, &rl) || rl < 12 || rl + 12 > fs->blocksize)
		return EIO;
	d = (struct ext2_dir_entry *)(blockbuf + rl);
	if (ext2fs_dirent_name_len(d) != 2 || memcmp(d->name, "..", 2) != 0)
		return EIO;
	d->inode = parent;
	return dirblock_write(ino, pblk);
}

/* Add delta to the link count of inode ino. */
static int links_add(ext2_ino_t ino, int delta)
{
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r)
		return r;
	if (delta < 0 && in.i_links_count <= 1)
		return 0; /* a folder counted as "too many" stays so */
	in.i_links_count = (uint16_t)(in.i_links_count + delta);
	touch(&in, T_C);
	return inode_put(ino, &in);
}

static void do_rename(const struct fuse_in_header *h, uint64_t newdir_id, uint32_t flags, const char *old,
		      const char *new)
{
	ext2_ino_t dir = ino_of(h->nodeid), newdir = ino_of(newdir_id), ino = 0, over = 0;
	struct ext2_inode_large in, oin;
	int r = readonly ? EROFS : flags ? EINVAL : name_check(old);
	int type = 0, otype = 0;
	if (r == 0)
		r = name_check(new);
	if (r == 0)
		ino = dir_lookup(dir, old, &type, &r);
	if (r == 0)
		r = inode_get(ino, &in);
	if (r == 0)
		r = may_delete(h, dir, &in);
	if (r == 0 && newdir != dir)
		r = may_ino(h, newdir, MAY_W | MAY_X);
	if (r == 0 && newdir != dir && LINUX_S_ISDIR(in.i_mode))
		r = may(h, &in, MAY_W); /* its ".." changes */
	if (r == 0) {
		over = dir_lookup(newdir, new, &otype, &r);
		r = r == ENOENT ? 0 : r;
	}
	if (r == 0 && over && over != ino && (r = inode_get(over, &oin)) == 0)
		r = may_delete(h, newdir, &oin);
	if (r == 0 && over == ino) {
		answer(h, 0, NULL, 0); /* two names of one file: nothing to do */
		return;
	}
	bool isdir = LINUX_S_ISDIR(in.i_mode);
	if (r == 0 && over && (r = inode_get(over, &oin)) == 0) {
		if (isdir && !LINUX_S_ISDIR(oin.i_mode))
			r = ENOTDIR;
		else if (!isdir && LINUX_S_ISDIR(oin.i_mode))
			r = EISDIR;
		else if (isdir) {
			int e = dir_empty(over);
			r = e < 0 ? -e : e ? 0 : ENOTEMPTY;
		}
	}
	if (r == 0 && over && (r = dir_relink(newdir, new, ino, type)) == 0) {
		r = inode_unlink(over);
		if (r == 0 && isdir)
			r = links_add(newdir, -1);
	} else if (r == 0 && !over) {
		r = dir_link(newdir, new, ino, type);
	}
	if (r == 0)
		r = dir_unlink(dir, old);
	if (r == 0 && isdir && dir != newdir && (r = dotdot_set(ino, newdir)) == 0 && (r = links_add(dir, -1)) == 0)
		r = links_add(newdir, +1);
	if (r == 0 && inode_get(ino, &in) == 0) {
		touch(&in, T_C);
		r = inode_put(ino, &in);
	}
	answer(h, r, NULL, 0);
}

static void do_link(const struct fuse_in_header *h, const struct fuse_link_in *l, const char *name)
{
	ext2_ino_t dir = ino_of(h->nodeid), ino = ino_of(l->oldnodeid);
	struct ext2_inode_large in;
	int r = new_name_check(h, dir, name);
	if (r == 0)
		r = inode_get(ino, &in);
	if (r == 0 && LINUX_S_ISDIR(in.i_mode))
		r = EPERM;
	if (r == 0 && in.i_links_count >= EXT2_LINK_MAX)
		r = EMLINK;
	if (r == 0)
		r = dir_link(dir, name, ino, ftype_of(in.i_mode));
	if (r == 0) {
		in.i_links_count++;
		touch(&in, T_C);
		r = inode_put(ino, &in);
	}
	if (r)
		answer(h, r, NULL, 0);
	else
		answer_entry(h, ino, &in);
}

static void do_open(const struct fuse_in_header *h, const struct fuse_open_in *o, bool dir)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	int r = inode_get(ino, &in);
	if (r == 0 && dir && !LINUX_S_ISDIR(in.i_mode))
		r = ENOTDIR;
	if (r == 0 && readonly && (o->flags & O_ACCMODE) != O_RDONLY)
		r = EROFS;
	int acc = o->flags & O_ACCMODE;
	if (r == 0)
		r = may(h, &in, (acc != O_WRONLY ? MAY_R : 0) | (acc != O_RDONLY || (o->flags & O_TRUNC) ? MAY_W : 0));
	if (r == 0 && !dir && (o->flags & O_TRUNC) && (r = size_set(ino, &in, 0)) == 0) {
		touch(&in, T_M | T_C);
		r = inode_put(ino, &in);
	}
	struct node *n = r == 0 ? node_get(ino) : NULL;
	if (r == 0 && !n)
		r = ENOMEM;
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	n->opens++;
	struct fuse_open_out out = { .fh = ino };
	if (answer(h, 0, &out, sizeof(out))) {
		n->opens--;
		node_settle(n);
	}
}

static void do_release(const struct fuse_in_header *h)
{
	struct node *n = node_find(ino_of(h->nodeid));
	if (n && n->opens) {
		n->opens--;
		node_settle(n);
	}
	answer(h, 0, NULL, 0);
}

/*
 * The run of blocks of an extent tree (handle eh) from lb, no further than last, that lie together: its length,
 * with *pblk where it starts on the disk (0: a hole) and *uninit whether it is an unwritten extent; 0, with
 * *err, on an error. A hole runs to the next extent where the tree says where that is, else one block.
 */
static blk64_t extent_run(ext2_extent_handle_t eh, blk64_t lb, blk64_t last, blk64_t *pblk, bool *uninit,
			  errcode_t *err)
{
	struct ext2fs_extent x;
	errcode_t g = ext2fs_extent_goto2(eh, 0, lb);
	*pblk = 0, *uninit = false, *err = 0;
	if (g == 0 && (g = ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x)) == 0 && lb >= x.e_lblk &&
	    lb < x.e_lblk + x.e_len) {
		blk64_t n = x.e_lblk + x.e_len - lb;
		*pblk = x.e_pblk + (lb - x.e_lblk);
		*uninit = (x.e_flags & EXT2_EXTENT_FLAGS_UNINIT) != 0;
		return n < last + 1 - lb ? n : last + 1 - lb;
	}
	if (g && g != EXT2_ET_EXTENT_NOT_FOUND) {
		*err = g;
		return 0;
	}
	blk64_t end = lb + 1; /* a hole: of one block, unless the extent after it is found */
	if (ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x) == 0 && x.e_lblk > lb)
		end = x.e_lblk;
	else if ((g = ext2fs_extent_get(eh, EXT2_EXTENT_NEXT_LEAF, &x)) == 0 && x.e_lblk > lb)
		end = x.e_lblk;
	else if (g == 0 || g == EXT2_ET_EXTENT_NO_NEXT || g == EXT2_ET_NO_CURRENT_NODE)
		end = last + 1; /* no extent after it (the next leaf after the last is the first again) */
	return (end < last + 1 ? end : last + 1) - lb;
}

/*
 * Read blocks first..last of the extent-mapped inode in (ino) into buf: each run of blocks that lie together on
 * the disk in one read (libext2fs's own file reads go a block at a time). Holes and unwritten extents read as
 * zeros. 0 or an errno.
 */
static int blocks_read(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t first, blk64_t last, char *buf)
{
	ext2_extent_handle_t eh = NULL;
	errcode_t e = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &eh);
	for (blk64_t lb = first, n, pblk; e == 0 && lb <= last; lb += n, buf += n * fs->blocksize) {
		bool uninit;
		if ((n = extent_run(eh, lb, last, &pblk, &uninit, &e)) == 0)
			break;
		if (pblk == 0 || uninit)
			memset(buf, 0, n * fs->blocksize);
		else
			e = io_channel_read_blk64(fs->io, pblk, (int)n, buf);
	}
	if (eh)
		ext2fs_extent_free(eh);
	return err_of(e);
}

static void do_read(const struct fuse_in_header *h, const struct fuse_read_in *rd, char *stage)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	size_t len = rd->size > MAX_WRITE ? MAX_WRITE : rd->size;
	int r = inode_get(ino, &in);
	uint64_t size = EXT2_I_SIZE(&in), off = rd->offset;
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	if (off >= size || len == 0) {
		answer(h, 0, NULL, 0);
		return;
	}
	if (len > size - off)
		len = (size_t)(size - off);
	if ((in.i_flags & EXT4_EXTENTS_FL) && !(in.i_flags & EXT4_INLINE_DATA_FL)) {
		blk64_t first = off / fs->blocksize, last = (off + len - 1) / fs->blocksize;
		r = blocks_read(ino, &in, first, last, stage);
		answer(h, r, stage + off % fs->blocksize, len);
		return;
	}
	ssize_t got = file_read(ino, stage, len, off); /* block maps of ext2/3, inline data: libext2fs's own way */
	answer(h, got < 0 ? (int)-got : 0, stage, got < 0 ? 0 : (size_t)got);
}

/* Add file blocks [lb, lb + n) at pblk (0: a hole) to the extents of a map answer, joined to the last if they follow it. */
static void map_add(struct fuse_map_out *o, struct fuse_map_extent *x, blk64_t lb, blk64_t n, blk64_t pblk)
{
	uint64_t off = lb * fs->blocksize, len = n * fs->blocksize, addr = pblk ? pblk * fs->blocksize : FUSE_MAP_HOLE;
	struct fuse_map_extent *last = o->count ? &x[o->count - 1] : NULL;
	if (last && (addr == FUSE_MAP_HOLE ? last->addr == FUSE_MAP_HOLE
					   : last->addr != FUSE_MAP_HOLE && last->addr + last->length == addr))
		last->length += len;
	else
		x[o->count++] = (struct fuse_map_extent){ off, len, addr };
}

/*
 * FUSE_MICA_MAP (fuse_mica.h): where the bytes m asks for of a regular, extent-mapped file lie on the disk, the
 * answer built in out. ENOSYS when the disk is no block device lx could read, EOPNOTSUPP for a file whose blocks
 * are mapped otherwise (ext2/3's block maps, inline data: READ serves those).
 */
static void do_map(const struct fuse_in_header *h, const struct fuse_map_in *m, char *out)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	struct fuse_map_out *o = (struct fuse_map_out *)out;
	struct fuse_map_extent *x = (struct fuse_map_extent *)(o + 1);
	int r = map_dev ? inode_get(ino, &in) : ENOSYS;
	if (r == 0 && !LINUX_S_ISREG(in.i_mode))
		r = EINVAL;
	else if (r == 0 && (!(in.i_flags & EXT4_EXTENTS_FL) || (in.i_flags & EXT4_INLINE_DATA_FL)))
		r = EOPNOTSUPP;
	if (r) {
		answer(h, r, NULL, 0);
		return;
	}
	*o = (struct fuse_map_out){ .file_size = EXT2_I_SIZE(&in), .dev = map_dev };
	uint64_t size = o->file_size, end = m->offset >= size            ? m->offset
					    : m->size < size - m->offset ? m->offset + m->size
									 : size;
	ext2_extent_handle_t eh = NULL;
	errcode_t e = m->offset < end ? ext2fs_extent_open2(fs, ino, (struct ext2_inode *)&in, &eh) : 0;
	for (blk64_t lb = m->offset / fs->blocksize, last = eh ? (end - 1) / fs->blocksize : 0, n, pblk;
	     eh && e == 0 && lb <= last && o->count < FUSE_MAP_EXTENTS_MAX; lb += n) {
		bool uninit;
		if ((n = extent_run(eh, lb, last, &pblk, &uninit, &e)) != 0)
			map_add(o, x, lb, n, uninit ? 0 : pblk);
	}
	if (eh)
		ext2fs_extent_free(eh);
	if (e)
		answer(h, err_of(e), NULL, 0);
	else
		answer(h, 0, out, sizeof(*o) + o->count * sizeof(*x));
}

/*
 * Write blocks first..last of the extent-mapped inode in (ino) from data, if each is mapped (to an extent that
 * is not unwritten), each run that lies together on the disk in one request: 0, EAGAIN when a block is not
 * mapped so (nothing was written), or an errno. *hole: some were holes, and ext2fs_fallocate may map them:
 * not when every extent of the file lies after first, for then libext2fs 1.47.0 fills the whole hole up to
 * the first extent, however few blocks were asked.
 */
static int runs_write(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t first, blk64_t last, const char *data,
		      bool *hole)
{
	ext2_extent_handle_t eh = NULL;
	struct ext2fs_extent x;
	errcode_t e = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &eh);
	blk64_t lb, n, pblk;
	bool uninit, unwritten = false, holes = false, after = false;
	if (e == 0) {
		errcode_t g = ext2fs_extent_goto2(eh, 0, first);
		after = (g == 0 || g == EXT2_ET_EXTENT_NOT_FOUND) &&
			ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x) == 0 && x.e_lblk > first;
	}
	for (lb = first; e == 0 && lb <= last && (n = extent_run(eh, lb, last, &pblk, &uninit, &e)); lb += n) {
		unwritten |= uninit;
		holes |= pblk == 0 && !uninit;
	}
	*hole = holes && !unwritten && !after; /* fallocate would not make an unwritten extent written */
	int r = e ? err_of(e) : unwritten || holes ? EAGAIN : 0;
	for (lb = first; r == 0 && lb <= last; lb += n) {
		if ((n = extent_run(eh, lb, last, &pblk, &uninit, &e)) == 0)
			r = err_of(e);
		else if (pblk == 0 || uninit)
			r = EIO; /* not as the look above found it */
		else
			r = err_of(io_channel_write_blk64(fs->io, pblk, (int)n, data + (lb - first) * fs->blocksize));
	}
	if (eh)
		ext2fs_extent_free(eh);
	return r;
}

/*
 * Join the extent of inode in (ino) that begins at block lb to the one before it in its leaf when the two
 * follow each other in the file and on the disk, as Linux's ext4 grows an extent: libext2fs 1.47.0's
 * ext2fs_fallocate makes a new extent for every run it maps, so a file written 128 KiB at a time would
 * have an extent per write, and every look in its tree would scan them all. The later extent goes first,
 * so that a crash between the two steps leaves blocks marked used that no file maps (what e2fsck -p
 * mends), never two extents over the same blocks. 0 (also when there is nothing to join) or an errcode.
 */
static errcode_t extent_join(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t lb)
{
	ext2_extent_handle_t eh;
	struct ext2fs_extent x, p;
	struct ext2_extent_info info;
	errcode_t e = ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &eh);
	if (e)
		return e;
	if (ext2fs_extent_goto2(eh, 0, lb) == 0 && ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x) == 0 &&
	    x.e_lblk == lb && ext2fs_extent_get_info(eh, &info) == 0 &&
	    ext2fs_extent_get(eh, EXT2_EXTENT_PREV_SIB, &p) == 0 && p.e_lblk + p.e_len == x.e_lblk &&
	    p.e_pblk + p.e_len == x.e_pblk && !((p.e_flags | x.e_flags) & EXT2_EXTENT_FLAGS_UNINIT) &&
	    p.e_len + x.e_len <= info.max_len) {
		p.e_len += x.e_len;
		if ((e = ext2fs_extent_get(eh, EXT2_EXTENT_NEXT_SIB, &x)) == 0 &&
		    (e = ext2fs_extent_delete(eh, 0)) == 0 && (e = ext2fs_extent_goto2(eh, 0, p.e_lblk)) == 0)
			e = ext2fs_extent_replace(eh, 0, &p);
	}
	ext2fs_extent_free(eh);
	return e;
}

/*
 * Write n blocks of inode in's (blocks first on) from data at free disk blocks pblk on, count them in in (its
 * blocks; its size grown to reach them) and mark them in use, for the caller to map them next: 0, or an
 * errcode with none marked. Should the mapping fail, the caller marks them free again and drops in.
 */
static errcode_t blocks_claim(struct ext2_inode_large *in, blk64_t first, blk64_t n, blk64_t pblk, const char *data)
{
	uint64_t size = EXT2_I_SIZE(in), end = (first + n) * fs->blocksize;
	errcode_t e = io_channel_write_blk64(fs->io, pblk, (int)n, data);
	if (e == 0 && (e = ext2fs_iblk_add_blocks(fs, (struct ext2_inode *)in, n)) == 0 &&
	    (e = ext2fs_inode_size_set(fs, (struct ext2_inode *)in, end > size ? end : size)) == 0)
		ext2fs_block_alloc_stats_range(fs, pblk, n, +1);
	return e;
}

/*
 * Write n blocks at block first of the extent-mapped inode in (ino) from data when they continue the file's
 * extent that ends at block first - 1, on the disk too (the n blocks after it are free), and no extent lies
 * beyond it within them: they are allocated there and the extent grows over them, as Linux's ext4 allocates
 * at its goal, the block after the last. One look in the extent tree and one change of it, where
 * ext2fs_fallocate's way costs several looks and changes, each writing the inode again. The data goes
 * first, so that the extent never covers blocks not yet written, and the size grows with it. 0 (in changed;
 * *stored true when the extent lies in the inode, whose change wrote in whole, else the caller writes it
 * back), EAGAIN when the blocks are not so (nothing is changed), or an errno.
 */
static int extent_grow(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t first, blk64_t n, const char *data,
		       bool *stored)
{
	ext2_extent_handle_t eh;
	struct ext2fs_extent x, next;
	struct ext2_extent_info info;
	if (first == 0 || ext2fs_has_feature_bigalloc(fs->super) || /* (a block of a cluster may be taken) */
	    ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &eh))
		return EAGAIN;
	int r = EAGAIN;
	errcode_t g;
	if (ext2fs_extent_goto2(eh, 0, first - 1) == 0 && ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x) == 0 &&
	    x.e_lblk + x.e_len == first && !(x.e_flags & EXT2_EXTENT_FLAGS_UNINIT) &&
	    ext2fs_extent_get_info(eh, &info) == 0 && x.e_len + n <= info.max_len &&
	    x.e_pblk + x.e_len + n <= ext2fs_blocks_count(fs->super) &&
	    ext2fs_free_blocks_count(fs->super) >= n + 64 && /* (as blocks_write leaves a nearly full disk) */
	    ext2fs_test_block_bitmap_range2(fs->block_map, x.e_pblk + x.e_len, (unsigned)n) &&
	    ((g = ext2fs_extent_get(eh, EXT2_EXTENT_NEXT_LEAF, &next)) == EXT2_ET_EXTENT_NO_NEXT ||
	     (g == 0 && (next.e_lblk <= x.e_lblk || next.e_lblk >= first + n))) && /* (after the last: the first) */
	    ext2fs_extent_goto2(eh, 0, first - 1) == 0) {
		blk64_t pblk = x.e_pblk + x.e_len;
		errcode_t e = blocks_claim(in, first, n, pblk, data);
		x.e_len += n;
		if (e == 0 && (e = ext2fs_extent_replace(eh, 0, &x)) != 0)
			ext2fs_block_alloc_stats_range(fs, pblk, n, -1); /* (the caller drops in) */
		*stored = e == 0 && info.curr_level == 0;
		r = err_of(e);
	}
	ext2fs_extent_free(eh);
	return r;
}

/*
 * Placement on file systems whose blocks are smaller than a page. lx maps a
 * page of a file from its disk cache only where the page lies whole on one
 * page of the disk (fuse.c), which a block of 1 KiB (mke2fs's choice for
 * images under 512 MiB) is not by itself. So a file's data block goes where
 * its place in the file and its place on the disk are the same modulo a
 * page: block lb of a file at a disk block whose number is lb modulo
 * blocks_per_page. A run written whole (a page of the file's at a time) is
 * then whole pages of the disk. With 4 KiB blocks every block is a page.
 */
static blk64_t blocks_per_page(void)
{
	return fs->blocksize < PAGE ? PAGE / fs->blocksize : 1;
}

/*
 * The first block at or after goal (else from the first data block) that begins a run of n free blocks and
 * whose number is phase modulo blocks_per_page: 0 when there is none.
 */
static blk64_t run_find(blk64_t goal, blk64_t n, blk64_t phase)
{
	blk64_t r = blocks_per_page(), lo = fs->super->s_first_data_block, end = ext2fs_blocks_count(fs->super);
	if (goal < lo || goal >= end)
		goal = lo;
	for (blk64_t b = goal, from = goal;;) {
		blk64_t z, used;
		if (ext2fs_find_first_zero_block_bitmap2(fs->block_map, b, end - 1, &z) == 0) {
			z += (phase % r + r - z % r) % r;
			if (z < end && n <= end - z) {
				if (ext2fs_test_block_bitmap_range2(fs->block_map, z, (unsigned)n))
					return z;
				if (ext2fs_find_first_set_block_bitmap2(fs->block_map, z, z + n - 1, &used) == 0) {
					b = used + 1;
					continue;
				}
			}
		}
		if (from == lo)
			return 0;
		b = from = lo; /* once more from the start */
	}
}

/*
 * Write n blocks at block first of the extent-mapped inode in (ino) from data when no extent of the file
 * reaches block first or lies within the n after it (a new file's first write, an append past the last
 * extent that extent_grow could not continue): a free run in the right place (above) near the block before,
 * or near the file's goal, written, then one extent inserted over it. One look in the extent tree and one
 * insert, where ext2fs_fallocate's way takes several and places blocks where the first free run lies.
 * 0 (in changed; *stored as for extent_grow), EAGAIN when it is not so or no such run is free (nothing is
 * changed), or an errno.
 */
static int extent_add(ext2_ino_t ino, struct ext2_inode_large *in, blk64_t first, blk64_t n, const char *data,
		      bool *stored)
{
	ext2_extent_handle_t eh;
	struct ext2fs_extent x = { 0 }, next, add = { .e_lblk = first, .e_len = (uint32_t)n };
	struct ext2_extent_info info;
	if (ext2fs_has_feature_bigalloc(fs->super) || n > EXT_INIT_MAX_LEN ||
	    ext2fs_free_blocks_count(fs->super) < n + 64 || /* (as blocks_write leaves a nearly full disk) */
	    ext2fs_extent_open2(fs, ino, (struct ext2_inode *)in, &eh))
		return EAGAIN;
	errcode_t g = ext2fs_extent_goto2(eh, 0, first);
	bool some = g == EXT2_ET_EXTENT_NOT_FOUND && ext2fs_extent_get(eh, EXT2_EXTENT_CURRENT, &x) == 0;
	bool alone; /* no extent reaches block first or lies within the n after it */
	if (some) { /* x lies before block first, or is the first extent, after it */
		g = x.e_lblk + x.e_len <= first ? ext2fs_extent_get(eh, EXT2_EXTENT_NEXT_LEAF, &next) : EAGAIN;
		alone = (g == EXT2_ET_EXTENT_NO_NEXT || /* (the next leaf after the last is the first again) */
			 (g == 0 && (next.e_lblk <= x.e_lblk || next.e_lblk >= first + n))) &&
			ext2fs_extent_goto2(eh, 0, x.e_lblk) == 0;
	} else {
		alone = ext2fs_extent_get_info(eh, &info) == 0 && info.max_depth == 0 && info.num_entries == 0;
	}
	blk64_t goal = !alone ? 0
		       : some ? x.e_pblk + (first - x.e_lblk) /* (where x would reach it) */
			      : ext2fs_find_inode_goal(fs, ino, (struct ext2_inode *)in, first);
	blk64_t pblk = alone ? run_find(goal, n, first) : 0;
	int r = EAGAIN;
	if (pblk) {
		errcode_t e = blocks_claim(in, first, n, pblk, data);
		add.e_pblk = pblk;
		if (e == 0 && (e = ext2fs_extent_insert(eh, some ? EXT2_EXTENT_INSERT_AFTER : 0, &add)) != 0)
			ext2fs_block_alloc_stats_range(fs, pblk, n, -1); /* (the caller drops in) */
		if (e == 0)
			e = ext2fs_extent_fix_parents(eh);
		*stored = e == 0 && ext2fs_extent_get_info(eh, &info) == 0 && info.max_depth == 0;
		r = err_of(e);
	}
	ext2fs_extent_free(eh);
	return r;
}

/*
 * Write len bytes (whole blocks) at off (a block's start) of the extent-mapped inode in (ino) from data: the
 * blocks missing allocated at once (ext2fs_fallocate, in runs, where ext2fs_file_write takes one at a time),
 * then each run that lies together on the disk written in one request. The size grows to cover them. 0 (with
 * *stored true when in is on the disk as it is, else the caller writes it back), EAGAIN when the way of
 * ext2fs_file_write is for it (a file near a full disk, with unwritten extents in the way, or a hole before
 * its first extent), or an errno.
 */
static int blocks_write(ext2_ino_t ino, struct ext2_inode_large *in, uint64_t off, size_t len, const char *data,
			bool *stored)
{
	blk64_t first = off / fs->blocksize, n = len / fs->blocksize, last = first + n - 1;
	bool hole;
	*stored = false;
	bool append = off >= EXT2_I_SIZE(in);
	int r = append ? extent_grow(ino, in, first, n, data, stored) : EAGAIN;
	if (r == EAGAIN && append)
		r = extent_add(ino, in, first, n, data, stored);
	if (r == EAGAIN)
		r = runs_write(ino, in, first, last, data, &hole);
	if (r == EAGAIN && hole && ext2fs_free_blocks_count(fs->super) >= n + 64) {
		/* fallocate changes in (its tree's root, i_blocks) and writes it only in part: in is the one to keep */
		errcode_t e =
			ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT, ino, (struct ext2_inode *)in, ~0ULL, first, n);
		if (e == 0)
			e = extent_join(ino, in, first);
		r = e ? err_of(e) : runs_write(ino, in, first, last, data, &hole);
		if (r == EAGAIN) /* (nothing was written) */
			r = EIO; /* fallocate left a block unmapped: not as libext2fs promises */
	}
	if (r == 0 && off + len > EXT2_I_SIZE(in))
		r = err_of(ext2fs_inode_size_set(fs, (struct ext2_inode *)in, off + len));
	return r;
}

static void do_write(const struct fuse_in_header *h, const struct fuse_write_in *w, const char *data)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct ext2_inode_large in;
	ext2_file_t f = NULL;
	bool filed = false; /* the rest went ext2fs_file_write's way (whose close wrote the inode) */
	unsigned int put = 0, more = 0;
	int r = readonly ? EROFS : inode_get(ino, &in), b = EAGAIN;
	struct ext2_inode_large disk = in; /* the inode as it is on the disk, while it is known */
	bool stored = false;
	errcode_t e = 0;
	/* the blocks it writes whole go blocks_write's way; the rest (all, when that way is not for it) ext2fs_file_write's */
	uint32_t whole = w->offset % fs->blocksize ? 0 : w->size - w->size % fs->blocksize, from = 0;
	if (r == 0 && whole && (in.i_flags & EXT4_EXTENTS_FL) && !(in.i_flags & EXT4_INLINE_DATA_FL)) {
		b = blocks_write(ino, &in, w->offset, whole, data, &stored); /* in: as it is to be written back */
		if (stored)
			disk = in;
	}
	if (b != EAGAIN) {
		r = b;
		put = from = b ? 0 : whole;
	}
	if (r == 0 && from < w->size && from && !stored && (r = inode_put(ino, &in)) == 0)
		disk = in; /* (ext2fs_file_write reads it back from the disk as it maps a block) */
	if (r == 0 && from < w->size &&
	    !(e = ext2fs_file_open2(fs, ino, (struct ext2_inode *)&in, EXT2_FILE_WRITE, &f)) &&
	    !(e = ext2fs_file_llseek(f, w->offset + from, EXT2_SEEK_SET, NULL)))
		e = ext2fs_file_write(f, data + from, w->size - from, &more);
	put += more;
	if (f) {
		errcode_t e2 = ext2fs_file_close(f);
		e = e ? e : e2;
		filed = true;
	}
	if (r == 0 && e)
		r = err_of(e);
	bool mark = put && (!filed || inode_get(ino, &in) == 0); /* (the times and mode a write changes) */
	if (mark && filed)
		disk = in; /* as ext2fs_file_close wrote it */
	if (mark) {
		touch(&in, T_M | T_C);
		if (!(in.i_mode & LINUX_S_IXGRP)) /* a write drops set-id bits, as Linux does (setgid alone: locking) */
			in.i_mode &= (uint16_t)~LINUX_S_ISUID;
		else
			in.i_mode &= (uint16_t) ~(LINUX_S_ISUID | LINUX_S_ISGID);
		if (memcmp(&disk, &in, sizeof(in)) != 0) { /* (within a tick, an overwrite changes nothing) */
			int r2 = inode_put(ino, &in);
			r = r ? r : r2;
		}
	}
	if (r && put == 0) {
		answer(h, r, NULL, 0);
		return;
	}
	struct fuse_write_out out = { .size = put };
	answer(h, 0, &out, sizeof(out));
}

static void do_statfs(const struct fuse_in_header *h)
{
	struct fuse_statfs_out o;
	memset(&o, 0, sizeof(o));
	struct ext2_super_block *s = fs->super;
	blk64_t overhead = s->s_first_data_block; /* as Linux's ext4 counts with its minixdf option off */
	for (dgrp_t g = 0; g < fs->group_desc_count; g++)
		overhead += ext2fs_bg_has_super(fs, g) ? 1 + fs->desc_blocks + s->s_reserved_gdt_blocks : 0;
	overhead += fs->group_desc_count * (2 + fs->inode_blocks_per_group);
	if (ext2fs_has_feature_journal(s) && s->s_journal_inum) {
		struct ext2_inode_large j;
		if (inode_get(s->s_journal_inum, &j) == 0)
			overhead += EXT2_I_SIZE(&j) / fs->blocksize;
	}
	blk64_t blocks = ext2fs_blocks_count(s), bfree = ext2fs_free_blocks_count(s), res = ext2fs_r_blocks_count(s);
	o.st.blocks = blocks > overhead ? blocks - overhead : 0;
	o.st.bfree = bfree;
	o.st.bavail = bfree > res ? bfree - res : 0;
	o.st.files = s->s_inodes_count;
	o.st.ffree = s->s_free_inodes_count;
	o.st.bsize = fs->blocksize;
	o.st.frsize = fs->blocksize;
	o.st.namelen = EXT2_NAME_LEN;
	answer(h, 0, &o, sizeof(o));
}

/*
 * ext2fs_punch of libext2fs 1.47.0 refuses to free an extent that ends at the file system's last block, so a
 * file holding it could not be truncated: while mounted, the last block, if free, is kept from the allocator
 * (marked in the bitmap in memory, never on the disk; the free counts are not changed).
 */
static bool last_held;

static void last_hold(bool hold)
{
	blk64_t last = ext2fs_blocks_count(fs->super) - 1;
	if (hold && !last_held && !ext2fs_test_block_bitmap2(fs->block_map, last)) {
		ext2fs_mark_block_bitmap2(fs->block_map, last);
		last_held = true;
	} else if (!hold && last_held) {
		ext2fs_unmark_block_bitmap2(fs->block_map, last);
		last_held = false;
	}
}

/* Each group's block and inode bitmap as last written (NULL: not known), so that a sync writes those that changed. */
static char **bitmaps_last[2];

/*
 * Write group g's block bitmap (block) or inode bitmap, with its checksum in the group's descriptor, if it
 * changed since it was last written, as libext2fs's write_bitmaps does for every group (a checksum of each
 * bitmap block at every fsync); buf is a block. 0 or an errcode.
 */
static errcode_t bitmap_write(dgrp_t g, bool block, char *buf)
{
	char **last = &bitmaps_last[block][g];
	size_t bits = block ? EXT2_CLUSTERS_PER_GROUP(fs->super) : EXT2_INODES_PER_GROUP(fs->super);
	if (ext2fs_has_group_desc_csum(fs) &&
	    ext2fs_bg_flags_test(fs, g, block ? EXT2_BG_BLOCK_UNINIT : EXT2_BG_INODE_UNINIT)) {
		free(*last); /* not written while uninitialised */
		*last = NULL;
		return 0;
	}
	memset(buf, 0xff, fs->blocksize);
	errcode_t e = block ? ext2fs_get_block_bitmap_range2(fs->block_map,
							     EXT2FS_B2C(fs, fs->super->s_first_data_block) + g * bits,
							     bits, buf)
			    : ext2fs_get_inode_bitmap_range2(fs->inode_map, 1 + g * bits, bits, buf);
	uint64_t tail = EXT2FS_NUM_B2C(fs, (ext2fs_blocks_count(fs->super) - fs->super->s_first_data_block) %
						   EXT2_BLOCKS_PER_GROUP(fs->super));
	if (block && g == fs->group_desc_count - 1 && tail) /* the last group's bits past the disk's end read as used */
		for (uint64_t j = tail; j < fs->blocksize * 8ULL; j++)
			ext2fs_set_bit64(j, buf);
	if (e || (*last && memcmp(*last, buf, fs->blocksize) == 0))
		return e;
	e = block ? ext2fs_block_bitmap_csum_set(fs, g, buf, (int)(bits / 8))
		  : ext2fs_inode_bitmap_csum_set(fs, g, buf, (int)(bits / 8));
	if (e)
		return e;
	ext2fs_group_desc_csum_set(fs, g);
	fs->flags |= EXT2_FLAG_DIRTY;
	blk64_t at = block ? ext2fs_block_bitmap_loc(fs, g) : ext2fs_inode_bitmap_loc(fs, g);
	if (at && at < ext2fs_blocks_count(fs->super) && (e = io_channel_write_blk64(fs->io, at, 1, buf)) != 0)
		return e;
	if (!*last)
		*last = malloc(fs->blocksize);
	if (*last)
		memcpy(*last, buf, fs->blocksize);
	return 0;
}

/* Write the bitmaps that changed (in place of libext2fs's write_bitmaps, which then has nothing to do): 0 or an errcode. */
static errcode_t bitmaps_write(void)
{
	bool block = fs->flags & EXT2_FLAG_BB_DIRTY, inode = fs->flags & EXT2_FLAG_IB_DIRTY;
	char *buf = malloc(fs->blocksize);
	errcode_t e = buf ? 0 : EXT2_ET_NO_MEMORY;
	for (dgrp_t g = 0; e == 0 && g < fs->group_desc_count; g++) {
		if (block)
			e = bitmap_write(g, true, buf);
		if (e == 0 && inode)
			e = bitmap_write(g, false, buf);
	}
	free(buf);
	if (e == 0)
		fs->flags &= ~(EXT2_FLAG_BB_DIRTY | EXT2_FLAG_IB_DIRTY);
	return e;
}

/*
 * Write back what libext2fs holds (superblock, descriptors, bitmaps) if any of it changed since the last
 * time, and flush the disk (lx's cache of it, then the device's): 0 or an errno. An fsync that only
 * overwrote a file's blocks writes no metadata.
 */
static int sync_all(void)
{
	if (readonly)
		return 0;
	if (!(fs->flags & (EXT2_FLAG_DIRTY | EXT2_FLAG_BB_DIRTY | EXT2_FLAG_IB_DIRTY)))
		return err_of(io_channel_flush(fs->io));
	bool held = last_held;
	last_hold(false);
	errcode_t e = bitmaps_write();
	if (e == 0)
		e = ext2fs_flush2(fs, 0);
	last_hold(held);
	return err_of(e);
}

static void do_readdir(const struct fuse_in_header *h, const struct fuse_read_in *rd, char *buf)
{
	ext2_ino_t ino = ino_of(h->nodeid);
	struct node *n = node_find(ino);
	int r = EBADF;
	struct dirix *ix = n ? ix_of(n, &r) : NULL;
	if (!ix) {
		answer(h, r, NULL, 0);
		return;
	}
	/* positions: 0 ".", 1 "..", then 2 + each name's slot in the index */
	size_t size = rd->size > MAX_WRITE ? MAX_WRITE : rd->size, used = 0;
	for (uint64_t pos = rd->offset; pos < (uint64_t)ix->n + 2; pos++) {
		const char *name;
		size_t len;
		ext2_ino_t dino;
		int type;
		if (pos < 2) {
			name = pos ? ".." : ".", len = pos + 1, type = EXT2_FT_DIR;
			dino = ino;
			if (pos == 1 && ext2fs_lookup(fs, ino, "..", 2, NULL, &dino))
				dino = ino;
		} else {
			struct dname *d = &ix->v[pos - 2];
			if (!d->ino)
				continue;
			name = d->name, len = d->len, type = d->type, dino = d->ino;
		}
		size_t need = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + len);
		if (used + need > size)
			break;
		struct fuse_dirent *de = (struct fuse_dirent *)(buf + used);
		static const uint8_t dt[] = { 0, 8, 4, 2, 6, 1, 12, 10 }; /* EXT2_FT_* to DT_* */
		de->ino = dino;
		de->off = pos + 1;
		de->namelen = (uint32_t)len;
		de->type = type < 8 ? dt[type] : 0;
		memcpy(de->name, name, len);
		memset(de->name + len, 0, need - FUSE_NAME_OFFSET - len);
		used += need;
	}
	answer(h, 0, buf, used);
}

/* ---- the file system and the mount ---- */

/* Mark the file system clean or not (rw only) and write it back: 0 or an errno. */
static int mark(bool clean)
{
	if (readonly)
		return 0;
	if (clean)
		fs->super->s_state |= EXT2_VALID_FS;
	else
		fs->super->s_state &= (uint16_t)~EXT2_VALID_FS;
	if (!clean) {
		fs->super->s_mnt_count++;
		fs->super->s_mtime = (uint32_t)now().tv_sec;
	}
	ext2fs_mark_super_dirty(fs);
	return sync_all();
}

static int fs_open(const char *device)
{
	int flags = EXT2_FLAG_64BITS | (readonly ? 0 : EXT2_FLAG_RW);
	errcode_t e = ext2fs_open2(device, NULL, flags, 0, 0, unix_io_manager, &fs);
	if (e) {
		fprintf(stderr, "mica-ext4: %s: %s\n", device, error_message(e));
		return -1;
	}
	/*
	 * No block cache in the I/O layer: lx's disk cache is below it, and unix_io's 8 blocks would go stale under
	 * the multi-block writes of blocks_write (a write of more than 4 blocks goes around that cache, which keeps
	 * a clean copy of a block it overwrites).
	 */
	if ((e = io_channel_set_options(fs->io, "cache=off")) != 0) {
		fprintf(stderr, "mica-ext4: %s: %s\n", device, error_message(e));
		return -1;
	}
	if (ext2fs_has_feature_journal_needs_recovery(fs->super)) {
		fprintf(stderr, "mica-ext4: %s: the journal needs recovery (e2fsck replays it)\n", device);
		return -1;
	}
	if (!readonly && (fs->super->s_state & EXT2_ERROR_FS)) {
		fprintf(stderr, "mica-ext4: %s: the file system has errors (e2fsck repairs them)\n", device);
		return -1;
	}
	if ((e = ext2fs_read_bitmaps(fs)) != 0) {
		fprintf(stderr, "mica-ext4: %s: its bitmaps: %s\n", device, error_message(e));
		return -1;
	}
	for (int k = 0; k < 2; k++)
		if (!(bitmaps_last[k] = calloc(fs->group_desc_count, sizeof(char *)))) {
			fprintf(stderr, "mica-ext4: out of memory\n");
			return -1;
		}
	struct stat st;
	if (stat(device, &st) == 0 && S_ISBLK(st.st_mode))
		map_dev = st.st_rdev; /* lx holds the disk too: it may read files' blocks itself */
	fs->flags |= EXT2_FLAG_MASTER_SB_ONLY; /* the backups are e2fsck's and mke2fs's to write */
	/*
	 * libext2fs keeps the last 4 inodes read or written, each checksummed again when read after it left: a
	 * transaction of sqlite3 goes through more (the file, its journal, their folder, the next new inode).
	 */
	if (fs->icache)
		ext2fs_free_inode_cache(fs->icache);
	fs->icache = NULL;
	if ((e = ext2fs_create_inode_cache(fs, INODES_KEPT)) != 0) {
		fprintf(stderr, "mica-ext4: %s\n", error_message(e));
		return -1;
	}
	blockbuf = malloc(fs->blocksize);
	if (!blockbuf || mark(false)) {
		fprintf(stderr, "mica-ext4: %s: cannot write to it\n", device);
		return -1;
	}
	if (!readonly)
		last_hold(true);
	return 0;
}

static void do_init(const struct fuse_in_header *h, const struct fuse_init_in *in)
{
	struct fuse_init_out o;
	memset(&o, 0, sizeof(o));
	o.major = FUSE_KERNEL_VERSION;
	if (in->major != FUSE_KERNEL_VERSION || in->minor < 12) {
		answer(h, EPROTO, NULL, 0);
		return;
	}
	proto_minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor : FUSE_KERNEL_MINOR_VERSION;
	o.minor = proto_minor;
	o.max_readahead = in->max_readahead;
	o.flags = in->flags & (FUSE_BIG_WRITES | FUSE_MICA_PROMISES); /* do_mknod_or_create checks the name; serve */
	o.max_write = MAX_WRITE;
	answer(h, 0, &o, proto_minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof(o));
}

/* Serve requests until the mount goes: 0, or 1 when the connection failed otherwise. */
static int serve(void)
{
	char *req = malloc(BUF_SIZE), *out = malloc(MAX_WRITE + 2 * EXT2_MAX_BLOCK_SIZE); /* a read's blocks whole */
	if (!req || !out)
		return 1;
	for (;;) {
		ssize_t got = read(dev, req, BUF_SIZE);
		if (got < 0 && (errno == EINTR || errno == ENOENT || errno == EAGAIN))
			continue;
		if (got < 0)
			return errno == ENODEV ? 0 : 1;
		const struct fuse_in_header *h = (const struct fuse_in_header *)req;
		if ((size_t)got < sizeof(*h) || h->len != (uint32_t)got)
			return 1;
		const void *arg = req + sizeof(*h);
		const char *s = arg;
		switch (h->opcode) {
		case FUSE_INIT:
			do_init(h, arg);
			break;
		case FUSE_DESTROY:
			sync_all();
			answer(h, 0, NULL, 0);
			break;
		case FUSE_LOOKUP:
			do_lookup(h, s);
			break;
		case FUSE_FORGET:
			do_forget(ino_of(h->nodeid), ((const struct fuse_forget_in *)arg)->nlookup);
			break;
		case FUSE_BATCH_FORGET: {
			const struct fuse_batch_forget_in *b = arg;
			const struct fuse_forget_one *one = (const void *)(b + 1);
			for (uint32_t i = 0; i < b->count && (const char *)(one + i + 1) <= req + got; i++)
				do_forget(ino_of(one[i].nodeid), one[i].nlookup);
			break;
		}
		case FUSE_GETATTR:
			do_getattr(h);
			break;
		case FUSE_SETATTR:
			if (readonly)
				answer(h, EROFS, NULL, 0);
			else
				do_setattr(h, arg);
			break;
		case FUSE_READLINK:
			do_readlink(h);
			break;
		case FUSE_SYMLINK:
			do_symlink(h, s, s + strlen(s) + 1);
			break;
		case FUSE_MKNOD: {
			const struct fuse_mknod_in *m = arg;
			do_mknod_or_create(h, m->mode & ~m->umask, (const char *)(m + 1), false);
			break;
		}
		case FUSE_CREATE: {
			const struct fuse_create_in *c = arg;
			do_mknod_or_create(h, c->mode & ~c->umask, (const char *)(c + 1), true);
			break;
		}
		case FUSE_MKDIR:
			do_mkdir(h, arg, (const char *)arg + sizeof(struct fuse_mkdir_in));
			break;
		case FUSE_UNLINK:
		case FUSE_RMDIR:
			do_unlink(h, s, h->opcode == FUSE_RMDIR);
			break;
		case FUSE_RENAME: {
			const char *old = (const char *)arg + sizeof(struct fuse_rename_in);
			do_rename(h, ((const struct fuse_rename_in *)arg)->newdir, 0, old, old + strlen(old) + 1);
			break;
		}
		case FUSE_RENAME2: {
			const struct fuse_rename2_in *r = arg;
			const char *old = (const char *)(r + 1);
			do_rename(h, r->newdir, r->flags, old, old + strlen(old) + 1);
			break;
		}
		case FUSE_LINK:
			do_link(h, arg, (const char *)arg + sizeof(struct fuse_link_in));
			break;
		case FUSE_OPEN:
		case FUSE_OPENDIR:
			do_open(h, arg, h->opcode == FUSE_OPENDIR);
			break;
		case FUSE_READ:
			do_read(h, arg, out);
			break;
		case FUSE_WRITE:
			do_write(h, arg, (const char *)arg + sizeof(struct fuse_write_in));
			break;
		case FUSE_READDIR:
			do_readdir(h, arg, out);
			break;
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			do_release(h);
			break;
		case FUSE_FSYNC:
		case FUSE_FSYNCDIR:
		case FUSE_SYNCFS:
			answer(h, sync_all(), NULL, 0);
			break;
		case FUSE_STATFS:
			do_statfs(h);
			break;
		case FUSE_MICA_MAP:
			if ((size_t)got < sizeof(*h) + sizeof(struct fuse_map_in))
				answer(h, EINVAL, NULL, 0);
			else
				do_map(h, arg, out);
			break;
		case FUSE_FLUSH: /* nothing is kept per open file: ENOSYS tells the client not to ask again */
		default:
			answer(h, ENOSYS, NULL, 0);
			break;
		case FUSE_INTERRUPT:
			break; /* each request is answered before the next is read */
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3 &&
	    !(argc == 5 && strcmp(argv[3], "-o") == 0 && (strcmp(argv[4], "ro") == 0 || strcmp(argv[4], "rw") == 0))) {
		fprintf(stderr, "usage: mica-ext4 DEVICE MOUNTPOINT [-o ro|rw]\n");
		return 2;
	}
	readonly = argc == 5 && strcmp(argv[4], "ro") == 0;
	signal(SIGPIPE, SIG_IGN);
	add_error_table(&et_ext2_error_table);
	if (fs_open(argv[1]))
		return 1;
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	char opts[128];
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,default_permissions,allow_other", dev);
	if (dev < 0 || mount("mica-ext4", argv[2], "fuse.ext4", readonly ? MS_RDONLY : 0, opts) < 0) {
		fprintf(stderr, "mica-ext4: cannot mount %s at %s: %s\n", argv[1], argv[2], strerror(errno));
		mark(true);
		return 1;
	}
	int r = serve();
	for (int b = 0; b < NODE_BUCKETS; b++) /* the client has gone: nothing holds a node any more */
		for (struct node *n = nodes[b]; n; n = n->next)
			if (n->doomed)
				inode_release(n->ino);
	last_hold(false);
	r |= mark(true) != 0;
	errcode_t e = ext2fs_close2(fs, 0);
	if (e)
		fprintf(stderr, "mica-ext4: closing %s: %s\n", argv[1], error_message(e));
	return r || e;
}
