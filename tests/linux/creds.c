/* Credentials: the real, effective and saved ids as setresuid, setreuid, setuid and their gid forms change them, and groups. */
#define T_NAME "creds"
#include "check.h"

#include <grp.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <unistd.h>

/* As root, in a child (the parent stays root): the ids move as Linux moves them. */
static int root_child(void)
{
	uid_t r, e, s;
	gid_t groups[4] = { 7, 8, 9, 10 }, back[8];
	if (setgroups(4, groups) != 0 || getgroups(8, back) != 4 || back[2] != 9 || getgroups(0, NULL) != 4)
		return 1;
	if (setresgid(100, 101, 102) != 0 || getresgid(&r, &e, &s) != 0 || r != 100 || e != 101 || s != 102)
		return 2;
	if (setresuid(1000, 1001, 0) != 0 || getuid() != 1000 || geteuid() != 1001)
		return 3;
	if (setgroups(0, NULL) != -1 || errno != EPERM) /* no longer privileged */
		return 4;
	if (setresuid(-1, 0, -1) != 0 || geteuid() != 0) /* back to the saved id */
		return 5;
	if (setuid(2000) != 0 || getresuid(&r, &e, &s) != 0 || r != 2000 || e != 2000 || s != 2000) /* privileged: all three */
		return 6;
	if (setuid(0) != -1 || errno != EPERM) /* and there is no way back */
		return 7;
	if (setreuid(-1, 2000) != 0 || (uid_t)setfsuid(-1) != 2000)
		return 8;
	return 0;
}

int main(void)
{
	uid_t r, e, s;
	CHECK("getresuid", getresuid(&r, &e, &s) == 0 && r == getuid() && e == geteuid(), "errno %d", errno);
	CHECK("setresuid-keep-all", setresuid(-1, -1, -1) == 0 && getuid() == r, "errno %d", errno);
	CHECK("getgroups-count", getgroups(0, NULL) >= 0, "errno %d", errno);
	if (geteuid() == 0) {
		pid_t p = fork();
		if (p == 0)
			_exit(root_child());
		int st = 0;
		waitpid(p, &st, 0);
		CHECK("root-ids-move", WIFEXITED(st) && WEXITSTATUS(st) == 0, "step %d failed", WEXITSTATUS(st));
		CHECK("parent-still-root", getuid() == 0 && geteuid() == 0, "uid %d", (int)getuid());
	} else {
		errno = 0;
		CHECK("unprivileged-setuid-0", setuid(0) == -1 && errno == EPERM, "errno %d", errno);
		CHECK("unprivileged-setgroups", setgroups(0, NULL) == -1 && errno == EPERM, "errno %d", errno);
	}
	return t_done();
}
