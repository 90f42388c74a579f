/* Physical frames: who owns each, how many references it has, and the free pool. */
#include "kernel.h"

/*
 * Every frame of RAM has an entry. A frame is free (on the free list), owned
 * by an env (on that env's list, counted in its frames_owned), held by the
 * kernel (page tables, env info pages), or orphaned: freed by its owner while
 * still mapped somewhere. refs counts the owner's hold plus every page-table
 * entry that maps the frame; the frame returns to the pool when it reaches 0.
 */
#define NIL 0xFFFFFFFFU
#define OWNER_RESERVED 0 /* not RAM, or the kernel image and this table (a cleared table says so) */
#define OWNER_FREE 3
#define OWNER_KERNEL 1
#define OWNER_NONE 2 /* orphaned: alive only through its mappings */
#define OWNER_ZEROED 4 /* free, and known to hold only zeros (a page table emptied as it was freed) */

struct frame {
	uint64_t owner; /* env id, or OWNER_* */
	uint32_t refs;
	uint32_t group; /* shared with this env group (frame_share), or 0; a page-table page's PT_* flags (pt.c) */
	union {
		struct {
			uint32_t next, prev; /* on the free list or the owner's list */
		};
		uint64_t
			pt_used; /* a page-table page (the kernel's, on no list): which entries may be present (pt.c) */
	};
};
_Static_assert(sizeof(struct frame) == 24, "the frame table's size is reserved at boot");

static struct frame *frames;
static uint64_t nframes;
static uint32_t free_head = NIL;
static uint32_t zero_head = NIL; /* the free frames known to hold only zeros (OWNER_ZEROED): taken first when zeros are wanted */
static uint32_t env_head[NENV]; /* per env index: its owned frames */

/*
 * The RAM found at boot is not put on the free list frame by frame (most
 * of it may never be used): each range added stays a run of free frames,
 * [next, end), whose entries in the table still say OWNER_RESERVED until
 * take_free moves them to the list, from the front once the list is empty
 * (run_refill) or up to a particular frame asked for (run_release).
 */
#define NRUNS 16
static struct {
	uint64_t next, end;
} runs[NRUNS];
static int nruns;
static bool listed_at_boot; /* a range went on the list instead: later ranges check every frame */

static void list_put(uint32_t *head, uint32_t fn)
{
	frames[fn].prev = NIL;
	frames[fn].next = *head;
	if (*head != NIL)
		frames[*head].prev = fn;
	*head = fn;
}

static void list_take(uint32_t *head, uint32_t fn)
{
	struct frame *f = &frames[fn];
	if (f->prev != NIL)
		frames[f->prev].next = f->next;
	else
		*head = f->next;
	if (f->next != NIL)
		frames[f->next].prev = f->prev;
	f->next = f->prev = NIL;
}

static uint32_t *owner_list(struct env *e)
{
	return &env_head[e - envs];
}

/* Place the frame table at physical address table_pa, covering [0, hi). Every frame starts reserved. */
void frame_init(uint64_t table_pa, uint64_t hi)
{
	nframes = hi / PAGE_SIZE;
	frames = P2V(table_pa);
	free_head = zero_head = NIL;
	nruns = 0;
	memset(frames, 0, nframes * sizeof(struct frame)); /* OWNER_RESERVED */
	for (int i = 0; i < NENV; i++)
		env_head[i] = NIL;
}

/* Size in bytes of the frame table for RAM ending at hi. */
uint64_t frame_table_size(uint64_t hi)
{
	return PGROUNDUP(hi / PAGE_SIZE * sizeof(struct frame));
}

/* The run that frame fn is in, or -1. */
static int run_of(uint64_t fn)
{
	for (int i = 0; i < nruns; i++)
		if (fn >= runs[i].next && fn < runs[i].end)
			return i;
	return -1;
}

/* Move frame fn from its run to the free list. */
static void run_to_list(uint64_t fn)
{
	frames[fn].owner = OWNER_FREE;
	list_put(&free_head, (uint32_t)fn);
}

/* Add the whole pages of [pa, pa+len) that are reserved still to the free pool: as one run where it can be. */
void frame_add_range(uint64_t pa, uint64_t len)
{
	uint64_t lo = PGROUNDUP(pa) / PAGE_SIZE, hi = (pa + len) / PAGE_SIZE, added = 0;
	hi = hi < nframes ? hi : nframes;
	if (lo >= hi)
		return;
	bool run = nruns < NRUNS && !listed_at_boot;
	for (int i = 0; i < nruns; i++)
		run = run && (hi <= runs[i].next || lo >= runs[i].end);
	if (run) {
		runs[nruns].next = lo;
		runs[nruns++].end = hi;
		added = hi - lo;
	} else {
		listed_at_boot = true;
		for (uint64_t fn = lo; fn < hi; fn++)
			if (frames[fn].owner == OWNER_RESERVED && run_of(fn) < 0) {
				run_to_list(fn);
				added++;
			}
	}
	kip->frames_total += added;
	kip->frames_free += added;
}

/* Frame fn, in run i, goes on the free list, and the frames of the run before it too. */
static void run_release(int i, uint64_t fn)
{
	for (uint64_t f = runs[i].next; f <= fn; f++)
		run_to_list(f);
	runs[i].next = fn + 1;
}

/* One frame off the front of a run onto the free list (for take_free to take); false if every run is used up. */
static bool run_refill(void)
{
	for (int i = 0; i < nruns; i++)
		if (runs[i].next < runs[i].end) {
			run_to_list(runs[i].next++);
			return true;
		}
	return false;
}

bool frame_valid(uint64_t fn)
{
	return fn < nframes;
}

/* Take frame fn (or the first free one if fn < 0) off the free list, zeroed if zero; its number or -E_*. */
static inline long take_free(long fn, bool zero)
{
	if (fn < 0) {
		if (zero && zero_head != NIL)
			fn = zero_head;
		else if (free_head != NIL || run_refill())
			fn = free_head;
		else if (zero_head != NIL)
			fn = zero_head;
		else
			return -E_NOMEM;
	} else if ((uint64_t)fn < nframes && frames[fn].owner == OWNER_RESERVED) {
		int run = run_of((uint64_t)fn); /* a particular frame: it may be in a run still */
		if (run >= 0)
			run_release(run, (uint64_t)fn);
	}
	if ((uint64_t)fn >= nframes)
		return -E_INVAL;
	if (frames[fn].owner != OWNER_FREE && frames[fn].owner != OWNER_ZEROED)
		return -E_BUSY;
	list_take(frames[fn].owner == OWNER_ZEROED ? &zero_head : &free_head, fn);
	kip->frames_free--;
	if (zero && frames[fn].owner == OWNER_FREE)
		memset(P2V((uint64_t)fn * PAGE_SIZE), 0, PAGE_SIZE);
	return fn;
}

/* Make e the owner of frame fn (on no owner's list). */
static inline void own(struct env *e, uint64_t fn)
{
	frames[fn].owner = e->id;
	list_put(owner_list(e), (uint32_t)fn);
	e->frames_owned++;
	e->info->frames_owned = e->frames_owned;
}

/* Make frame fn, just taken off the free list, e's with one reference (e's hold). */
static void give(struct env *e, long fn)
{
	frames[fn].refs = 1;
	frames[fn].group = 0;
	own(e, (uint64_t)fn);
}

/*
 * Allocate frame want (any if want is -1) to env e, zeroed, with one
 * reference (e's hold). Returns the frame number; -E_NOMEM when none is free,
 * -E_INVAL for a number outside RAM, -E_BUSY when that frame is not free.
 */
long frame_alloc(struct env *e, long want)
{
	if (want < -1)
		return -E_INVAL;
	long fn = take_free(want, true);
	if (fn < 0)
		return fn;
	give(e, fn);
	return fn;
}

/* Allocate any frame to e, with one reference (e's hold), not cleared: the caller writes every byte of it before e may read it. -E_NOMEM. */
long frame_alloc_uncleared(struct env *e)
{
	long fn = take_free(-1, false);
	if (fn >= 0)
		give(e, fn);
	return fn;
}

/* A new frame for e, with one reference (e's hold), holding a copy of frame src. -E_NOMEM when none is free. */
long frame_copy(struct env *e, uint64_t src)
{
	long fn = take_free(-1, false);
	if (fn < 0)
		return fn;
	memcpy(P2V((uint64_t)fn * PAGE_SIZE), P2V(src * PAGE_SIZE), PAGE_SIZE);
	give(e, fn);
	return fn;
}

/* Make orphaned frame fn (freed by its owner, alive through its mappings) e's, adding e's hold. -E_PERM if it is not. */
int frame_adopt(struct env *e, uint64_t fn)
{
	if (frames[fn].owner != OWNER_NONE)
		return -E_PERM;
	frames[fn].refs++;
	own(e, fn);
	return 0;
}

/* Drop e's hold on fn. -E_INVAL outside RAM, -E_PERM if e does not own it. */
int frame_free(struct env *e, long fn)
{
	if (fn < 0 || (uint64_t)fn >= nframes)
		return -E_INVAL;
	if (frames[fn].owner != e->id)
		return -E_PERM;
	list_take(owner_list(e), fn);
	e->frames_owned--;
	e->info->frames_owned = e->frames_owned;
	frames[fn].owner = OWNER_NONE;
	frame_decref(fn);
	return 0;
}

void frame_incref(uint64_t fn)
{
	frames[fn].refs++;
}

/* Drop one reference; the last one returns the frame to the pool. */
void frame_decref(uint64_t fn)
{
	struct frame *f = &frames[fn];

	assert(f->refs > 0);
	if (--f->refs > 0)
		return;
	assert(f->owner == OWNER_NONE || f->owner == OWNER_KERNEL);
	f->owner = OWNER_FREE;
	f->group = 0;
	list_put(&free_head, fn);
	kip->frames_free++;
}

/* Let every env of group map frame fn (it stays shared until it is freed). */
void frame_set_group(uint64_t fn, uint64_t group)
{
	frames[fn].group = (uint32_t)group;
}

uint64_t frame_group(uint64_t fn)
{
	return frames[fn].group;
}

/* Frame fn's owner: an env id, OWNER_KERNEL (reserved frames too), OWNER_NONE (orphaned), or 0 when it is free. */
uint64_t frame_owner(uint64_t fn)
{
	uint64_t o = frames[fn].owner;
	if (o == OWNER_RESERVED)
		return run_of(fn) >= 0 ? 0 : OWNER_KERNEL; /* a run's frames are free */
	return o == OWNER_FREE || o == OWNER_ZEROED ? 0 : o;
}

uint32_t frame_refs(uint64_t fn)
{
	return frames[fn].refs;
}

/* Give frame fn, owned by e, to env to (its group's root, which outlives e). */
static void frame_move(struct env *e, uint32_t fn, struct env *to)
{
	list_take(owner_list(e), fn);
	e->frames_owned--;
	own(to, fn);
}

/*
 * Release every frame e owns (it is going away). Frames shared with e's
 * group pass to the group's root env, so the group keeps them; the others
 * are freed, and mapped ones live on as orphans until their last mapping goes.
 */
void frame_release_owned(struct env *e)
{
	uint32_t *head = owner_list(e);

	while (*head != NIL) {
		uint32_t fn = *head;
		struct env *root = frames[fn].group ? env_lookup(frames[fn].group) : NULL;
		if (root && root != e && root->state == ENV_LIVE)
			frame_move(e, fn, root);
		else
			frame_free(e, fn);
	}
}

/* Some frame owned by e (the most recently allocated), or -E_NOENT. */
long frame_pick_owned(struct env *e)
{
	uint32_t fn = *owner_list(e);
	return fn == NIL ? -E_NOENT : (long)fn;
}

/* A zeroed frame for the kernel's own use (page tables); its physical address or 0. */
uint64_t kalloc_page(void)
{
	long fn = take_free(-1, true);
	if (fn < 0)
		return 0;
	frames[fn].owner = OWNER_KERNEL;
	frames[fn].refs = 1;
	frames[fn].group = 0;
	frames[fn].pt_used = 0;
	return (uint64_t)fn * PAGE_SIZE;
}

/* Where pt.c keeps which entries of page-table page pa may be present (zero when it is allocated). */
uint64_t *frame_pt_used(uint64_t pa)
{
	return &frames[pa / PAGE_SIZE].pt_used;
}

/* Where pt.c keeps its PT_* flags of page-table page pa (zero when it is allocated). */
uint32_t *frame_pt_flags(uint64_t pa)
{
	return &frames[pa / PAGE_SIZE].group;
}

void kfree_page(uint64_t pa)
{
	frame_decref(pa / PAGE_SIZE);
}

/* kfree_page for a page the caller has left all zeros: the next allocation need not clear it. */
void kfree_zeroed_page(uint64_t pa)
{
	uint64_t fn = pa / PAGE_SIZE;
	frame_decref(fn);
	if (frames[fn].owner == OWNER_FREE) {
		list_take(&free_head, (uint32_t)fn);
		list_put(&zero_head, (uint32_t)fn);
		frames[fn].owner = OWNER_ZEROED;
	}
}

uint64_t frames_free(void)
{
	return kip->frames_free;
}

/* Make a reserved frame (kernel image, boot image) mappable: held by the kernel for good. */
void frame_pin(uint64_t fn)
{
	if (fn < nframes && frames[fn].owner == OWNER_RESERVED && run_of(fn) < 0) {
		frames[fn].owner = OWNER_KERNEL;
		frames[fn].refs = 1;
	}
}
