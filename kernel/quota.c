/* Resource limits: how much of each kind of kernel resource an env and its descendants may hold. */
#include "kernel.h"

/*
 * Every env has a limit per kind (RES_* in abi.h) and counts what it and its
 * descendants hold: an object counts for its owner and for each of the
 * owner's ancestors, a child env for its parent and theirs. A request is
 * checked against the whole chain before anything changes (res_check), then
 * counted (res_take). The root's limits are the tables' capacities. A child
 * starts with its creator's limits, but at most a share of each table, so
 * no env but the root starts able to empty one; its creator may set them
 * (env_limit) up to its own, never the child itself. Limits may overlap
 * (siblings together may be allowed more than their parent): each ancestor's
 * count bounds them all. The root keeps part of some kinds from its
 * descendants: of the time slices, one is never theirs.
 */
static const uint32_t res_capacity[RES_NKINDS] = {
	[RES_ENV] = NENV - 2, /* index 0 is never used, and the root is one */
	[RES_THREAD] = NTHREAD - 1,
	[RES_EP] = NEP - 1,
	[RES_NTFN] = NNTFN - 1,
	[RES_SLICE] = NSLICE,
};
static const uint32_t res_share[RES_NKINDS] = {
	[RES_ENV] = NENV / 2,
	[RES_THREAD] = NTHREAD / 2,
	[RES_EP] = NEP / 2,
	[RES_NTFN] = NNTFN / 2,
	[RES_SLICE] = NSLICE - 1,
};
static const uint32_t res_keep[RES_NKINDS] = { [RES_SLICE] = 1 }; /* the root's, never its descendants' */

static bool is_root(const struct env *e)
{
	return e == &envs[1];
}

/* Copy e's limit and count of kind k to its info page (gone once e has ended). */
static void res_show(struct env *e, int k)
{
	if (e->info) {
		e->info->limit[k] = e->limit[k];
		e->info->held[k] = e->held[k];
	}
}

/* A new env's limits: the capacities for the root (creator NULL), else its creator's up to the share. */
void res_init(struct env *e, struct env *creator)
{
	for (int k = 0; k < RES_NKINDS; k++) {
		uint32_t mine = creator ? creator->limit[k] : res_capacity[k];
		e->limit[k] = creator && res_share[k] < mine ? res_share[k] : mine;
		e->held[k] = e->own[k] = 0;
		res_show(e, k);
	}
}

/*
 * May e take one more of kind k: is e and every ancestor below its limit,
 * and the root's descendants below its limit less what it keeps? 0, or
 * -E_BUSY for a slice and -E_NOMEM for the rest. Changes nothing.
 */
int res_check(struct env *e, int k)
{
	for (struct env *a = e; a; a = env_lookup(a->parent)) {
		bool full = a->held[k] >= a->limit[k];
		if (a != e && is_root(a))
			full |= a->held[k] - a->own[k] + res_keep[k] >= a->limit[k];
		if (full)
			return k == RES_SLICE ? -E_BUSY : -E_NOMEM;
	}
	return 0;
}

/* Add n (may be negative) to the count of kind k of e and of every ancestor. */
static void res_chain(struct env *e, int k, int32_t n)
{
	for (struct env *a = e; a; a = env_lookup(a->parent)) {
		a->held[k] += (uint32_t)n;
		res_show(a, k);
	}
}

/* Count one of kind k for e, which res_check allowed. */
void res_take(struct env *e, int k)
{
	e->own[k]++;
	res_chain(e, k, 1);
}

/* e gives back one of kind k. */
void res_give(struct env *e, int k)
{
	assert(e->own[k] > 0);
	e->own[k]--;
	res_chain(e, k, -1);
}

/* Child c passes from from (ending) to to (the root): c and all its subtree holds move with it, unchecked. */
void res_adopt(struct env *c, struct env *from, struct env *to)
{
	for (int k = 0; k < RES_NKINDS; k++) {
		res_chain(from, k, -(int32_t)c->held[k]);
		if (to)
			res_chain(to, k, (int32_t)c->held[k]);
	}
	res_give(from, RES_ENV);
	if (to)
		res_take(to, RES_ENV);
}

/*
 * As creator, set its child c's limit of kind k to n: at most the creator's
 * own limit (the root's less what it keeps), at least what c and its
 * descendants hold. Returns the old limit. -E_INVAL (no such kind, n < 0),
 * -E_PERM (more than the creator may give), -E_BUSY (less than c holds).
 */
long res_set(struct env *creator, struct env *c, long k, long n)
{
	if (k < 0 || k >= RES_NKINDS || n < 0)
		return -E_INVAL;
	if ((uint64_t)n > creator->limit[k] - (is_root(creator) ? res_keep[k] : 0))
		return -E_PERM;
	if ((uint64_t)n < c->held[k])
		return -E_BUSY;
	long old = c->limit[k];
	c->limit[k] = (uint32_t)n;
	res_show(c, (int)k);
	return old;
}
