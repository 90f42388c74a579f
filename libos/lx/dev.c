/* lx's devices under /dev: null, zero, full, random, urandom, the serial console as tty and console, and the fd links. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"
#include "libos/lx/linux/fuse.h"


/* termios bits the console honours or reports. */

static struct inode *console_node;

/* ---- null, zero, random ---- */

static long null_read(struct file *f, void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return 0;
}

static long sink_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf;
	return (long)n;
}

static long null_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)off;
	return null_read(f, buf, n);
}

static long sink_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	(void)off;
	return sink_write(f, buf, n);
}

static long zero_read(struct file *f, void *buf, size_t n)
{
	(void)f;
	memset(buf, 0, n);
	return (long)n;
}

static long zero_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)off;
	return zero_read(f, buf, n);
}

static long random_read(struct file *f, void *buf, size_t n)
{
	(void)f;
	lx_random_bytes(buf, n);
	return (long)n;
}

static long random_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
	(void)off;
	return random_read(f, buf, n);
}

/* /dev/full: reads as zeros, and has no room for a single byte. */
static long full_write(struct file *f, const void *buf, size_t n)
{
	(void)f, (void)buf, (void)n;
	return -ENOSPC;
}

static long full_pwrite(struct file *f, const void *buf, size_t n, uint64_t off)
{
	(void)off;
	return full_write(f, buf, n);
}

static const struct file_ops null_ops = { .read = null_read, .write = sink_write, .pread = null_pread, .pwrite = sink_pwrite };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write, .pread = zero_pread, .pwrite = full_pwrite };
static const struct file_ops zero_ops = { .read = zero_read, .write = sink_write, .pread = zero_pread, .pwrite = sink_pwrite };
static const struct file_ops random_ops = { .read = random_read, .write = sink_write, .pread = random_pread, .pwrite = sink_pwrite };

/* ---- the console ---- */

/*
 * Console input. The UART's interrupt is bound to a notification of pid 1.
 * While pid 1 is the only process it waits on that itself. Before its first
 * fork it starts a thread of its own (console_helper) that waits on it,
 * drains the UART into the buffer in the shared header — acting on Ctrl-C,
 * Ctrl-\ and Ctrl-Z there and then — and wakes the readers of every
 * process, which sleep on a queue in the shared header: nobody polls. The
 * modes (termios) and window size are the terminal's, shared too.
 */
static LX_FORKED long console_ntfn; /* bound to the console interrupt; 0 until first needed, -1 if unavailable */
#define console_termios (LX_SH->tty)
#define console_winsize (LX_SH->tty_size)
static const struct linux_termios default_termios = {
	.c_iflag = ICRNL,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = B38400 | CS8 | CREAD,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN,
	.c_cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 },
};

void tty_default_termios(struct linux_termios *t)
{
	*t = default_termios;
	t->c_iflag |= IXON; /* as Linux starts a pty: flow control named, control characters echoed as ^X */
	t->c_lflag |= ECHOCTL | ECHOKE;
}

static int pushback = -1; /* a byte taken by poll and not yet read */

/* The interrupt belongs to pid 1: a forked child never binds it. */
void dev_fork_child(void)
{
	console_ntfn = -1;
}

/* Bind the console interrupt to a notification of this process, once; true if it is bound. */
static bool console_bind(void)
{
	if (console_ntfn == 0) {
		console_ntfn = sys_ntfn_create();
		if (console_ntfn <= 0 || sys_irq_bind(CONSOLE_IRQ, console_ntfn, 1) < 0)
			console_ntfn = -1;
	}
	return console_ntfn > 0;
}

/* pid 1's console thread: drain the UART into the shared buffer and wake the readers, at every interrupt. */
static void console_helper(struct lx_thread *t)
{
	(void)t;
	lx_lock();
	for (;;) {
		console_scan(); /* also what came before the binding, the first time */
		lx_waitq_wake(&LX_SH->cin_waiters);
		int depth = lx_lock_drop();
		sys_ntfn_wait(console_ntfn, TIMEOUT_FOREVER);
		lx_lock_take(depth);
	}
}

void console_start_helper(void)
{
	if (lx_pid == 1 && !LX_SH->cin_helper && console_bind() && lx_thread_helper(console_helper))
		LX_SH->cin_helper = true;
}

/* Sleep until console input may be there (an interrupt, or the helper's wake-up) or ns pass. */
void console_wait(uint64_t ns)
{
	console_start_helper(); /* pid 1's first wait for input starts its console thread */
	if (LX_SH->cin_helper) {
		lx_waitq_add(&LX_SH->cin_waiters);
		if (!LX_SH->cin_len) /* the helper cannot have run since the caller looked: it needs the lock */
			lx_thread_wait(ns);
		return;
	}
	console_bind();
	if (ns > LX_RECHECK_NS)
		ns = LX_RECHECK_NS; /* look again now and then: an edge may have come before the binding */
	int depth = lx_lock_drop();
	if (console_ntfn > 0)
		sys_ntfn_wait(console_ntfn, ns);
	else
		sys_sleep(ns < 1000000UL ? ns : 1000000UL);
	lx_lock_take(depth);
}

static void echo(const char *s, long n)
{
	if (console_termios.c_lflag & ECHO)
		sys_cputs(s, n);
}

/* A byte from the console: one read ahead into the shared buffer first, else the UART; -1 if none. */
static long console_byte(void)
{
	if (LX_SH->cin_len) {
		uint8_t c = LX_SH->cin[LX_SH->cin_start];
		LX_SH->cin_start = (LX_SH->cin_start + 1) % sizeof(LX_SH->cin);
		LX_SH->cin_len--;
		return c;
	}
	return sys_cgetc();
}

/* The line being read in canonical mode, and what of it is still to hand out. */
static LX_BUFFER char line[4096];
static size_t line_len, line_pos;
static bool line_done, line_eof;

/* Ctrl-C and Ctrl-\ (VINTR, VQUIT) with ISIG: the signal to the foreground group, the line dropped. */
static bool isig(int c)
{
	const uint8_t *cc = console_termios.c_cc;
	if (!(console_termios.c_lflag & ISIG) || (c != cc[0] && c != cc[1] && c != cc[10]))
		return false;
	echo(c == cc[0] ? "^C\n" : c == cc[1] ? "^\\\n" : "^Z\n", 3);
	line_len = line_pos = 0;
	line_done = line_eof = false;
	lx_signal_group(LX_SH->fg_pgrp, c == cc[0] ? SIGINT : c == cc[1] ? SIGQUIT : SIGTSTP);
	return true;
}

/* pid 1 (its console thread, or itself while waiting): read what the UART has into the shared buffer, acting on Ctrl-C there and then. */
void console_scan(void)
{
	long c;
	while (LX_SH->cin_len < sizeof(LX_SH->cin) && (c = sys_cgetc()) >= 0)
		if (!isig((int)c)) {
			LX_SH->cin[(LX_SH->cin_start + LX_SH->cin_len) % sizeof(LX_SH->cin)] = (uint8_t)c;
			LX_SH->cin_len++;
		}
}

#define CONSOLE_NONE (-1)  /* console_getc: no byte */
#define CONSOLE_EINTR (-2) /* console_getc: a signal came first */

/* The next console byte, sleeping on the console interrupt until one arrives when wait. CONSOLE_NONE, CONSOLE_EINTR. */
static int console_getc(bool wait)
{
	for (;;) {
		long c = pushback >= 0 ? pushback : console_byte();
		pushback = -1;
		if (c >= 0 && isig((int)c))
			c = CONSOLE_NONE; /* Ctrl-C: a signal now, not a byte */
		if (c >= 0)
			return (int)c;
		if (lx_signal_interrupts())
			return CONSOLE_EINTR;
		if (!wait)
			return CONSOLE_NONE;
		console_wait(TIMEOUT_FOREVER);
	}
}


/* Raw mode: the bytes the console has, as VMIN and VTIME say (tty_raw_ready); -EAGAIN or -EINTR if none came. */
static long raw_read(struct file *f, char *p, size_t n)
{
	struct tty_raw r;
	size_t got = 0;
	tty_raw_start(&r, &console_termios);
	for (;;) {
		int c = CONSOLE_NONE;
		while (got < n && (c = console_getc(false)) >= 0) {
			if (c == '\r' && (console_termios.c_iflag & ICRNL))
				c = '\n';
			p[got++] = (char)c;
			echo(&p[got - 1], 1);
		}
		if (tty_raw_ready(&r, &console_termios, got, n))
			return (long)got;
		if (c == CONSOLE_EINTR || (f->flags & O_NONBLOCK))
			return got ? (long)got : c == CONSOLE_EINTR ? -EINTR : -EAGAIN;
		console_wait(lx_sleep_left(r.deadline));
	}
}

/* Take one byte into the line under construction: editing keys, ^D, newline. */
static void canon_byte(int c)
{
	const uint8_t *cc = console_termios.c_cc;
	if (c == '\r' && (console_termios.c_iflag & ICRNL))
		c = '\n';
	if (c == cc[2] || c == '\b') { /* VERASE */
		if (line_len > 0) {
			line_len--;
			echo("\b \b", 3);
		}
	} else if (c == cc[3]) { /* VKILL */
		for (; line_len > 0; line_len--)
			echo("\b \b", 3);
	} else if (c == cc[4]) { /* VEOF: end the line as it is; empty means end of file */
		line_done = true;
		line_eof = line_len == 0;
	} else if (line_len < sizeof(line)) {
		line[line_len++] = (char)c;
		echo(&line[line_len - 1], 1);
		line_done = c == '\n' || line_len == sizeof(line);
	}
}

/* Canonical mode: whole lines, edited as typed; ^D on an empty line reads as end of file. */
static long canon_read(struct file *f, char *p, size_t n)
{
	while (!line_done) {
		int c = console_getc(!(f->flags & O_NONBLOCK));
		if (c < 0)
			return c == CONSOLE_EINTR ? -EINTR : -EAGAIN;
		canon_byte(c);
	}
	size_t k = line_len - line_pos < n ? line_len - line_pos : n;
	memcpy(p, line + line_pos, k);
	line_pos += k;
	if (line_pos == line_len) {
		line_len = line_pos = 0;
		line_done = line_eof = false;
	}
	return (long)k;
}

/* poll: writable always; readable when a whole line (canonical) or a byte (raw) is waiting. */
static short console_poll(struct file *f)
{
	(void)f;
	if (console_termios.c_lflag & ICANON) {
		int c;
		while (!line_done && (c = console_getc(false)) >= 0)
			canon_byte(c);
		return POLLOUT | (line_done ? POLLIN : 0);
	}
	if (pushback < 0)
		pushback = console_getc(false);
	return POLLOUT | (pushback >= 0 ? POLLIN : 0);
}

/* Job control at the console, for a caller whose terminal it is (its session has no pty): lx_tty_job_control. */
static long console_job(int sig)
{
	return pty_ctty() ? 0 : lx_tty_job_control(LX_SH->fg_pgrp, sig);
}

/* Reads the console as its termios says: lines in canonical mode, bytes in raw mode. */
static long console_read(struct file *f, void *buf, size_t n)
{
	long e = console_job(SIGTTIN);
	if (e < 0)
		return e;
	if (n == 0)
		return 0;
	if (console_termios.c_lflag & ICANON)
		return canon_read(f, buf, n);
	return raw_read(f, buf, n);
}

static long console_write(struct file *f, const void *buf, size_t n)
{
	(void)f;
	long e = (console_termios.c_lflag & TOSTOP) ? console_job(SIGTTOU) : 0;
	if (e < 0)
		return e;
	sys_cputs(buf, (long)n);
	return (long)n;
}

static long console_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	(void)f;
	switch (req) {
	case TCGETS:
		return copy_to_user(arg, &console_termios, sizeof(console_termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return copy_from_user(&console_termios, arg, sizeof(console_termios));
	case TIOCGWINSZ:
		return copy_to_user(arg, &console_winsize, sizeof(console_winsize));
	case TIOCSWINSZ:
		return copy_from_user(&console_winsize, arg, sizeof(console_winsize));
	case TIOCGPGRP: /* the foreground process group */
		return copy_to_user(arg, &LX_SH->fg_pgrp, sizeof(int));
	case TIOCSPGRP: {
		int pgrp;
		if (copy_from_user(&pgrp, arg, sizeof(pgrp)) < 0)
			return -EFAULT;
		if (!lx_pgrp_exists(pgrp))
			return -EPERM;
		LX_SH->fg_pgrp = pgrp;
		return 0;
	}
	case TIOCSCTTY: /* the console is every session's terminal already */
		return 0;
	case TIOCGSID:
		return copy_to_user(arg, &lx_me->sid, sizeof(int));
	case FIONREAD: {
		int none = 0;
		return copy_to_user(arg, &none, sizeof(none));
	}
	default:
		return -ENOTTY;
	}
}

/* Where a poll waits for console input: the readers' queue, once pid 1's console thread wakes it; NULL before. */
static struct lx_waitq *console_waitq(struct file *f)
{
	(void)f;
	console_start_helper();
	return LX_SH->cin_helper ? &LX_SH->cin_waiters : NULL;
}

static const struct file_ops console_ops = { .read = console_read, .write = console_write, .ioctl = console_ioctl, .poll = console_poll, .waitq = console_waitq };

/* Sets the console's window size (rows and columns; ignored unless both are 1 to 65535), as the host terminal's. */
void console_set_size(uint64_t rows, uint64_t cols)
{
	if (rows && cols && rows <= 0xffff && cols <= 0xffff)
		console_winsize = (struct linux_winsize){ (uint16_t)rows, (uint16_t)cols, 0, 0 };
}

/* The host terminal was resized: the new size, and SIGWINCH to the foreground group if it changed (as Linux's tty does). */
void console_resize(uint64_t rows, uint64_t cols)
{
	struct linux_winsize old = console_winsize;
	console_set_size(rows, cols);
	if (memcmp(&old, &console_winsize, sizeof(old)) != 0 && LX_SH->fg_pgrp > 0)
		lx_signal_group(LX_SH->fg_pgrp, SIGWINCH);
}

/* ---- /dev ---- */

/* Adds character device name with ops and number rdev to dir. */
static struct inode *add_dev(struct inode *dir, const char *name, const struct file_ops *ops, uint32_t rdev)
{
	struct dentry *d = dir_find(dir, name);
	if (d)
		dir_remove(dir, d);
	struct inode *n = vfs_mknode(dir, name, S_IFCHR | 0666);
	if (n) {
		n->dev = ops;
		n->rdev = rdev;
	}
	return n;
}

/* Makes /dev (keeping what the archive put there) and its devices. */
void dev_init(void)
{
	console_termios = default_termios;
	console_winsize = (struct linux_winsize){ 24, 80, 0, 0 };
	struct dentry *d = dir_find(vfs_root, "dev");
	struct inode *dev = d ? d->inode : vfs_mknode(vfs_root, "dev", S_IFDIR | 0755);
	if (!dev || (dev->mode & S_IFMT) != S_IFDIR)
		return;
	add_dev(dev, "null", &null_ops, MKDEV(1, 3));
	add_dev(dev, "zero", &zero_ops, MKDEV(1, 5));
	add_dev(dev, "full", &full_ops, MKDEV(1, 7));
	add_dev(dev, "random", &random_ops, MKDEV(1, 8));
	add_dev(dev, "urandom", &random_ops, MKDEV(1, 9));
	add_dev(dev, "fuse", &fuse_dev_ops, MKDEV(10, FUSE_MISC_MINOR)); /* FUSE servers (fuse.c) */
	add_dev(dev, "tty", &console_ops, MKDEV(5, 0));
	console_node = add_dev(dev, "console", &console_ops, MKDEV(5, 1));
	if (console_node)
		inode_hold(console_node);
	pty_init(dev);    /* ptmx and pts/ */
	blkdev_init(dev); /* vda, vdb, ...: the disks lx holds */
	if (!dir_find(dev, "shm")) /* POSIX shared memory and semaphores (shm_open, sem_open) are files here */
		vfs_mknode(dev, "shm", S_IFDIR | 01777);
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		struct inode *l = dir_find(dev, links[i][0]) ? NULL : vfs_mknode(dev, links[i][0], S_IFLNK | 0777);
		if (l)
			symlink_set(l, links[i][1]);
	}
}

/* Opens descriptors 0, 1 and 2: each the host's stream if `mica run` gave one (stream.c), else the console. */
void vfs_stdio_init(void)
{
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = stream_open_fd(fd);
		if (f || (console_node && file_open_inode(console_node, O_RDWR, &f) == 0))
			fd_replace(fd, f, false);
	}
}

long lx_dev_ring(uint64_t va, long (*bind)(unsigned long va, long nt, unsigned long bits))
{
	long nt = sys_ntfn_create();
	if (nt < 0)
		return -ENOMEM;
	long fn = page_alloc(0, va, PTE_W | PTE_NX | PTE_PKEY(LX_PKEY)); /* lx's, as its stacks are */
	if (fn < 0 || bind(va, nt, 1) < 0) {
		if (fn >= 0 && sys_unmap(0, va) == 0)
			sys_frame_free(0, fn);
		sys_ntfn_destroy(nt);
		return fn == -E_NOMEM ? -ENOMEM : -EIO;
	}
	return nt;
}
