/* Pseudo-terminals: /dev/ptmx makes a master and a slave /dev/pts/N, joined by a line discipline in the shared heap. */
#include "libos/lx/vfs.h"
#include "libos/lx/futex.h"

/*
 * A pair lives in the heap every process shares, so both ends survive fork
 * and exec. What the master writes goes through input processing (ICRNL,
 * ISIG, ICANON editing, ECHO) into `in`, which the slave reads; what the
 * slave writes goes through output processing (OPOST|ONLCR) into `out`,
 * which the master reads, and so do echoes. Positions in the rings count
 * bytes ever put or taken. In canonical mode `done` marks where the line
 * being edited begins, and `ends` queues where each finished line ends (an
 * empty one, from VEOF, reads as end of file). Each end's output can be
 * held (flow control): the slave's by VSTOP under IXON, either's by tcflow.
 */
#define PTY_BUF 4096
#define PTY_LINES 64
#define PTY_MAX 256
#define PTS_MAJOR 136

/* An end's output held: by VSTOP (IXON) or tcflow's TCOOFF (tco: only TCOON lets it go). */
struct pty_flow {
	bool stopped, tco;
};

struct pty {
	uint8_t in[PTY_BUF], out[PTY_BUF];
	uint64_t in_rd, in_wr, done; /* in: taken, put, end of the finished lines */
	uint64_t out_rd, out_wr;
	uint64_t ends[PTY_LINES]; /* canonical: where each finished line ends, oldest at ends[first] */
	uint32_t first, nends;
	struct linux_termios tio;
	struct linux_winsize ws;
	int index, masters, slaves;
	int sid, fg_pgrp; /* the session whose controlling terminal it is (0: none), its foreground group */
	bool locked, slave_opened, hung; /* hung: the master has closed */
	struct pty_flow sflow, mflow; /* the slave's output, the master's */
	bool packet; /* the master reads in packet mode (TIOCPKT) */
	uint8_t pktstatus; /* TIOCPKT_ bits for its next read in packet mode */
	struct inode *node; /* /dev/pts/N */
	struct lx_waitq waiters;
};

/* /dev/pts, or NULL. */
static struct inode *pts_dir(void)
{
	struct dentry *d = dir_find(vfs_root, "dev");
	d = d && ISDIR(d->inode) ? dir_find(d->inode, "pts") : NULL;
	return d && ISDIR(d->inode) ? d->inode : NULL;
}

static void pty_wake(struct pty *p)
{
	lx_waitq_wake(&p->waiters);
}

/* Wait for a change to p, or a signal: 0, or -EINTR. */
static long pty_wait_for(struct pty *p, uint64_t ns)
{
	if (lx_signal_interrupts())
		return -EINTR;
	lx_waitq_add(&p->waiters);
	lx_thread_wait(ns < LX_RECHECK_NS ? ns : LX_RECHECK_NS);
	return lx_signal_interrupts() ? -EINTR : 0;
}

static long pty_wait(struct pty *p)
{
	return pty_wait_for(p, LX_RECHECK_NS);
}

/* Nothing to do for f's reader or writer yet: -EAGAIN when nonblocking, else wait (0, or -EINTR). */
static long pty_block(struct file *f)
{
	return (f->flags & O_NONBLOCK) ? -EAGAIN : pty_wait(f->priv);
}

/* ---- flow control and packet mode ---- */

/* Status for the master's next read, if it is in packet mode: clear's bits off, set's on. */
static void pkt_note(struct pty *p, uint8_t set, uint8_t clear)
{
	if (!p->packet)
		return;
	p->pktstatus = (uint8_t)((p->pktstatus & ~clear) | set);
	pty_wake(p);
}

static struct pty_flow *flow_of(struct pty *p, bool master)
{
	return master ? &p->mflow : &p->sflow;
}

/* The output of one end (master, or the slave) stops; the slave's stop reaches a master in packet mode. */
static void flow_stop(struct pty *p, bool master)
{
	struct pty_flow *fl = flow_of(p, master);
	if (fl->stopped)
		return;
	fl->stopped = true;
	if (!master)
		pkt_note(p, TIOCPKT_STOP, TIOCPKT_START);
}

/* The output of one end goes on, unless tcflow holds it. */
static void flow_start(struct pty *p, bool master)
{
	struct pty_flow *fl = flow_of(p, master);
	if (!fl->stopped || fl->tco)
		return;
	fl->stopped = false;
	if (!master)
		pkt_note(p, TIOCPKT_START, TIOCPKT_STOP);
	pty_wake(p);
}

/* ---- output: slave to master ---- */

/* Put byte c into out if there is room: false if not. */
static bool out_put(struct pty *p, uint8_t c)
{
	if (p->out_wr - p->out_rd >= PTY_BUF)
		return false;
	p->out[p->out_wr++ % PTY_BUF] = c;
	return true;
}

/* Room in out for what c becomes after output processing? */
static bool out_room(struct pty *p, uint8_t c)
{
	size_t need = c == '\n' && (p->tio.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR) ? 2 : 1;
	return PTY_BUF - (p->out_wr - p->out_rd) >= need;
}

/* Byte c through output processing into out (the caller made sure of room, or accepts losing it). */
static void out_byte(struct pty *p, uint8_t c)
{
	if (c == '\n' && (p->tio.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR))
		out_put(p, '\r');
	out_put(p, c);
}

/* Echo byte c as typed, when ECHO is on: a control character as ^X under ECHOCTL. */
static void echo_byte(struct pty *p, uint8_t c)
{
	if (!(p->tio.c_lflag & ECHO))
		return;
	if ((p->tio.c_lflag & ECHOCTL) && (c < 32 || c == 127) && c != '\n' && c != '\t') {
		out_put(p, '^');
		out_put(p, c == 127 ? '?' : (uint8_t)(c + 64));
		return;
	}
	out_byte(p, c);
}

static void echo_erase(struct pty *p)
{
	if ((p->tio.c_lflag & (ECHO | ECHOE)) == (ECHO | ECHOE)) {
		out_put(p, '\b');
		out_put(p, ' ');
		out_put(p, '\b');
	}
}

/* ---- input: master to slave ---- */

static bool canonical(struct pty *p)
{
	return p->tio.c_lflag & ICANON;
}

/* The line being edited is finished where in now ends. */
static void end_line(struct pty *p)
{
	p->ends[(p->first + p->nends++) % PTY_LINES] = p->in_wr;
	p->done = p->in_wr;
}

/* Drop every byte the slave has not read, and the line being edited. */
static void flush_input(struct pty *p)
{
	p->in_rd = p->done = p->in_wr;
	p->nends = 0;
}

/* VINTR, VQUIT or VSUSP under ISIG: the signal to the foreground group, input flushed; true if c was one. */
static bool input_signal(struct pty *p, uint8_t c)
{
	const uint8_t *cc = p->tio.c_cc;
	if (!(p->tio.c_lflag & ISIG) || c == 0)
		return false;
	int sig = c == cc[VINTR] ? SIGINT : c == cc[VQUIT] ? SIGQUIT : c == cc[VSUSP] ? SIGTSTP : 0;
	if (!sig)
		return false;
	if (!(p->tio.c_lflag & NOFLSH)) {
		flush_input(p);
		p->out_rd = p->out_wr; /* what the master has not read goes too, as on Linux */
		pkt_note(p, TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE, 0);
	}
	if (p->tio.c_iflag & IXON)
		flow_start(p, false);
	echo_byte(p, c);
	if (p->fg_pgrp > 0)
		lx_signal_group(p->fg_pgrp, sig);
	return true;
}

/* Can in take one more byte (and, canonical, one more line)? */
static bool in_room(struct pty *p)
{
	return p->in_wr - p->in_rd < PTY_BUF && p->nends < PTY_LINES;
}

/* One byte the master wrote, through input processing (the caller made sure in_room). */
static void input_byte(struct pty *p, uint8_t c)
{
	const uint8_t *cc = p->tio.c_cc;
	uint32_t iflag = p->tio.c_iflag;
	if ((iflag & IXON) && (c == cc[VSTART] || c == cc[VSTOP])) { /* flow control, never read */
		if (c == cc[VSTART])
			flow_start(p, false);
		else
			flow_stop(p, false);
		return;
	}
	if ((iflag & (IXON | IXANY)) == (IXON | IXANY))
		flow_start(p, false); /* any other byte lets the output go on */
	if (c == '\r' && (iflag & IGNCR))
		return;
	if (c == '\r' && (iflag & ICRNL))
		c = '\n';
	else if (c == '\n' && (iflag & INLCR))
		c = '\r';
	if (input_signal(p, c))
		return;
	if (canonical(p)) {
		if (c == cc[VERASE] && c) {
			if (p->in_wr > p->done) {
				p->in_wr--;
				echo_erase(p);
			}
			return;
		}
		if (c == cc[VKILL] && c) {
			for (; p->in_wr > p->done; p->in_wr--)
				echo_erase(p);
			return;
		}
		if (c == cc[VEOF] && c) {
			end_line(p);
			return;
		}
	}
	p->in[p->in_wr++ % PTY_BUF] = c;
	echo_byte(p, c);
	if (canonical(p) && (c == '\n' || (c == cc[VEOL] && c)))
		end_line(p);
}

/* Bytes the slave may read now: a line's worth in canonical mode (0 for an empty one, at end of file). */
static uint64_t in_ready(struct pty *p)
{
	if (!canonical(p))
		return p->in_wr - p->in_rd;
	return p->nends ? p->ends[p->first] - p->in_rd : 0;
}

/* Copies k bytes of ring (PTY_BUF long) from position *rd into buf, and moves *rd past them. */
static void ring_take(const uint8_t *ring, uint64_t *rd, void *buf, uint64_t k)
{
	for (uint64_t i = 0; i < k; i++)
		((uint8_t *)buf)[i] = ring[(*rd + i) % PTY_BUF];
	*rd += k;
}

/*
 * A write to either end: each byte of buf through input processing (master)
 * or output processing (slave), waiting for room (and for the end's output
 * to go on, if held) unless nonblocking or some went already. The count taken, or -EIO (the slave after a hang-up),
 * -EAGAIN, -EINTR.
 */
static long pty_write(struct file *f, const uint8_t *buf, size_t n, bool master)
{
	struct pty *p = f->priv;
	size_t done = 0;
	while (done < n) {
		if (!master && p->hung)
			return done ? (long)done : -EIO;
		bool held = flow_of(p, master)->stopped;
		if (!held && (master ? in_room(p) : out_room(p, buf[done]))) {
			if (master)
				input_byte(p, buf[done]);
			else
				out_byte(p, buf[done]);
			done++;
		} else if (!held && master && canonical(p) && p->done == p->in_rd) {
			done++; /* a line as long as the buffer: the rest of it is lost, as on Linux */
		} else if (done) {
			break;
		} else {
			long e = pty_block(f);
			if (e < 0)
				return e;
		}
	}
	pty_wake(p);
	return done || n == 0 ? (long)done : -EAGAIN;
}

/* Job control at p, for a caller whose controlling terminal it is: lx_tty_job_control. */
static long pty_job(struct pty *p, int sig)
{
	return p->sid && p->sid == lx_me->sid ? lx_tty_job_control(p->fg_pgrp, sig) : 0;
}

static long slave_write(struct file *f, const void *buf, size_t n)
{
	struct pty *p = f->priv;
	long e = (p->tio.c_lflag & TOSTOP) ? pty_job(p, SIGTTOU) : 0;
	return e < 0 ? e : pty_write(f, buf, n, false);
}

static long master_write(struct file *f, const void *buf, size_t n)
{
	return pty_write(f, buf, n, true);
}

/* ---- the slave ---- */

static long slave_read(struct file *f, void *buf, size_t n)
{
	struct pty *p = f->priv;
	struct tty_raw raw;
	long e = pty_job(p, SIGTTIN);
	if (e < 0)
		return e;
	tty_raw_start(&raw, &p->tio);
	for (;;) {
		if (p->hung)
			return 0; /* hung up: end of file, as Linux's hung-up terminal */
		if (canonical(p) ? p->nends > 0 : tty_raw_ready(&raw, &p->tio, p->in_wr - p->in_rd, n))
			break;
		if (!canonical(p) && (f->flags & O_NONBLOCK) && p->in_wr > p->in_rd)
			break; /* what there is, without waiting for VMIN */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		long e = pty_wait_for(p, lx_sleep_left(raw.deadline));
		if (e < 0)
			return e;
	}
	uint64_t k = in_ready(p);
	if (k > n)
		k = n;
	ring_take(p->in, &p->in_rd, buf, k);
	if (!canonical(p)) {
		p->nends = 0;
		p->done = p->in_wr;
	} else if (p->in_rd == p->ends[p->first]) {
		p->first = (p->first + 1) % PTY_LINES;
		p->nends--;
	}
	pty_wake(p);
	return (long)k;
}

static short slave_poll(struct file *f)
{
	struct pty *p = f->priv;
	if (p->hung)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	bool readable = canonical(p) ? p->nends > 0 : p->in_wr > p->in_rd;
	bool room = !p->sflow.stopped && PTY_BUF - (p->out_wr - p->out_rd) >= 2;
	return (short)((readable ? POLLIN : 0) | (room ? POLLOUT : 0));
}

static struct lx_waitq *pty_waitq(struct file *f)
{
	return &((struct pty *)f->priv)->waiters;
}

/* The pty and its node go once neither end is open. */
static void pty_maybe_free(struct pty *p)
{
	if (p->masters || p->slaves)
		return;
	p->node->pty = NULL;
	inode_release(p->node);
	lx_free(p);
}

static void slave_close(struct file *f)
{
	struct pty *p = f->priv;
	p->slaves--;
	pty_wake(p);
	pty_maybe_free(p);
}

/* ---- termios and job control, from either end ---- */

/* Does t make ^S and ^Q stop and start the output (what packet mode's DOSTOP and NOSTOP tell)? */
static bool std_flow(const struct linux_termios *t)
{
	return (t->c_iflag & IXON) && t->c_cc[VSTOP] == CSTOP && t->c_cc[VSTART] == CSTART;
}

/* New modes: switching canonical mode on or off keeps what was typed readable. */
static void set_termios(struct pty *p, const struct linux_termios *t)
{
	bool was = canonical(p);
	if (std_flow(&p->tio) != std_flow(t))
		pkt_note(p, std_flow(t) ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP, TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
	p->tio = *t;
	if (was && !canonical(p)) {
		p->nends = 0;
		p->done = p->in_wr;
	} else if (!was && canonical(p)) {
		p->nends = 0;
		if (p->in_wr > p->in_rd)
			end_line(p);
		p->done = p->in_wr;
	}
	pty_wake(p);
}

/*
 * tcflow from one end: TCOOFF and TCOON hold and let go of its output;
 * TCIOFF and TCION send VSTOP and VSTART (the master's are always ^S and ^Q)
 * to the other end, as they are, even while held. 0, or -EINVAL.
 */
static long pty_tcflow(struct pty *p, bool master, unsigned long arg)
{
	struct pty_flow *fl = flow_of(p, master);
	uint8_t c = 0;
	switch (arg) {
	case TCOOFF:
		if (!fl->tco) {
			fl->tco = true;
			flow_stop(p, master);
		}
		return 0;
	case TCOON:
		if (fl->tco) {
			fl->tco = false;
			flow_start(p, master);
		}
		return 0;
	case TCIOFF:
	case TCION:
		c = master ? (arg == TCIOFF ? CSTOP : CSTART) : p->tio.c_cc[arg == TCIOFF ? VSTOP : VSTART];
		if (master && in_room(p))
			input_byte(p, c);
		else if (!master && c)
			out_put(p, c);
		pty_wake(p);
		return 0;
	default:
		return -EINVAL;
	}
}

/* tcflush from one end: what it would read (input), what it wrote that the other has not read (output). */
static void pty_flush(struct pty *p, bool master, bool input, bool output)
{
	if (master ? output : input) {
		flush_input(p);
		if (!master)
			pkt_note(p, TIOCPKT_FLUSHREAD, 0);
	}
	if (master ? input : output) {
		p->out_rd = p->out_wr;
		if (!master)
			pkt_note(p, TIOCPKT_FLUSHWRITE, 0);
	}
	pty_wake(p);
}

/* The calling process's session has p as its controlling terminal? (From the master, always allowed.) */
static bool ours(struct pty *p, bool master)
{
	return master || (p->sid && p->sid == lx_me->sid);
}

/* The ioctls both ends take; master: the call came on the master. -ENOTTY for others. */
static long pty_ioctl_common(struct pty *p, bool master, unsigned long req, unsigned long arg)
{
	switch (req) {
	case TCGETS:
		return copy_to_user(arg, &p->tio, sizeof(p->tio));
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct linux_termios t;
		if (copy_from_user(&t, arg, sizeof(t)) < 0)
			return -EFAULT;
		if (req == TCSETSF) {
			flush_input(p);
			pkt_note(p, TIOCPKT_FLUSHREAD, 0);
		}
		set_termios(p, &t);
		return 0;
	}
	case TIOCGWINSZ:
		return copy_to_user(arg, &p->ws, sizeof(p->ws));
	case TIOCSWINSZ: {
		struct linux_winsize w;
		if (copy_from_user(&w, arg, sizeof(w)) < 0)
			return -EFAULT;
		bool changed = memcmp(&w, &p->ws, sizeof(w)) != 0;
		p->ws = w;
		if (changed && p->fg_pgrp > 0)
			lx_signal_group(p->fg_pgrp, SIGWINCH);
		return 0;
	}
	case TIOCGPGRP:
		if (!ours(p, master))
			return -ENOTTY;
		return copy_to_user(arg, &p->fg_pgrp, sizeof(int));
	case TIOCSPGRP: {
		int pgrp;
		if (!ours(p, master) || !p->sid)
			return -ENOTTY;
		if (copy_from_user(&pgrp, arg, sizeof(pgrp)) < 0)
			return -EFAULT;
		if (pgrp < 0)
			return -EINVAL;
		if (!lx_pgrp_exists(pgrp))
			return -EPERM;
		p->fg_pgrp = pgrp;
		return 0;
	}
	case TIOCGSID:
		if (!ours(p, master) || !p->sid)
			return -ENOTTY;
		return copy_to_user(arg, &p->sid, sizeof(int));
	case FIONREAD: {
		int k = (int)(master ? p->out_wr - p->out_rd : canonical(p) ? p->done - p->in_rd : p->in_wr - p->in_rd);
		return copy_to_user(arg, &k, sizeof(k));
	}
	case TCSBRK:
		return 0;
	case TCXONC:
		return pty_tcflow(p, master, arg);
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		pty_flush(p, master, arg != TCOFLUSH, arg != TCIFLUSH);
		return 0;
	default:
		return -ENOTTY;
	}
}

/* Is the leader of session sid still running? */
static bool session_alive(int sid)
{
	struct lx_proc *leader = lx_proc_of(sid);
	return leader && leader->state == LX_PROC_LIVE && leader->sid == sid;
}

static long slave_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct pty *p = f->priv;
	if (p->hung)
		return req == TIOCNOTTY || req == TCGETS
			       ? (req == TCGETS ? copy_to_user(arg, &p->tio, sizeof(p->tio)) : 0)
			       : -EIO;
	switch (req) {
	case TIOCSCTTY: /* the calling session leader takes it as its controlling terminal */
		if (p->sid == lx_me->sid)
			return 0;
		if (p->sid && !session_alive(p->sid))
			p->sid = p->fg_pgrp = 0; /* its session's leader has gone, and the session's hold with it */
		if (lx_me->pid != lx_me->sid || p->sid)
			return -EPERM;
		p->sid = lx_me->sid;
		p->fg_pgrp = lx_me->pgid;
		return 0;
	case TIOCNOTTY: /* the calling process gives it up; a session leader ends the session's hold */
		if (p->sid != lx_me->sid)
			return -ENOTTY;
		if (lx_me->pid == lx_me->sid) {
			if (p->fg_pgrp > 0) {
				lx_signal_group(p->fg_pgrp, SIGHUP);
				lx_signal_group(p->fg_pgrp, SIGCONT);
			}
			p->sid = p->fg_pgrp = 0;
		}
		return 0;
	default:
		return pty_ioctl_common(p, false, req, arg);
	}
}

static const struct file_ops slave_ops = { .read = slave_read,
					   .write = slave_write,
					   .pread = lx_no_pread,
					   .pwrite = lx_no_pwrite,
					   .ioctl = slave_ioctl,
					   .close = slave_close,
					   .poll = slave_poll,
					   .waitq = pty_waitq };

/* Opens the slave of p: -EIO while it is locked or after the master closed. */
static long slave_open(struct pty *p, int flags, struct file **out)
{
	if (p->locked || p->hung)
		return -EIO;
	struct file *f = file_new(&slave_ops, p->node, flags);
	if (!f)
		return -ENOMEM;
	f->priv = p;
	p->slaves++;
	p->slave_opened = true;
	*out = f;
	return 0;
}

/* ---- the master ---- */

/*
 * What the slave wrote. In packet mode a status byte leads: a change of
 * flow (TIOCPKT_ bits) is read alone, else TIOCPKT_DATA comes before the
 * bytes. The count, or -EIO once the slave has closed, -EAGAIN, -EINTR.
 */
static long master_read(struct file *f, void *buf, size_t n)
{
	struct pty *p = f->priv;
	while (p->out_wr == p->out_rd && !(p->packet && p->pktstatus)) {
		if (p->slave_opened && p->slaves == 0)
			return -EIO;
		if (n == 0)
			return 0;
		long e = pty_block(f);
		if (e < 0)
			return e;
	}
	uint8_t *b = buf;
	size_t lead = 0;
	if (n && p->packet) {
		b[0] = p->pktstatus;
		p->pktstatus = 0;
		if (b[0])
			return 1;
		lead = 1; /* TIOCPKT_DATA */
	}
	uint64_t k = p->out_wr - p->out_rd;
	if (k > n - lead)
		k = n - lead;
	ring_take(p->out, &p->out_rd, b + lead, k);
	pty_wake(p);
	return (long)(k + lead);
}

static short master_poll(struct file *f)
{
	struct pty *p = f->priv;
	short ev = (short)((p->out_wr > p->out_rd ? POLLIN : 0) | (in_room(p) && !p->mflow.stopped ? POLLOUT : 0));
	if (p->packet && p->pktstatus)
		ev |= POLLIN | POLLPRI;
	if (p->slave_opened && p->slaves == 0)
		ev |= POLLHUP;
	return ev;
}

/* The master closes: the slave hangs up (its reads end, its writes fail), its session leader's group gets SIGHUP. */
static void master_close(struct file *f)
{
	struct pty *p = f->priv;
	p->masters--;
	p->hung = true;
	if (p->sid) {
		lx_signal_group(p->sid, SIGHUP);
		lx_signal_group(p->sid, SIGCONT);
	}
	p->sid = p->fg_pgrp = 0;
	char name[12];
	fmt_snprintf(name, sizeof(name), "%d", p->index);
	struct inode *dir = pts_dir();
	struct dentry *d = dir ? dir_find(dir, name) : NULL;
	if (d && d->inode == p->node)
		dir_remove(dir, d);
	pty_wake(p);
	pty_maybe_free(p);
}

static long master_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct pty *p = f->priv;
	switch (req) {
	case TIOCGPTN: {
		unsigned int i = (unsigned int)p->index;
		return copy_to_user(arg, &i, sizeof(i));
	}
	case TIOCSPTLCK: {
		int v;
		if (copy_from_user(&v, arg, sizeof(v)) < 0)
			return -EFAULT;
		p->locked = v != 0;
		return 0;
	}
	case TIOCGPTLCK: {
		int v = p->locked;
		return copy_to_user(arg, &v, sizeof(v));
	}
	case TIOCGPTPEER: { /* arg: the open flags of the slave's new descriptor */
		struct file *s;
		if (arg & ~(unsigned long)(O_ACCMODE | O_NONBLOCK | O_NOCTTY | O_CLOEXEC))
			return -EINVAL;
		long r = slave_open(p, (int)arg, &s);
		return r < 0 ? r : fd_new(s, arg & O_CLOEXEC);
	}
	case TIOCPKT: { /* packet mode on (its status starts clear) or off */
		int v;
		if (copy_from_user(&v, arg, sizeof(v)) < 0)
			return -EFAULT;
		if (v && !p->packet)
			p->pktstatus = 0;
		p->packet = v != 0;
		return 0;
	}
	case TIOCGPKT: {
		int v = p->packet;
		return copy_to_user(arg, &v, sizeof(v));
	}
	case TIOCSCTTY:
	case TIOCNOTTY:
		return -ENOTTY; /* a master is no one's controlling terminal */
	default:
		return pty_ioctl_common(p, true, req, arg);
	}
}

static const struct file_ops master_ops = { .read = master_read,
					    .write = master_write,
					    .pread = lx_no_pread,
					    .pwrite = lx_no_pwrite,
					    .ioctl = master_ioctl,
					    .close = master_close,
					    .poll = master_poll,
					    .waitq = pty_waitq };

/* ---- /dev/ptmx and /dev/pts ---- */

/* /dev/ptmx opened: a new pair, the slave at the lowest free /dev/pts/N, locked. */
static long ptmx_open(struct inode *ptmx, int flags, struct file **out)
{
	struct inode *dir = pts_dir();
	if (!dir)
		return -ENODEV;
	char name[12];
	int i = 0;
	for (; i < PTY_MAX; i++) {
		fmt_snprintf(name, sizeof(name), "%d", i);
		if (!dir_find(dir, name))
			break;
	}
	if (i == PTY_MAX)
		return -ENOSPC;
	struct pty *p = lx_alloc(sizeof(*p));
	struct file *f = p ? file_new(&master_ops, ptmx, flags) : NULL;
	struct inode *n = f ? vfs_mknode(dir, name, S_IFCHR | 0620) : NULL;
	if (!n) {
		if (f)
			lx_free(f); /* (its hold on ptmx stays, as a failed pipe's does) */
		lx_free(p);
		return -ENOMEM;
	}
	memset(p, 0, sizeof(*p));
	n->rdev = MKDEV(PTS_MAJOR, i);
	n->dev = &slave_ops;
	n->pty = p;
	inode_hold(n);
	tty_default_termios(&p->tio);
	p->ws = (struct linux_winsize){ 0, 0, 0, 0 };
	p->index = i;
	p->masters = 1;
	p->locked = true;
	p->node = n;
	f->priv = p;
	*out = f;
	return 0;
}

/* Marks /dev/ptmx: opening it goes to ptmx_open, never to these. */
static const struct file_ops ptmx_ops = { 0 };

bool pty_node(struct inode *n)
{
	return (n->mode & S_IFMT) == S_IFCHR && n->dev && (n->dev == &ptmx_ops || n->dev == &slave_ops);
}

struct inode *pty_ctty(void)
{
	struct inode *dir = pts_dir();
	for (struct dentry *d = dir ? dir->entries : NULL; d; d = d->next) {
		struct pty *p = d->inode->pty;
		if (p && !p->hung && p->sid && p->sid == lx_me->sid)
			return d->inode;
	}
	return NULL;
}

long pty_open(struct inode *n, int flags, struct file **out)
{
	if (n->dev == &ptmx_ops)
		return ptmx_open(n, flags, out);
	return n->pty ? slave_open(n->pty, flags, out) : -EIO;
}

/* /dev/ptmx and the directory /dev/pts, in dev (the slaves come and go there). */
void pty_init(struct inode *dev)
{
	struct dentry *d = dir_find(dev, "ptmx");
	if (d)
		dir_remove(dev, d);
	struct inode *n = vfs_mknode(dev, "ptmx", S_IFCHR | 0666);
	if (n) {
		n->dev = &ptmx_ops;
		n->rdev = MKDEV(5, 2);
	}
	d = dir_find(dev, "pts");
	if (!d)
		vfs_mknode(dev, "pts", S_IFDIR | 0755);
}
