/* perms: who may do what in a folder, root and then another user: the same checks on any Linux file system. */
#define T_NAME "perms"
#include "../linux/check.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <utime.h>

/* usage: perms DIR   (as root; DIR exists and is empty) */

#define USER 1000

/* What root sets up: a file and a folder of root's that others may only read, a sticky folder open to all. */
static int setup(void)
{
	int fd = open("roots", O_CREAT | O_EXCL | O_WRONLY, 0644);
	return fd >= 0 && write(fd, "root\n", 5) == 5 && close(fd) == 0 && mkdir("closed", 0755) == 0 &&
	       mkdir("open", 01777) == 0 && chmod("open", 01777) == 0 && mkdir("private", 0700) == 0 &&
	       (fd = open("open/roots", O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0 && close(fd) == 0 &&
	       (fd = open("secret", O_CREAT | O_EXCL | O_WRONLY, 0600)) >= 0 && close(fd) == 0 &&
	       (fd = open("noexec", O_CREAT | O_EXCL | O_WRONLY, 0644)) >= 0 && close(fd) == 0;
}

/* The checks made as USER, in a child: its status is t_done()'s. */
static int as_user(void)
{
	if (setgid(USER) < 0 || setuid(USER) < 0)
		return 2;
	char buf[8];
	int fd = open("roots", O_RDONLY);
	check_ok("user-reads-readable", fd >= 0 ? read(fd, buf, sizeof(buf)) : -1);
	if (fd >= 0)
		close(fd);
	check_err("user-write-refused", open("roots", O_WRONLY), EACCES);
	check_err("user-read-refused", open("secret", O_RDONLY), EACCES);
	check_err("user-create-refused", open("closed/mine", O_CREAT | O_WRONLY, 0644), EACCES);
	check_err("user-mkdir-refused", mkdir("closed/sub", 0755), EACCES);
	check_err("user-unlink-refused", unlink("roots"), EACCES);
	check_err("user-rename-refused", rename("roots", "closed/moved"), EACCES);
	check_err("user-chmod-refused", chmod("roots", 0666), EPERM);
	check_err("user-chown-refused", chown("roots", USER, USER), EPERM);
	check_err("user-truncate-refused", truncate("roots", 0), EACCES);
	check_err("user-utimes-refused", utime("roots", &(struct utimbuf){ 1, 1 }), EPERM);
	check_err("user-lookup-refused", open("private/x", O_RDONLY), EACCES);
	fd = open("open/mine", O_CREAT | O_EXCL | O_WRONLY, 0600);
	check_ok("user-create-in-sticky", fd);
	if (fd >= 0)
		close(fd);
	struct stat st;
	check("user-owns-new", stat("open/mine", &st) == 0 && st.st_uid == USER && st.st_gid == USER, "uid %u gid %u",
	      st.st_uid, st.st_gid);
	check_ok("user-chmod-own", chmod("open/mine", 0644));
	check_err("user-sticky-unlink-refused", unlink("open/roots"), EPERM);
	check_ok("user-unlink-own", unlink("open/mine"));
	return t_done();
}

int main(int argc, char **argv)
{
	if (argc != 2 || chdir(argv[1]) < 0) {
		printf("not ok perms/usage: perms DIR\n");
		return 1;
	}
	check("setup", setup(), "errno %d", errno);
	pid_t pid = fork();
	if (pid == 0)
		_exit(as_user());
	int status = 0;
	check("user-ran", waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) != 2,
	      "status %#x", status);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		t_failed++; /* the child's own "not ok" lines say which */
	check_ok("root-writes-any", open("roots", O_WRONLY));
	check_ok("root-reads-private", open("secret", O_RDONLY));
	check_err("root-exec-refused", execl("./noexec", "noexec", NULL), EACCES);
	check_ok("root-unlink-in-sticky", unlink("open/roots"));
	return t_done();
}
