/*
 * inotify: inotify_init1's flags, watches added, changed and removed, and
 * the events read for a directory's children (create, open, modify with
 * repeats merged, close-write, attrib, a rename's two events with one cookie,
 * delete, directories marked IN_ISDIR) and for a file's own watch (modify,
 * delete-self then ignored, one-shot); the read format, FIONREAD, poll, a
 * reader in another process, and the errors of each call.
 */
#define T_NAME "inotify"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64], dir2[80];

/* One event as read: its fields and name ("" if none). */
struct ev {
	int wd;
	uint32_t mask, cookie;
	char name[32];
};

/* Read every queued event of fd (non-blocking) into out; how many. */
static int drain(int fd, struct ev *out, int max)
{
	char buf[4096] __attribute__((aligned(8)));
	int n = 0;
	long got;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < got && n < max;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);
			out[n] = (struct ev){ e->wd, e->mask, e->cookie, "" };
			if (e->len)
				snprintf(out[n].name, sizeof(out[n].name), "%s", e->name);
			n++;
			off += (long)sizeof(*e) + e->len;
		}
	return n;
}

/* The events as text, "wd:mask:name ...", for comparing with what is expected. */
static const char *show(const struct ev *e, int n)
{
	static char s[1024];
	size_t at = 0;
	s[0] = 0;
	for (int i = 0; i < n && at < sizeof(s) - 64; i++)
		at += (size_t)snprintf(s + at, sizeof(s) - at, "%s%d:%#x:%s", i ? " " : "", e[i].wd, e[i].mask,
				       e[i].name);
	return s;
}

static void path_in(char *out, const char *d, const char *name)
{
	snprintf(out, 128, "%s/%s", d, name);
}

static void write_file(const char *path, const char *text, int times)
{
	int f = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	for (int i = 0; i < times; i++)
		write(f, text, strlen(text));
	close(f);
}

static void check_calls(int fd, int wd)
{
	char p[128];
	int pipefd[2];
	pipe(pipefd);
	check_err("init1-bad-flags-einval", inotify_init1(1), EINVAL);
	check_err("add-mask-0-einval", inotify_add_watch(fd, dir, 0), EINVAL);
	check_err("add-not-inotify-einval", inotify_add_watch(pipefd[0], dir, IN_CREATE), EINVAL);
	check_err("add-bad-fd-ebadf", inotify_add_watch(900, dir, IN_CREATE), EBADF);
	path_in(p, dir, "missing");
	check_err("add-missing-enoent", inotify_add_watch(fd, p, IN_CREATE), ENOENT);
	check_err("add-add-create-einval", inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE),
		  EINVAL);
	check_err("add-mask-create-eexist", inotify_add_watch(fd, dir, IN_CREATE | IN_MASK_CREATE), EEXIST);
	CHECK("add-again-same-wd", inotify_add_watch(fd, dir, IN_ALL_EVENTS) == wd, "another wd");
	write_file(p, "x", 1);
	check_err("onlydir-file-enotdir", inotify_add_watch(fd, p, IN_MODIFY | IN_ONLYDIR), ENOTDIR);
	unlink(p);
	check_err("rm-bad-wd-einval", inotify_rm_watch(fd, 12345), EINVAL);
	check_err("rm-not-inotify-einval", inotify_rm_watch(pipefd[0], wd), EINVAL);
	close(pipefd[0]);
	close(pipefd[1]);
	struct ev e[16];
	drain(fd, e, 16);
}

static void check_dir_events(int fd, int wd)
{
	struct ev e[32];
	char a[128], b[128], sub[128];
	char want[512];
	path_in(a, dir, "a");
	path_in(b, dir, "b");
	path_in(sub, dir, "sub");

	int f = open(a, O_WRONLY | O_CREAT | O_EXCL, 0644);
	write(f, "one", 3);
	write(f, "two", 3); /* the same event again, unread: merged */
	close(f);
	int n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:a %d:%#x:a %d:%#x:a %d:%#x:a", wd, IN_CREATE, wd, IN_OPEN, wd, IN_MODIFY,
		 wd, IN_CLOSE_WRITE);
	CHECK("create-open-modify-close", strcmp(show(e, n), want) == 0, "got '%s', want '%s'", show(e, n), want);

	f = open(a, O_RDONLY);
	close(f);
	chmod(a, 0600);
	n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:a %d:%#x:a %d:%#x:a", wd, IN_OPEN, wd, IN_CLOSE_NOWRITE, wd, IN_ATTRIB);
	CHECK("open-close-nowrite-attrib", strcmp(show(e, n), want) == 0, "got '%s', want '%s'", show(e, n), want);

	rename(a, b);
	n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:a %d:%#x:b", wd, IN_MOVED_FROM, wd, IN_MOVED_TO);
	CHECK("rename-events", strcmp(show(e, n), want) == 0, "got '%s', want '%s'", show(e, n), want);
	CHECK("rename-cookie", n == 2 && e[0].cookie != 0 && e[0].cookie == e[1].cookie, "cookies %u %u", e[0].cookie,
	      e[1].cookie);

	mkdir(sub, 0755);
	rmdir(sub);
	n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:sub %d:%#x:sub", wd, IN_CREATE | IN_ISDIR, wd, IN_DELETE | IN_ISDIR);
	CHECK("mkdir-rmdir-isdir", strcmp(show(e, n), want) == 0, "got '%s', want '%s'", show(e, n), want);

	/* a rename into another watched directory: the two events on two watches, one cookie */
	int wd2 = inotify_add_watch(fd, dir2, IN_MOVED_TO);
	char c[128];
	path_in(c, dir2, "c");
	rename(b, c);
	n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:b %d:%#x:c", wd, IN_MOVED_FROM, wd2, IN_MOVED_TO);
	CHECK("rename-across", strcmp(show(e, n), want) == 0 && e[0].cookie == e[1].cookie, "got '%s', want '%s'",
	      show(e, n), want);
	rename(c, b);
	drain(fd, e, 32);
}

/* A file's own watch besides its directory's: each its event, the directory's first; the end of the file. */
static void check_file_watch(int fd, int wd)
{
	struct ev e[32];
	char b[128], want[512];
	path_in(b, dir, "b");
	int fw = inotify_add_watch(fd, b, IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE_SELF);
	CHECK("file-watch-new-wd", fw > 0 && fw != wd, "wd %d", fw);
	int f = open(b, O_WRONLY);
	write(f, "x", 1);
	close(f);
	int n = drain(fd, e, 32);
	snprintf(want, sizeof(want), "%d:%#x:b %d:%#x:b %d:%#x: %d:%#x:b %d:%#x:", wd, IN_OPEN, wd, IN_MODIFY, fw,
		 IN_MODIFY, wd, IN_CLOSE_WRITE, fw, IN_CLOSE_WRITE);
	CHECK("file-and-dir-watch", strcmp(show(e, n), want) == 0, "got '%s', want '%s'", show(e, n), want);

	unlink(b);
	n = drain(fd, e, 32);
	int del = -1, self = -1, ign = -1;
	for (int i = 0; i < n; i++) {
		if (e[i].wd == wd && e[i].mask == IN_DELETE && strcmp(e[i].name, "b") == 0)
			del = i;
		if (e[i].wd == fw && e[i].mask == IN_DELETE_SELF)
			self = i;
		if (e[i].wd == fw && e[i].mask == IN_IGNORED)
			ign = i;
	}
	CHECK("unlink-events", n == 3 && del >= 0 && self >= 0 && ign > self, "got '%s'", show(e, n));
	check_err("rm-ended-watch-einval", inotify_rm_watch(fd, fw), EINVAL);

	/* one-shot: one event, then the watch ends */
	write_file(b, "y", 1);
	drain(fd, e, 32);
	int ow = inotify_add_watch(fd, b, IN_MODIFY | IN_ONESHOT);
	write_file(b, "1", 1);
	write_file(b, "2", 1);
	n = drain(fd, e, 32);
	int mods = 0, ignored = 0;
	for (int i = 0; i < n; i++) {
		mods += e[i].wd == ow && e[i].mask == IN_MODIFY;
		ignored += e[i].wd == ow && e[i].mask == IN_IGNORED;
	}
	CHECK("oneshot", mods == 1 && ignored == 1, "got '%s'", show(e, n));
	unlink(b);
	drain(fd, e, 32);
}

static void check_read_poll(int fd, int wd)
{
	char p[128], buf[256] __attribute__((aligned(8)));
	path_in(p, dir, "longer-name");
	struct pollfd pf = { fd, POLLIN, 0 };
	CHECK("poll-empty", poll(&pf, 1, 0) == 0, "revents %#x", pf.revents);
	check_err("read-empty-eagain", read(fd, buf, sizeof(buf)), EAGAIN);
	write_file(p, "", 0);
	CHECK("poll-ready", poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "revents %#x", pf.revents);
	int queued = -1;
	ioctl(fd, FIONREAD, &queued);
	check_err("read-too-small-einval", read(fd, buf, sizeof(struct inotify_event)), EINVAL);
	long n = read(fd, buf, sizeof(buf));
	CHECK("fionread", queued == n, "FIONREAD %d, read %ld", queued, n);
	struct inotify_event *e = (struct inotify_event *)buf;
	CHECK("name-padded", e->wd == wd && e->mask == IN_CREATE && e->len == 16 && strcmp(e->name, "longer-name") == 0,
	      "wd %d mask %#x len %u name '%s'", e->wd, e->mask, e->len, e->name);
	unlink(p);
	struct ev ev[8];
	drain(fd, ev, 8);

	/* a blocking read in another process sees this one's change */
	int bfd = inotify_init1(0);
	inotify_add_watch(bfd, dir, IN_CREATE);
	pid_t child = fork();
	if (child == 0) {
		n = read(bfd, buf, sizeof(buf));
		_exit(n > 0 && e->mask == IN_CREATE && strcmp(e->name, "late") == 0 ? 0 : 1);
	}
	struct timespec t = { 0, 100000000L };
	nanosleep(&t, NULL);
	path_in(p, dir, "late");
	write_file(p, "", 0);
	int status = -1;
	waitpid(child, &status, 0);
	CHECK("read-in-other-process", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	unlink(p);
	close(bfd);
	drain(fd, ev, 8);

	check_ok("rm-watch", inotify_rm_watch(fd, wd));
	n = drain(fd, ev, 8);
	CHECK("rm-watch-ignored", n == 1 && ev[0].wd == wd && ev[0].mask == IN_IGNORED, "got '%s'", show(ev, (int)n));
	check_err("rm-again-einval", inotify_rm_watch(fd, wd), EINVAL);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/inotify-XXXXXX");
	mkdtemp(dir);
	snprintf(dir2, sizeof(dir2), "%s-other", dir);
	mkdir(dir2, 0755);
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	check_ok("init1", fd);
	CHECK("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD %d", fcntl(fd, F_GETFD));
	CHECK("nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "F_GETFL %#x", fcntl(fd, F_GETFL));
	char link[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	CHECK("proc-fd-name", strcmp(link, "anon_inode:inotify") == 0, "link '%s'", link);
	int wd = inotify_add_watch(fd, dir, IN_ALL_EVENTS);
	CHECK("add-watch", wd > 0, "wd %d errno %d", wd, errno);
	check_calls(fd, wd);
	check_dir_events(fd, wd);
	check_file_watch(fd, wd);
	check_read_poll(fd, wd);
	close(fd);
	rmdir(dir2);
	rmdir(dir);
	return t_done();
}
