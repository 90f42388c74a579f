/* L4-style IPC: endpoints with call, send, receive, reply and reply-and-receive; page transfer. */
#include "kernel.h"
#include <mica/ipc.h>

/*
 * An endpoint is owned by the env that made it: only its threads receive
 * on it; any thread that knows its id may send or call. Blocked senders and
 * receivers queue on the endpoint through their runq link. A message is the
 * tag and four words, carried in registers from the sender's saved frame to
 * the receiver's. When a call meets a waiting receiver the kernel switches
 * straight to it, skipping the scheduler: the fast path. A kernel call's
 * registers are in its thread's tf from entry on (entry.S), so a thread
 * that blocks here has nothing to save.
 */
struct endpoint {
	uint64_t id;        /* generation << 9 | index; 0 when free */
	struct env *owner;
	struct list senders;
	struct list receivers;
};

static struct endpoint eps[NEP];
static uint64_t ep_generation = 1;

/* The live endpoint with this id, or NULL. */
static struct endpoint *ep_lookup(uint64_t id)
{
	struct endpoint *ep = &eps[id & (NEP - 1)];
	return id != 0 && ep->id == id ? ep : NULL;
}

/* A new endpoint owned by e; its id, or -E_NOMEM (the table is full, or e or an ancestor is at its limit). */
long ep_create(struct env *e)
{
	int err = res_check(e, RES_EP);
	if (err < 0)
		return err;
	for (int i = 1; i < NEP; i++) {
		struct endpoint *ep = &eps[i];
		if (ep->id)
			continue;
		res_take(e, RES_EP);
		ep->id = (ep_generation++ << 9) | (uint64_t)i;
		ep->owner = e;
		list_init(&ep->senders);
		list_init(&ep->receivers);
		return (long)ep->id;
	}
	return -E_NOMEM;
}

/* Wake every thread queued on q with -E_DEAD. */
static void wake_all_dead(struct list *q)
{
	struct list *n;
	while ((n = list_pop_front(q)) != NULL)
		thread_wake(list_entry(n, struct thread, runq), -E_DEAD);
}

static void ep_free(struct endpoint *ep)
{
	wake_all_dead(&ep->senders);
	wake_all_dead(&ep->receivers);
	res_give(ep->owner, RES_EP);
	ep->id = 0;
	ep->owner = NULL;
}

/* Destroy an endpoint the caller owns; its waiters get -E_DEAD. -E_NOENT, -E_PERM. */
int ep_destroy(struct env *e, long id)
{
	struct endpoint *ep = ep_lookup((uint64_t)id);
	if (!ep)
		return -E_NOENT;
	if (ep->owner != e)
		return -E_PERM;
	ep_free(ep);
	return 0;
}

/* Move the page named by the sender's w[3] into the receiver's window; false if none moves. (Out of line:
 * transfer, on every message's path, then saves no registers for it.) */
static __attribute__((noinline)) bool transfer_page(struct thread *src, struct trapframe *s, struct thread *dst, struct trapframe *d)
{
	uint64_t va = s->r9 & ~(PAGE_SIZE - 1), window = d->r12;
	if (!window || va >= USER_LIMIT)
		return false;
	uint64_t *pte = pt_lookup(src->env->pml4, va);
	if (!pte || !(*pte & PTE_P))
		return false;
	uint64_t perm = (s->r9 & PTE_W) & (*pte & PTE_W);
	perm |= *pte & PTE_NX;
	return pt_map(dst->env->pml4, window, (*pte & PTE_ADDR) / PAGE_SIZE, perm) == 0;
}

/* Copy the message from src's registers to dst's; dst's call returns 0 with src's badge. */
static inline void transfer(struct thread *src, struct thread *dst)
{
	struct trapframe *s = &src->tf, *d = &dst->tf;
	uint64_t tag = s->rsi;

	if ((tag & IPC_PAGE) && !transfer_page(src, s, dst, d))
		tag &= ~IPC_PAGE;
	d->rsi = tag;
	d->rdx = s->rdx;
	d->r10 = s->r10;
	d->r8 = s->r8;
	d->r9 = (tag & IPC_PAGE) ? d->r12 : s->r9;
	d->rdi = src->id;
	d->rax = 0;
}

/* Block the current thread on queue q (NULL: none) in state st and run someone else. */
static __attribute__((noreturn)) void block_on(struct list *q, enum thread_state st, uint64_t timeout)
{
	struct thread *cur = cpu.cur;
	thread_block(cur, st, timeout);
	if (q)
		list_push_back(q, &cur->runq);
	sched_run();
}

/* Send (or call) on ep. Returns only for a send that completed or failed. */
static __attribute__((noinline)) long do_send(struct endpoint *ep, bool call, uint64_t timeout)
{
	struct thread *cur = cpu.cur;
	struct list *n = list_pop_front(&ep->receivers);

	if (!n) {
		if (timeout == 0)
			return -E_AGAIN;
		cur->ipc_call = call;
		block_on(&ep->senders, TH_SEND, timeout);
	}
	struct thread *r = list_entry(n, struct thread, runq);
	transfer(cur, r);
	sched_untime(r);
	if (!call) {
		sched_ready(r);
		return 0;
	}
	r->caller = cur;
	r->caller_id = cur->id;
	thread_block(cur, TH_CALL, timeout);
	thread_switch(r); /* the fast path: straight to the receiver */
}

/* Receive on ep, which the caller's env must own. Returns when a message arrived or on error. */
static long do_recv(struct endpoint *ep, uint64_t timeout)
{
	struct thread *cur = cpu.cur;
	if (ep->owner != cur->env)
		return -E_PERM;
	struct list *n = list_pop_front(&ep->senders);
	if (!n) {
		if (timeout == 0)
			return -E_AGAIN;
		block_on(&ep->receivers, TH_RECV, timeout);
	}
	struct thread *s = list_entry(n, struct thread, runq);
	transfer(s, cur);
	if (s->ipc_call) {
		s->state = TH_CALL;
		cur->caller = s;
		cur->caller_id = s->id;
	} else {
		thread_wake(s, 0);
	}
	return 0;
}

/* Deliver the reply to the thread whose call the caller received last; that thread, or NULL. */
static inline struct thread *reply_to_caller(void)
{
	struct thread *cur = cpu.cur, *c = cur->caller;
	cur->caller = NULL;
	if (!c || c->id != cur->caller_id || c->state != TH_CALL)
		return NULL;
	transfer(cur, c);
	sched_untime(c);
	return c;
}

/* Answer the last call received; never blocks. -E_NOENT if nobody waits for a reply. */
static long do_reply(void)
{
	struct thread *c = reply_to_caller();
	if (!c)
		return -E_NOENT;
	sched_ready(c);
	return 0;
}

/* Reply, then receive; when nobody else is queued, switch straight to the caller. */
static __attribute__((noinline)) long do_reply_recv(struct endpoint *ep, uint64_t timeout)
{
	struct thread *cur = cpu.cur;
	if (ep->owner != cur->env)
		return -E_PERM;
	struct thread *c = reply_to_caller();
	if (!c || !list_empty(&ep->senders) || timeout == 0) {
		if (c)
			sched_ready(c);
		return do_recv(ep, timeout);
	}
	thread_block(cur, TH_RECV, timeout);
	list_push_back(&ep->receivers, &cur->runq);
	thread_switch(c);
}

/* The SYS_ipc kernel call; see include/mica/ipc.h for the registers. tf is the calling thread's own
   (cpu.cur->tf). Returns the call's result (each case a tail call: the fast paths, which never return,
   then keep no registers on the stack). */
long ipc_syscall(struct trapframe *tf)
{
	uint64_t op = tf->rdi & 0xFF, timeout = tf->rbx;
	struct endpoint *ep = op == IPC_REPLY ? NULL : ep_lookup(tf->rdi >> 8);

	if (op != IPC_REPLY && !ep)
		return -E_NOENT;
	switch (op) {
	case IPC_CALL: return do_send(ep, true, timeout);
	case IPC_SEND: return do_send(ep, false, timeout);
	case IPC_RECV: return do_recv(ep, timeout);
	case IPC_REPLY: return do_reply();
	case IPC_REPLY_RECV: return do_reply_recv(ep, timeout);
	default: return -E_INVAL;
	}
}

/* Thread t stops waiting (it timed out): off any endpoint or notification queue. */
void ipc_dequeue(struct thread *t)
{
	if (t->state == TH_SEND || t->state == TH_RECV || t->state == TH_NTFN)
		list_remove(&t->runq);
}

/* Thread t is being destroyed: off any queue; a caller awaiting its reply gets -E_DEAD. */
void ipc_thread_gone(struct thread *t)
{
	ipc_dequeue(t);
	struct thread *c = t->caller;
	t->caller = NULL;
	if (c && c->id == t->caller_id && c->state == TH_CALL)
		thread_wake(c, -E_DEAD);
	/* a thread that still names t as its caller finds t's id gone (reply_to_caller) */
}

/* Env e is going away: its endpoints and notifications go with it. */
void ipc_env_gone(struct env *e)
{
	for (int i = 1; i < NEP && e->own[RES_EP] > 0; i++) /* most envs own none: no scan */
		if (eps[i].id && eps[i].owner == e)
			ep_free(&eps[i]);
	ntfn_env_gone(e);
}
