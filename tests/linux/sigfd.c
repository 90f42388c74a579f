/*
 * signalfd and signalfd4: the records read for pending signals of the mask
 * (who sent them, with which code), O_NONBLOCK and close-on-exec, a new mask
 * through the same descriptor, poll and epoll readiness, a reader thread
 * waiting, SIGCHLD's status, and a forked child that reads its own signals
 * through the descriptor it inherited.
 */
#define T_NAME "sigfd"
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static int is_pending(int sig)
{
	sigset_t p;
	sigpending(&p);
	return sigismember(&p, sig);
}

static void check_basics(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	struct signalfd_siginfo si[2];
	int fd = signalfd(-1, &m, SFD_NONBLOCK | SFD_CLOEXEC);
	check_ok("create", fd);
	CHECK("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC, "F_GETFD %d", fcntl(fd, F_GETFD));
	CHECK("nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "F_GETFL %#x", fcntl(fd, F_GETFL));
	check_err("empty-eagain", read(fd, si, sizeof(si[0])), EAGAIN);
	kill(getpid(), SIGUSR1);
	CHECK("kill-pending", is_pending(SIGUSR1), "SIGUSR1 not pending");
	check_err("short-read-einval", read(fd, si, sizeof(si[0]) - 1), EINVAL);
	long n = read(fd, si, sizeof(si));
	CHECK("kill-read", n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR1, "read %ld, signo %u", n, si[0].ssi_signo);
	CHECK("kill-info",
	      si[0].ssi_code == SI_USER && si[0].ssi_pid == (uint32_t)getpid() && si[0].ssi_uid == (uint32_t)getuid(),
	      "code %d pid %u uid %u", si[0].ssi_code, si[0].ssi_pid, si[0].ssi_uid);
	CHECK("read-dequeues", !is_pending(SIGUSR1), "SIGUSR1 still pending");
	check_err("write-einval", write(fd, si, sizeof(si[0])), EINVAL);

	kill(getpid(), SIGUSR2);
	check_err("outside-mask-eagain", read(fd, si, sizeof(si[0])), EAGAIN);
	m = set_of(SIGUSR1, SIGUSR2);
	CHECK("new-mask-same-fd", signalfd(fd, &m, 0) == fd, "another descriptor");
	kill(getpid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1); /* the thread's, besides the process's */
	n = read(fd, si, sizeof(si));
	CHECK("two-in-one-read",
	      n == 2 * (long)sizeof(si[0]) && si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR1,
	      "read %ld, signos %u %u", n, si[0].ssi_signo, si[1].ssi_signo);
	n = read(fd, si, sizeof(si));
	CHECK("new-mask-reads", n == sizeof(si[0]) && si[0].ssi_signo == SIGUSR2, "read %ld, signo %u", n,
	      si[0].ssi_signo);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	n = read(fd, si, sizeof(si));
	CHECK("tgkill-code", n == sizeof(si[0]) && si[0].ssi_code == SI_TKILL && si[0].ssi_pid == (uint32_t)getpid(),
	      "read %ld, code %d, pid %u", n, si[0].ssi_code, si[0].ssi_pid);

	int p[2];
	pipe(p);
	check_err("pipe-fd-einval", signalfd(p[0], &m, 0), EINVAL);
	check_err("closed-fd-ebadf", signalfd(900, &m, 0), EBADF);
	check_err("bad-flags-einval", signalfd(-1, &m, 1), EINVAL);
	uint64_t raw = 1UL << (SIGUSR1 - 1);
	check_err("size-4-einval", syscall(SYS_signalfd4, -1, &raw, 4, 0), EINVAL);
	check_err("bad-mask-efault", syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT);
	int fd2 = (int)syscall(SYS_signalfd, -1, &raw, 8);
	check_ok("old-signalfd", fd2);
	CHECK("old-signalfd-blocking", (fcntl(fd2, F_GETFL) & O_NONBLOCK) == 0 && fcntl(fd2, F_GETFD) == 0,
	      "F_GETFL %#x, F_GETFD %d", fcntl(fd2, F_GETFL), fcntl(fd2, F_GETFD));
	char link[64] = "", path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd2);
	readlink(path, link, sizeof(link) - 1);
	CHECK("proc-fd-name", strcmp(link, "anon_inode:[signalfd]") == 0, "link '%s'", link);
	close(fd2);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void check_poll(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	int fd = signalfd(-1, &m, SFD_NONBLOCK);
	struct pollfd pf = { fd, POLLIN, 0 };
	struct signalfd_siginfo si;
	CHECK("poll-none", poll(&pf, 1, 0) == 0, "revents %#x", pf.revents);
	raise(SIGUSR1);
	CHECK("poll-ready", poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "revents %#x", pf.revents);
	read(fd, &si, sizeof(si));

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 77 }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	CHECK("epoll-none", epoll_wait(ep, &out, 1, 0) == 0, "an event");
	kill(getpid(), SIGUSR1);
	int n = epoll_wait(ep, &out, 1, 1000);
	CHECK("epoll-ready", n == 1 && out.data.u32 == 77 && out.events == EPOLLIN, "n %d events %#x", n, out.events);
	read(fd, &si, sizeof(si));

	/* another process's signal wakes a blocked poll */
	pid_t parent = getpid(), child = fork();
	if (child == 0) {
		sleep_ms(100);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	pf.revents = 0;
	n = poll(&pf, 1, 5000);
	CHECK("poll-woken", n == 1 && pf.revents == POLLIN, "poll %d revents %#x", n, pf.revents);
	long r = read(fd, &si, sizeof(si));
	CHECK("poll-sender", r == sizeof(si) && si.ssi_pid == (uint32_t)child && si.ssi_code == SI_USER,
	      "read %ld pid %u (child %d) code %d", r, si.ssi_pid, child, si.ssi_code);
	waitpid(child, NULL, 0);
	close(ep);
	close(fd);
}

/* A thread blocked in read gets a signal sent to the process. */
static int reader_fd;
static struct signalfd_siginfo reader_si;
static long reader_n;
static void *reader(void *arg)
{
	(void)arg;
	reader_n = read(reader_fd, &reader_si, sizeof(reader_si));
	return NULL;
}

static void check_blocking_read(void)
{
	sigset_t m = set_of(SIGUSR2, 0);
	pthread_t th;
	reader_fd = signalfd(-1, &m, 0);
	pthread_create(&th, NULL, reader, NULL);
	sleep_ms(100);
	kill(getpid(), SIGUSR2);
	pthread_join(th, NULL);
	CHECK("thread-read-woken", reader_n == sizeof(reader_si) && reader_si.ssi_signo == SIGUSR2, "read %ld signo %u",
	      reader_n, reader_si.ssi_signo);
	close(reader_fd);
}

static void check_sigchld(void)
{
	sigset_t m = set_of(SIGCHLD, 0);
	struct signalfd_siginfo si;
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&m, NULL, &zero) == SIGCHLD)
		; /* the earlier children's */
	int fd = signalfd(-1, &m, 0);
	pid_t child = fork();
	if (child == 0)
		_exit(7);
	long n = read(fd, &si, sizeof(si));
	CHECK("sigchld-read", n == sizeof(si) && si.ssi_signo == SIGCHLD && si.ssi_code == CLD_EXITED,
	      "read %ld signo %u code %d", n, si.ssi_signo, si.ssi_code);
	CHECK("sigchld-info", si.ssi_pid == (uint32_t)child && si.ssi_status == 7, "pid %u (child %d) status %d",
	      si.ssi_pid, child, si.ssi_status);
	waitpid(child, NULL, 0);
	close(fd);
}

/* After fork, each process reads its own pending signals through the same open file. */
static void check_fork(void)
{
	sigset_t m = set_of(SIGUSR1, 0);
	struct signalfd_siginfo si;
	int fd = signalfd(-1, &m, SFD_NONBLOCK), status = -1;
	pid_t child = fork();
	if (child == 0) {
		int bad = read(fd, &si, sizeof(si)) != -1; /* nothing of its own pending yet */
		kill(getpid(), SIGUSR1);
		bad |= (read(fd, &si, sizeof(si)) != sizeof(si) || si.ssi_pid != (uint32_t)getpid()) << 1;
		_exit(bad);
	}
	waitpid(child, &status, 0);
	CHECK("fork-child-reads-own", WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	check_err("fork-parent-has-none", read(fd, &si, sizeof(si)), EAGAIN);
	close(fd);
}

int main(void)
{
	sigset_t m = set_of(SIGUSR1, SIGUSR2);
	sigaddset(&m, SIGCHLD);
	sigprocmask(SIG_BLOCK, &m, NULL);
	check_basics();
	check_poll();
	check_blocking_read();
	check_sigchld();
	check_fork();
	return t_done();
}
