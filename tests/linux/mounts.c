/* Mounts: tmpfs, proc and bind mounts (".." out of them, MS_MOVE), read-only remounts, umount2's errors, /proc's mount lists, and chroot. */
#define T_NAME "mounts"
#include "check.h"
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[64];

/* base/rel into buf. */
static const char *at(char *buf, const char *rel)
{
	snprintf(buf, 128, "%s/%s", base, rel);
	return buf;
}

/* Writes text into a new file at path; 0 or -1. */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	long n = write(fd, text, strlen(text));
	close(fd);
	return n == (long)strlen(text) ? 0 : -1;
}

/* Does the file at path hold exactly text? */
static int holds(const char *path, const char *text)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	long n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (long)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

static ino_t ino_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Does the mount list file (mountinfo: info) have a mount at point of type fstype ("" for any)? */
static int listed(const char *file, int info, const char *point, const char *fstype)
{
	FILE *f = fopen(file, "r");
	char line[512];
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char mp[256], type[64];
		if (info) {
			char *dash = strstr(line, " - ");
			if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 ||
			    sscanf(dash + 3, "%63s", type) != 1)
				continue;
		} else if (sscanf(line, "%*s %255s %63s", mp, type) != 2) {
			continue;
		}
		found = strcmp(mp, point) == 0 && (!*fstype || strcmp(type, fstype) == 0);
	}
	if (f)
		fclose(f);
	return found;
}

/* A tmpfs over base/t: it covers what was there, holds files, and umount2's errors. */
static void tmpfs(void)
{
	char t[128], p[128], q[128];
	check_ok("tmpfs", mount("none", at(t, "t"), "tmpfs", 0, NULL));
	struct stat st;
	check_err("covers", stat(at(p, "t/old"), &st), ENOENT);
	CHECK("file", put(at(p, "t/new"), "new") == 0 && holds(p, "new"), "errno %d", errno);
	check_ok("mkdir", mkdir(at(p, "t/sub"), 0755));
	CHECK("dotdot", ino_of(at(p, "t/..")) == ino_of(base) && ino_of(at(q, "t/sub/../..")) == ino_of(base),
	      "t/.. is not the mount point's parent");
	check_err("umount-not-mount", umount2(at(p, "t/sub"), 0), EINVAL);
	check_err("umount-bad-flags", umount2(t, 0x100), EINVAL);
	check_err("umount-missing", umount2(at(p, "nothing"), 0), ENOENT);
	check_err("rmdir-point", rmdir(t), EBUSY);
	check_ok("nested", mount("none", at(p, "t/sub"), "tmpfs", 0, NULL));
	check_err("umount-busy", umount2(t, 0), EBUSY);
	check_ok("umount-nested", umount2(p, 0));
	check_err("no-type", mount("x", t, "nosuchfs", 0, NULL), ENODEV);
	check_err("no-point", mount("none", at(p, "nothing"), "tmpfs", 0, NULL), ENOENT);
	check_err("not-dir", mount("none", at(p, "t/new"), "tmpfs", 0, NULL), ENOTDIR);
	CHECK("mountinfo", listed("/proc/self/mountinfo", 1, t, "tmpfs"), "%s not in /proc/self/mountinfo", t);
	CHECK("proc-mounts", listed("/proc/mounts", 0, t, "tmpfs"), "%s not in /proc/mounts", t);
}

/* base/b shows base/t (the tmpfs) both ways; a read-only remount of b refuses changes there only. */
static void bind(void)
{
	char t[128], b[128], p[128], q[128];
	check_ok("bind", mount(at(t, "t"), at(b, "b"), NULL, MS_BIND, NULL));
	CHECK("bind-sees", holds(at(p, "b/new"), "new"), "b/new does not hold t/new's text");
	CHECK("bind-both-ways", put(at(p, "b/both"), "both") == 0 && holds(at(q, "t/both"), "both"), "errno %d", errno);
	CHECK("bind-listed", listed("/proc/self/mountinfo", 1, b, ""), "%s not in /proc/self/mountinfo", b);
	check_ok("remount-ro", mount(NULL, b, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	check_err("ro-create", open(at(p, "b/x"), O_WRONLY | O_CREAT, 0644), EROFS);
	check_err("ro-write", open(at(p, "b/new"), O_WRONLY), EROFS);
	check_err("ro-unlink", unlink(at(p, "b/new")), EROFS);
	check_err("ro-mkdir", mkdir(at(p, "b/d"), 0755), EROFS);
	check_err("ro-rename", rename(at(p, "b/new"), at(q, "b/new2")), EROFS);
	check_err("ro-chmod", chmod(at(p, "b/new"), 0600), EROFS);
	check_err("ro-truncate", truncate(at(p, "b/new"), 0), EROFS);
	check_err("ro-utimes", utimes(at(p, "b/new"), NULL), EROFS);
	CHECK("ro-read", holds(at(p, "b/new"), "new"), "b/new unreadable");
	CHECK("rw-elsewhere", put(at(p, "t/y"), "y") == 0 && holds(at(q, "b/y"), "y"), "errno %d", errno);
	check_err("remount-not-mount", mount(NULL, at(p, "t/sub"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL),
		  EINVAL);
	check_ok("umount-bind", umount2(b, MNT_DETACH));
	check_ok("umount", umount2(t, 0));
	CHECK("old-back", holds(at(p, "t/old"), "old"), "t/old is not back");
	struct stat st;
	check_err("vanished", stat(at(p, "t/new"), &st), ENOENT);
	check_err("umount-again", umount2(t, 0), EINVAL);
	CHECK("unlisted", !listed("/proc/self/mountinfo", 1, t, "tmpfs"), "%s still in mountinfo", t);
}

/* base/d/e seen at base/b: ".." at the mount's root leads to base, the mount point's parent, not to base/d. */
static void bind_dotdot(void)
{
	char e[128], b[128], p[128];
	check_ok("bind-dir", mount(at(e, "d/e"), at(b, "b"), NULL, MS_BIND, NULL));
	CHECK("bind-dotdot", ino_of(at(p, "b/..")) == ino_of(base), "b/.. is not base");
	CHECK("bind-sub-dotdot", ino_of(at(p, "b/f/../..")) == ino_of(base), "b/f/../.. is not base");
	CHECK("bind-dotdot-down", ino_of(at(p, "b/../d/e/f")) == ino_of(at(e, "d/e/f")), "b/../d/e/f is not d/e/f");
	int here = open(".", O_RDONLY | O_DIRECTORY);
	char cwd[128] = "";
	CHECK("bind-cwd-dotdot", chdir(b) == 0 && ino_of("..") == ino_of(base) && ino_of("f/../..") == ino_of(base),
	      "from a cwd at b, .. is not base");
	CHECK("bind-getcwd", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, b) == 0, "getcwd says %s", cwd);
	fchdir(here);
	close(here);
	check_ok("umount-bind-dir", umount2(b, 0));
}

/* MS_MOVE of a tmpfs from base/t to base/b: its files go along, t shows what it covered again; of a bind mount; the errors. */
static void move(void)
{
	char t[128], b[128], p[128];
	check_ok("move-setup", mount("none", at(t, "t"), "tmpfs", 0, NULL));
	CHECK("move-file", put(at(p, "t/moved"), "moved") == 0, "errno %d", errno);
	check_ok("move", mount(t, at(b, "b"), NULL, MS_MOVE, NULL));
	CHECK("move-there", holds(at(p, "b/moved"), "moved"), "b/moved does not hold t/moved's text");
	CHECK("move-uncovers", holds(at(p, "t/old"), "old"), "t/old is not back");
	CHECK("move-listed",
	      listed("/proc/self/mountinfo", 1, b, "tmpfs") && !listed("/proc/self/mountinfo", 1, t, "tmpfs"),
	      "mountinfo does not show the tmpfs at %s alone", b);
	CHECK("move-dotdot", ino_of(at(p, "b/..")) == ino_of(base), "b/.. is not base");
	check_err("move-not-mount", mount(at(p, "d/e"), t, NULL, MS_MOVE, NULL), EINVAL);
	check_err("move-missing", mount(at(p, "nothing"), t, NULL, MS_MOVE, NULL), ENOENT);
	check_err("move-onto-file", mount(b, at(p, "t/old"), NULL, MS_MOVE, NULL), EINVAL);
	check_ok("move-mkdir", mkdir(at(p, "b/in"), 0755));
	check_err("move-into-itself", mount(b, at(p, "b/in"), NULL, MS_MOVE, NULL), ELOOP);
	check_ok("move-umount", umount2(b, 0));
	check_ok("move-bind-setup", mount(at(p, "d/e"), t, NULL, MS_BIND, NULL));
	check_ok("move-bind", mount(t, b, NULL, MS_MOVE, NULL));
	CHECK("move-bind-there",
	      ino_of(at(p, "b/f")) == ino_of(at(t, "d/e/f")) && ino_of(at(p, "b/..")) == ino_of(base), "b is not d/e");
	struct stat st;
	check_err("move-bind-gone", stat(at(p, "t/f"), &st), ENOENT);
	check_ok("move-bind-umount", umount2(b, 0));
}

/* A tmpfs mounted read-only, and proc seen at another place. */
static void ro_and_proc(void)
{
	char t[128], p[128];
	check_ok("tmpfs-ro", mount("none", at(t, "t"), "tmpfs", MS_RDONLY, NULL));
	check_err("tmpfs-ro-mkdir", mkdir(at(p, "t/d"), 0755), EROFS);
	check_ok("tmpfs-ro-umount", umount2(t, 0));
	check_ok("proc", mount("proc", t, "proc", 0, NULL));
	struct stat st;
	check_ok("proc-self", stat(at(p, "t/self/status"), &st));
	check_ok("proc-umount", umount2(t, 0));
}

/* In a child: chroot to base, paths resolve inside, ".." stays at the root, and a forked child inherits it. */
static void chroot_child(void)
{
	check_ok("chroot", chroot(base));
	check_ok("chdir", chdir("/"));
	CHECK("chroot-open", holds("/t/old", "old"), "/t/old not base's");
	CHECK("chroot-dotdot", ino_of("/..") == ino_of("/") && ino_of("/../../t") == ino_of("/t"),
	      "'..' left the root");
	char cwd[128];
	CHECK("chroot-getcwd", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "getcwd is not /");
	pid_t pid = fork();
	if (pid == 0)
		_exit(holds("/t/old", "old") ? 0 : 1);
	int status = 0;
	CHECK("chroot-inherited",
	      pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	      status);
	check_err("chroot-missing", chroot("/nothing"), ENOENT);
	check_err("chroot-notdir", chroot("/t/old"), ENOTDIR);
}

int main(void)
{
	/* on the host, mounts stay in a namespace of this process's own (lx has one namespace: nothing to do) */
	if (unshare(CLONE_NEWNS) == 0)
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	snprintf(base, sizeof(base), "/tmp/mounts.%d", (int)getpid());
	char p[128];
	if (mkdir(base, 0755) < 0 || mkdir(at(p, "t"), 0755) < 0 || mkdir(at(p, "b"), 0755) < 0 ||
	    put(at(p, "t/old"), "old") < 0 || mkdir(at(p, "d"), 0755) < 0 || mkdir(at(p, "d/e"), 0755) < 0 ||
	    mkdir(at(p, "d/e/f"), 0755) < 0) {
		CHECK("setup", 0, "errno %d", errno);
		return t_done();
	}
	tmpfs();
	bind();
	bind_dotdot();
	move();
	ro_and_proc();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		chroot_child();
		fflush(stdout);
		_exit(t_failed ? 1 : 0);
	}
	int status = 0;
	CHECK("chroot-child",
	      pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x",
	      status);
	CHECK("cwd-kept", ino_of(".") != 0, "cwd lost");
	unlink(at(p, "t/old"));
	rmdir(at(p, "t"));
	rmdir(at(p, "b"));
	rmdir(at(p, "d/e/f"));
	rmdir(at(p, "d/e"));
	rmdir(at(p, "d"));
	rmdir(base);
	return t_done();
}
