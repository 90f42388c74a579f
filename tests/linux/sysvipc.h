/* What the System V IPC tests (msgq, sems, shm) share: reaping a child, finding an object in /proc/sysvipc. */
#ifndef TESTS_LINUX_SYSVIPC_H
#define TESTS_LINUX_SYSVIPC_H

#include <stdio.h>
#include <sys/wait.h>

/* How child pid ended: its exit code, 128 + the signal that ended it, or -1. */
static int reap(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

/* Does /proc/sysvipc/KIND have a line for id with these permission bits (as its second and third fields)? */
static int proc_sysvipc_has(const char *kind, int id, unsigned mode)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind);
	FILE *f = fopen(path, "r");
	int found = 0;
	while (f && !found && fgets(line, sizeof(line), f)) {
		int key, got_id;
		unsigned perms;
		found = sscanf(line, "%d %d %o", &key, &got_id, &perms) == 3 && got_id == id && (perms & 0777) == mode;
	}
	if (f)
		fclose(f);
	return found;
}

#endif
