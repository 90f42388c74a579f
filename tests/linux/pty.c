/*
 * Pseudo-terminals as Linux has them: posix_openpt, grantpt, unlockpt and
 * ptsname; a locked slave refuses to open; raw bytes both ways; VMIN and
 * VTIME; job control (SIGTTIN, SIGTTOU with TOSTOP, EIO; EIO in an orphaned group, whose stopped
 * members get SIGHUP when it becomes one); canonical
 * mode's line editing and echo; ONLCR; ^C to a child whose controlling
 * terminal the pty is, and whose /dev/tty it is; window size and SIGWINCH; poll on both ends; the
 * slave's hang-up once the master closes, and EIO on the master once the
 * slave closes; IXON, IXANY and tcflow; packet mode.
 */
#define T_NAME "pty"
#include "check.h"

#include <fcntl.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Read from fd until want bytes came or a read fails or times out (poll 2 s); the count read. */
static int read_some(int fd, char *buf, int want)
{
	int got = 0;
	while (got < want) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 2000) <= 0)
			break;
		ssize_t r = read(fd, buf + got, (size_t)(want - got));
		if (r <= 0)
			break;
		got += (int)r;
	}
	buf[got] = 0;
	return got;
}

/* A new pair: master fd, slave fd opened; both -1 on failure. */
static int open_pair(int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	*slave = -1;
	if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0)
		return -1;
	*slave = open(ptsname(m), O_RDWR | O_NOCTTY);
	return m;
}

/* A new pair with the slave raw (cfmakeraw, then iflag's bits on): master fd, or -1; the modes in *t. */
static int open_raw(int *slave, struct termios *t, tcflag_t iflag)
{
	int m = open_pair(slave);
	if (m < 0 || *slave < 0 || tcgetattr(*slave, t) != 0)
		return -1;
	cfmakeraw(t);
	t->c_iflag |= iflag;
	return tcsetattr(*slave, TCSANOW, t) == 0 ? m : -1;
}

static void check_open(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CHECK("openpt", m >= 0, "errno %d", errno);
	CHECK("grantpt", grantpt(m) == 0, "errno %d", errno);
	const char *name = ptsname(m);
	CHECK("ptsname", name && strncmp(name, "/dev/pts/", 9) == 0, "%s", name ? name : "NULL");
	unsigned int n = 99999;
	CHECK("tiocgptn", ioctl(m, TIOCGPTN, &n) == 0 && name && (unsigned)atoi(name + 9) == n, "n %u", n);
	check_err("locked-slave-eio", open(name, O_RDWR | O_NOCTTY), EIO);
	CHECK("unlockpt", unlockpt(m) == 0, "errno %d", errno);
	int s = open(name, O_RDWR | O_NOCTTY);
	CHECK("slave-open", s >= 0, "errno %d", errno);
	CHECK("isatty", isatty(s) && isatty(m), "errno %d", errno);
	CHECK("ttyname", s >= 0 && ttyname(s) && strcmp(ttyname(s), name) == 0, "%s", s >= 0 ? ttyname(s) : "");
	close(s);
	close(m);
}

static void check_raw(void)
{
	struct termios t;
	int s, m = open_raw(&s, &t, 0);
	char buf[64];
	CHECK("raw-setup", m >= 0, "errno %d", errno);
	CHECK("raw-to-slave",
	      write(m, "a\rb\003", 4) == 4 && read_some(s, buf, 4) == 4 && memcmp(buf, "a\rb\003", 4) == 0, "got %s",
	      buf);
	CHECK("raw-to-master", write(s, "x\ny", 3) == 3 && read_some(m, buf, 3) == 3 && memcmp(buf, "x\ny", 3) == 0,
	      "got %s", buf);
	struct pollfd p = { m, POLLIN, 0 };
	CHECK("poll-master-empty", poll(&p, 1, 0) == 0, "revents %x", p.revents);
	write(s, "z", 1);
	CHECK("poll-master-ready", poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "revents %x", p.revents);
	int k = 0;
	CHECK("fionread-master", ioctl(m, FIONREAD, &k) == 0 && k == 1, "k %d", k);
	close(s);
	read(m, buf, 1);
	check_err("master-eio-after-slave-close", read(m, buf, 1), EIO);
	close(m);
}

/* Milliseconds since t0. */
static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A timed read of up to n bytes from fd: its result, the milliseconds it took in *ms. */
static long timed_read(int fd, char *buf, size_t n, long *ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long r = read(fd, buf, n);
	*ms = ms_since(&t0);
	return r;
}

/* Non-canonical reads as VMIN and VTIME say: at once, after a timeout, after VMIN bytes, after a pause between bytes. */
static void check_vmin_vtime(void)
{
	int s, m = open_pair(&s);
	struct termios t;
	char buf[16];
	long ms, r;
	CHECK("vmin-setup", m >= 0 && s >= 0 && tcgetattr(s, &t) == 0, "errno %d", errno);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	CHECK("vmin0-vtime0-empty", read(s, buf, 4) == 0, "errno %d", errno);
	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	r = timed_read(s, buf, 4, &ms);
	CHECK("vtime-times-out", r == 0 && ms >= 150 && ms < 3000, "got %ld after %ld ms", r, ms);
	write(m, "ab", 2);
	r = timed_read(s, buf, 4, &ms);
	CHECK("vtime-returns-what-came", r == 2 && ms < 150, "got %ld after %ld ms", r, ms);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	tcsetattr(s, TCSANOW, &t);
	pid_t pid = fork();
	if (pid == 0) {
		for (const char *c = "xyz"; *c; c++) {
			usleep(50000);
			write(m, c, 1);
		}
		_exit(0);
	}
	r = read(s, buf, 8);
	CHECK("vmin-waits-for-all", r == 3 && memcmp(buf, "xyz", 3) == 0, "got %ld", r);
	waitpid(pid, NULL, 0);
	t.c_cc[VMIN] = 5;
	t.c_cc[VTIME] = 2;
	tcsetattr(s, TCSANOW, &t);
	write(m, "pq", 2);
	r = timed_read(s, buf, 8, &ms);
	CHECK("vmin-vtime-between-bytes", r == 2 && ms >= 150 && ms < 3000, "got %ld after %ld ms", r, ms);
	close(s);
	close(m);
}

/* A background group's read or write of its terminal, from a child of t's session leader: the status it ends or stops with. */
static int background(int t, bool write_it, bool ignore, bool stopped)
{
	pid_t bg = fork();
	if (bg == 0) {
		setpgid(0, 0);
		if (ignore)
			signal(SIGTTIN, SIG_IGN);
		char c = 'w';
		long r = write_it ? write(t, &c, 1) : read(t, &c, 1);
		_exit(r == 1 ? 0 : r < 0 && errno == EIO ? 5 : 1);
	}
	setpgid(bg, bg);
	int st = 0;
	waitpid(bg, &st, stopped ? WUNTRACED : 0);
	if (WIFSTOPPED(st)) {
		kill(bg, SIGKILL);
		waitpid(bg, NULL, 0);
	}
	return st;
}

static int hup_fd = -1;
static void on_hup(int sig)
{
	(void)sig;
	write(hup_fd, "H", 1);
	_exit(0);
}

enum { ORPHAN_READ, ORPHAN_WRITE, ORPHAN_STOPPED };

/*
 * A grandchild in a group of its own, left orphaned when its parent (its
 * group's one link to the session of t) ends. It reports on a pipe what its
 * read or write of t then gives ('E' for EIO, 'G' for bytes, 'X' else), or
 * stopped before the parent ends, 'H' for the SIGHUP that should continue it.
 * The report, or 0 if none came within 3 s.
 */
static char orphan(int t, int how)
{
	int p[2];
	if (pipe(p) != 0)
		return 0;
	pid_t mid = fork();
	if (mid == 0) {
		pid_t parent = getpid();
		pid_t o = fork();
		if (o == 0) {
			setpgid(0, 0);
			hup_fd = p[1];
			signal(SIGHUP, on_hup);
			if (how == ORPHAN_STOPPED) {
				raise(SIGSTOP);
				_exit(0);
			}
			while (getppid() == parent)
				usleep(1000); /* until it is orphaned */
			char c = 'o';
			long r = how == ORPHAN_WRITE ? write(t, &c, 1) : read(t, &c, 1);
			char res = r < 0 && errno == EIO ? 'E' : r >= 0 ? 'G' : 'X';
			write(p[1], &res, 1);
			_exit(0);
		}
		setpgid(o, o);
		write(p[1], &o, sizeof(o));
		if (how == ORPHAN_STOPPED)
			waitpid(o, NULL, WUNTRACED);
		_exit(0);
	}
	close(p[1]);
	waitpid(mid, NULL, 0);
	pid_t o = 0;
	char res = 0;
	read(p[0], &o, sizeof(o));
	struct pollfd pf = { p[0], POLLIN, 0 };
	if (poll(&pf, 1, 3000) == 1)
		read(p[0], &res, 1);
	if (o > 0)
		kill(o, SIGKILL); /* if it is still there: stopped, say */
	close(p[0]);
	return res;
}

/* Job control: a background group that reads its terminal stops (SIGTTIN), or reads EIO with SIGTTIN ignored;
 * one that writes goes ahead, unless TOSTOP is set (SIGTTOU). */
static void check_jobs(void)
{
	int s, m = open_pair(&s);
	CHECK("job-setup", m >= 0 && s >= 0, "errno %d", errno);
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		int t = open(ptsname(m), O_RDWR);
		ioctl(t, TIOCSCTTY, 0);
		int code = 0, st = background(t, false, true, false);
		code |= WIFEXITED(st) && WEXITSTATUS(st) == 5 ? 0 : 1;
		st = background(t, false, false, true);
		code |= WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTIN ? 0 : 2;
		st = background(t, true, false, true);
		code |= WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 4;
		struct termios tt;
		tcgetattr(t, &tt);
		tt.c_lflag |= TOSTOP;
		tcsetattr(t, TCSANOW, &tt);
		st = background(t, true, false, true);
		code |= WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU ? 0 : 8;
		code |= orphan(t, ORPHAN_READ) == 'E' ? 0 : 16;
		code |= orphan(t, ORPHAN_WRITE) == 'E' ? 0 : 32;
		code |= orphan(t, ORPHAN_STOPPED) == 'H' ? 0 : 64;
		_exit(code);
	}
	int st = 0;
	waitpid(leader, &st, 0);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 255;
	CHECK("background-read-eio-when-ignored", code != 255 && !(code & 1), "status %x", st);
	CHECK("background-read-sigttin", code != 255 && !(code & 2), "status %x", st);
	CHECK("background-write-goes", code != 255 && !(code & 4), "status %x", st);
	CHECK("background-write-tostop-sigttou", code != 255 && !(code & 8), "status %x", st);
	CHECK("orphaned-read-eio", code != 255 && !(code & 16), "status %x", st);
	CHECK("orphaned-write-tostop-eio", code != 255 && !(code & 32), "status %x", st);
	CHECK("orphaned-stopped-sighup", code != 255 && !(code & 64), "status %x", st);
	close(s);
	close(m);
}

static void check_canonical(void)
{
	int s, m = open_pair(&s);
	char buf[64];
	CHECK("canon-setup", m >= 0 && s >= 0, "errno %d", errno);
	struct pollfd p = { s, POLLIN, 0 };
	write(m, "abx", 3);
	CHECK("poll-slave-partial-line", poll(&p, 1, 100) == 0, "revents %x", p.revents);
	write(m, "\177c\r", 3);
	CHECK("poll-slave-line", poll(&p, 1, 1000) == 1 && (p.revents & POLLIN), "revents %x", p.revents);
	CHECK("canon-erase", read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "abc\n", 4) == 0, "got %s", buf);
	int n = read_some(m, buf, 9);
	CHECK("canon-echo", n == 9 && memcmp(buf, "abx\b \bc\r\n", 9) == 0, "got %d", n);
	write(m, "one\ntwo\n", 8);
	CHECK("canon-one-line", read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "one\n", 4) == 0, "got %s", buf);
	CHECK("canon-next-line", read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "two\n", 4) == 0, "got %s", buf);
	write(m, "gone\025ok\004", 8);
	CHECK("canon-kill-eof", read(s, buf, sizeof(buf)) == 2 && memcmp(buf, "ok", 2) == 0, "got %s", buf);
	write(m, "\004", 1);
	CHECK("canon-eof", read(s, buf, sizeof(buf)) == 0, "errno %d", errno);
	read_some(m, buf, 30); /* the echoes */
	CHECK("onlcr", write(s, "hi\n", 3) == 3 && read_some(m, buf, 4) == 4 && memcmp(buf, "hi\r\n", 4) == 0, "got %s",
	      buf);
	struct termios t;
	tcgetattr(s, &t);
	t.c_oflag &= ~(tcflag_t)ONLCR;
	tcsetattr(s, TCSANOW, &t);
	CHECK("no-onlcr", write(s, "hi\n", 3) == 3 && read_some(m, buf, 3) == 3 && memcmp(buf, "hi\n", 3) == 0,
	      "got %s", buf);
	struct termios tm;
	CHECK("master-tcgets-is-slaves", tcgetattr(m, &tm) == 0 && !(tm.c_oflag & ONLCR), "oflag %o", tm.c_oflag);
	close(m);
	CHECK("slave-read-after-hangup", read(s, buf, 1) == 0, "errno %d", errno);
	check_err("slave-write-eio-after-hangup", write(s, "x", 1), EIO);
	close(s);
}

static volatile sig_atomic_t winched;
static void on_winch(int sig)
{
	(void)sig;
	winched = 1;
}

/* A child makes a session whose controlling terminal is the slave, reports, then waits for SIGINT or SIGWINCH. */
static void check_signals(void)
{
	int s, m = open_pair(&s);
	char buf[64];
	CHECK("sig-setup", m >= 0 && s >= 0, "errno %d", errno);
	signal(SIGWINCH, on_winch);
	sigset_t winch, old;
	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	sigprocmask(SIG_BLOCK, &winch, &old); /* the child takes SIGWINCH only in sigsuspend: none is lost before it */
	pid_t pid = fork();
	if (pid == 0) {
		close(m);
		if (setsid() < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
			_exit(2);
		if (tcgetpgrp(s) != getpid() || tcgetsid(s) != getpid())
			_exit(3);
		struct stat ta; /* /dev/tty (itself to fstat) now reaches the pty: "R" goes out through it */
		int t = open("/dev/tty", O_RDWR);
		if (t < 0 || fstat(t, &ta) != 0 || ta.st_rdev != makedev(5, 0))
			_exit(4);
		write(t, "R", 1);
		while (!winched)
			sigsuspend(&old);
		write(s, "W", 1);
		for (;;)
			pause(); /* SIGINT ends it */
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK("child-ctty", read_some(m, buf, 1) == 1 && buf[0] == 'R', "got %s", buf);
	struct winsize w = { 33, 101, 0, 0 }, r = { 0, 0, 0, 0 };
	CHECK("setwinsz", ioctl(m, TIOCSWINSZ, &w) == 0, "errno %d", errno);
	CHECK("getwinsz", ioctl(s, TIOCGWINSZ, &r) == 0 && r.ws_row == 33 && r.ws_col == 101, "%d %d", r.ws_row,
	      r.ws_col);
	CHECK("sigwinch", read_some(m, buf, 1) == 1 && buf[0] == 'W', "got %s", buf);
	CHECK("master-tcgetpgrp", tcgetpgrp(m) == pid, "pgrp %d", tcgetpgrp(m));
	write(m, "\003", 1);
	int st = 0;
	CHECK("ctrl-c-sigint", waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGINT, "status %x",
	      st);
	close(s);
	close(m);
}

/* The slave by TIOCGPTPEER; epoll and select; tcflush dropping typed input. */
static void check_more(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	char buf[64];
	unlockpt(m);
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	CHECK("tiocgptpeer", s >= 0 && isatty(s), "errno %d", errno);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, out;
	CHECK("epoll-add", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) == 0, "errno %d", errno);
	CHECK("epoll-empty", epoll_wait(ep, &out, 1, 0) == 0, "events %x", out.events);
	write(m, "drop\n", 5);
	CHECK("epoll-line", epoll_wait(ep, &out, 1, 1000) == 1 && (out.events & EPOLLIN), "events %x", out.events);
	CHECK("tcflush", tcflush(s, TCIFLUSH) == 0 && epoll_wait(ep, &out, 1, 0) == 0, "errno %d", errno);
	read_some(m, buf, 6); /* the echo */
	fd_set r;
	FD_ZERO(&r);
	FD_SET(m, &r);
	struct timeval tv = { 0, 0 };
	CHECK("select-empty", select(m + 1, &r, NULL, NULL, &tv) == 0, "errno %d", errno);
	write(s, "x", 1);
	FD_SET(m, &r);
	tv.tv_sec = 1;
	CHECK("select-ready", select(m + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(m, &r), "errno %d", errno);
	pid_t pid = fork(); /* a child is never a session leader */
	if (pid == 0)
		_exit(ioctl(s, TIOCSCTTY, 0) == -1 && errno == EPERM ? 0 : 1);
	int st = -1;
	CHECK("tiocsctty-not-leader-eperm", waitpid(pid, &st, 0) == pid && st == 0, "status %x", st);
	close(ep);
	close(s);
	close(m);
}

/* Is the slave's output held (no POLLOUT) as want says, within 2 s (the master's bytes reach the slave a moment later on Linux)? */
static bool held_is(int s, bool want)
{
	for (int i = 0; i < 200; i++) {
		struct pollfd p = { s, POLLOUT, 0 };
		if ((poll(&p, 1, 0) == 1 && (p.revents & POLLOUT)) != want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Flow control: under IXON ^S from the master holds the slave's output and ^Q lets it go, with IXANY any byte
 * does; tcflow holds and lets go (^Q cannot undo TCOOFF) and sends ^S and ^Q. */
static void check_flow(void)
{
	struct termios t;
	int s, m = open_raw(&s, &t, IXON);
	char buf[16];
	CHECK("flow-setup", m >= 0, "errno %d", errno);
	fcntl(s, F_SETFL, O_NONBLOCK);
	write(m, "\023", 1);
	CHECK("ixon-vstop-holds", held_is(s, true), "errno %d", errno);
	check_err("ixon-held-write-eagain", write(s, "x", 1), EAGAIN);
	check_err("ixon-vstop-not-read", read(s, buf, 1), EAGAIN);
	write(m, "\021", 1);
	CHECK("ixon-vstart-goes-on",
	      held_is(s, false) && write(s, "y", 1) == 1 && read_some(m, buf, 1) == 1 && buf[0] == 'y', "got %s", buf);
	t.c_iflag |= IXANY;
	tcsetattr(s, TCSANOW, &t);
	write(m, "\023", 1);
	CHECK("ixany-setup-held", held_is(s, true), "errno %d", errno);
	write(m, "a", 1);
	CHECK("ixany-any-byte-goes-on", held_is(s, false) && read_some(s, buf, 1) == 1 && buf[0] == 'a', "got %s", buf);
	CHECK("tcflow-tcooff", tcflow(s, TCOOFF) == 0 && held_is(s, true), "errno %d", errno);
	write(m, "\021b", 2);
	CHECK("tcooff-outlasts-vstart", read_some(s, buf, 1) == 1 && buf[0] == 'b' && held_is(s, true), "got %s", buf);
	CHECK("tcflow-tcoon", tcflow(s, TCOON) == 0 && held_is(s, false), "errno %d", errno);
	CHECK("tcflow-tcioff-sends-vstop", tcflow(s, TCIOFF) == 0 && read_some(m, buf, 1) == 1 && buf[0] == '\023',
	      "got %d", buf[0]);
	CHECK("tcflow-tcion-sends-vstart", tcflow(s, TCION) == 0 && read_some(m, buf, 1) == 1 && buf[0] == '\021',
	      "got %d", buf[0]);
	check_err("tcflow-bad-einval", tcflow(s, 7), EINVAL);
	close(s);
	close(m);
}

/* One read of the master in packet mode, once it is readable (2 s): its count, the bytes in buf. */
static long pkt_read(int m, char *buf, size_t n)
{
	struct pollfd p = { m, POLLIN, 0 };
	return poll(&p, 1, 2000) == 1 ? read(m, buf, n) : -1;
}

/* Packet mode (TIOCPKT) on the master: each read leads with a status byte, TIOCPKT_DATA before data, or alone a
 * change: flushes, ^S and ^Q's flow control switched on or off, output held or let go. */
static void check_packet(void)
{
	int s, m = open_pair(&s), on = 1, got = -1;
	struct termios t;
	char buf[16] = "";
	CHECK("pkt-setup", m >= 0 && s >= 0 && tcgetattr(s, &t) == 0, "errno %d", errno);
	check_err("pkt-slave-enotty", ioctl(s, TIOCPKT, &on), ENOTTY);
	CHECK("tiocpkt-tiocgpkt", ioctl(m, TIOCPKT, &on) == 0 && ioctl(m, TIOCGPKT, &got) == 0 && got == 1, "got %d",
	      got);
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	CHECK("pkt-nostop", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_NOSTOP, "got %d", buf[0]);
	CHECK("pkt-data", write(s, "hi", 2) == 2 && pkt_read(m, buf, sizeof(buf)) == 3 && memcmp(buf, "\0hi", 3) == 0,
	      "got %d", buf[0]);
	tcflush(s, TCIFLUSH);
	CHECK("pkt-flushread", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_FLUSHREAD, "got %d", buf[0]);
	tcflush(s, TCOFLUSH);
	struct pollfd p = { m, POLLPRI, 0 };
	CHECK("pkt-pollpri", poll(&p, 1, 2000) == 1 && (p.revents & POLLPRI), "revents %x", p.revents);
	CHECK("pkt-flushwrite", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_FLUSHWRITE, "got %d", buf[0]);
	t.c_iflag |= IXON;
	tcsetattr(s, TCSANOW, &t);
	CHECK("pkt-dostop", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_DOSTOP, "got %d", buf[0]);
	write(m, "\023", 1);
	CHECK("pkt-stop", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_STOP, "got %d", buf[0]);
	write(m, "\021", 1);
	CHECK("pkt-start", pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == TIOCPKT_START, "got %d", buf[0]);
	on = 0;
	CHECK("tiocpkt-off", ioctl(m, TIOCPKT, &on) == 0 && ioctl(m, TIOCGPKT, &got) == 0 && got == 0, "got %d", got);
	CHECK("pkt-off-plain-read", write(s, "z", 1) == 1 && pkt_read(m, buf, sizeof(buf)) == 1 && buf[0] == 'z',
	      "got %d", buf[0]);
	close(s);
	close(m);
}

int main(void)
{
	check_open();
	check_raw();
	check_vmin_vtime();
	check_jobs();
	check_canonical();
	check_signals();
	check_more();
	check_flow();
	check_packet();
	return t_done();
}
