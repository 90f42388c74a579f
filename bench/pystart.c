/*
 * Start-up of a large dynamic program: from machine reset to `python3 -c pass` having exited.
 *
 * The same static program is init under Linux and the program `mica run`
 * starts on Mica. It runs /usr/bin/python3 -c pass as a child, waits for it,
 * and prints RDTSC, which under QEMU TCG with -icount shift=0 is the count of
 * guest instructions (virtual ns) since reset (see bench.c for the check of
 * that method):
 *     bench python3_pass_exit <guest-instructions> 1
 * As init (pid 1) it mounts /dev and /proc first, and powers the machine off
 * at the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

int main(void)
{
	if (getpid() == 1) { /* as Linux's init: the device nodes python reads (/dev/urandom) */
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
		mount("proc", "/proc", "proc", 0, NULL);
	}
	char *argv[] = { "python3", "-c", "pass", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", "HOME=/", NULL };
	pid_t pid = fork();
	if (pid == 0) {
		execve("/usr/bin/python3", argv, envp);
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		printf("bench python3_pass_exit FAIL status %#x\n", st);
	else
		printf("bench python3_pass_exit %llu 1\n", (unsigned long long)rdtsc());
	printf("info done\n");
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return 0;
}
