/* Threads and the scheduler: the run queue, time slices, timeouts, and the switch to user mode. */
#include "kernel.h"

#define SLICE_NS 2000000UL /* 2 ms */
#define GRACE_NS 200000UL  /* 200 us to yield after a slice upcall */

/*
 * The thread table: its first 64 slots in the image, the rest in pages
 * taken as they are used (ktable.c), so a machine that runs a few dozen
 * threads holds 55 KB of table, not 1.7 MB, and a fork that makes and ends
 * one thread over and over takes no page each time. A thread's id is 0
 * while its slot is free.
 */
KTABLE(threads, struct thread, NTHREAD, 64);
_Static_assert(NTHREAD == 1 << THREAD_INDEX_BITS, "an id's index bits cover the table");
_Static_assert(offsetof(struct thread, id) == 0, "a ktable entry starts with its word that is 0 when free");

struct cpu cpu;
uint64_t k_libos_lo, k_libos_hi, k_libos_entry, k_libos_pkru, k_gs_base, k_tf_top;
static uint64_t thread_generation = 1;
static int thread_low = 1; /* every slot from 1 up to here is in use: the search for a free one starts here */
static struct list runq = { &runq, &runq };

/*
 * The threads blocked with a deadline: a binary min-heap on (deadline, timeseq), so the first to expire
 * is timeheap[0] and adding or removing one costs O(log n). A thread on it has timeslot = its index + 1.
 */
static struct thread *timeheap[NTHREAD];
static int ntimed;
static uint64_t timeseq;

/*
 * A new runnable thread in env e starting at rip with stack rsp and rdi = arg,
 * its floating-point state a copy of the running thread's (as fork and clone
 * copy it on Linux), or the state after FNINIT when no thread runs. -E_NOMEM: the table is full, or e or an ancestor is at its limit of threads.
 */
struct thread *thread_alloc(struct env *e, uint64_t rip, uint64_t rsp, uint64_t arg, int *err)
{
	struct thread *t = NULL;
	while (thread_low < NTHREAD && (t = ktable_get(&threads, (uint64_t)thread_low)) && t->id)
		thread_low++;
	if (thread_low == NTHREAD) {
		*err = -E_NOMEM;
		return NULL;
	}
	if ((*err = res_check(e, RES_THREAD)) < 0)
		return NULL;
	if (!(t = ktable_make(&threads, (uint64_t)thread_low))) { /* (after the last check that can fail: no page idle) */
		*err = -E_NOMEM;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->id = (thread_generation++ << THREAD_INDEX_BITS) | (uint64_t)thread_low++;
	t->env = e;
	t->tf = (struct trapframe){ .rip = rip, .rsp = rsp, .rdi = arg, .cs = UCODE, .ss = UDATA, .rflags = 0x202 };
	t->pkru = cpu.cur ? thread_pkru(cpu.cur) : 0; /* like the FPU state: the creator's (0: every key open) */
	if (cpu.cur && cpu.fpu_owner == cpu.cur) {
		__asm__ volatile("fxsave64 %0" : "=m"(t->fpu)); /* the registers hold the caller's state */
	} else if (cpu.cur) {
		memcpy(t->fpu, cpu.cur->fpu, sizeof(t->fpu));
	} else {
		*(uint16_t *)&t->fpu[0] = 0x37F;   /* x87 control word after FNINIT */
		*(uint32_t *)&t->fpu[24] = 0x1F80; /* MXCSR: all exceptions masked */
	}
	list_init(&t->runq);
	list_push_back(&e->threads, &t->env_link);
	res_take(e, RES_THREAD);
	sched_ready(t);
	return t;
}

/* The live thread with this id, or NULL. */
struct thread *thread_lookup(uint64_t id)
{
	struct thread *t = ktable_get(&threads, id & (NTHREAD - 1));
	return t && id != 0 && t->id == id && t->state != TH_FREE ? t : NULL;
}

/* Put t at the back of the run queue. */
void sched_ready(struct thread *t)
{
	t->state = TH_RUNNABLE;
	list_remove(&t->runq);
	list_push_back(&runq, &t->runq);
}

/* Remove t from every queue and free its slot. */
void thread_kill(struct thread *t)
{
	list_remove(&t->runq);
	sched_untime(t);
	list_remove(&t->env_link);
	ipc_thread_gone(t);
	res_give(t->env, RES_THREAD);
	int index = (int)(t->id & (NTHREAD - 1));
	t->state = TH_FREE;
	t->id = 0;
	if (index < thread_low)
		thread_low = index;
	ktable_freed(&threads, (uint64_t)index);
	if (cpu.cur == t)
		cpu.cur = NULL;
	if (cpu.fpu_owner == t)
		cpu.fpu_owner = NULL;
	if (cpu.running == t)
		account(NULL);
}

/* Save the running thread's registers (from the kernel stack) into its thread; a kernel call's are there already. */
void sched_save(struct trapframe *tf)
{
	if (tf != &cpu.cur->tf)
		cpu.cur->tf = *tf;
}

/* Whether a expires before b: the earlier deadline, or the same one and on the heap first. */
static bool time_before(const struct thread *a, const struct thread *b)
{
	return a->deadline != b->deadline ? a->deadline < b->deadline : a->timeseq < b->timeseq;
}

/* Put t in heap slot i. */
static void time_put(int i, struct thread *t)
{
	timeheap[i] = t;
	t->timeslot = i + 1;
}

/* Place t at slot i or above it, moving later parents down (slot i is free to take). */
static void time_up(int i, struct thread *t)
{
	while (i > 0 && time_before(t, timeheap[(i - 1) / 2])) {
		time_put(i, timeheap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	time_put(i, t);
}

/* Place t at slot i or below it, moving earlier children up (slot i is free to take). */
static void time_down(int i, struct thread *t)
{
	for (int c = 2 * i + 1; c < ntimed; i = c, c = 2 * i + 1) {
		if (c + 1 < ntimed && time_before(timeheap[c + 1], timeheap[c]))
			c++;
		if (!time_before(timeheap[c], t))
			break;
		time_put(i, timeheap[c]);
	}
	time_put(i, t);
}

/* Take t, which is on it, off the timeout heap (sched_untime). */
void sched_time_remove(struct thread *t)
{
	int i = t->timeslot - 1;

	t->timeslot = 0;
	struct thread *last = timeheap[--ntimed];
	if (last == t)
		return;
	if (i > 0 && time_before(last, timeheap[(i - 1) / 2]))
		time_up(i, last);
	else
		time_down(i, last);
}

/*
 * See that the timer fires by the earliest of: slice end, grace end, first
 * timeout. One already armed to fire by then is left alone (should it fire
 * early, sched_tick finds nothing due and arms it again): every write to the
 * timer costs an exit of the machine, and most blocks leave the earliest as
 * it was (the slice's end).
 */
static void timer_rearm(void)
{
	uint64_t next = cpu.slice_end;
	if (ntimed && timeheap[0]->deadline < next)
		next = timeheap[0]->deadline;
	if (cpu.cur && cpu.cur->slice_grace && cpu.cur->slice_grace < next)
		next = cpu.cur->slice_grace;
	if (cpu.timer_at && cpu.timer_at <= next)
		return;
	cpu.timer_at = next;
	lapic_timer_at(next);
}

/* thread_block's timeout: t, just blocked, wakes with -E_TIMEOUT after timeout_ns. */
void thread_block_timed(struct thread *t, uint64_t timeout_ns)
{
	uint64_t now = now_ns();
	if (timeout_ns >= TIMEOUT_FOREVER - now)
		return; /* so long that the deadline would wrap round: forever, not at once */
	t->deadline = now + timeout_ns;
	t->timeseq = timeseq++;
	time_up(ntimed++, t);
	timer_rearm();
}

/* Make a blocked thread runnable; its kernel call returns result. */
void thread_wake(struct thread *t, long result)
{
	sched_untime(t);
	t->tf.rax = (uint64_t)result;
	sched_ready(t);
}

/* Wake every thread whose timeout has passed. */
void sched_timeouts(void)
{
	uint64_t now = now_ns();
	while (ntimed && timeheap[0]->deadline <= now) {
		struct thread *t = timeheap[0];
		ipc_dequeue(t);
		thread_wake(t, t->state == TH_SLEEP ? 0 : -E_TIMEOUT);
	}
}

/* Charge the CPU time since the last switch to the thread that had it; t has it from now (NULL: idle). */
static inline void charge(struct thread *t)
{
	uint64_t now = rdtsc();
	if (cpu.running) {
		cpu.running->run_tsc += now - cpu.run_start;
		cpu.running->env->run_tsc += now - cpu.run_start;
	}
	cpu.running = t;
	cpu.run_start = now;
}

void account(struct thread *t)
{
	charge(t);
}

/* Load t's address space, TLS bases and FPU state, then return to it in user mode. */
void thread_switch(struct thread *t)
{
	struct env *e = t->env;

	if (cpu.running != t)
		charge(t);
	list_remove(&t->runq);
	t->state = TH_RUNNING;
	t->kicked = false;
	cpu.cur = t;
	k_gs_base = t->gs_base;
	k_tf_top = (uint64_t)(&t->tf + 1);
	if (cpu.space != e) {
		lcr3(e->pml4);
		cpu.space = e;
		k_libos_lo = e->libos_lo;
		k_libos_hi = e->libos_hi;
		k_libos_entry = e->libos_entry;
		k_libos_pkru = e->libos_pkru;
	}
	if (cpu.fpu_owner != t) {
		if (cpu.fpu_owner)
			__asm__ volatile("fxsave64 %0" : "=m"(cpu.fpu_owner->fpu));
		__asm__ volatile("fxrstor64 %0" ::"m"(t->fpu));
		if (pku)
			pkey_switch(cpu.fpu_owner, t);
		wrmsr(MSR_FS_BASE, t->fs_base);
		wrmsr(MSR_GS_BASE, t->gs_base);
		cpu.fpu_owner = t;
	}
	trap_return(&t->tf);
}

/* The next thread to run: the slice owner's first runnable thread, else the queue's head. */
static struct thread *sched_pick(void)
{
	uint64_t owner = cpu.slices[cpu.slice];
	struct list *pos;

	if (list_empty(&runq))
		return NULL;
	if (owner)
		list_for_each(pos, &runq) {
			struct thread *t = list_entry(pos, struct thread, runq);
			if (t->env->id == owner)
				return t;
		}
	return list_entry(runq.next, struct thread, runq);
}

/* Run the next runnable thread; with none, halt until an interrupt makes one. */
void sched_run(void)
{
	for (;;) {
		struct thread *t = sched_pick();
		if (t) {
			if (cpu.cur != t)
				t->slice_grace = 0;
			thread_switch(t);
		}
		cpu.cur = NULL;
		account(NULL);
		timer_rearm();
		uint64_t t0 = now_ns();
		__asm__ volatile("sti; hlt; cli" ::: "memory"); /* nothing to run: halt until an interrupt */
		kip->idle_ns += now_ns() - t0;
	}
}

/* Take the CPU from the running thread: save it at the back of the queue and run the next. */
static void preempt(struct trapframe *tf)
{
	sched_save(tf);
	cpu.cur->slice_grace = 0;
	sched_ready(cpu.cur);
	timer_rearm(); /* sched_tick's own rearm is never reached */
	sched_run();
}

/*
 * The timer fired. tf is the interrupted user state (NULL when idle). At the
 * end of a slice an env with a slice upcall is told and given GRACE_NS to
 * yield; one that does not, or has no upcall, loses the CPU by force.
 */
void sched_tick(struct trapframe *tf)
{
	uint64_t now = now_ns();
	struct thread *cur = tf ? cpu.cur : NULL;

	cpu.timer_at = 0; /* it fired */
	sched_timeouts();
	sched_check_revoke();
	if (cur && cur->slice_grace && now >= cur->slice_grace) {
		cur->env->info->slice_forced++;
		preempt(tf);
	}
	if (now >= cpu.slice_end) {
		cpu.slice = (cpu.slice + 1) % NSLICE;
		cpu.slice_end = now + SLICE_NS;
		if (cur && !list_empty(&runq) && !cur->slice_grace) {
			if (upcall_deliver(cur, tf, UPCALL_SLICE, T_SLICE, 0, 0) == 0)
				cur->slice_grace = now + GRACE_NS;
			else
				preempt(tf);
		}
	}
	timer_rearm();
}

/*
 * Give up the CPU for the rest of the slice: to a runnable thread of target
 * if given, else to whoever is next. -E_AGAIN if target has no runnable thread.
 */
int sched_yield_to(struct trapframe *tf, struct env *target)
{
	struct thread *cur = cpu.cur, *next = NULL;
	struct list *pos;

	if (target) {
		list_for_each(pos, &runq) {
			struct thread *t = list_entry(pos, struct thread, runq);
			if (t->env == target) {
				next = t;
				break;
			}
		}
		if (!next)
			return -E_AGAIN;
	}
	tf->rax = 0;
	sched_save(tf);
	cur->slice_grace = 0;
	sched_ready(cur);
	if (next)
		thread_switch(next);
	sched_run();
}

/* Start the scheduler's clock: first slice, timer armed. */
void sched_init(void)
{
	kip->slice_ns = SLICE_NS;
	kip->grace_ns = GRACE_NS;
	kip->nslices = NSLICE;
	cpu.slice_end = now_ns() + SLICE_NS;
	timer_rearm(); /* else a thread that never blocks would never be preempted */
}
