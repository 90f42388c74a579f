/* mica-init: the small init `mica run --init` starts as pid 1: it mounts the disks, runs the program as its child, reaps orphans and forwards signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: mica-init PROG [ARGS...]
 *
 * As `docker run --init` does: the program runs as pid 2 with every signal
 * at its default; init waits, reaping every child that ends (orphans are
 * re-parented to pid 1), and sends the program each signal init receives
 * (SIGTERM from `kill 1`, say). When the program ends, init ends with its
 * status, or with 128 + the signal that killed it, as a shell reports it.
 * When the console is a terminal the program runs in its own process group,
 * in the foreground, so that ^C reaches it and not init.
 *
 * Disks first: each line "disk vdX rw|ro DIR" of /.mica/volumes is a disk
 * whose ext2/3/4 file system mica-ext4 (libos/lx/ext4) serves at DIR, as a
 * FUSE server beside the program (not its child). Init starts each, waits for
 * its mount, and after the program has ended unmounts it and waits for
 * the server to write everything back and mark the file system clean.
 * A disk for "/" (mica run --rootfs) is mounted at NEW_ROOT, then moved
 * over "/"; lx's /dev and /proc stay in place.
 */
#define MAX_DISKS 8
#define FUSE_SUPER_MAGIC 0x65735546
#define MOUNT_WAIT_S 120 /* a server that has not mounted by then has failed */
#define NEW_ROOT "/.mica/root" /* where a disk for "/" (mica run --rootfs) is mounted first */
#define EXT4_SERVER "/sbin/mica-ext4" /* mica run packs it there */

/* A disk's file system server: its process, where it mounts, and what it printed (on a failure, said). */
struct server {
	pid_t pid;
	char dev[32], dir[256];
	int out; /* the read end of its stdout and stderr */
	int status; /* as waitpid gives it, once it has ended; else -1 */
};
static struct server servers[MAX_DISKS];
static int nservers;

/* Signals init takes for itself: the ones that stop it, and the one that tells of a child. */
static int own_signal(int sig)
{
	return sig == SIGCHLD || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* The program's side of the fork: own group in the foreground of a terminal, every signal at its default, then exec. */
static void run(char **argv, const sigset_t *mask)
{
	if (isatty(0)) {
		setpgid(0, 0);
		signal(SIGTTOU, SIG_IGN); /* a background group may not take the terminal otherwise */
		tcsetpgrp(0, getpid());
		signal(SIGTTOU, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(argv[0], argv);
	int err = errno;
	fprintf(stderr, "mica-init: cannot run %s: %s\n", argv[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* A child ended with status: if it is a disk's server, note it there. */
static void server_ended(pid_t pid, int status)
{
	for (int i = 0; i < nservers; i++)
		if (servers[i].pid == pid)
			servers[i].status = status;
}

/* Reap every child that has ended; when the program is among them, its status as a shell reports it, else -1. */
static int reap(pid_t prog)
{
	int status, code = -1;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		server_ended(pid, status);
		if (pid == prog)
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return code;
}

/* Say on stderr what server s printed (why it failed). */
static void server_said(struct server *s)
{
	char buf[1024];
	ssize_t n;
	fcntl(s->out, F_SETFL, O_NONBLOCK);
	while ((n = read(s->out, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stderr);
}

/* Start the server of one "disk vdX rw|ro DIR" line (with signal mask mask) and wait until it has mounted DIR: 0, or -1 (said). */
static int disk_mount(const char *line, const sigset_t *mask)
{
	struct server *s = &servers[nservers];
	char mode[4];
	if (nservers == MAX_DISKS || sscanf(line, "disk %31s %3s %255s", s->dev, mode, s->dir) != 3) {
		fprintf(stderr, "mica-init: bad disk line: %s\n", line);
		return -1;
	}
	char dev[48];
	snprintf(dev, sizeof(dev), "/dev/%s", s->dev);
	/* a new root is mounted aside and then moved over "/": the server may still look at its old root meanwhile */
	const char *mnt = strcmp(s->dir, "/") == 0 ? NEW_ROOT : s->dir;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0 || (s->pid = fork()) < 0) {
		perror("mica-init: a disk's server");
		return -1;
	}
	if (s->pid == 0) { /* what the server says is said only if it fails */
		dup2(p[1], 1);
		dup2(p[1], 2);
		sigprocmask(SIG_SETMASK, mask, NULL);
		execl(EXT4_SERVER, EXT4_SERVER, dev, mnt, "-o", strcmp(mode, "ro") == 0 ? "ro" : "rw", NULL);
		fprintf(stderr, "mica-init: cannot run %s: %s\n", EXT4_SERVER, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	s->out = p[0];
	s->status = -1;
	nservers++;
	for (long ms = 0; ms < MOUNT_WAIT_S * 1000L; ms += 5) {
		struct statfs st;
		if (statfs(mnt, &st) == 0 && st.f_type == FUSE_SUPER_MAGIC) {
			if (mnt != s->dir && mount(mnt, s->dir, NULL, MS_MOVE, NULL) < 0) {
				perror("mica-init: the new root");
				return -1;
			}
			/* the mount is read-only in lx too, whatever the server asked */
			return strcmp(mode, "ro") == 0 && mount(NULL, s->dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0
				       ? -1
				       : 0;
		}
		int status;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->status = status;
			break;
		}
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	server_said(s);
	fprintf(stderr, "mica-init: the file system on %s could not be mounted at %s\n", dev, s->dir);
	return -1;
}

/* Start the server of every disk line of /.mica/volumes: 0, or -1 when one failed. */
static int disks_mount(const sigset_t *mask)
{
	FILE *f = fopen("/.mica/volumes", "r");
	char line[512];
	int r = 0;
	while (f && r == 0 && fgets(line, sizeof(line), f))
		if (strncmp(line, "disk ", 5) == 0)
			r = disk_mount(line, mask);
	if (f)
		fclose(f);
	char cwd[4096]; /* a working directory on a disk is the mounted one from now on */
	if (r == 0 && nservers && getcwd(cwd, sizeof(cwd)))
		chdir(cwd);
	return r;
}

/* Unmount every disk and wait for its server to have written all back: 0, or -1 (said) when one did not end well. */
static int disks_unmount(void)
{
	int r = 0;
	for (int i = nservers - 1; i >= 0; i--) {
		struct server *s = &servers[i];
		if (s->status == -1 && umount2(s->dir, 0) < 0)
			perror("mica-init: umount");
		while (s->status == -1) {
			int status;
			pid_t pid = waitpid(-1, &status, 0);
			if (pid < 0)
				break;
			server_ended(pid, status);
		}
		if (!WIFEXITED(s->status) || WEXITSTATUS(s->status) != 0) {
			server_said(s);
			fprintf(stderr, "mica-init: the server of /dev/%s at %s ended with status %d\n", s->dev, s->dir,
				WIFEXITED(s->status) ? WEXITSTATUS(s->status) : 128 + WTERMSIG(s->status));
			r = -1;
		}
	}
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mica-init PROG [ARGS...]\n");
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old); /* every signal waits for sigwaitinfo below */
	if (disks_mount(&old) < 0) {
		disks_unmount();
		return 1;
	}
	pid_t prog = fork();
	if (prog < 0) {
		perror("mica-init: fork");
		return 1;
	}
	if (prog == 0)
		run(argv + 1, &old);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (!own_signal(sig) && kill(prog, sig) < 0 && errno != ESRCH)
			perror("mica-init: kill");
		if (sig == SIGCHLD) {
			int code = reap(prog);
			if (code >= 0)
				return disks_unmount() < 0 && code == 0 ? 1 : code;
		}
	}
}
