/*
 * pidfds: pidfd_open (and PIDFD_NONBLOCK), pidfd_send_signal, pidfd_getfd
 * (with the EPERM of a process that may not reach into another), poll on a
 * pidfd (readable once the process ends, hung up once reaped),
 * waitid(P_PIDFD), and the pidfd that clone and clone3 hand back with
 * CLONE_PIDFD.
 */
#define T_NAME "pidfd"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_NONBLOCK O_NONBLOCK
#define CLONE_PIDFD_FLAG 0x1000

static int pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int pidfd_getfd(int fd, int target, unsigned flags)
{
	return (int)syscall(SYS_pidfd_getfd, fd, target, flags);
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

/* The revents of a poll of fd for POLLIN, waiting up to ms. */
static int poll_in(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, ms) < 0 ? -1 : p.revents;
}

/* A child that waits to be killed; it says it is ready by closing its end of a pipe. */
static pid_t sleeper(void)
{
	int p[2];
	char c;
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	read(p[0], &c, 1);
	close(p[0]);
	return pid;
}

static void *idle_thread(void *arg)
{
	*(volatile pid_t *)arg = (pid_t)syscall(SYS_gettid);
	sleep_ms(300);
	return NULL;
}

static void check_open(void)
{
	int fd = pidfd_open(getpid(), 0);
	check_ok("open-self", fd);
	CHECK("open-cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD %d", fcntl(fd, F_GETFD));
	char link[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	readlink(path, link, sizeof(link) - 1);
	CHECK("proc-fd-name", strcmp(link, "anon_inode:[pidfd]") == 0, "link '%s'", link);
	CHECK("self-not-readable", poll_in(fd, 0) == 0, "revents %#x", poll_in(fd, 0));
	char c;
	check_err("read-einval", read(fd, &c, 1), EINVAL);
	check_ok("send-self-signal-0", pidfd_send(fd, 0, NULL, 0));
	close(fd);
	check_err("open-zero-einval", pidfd_open(0, 0), EINVAL);
	check_err("open-negative-einval", pidfd_open(-5, 0), EINVAL);
	check_err("open-flags-einval", pidfd_open(getpid(), 1), EINVAL);
	check_err("open-no-such-esrch", pidfd_open(4000000, 0), ESRCH);
	volatile pid_t tid = 0;
	pthread_t th;
	pthread_create(&th, NULL, idle_thread, (void *)&tid);
	while (!tid)
		sleep_ms(1);
	check_err("open-thread-enoent", pidfd_open(tid, 0), ENOENT);
	pthread_join(th, NULL);
}

static void check_signal_poll_wait(void)
{
	pid_t child = sleeper();
	int fd = pidfd_open(child, 0);
	check_ok("open-child", fd);
	CHECK("live-not-readable", poll_in(fd, 0) == 0, "revents %#x", poll_in(fd, 0));
	check_err("send-flags-einval", pidfd_send(fd, SIGTERM, NULL, 8), EINVAL);
	check_err("send-two-scopes-einval", pidfd_send(fd, SIGTERM, NULL, 2 | 4), EINVAL);
	check_err("send-bad-signal-einval", pidfd_send(fd, 1000, NULL, 0), EINVAL);
	check_err("send-not-pidfd-ebadf", pidfd_send(0, SIGTERM, NULL, 0), EBADF);
	check_err("send-closed-ebadf", pidfd_send(900, SIGTERM, NULL, 0), EBADF);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	check_err("send-info-code-eperm", pidfd_send(fd, SIGTERM, &si, 0), EPERM);
	si.si_signo = SIGINT;
	si.si_code = SI_QUEUE;
	check_err("send-info-other-signal-einval", pidfd_send(fd, SIGTERM, &si, 0), EINVAL);
	check_ok("send-sigterm", pidfd_send(fd, SIGTERM, NULL, 0));
	int rev = poll_in(fd, 5000);
	CHECK("ended-readable", rev == POLLIN, "revents %#x", rev);
	check_ok("zombie-send-signal-0", pidfd_send(fd, 0, NULL, 0));
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PIDFD, fd, &si, WEXITED);
	CHECK("waitid-pidfd", r == 0 && si.si_pid == child && si.si_code == CLD_KILLED && si.si_status == SIGTERM,
	      "r %d pid %d (child %d) code %d status %d", r, si.si_pid, child, si.si_code, si.si_status);
	rev = poll_in(fd, 0);
	CHECK("reaped-hangup", rev == (POLLIN | POLLHUP), "revents %#x", rev);
	check_err("reaped-send-esrch", pidfd_send(fd, SIGTERM, NULL, 0), ESRCH);
	check_err("reaped-waitid-echild", waitid(P_PIDFD, fd, &si, WEXITED), ECHILD);
	check_err("waitid-not-pidfd-ebadf", waitid(P_PIDFD, 0, &si, WEXITED), EBADF);
	close(fd);

	/* a poll that waits, woken when the child ends by itself */
	child = fork();
	if (child == 0) {
		sleep_ms(150);
		_exit(3);
	}
	fd = pidfd_open(child, PIDFD_NONBLOCK);
	CHECK("nonblock-flag", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "F_GETFL %#x", fcntl(fd, F_GETFL));
	check_err("nonblock-waitid-eagain", waitid(P_PIDFD, fd, &si, WEXITED), EAGAIN);
	memset(&si, 0, sizeof(si));
	CHECK("nonblock-waitid-wnohang-0", waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0, "pid %d",
	      si.si_pid);
	rev = poll_in(fd, 5000);
	CHECK("exit-wakes-poll", rev == POLLIN, "revents %#x", rev);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PIDFD, fd, &si, WEXITED);
	CHECK("waitid-exited", r == 0 && si.si_code == CLD_EXITED && si.si_status == 3, "r %d code %d status %d", r,
	      si.si_code, si.si_status);
	close(fd);
}

static void check_getfd(void)
{
	int ready[2], back[2];
	pipe(ready);
	pipe(back);
	pid_t parent = getpid(), child = fork();
	if (child == 0) {
		int p[2];
		pipe(p);
		write(p[1], "child", 5);
		write(ready[1], &p[0], sizeof(int));
		/* a process of another user may not take its parent's descriptors */
		int pfd = pidfd_open(parent, 0), e = 0;
		if (setuid(65534) == 0 && pidfd_getfd(pfd, 0, 0) == -1)
			e = errno;
		write(back[1], &e, sizeof(e));
		for (;;)
			pause();
	}
	int target = -1, e = -1;
	read(ready[0], &target, sizeof(int));
	int fd = pidfd_open(child, 0);
	int got = pidfd_getfd(fd, target, 0);
	check_ok("getfd", got);
	char buf[8] = "";
	CHECK("getfd-reads-child-pipe", read(got, buf, 5) == 5 && memcmp(buf, "child", 5) == 0, "read '%s'", buf);
	CHECK("getfd-cloexec", fcntl(got, F_GETFD) == FD_CLOEXEC, "F_GETFD %d", fcntl(got, F_GETFD));
	check_err("getfd-bad-fd-ebadf", pidfd_getfd(fd, 900, 0), EBADF);
	check_err("getfd-flags-einval", pidfd_getfd(fd, target, 1), EINVAL);
	check_err("getfd-not-pidfd-ebadf", pidfd_getfd(0, target, 0), EBADF);
	read(back[0], &e, sizeof(e));
	CHECK("getfd-other-user-eperm", e == EPERM, "errno %d", e);
	kill(child, SIGKILL);
	poll_in(fd, 5000);
	check_err("getfd-ended-esrch", pidfd_getfd(fd, target, 0), ESRCH);
	waitpid(child, NULL, 0);
	check_err("getfd-reaped-esrch", pidfd_getfd(fd, target, 0), ESRCH);
	close(got);
	close(fd);
}

/* clone3's struct clone_args, its first 64 bytes. */
struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void check_clone(void)
{
	int pidfd = -1;
	struct clone_args_v0 a = { .flags = CLONE_PIDFD_FLAG, .pidfd = (uintptr_t)&pidfd, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0)
		_exit(5);
	CHECK("clone3-pidfd", pid > 0 && pidfd >= 0, "pid %ld pidfd %d", pid, pidfd);
	CHECK("clone3-pidfd-cloexec", fcntl(pidfd, F_GETFD) == FD_CLOEXEC, "F_GETFD %d", fcntl(pidfd, F_GETFD));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	int r = waitid(P_PIDFD, pidfd, &si, WEXITED);
	CHECK("clone3-pidfd-waitid", r == 0 && si.si_pid == pid && si.si_status == 5, "r %d pid %d status %d", r,
	      si.si_pid, si.si_status);
	close(pidfd);

	/* clone: the pidfd goes where the parent's tid would */
	int slot = -1;
	pid = syscall(SYS_clone, CLONE_PIDFD_FLAG | SIGCHLD, NULL, &slot, NULL, NULL);
	if (pid == 0)
		_exit(6);
	CHECK("clone-pidfd", pid > 0 && slot >= 0, "pid %ld pidfd %d", pid, slot);
	int rev = poll_in(slot, 5000);
	CHECK("clone-pidfd-poll", rev == POLLIN, "revents %#x", rev);
	memset(&si, 0, sizeof(si));
	r = waitid(P_PIDFD, slot, &si, WEXITED);
	CHECK("clone-pidfd-waitid", r == 0 && si.si_pid == pid && si.si_status == 6, "r %d status %d", r, si.si_status);
	close(slot);
	check_err("clone-pidfd-settid-einval",
		  syscall(SYS_clone, CLONE_PIDFD_FLAG | CLONE_PARENT_SETTID | SIGCHLD, NULL, &slot, NULL, NULL),
		  EINVAL);
}

int main(void)
{
	check_open();
	check_signal_poll_wait();
	check_getfd();
	check_clone();
	return t_done();
}
