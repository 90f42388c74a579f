/* Threads: struct lx_thread (gs points at it), waiting and wait queues, helper threads, the lock that serialises lx. (thread.c) */
#ifndef LX_THREAD_H
#define LX_THREAD_H

/*
 * Threads waiting for something (their notifications), in any process: lx_waitq_add, lx_waitq_wake.
 * Once its slots are taken a queue grows by blocks from lx_alloc, chained from more, which the next
 * wake gives back: no waiter is left out.
 */
#define LX_WAITQ_SLOTS 16
struct lx_waitq {
	long ntfn[LX_WAITQ_SLOTS];
	struct lx_waitq *more; /* NULL, or the next block */
	uint64_t wakes; /* lx_waitq_wake's so far: epoll's edge-triggered mode tells a new event by it */
	struct ep_interest *watch; /* the epoll interests that hang on it (epoll.c), told of each wake; NULL: none */
};
void epoll_queue_woke(struct lx_waitq *q); /* q (with watchers) was woken: its interests go on their ready lists */
void epoll_queue_gone(struct lx_waitq *q); /* q is given up: its interests let go of it, and look again */
/* The bits a thread's notification (struct lx_thread's ntfn) is signalled with. */
#define LX_WAKE_FUTEX 1 /* a futex wake */
#define LX_WAKE_PROC 2 /* a signal or a child's end (lx_proc_wake, lx_signal_wake) */
#define LX_WAKE_QUEUE 4 /* a wait queue's wake */
#define LX_WAKE_LOCK 8 /* lx's lock let go (thread.c's lock_sleep) */
#define LX_RECHECK_NS 100000000UL /* 100 ms: a waiter that may have missed its wake-up looks again this often */
/* The registers entry.S saves on a syscall, lowest address first. */
struct lx_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi, rcx, r11;
};
_Static_assert(sizeof(struct lx_frame) == 14 * 8, "lx_frame matches entry.S");

/* One program thread, as lx keeps it; gs points at it while the thread runs. */
struct lx_thread {
	uint64_t stack_top; /* gs:0  top of its lx stack */
	uint64_t user_rsp; /* gs:8  the program's rsp during a syscall */
	struct lx_frame *frame; /* gs:16 its saved registers during a syscall */
	struct lx_thread *self; /* gs:24 this structure, for lx_self */
	uint64_t deliver; /* gs:32 a signal waits: entry.S takes the slow way out */
	uint64_t whole; /* gs:40 the frame is a whole context (rcx, r11 the program's): return by lx_return_whole */
	uint64_t rip, rflags; /* gs:48, gs:56 where and with which flags a whole context goes on */
	int32_t rewrite_countdown; /* gs:64 below 0: lx looks at the next reflected syscall's site (rewrite.c) */
	uint64_t sigmask; /* gs:72 blocked signals (bit sig-1) */
	uint64_t sigpending; /* gs:80 sent to this thread */
	long last_nr; /* gs:88 the syscall being made, for SA_RESTART */
	uint64_t rewrite_seen; /* the site of the last look (its return address) */
	uint32_t rewrite_draw; /* what next_countdown in rewrite.c drew last */
	int state; /* free, live, or exited (its kernel thread may still be ending) */
	int tid; /* the Linux thread id: slot + 1 */
	long kernel_tid;
	long ntfn; /* futex wake-ups arrive here */
	uint64_t futex_addr, futex_bits; /* what it waits on, or 0 */
	struct lx_thread *fnext, *fprev; /* a plain futex wait: in its bucket of waiters by address (futex.c) */
	int pi_wait; /* LX_PI_*: how it waits on futex_addr (pifutex.c) */
	bool pi_granted; /* a PI futex it waits for was handed to it */
	uint64_t pi_target; /* FUTEX_WAIT_REQUEUE_PI: the PI futex it may be moved to */
	uint64_t pi_seq; /* when it began to wait for a PI futex: the first comes first */
	uint64_t clear_tid; /* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_head; /* set_robust_list: the program's struct robust_list_head, or 0 */
	uint64_t fs;
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	bool has_saved_mask; /* rt_sigsuspend: the mask the handler's frame restores */
	uint64_t saved_mask;
	void (*helper)(struct lx_thread *); /* a helper thread of lx's own: what it runs */
	bool unqueued; /* a queue it waits for could not take it (out of memory): lx_thread_wait looks again */
	long *wake_slot; /* its place in its process's wake queue once found (thread.c's proc_wake_slot); NULL: not yet */
};
_Static_assert(offsetof(struct lx_thread, frame) == 16 && offsetof(struct lx_thread, self) == 24 &&
		       offsetof(struct lx_thread, deliver) == 32 && offsetof(struct lx_thread, whole) == 40 &&
		       offsetof(struct lx_thread, rip) == 48 && offsetof(struct lx_thread, rflags) == 56 &&
		       offsetof(struct lx_thread, rewrite_countdown) == 64 &&
		       offsetof(struct lx_thread, sigmask) == LX_GS_SIGMASK &&
		       offsetof(struct lx_thread, sigpending) == LX_GS_SIGPENDING &&
		       offsetof(struct lx_thread, last_nr) == LX_GS_LAST_NR,
	       "gs offsets used by entry.S and lx_self");
/* Thread slots of a process: as many as the kernel lets one env have (NTHREAD / 2), each slot's stacks taking
 * LX_SLOT_SPAN of LX_STACKS' room. A clone past them, or past the kernel's limit, is EAGAIN. */
#define LX_MAX_THREADS 2048
#define LX_TIDS_FIRST 16 /* a process's table of thread ids (struct lx_proc's tids) starts with this many */
/* The running thread's struct lx_thread (gs:24 holds its own address). */
static inline struct lx_thread *lx_self(void)
{
	struct lx_thread *t;
	__asm__ volatile("mov %%gs:24, %0" : "=r"(t));
	return t;
}
void lx_threads_init(void);
void lx_threads_fork_child(struct lx_thread *me); /* only the forking thread lives on in the child */
void lx_threads_end_others(void); /* execve with several threads: the others end first */
void lx_thread_end_for_exec(void); /* another thread execs: this one ends */
extern struct lx_thread *volatile lx_exec_thread; /* the thread that execs, while the others end; else NULL */
int lx_nthreads(void);
void lx_thread_set_tid(struct lx_thread *t, int tid); /* t's Linux id, also in its process's entry (for /proc) */
struct lx_thread *lx_thread_by_tid(int tid); /* a live thread, or NULL */
struct lx_thread *lx_thread_at(int slot); /* the live program thread in slot (0 .. lx_thread_slots()-1), or NULL */
int lx_thread_slots(void); /* the slots this process has used so far: every thread is in one below it */
uint64_t lx_threads_end(void); /* where the table's pages a fork copies end: the running thread's is the last */
bool lx_thread_has_ntfn(
	struct lx_thread *me); /* its notification, made now if need be; false (after a yield) if none */
void lx_thread_wait(uint64_t ns); /* sleep (lx unlocked) until woken or ns pass */
/* Sleep on its notification (which it has), lx unlocked, up to ns, where a signal or a child's end sent to
 * its process wakes it too (lx_proc_wake); what ntfn_wait answered: the bits, or -E_TIMEOUT... */
long lx_thread_sleep(uint64_t ns);
/* Threads (of any process) waiting for something to change, in shared memory: pipes, eventfds. */
long lx_waitq_add(struct lx_waitq *q); /* the running thread will wait for q (then lx_thread_wait): 0, -ENOMEM */
void lx_waitq_wake(struct lx_waitq *q); /* wake and forget every waiter */
void lx_waitq_leave(struct lx_waitq *q); /* the running thread no longer waits for q (woken or not) */
bool lx_waitq_waiting(const struct lx_waitq *q); /* whether a thread waits for q */
void lx_waitq_free(struct lx_waitq *q); /* forget every waiter, unwoken, and give back the blocks q grew */
/* lx serialises its work with one lock, which a thread may take again; blocking calls drop it. */
/* What turns an entry from lx's direct way (entry.S), side by side so that one compare tests both. */
struct lx_modes {
	bool multi; /* a second thread was ever made: lx must lock */
	bool trace; /* print one line per syscall */
};
extern struct lx_modes lx_modes;
void lx_lock(void);
void lx_unlock(void);
int lx_lock_drop(void); /* release it entirely; the depth to give back */
void lx_lock_take(int depth);
void lx_lock_yield(void); /* between the chunks of a long transfer: let whoever waits for the lock have it */
struct lx_proc;
void lx_proc_wake(struct lx_proc *p); /* wake the threads of p waiting in lx */
void lx_kick(struct lx_thread *t); /* interrupt t if it runs program code, so it takes a signal */
struct lx_thread *lx_thread_helper(void (*fn)(struct lx_thread *)); /* an lx-internal kernel thread */

#endif
