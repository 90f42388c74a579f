/* Extended attributes: user.* and trusted.* set, read, listed and removed, with Linux's errnos. Works under /tmp. */
#define T_NAME "xattrs"
#include "check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Is name among the len bytes of NUL-separated names in list? */
static int listed(const char *list, long len, const char *name)
{
	for (long at = 0; at < len; at += (long)strlen(list + at) + 1)
		if (strcmp(list + at, name) == 0)
			return 1;
	return 0;
}

/* Setting and reading back, the flags, and the sizes a reader may pass. */
static void values(const char *f)
{
	char buf[64];
	check_ok("set", setxattr(f, "user.a", "one", 3, 0));
	long r = getxattr(f, "user.a", buf, sizeof(buf));
	CHECK("get", r == 3 && memcmp(buf, "one", 3) == 0, "returned %ld", r);
	r = getxattr(f, "user.a", NULL, 0);
	CHECK("get-size", r == 3, "returned %ld", r);
	check_err("get-small", getxattr(f, "user.a", buf, 2), ERANGE);
	check_err("get-missing", getxattr(f, "user.none", buf, sizeof(buf)), ENODATA);
	check_err("create-exists", setxattr(f, "user.a", "x", 1, XATTR_CREATE), EEXIST);
	check_err("replace-missing", setxattr(f, "user.b", "x", 1, XATTR_REPLACE), ENODATA);
	check_ok("replace", setxattr(f, "user.a", "second", 6, XATTR_REPLACE));
	r = getxattr(f, "user.a", buf, sizeof(buf));
	CHECK("get-replaced", r == 6 && memcmp(buf, "second", 6) == 0, "returned %ld", r);
	check_ok("set-empty", setxattr(f, "user.empty", "", 0, XATTR_CREATE));
	CHECK("get-empty", getxattr(f, "user.empty", buf, sizeof(buf)) == 0, "errno %d", errno);
	check_err("bad-flags", setxattr(f, "user.c", "x", 1, 4), EINVAL);
	static char big[65537];
	check_err("value-too-big", setxattr(f, "user.big", big, sizeof(big), 0), E2BIG);
}

/* Names: the namespaces lx keeps, and the lengths Linux refuses. */
static void names(const char *f)
{
	char name[300];
	memset(name, 'n', sizeof(name));
	memcpy(name, "user.", 5);
	name[256] = 0;
	check_err("name-too-long", setxattr(f, name, "x", 1, 0), ERANGE);
	check_err("name-empty", setxattr(f, "", "x", 1, 0), ERANGE);
	check_err("namespace-unknown", setxattr(f, "bogus.a", "x", 1, 0), EOPNOTSUPP);
	check_err("get-namespace-unknown", getxattr(f, "bogus.a", NULL, 0), EOPNOTSUPP);
	name[255] = 0;
	check_ok("name-longest", setxattr(f, name, "x", 1, 0));
	check_ok("remove-longest", removexattr(f, name));
	check_ok("trusted-set", setxattr(f, "trusted.t", "tt", 2, 0));
	CHECK("trusted-get", getxattr(f, "trusted.t", NULL, 0) == 2, "errno %d", errno);
	check_err("missing-file", setxattr("/tmp/no/such/file", "user.a", "x", 1, 0), ENOENT);
}

/* Listing every name, the size a reader may pass, and removing. */
static void lists(const char *f)
{
	char list[256];
	long need = listxattr(f, NULL, 0);
	long r = listxattr(f, list, sizeof(list));
	CHECK("list",
	      r == need && listed(list, r, "user.a") && listed(list, r, "user.empty") && listed(list, r, "trusted.t"),
	      "returned %ld (measured %ld)", r, need);
	check_err("list-small", listxattr(f, list, 3), ERANGE);
	check_ok("remove", removexattr(f, "user.a"));
	check_err("remove-again", removexattr(f, "user.a"), ENODATA);
	r = listxattr(f, list, sizeof(list));
	CHECK("list-after-remove", r > 0 && !listed(list, r, "user.a") && listed(list, r, "user.empty"), "returned %ld",
	      r);
}

/* The descriptor and no-follow forms, on a file, a symlink to it and a directory. */
static void forms(const char *dir, const char *f, const char *link)
{
	char buf[16];
	int fd = open(f, O_RDWR);
	check_ok("fset", fsetxattr(fd, "user.f", "fd", 2, 0));
	long r = getxattr(f, "user.f", buf, sizeof(buf));
	CHECK("fset-seen-by-path", r == 2 && memcmp(buf, "fd", 2) == 0, "returned %ld", r);
	r = fgetxattr(fd, "user.f", buf, sizeof(buf));
	CHECK("fget", r == 2, "returned %ld", r);
	CHECK("flist", flistxattr(fd, NULL, 0) == listxattr(f, NULL, 0), "errno %d", errno);
	check_ok("fremove", fremovexattr(fd, "user.f"));
	close(fd);
	check_err("fget-badfd", fgetxattr(-1, "user.f", buf, sizeof(buf)), EBADF);
	r = getxattr(link, "user.empty", buf, sizeof(buf));
	CHECK("get-through-link", r == 0, "returned %ld errno %d", r, errno);
	check_err("lset-symlink", lsetxattr(link, "user.l", "x", 1, 0), EPERM);
	check_err("lget-symlink", lgetxattr(link, "user.empty", buf, sizeof(buf)), ENODATA);
	check_ok("set-dir", setxattr(dir, "user.d", "dd", 2, 0));
	CHECK("get-dir", getxattr(dir, "user.d", NULL, 0) == 2, "errno %d", errno);
}

/* Attributes go with the file: a new file of the same name has none. */
static void lifetime(const char *f)
{
	unlink(f);
	int fd = open(f, O_CREAT | O_RDWR, 0644);
	close(fd);
	CHECK("new-file-empty", listxattr(f, NULL, 0) == 0, "errno %d", errno);
	check_err("new-file-get", getxattr(f, "user.empty", NULL, 0), ENODATA);
}

int main(void)
{
	char dir[] = "/tmp/lxxattr.XXXXXX", f[64], link[64];
	if (!CHECK("mkdtemp", mkdtemp(dir) != NULL, "errno %d", errno))
		return t_done();
	snprintf(f, sizeof(f), "%s/file", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	close(open(f, O_CREAT | O_RDWR, 0644));
	check_ok("symlink", symlink(f, link));
	values(f);
	names(f);
	lists(f);
	forms(dir, f, link);
	lifetime(f);
	unlink(link);
	unlink(f);
	rmdir(dir);
	return t_done();
}
