/* The end of /dev/fuse a test's own FUSE server holds (no libfuse): mounting it, reading a request, answering one. */
#ifndef TESTS_VOLUMES_FUSE_SERVER_H
#define TESTS_VOLUMES_FUSE_SERVER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/mount.h>
#include <sys/stat.h>

static int fuse_dev = -1;

/* The bodies of the answers a test's server builds. */
union fuse_body {
	struct fuse_entry_out entry;
	struct fuse_attr_out attr;
	struct fuse_open_out open;
	struct fuse_write_out write;
	struct fuse_statfs_out statfs;
};

/* Mount a new connection at dir (made if missing) as file system type "fuse.NAME": 0, or -1 with errno. */
static int fuse_mount(const char *dir, const char *name)
{
	char opts[128], type[64];
	mkdir("/mnt", 0755);
	mkdir(dir, 0755);
	if ((fuse_dev = open("/dev/fuse", O_RDWR)) < 0)
		return -1;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_dev);
	snprintf(type, sizeof(type), "fuse.%s", name);
	return mount(name, dir, type, 0, opts);
}

/* Answer request unique with error (a negative errno, or 0) and len bytes of body: 0 or -errno. */
static int fuse_answer(uint64_t unique, int error, const void *body, size_t len)
{
	static char buf[sizeof(struct fuse_out_header) + 64 * 1024];
	struct fuse_out_header h = { (uint32_t)(sizeof(h) + len), error, unique };
	if (len > sizeof(buf) - sizeof(h))
		return -EINVAL;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), body, len);
	return write(fuse_dev, buf, h.len) == (ssize_t)h.len ? 0 : -errno;
}

/* The next request, its header (in a buffer of its own until the next call), its argument at *arg: NULL when none could be read. */
static struct fuse_in_header *fuse_request(const char **arg)
{
	static char buf[FUSE_MIN_READ_BUFFER + 128 * 1024];
	ssize_t n = read(fuse_dev, buf, sizeof(buf));
	*arg = buf + sizeof(struct fuse_in_header);
	return n < (ssize_t)sizeof(struct fuse_in_header) ? NULL : (struct fuse_in_header *)buf;
}

/* Answer INIT as a server of protocol 7.19 that takes writes of 4 KiB, with these flags. */
static void fuse_init_answer(uint64_t unique, uint32_t flags)
{
	struct fuse_init_out o = { .major = 7, .minor = 19, .flags = flags, .max_write = 4096 };
	fuse_answer(unique, 0, &o, sizeof(o));
}

/* The attributes of node: the root a folder, any other an empty file. */
static inline void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	*a = (struct fuse_attr){ .ino = node, .nlink = 1 };
	a->mode = node == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0644;
}

#endif
