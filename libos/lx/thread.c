/* Threads (clone with CLONE_VM|CLONE_THREAD), their waits, thread exit, and the lock that serialises lx. */
#include "libos/lx/lx.h"

/*
 * A program thread is a kernel thread of the same environment, so it shares
 * the address space, lx included. Each has its own struct lx_thread (reached
 * through gs), lx stack and exception stack, in slot-sized pieces of the
 * LX_STACKS area. lx's data is shared by all of them: one lock, which its
 * owner may take again (a fault inside a syscall), serialises lx; a thread
 * that blocks (futex, sleep, console) drops it first.
 */
#define KSTACK_PAGES 16
#define XSTACK_PAGES (XSTACK_SIZE / PAGE_SIZE)
enum { SLOT_FREE, SLOT_LIVE, SLOT_EXITED, SLOT_HELPER };
#define UNQUEUED_NS 10000000UL   /* a thread that a queue could not take (out of memory) looks again this often */
#define LOCK_SLEEP_NS 10000000UL /* a thread asleep until lx's lock is let go looks again this often (lock_sleep) */

/*
 * The slots' table, at LX_THREADS (its first page mapped by lx_threads_init). Pages are mapped as the table
 * grows, so a process that has few threads has few pages of it; a fork copies it only as far as the forking
 * thread's entry, the child's only thread. Its counts are in its first page, which a forked child's first
 * thread, in slot 0 most often, writes anyway: setting them there copies no page of lx's data.
 */
struct thread_table {
	int nslots; /* entries 0 .. nslots-1 have been used */
	int low; /* every slot from 1 up to here is live or a helper's: slot_alloc looks from here */
	uint64_t end; /* its pages are mapped up to here */
	struct lx_thread slot[];
};
static struct thread_table *const table = (struct thread_table *)LX_THREADS;
static struct lx_thread *const threads = (struct lx_thread *)(LX_THREADS + offsetof(struct thread_table, slot));
struct lx_modes lx_modes;
_Static_assert(sizeof(struct lx_modes) == 2, "entry.S tests lx_modes's two flags as one 16-bit word");
extern char lx_clone_entry[];
struct lx_frame *lx_thread_setup(struct lx_thread *t);

/* ---- the lock ---- */
/* The lock lives in the shared header: one for all threads of all processes of this lx. */
static uint64_t me_id(void)
{
	return (uint64_t)lx_pid << 32 | (uint64_t)(lx_self() - threads);
}

/*
 * Sleep until lx's lock is let go, for a thread that found it held by an owner waiting for a disk
 * (LX_SH->lock_io), rather than yield to an owner that cannot run until the device answers: true, or false
 * at once when this thread has no notification or there is no place among the sleepers (the caller yields).
 * Wakes meant for this thread's other waits are posted to it again, to be taken where they are awaited.
 */
static bool lock_sleep(void)
{
	long nt = lx_self()->ntfn;
	int i = 0;
	if (nt <= 0)
		return false;
	for (long free = 0; i < LX_LOCK_SLEEPERS; i++, free = 0)
		if (__atomic_compare_exchange_n(&LX_SH->lock_sleepers[i], &free, nt, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			break;
	if (i == LX_LOCK_SLEEPERS)
		return false;
	__atomic_add_fetch(&LX_SH->lock_sleeping, 1, __ATOMIC_SEQ_CST);
	long bits = 0;
	if (__atomic_load_n(&LX_SH->lock_owner, __ATOMIC_SEQ_CST) && LX_SH->lock_io) /* (not let go meanwhile) */
		bits = sys_ntfn_wait(nt, LOCK_SLEEP_NS);
	__atomic_sub_fetch(&LX_SH->lock_sleeping, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&LX_SH->lock_sleepers[i], 0, __ATOMIC_SEQ_CST);
	if (bits > 0 && (bits & ~(long)LX_WAKE_LOCK))
		sys_ntfn_signal(nt, (uint64_t)bits & ~(uint64_t)LX_WAKE_LOCK);
	return true;
}

/* Let lx's lock go (its depth already 0), and wake the threads that sleep until it is. */
static void lock_let_go(void)
{
	__atomic_store_n(&LX_SH->lock_owner, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&LX_SH->lock_sleeping, __ATOMIC_SEQ_CST))
		for (int i = 0; i < LX_LOCK_SLEEPERS; i++) {
			long nt = LX_SH->lock_sleepers[i];
			if (nt > 0)
				sys_ntfn_signal(nt, LX_WAKE_LOCK);
		}
}

void lx_lock(void)
{
	uint64_t me = me_id(), free = 0;
	if (LX_SH->lock_owner == me) {
		LX_SH->lock_depth++;
		return;
	}
	while (!__atomic_compare_exchange_n(&LX_SH->lock_owner, &free, me, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		free = 0;
		if (!LX_SH->lock_io || !lock_sleep())
			sys_yield(0); /* the owner was preempted inside lx: let it finish */
	}
	LX_SH->lock_depth = 1;
}

void lx_unlock(void)
{
	if (--LX_SH->lock_depth == 0)
		lock_let_go();
}

int lx_lock_drop(void)
{
	int depth = lx_modes.multi && LX_SH->lock_owner == me_id() ? LX_SH->lock_depth : 0;
	if (depth) {
		LX_SH->lock_depth = 0;
		lock_let_go();
	}
	return depth;
}

void lx_lock_take(int depth)
{
	if (depth) {
		lx_lock();
		LX_SH->lock_depth = depth;
	}
}

/* Drop the lock, let a waiter (which spins in sys_yield) run, and take the lock back at its old depth. */
void lx_lock_yield(void)
{
	int depth = lx_lock_drop();
	if (depth) {
		sys_yield(0);
		lx_lock_take(depth);
	}
}

/* ---- slots ---- */
static uint64_t slot_base(int i)
{
	return LX_STACKS + (uint64_t)i * LX_SLOT_SPAN;
}

static bool mapped(uint64_t va)
{
	return (*uvpt_pml4e(va) & PTE_P) && (*uvpt_pdpte(va) & PTE_P) && (*uvpt_pde(va) & PTE_P) &&
	       (*uvpt_pte(va) & PTE_P);
}

/* Map the n pages below top with bits, unless they are there already (from an earlier thread, or a fork).
 * They are mapped from the top down: the lowest is there when all are. */
static long map_below(uint64_t top, int n, uint64_t bits)
{
	if (mapped(top - (uint64_t)n * PAGE_SIZE))
		return 0;
	for (int p = 1; p <= n; p++)
		if (!mapped(top - (uint64_t)p * PAGE_SIZE) && page_alloc(0, top - (uint64_t)p * PAGE_SIZE, PTE_W | PTE_NX | bits) < 0)
			return -ENOMEM;
	return 0;
}

/* Map the lx and exception stacks (lx's key) and the exit area of slot i; exception stacks are never copied into a forked child. */
static long map_stacks(int i)
{
	long r = map_below(slot_base(i) + LX_SLOT_KSTACK, KSTACK_PAGES, PTE_PKEY(LX_PKEY));
	if (r == 0)
		r = map_below(slot_base(i) + LX_SLOT_EXIT, 1, 0); /* its exit area: key 0 (entry.S) */
	return r < 0 ? r : map_below(slot_base(i) + LX_SLOT_XSTACK, (int)XSTACK_PAGES, PTE_PKEY(LX_PKEY) | PTE_NOCOPY);
}

/* Grow the table by one slot (zeroed: free), mapping the page it reaches into. false: no slot or no memory left. */
static bool table_grow(void)
{
	uint64_t end = PGROUNDUP_U((uint64_t)&threads[table->nslots + 1]);
	if (table->nslots >= LX_MAX_THREADS)
		return false;
	for (; table->end < end; table->end += PAGE_SIZE)
		if (page_alloc(0, table->end, LX_OWN_PERM) < 0)
			return false;
	table->nslots++;
	return true;
}

int lx_thread_slots(void)
{
	return table->nslots;
}

uint64_t lx_threads_end(void)
{
	return PGROUNDUP_U((uint64_t)(lx_self() + 1));
}

/* A free slot with its stacks: one used before, whose exited thread the kernel no longer knows, or a new one. */
static struct lx_thread *slot_alloc(void)
{
	if (table->low < 1)
		table->low = 1;
	for (int i = table->low;; i++) {
		if (i == table->nslots && !table_grow())
			return NULL;
		struct lx_thread *t = &threads[i];
		if (t->state == SLOT_EXITED && sys_thread_set(t->kernel_tid, THREAD_XSTACK, slot_base(i) + LX_SLOT_XSTACK) == -E_NOENT)
			t->state = SLOT_FREE;
		if (t->state == SLOT_FREE && map_stacks(i) == 0)
			return t;
		if (i == table->low && (t->state == SLOT_LIVE || t->state == SLOT_HELPER))
			table->low = i + 1;
	}
}

/* Slot t's thread ends: the slot may be taken again once the kernel is done with its thread. */
static void slot_exited(struct lx_thread *t)
{
	t->state = SLOT_EXITED;
	if (t - threads < table->low)
		table->low = (int)(t - threads);
}

/* Records slot's thread id (0: none) in this process's entry, for /proc, the table grown (doubled) to reach it;
 * when out of memory for that, the thread is missing from /proc. */
static void publish_tid(struct lx_thread *t, int tid)
{
	int slot = (int)(t - threads), n = lx_me->ntids;
	if (!lx_me->tids)
		return;
	if (slot >= n && tid) {
		while (n <= slot)
			n *= 2;
		int *more = lx_alloc((size_t)n * sizeof(int)); /* zeroed: no thread */
		if (!more)
			return;
		memcpy(more, lx_me->tids, (size_t)lx_me->ntids * sizeof(int));
		lx_free(lx_me->tids);
		lx_me->tids = more;
		lx_me->ntids = n;
	}
	if (slot < lx_me->ntids)
		lx_me->tids[slot] = tid;
}

void lx_thread_set_tid(struct lx_thread *t, int tid)
{
	t->tid = tid;
	publish_tid(t, tid);
}

/* Thread 1: the one lx started in. Its stacks were made by main.c at slot 0's place. */
void lx_threads_init(void)
{
	if (page_alloc(0, LX_THREADS, LX_OWN_PERM) < 0)
		die("lx: out of memory for the thread table");
	table->end = LX_THREADS + PAGE_SIZE; /* zeroed: no slot used */
	if (!table_grow())
		die("lx: out of memory for the thread table");
	struct lx_thread *t = &threads[0];
	t->stack_top = slot_base(0) + LX_SLOT_KSTACK;
	t->self = t;
	t->state = SLOT_LIVE;
	lx_thread_set_tid(t, lx_pid); /* a process's first thread has its pid for tid */
	t->kernel_tid = sys_thread_self();
	sys_thread_set(0, THREAD_GSBASE, (uint64_t)t);
	sys_thread_set(0, THREAD_XSTACK, slot_base(0) + LX_SLOT_XSTACK);
}

int lx_nthreads(void)
{
	int n = 0;
	for (int i = 0; i < table->nslots; i++)
		n += threads[i].state == SLOT_LIVE;
	return n;
}

struct lx_thread *lx_thread_by_tid(int tid)
{
	for (int i = 0; i < table->nslots; i++)
		if (threads[i].state == SLOT_LIVE && threads[i].tid == tid)
			return &threads[i];
	return NULL;
}

struct lx_thread *lx_thread_at(int slot)
{
	return slot >= 0 && slot < table->nslots && threads[slot].state == SLOT_LIVE ? &threads[slot] : NULL;
}

/* ---- waiting ---- */
/* A free slot for ntfn in q, which grows by a block when full; ntfn's own slot if it has one; NULL when out of memory. */
static long *waitq_slot(struct lx_waitq *q, long ntfn)
{
	long *free = NULL;
	for (struct lx_waitq *b = q;; b = b->more) {
		for (int i = 0; i < LX_WAITQ_SLOTS; i++) {
			if (b->ntfn[i] == ntfn)
				return &b->ntfn[i];
			if (b->ntfn[i] <= 0 && !free)
				free = &b->ntfn[i];
		}
		if (!b->more && !free && (b->more = lx_alloc(sizeof(*b))))
			return &b->more->ntfn[0];
		if (!b->more)
			return free;
	}
}

/* Give back the blocks q grew. */
static void waitq_shrink(struct lx_waitq *q)
{
	for (struct lx_waitq *b = q->more, *next; b; b = next) {
		next = b->more;
		lx_free(b);
	}
	q->more = NULL;
}

/* Signal bits to every waiter of q; with forget, empty q and give back the blocks it grew. */
static void waitq_signal(struct lx_waitq *q, uint64_t bits, bool forget)
{
	for (struct lx_waitq *b = q; b; b = b->more)
		for (int i = 0; i < LX_WAITQ_SLOTS; i++)
			if (b->ntfn[i] > 0) {
				sys_ntfn_signal(b->ntfn[i], bits);
				if (forget)
					b->ntfn[i] = 0;
			}
	if (forget)
		waitq_shrink(q);
}

/*
 * Whether me has its notification to wait on, made now if it had none (a
 * forked child's first thread). When the kernel has none to give, false,
 * after yielding with the lock dropped, so that a caller that looks again
 * lets the others go on instead of holding everything.
 */
bool lx_thread_has_ntfn(struct lx_thread *me)
{
	if (me->ntfn > 0 || (me->ntfn = sys_ntfn_create()) > 0)
		return true;
	me->ntfn = 0;
	int depth = lx_lock_drop();
	sys_yield(0);
	lx_lock_take(depth);
	return false;
}

long lx_waitq_add(struct lx_waitq *q)
{
	struct lx_thread *me = lx_self();
	if (!lx_thread_has_ntfn(me))
		return -ENOMEM;
	long *slot = waitq_slot(q, me->ntfn);
	if (!slot) {
		me->unqueued = true;
		return -ENOMEM;
	}
	*slot = me->ntfn;
	return 0;
}

void lx_waitq_wake(struct lx_waitq *q)
{
	q->wakes++;
	if (q->watch)
		epoll_queue_woke(q);
	waitq_signal(q, LX_WAKE_QUEUE, true);
}

void lx_waitq_leave(struct lx_waitq *q)
{
	long ntfn = lx_self()->ntfn;
	for (struct lx_waitq *b = q; b && ntfn > 0; b = b->more)
		for (int i = 0; i < LX_WAITQ_SLOTS; i++)
			if (b->ntfn[i] == ntfn) {
				b->ntfn[i] = 0;
				return;
			}
}

bool lx_waitq_waiting(const struct lx_waitq *q)
{
	for (const struct lx_waitq *b = q; b; b = b->more)
		for (int i = 0; i < LX_WAITQ_SLOTS; i++)
			if (b->ntfn[i] > 0)
				return true;
	return false;
}

void lx_proc_wake(struct lx_proc *p)
{
	if (p->wake.watch)
		epoll_queue_woke(&p->wake); /* a signalfd in an epoll */
	waitq_signal(&p->wake, LX_WAKE_PROC, false);
}

void lx_waitq_free(struct lx_waitq *q)
{
	if (q->watch)
		epoll_queue_gone(q);
	waitq_shrink(q);
	for (int i = 0; i < LX_WAITQ_SLOTS; i++)
		q->ntfn[i] = 0;
}

/*
 * Thread t's place in its process's wake queue: the queue's i-th for slot i,
 * the queue grown by blocks as far as that (they stay until the process goes:
 * lx_waitq_free), found once and kept in t; NULL when out of memory. No search
 * for a free place, and no walk after the first, however many threads sleep.
 */
static long *proc_wake_slot(struct lx_thread *t)
{
	if (t->wake_slot)
		return t->wake_slot;
	struct lx_waitq *b = &lx_me->wake;
	int i = (int)(t - threads);
	for (; i >= LX_WAITQ_SLOTS; i -= LX_WAITQ_SLOTS) {
		if (!b->more && !(b->more = lx_alloc(sizeof(*b))))
			return NULL;
		b = b->more;
	}
	return t->wake_slot = &b->ntfn[i];
}

/* Sleep until woken (a futex, a signal, a child's end) or ns pass, visible to other processes meanwhile. */
long lx_thread_sleep(uint64_t ns)
{
	struct lx_thread *me = lx_self();
	long *slot = lx_thread_has_ntfn(me) ? proc_wake_slot(me) : NULL;
	if (slot)
		*slot = me->ntfn;
	if ((!slot || me->unqueued) && ns > UNQUEUED_NS)
		ns = UNQUEUED_NS; /* a queue (this one, or one it waits for) had no place for it: look again soon */
	me->unqueued = false;
	int depth = lx_lock_drop();
	long r = sys_ntfn_wait(me->ntfn, ns);
	lx_lock_take(depth);
	if (slot)
		*slot = 0;
	return r;
}

void lx_thread_wait(uint64_t ns)
{
	if (!lx_thread_has_ntfn(lx_self()))
		return; /* nothing to sleep on (lx_thread_has_ntfn let the others run): the caller looks again */
	bool scan = lx_pid == 1 && !LX_SH->cin_helper; /* no console thread yet: pid 1 looks for Ctrl-C itself */
	if (scan && ns > 50000000UL)
		ns = 50000000UL; /* this often while it waits */
	lx_thread_sleep(ns);
	if (scan)
		console_scan(); /* Ctrl-C typed while pid 1 waited (for a foreground job, say) */
}

/* In a forked child: only the thread that forked goes on; kernel objects of the parent are not ours. */
void lx_threads_fork_child(struct lx_thread *me)
{
	int used = (int)(me - threads) + 1; /* the table as far as fork copied it (lx_threads_end) */
	uint64_t end = PGROUNDUP_U((uint64_t)&threads[used]);
	if (table->nslots != used) /* write only where needed: each write copies a page */
		table->nslots = used;
	if (table->end != end) /* (more may have been mapped here, by a growth that then ran out of memory) */
		table->end = end;
	if (table->low > 1)
		table->low = 1; /* the other slots are free now */
	for (int i = 0; i < table->nslots; i++) { /* write only where needed: each write copies a page */
		if (threads[i].ntfn)
			threads[i].ntfn = 0;
		if (&threads[i] != me && threads[i].state != SLOT_FREE)
			threads[i].state = SLOT_FREE;
	}
	me->kernel_tid = sys_thread_self();
	lx_thread_set_tid(me, lx_pid); /* the child's only thread has its pid for tid */
	me->futex_addr = 0;
	me->wake_slot = NULL; /* the child's wake queue is its own entry's */
	lx_futex_fork_child();
	me->robust_head = 0; /* as on Linux: the child registers its own list */
}

/* Interrupt t (a thread of this process) with a kick upcall if it is running program code. */
void lx_kick(struct lx_thread *t)
{
	if (t != lx_self() && t->kernel_tid > 0)
		sys_thread_kick(t->kernel_tid);
}

/*
 * Start a kernel thread for slot t at entry on stack rsp (t its argument),
 * with its gs and exception stack set before it runs, in case a fork has
 * made its stack copy-on-write by then: its first push faults, and the
 * fault needs both. (If it runs before these calls, no fork has come
 * between, and it sets them itself first thing.) The kernel thread's id,
 * or -E_*.
 */
static long thread_start(struct lx_thread *t, uint64_t entry, uint64_t rsp)
{
	long k = sys_thread_create(0, entry, rsp, (uint64_t)t);
	if (k >= 0) {
		sys_thread_set(k, THREAD_GSBASE, (uint64_t)t); /* lx_fault finds its thread by gs */
		sys_thread_set(k, THREAD_XSTACK, slot_base((int)(t - threads)) + LX_SLOT_XSTACK);
	}
	return k;
}

/* The entry of a helper thread: its gs, then fn forever. */
static void helper_entry(struct lx_thread *t);
static void helper_entry(struct lx_thread *t)
{
	sys_thread_set(0, THREAD_GSBASE, (uint64_t)t); /* thread_start's may have come too late */
	sys_thread_set(0, THREAD_XSTACK, LX_SLOT_XSTACK_OF(t->stack_top));
	t->helper(t);
	sys_thread_exit();
}

/* A kernel thread of lx's own (timers): a slot the program never sees, running fn. NULL if none could be made. */
struct lx_thread *lx_thread_helper(void (*fn)(struct lx_thread *))
{
	struct lx_thread *t = slot_alloc();
	if (!t)
		return NULL;
	if (!lx_modes.multi) {
		lx_modes.multi = true; /* the helper shares lx: from now on every entry locks */
		lx_lock();
	}
	int slot = (int)(t - threads);
	*t = (struct lx_thread){ .stack_top = slot_base(slot) + LX_SLOT_KSTACK, .self = t, .state = SLOT_HELPER,
				 .sigmask = ~0UL, .helper = fn }; /* no tid: the program never sees it */
	long k = thread_start(t, (uint64_t)helper_entry, t->stack_top - 8);
	if (k < 0) {
		t->state = SLOT_FREE;
		return NULL;
	}
	t->kernel_tid = k;
	return t;
}

/* ---- clone ---- */

/* Runs first in a new thread (from lx_clone_entry): its gs, exception stack and TLS; the frame to return through. */
struct lx_frame *lx_thread_setup(struct lx_thread *t)
{
	/* thread_start set these too, but this thread may have run before it could (and a forked
	 * process's first thread was begun by env_start, with nothing set) */
	sys_thread_set(0, THREAD_GSBASE, (uint64_t)t);
	if (lx_fork_child())
		lx_process_fork_child(t);
	sys_thread_set(0, THREAD_XSTACK, slot_base((int)(t - threads)) + LX_SLOT_XSTACK);
	sys_thread_set(0, THREAD_FSBASE, t->fs);
	return t->frame;
}

/* clone, and clone3 through it; pidfd_at: where the parent gets the child's pidfd (CLONE_PIDFD), or 0. */
static long clone_do(long flags, long newsp, long ptid, long ctid, long tls, uint64_t pidfd_at)
{
	struct lx_thread *parent = lx_self(), *t;
	/*
	 * A new process: fork, as glibc's fork asks for it; or, with CLONE_VM and
	 * CLONE_VFORK (posix_spawn's way), a child that runs on newsp until it
	 * execs or exits. That one gets a copy-on-write copy of the memory rather
	 * than the memory itself, as vfork does here; what it writes before its
	 * exec stays its own.
	 */
	if (!(flags & CLONE_VM) || ((flags & CLONE_VFORK) && !(flags & CLONE_THREAD))) {
		if (((flags & CLONE_PARENT_SETTID) && !mem_user_ok((uint64_t)ptid, 4, true)) ||
		    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !mem_user_ok((uint64_t)ctid, 4, true)) ||
		    (pidfd_at && !mem_user_ok(pidfd_at, 4, true)))
			return -EFAULT;
		uint64_t child_tid = (flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) ? (uint64_t)ctid : 0;
		long pid = lx_fork_process((uint64_t)newsp, child_tid, (flags & CLONE_CHILD_CLEARTID) != 0);
		if (pid > 0 && (flags & CLONE_PARENT_SETTID))
			*(int *)ptid = (int)pid;
		if (pid > 0 && pidfd_at) {
			long fd = lx_pidfd_new((int)pid, false); /* made in the parent only, after the child's copy */
			*(int *)pidfd_at = fd < 0 ? -1 : (int)fd;
		}
		return pid;
	}
	if (!(flags & CLONE_THREAD))
		return -ENOSYS; /* a second process sharing memory: not supported */
	if (!newsp)
		return -EINVAL;
	if (((flags & CLONE_PARENT_SETTID) && !mem_user_ok((uint64_t)ptid, 4, true)) ||
	    ((flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID)) && !mem_user_ok((uint64_t)ctid, 4, true)))
		return -EFAULT;
	if (!lx_modes.multi) {
		lx_modes.multi = true; /* from now on every lx entry locks; this call holds it until it returns */
		lx_lock();
	}
	if (!lx_nproc_allows() || !(t = slot_alloc()))
		return -EAGAIN;
	if (t->ntfn <= 0 && (t->ntfn = sys_ntfn_create()) < 0) { /* a thread that could not wait is no thread */
		t->ntfn = 0;
		return -EAGAIN;
	}
	int tid = LX_SH->next_pid++; /* thread ids and pids are one space, as on Linux */
	*t = (struct lx_thread){ .stack_top = slot_base((int)(t - threads)) + LX_SLOT_KSTACK, .user_rsp = (uint64_t)newsp,
				 .self = t, .state = SLOT_LIVE, .tid = tid, .ntfn = t->ntfn,
				 .fs = (flags & CLONE_SETTLS) ? (uint64_t)tls : parent->fs,
				 .clear_tid = (flags & CLONE_CHILD_CLEARTID) ? (uint64_t)ctid : 0 };
	t->frame = (struct lx_frame *)(t->stack_top - sizeof(struct lx_frame));
	*t->frame = *parent->frame; /* the child returns from the same syscall with rax = 0 */
	if (flags & CLONE_PARENT_SETTID)
		*(int *)ptid = tid;
	if (flags & CLONE_CHILD_SETTID)
		*(int *)ctid = tid;
	long k = thread_start(t, (uint64_t)lx_clone_entry, (uint64_t)t->frame - 8);
	if (k < 0) {
		t->state = SLOT_FREE;
		return k == -E_NOMEM ? -EAGAIN : lx_errno(k); /* the kernel's limit of threads: Linux's EAGAIN */
	}
	t->kernel_tid = k;
	publish_tid(t, tid);
	return tid;
}

/* clone: CLONE_PIDFD puts the child's pidfd where CLONE_PARENT_SETTID would put its id, so not with it. */
long lx_sys_clone(long flags, long newsp, long ptid, long ctid, long tls)
{
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_PARENT_SETTID | CLONE_THREAD)))
		return -EINVAL; /* a thread's pidfd (Linux 6.9's) is not offered */
	return clone_do(flags & ~CLONE_PIDFD, newsp, ptid, ctid, tls, (flags & CLONE_PIDFD) ? (uint64_t)ptid : 0);
}

/* clone3: clone with its arguments in a struct (flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, ...). */
long lx_sys_clone3(uint64_t uargs, long size)
{
	uint64_t a[8];
	if (size < (long)sizeof(a))
		return -EINVAL;
	if (!mem_user_ok((uint64_t)uargs, sizeof(a), false))
		return -EFAULT;
	memcpy(a, (const void *)uargs, sizeof(a));
	if (((a[0] & CLONE_PIDFD) && (a[0] & CLONE_THREAD)) || (a[5] && !a[6]))
		return -EINVAL;
	uint64_t sp = a[5] ? a[5] + a[6] : 0;
	if ((a[0] & CLONE_VM) && !sp)
		return -EINVAL;
	return clone_do((long)((a[0] & ~CLONE_PIDFD) | (a[4] & CSIGNAL)), (long)sp, (long)a[3], (long)a[2], (long)a[7],
			(a[0] & CLONE_PIDFD) ? a[1] : 0);
}

/* ---- ids and exit ---- */
long lx_sys_gettid(void)
{
	return lx_self()->tid;
}

long lx_sys_set_tid_address(long addr)
{
	lx_self()->clear_tid = (uint64_t)addr;
	return lx_self()->tid;
}

/* exit: the thread ends (releasing its robust futexes, clearing and waking its clear_tid); the last one ends the program. */
long lx_sys_exit(long status)
{
	struct lx_thread *me = lx_self();
	lx_robust_exit(me);
	lx_pi_thread_exit(me->tid);
	if (lx_nthreads() <= 1)
		lx_exit((int)(status & 0xFF));
	if (me->clear_tid && mem_user_ok(me->clear_tid, 4, true)) {
		*(volatile uint32_t *)me->clear_tid = 0;
		lx_futex_wake(me->clear_tid, 1, ~0UL);
	}
	publish_tid(me, 0);
	slot_exited(me);
	lx_lock_drop();
	sys_thread_exit();
	for (;;)
		;
}

/*
 * execve from a process with several threads: every other thread must go
 * first. Each is kicked (one running program code stops at once) and woken
 * (one waiting in lx returns, its wait interrupted); on its way back to the
 * program it sees lx_exec_thread set and ends (lx_thread_end_for_exec).
 * The exec waits, lx unlocked, until it is alone.
 */
struct lx_thread *volatile lx_exec_thread;

void lx_threads_end_others(void)
{
	struct lx_thread *me = lx_self();
	lx_exec_thread = me;
	lx_attention = true;
	for (int slot = 0; slot < table->nslots; slot++) {
		struct lx_thread *t = lx_thread_at(slot);
		if (t && t != me) {
			lx_kick(t);
			lx_signal_wake(t);
		}
	}
	while (lx_nthreads() > 1) {
		int depth = lx_lock_drop();
		sys_sleep(1000000);
		lx_lock_take(depth);
	}
	lx_exec_thread = NULL;
}

void lx_thread_end_for_exec(void)
{
	struct lx_thread *me = lx_self();
	publish_tid(me, 0);
	slot_exited(me);
	lx_lock_drop();
	sys_thread_exit();
	for (;;)
		;
}

long lx_sys_exit_group(long status)
{
	lx_exit((int)(status & 0xFF));
}

long lx_sys_sched_yield(void)
{
	int depth = lx_lock_drop();
	sys_yield(0);
	lx_lock_take(depth);
	return 0;
}

/* One CPU: the mask has bit 0. */
long lx_sys_sched_getaffinity(long pid, long len, long mask)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	if (!mem_user_ok((uint64_t)mask, (uint64_t)len, true))
		return -EFAULT;
	memset((void *)mask, 0, (size_t)len);
	*(uint8_t *)mask = 1;
	return 8;
}
