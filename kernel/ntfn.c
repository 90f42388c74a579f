/* Notifications: asynchronous bit sets that threads wait on and interrupts can set. */
#include "kernel.h"

/*
 * A notification is a word of pending bits owned by the env that made it.
 * Any thread that knows its id may signal it (OR in bits); threads of the
 * owner wait for bits and take them all at once. An I/O interrupt can be
 * bound to a notification, which turns the interrupt into a signal.
 */
struct ntfn {
	uint64_t id; /* generation << NTFN_INDEX_BITS | index; 0 when free */
	struct env *owner;
	uint64_t bits;
	struct list waiters;
};

#define NTFN_INDEX_BITS 12
_Static_assert(NNTFN == 1 << NTFN_INDEX_BITS, "an id's index bits cover the table");
/* The table: its first 128 in the image, the rest in pages taken as they are used (ktable.c). */
KTABLE(ntfns, struct ntfn, NNTFN, 128);
_Static_assert(offsetof(struct ntfn, id) == 0, "a ktable entry starts with its word that is 0 when free");
static uint64_t ntfn_generation = 1;
static int ntfn_low = 1; /* every entry from 1 up to here is in use: the search for a free one starts here */
/* Each interrupt line goes to a notification (irq_bind) or to a driver of the kernel's own (irq_claim). */
static struct { struct ntfn *nt; uint64_t id, bits; void (*kernel)(void); } irqs[NIRQ];

static inline __attribute__((always_inline)) struct ntfn *ntfn_lookup(uint64_t id)
{
	struct ntfn *n = ktable_get(&ntfns, id & (NNTFN - 1));
	return n && id != 0 && n->id == id ? n : NULL;
}

/* A new notification owned by e; its id, or -E_NOMEM (the table is full, or e or an ancestor is at its limit). */
long ntfn_create(struct env *e)
{
	int err = res_check(e, RES_NTFN);
	if (err < 0)
		return err;
	for (int i = ntfn_low; i < NNTFN; i++) {
		struct ntfn *n = ktable_get(&ntfns, (uint64_t)i);
		if (n && n->id)
			continue;
		if (!n && !(n = ktable_make(&ntfns, (uint64_t)i)))
			return -E_NOMEM;
		ntfn_low = i + 1;
		*n = (struct ntfn){ .id = (ntfn_generation++ << NTFN_INDEX_BITS) | (uint64_t)i, .owner = e };
		list_init(&n->waiters);
		res_take(e, RES_NTFN);
		return (long)n->id;
	}
	return -E_NOMEM;
}

static void ntfn_free(struct ntfn *n)
{
	struct list *l;
	while ((l = list_pop_front(&n->waiters)) != NULL)
		thread_wake(list_entry(l, struct thread, runq), -E_DEAD);
	for (int i = 0; i < NIRQ; i++)
		if (irqs[i].nt == n)
			irqs[i].nt = NULL;
	res_give(n->owner, RES_NTFN);
	int index = (int)(n->id & (NNTFN - 1));
	n->id = 0;
	if (index < ntfn_low)
		ntfn_low = index;
	ktable_freed(&ntfns, (uint64_t)index);
}

/* Destroy a notification the caller owns. -E_NOENT, -E_PERM. */
int ntfn_destroy(struct env *e, long id)
{
	struct ntfn *n = ntfn_lookup((uint64_t)id);
	if (!n)
		return -E_NOENT;
	if (n->owner != e)
		return -E_PERM;
	ntfn_free(n);
	return 0;
}

void ntfn_env_gone(struct env *e)
{
	for (int i = 1; i < NNTFN && e->own[RES_NTFN] > 0; i++) {
		struct ntfn *n = ktable_get(&ntfns, (uint64_t)i);
		if (n && n->id && n->owner == e)
			ntfn_free(n);
	}
}

/* OR bits into the notification; a waiter takes them at once. -E_NOENT, -E_INVAL (bit 63 or none). */
long ntfn_signal(long id, uint64_t bits)
{
	struct ntfn *n = ntfn_lookup((uint64_t)id);
	if (!n)
		return -E_NOENT;
	if (bits == 0 || (bits >> 63))
		return -E_INVAL;
	n->bits |= bits;
	struct list *l = list_pop_front(&n->waiters);
	if (l) {
		thread_wake(list_entry(l, struct thread, runq), (long)n->bits);
		n->bits = 0;
	}
	return 0;
}

/* Take the pending bits, waiting up to timeout ns for some. -E_NOENT, -E_PERM, -E_AGAIN, -E_TIMEOUT. */
long ntfn_wait(struct trapframe *tf, struct env *e, long id, uint64_t timeout)
{
	struct ntfn *n = ntfn_lookup((uint64_t)id);
	if (!n)
		return -E_NOENT;
	if (n->owner != e)
		return -E_PERM;
	if (n->bits) {
		long b = (long)n->bits;
		n->bits = 0;
		return b;
	}
	if (timeout == 0)
		return -E_AGAIN;
	sched_save(tf);
	thread_block(cpu.cur, TH_NTFN, timeout);
	list_push_back(&n->waiters, &cpu.cur->runq);
	sched_run();
}

/* Deliver interrupt irq as bits on the notification it is bound to. -E_INVAL, -E_NOENT, -E_PERM, -E_BUSY. */
int irq_bind(struct env *e, long irq, long id, uint64_t bits)
{
	struct ntfn *n = ntfn_lookup((uint64_t)id);
	if (irq < 0 || irq >= NIRQ || bits == 0 || (bits >> 63))
		return -E_INVAL;
	if (!n)
		return -E_NOENT;
	if (n->owner != e)
		return -E_PERM;
	if ((irqs[irq].nt && irqs[irq].nt->id == irqs[irq].id) || irqs[irq].kernel)
		return -E_BUSY;
	irqs[irq].nt = n;
	irqs[irq].id = n->id;
	irqs[irq].bits = bits;
	ioapic_enable((int)irq);
	return 0;
}

/* Take interrupt irq for a kernel driver, which fn handles. 0, -E_INVAL, -E_BUSY (bound or claimed already). */
int irq_claim(int irq, void (*fn)(void))
{
	if (irq < 0 || irq >= NIRQ)
		return -E_INVAL;
	if ((irqs[irq].nt && irqs[irq].nt->id == irqs[irq].id) || irqs[irq].kernel)
		return -E_BUSY;
	irqs[irq].kernel = fn;
	ioapic_enable(irq);
	return 0;
}

/* Is id a notification that e owns? 0, -E_NOENT, -E_PERM. */
int ntfn_check_owner(struct env *e, long id)
{
	struct ntfn *n = ntfn_lookup((uint64_t)id);
	return !n ? -E_NOENT : n->owner != e ? -E_PERM : 0;
}

void irq_raise(int irq)
{
	if (irqs[irq].kernel) {
		irqs[irq].kernel();
		return;
	}
	if (irqs[irq].nt && irqs[irq].nt->id == irqs[irq].id)
		ntfn_signal((long)irqs[irq].id, irqs[irq].bits);
}
