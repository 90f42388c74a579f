/* What the console and the ptys share of a terminal's line discipline: when a non-canonical read returns (VMIN, VTIME). */
#include "libos/lx/vfs.h"
#include "libos/lx/futex.h"

/* VTIME counts tenths of a second. */
#define VTIME_NS 100000000ULL

void tty_raw_start(struct tty_raw *r, const struct linux_termios *t)
{
	r->seen = 0;
	r->deadline = TIMEOUT_FOREVER;
	if (!(t->c_lflag & ICANON) && t->c_cc[VTIME] && !t->c_cc[VMIN])
		r->deadline = lx_sleep_deadline(t->c_cc[VTIME] * VTIME_NS);
}

/*
 * As termios(3) says: with VMIN bytes there (or n, if fewer are asked for);
 * with VMIN 0 at once, or once VTIME tenths of a second have passed without
 * a byte; with both, once VTIME tenths pass between two bytes after the first.
 */
bool tty_raw_ready(struct tty_raw *r, const struct linux_termios *t, uint64_t avail, size_t n)
{
	uint64_t vmin = t->c_cc[VMIN], vtime = t->c_cc[VTIME];
	if (avail && avail >= (vmin < n ? vmin : n))
		return true;
	if (!vtime)
		return !vmin;
	if (vmin && avail > r->seen) /* a byte came: the timer starts again */
		r->deadline = lx_sleep_deadline(vtime * VTIME_NS);
	r->seen = avail;
	return r->deadline != TIMEOUT_FOREVER && lx_sleep_left(r->deadline) == 0;
}
