/* Visible revocation of memory: ask an env for frames by upcall, and the abort protocol when it does not comply. */
#include "kernel.h"

#define REVOKE_DEADLINE_NS 5000000UL /* 5 ms to give frames back */

static int pending; /* envs with a request under way (revoke_deadline set): the tick looks only while there are some */

/* Some runnable thread of e to carry the upcall, or NULL. */
static struct thread *revoke_thread(struct env *e)
{
	for (struct list *l = e->threads.next; l != &e->threads; l = l->next) {
		struct thread *t = list_entry(l, struct thread, env_link);
		if (t->state == TH_RUNNABLE)
			return t;
	}
	return NULL;
}

/* The request on e is over: met, lapsed, or enforced. */
static void revoke_settle(struct env *e)
{
	pending -= e->revoke_deadline != 0;
	e->revoke_deadline = 0;
	e->revoke_forced = false;
	e->info->revoke_asked = 0;
}

/*
 * Ask e to give back n frames by REVOKE_DEADLINE_NS from now. With a revoke
 * upcall and a runnable thread to run it, e chooses the frames and frees
 * them. When force (an ancestor's revoke_ask), revoke_force takes what is
 * still missing at the deadline, or at once if e cannot be asked; otherwise
 * (memory pressure) the request is a request: at the deadline it lapses, e
 * having given what it could.
 */
int revoke_ask(struct env *e, uint64_t n, bool force)
{
	uint64_t owned = e->frames_owned;
	pending += e->revoke_deadline == 0;
	e->revoke_target = owned > n ? owned - n : 0;
	e->revoke_deadline = now_ns() + REVOKE_DEADLINE_NS;
	e->revoke_forced = force;
	e->info->revoke_asked = n;
	e->info->revoke_deadline_ns = e->revoke_deadline;
	struct thread *t = revoke_thread(e);
	if (!t || upcall_deliver(t, &t->tf, UPCALL_REVOKE, T_REVOKE, n, 0) < 0) {
		if (force)
			revoke_force(e);
		else
			revoke_settle(e);
	}
	return 0;
}

/* Unmap frame fn from every env's page tables, recording the first place it was mapped in e. */
static uint64_t unmap_everywhere(uint64_t fn)
{
	uint64_t first = 0, va;
	for (int i = 1; i < NENV; i++) {
		if (envs[i].state != ENV_LIVE)
			continue;
		while (pt_unmap_frame(envs[i].pml4, fn, &va))
			if (!first)
				first = va;
	}
	return first;
}

/*
 * The abort protocol: take frames from e until it owns no more than its
 * target, unmapping each everywhere, and record each one in e's env info
 * page so that its libOS can see what was lost and where.
 */
void revoke_force(struct env *e)
{
	struct envinfo *info = e->info;
	while (e->frames_owned > e->revoke_target) {
		long fn = frame_pick_owned(e);
		if (fn < 0)
			break;
		uint64_t va = unmap_everywhere((uint64_t)fn);
		info->revoked[info->nrevoked % ENV_REVOKED_MAX] = (struct revoked){ (uint64_t)fn, va };
		info->nrevoked++;
		info->revoked_count++;
		frame_free(e, fn);
	}
	revoke_settle(e);
}

/* Settle e's request if it has been met. */
void revoke_check(struct env *e)
{
	if (e->frames_owned <= e->revoke_target)
		revoke_settle(e);
}

/* e is ending: so does its request, if it has one (its info page, which revoke_settle writes, is gone already). */
void revoke_forget(struct env *e)
{
	pending -= e->revoke_deadline != 0;
	e->revoke_deadline = 0;
}

/* Called on each tick: settle requests whose deadline has passed, or that were met. */
void sched_check_revoke(void)
{
	if (!pending)
		return;
	uint64_t now = now_ns();
	for (int i = 1; i < NENV; i++) {
		struct env *e = &envs[i];
		if (e->state != ENV_LIVE || !e->revoke_deadline)
			continue;
		if (e->frames_owned <= e->revoke_target || (now >= e->revoke_deadline && !e->revoke_forced))
			revoke_settle(e);
		else if (now >= e->revoke_deadline)
			revoke_force(e);
	}
}
