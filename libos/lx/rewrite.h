/* Syscall sites rewritten into jumps to lx's entry, and put back when their stubs go. (rewrite.c) */
#ifndef LX_REWRITE_H
#define LX_REWRITE_H

/* How a process's syscalls reached lx, for /proc/PID/lx-calls: entry.S counts them where lx_my_calls points. */
struct lx_calls {
	uint64_t reflected, direct; /* by the kernel's way; from a rewritten site */
	uint64_t sites; /* sites rewritten */
};
_Static_assert(offsetof(struct lx_calls, reflected) == 0 && offsetof(struct lx_calls, direct) == 8,
	       "entry.S counts the calls at these offsets");
extern struct lx_calls *lx_my_calls; /* this process's, in the shared header: LX_SH->calls[its procs index] */
void lx_rewrite_process(void); /* this process is new (the first, or a fork's child): its counts start at 0 */

/* The span of the program's address space that holds every rewritten site and stub: [lx_rewrite_lo, lx_rewrite_hi). */
extern uint64_t lx_rewrite_lo, lx_rewrite_hi;

/* Does [start, end) touch what rewrite.c made (then lx_rewrite_release must hear of a change there)? */
static inline bool lx_rewrite_touched(uint64_t start, uint64_t end)
{
	return start < lx_rewrite_hi && end > lx_rewrite_lo;
}
/* [start, end) of the program's address space goes or changes its protection (moving: its bytes move elsewhere, as
 * mremap's): put back every site whose stub is there, and every site there if moving, and forget them. */
void lx_rewrite_release(uint64_t start, uint64_t end, bool moving);
void lx_rewrite_reset(void); /* exec: a new program, nothing rewritten */
struct exc_frame;
/* An upcall's interrupted registers: a thread stopped in a stub after it opened lx's key, or whose entry from one
 * found gs changed, goes on by the site's syscall. True: that was the fault, and f may go on as it is now. */
bool lx_rewrite_settle(struct exc_frame *f);

#endif
