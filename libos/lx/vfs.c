/* lx's in-memory file system: nodes, path lookup, open files and descriptors, and the root filled from a cpio archive. */
#include "libos/lx/vfs.h"
#include "lib/cpio.h"

struct inode *vfs_root;
uint32_t vfs_umask = 022;




/* ---- nodes ---- */

/* The time to stamp on nodes. */
struct linux_timespec vfs_now(void)
{
	uint64_t ns = lx_boot_time * 1000000000UL + clock_ns();
	return (struct linux_timespec){ (int64_t)(ns / 1000000000), (int64_t)(ns % 1000000000) };
}

/* Sets n's atime and/or mtime+ctime to now. */
void inode_touch(struct inode *n, bool access, bool modify)
{
	struct linux_timespec t = vfs_now();
	if (access)
		n->atime = t;
	if (modify)
		n->mtime = n->ctime = t;
}

/* A new node with no name and no holds, or NULL when out of memory. */
struct inode *inode_new(uint32_t mode)
{
	struct inode *n = lx_alloc(sizeof(*n));
	if (!n)
		return NULL;
	n->ino = lx_next_ino();
	n->mode = mode;
	n->next_cookie = 2;
	inode_touch(n, true, true);
	return n;
}

static void reg_free_from(struct inode *n, uint64_t first);

/* Frees n once no directory names it and nothing holds it. */
static void inode_maybe_free(struct inode *n)
{
	if (n->nlink || n->refs || n == vfs_root)
		return;
	struct inode *parent = ISDIR(n) ? n->parent : NULL;
	lx_free(n->data);
	xattr_free(n);
	lock_free(n);
	reg_free_from(n, 0);
	lx_free(n->pages);
	lx_free(n->hash);
	lx_free(n);
	if (parent)
		inode_release(parent);
}

void inode_hold(struct inode *n)
{
	n->refs++;
}

void inode_release(struct inode *n)
{
	n->refs--;
	inode_maybe_free(n);
}

/*
 * A directory's entries are a list in cookie order, which getdents walks, and
 * once there are DIR_HASH_MIN of them also a hash table of their names, which
 * doubles when the entries outnumber its buckets: a lookup, an addition and a
 * removal cost O(1) steps on average however big the directory.
 */
#define DIR_HASH_MIN 8

/*
 * A hash of the len bytes of name, a word at a time (the last word may overlap the one before), as Linux
 * hashes names: a longer name costs a step more per eight bytes, not per byte.
 */
static uint32_t name_hash(const char *name, size_t len)
{
	uint64_t h = len;
	for (size_t i = 0; i + 8 < len; i += 8) {
		h = (h ^ mem_word(name + i, 8)) * 0x9e3779b97f4a7c15UL;
		h ^= h >> 32;
	}
	h = (h ^ (len < 8 ? mem_word(name, len) : mem_word(name + len - 8, 8))) * 0x9e3779b97f4a7c15UL;
	h = (h ^ h >> 32) * 0xc4ceb9fe1a85ec53UL; /* (a high byte of a word reaches the low half, then every bit) */
	return (uint32_t)(h >> 32);
}

/* Is d called name (len bytes)? The length first, then the first byte (most names differ there), then the
   rest: a name of up to 8 bytes in one word, a longer one a word at a time. */
static inline bool named(const struct dentry *d, const char *name, size_t len)
{
	if (d->len != len || d->name[0] != name[0])
		return false;
	if (len <= 8)
		return len <= 1 || mem_word(d->name, len) == mem_word(name, len);
	return memcmp(d->name, name, len) == 0;
}

/* Put d in its bucket of dir's hash table. */
static void hash_put(struct inode *dir, struct dentry *d)
{
	struct dentry **b = &dir->hash[d->hash & (dir->hash_size - 1)];
	d->hnext = *b;
	*b = d;
}

/* Give dir a hash table of size buckets holding every entry; false (the table as it was) when out of memory. */
static bool hash_resize(struct inode *dir, uint32_t size)
{
	struct dentry **t = lx_alloc(size * sizeof(*t));
	if (!t)
		return false;
	lx_free(dir->hash);
	dir->hash = t;
	dir->hash_size = size;
	for (struct dentry *d = dir->entries; d; d = d->next)
		hash_put(dir, d);
	return true;
}

/* dir_findn in a directory with a hash table. */
static __attribute__((noinline)) struct dentry *dir_hash_find(struct inode *dir, const char *name, size_t len)
{
	uint32_t h = name_hash(name, len);
	for (struct dentry *d = dir->hash[h & (dir->hash_size - 1)]; d; d = d->hnext)
		if (d->hash == h && named(d, name, len))
			return d;
	return NULL;
}

/* The entry called name (len bytes, no NUL needed) in dir, or NULL. */
static inline __attribute__((always_inline)) struct dentry *dir_findn(struct inode *dir, const char *name, size_t len)
{
	if (dir->hash)
		return dir_hash_find(dir, name, len);
	for (struct dentry *d = dir->entries; d; d = d->next) /* a few: comparing costs less than hashing */
		if (named(d, name, len))
			return d;
	return NULL;
}

struct dentry *dir_find(struct inode *dir, const char *name)
{
	return dir_findn(dir, name, strlen(name));
}

/* Links n into dir as name (which must be new); a directory gets dir as its parent. 0 or -ENOMEM. */
long dir_add(struct inode *dir, const char *name, struct inode *n)
{
	struct dentry *d = lx_alloc(sizeof(*d));
	char *copy = lx_strdup(name);
	if (!d || !copy) {
		lx_free(d);
		lx_free(copy);
		return -ENOMEM;
	}
	d->name = copy;
	d->inode = n;
	d->cookie = dir->next_cookie++;
	d->len = (uint32_t)strlen(copy);
	d->hash = name_hash(copy, d->len);
	d->prev = dir->last_entry;
	*(d->prev ? &d->prev->next : &dir->entries) = d;
	dir->last_entry = d;
	bool grow = ++dir->nentries >= DIR_HASH_MIN && dir->nentries > dir->hash_size;
	if (!(grow && hash_resize(dir, dir->hash_size ? 2 * dir->hash_size : 2 * DIR_HASH_MIN)) && dir->hash)
		hash_put(dir, d); /* (a new table holds it already) */
	if (ISDIR(n)) { /* a directory holds its parent, so ".." stays valid */
		struct inode *old = n->parent;
		n->nlink = 2;
		n->parent = dir;
		inode_hold(dir);
		dir->nlink++;
		if (old)
			inode_release(old);
	} else {
		n->nlink++;
	}
	inode_touch(dir, false, true);
	n->ctime = dir->mtime;
	return 0;
}

/* Unlinks entry d from dir; its node is freed if nothing else names or holds it. */
void dir_remove(struct inode *dir, struct dentry *d)
{
	*(d->prev ? &d->prev->next : &dir->entries) = d->next;
	*(d->next ? &d->next->prev : &dir->last_entry) = d->prev;
	dir->nentries--;
	if (dir->hash) {
		struct dentry **pp = &dir->hash[d->hash & (dir->hash_size - 1)];
		while (*pp != d)
			pp = &(*pp)->hnext;
		*pp = d->hnext;
	}
	struct inode *n = d->inode;
	if (ISDIR(n)) {
		n->nlink = 0;
		dir->nlink--;
	} else {
		n->nlink--;
	}
	inode_touch(dir, false, true);
	n->ctime = dir->mtime;
	lx_free(d->name);
	lx_free(d);
	inode_maybe_free(n);
}

/* A new node called name in dir, owned by the caller's file-system ids; NULL when out of memory. */
struct inode *vfs_mknode(struct inode *dir, const char *name, uint32_t mode)
{
	struct inode *n = inode_new(mode);
	if (n) {
		n->uid = lx_cred_fsuid();
		n->gid = lx_cred_fsgid();
	}
	if (n && dir_add(dir, name, n) < 0) {
		lx_free(n);
		return NULL;
	}
	if (n)
		vfs_notify(dir, name, n, IN_CREATE, 0);
	return n;
}

/* The bytes of a regular file live in the boot image until first changed, then in pages of lx's heap. */
static uint64_t pages_for(uint64_t size)
{
	return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* Makes room in n's page list for npages entries. 0 or -errno. */
static long reg_reserve(struct inode *n, uint64_t npages)
{
	if (npages > (1UL << 28))
		return -EFBIG;
	if (npages <= n->npages)
		return 0;
	uint64_t want = n->npages * 2 > npages ? n->npages * 2 : npages;
	char **p = lx_realloc(n->pages, want * sizeof(char *));
	if (!p)
		return -ENOMEM;
	memset(p + n->npages, 0, (want - n->npages) * sizeof(char *));
	n->pages = p;
	n->npages = want;
	return 0;
}

/* Page i of n, allocated (zeroed) if it was a hole; NULL when out of memory. */
static char *page_get(struct inode *n, uint64_t i)
{
	if (!n->pages[i])
		n->pages[i] = lx_page_alloc();
	return n->pages[i];
}

/* Moves n's bytes from the boot image into pages of its own. 0 or -errno. */
static long reg_own(struct inode *n)
{
	if (!n->archived)
		return 0;
	long r = reg_reserve(n, pages_for(n->size));
	for (uint64_t i = 0; r == 0 && i < pages_for(n->size); i++) {
		uint64_t off = i * PAGE_SIZE, len = n->size - off < PAGE_SIZE ? n->size - off : PAGE_SIZE;
		char *p = page_get(n, i);
		if (!p)
			return -ENOMEM;
		memcpy(p, n->archived + off, len);
	}
	if (r == 0)
		n->archived = NULL;
	return r;
}

/* Frees n's pages from page first on; pages a shared mapping may still use stay (mapped pages keep the file's frames). */
static void reg_free_from(struct inode *n, uint64_t first)
{
	for (uint64_t i = first; i < n->npages && !n->maps; i++) {
		lx_page_free(n->pages[i]);
		n->pages[i] = NULL;
	}
}

uint64_t reg_blocks(struct inode *n)
{
	if (!ISREG(n))
		return 0;
	if (n->archived)
		return pages_for(n->size) * (PAGE_SIZE / 512);
	uint64_t used = 0;
	for (uint64_t i = 0; i < n->npages; i++)
		used += n->pages[i] != NULL;
	return used * (PAGE_SIZE / 512);
}

char *reg_page(struct inode *n, uint64_t i)
{
	if (reg_own(n) < 0 || reg_reserve(n, i + 1) < 0)
		return NULL;
	return page_get(n, i);
}

/* Sets a regular file's size; what grows reads as zeros. 0 or -errno. */
long reg_resize(struct inode *n, uint64_t size)
{
	if (size > (1UL << 40))
		return -EFBIG;
	long r = reg_own(n);
	if (r < 0)
		return r;
	if (size < n->size) {
		if (size % PAGE_SIZE && size / PAGE_SIZE < n->npages && n->pages[size / PAGE_SIZE])
			memset(n->pages[size / PAGE_SIZE] + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
		reg_free_from(n, pages_for(size));
	}
	n->size = size;
	inode_touch(n, false, true);
	vfs_notify(NULL, NULL, n, IN_MODIFY, 0);
	return 0;
}

/* Is the page at p (any alignment) all zeros? */
static bool page_zero(const char *p)
{
	typedef uint64_t __attribute__((aligned(1), may_alias)) word;
	const word *w = (const word *)(const void *)p;
	for (size_t i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/*
 * Writes len bytes at off, leaving a hole of zeros past the old end; a whole
 * page of zeros written over a hole stays a hole, so writing zeros costs no
 * memory. Bytes written or -errno (-ENOSPC when lx has no memory for the first page).
 */
long reg_write(struct inode *n, const void *buf, size_t len, uint64_t off)
{
	if (len == 0)
		return 0;
	if (off + len < off || off + len > (1UL << 40))
		return -EFBIG;
	long r = reg_own(n);
	if (r == 0)
		r = reg_reserve(n, pages_for(off + len));
	if (r < 0)
		return r;
	for (size_t done = 0; done < len;) {
		uint64_t at = off + done, in = at % PAGE_SIZE, chunk = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		if (chunk == PAGE_SIZE && !n->pages[at / PAGE_SIZE] && page_zero((const char *)buf + done)) {
			done += chunk;
			continue;
		}
		char *p = page_get(n, at / PAGE_SIZE);
		if (!p) {
			if (done == 0)
				return -ENOSPC;
			len = done;
			break;
		}
		memcpy(p + in, (const char *)buf + done, chunk);
		done += chunk;
	}
	if (off + len > n->size)
		n->size = off + len;
	inode_touch(n, false, true);
	vfs_notify(NULL, NULL, n, IN_MODIFY, 0);
	return (long)len;
}

/* Reads up to len bytes at off; bytes read (0 at or past the end). */
long reg_read(struct inode *n, void *buf, size_t len, uint64_t off)
{
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = n->size - off;
	if (n->archived) {
		memcpy(buf, n->archived + off, len);
		return (long)len;
	}
	for (size_t done = 0; done < len;) {
		uint64_t at = off + done, in = at % PAGE_SIZE, chunk = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		const char *p = at / PAGE_SIZE < n->npages ? n->pages[at / PAGE_SIZE] : NULL;
		if (p)
			memcpy((char *)buf + done, p + in, chunk);
		else
			memset((char *)buf + done, 0, chunk);
		done += chunk;
	}
	return (long)len;
}

/*
 * Where the bytes of n at off, to the end of their page of the file (or of
 * the file), lie in lx's memory: true with *src and *len (NULL and 0 past
 * the end or in a hole, which read as zeros); false when they are not in one
 * piece (off in the middle of a page of n's own).
 */
bool reg_bytes_at(struct inode *n, uint64_t off, const void **src, size_t *len)
{
	*src = NULL;
	*len = 0;
	if (off >= n->size)
		return true;
	size_t want = n->size - off < PAGE_SIZE ? (size_t)(n->size - off) : PAGE_SIZE;
	if (n->archived) {
		*src = n->archived + off;
		*len = want;
		return true;
	}
	if (off % PAGE_SIZE)
		return false;
	*src = off / PAGE_SIZE < n->npages ? n->pages[off / PAGE_SIZE] : NULL;
	*len = *src ? want : 0;
	return true;
}

/* Sets a symlink's target. 0 or -ENOMEM. */
long symlink_set(struct inode *n, const char *target)
{
	size_t len = strlen(target);
	char *p = lx_alloc(len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, target, len + 1);
	lx_free(n->data);
	n->data = p;
	n->size = len;
	return 0;
}

const char *symlink_target(struct inode *n)
{
	const char *t = n->link ? n->link(n) : n->data;
	return t ? t : "";
}

/* ---- paths ---- */

/* Copies a NUL-terminated path from program memory into buf[LX_PATH_MAX]. 0, -EFAULT, -ENAMETOOLONG or -ENOENT (empty). */
long path_copy(const char *upath, char *buf)
{
	long len = strncpy_from_user(buf, (uint64_t)upath, LX_PATH_MAX);
	return len < 0 ? len : len == LX_PATH_MAX ? -ENAMETOOLONG : len == 0 ? -ENOENT : 0;
}

/* The node called p[0, len) in dir, with "." and ".." understood and mounts crossed (lk's ro and mnt); NULL if none. */
static struct inode *lookup_name(struct inode *dir, const char *p, size_t len, struct lookup *lk)
{
	lk->mnt = NULL;
	if (len == 1 && p[0] == '.')
		return dir;
	if (len == 2 && p[0] == '.' && p[1] == '.')
		return mount_active() ? mount_dotdot(dir, lk) : dir->parent;
	struct dentry *d = dir_findn(dir, p, len);
	if (d && mount_active())
		return mount_down(d->inode, lk);
	return d ? d->inode : NULL;
}

/* Walks path from start, following symlinks (*depth counts them). Fills lk; 0 or -errno. */
static long walk(struct inode *start, const char *path, int flags, int *depth, struct lookup *lk)
{
	struct inode *dir = path[0] == '/' ? lx_root() : start;
	const char *p = path;
	if (path[0] == '/') {
		lk->ro = mount_active() && mount_ro_at(dir);
		lk->nin = 0;
	}
	if (!*p)
		return -ENOENT;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) { /* only slashes: the root */
			lk->dir = lk->node = dir;
			strlcpy(lk->name, ".", sizeof(lk->name));
			lk->slash = true;
			return 0;
		}
		const char *end = p;
		while (*end && *end != '/')
			end++;
		size_t len = (size_t)(end - p);
		if (len > LX_NAME_MAX)
			return -ENAMETOOLONG;
		if (!ISDIR(dir))
			return -ENOTDIR;
		if (!lx_cred_may(dir, X_OK, false))
			return -EACCES; /* no search permission in a directory on the way */
		const char *rest = end;
		while (*rest == '/')
			rest++;
		if (dir->refresh)
			dir->refresh(dir);
		struct inode *n = lookup_name(dir, p, len, lk);
		if (!*rest) { /* the last component */
			lk->dir = dir;
			lk->node = n;
			memcpy(lk->name, p, len);
			lk->name[len] = 0;
			lk->slash = *end == '/';
			if (n && ISLNK(n) && ((flags & LOOK_FOLLOW) || lk->slash)) {
				if (++*depth > LX_SYMLOOP_MAX)
					return -ELOOP;
				int f = flags | LOOK_FOLLOW | (lk->slash ? LOOK_DIR : 0);
				return walk(dir, symlink_target(n), f, depth, lk);
			}
			if (n && ((flags & LOOK_DIR) || lk->slash) && !ISDIR(n))
				return -ENOTDIR;
			return 0;
		}
		if (!n)
			return -ENOENT;
		if (ISLNK(n)) {
			struct lookup sub = { .ro = lk->ro, .nin = lk->nin };
			memcpy(sub.in, lk->in, sizeof(sub.in));
			if (++*depth > LX_SYMLOOP_MAX)
				return -ELOOP;
			long r = walk(dir, symlink_target(n), LOOK_FOLLOW, depth, &sub);
			if (r < 0)
				return r;
			if (!sub.node)
				return -ENOENT;
			n = sub.node;
			lk->ro = sub.ro;
			lk->nin = sub.nin;
			memcpy(lk->in, sub.in, sizeof(lk->in));
		}
		if (!ISDIR(n))
			return -ENOTDIR;
		dir = n;
		p = end;
	}
}

/* The directory a *at call starts from: the cwd for AT_FDCWD, else dirfd's directory. NULL with *err set. */
static struct inode *start_dir(int dirfd, long *err)
{
	if (dirfd == AT_FDCWD)
		return lx_me->cwd;
	struct file *f = file_get(dirfd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct inode *n = f->inode;
	file_put(f); /* the descriptor still holds the file */
	if (!n || !ISDIR(n)) {
		*err = -ENOTDIR;
		return NULL;
	}
	return n;
}

/* Looks up path (in lx memory) from dirfd. 0 with lk filled (lk->node NULL if the last name is missing) or -errno. */
long path_lookup(int dirfd, const char *path, int flags, struct lookup *lk)
{
	long err = 0;
	int depth = 0;
	struct inode *start = path[0] == '/' ? lx_root() : start_dir(dirfd, &err);
	if (!start)
		return err;
	lk->ro = mount_active() && mount_ro_at(start);
	lk->mnt = NULL;
	lk->nin = path[0] != '/' && dirfd == AT_FDCWD ? lx_me->cwd_nin : 0; /* from the cwd: inside its mounts */
	memcpy(lk->in, lx_me->cwd_in, sizeof(lk->in));
	return walk(start, path, flags, &depth, lk);
}

/* path_copy then path_lookup, for a path in program memory. */
long path_get(int dirfd, const char *upath, int flags, struct lookup *lk)
{
	char *buf = lx_alloc_raw(LX_PATH_MAX); /* path_copy fills it as far as it is read */
	if (!buf)
		return -ENOMEM;
	long r = path_copy(upath, buf);
	if (r == 0)
		r = path_lookup(dirfd, buf, flags, lk);
	lx_free(buf);
	return r;
}

/* The name under which dir's parent lists dir, or NULL. */
static const char *name_in_parent(struct inode *dir)
{
	for (struct dentry *d = dir->parent->entries; d; d = d->next)
		if (d->inode == dir)
			return d->name;
	return NULL;
}

/* Directory n's absolute path into buf, n inside the mounts in (nin, innermost last): path_of. */
static long path_in(struct inode *n, struct lx_mount *const *in, int nin, char *buf, size_t size)
{
	size_t pos = size;
	if (size == 0)
		return -ERANGE;
	buf[--pos] = 0;
	for (;; n = n->parent) {
		if (mount_active())
			n = mount_point_of(mount_leave(n, in, &nin));
		if (n == vfs_root || n == lx_root())
			break;
		const char *name = n->nlink ? name_in_parent(n) : NULL;
		if (!name)
			return -ENOENT;
		size_t len = strlen(name);
		if (len + 1 > pos)
			return -ERANGE;
		pos -= len;
		memcpy(buf + pos, name, len);
		buf[--pos] = '/';
	}
	if (pos == size - 1) {
		if (pos == 0)
			return -ERANGE;
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, size - pos);
	return (long)(size - pos - 1);
}

/* Writes directory n's absolute path into buf; its length, -ENOENT if n was removed, -ERANGE if too long. */
long path_of(struct inode *n, char *buf, size_t size)
{
	return path_in(n, NULL, 0, buf, size);
}

/* path_of for p's cwd, which knows the mounts it is in: a bind mount's path, not its source's. */
long path_of_cwd(struct lx_proc *p, char *buf, size_t size)
{
	return path_in(p->cwd, p->cwd_in, p->cwd_nin, buf, size);
}

/* ---- the root ---- */

/* The directory at path (lx memory, relative to the root), made with its parents if missing; NULL if it cannot be. */
static struct inode *mkdir_p(const char *path, size_t len)
{
	struct inode *dir = vfs_root;
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i && !(j - i == 1 && path[i] == '.')) {
			struct dentry *d = dir_findn(dir, path + i, j - i);
			struct inode *n = d ? d->inode : NULL;
			if (!n) {
				char name[LX_NAME_MAX + 1];
				if (j - i > LX_NAME_MAX)
					return NULL;
				memcpy(name, path + i, j - i);
				name[j - i] = 0;
				n = vfs_mknode(dir, name, S_IFDIR | 0755);
			}
			if (!n || !ISDIR(n))
				return NULL;
			dir = n;
		}
		i = j + 1;
	}
	return dir;
}

/* Adds one archive member under the root; bad names and unknown types are skipped. */
static void add_member(const struct cpio_entry *e)
{
	const char *name = e->name;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	size_t len = strlen(name);
	while (len && name[len - 1] == '/')
		len--;
	size_t base = len;
	while (base && name[base - 1] != '/')
		base--;
	if (len == base || len - base > LX_NAME_MAX || (len - base == 1 && name[base] == '.') ||
	    (len - base == 2 && name[base] == '.' && name[base + 1] == '.'))
		return;
	struct inode *dir = mkdir_p(name, base);
	if (!dir)
		return;
	char leaf[LX_NAME_MAX + 1];
	memcpy(leaf, name + base, len - base);
	leaf[len - base] = 0;
	struct dentry *d = dir_find(dir, leaf);
	struct inode *n = d ? d->inode : NULL;
	uint32_t type = e->mode & S_IFMT;
	if (n && (type != S_IFDIR || !ISDIR(n))) {
		if (ISDIR(n))
			return;
		dir_remove(dir, d);
		n = NULL;
	}
	if (!n && !(n = vfs_mknode(dir, leaf, e->mode)))
		return;
	n->mode = e->mode;
	n->uid = e->uid;
	n->gid = e->gid;
	n->mtime = n->ctime = n->atime = (struct linux_timespec){ e->mtime, 0 };
	if (type == S_IFREG) {
		n->archived = e->data;
		n->size = e->size;
	} else if (type == S_IFLNK) {
		char *t = lx_alloc(e->size + 1);
		if (t) {
			memcpy(t, e->data, e->size);
			n->data = t;
			n->size = e->size;
		}
	}
}

void vfs_init(const void *cpio, size_t size)
{
	vfs_root = inode_new(S_IFDIR | 0755);
	vfs_root->nlink = 2;
	vfs_root->parent = vfs_root;
	lx_me->cwd = vfs_root;
	inode_hold(lx_me->cwd);
	struct cpio_entry e;
	size_t off = 0;
	while (cpio && cpio_next(cpio, size, &off, &e) == 1)
		add_member(&e);
	if (!dir_find(vfs_root, "tmp"))
		vfs_mknode(vfs_root, "tmp", S_IFDIR | 01777);
}

void vfs_devices_init(void)
{
	dev_init();
	procfs_init();
	vfs_stdio_init();
}
