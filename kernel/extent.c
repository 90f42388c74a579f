/* Extents of disks bound to environments (XN's secure bindings): granted, carved for children, checked, revoked. */
#include "kernel.h"
#include "kernel/blk.h"
#include <mica/blk.h>

/*
 * An extent is (disk, start, count, rights) held by one env. The root env's
 * are the whole disks (parent 0); every other was carved by its granter
 * from one of the granter's own (parent). A revoked extent takes every
 * extent carved from it, at any depth, with it; the extents of an env that
 * ends go, but what was carved from them stays (extent_env_gone).
 */
#define NEXTENT 256
#define EXT_INDEX_BITS 8
_Static_assert(NEXTENT <= 1 << EXT_INDEX_BITS, "an extent id's index bits cover the table");

struct extent {
	uint64_t id; /* generation << EXT_INDEX_BITS | index; 0 when free */
	uint64_t owner; /* the env that holds it */
	uint64_t granter; /* the env that carved it (0: the kernel, for the root env) */
	uint64_t parent; /* the extent it was carved from (0: a whole disk) */
	uint32_t disk, perm;
	uint64_t start, count;
};

static struct extent extents[NEXTENT];
static uint64_t ext_generation = 1;
static int nlive; /* entries with an id: an ended env's scan stops once it has seen them all */

/* Free entry x. */
static void ext_drop(struct extent *x)
{
	x->id = 0;
	nlive--;
}

static struct extent *ext_lookup(uint64_t id)
{
	uint64_t i = id & ((1 << EXT_INDEX_BITS) - 1);
	return id != 0 && i < NEXTENT && extents[i].id == id ? &extents[i] : NULL;
}

/* A free entry, or NULL. */
static struct extent *ext_free(void)
{
	for (int i = 0; i < NEXTENT; i++)
		if (!extents[i].id)
			return &extents[i];
	return NULL;
}

/* Fill x, a free entry, and give it its id. */
static void ext_make(struct extent *x, uint64_t owner, uint64_t granter, uint64_t parent, uint32_t disk, uint32_t perm,
		     uint64_t start, uint64_t count)
{
	*x = (struct extent){ 0, owner, granter, parent, disk, perm, start, count };
	x->id = ext_generation++ << EXT_INDEX_BITS | (uint64_t)(x - extents);
	nlive++;
}

/* How many live extents env holds (by owner) or has granted (by granter). */
static int ext_count(uint64_t env, bool granted)
{
	int n = 0;
	for (int i = 0; i < NEXTENT; i++)
		n += extents[i].id && (granted ? extents[i].granter : extents[i].owner) == env;
	return n;
}

/* Every disk, whole, to the root env: read-write, or read-only when the device is. */
void extent_root(struct env *root)
{
	uint64_t sectors;
	bool ro;
	for (uint32_t d = 0; blk_disk(d, &sectors, &ro); d++) {
		struct extent *x = ext_free();
		if (x)
			ext_make(x, root->id, 0, 0, d, ro ? BLK_R : BLK_RW, 0, sectors);
	}
}

/* An extent of env on disk with every right of perm that holds [sector, sector + count), or NULL. */
static struct extent *covering(uint64_t env, uint32_t disk, uint64_t sector, uint64_t count, uint32_t perm)
{
	for (int i = 0; i < NEXTENT; i++) {
		struct extent *x = &extents[i];
		if (x->id && x->owner == env && x->disk == disk && !(perm & ~x->perm) && sector >= x->start &&
		    count <= x->count && sector - x->start <= x->count - count)
			return x;
	}
	return NULL;
}

/* May e do perm on the count sectors of disk from sector? (All in one of its extents.) */
bool extent_allows(struct env *e, uint32_t disk, uint64_t sector, uint64_t count, uint32_t perm)
{
	return covering(e->id, disk, sector, count, perm) != NULL;
}

/* May e flush disk: does it hold a writable extent of it? */
bool extent_allows_flush(struct env *e, uint32_t disk)
{
	for (int i = 0; i < NEXTENT; i++)
		if (extents[i].id && extents[i].owner == e->id && extents[i].disk == disk && (extents[i].perm & BLK_W))
			return true;
	return false;
}

/* Free every extent whose parent has gone, until none is left: the extents carved from those that went. */
static void ext_purge_orphans(void)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < NEXTENT; i++)
			if (extents[i].id && extents[i].parent && !ext_lookup(extents[i].parent)) {
				ext_drop(&extents[i]);
				changed = true;
			}
	}
}

/*
 * Carve [start, start + count) of disk, with rights perm, from one of e's
 * extents for env, a child of e. The new extent's id; -E_INVAL (env is e,
 * count 0, perm not a non-empty set of BLK_R and BLK_W), -E_NOENT (no such
 * disk; env_get: no such live env), -E_PERM (env_get: not e's child; or
 * no extent of e holds the range with those rights), -E_NOMEM (the child
 * holds BLK_EXTENTS_MAX, e has granted BLK_EXTENTS_MAX that live, or the
 * table is full). Changes nothing on error.
 */
long blk_grant(struct env *e, long env, long disk, uint64_t start, uint64_t count, long perm)
{
	int err;
	struct env *c = env_get(e, env, &err);
	if (!c)
		return err;
	uint64_t sectors;
	bool ro;
	if (c == e || count == 0 || perm <= 0 || (perm & ~BLK_RW))
		return -E_INVAL;
	if (disk < 0 || !blk_disk((uint32_t)disk, &sectors, &ro))
		return -E_NOENT;
	struct extent *src = covering(e->id, (uint32_t)disk, start, count, (uint32_t)perm);
	if (!src)
		return -E_PERM;
	struct extent *x = ext_free();
	if (!x || ext_count(c->id, false) >= BLK_EXTENTS_MAX || ext_count(e->id, true) >= BLK_EXTENTS_MAX)
		return -E_NOMEM;
	ext_make(x, c->id, e->id, src->id, (uint32_t)disk, (uint32_t)perm, start, count);
	return (long)x->id;
}

/* Take back extent id, which e granted, and every extent carved from it. 0; -E_NOENT, -E_PERM (not e's grant). */
long blk_revoke(struct env *e, long id)
{
	struct extent *x = ext_lookup((uint64_t)id);
	if (!x)
		return -E_NOENT;
	if (x->granter != e->id)
		return -E_PERM;
	ext_drop(x);
	ext_purge_orphans();
	return 0;
}

/*
 * Copy to out_va at most n struct blk_extent, the extents that env (0: e,
 * or a child of e) holds. How many were copied; -E_INVAL (n < 0), -E_FAULT,
 * env_get's errors.
 */
long blk_extents(struct env *e, long env, uint64_t out_va, long n)
{
	int err;
	struct env *c = env_get(e, env, &err);
	if (!c)
		return err;
	if (n < 0)
		return -E_INVAL;
	long k = 0;
	for (int i = 0; i < NEXTENT && k < n; i++) {
		struct extent *x = &extents[i];
		if (!x->id || x->owner != c->id)
			continue;
		struct blk_extent out = { x->id, x->disk, x->perm, x->start, x->count };
		if (copy_to_user(e, out_va + (uint64_t)k * sizeof(out), &out, sizeof(out)) < 0)
			return -E_FAULT;
		k++;
	}
	return k;
}

/*
 * e ended: its extents go. What it carved from them for others stays with
 * those envs (as its orphaned children live on, adopted): each such extent
 * now hangs from the extent e's own was carved from, and that one's
 * granter may revoke it.
 */
void extent_env_gone(struct env *e)
{
	for (int i = 0, unseen = nlive; i < NEXTENT && unseen > 0; i++) {
		struct extent *x = &extents[i];
		if (!x->id)
			continue;
		unseen--;
		if (x->owner != e->id)
			continue;
		for (int k = 0; k < NEXTENT; k++)
			if (extents[k].id && extents[k].parent == x->id) {
				extents[k].parent = x->parent;
				extents[k].granter = x->granter;
			}
		ext_drop(x);
	}
}
