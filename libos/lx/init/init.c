/* mica-init: the small init `mica run --init` starts as pid 1: it runs the program as its child, reaps orphans and forwards signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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
 */

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

/* Reap every child that has ended; when the program is among them, its status as a shell reports it, else -1. */
static int reap(pid_t prog)
{
	int status, code = -1;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		if (pid == prog)
			code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return code;
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
				return code;
		}
	}
}
