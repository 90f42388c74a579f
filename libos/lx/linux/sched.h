/* The Linux x86-64 ABI, processes and threads: clone, wait4 and waitid, futexes, rusage. */
#ifndef LX_LINUX_SCHED_H
#define LX_LINUX_SCHED_H

#include <stdint.h>
#include <stddef.h>
#include "libos/lx/linux/time.h"

/* /proc/PID/stat's flags: the one task flag Linux sets on every process */
#define PF_RANDOMIZE 0x00400000

/* clone */
#define CLONE_VM 0x100
#define CLONE_PIDFD 0x1000
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define CSIGNAL 0xFF /* clone's flags: the low byte is the signal the parent gets at the child's end */

/* wait4, waitid */
#define WNOHANG 1
#define WUNTRACED 2 /* wait4 */
#define WSTOPPED 2 /* waitid */
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000
/* a wait status: an exit code, a signal, or a stop */
#define W_EXITCODE(code, sig) (((code)&0xFF) << 8 | (sig))
#define W_STOPCODE(sig) ((sig) << 8 | 0x7F)
#define W_NOREPORT 0xFFFF /* lx's own: no status to report */
#define WTERMSIG(st) ((st)&0x7F)
#define WEXITSTATUS(st) (((st) >> 8) & 0xFF)

/* futex */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME)) /* the command, without its flags */
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
/* struct robust_list_head: the list (its first entry; the head itself ends it), where an entry's futex word is, and
 * the entry being added or removed. Entry pointers with bit 0 set are PI futexes. */
struct linux_robust_list_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
};
_Static_assert(sizeof(struct linux_robust_list_head) == 24, "struct robust_list_head of the x86-64 ABI");
#define ROBUST_LIST_LIMIT 2048 /* entries walked at most: a cyclic list cannot hold up an exit */

/* getrusage, wait4 */
struct linux_rusage {
	struct linux_timeval ru_utime, ru_stime;
	long counters[14];
};
_Static_assert(sizeof(struct linux_rusage) == 144, "struct rusage is 144 bytes");

/* waitid's idtype */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define P_PIDFD 3
/* pidfd_open's flag (O_NONBLOCK's value) */
#define PIDFD_NONBLOCK 04000
/* pidfd_send_signal's flags: whom the signal is for */
#define PIDFD_SIGNAL_THREAD 1
#define PIDFD_SIGNAL_THREAD_GROUP 2
#define PIDFD_SIGNAL_PROCESS_GROUP 4

#endif
