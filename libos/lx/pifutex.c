/* Priority-inheritance futexes: FUTEX_LOCK_PI(2), FUTEX_TRYLOCK_PI, FUTEX_UNLOCK_PI and the requeue-PI pair. */
#include "libos/lx/lx.h"

/*
 * The futex word holds its owner's tid, FUTEX_WAITERS when a waiter sleeps in
 * lx (so the owner's unlock must come here) and FUTEX_OWNER_DIED when an owner
 * died holding it. An unlock hands the lock to the first waiter, as Linux
 * does: the word becomes FUTEX_WAITERS | its tid. lx has one scheduling class,
 * so there is no priority to lend: the "inheritance" is the hand-over alone.
 * Waiters of this process are found by their futex_addr; a waiter also looks
 * at the word every LX_RECHECK_NS, taking a lock whose owner is gone (one of
 * another process, which cannot hand it over, or released there).
 */

static uint64_t pi_seq; /* counts the waits begun, for the order of waiters */
static int pi_waiting; /* threads of this process in a PI wait: none, and FUTEX_WAKE need not look */

static volatile uint32_t *word_at(uint64_t addr)
{
	return (volatile uint32_t *)addr;
}

/* The first thread of this process waiting to own the PI futex at addr; NULL if none. */
static struct lx_thread *pi_first(uint64_t addr)
{
	struct lx_thread *first = NULL;
	for (int i = 0; i < lx_thread_slots(); i++) {
		struct lx_thread *t = lx_thread_at(i);
		if (t && t->futex_addr == addr && t->pi_wait == LX_PI_LOCK && (!first || t->pi_seq < first->pi_seq))
			first = t;
	}
	return first;
}

/* Is tid a live thread, of this process or another? */
static bool tid_alive(int tid)
{
	if (lx_thread_by_tid(tid))
		return true;
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *p = &LX_SH->procs[i];
		if (p->state != LX_PROC_LIVE)
			continue;
		if (p->pid == tid)
			return true;
		for (int s = 0; s < p->ntids; s++)
			if (p->tids[s] == tid)
				return true;
	}
	return false;
}

/* Make t the owner of the PI futex at addr (the bits keep kept besides FUTEX_WAITERS) and wake it. */
static void pi_give(struct lx_thread *t, uint64_t addr, uint32_t keep)
{
	__atomic_store_n(word_at(addr), FUTEX_WAITERS | keep | (uint32_t)t->tid, __ATOMIC_SEQ_CST);
	t->pi_granted = true;
	t->futex_addr = 0;
	sys_ntfn_signal(t->ntfn, LX_WAKE_FUTEX);
}

bool lx_pi_waits_on(uint64_t addr)
{
	for (int i = 0; pi_waiting && i < lx_thread_slots(); i++) {
		struct lx_thread *t = lx_thread_at(i);
		if (t && t->futex_addr == addr && t->pi_wait != LX_PI_NONE)
			return true;
	}
	return false;
}

void lx_pi_owner_died(uint64_t addr, uint32_t keep)
{
	struct lx_thread *t = pi_first(addr);
	if (t)
		pi_give(t, addr, keep);
}

void lx_pi_thread_exit(int tid)
{
	for (int i = 0; i < lx_thread_slots(); i++) {
		struct lx_thread *t = lx_thread_at(i);
		if (!t || t->pi_wait != LX_PI_LOCK || !t->futex_addr)
			continue;
		uint32_t w = *word_at(t->futex_addr);
		if ((w & FUTEX_TID_MASK) == (uint32_t)tid)
			pi_give(pi_first(t->futex_addr), t->futex_addr, FUTEX_OWNER_DIED); /* as Linux marks it */
	}
}

/*
 * Take the PI futex at addr for tid, as Linux's atomic step does: 0 when taken
 * (a free word keeps FUTEX_OWNER_DIED; FUTEX_WAITERS is set if waiters is true),
 * 1 when held by another (FUTEX_WAITERS now set, so its unlock comes to lx),
 * -EDEADLK if tid holds it, -ESRCH if its owner is no live thread.
 */
static long pi_take(uint64_t addr, int tid, bool waiters)
{
	volatile uint32_t *w = word_at(addr);
	uint32_t old = *w, new;
	do {
		uint32_t owner = old & FUTEX_TID_MASK;
		if (owner == (uint32_t)tid)
			return -EDEADLK;
		if (owner && !tid_alive((int)owner))
			return -ESRCH;
		new = owner ? old | FUTEX_WAITERS
			    : (old & FUTEX_OWNER_DIED) | (uint32_t)tid | (waiters ? FUTEX_WAITERS : 0);
	} while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return (new &FUTEX_TID_MASK) == (uint32_t)tid ? 0 : 1;
}

/* A waiting thread looks at the word: a lock no one in lx will hand over (free, or its owner gone) it takes. */
static void pi_recheck(struct lx_thread *me)
{
	volatile uint32_t *w = word_at(me->futex_addr);
	uint32_t old = *w, owner = old & FUTEX_TID_MASK;
	if (owner && tid_alive((int)owner))
		return;
	if (pi_first(me->futex_addr) != me)
		return; /* the first waiter takes it */
	uint32_t new = (old & FUTEX_OWNER_DIED) | FUTEX_WAITERS | (uint32_t)me->tid;
	if (__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		me->pi_granted = true;
		me->futex_addr = 0;
	}
}

/*
 * Wait, with futex_addr and pi_wait set, until the lock is handed over (0), a
 * requeue ends a FUTEX_WAIT_REQUEUE_PI wait otherwise (-EAGAIN), the absolute
 * deadline passes (-ETIMEDOUT), or a signal comes or an exec ends the thread
 * (-ERESTARTNOINTR: the call starts again after the handler; once requeued,
 * -EAGAIN as Linux).
 */
static long pi_sleep(struct lx_thread *me, uint64_t deadline)
{
	bool late = false;
	while (me->futex_addr && !(late = lx_sleep_left(deadline) == 0) && !lx_signal_interrupts()) {
		uint64_t ns = lx_sleep_left(deadline);
		lx_thread_sleep(ns < LX_RECHECK_NS ? ns : LX_RECHECK_NS);
		if (me->futex_addr && me->pi_wait == LX_PI_LOCK)
			pi_recheck(me);
	}
	bool woken = me->futex_addr == 0, requeued = me->pi_wait == LX_PI_LOCK && me->pi_target;
	me->futex_addr = 0;
	me->pi_wait = LX_PI_NONE;
	me->pi_target = 0;
	if (me->pi_granted)
		return 0;
	if (woken)
		return -EAGAIN;
	if (late)
		return -ETIMEDOUT;
	return requeued ? -EAGAIN : -ERESTARTNOINTR;
}

/* Queue the caller as a waiter on addr (how: LX_PI_*), then sleep as pi_sleep says. */
static long pi_wait_on(uint64_t addr, int how, uint64_t target, uint64_t deadline)
{
	struct lx_thread *me = lx_self();
	me->futex_addr = addr;
	me->futex_bits = 0; /* a plain FUTEX_WAKE never wakes it (lx_pi_waits_on) */
	me->pi_wait = how;
	me->pi_target = target;
	me->pi_granted = false;
	me->pi_seq = ++pi_seq;
	pi_waiting++;
	long r = pi_sleep(me, deadline);
	pi_waiting--;
	return r;
}

/* FUTEX_LOCK_PI(2), FUTEX_TRYLOCK_PI: 0 once the caller owns it; -EDEADLK, -ESRCH, -EAGAIN (trylock), -ETIMEDOUT. */
static long pi_lock(uint64_t addr, uint64_t deadline, bool try)
{
	struct lx_thread *me = lx_self();
	long r = pi_take(addr, me->tid, pi_first(addr) != NULL);
	if (r <= 0)
		return r;
	if (try)
		return -EAGAIN;
	if (!lx_thread_has_ntfn(me))
		return -ERESTARTNOINTR; /* it could not wait (lx_thread_has_ntfn let the others run): try again */
	return pi_wait_on(addr, LX_PI_LOCK, 0, deadline);
}

/* FUTEX_UNLOCK_PI: the caller gives the lock to its first waiter, or leaves the word 0; -EPERM if not its owner. */
static long pi_unlock(uint64_t addr)
{
	volatile uint32_t *w = word_at(addr);
	uint32_t old = *w;
	if ((old & FUTEX_TID_MASK) != (uint32_t)lx_self()->tid)
		return -EPERM;
	struct lx_thread *t = pi_first(addr);
	if (t) {
		pi_give(t, addr, 0);
		return 0;
	}
	while (!__atomic_compare_exchange_n(w, &old, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		if ((old & FUTEX_TID_MASK) != (uint32_t)lx_self()->tid)
			return -EPERM;
	return 0;
}

/* FUTEX_WAIT_REQUEUE_PI: wait on addr while it holds val, to own the PI futex target when moved there. */
static long pi_wait_requeue(uint64_t addr, uint32_t val, uint64_t target, uint64_t deadline)
{
	if (addr == target)
		return -EINVAL;
	if (!mem_user_ok(target, 4, true))
		return -EFAULT;
	if (*word_at(addr) != val)
		return -EAGAIN;
	if (!lx_thread_has_ntfn(lx_self()))
		return -ERESTARTNOINTR;
	return pi_wait_on(addr, LX_PI_REQUEUE, target, deadline);
}

/* The first FUTEX_WAIT_REQUEUE_PI waiter on addr; NULL if none. */
static struct lx_thread *requeue_first(uint64_t addr)
{
	struct lx_thread *first = NULL;
	for (int i = 0; i < lx_thread_slots(); i++) {
		struct lx_thread *t = lx_thread_at(i);
		if (t && t->futex_addr == addr && t->pi_wait == LX_PI_REQUEUE && (!first || t->pi_seq < first->pi_seq))
			first = t;
	}
	return first;
}

/*
 * FUTEX_CMP_REQUEUE_PI: if *addr is still cmp, the first waiter on addr gets
 * the PI futex target if it is free (woken owning it), and up to nr_requeue
 * waiters (the first among them if it did not) wait for target instead. The
 * number woken and moved; -EINVAL if a waiter waits for another target.
 */
static long pi_cmp_requeue(uint64_t addr, long nr_wake, long nr_requeue, uint64_t target, uint32_t cmp)
{
	if (nr_wake != 1 || nr_requeue < 0 || addr == target)
		return -EINVAL;
	if (!mem_user_ok(target, 4, true))
		return -EFAULT;
	if (*word_at(addr) != cmp)
		return -EAGAIN;
	struct lx_thread *t = requeue_first(addr);
	if (!t)
		return 0;
	if (t->pi_target != target)
		return -EINVAL;
	long n = 0, r = pi_take(target, t->tid, true);
	if (r < 0)
		return r;
	if (r == 0) {
		t->pi_granted = true;
		t->futex_addr = 0;
		sys_ntfn_signal(t->ntfn, LX_WAKE_FUTEX);
		n++;
	}
	for (; nr_requeue > 0 && (t = requeue_first(addr)) && t->pi_target == target; nr_requeue--, n++) {
		t->futex_addr = target;
		t->futex_bits = 0;
		t->pi_wait = LX_PI_LOCK;
	}
	return n;
}

/* A PI call's absolute timeout as a deadline on clock_ns: CLOCK_REALTIME for FUTEX_LOCK_PI or with the flag. */
static long pi_deadline(long uts, long op, uint64_t *deadline)
{
	uint64_t t, now, mono;
	*deadline = TIMEOUT_FOREVER;
	if (!uts)
		return 0;
	long r = lx_read_timespec(uts, &t);
	if (r < 0)
		return r;
	bool rt = (op & FUTEX_CLOCK_REALTIME) || (op & FUTEX_CMD_MASK) == FUTEX_LOCK_PI;
	clock_ns_of(rt ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
	mono = clock_ns();
	*deadline = t > now ? mono + (t - now) : mono;
	return 0;
}

long lx_futex_pi(uint64_t uaddr, long op, long val, long uts, uint64_t uaddr2, long val3)
{
	long cmd = op & FUTEX_CMD_MASK, r;
	uint64_t deadline = TIMEOUT_FOREVER;
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_LOCK_PI2 && cmd != FUTEX_WAIT_REQUEUE_PI)
		return -ENOSYS;
	if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI)
		if ((r = pi_deadline(uts, op, &deadline)) < 0)
			return r;
	if ((uaddr & 3) || (cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_CMP_REQUEUE_PI ? uaddr2 & 3 : 0))
		return -EINVAL;
	if (!mem_user_ok(uaddr, 4, true))
		return -EFAULT;
	switch (cmd) {
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return pi_lock(uaddr, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return pi_lock(uaddr, deadline, true);
	case FUTEX_UNLOCK_PI:
		return pi_unlock(uaddr);
	case FUTEX_WAIT_REQUEUE_PI:
		return pi_wait_requeue(uaddr, (uint32_t)val, uaddr2, deadline);
	case FUTEX_CMP_REQUEUE_PI:
		return pi_cmp_requeue(uaddr, val, uts, uaddr2, (uint32_t)val3);
	default:
		return -ENOSYS;
	}
}
