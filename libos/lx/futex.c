/* Futexes (private, and shared between processes in the shared table) and robust futex lists. */
#include "libos/lx/lx.h"

/*
 * This process's threads in a plain futex wait, by address: lists by a hash of the address, each in the
 * order its threads began to wait (a wake takes the first, as Linux's), so a wake looks only at the waiters
 * whose address shares its bucket, however many threads wait elsewhere. PI waiters are pifutex.c's.
 * There are SMALL_BUCKETS, in lx's data, until more than twice as many threads wait at once; then
 * BIG_BUCKETS (one for each thread a process may have), in pages at LX_FUTEX_HASH mapped then, a
 * process's own (a forked child starts again with the small table).
 */
#define SMALL_BITS 6
#define BIG_BITS 11
#define SMALL_BUCKETS (1 << SMALL_BITS)
#define BIG_BUCKETS (1 << BIG_BITS)
_Static_assert(BIG_BUCKETS >= LX_MAX_THREADS, "a bucket for each thread");
struct bucket {
	struct lx_thread *first, *last;
};
static struct bucket small[SMALL_BUCKETS], *buckets = small; /* the table in use: small, or the big one */
static int bucket_bits = SMALL_BITS;
static int nwaiting; /* threads in the lists */

static struct bucket *bucket_of(uint64_t addr)
{
	return &buckets[(addr >> 2) * 0x9e3779b97f4a7c15UL >> (64 - bucket_bits)];
}

/* Append t, which waits on t->futex_addr, to its bucket. */
static void bucket_append(struct lx_thread *t)
{
	struct bucket *b = bucket_of(t->futex_addr);
	t->fnext = NULL;
	t->fprev = b->last;
	if (t->fprev)
		t->fprev->fnext = t;
	else
		b->first = t;
	b->last = t;
}

/* Move every waiter to the big table, mapped now (once in a process: it stays); each address's waiters keep
 * their order. Nothing when out of memory: the small one goes on. */
static void buckets_grow(void)
{
	uint64_t end = LX_FUTEX_HASH + PGROUNDUP_U(BIG_BUCKETS * sizeof(struct bucket));
	for (uint64_t va = LX_FUTEX_HASH; va < end; va += PAGE_SIZE)
		if (page_alloc(0, va, LX_OWN_PERM) < 0 && !(mem_pte(va) & PTE_P))
			return;
	buckets = (struct bucket *)LX_FUTEX_HASH;
	bucket_bits = BIG_BITS;
	memset(buckets, 0, BIG_BUCKETS * sizeof(struct bucket));
	for (int i = 0; i < SMALL_BUCKETS; i++) {
		for (struct lx_thread *t = small[i].first, *next; t; t = next) {
			next = t->fnext;
			bucket_append(t);
		}
		small[i].first = small[i].last = NULL;
	}
}

/* t begins to wait on addr for a wake with one of bits: at the end of its bucket. */
static void waiter_add(struct lx_thread *t, uint64_t addr, uint64_t bits)
{
	if (nwaiting >= 2 * SMALL_BUCKETS && buckets == small)
		buckets_grow();
	t->futex_addr = addr;
	t->futex_bits = bits;
	bucket_append(t);
	nwaiting++;
}

/* t waits no more (woken, timed out, interrupted, requeued): out of its bucket, futex_addr 0. */
static void waiter_remove(struct lx_thread *t)
{
	struct bucket *b = bucket_of(t->futex_addr);
	if (t->fprev)
		t->fprev->fnext = t->fnext;
	else
		b->first = t->fnext;
	if (t->fnext)
		t->fnext->fprev = t->fprev;
	else
		b->last = t->fprev;
	t->futex_addr = 0;
	nwaiting--;
}

void lx_futex_fork_child(void)
{
	for (int b = 0; nwaiting && buckets == small && b < SMALL_BUCKETS; b++)
		if (small[b].first) /* write only where needed: each write copies a page */
			small[b].first = small[b].last = NULL;
	if (nwaiting)
		nwaiting = 0;
	if (buckets != small) { /* the big table's pages are the parent's alone: not in this process */
		buckets = small;
		bucket_bits = SMALL_BITS;
	}
}

long lx_futex_wake(uint64_t addr, long n, uint64_t bits)
{
	long woken = 0;
	for (struct lx_thread *t = bucket_of(addr)->first, *next; t && woken < n; t = next) {
		next = t->fnext;
		if (t->futex_addr == addr && (t->futex_bits & bits)) {
			waiter_remove(t);
			sys_ntfn_signal(t->ntfn, LX_WAKE_FUTEX);
			woken++;
		}
	}
	return woken;
}

/* Move up to n waiters on addr to wait on to instead, first come first: how many moved. */
static long futex_requeue(uint64_t addr, uint64_t to, long n)
{
	long moved = 0;
	for (struct lx_thread *t = bucket_of(addr)->first, *next; t && moved < n; t = next) {
		next = t->fnext;
		if (t->futex_addr == addr) {
			uint64_t bits = t->futex_bits;
			waiter_remove(t);
			waiter_add(t, to, bits);
			moved++;
		}
	}
	return moved;
}

/* When a wait of timeout_ns from now ends (TIMEOUT_FOREVER: never), and how long is left of it. */
uint64_t lx_sleep_deadline(uint64_t timeout_ns)
{
	if (timeout_ns == TIMEOUT_FOREVER)
		return TIMEOUT_FOREVER;
	uint64_t now = clock_ns();
	return timeout_ns >= TIMEOUT_FOREVER - now ? TIMEOUT_FOREVER : now + timeout_ns;
}

uint64_t lx_sleep_left(uint64_t deadline)
{
	if (deadline == TIMEOUT_FOREVER)
		return TIMEOUT_FOREVER;
	uint64_t now = clock_ns();
	return deadline > now ? deadline - now : 0;
}

/* Wait while *addr == val, until woken, a signal comes or timeout_ns passes. 0, -ETIMEDOUT, -EINTR... */
static long futex_wait(uint64_t addr, uint32_t val, uint64_t timeout_ns, uint64_t bits)
{
	struct lx_thread *me = lx_self();
	if (!mem_user_ok(addr, 4, false) || (addr & 3))
		return -EFAULT;
	if (*(volatile uint32_t *)addr != val)
		return -EAGAIN;
	if (!lx_thread_has_ntfn(me))
		return -EINTR; /* it could not wait (lx_thread_has_ntfn let the others run): a spurious wake-up */
	if (lx_signal_pending())
		return -EINTR; /* a signal came first: it would not wake a sleep that has not begun */
	waiter_add(me, addr, bits);
	uint64_t deadline = lx_sleep_deadline(timeout_ns);
	long r;
	do /* a wake for the process (a child's end, a signal another thread takes) is none for this wait */
		r = lx_thread_sleep(lx_sleep_left(deadline));
	while (me->futex_addr && r != -E_TIMEOUT && !lx_signal_interrupts()); /* a signal, or an exec ending it */
	if (me->futex_addr == 0)
		return 0; /* woken (a timeout that raced with the wake still counts as woken) */
	waiter_remove(me);
	return r == -E_TIMEOUT ? -ETIMEDOUT : -EINTR; /* else a signal woke it */
}

/* The key of a futex in memory shared between processes (a PTE_SHARE page): its frame and offset; 0 if private. */
static uint64_t shared_key(uint64_t addr)
{
	uint64_t va = addr & ~(PAGE_SIZE - 1);
	if (va >= USER_TOP)
		return 0; /* the page-table window covers only the user half */
	if (!(*uvpt_pml4e(va) & PTE_P) || !(*uvpt_pdpte(va) & PTE_P) || !(*uvpt_pde(va) & PTE_P))
		return 0;
	uint64_t pte = *uvpt_pte(va);
	return (pte & PTE_P) && (pte & PTE_SHARE) ? (pte & PTE_ADDR) | (addr & (PAGE_SIZE - 1)) : 0;
}

/* Wake up to n threads, of any process, waiting on the shared futex key. */
static long sfutex_wake(uint64_t key, long n, uint64_t bits)
{
	long woken = 0;
	for (int i = 0; i < 64 && woken < n; i++)
		if (LX_SH->sfutex[i].key == key && (LX_SH->sfutex[i].bits & bits)) {
			LX_SH->sfutex[i].key = 0;
			sys_ntfn_signal(LX_SH->sfutex[i].ntfn, LX_WAKE_FUTEX);
			woken++;
		}
	return woken;
}

/* Wait on a shared futex (key) while *addr == val: as futex_wait, with the waiter in the shared table. */
static long sfutex_wait(uint64_t key, uint64_t addr, uint32_t val, uint64_t timeout_ns, uint64_t bits)
{
	struct lx_thread *me = lx_self();
	int slot = -1;
	if (*(volatile uint32_t *)addr != val)
		return -EAGAIN;
	if (!lx_thread_has_ntfn(me))
		return -EINTR; /* it could not wait (lx_thread_has_ntfn let the others run): a spurious wake-up */
	for (int i = 0; i < 64 && slot < 0; i++)
		if (!LX_SH->sfutex[i].key)
			slot = i;
	if (slot < 0)
		return -ENOMEM;
	LX_SH->sfutex[slot].key = key;
	LX_SH->sfutex[slot].bits = bits;
	LX_SH->sfutex[slot].ntfn = me->ntfn;
	uint64_t deadline = lx_sleep_deadline(timeout_ns);
	long r = -EINTR;
	while (LX_SH->sfutex[slot].key == key && LX_SH->sfutex[slot].ntfn == me->ntfn && r != -E_TIMEOUT &&
	       !lx_signal_interrupts())
		r = lx_thread_sleep(lx_sleep_left(deadline));
	if (LX_SH->sfutex[slot].key != key || LX_SH->sfutex[slot].ntfn != me->ntfn)
		return 0; /* woken */
	LX_SH->sfutex[slot].key = 0;
	return r == -E_TIMEOUT ? -ETIMEDOUT : -EINTR;
}

/* Wake up to n waiters as a non-private FUTEX_WAKE does: this process's, and any process's when addr is in shared memory. */
static long futex_wake_any(uint64_t addr, long n, uint64_t bits)
{
	long woken = lx_futex_wake(addr, n, bits);
	uint64_t key = woken < n ? shared_key(addr) : 0;
	return key ? woken + sfutex_wake(key, n - woken, bits) : woken;
}

/*
 * A futex timeout as ns from now: relative for FUTEX_WAIT, absolute for the
 * BITSET form, on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME in op, on
 * CLOCK_REALTIME.
 */
static long futex_timeout(long uts, long op, uint64_t *ns)
{
	uint64_t t, now;
	*ns = TIMEOUT_FOREVER;
	if (!uts)
		return 0;
	long r = lx_read_timespec(uts, &t);
	if (r < 0)
		return r;
	if ((op & FUTEX_CMD_MASK) != FUTEX_WAIT_BITSET) {
		*ns = t;
		return 0;
	}
	clock_ns_of((op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
	*ns = t > now ? t - now : 0;
	return 0;
}

long lx_sys_futex(uint64_t uaddr, long op, long val, long uts, uint64_t uaddr2, long val3)
{
	uint64_t ns;
	long r;
	switch (op &
		FUTEX_CMD_MASK) { /* FUTEX_PRIVATE_FLAG picks the table; FUTEX_CLOCK_REALTIME the timeout's clock; other bits: ENOSYS */
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		uint64_t bits = (op & FUTEX_CMD_MASK) == FUTEX_WAIT ? ~0UL : (uint32_t)val3;
		if (!bits)
			return -EINVAL;
		if ((r = futex_timeout(uts, op, &ns)) < 0)
			return r;
		if (!mem_user_ok((uint64_t)uaddr, 4, false) || (uaddr & 3))
			return -EFAULT;
		(void)*(volatile uint32_t *)uaddr; /* a page never touched is mapped now, so its key is known */
		uint64_t key = (op & FUTEX_PRIVATE_FLAG)
				       ? 0
				       : shared_key((uint64_t)uaddr); /* not FUTEX_PRIVATE_FLAG, shared memory */
		if (key)
			return sfutex_wait(key, (uint64_t)uaddr, (uint32_t)val, ns, bits);
		return futex_wait((uint64_t)uaddr, (uint32_t)val, ns, bits);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint64_t bits = (op & FUTEX_CMD_MASK) == FUTEX_WAKE ? ~0UL : (uint32_t)val3;
		if (!bits || (uaddr & 3))
			return -EINVAL;
		if ((uint64_t)uaddr >= LINUX_TASK_SIZE ||
		    (!(op & FUTEX_PRIVATE_FLAG) && !mem_user_ok((uint64_t)uaddr, 4, false)))
			return -EFAULT; /* a shared futex must be in the program's memory, as its key is */
		if (lx_pi_waits_on((uint64_t)uaddr))
			return -EINVAL; /* as Linux: a PI waiter is woken only by FUTEX_UNLOCK_PI or FUTEX_CMP_REQUEUE_PI */
		return (op & FUTEX_PRIVATE_FLAG) ? lx_futex_wake((uint64_t)uaddr, val, bits)
						 : futex_wake_any((uint64_t)uaddr, val, bits);
	}
	case FUTEX_CMP_REQUEUE:
		if (!mem_user_ok((uint64_t)uaddr, 4, false))
			return -EFAULT;
		if (*(volatile uint32_t *)uaddr != (uint32_t)val3)
			return -EAGAIN;
		/* fall through */
	case FUTEX_REQUEUE: {
		long woken = lx_futex_wake((uint64_t)uaddr, val, ~0UL);
		return woken + futex_requeue((uint64_t)uaddr, (uint64_t)uaddr2, uts);
	}
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
	case FUTEX_UNLOCK_PI:
	case FUTEX_WAIT_REQUEUE_PI:
	case FUTEX_CMP_REQUEUE_PI:
		return lx_futex_pi(uaddr, op, val, uts, uaddr2, val3);
	default:
		return -ENOSYS;
	}
}

/* ---- robust futex lists ---- */
/*
 * A thread may name a list of the futexes it holds (set_robust_list); when it
 * dies holding one, the next owner must learn of it. The list lives in the
 * program's memory and is walked as Linux walks it (Documentation/locking/
 * robust-futex-ABI): every access is checked, and a bad pointer ends the walk.
 */

static bool robust_used; /* a thread of this process ever named a list: its end must look at every thread */

/* set_robust_list: where the calling thread's list is; -EINVAL unless len is the size of the head. */
long lx_sys_set_robust_list(long head, long len)
{
	if (len != (long)sizeof(struct linux_robust_list_head))
		return -EINVAL;
	lx_self()->robust_head = (uint64_t)head;
	robust_used |= head != 0;
	return 0;
}

/* get_robust_list: the list of thread tid (0: the caller) and the head's size; -ESRCH, -EFAULT. */
long lx_sys_get_robust_list(long tid, uint64_t uhead, uint64_t ulen)
{
	struct lx_thread *t = tid ? lx_thread_by_tid((int)tid) : lx_self();
	uint64_t len = sizeof(struct linux_robust_list_head);
	if (!t)
		return -ESRCH;
	if (!mem_user_ok((uint64_t)ulen, sizeof(len), true) || !mem_user_ok((uint64_t)uhead, sizeof(uint64_t), true))
		return -EFAULT;
	memcpy((void *)ulen, &len, sizeof(len));
	memcpy((void *)uhead, &t->robust_head, sizeof(uint64_t));
	return 0;
}

/* Read n bytes of the program's memory at addr; false if it may not be read. */
static bool peek(uint64_t addr, void *dst, size_t n)
{
	if (!mem_user_ok(addr, n, false))
		return false;
	memcpy(dst, (const void *)addr, n);
	return true;
}

/*
 * The futex word at addr was held by thread tid, which died: if its owner bits
 * are tid, mark it FUTEX_OWNER_DIED (keeping FUTEX_WAITERS) and wake a waiter,
 * as a non-private wake would. A word still 0 in list_op_pending (released, its
 * waiter perhaps not yet woken) gets a wake too. False for a bad address.
 */
static bool futex_owner_died(uint64_t addr, int tid, bool pi, bool pending)
{
	if ((addr & 3) || !mem_user_ok(addr, 4, true))
		return false;
	volatile uint32_t *word = (volatile uint32_t *)addr;
	uint32_t old = *word;
	do {
		if (pending && !pi && old == 0) {
			futex_wake_any(addr, 1, ~0UL);
			return true;
		}
		if ((old & FUTEX_TID_MASK) != (uint32_t)tid)
			return true;
	} while (!__atomic_compare_exchange_n(word, &old, (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (pi)
		lx_pi_owner_died(addr, FUTEX_OWNER_DIED); /* its first waiter here owns it now */
	else if (old & FUTEX_WAITERS)
		futex_wake_any(addr, 1, ~0UL);
	return true;
}

/* t dies (or execs): release the futexes on its robust list, at most ROBUST_LIST_LIMIT of them, and forget the list. */
void lx_robust_exit(struct lx_thread *t)
{
	struct linux_robust_list_head h;
	uint64_t head = t->robust_head, entry, next;
	t->robust_head = 0; /* once only, even if a fault on the way ends the process */
	if (!head || !peek(head, &h, sizeof(h)))
		return;
	uint64_t pending = h.pending & ~1UL;
	entry = h.next;
	for (int n = 0; (entry & ~1UL) != head && n < ROBUST_LIST_LIMIT; n++, entry = next) {
		uint64_t e = entry & ~1UL;
		bool fetched = peek(e, &next, sizeof(next)); /* before the wake: a woken waiter may reuse the entry */
		if (e != pending && !futex_owner_died(e + (uint64_t)h.futex_offset, t->tid, entry & 1, false))
			return;
		if (!fetched)
			return;
	}
	if (pending)
		futex_owner_died(pending + (uint64_t)h.futex_offset, t->tid, h.pending & 1, true);
}

/* The process ends or execs: the robust lists of all its threads. */
void lx_robust_exit_all(void)
{
	for (int i = 0; robust_used && i < lx_thread_slots(); i++)
		if (lx_thread_at(i) && lx_thread_at(i)->robust_head)
			lx_robust_exit(lx_thread_at(i));
}
