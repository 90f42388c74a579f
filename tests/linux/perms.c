/*
 * Permissions between users, as Linux enforces them: a process that gave up
 * root (uid and gid 65534) may not read, write, run, search, remove, chmod
 * or chown what the mode bits keep from it, may not remove another's file
 * from a sticky directory, and may not signal root's processes; what the
 * bits allow still works, and what it creates is its own. Needs root to
 * start with (on Mica every program does).
 */
#define _GNU_SOURCE
#define T_NAME "perms"
#include "check.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534
static char dir[] = "/tmp/permsXXXXXX";

/* Make path with mode (and some bytes, for a file) as root. */
static int make(const char *name, mode_t mode, int is_dir)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (is_dir)
		return mkdir(p, mode) == 0 && chmod(p, mode) == 0 ? 0 : -1;
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, mode);
	int ok = fd >= 0 && write(fd, "#!/bin/sh\nexit 0\n", 17) == 17 && fchmod(fd, mode) == 0;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static const char *at(const char *name)
{
	static char p[4][128];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* Open and close; the errno of a failure, or 0. */
static int try_open(const char *name, int flags)
{
	int fd = open(at(name), flags, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* As nobody: each step's outcome; the first that differs from Linux's is the exit status. */
static int as_nobody(pid_t root_pid)
{
	struct stat st;
	if (setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 || setresuid(NOBODY, NOBODY, NOBODY) != 0)
		return 1;
	if (try_open("secret", O_RDONLY) != EACCES)
		return 2;
	if (try_open("public", O_RDONLY) != 0 || try_open("public", O_WRONLY) != EACCES)
		return 3;
	if (try_open("private/inside", O_RDONLY) != EACCES) /* no search permission on private */
		return 4;
	if (access(at("secret"), R_OK) != -1 || errno != EACCES || access(at("public"), R_OK) != 0)
		return 5;
	if (try_open("made-by-nobody", O_CREAT | O_WRONLY) != EACCES) /* dir is root's 0755 */
		return 6;
	if (try_open("open/mine", O_CREAT | O_WRONLY) != 0 || stat(at("open/mine"), &st) != 0 || st.st_uid != NOBODY ||
	    st.st_gid != NOBODY)
		return 7;
	if (unlink(at("public")) != -1 || errno != EACCES || mkdir(at("newdir"), 0755) != -1 || errno != EACCES)
		return 8;
	if (chmod(at("public"), 0666) != -1 || errno != EPERM || chown(at("open/mine"), 0, 0) != -1 || errno != EPERM)
		return 9;
	if (chmod(at("open/mine"), 0600) != 0) /* its own file */
		return 10;
	char *argv[] = { "public", NULL };
	if (execve(at("public"), argv, argv + 1) != -1 || errno != EACCES) /* no execute bit */
		return 11;
	if (unlink(at("sticky/roots")) != -1 || errno != EPERM) /* another's file in a sticky directory */
		return 12;
	if (kill(root_pid, 0) != -1 || errno != EPERM || kill(root_pid, SIGKILL) != -1 || errno != EPERM)
		return 13;
	if (kill(getpid(), 0) != 0)
		return 14;
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "/tmp/perms-nobody-%d", (int)getpid());
	int fd = open(tmp, O_CREAT | O_WRONLY | O_EXCL, 0600); /* /tmp is everyone's */
	if (fd < 0 || close(fd) != 0 || unlink(tmp) != 0)
		return 15;
	return 0;
}

int main(void)
{
	if (!CHECK("started-as-root", geteuid() == 0, "euid %d: this test needs root", (int)geteuid()))
		return t_done();
	umask(0);
	int ok = mkdtemp(dir) && chmod(dir, 0755) == 0 && make("secret", 0600, 0) == 0 && make("public", 0644, 0) == 0 &&
		 make("private", 0700, 1) == 0 && make("private/inside", 0644, 0) == 0 && make("open", 0777, 1) == 0 &&
		 make("sticky", 01777, 1) == 0 && make("sticky/roots", 0666, 0) == 0;
	CHECK("setup", ok, "errno %d", errno);
	pid_t me = getpid(), c = fork();
	if (c == 0)
		_exit(as_nobody(me));
	int st = -1;
	waitpid(c, &st, 0);
	CHECK("nobody-held-to-the-bits", WIFEXITED(st) && WEXITSTATUS(st) == 0, "step %d went otherwise than on Linux",
	      WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	CHECK("root-still-may", access(at("secret"), R_OK | W_OK) == 0 && try_open("secret", O_RDWR) == 0, "errno %d",
	      errno);
	const char *names[] = { "open/mine", "sticky/roots", "secret", "public", "private/inside" };
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(at(names[i]));
	rmdir(at("private"));
	rmdir(at("open"));
	rmdir(at("sticky"));
	rmdir(dir);
	return t_done();
}
