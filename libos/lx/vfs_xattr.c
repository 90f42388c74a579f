/* Extended attributes of lx's in-memory files: the user.* and trusted.* namespaces, kept on each node. */
#include "libos/lx/vfs.h"
#include "libos/lx/cred.h"
#include "libos/lx/linux/xattr.h"

/* One attribute of a node: its full name ("user.x") and its value. */
struct xattr {
	struct xattr *next; /* the node's list, in the order the names were first set */
	char *name;
	char *value; /* NULL when size is 0 */
	size_t size;
};

/* Frees every attribute of n (a node being freed). */
void xattr_free(struct inode *n)
{
	while (n->xattrs) {
		struct xattr *x = n->xattrs;
		n->xattrs = x->next;
		lx_free(x->name);
		lx_free(x->value);
		lx_free(x);
	}
}

/* The namespaces lx keeps, by prefix; trusted.* is the privileged one's alone. */
static bool is_user(const char *name)
{
	return strncmp(name, "user.", 5) == 0;
}

static bool is_trusted(const char *name)
{
	return strncmp(name, "trusted.", 8) == 0;
}

/* Copies the program's attribute name into buf[XATTR_NAME_MAX + 1]: 0, -EFAULT, -ERANGE (empty or too long). */
static long name_get(uint64_t uname, char *buf)
{
	long len = strncpy_from_user(buf, uname, XATTR_NAME_MAX + 1);
	if (len < 0)
		return len;
	return len == 0 || len > XATTR_NAME_MAX ? -ERANGE : 0;
}

/* Does the calling process see name on n? trusted.* only the privileged; user.* only on files and directories. */
static bool visible(const struct inode *n, const char *name)
{
	if (is_trusted(name))
		return lx_cred_privileged();
	return ISREG(n) || ISDIR(n);
}

/*
 * May the calling process use attribute name of n for want (R_OK or W_OK)?
 * 0, or -EPERM (trusted.* unprivileged; user.* on a node that is neither a
 * file nor a directory, when writing; or a sticky directory not its own),
 * -EACCES (the file's permissions), -ENODATA (user.* on other nodes, reading),
 * -EOPNOTSUPP (a namespace lx does not keep), -EINVAL (a bare prefix).
 */
static long may_use(const struct inode *n, const char *name, int want)
{
	if (!is_user(name) && !is_trusted(name))
		return -EOPNOTSUPP; /* a namespace lx does not keep */
	if (strcmp(name, "user.") == 0 || strcmp(name, "trusted.") == 0)
		return -EINVAL; /* a prefix with nothing after it */
	if (is_trusted(name))
		return lx_cred_privileged() ? 0 : want == W_OK ? -EPERM : -ENODATA;
	if (!ISREG(n) && !ISDIR(n))
		return want == W_OK ? -EPERM : -ENODATA;
	if (ISDIR(n) && (n->mode & S_ISVTX) && want == W_OK && !lx_cred_owns(n))
		return -EPERM;
	return lx_cred_may(n, want, false) ? 0 : -EACCES;
}

/* The attribute of n named name, and where the list points at it (*link); NULL if none. */
static struct xattr *find(struct inode *n, const char *name, struct xattr ***link)
{
	struct xattr **pp = &n->xattrs;
	for (; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->name, name) == 0)
			break;
	if (link)
		*link = pp;
	return *pp;
}

/*
 * Sets attribute name of n to the size bytes at uval. flags: XATTR_CREATE
 * (fail with -EEXIST if it is there), XATTR_REPLACE (-ENODATA if not), both
 * checked by set_args first. 0, or what may_use says, -EFAULT, -ENOMEM.
 */
static long xattr_set(struct inode *n, const char *name, uint64_t uval, long size, long flags)
{
	long r = may_use(n, name, W_OK);
	if (r < 0)
		return r;
	struct xattr **link, *x = find(n, name, &link);
	if (x && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!x && (flags & XATTR_REPLACE))
		return -ENODATA;
	char *value = size ? lx_alloc((size_t)size) : NULL;
	if (size && !value)
		return -ENOMEM;
	if (size && copy_from_user(value, uval, (size_t)size) < 0) {
		lx_free(value);
		return -EFAULT;
	}
	if (!x) {
		x = lx_alloc(sizeof(*x));
		char *copy = x ? lx_strdup(name) : NULL;
		if (!copy) {
			lx_free(x);
			lx_free(value);
			return -ENOMEM;
		}
		x->name = copy;
		*link = x;
	}
	lx_free(x->value);
	x->value = value;
	x->size = (size_t)size;
	n->ctime = vfs_now();
	return 0;
}

/* Copies attribute name's value to uval (size bytes there; 0: only measure). Its length, or -ENODATA, -ERANGE, -EFAULT. */
static long xattr_get(struct inode *n, const char *name, uint64_t uval, long size)
{
	long r = may_use(n, name, R_OK);
	if (r < 0)
		return r;
	struct xattr *x = find(n, name, NULL);
	if (!x)
		return -ENODATA;
	if (size == 0)
		return (long)x->size;
	if ((size_t)size < x->size)
		return -ERANGE;
	if (x->size && copy_to_user(uval, x->value, x->size) < 0)
		return -EFAULT;
	return (long)x->size;
}

/* The names the caller may see, each with its NUL, into ulist (size bytes; 0: only measure). Their length, or -ERANGE, -E2BIG, -EFAULT. */
static long xattr_list(struct inode *n, uint64_t ulist, long size)
{
	size_t total = 0;
	for (struct xattr *x = n->xattrs; x; x = x->next)
		if (visible(n, x->name))
			total += strlen(x->name) + 1;
	if (total > XATTR_LIST_MAX)
		return -E2BIG;
	if (size == 0)
		return (long)total;
	if (size < 0 || (size_t)size < total)
		return -ERANGE;
	size_t at = 0;
	for (struct xattr *x = n->xattrs; x; x = x->next) {
		size_t len = strlen(x->name) + 1;
		if (!visible(n, x->name))
			continue;
		if (copy_to_user(ulist + at, x->name, len) < 0)
			return -EFAULT;
		at += len;
	}
	return (long)total;
}

/* Removes attribute name of n: 0, or -ENODATA, -EPERM, -EACCES. */
static long xattr_remove(struct inode *n, const char *name)
{
	long r = may_use(n, name, W_OK);
	if (r < 0)
		return r;
	struct xattr **link, *x = find(n, name, &link);
	if (!x)
		return -ENODATA;
	*link = x->next;
	lx_free(x->name);
	lx_free(x->value);
	lx_free(x);
	n->ctime = vfs_now();
	return 0;
}

/* setxattr's flags and size, checked before anything else: 0, -EINVAL (unknown flags), -E2BIG (over XATTR_SIZE_MAX). */
static long set_args(long size, long flags)
{
	if (flags & ~(long)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	return size < 0 || size > XATTR_SIZE_MAX ? -E2BIG : 0;
}

/* The node a call names: a path (how 0 follows a last symlink, how 1 does not) or a descriptor (how 2). NULL with *err. */
static struct inode *target(long path_or_fd, int how, long *err)
{
	if (how == 2)
		return fd_inode(path_or_fd, err);
	return resolve(AT_FDCWD, path_or_fd, how == 1 ? AT_SYMLINK_NOFOLLOW : 0, err);
}

/* The four calls of one kind: on a path (ptype uint64_t, how 0 or 1) or a descriptor (ptype int, how 2). */
#define XATTR_CALLS(prefix, ptype, how)                                                               \
	long lx_sys_##prefix##setxattr(ptype p, uint64_t uname, uint64_t uval, long size, long flags) \
	{                                                                                             \
		char name[XATTR_NAME_MAX + 1];                                                        \
		long err = set_args(size, flags);                                                     \
		err = err ? err : name_get(uname, name);                                              \
		struct inode *n = err ? NULL : target(p, how, &err);                                  \
		return n ? xattr_set(n, name, uval, size, flags) : err;                               \
	}                                                                                             \
	long lx_sys_##prefix##getxattr(ptype p, uint64_t uname, uint64_t uval, long size)             \
	{                                                                                             \
		char name[XATTR_NAME_MAX + 1];                                                        \
		long err = name_get(uname, name);                                                     \
		struct inode *n = err ? NULL : target(p, how, &err);                                  \
		return n ? xattr_get(n, name, uval, size) : err;                                      \
	}                                                                                             \
	long lx_sys_##prefix##listxattr(ptype p, uint64_t ulist, long size)                           \
	{                                                                                             \
		long err = 0;                                                                         \
		struct inode *n = target(p, how, &err);                                               \
		return n ? xattr_list(n, ulist, size) : err;                                          \
	}                                                                                             \
	long lx_sys_##prefix##removexattr(ptype p, uint64_t uname)                                    \
	{                                                                                             \
		char name[XATTR_NAME_MAX + 1];                                                        \
		long err = name_get(uname, name);                                                     \
		struct inode *n = err ? NULL : target(p, how, &err);                                  \
		return n ? xattr_remove(n, name) : err;                                               \
	}
XATTR_CALLS(, uint64_t, 0)
XATTR_CALLS(l, uint64_t, 1)
XATTR_CALLS(f, int, 2)
