/* What t_quota and its child quota_child share: the child's modes and the page where it reports. */
#ifndef KERNEL_TESTS_QUOTA_H
#define KERNEL_TESTS_QUOTA_H

#include "mica.h"

#define QUOTA_BOARD_VA 0x38000000UL /* the shared page, at the same place in both */

/* quota_child's start argument: a mode in the low bits, the board's frame above them. */
#define QUOTA_MODE_BITS 4
#define QUOTA_HOLD 0      /* + RES_ENV .. RES_NTFN: take all it may of that kind, report, hold until released */
#define QUOTA_SLICES 8    /* take all the slices it may, report, spin */
#define QUOTA_LIMITS 9    /* try to raise its own limits and to give its own child more than it has */
#define QUOTA_ORPHAN 10   /* start a child in QUOTA_WAIT, name it in count, and end at once, leaving it to the root */
#define QUOTA_WAIT 11     /* hold one thread until released */

/* The shared page. The child waits for go, then fills it and signals ntfn once it holds all it could take. */
struct quota_board {
	volatile long ntfn;    /* the parent's notification */
	volatile long count;   /* how many the child took ... */
	volatile long err;     /* ... and the error that stopped it */
	volatile long held0;   /* what it held of the kind before */
	volatile long limit;   /* its limit of the kind, as its info page shows it */
	volatile long go;      /* set by the parent once it has set the child's limits */
	volatile long release; /* set by the parent: give everything back and exit */
};

static const char *const quota_kinds[RES_NKINDS] = { "env", "thread", "ep", "ntfn", "slice" };

/* "kind-what", for a check's name (valid until the next call). */
static inline const char *quota_name(int k, const char *what)
{
	static char buf[64];
	fmt_snprintf(buf, sizeof(buf), "%s-%s", quota_kinds[k], what);
	return buf;
}

/* Thread entries that use no stack, so many threads can share a made-up one (each program gets its copy). */
void quota_parked(void);  /* sleeps forever */
void quota_exiting(void); /* exits at once */
_Static_assert(SYS_sleep == 33 && SYS_thread_exit == 19 && TIMEOUT_FOREVER == ~0UL, "the stubs' call numbers");
__asm__(".text\n"
	"quota_parked: mov $33, %eax\n mov $-1, %rdi\n syscall\n jmp quota_parked\n"
	"quota_exiting: mov $19, %eax\n syscall\n ud2\n");

#endif
