/* Page tables: build, change and tear down an env's address space; copy to and from it. */
#include "kernel.h"

extern uint64_t boot_pml4[512];

#define PX(level, va) (((va) >> (12 + 9 * (level))) & 511)

static uint64_t *table(uint64_t pa)
{
	return P2V(pa & PTE_ADDR);
}

static uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* A new top-level table: the kernel half shared, the UVPT window onto itself. 0 if out of frames. */
uint64_t pt_create(void)
{
	uint64_t pa = kalloc_page();
	if (!pa)
		return 0;
	uint64_t *t = table(pa);
	for (int i = 256; i < 512; i++)
		t[i] = boot_pml4[i];
	t[UVPT_SLOT] = pa | PTE_P | PTE_U | PTE_NX;
	*frame_pt_used(pa) = ~0UL << (UVPT_SLOT / 8);
	return pa;
}

/*
 * Every page-table page has a summary (frame_pt_used): bit i is set when
 * any of entries 8i..8i+7 may be present. Bits are set whenever an entry is
 * made present and never cleared while the table lives (an entry that goes
 * is zeroed), so a walk over a table's present entries looks only at the
 * groups whose bit is set instead of all 512 entries.
 */
static void mark_used(uint64_t table_pa, uint64_t i)
{
	*frame_pt_used(table_pa & PTE_ADDR) |= 1UL << (i / 8);
}

/*
 * A last-level table's flags say which kinds of entry it may hold (set as
 * entries are written, cleared only where noted), so that fork can tell
 * without reading 512 entries whether the table may be shared as it is.
 */
#define PT_NOCOPY 1 /* an entry may be PTE_NOCOPY */
#define PT_PRIVATE_W 2 /* an entry may be writable and not PTE_SHARE */

/* Entry e is being written into the last-level table that holds pte. */
static void note_entry(const uint64_t *pte, uint64_t e)
{
	uint32_t f = ((e & PTE_NOCOPY) ? PT_NOCOPY : 0) | ((e & PTE_W) && !(e & PTE_SHARE) ? PT_PRIVATE_W : 0);
	if (f)
		*frame_pt_flags(V2P(pte) & PTE_ADDR) |= f;
}

/* The first index in [i, end) of table t (summary used) that holds a present entry; end if none. */
static uint64_t next_present(const uint64_t *t, uint64_t used, uint64_t i, uint64_t end)
{
	while (i < end) {
		uint64_t rest = used >> (i / 8);
		if (!rest)
			return end;
		if (!(rest & 1)) {
			i = (i / 8 + (uint64_t)__builtin_ctzl(rest)) * 8;
			continue;
		}
		if (t[i] & PTE_P)
			return i;
		i++;
	}
	return end;
}

/*
 * Last-level tables may be shared: fork (pt_map_cow) links a whole table
 * into the child instead of copying its entries when every present entry of
 * it falls in the range being bound. The table's frame then has one
 * reference per directory entry that points to it, and each frame it maps
 * one reference for the table, not one per address space. A shared table
 * holds no entry writable by one side alone (map_cow made them PTE_COW), so
 * reading through it is exact for every sharer; anything that changes an
 * entry first gives its address space a copy of its own (own_table).
 */

static void flush(uint64_t pml4, uint64_t va);

/*
 * Make the last-level table that pml4's directory entry *pde (for va) points
 * to its own, copying it if it is shared. The copy holds the same entries,
 * but lx reads its entries through UVPT: that window's page moves to the
 * copy. false if out of frames.
 */
static bool own_table(uint64_t pml4, uint64_t va, uint64_t *pde)
{
	uint64_t pa = *pde & PTE_ADDR;
	if (frame_refs(pa / PAGE_SIZE) == 1)
		return true;
	uint64_t copy = kalloc_page();
	if (!copy)
		return false;
	uint64_t *from = table(pa), *to = table(copy), used = *frame_pt_used(pa);
	for (uint64_t i = next_present(from, used, 0, 512); i < 512; i = next_present(from, used, i + 1, 512)) {
		to[i] = from[i];
		frame_incref((from[i] & PTE_ADDR) / PAGE_SIZE);
	}
	*frame_pt_used(copy) = used;
	*frame_pt_flags(copy) = *frame_pt_flags(pa);
	*pde = copy | (*pde & ~PTE_ADDR);
	flush(pml4, (uint64_t)uvpt_pte(va) & ~(PAGE_SIZE - 1));
	frame_decref(pa / PAGE_SIZE); /* still held by the other sharers */
	return true;
}

enum walk_mode {
	LOOK, /* read the entry: a shared table is fine */
	CHANGE, /* the entry will change: the table must be this address space's own */
	CREATE, /* as CHANGE, and make missing tables */
};

/* The last-level entry for va (see walk_mode); NULL if absent (not CREATE) or out of frames. */
static uint64_t *walk(uint64_t pml4, uint64_t va, enum walk_mode mode)
{
	uint64_t *t = table(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[PX(level, va)];
		if (!(*e & PTE_P)) {
			uint64_t pa = mode == CREATE ? kalloc_page() : 0;
			if (!pa)
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
			mark_used(V2P(e), PX(level, va));
		} else if (level == 1 && mode != LOOK && !own_table(pml4, va, e))
			return NULL;
		t = table(*e);
	}
	return &t[PX(0, va)];
}

/* The last-level entry for va, to read only (it may be in a shared table); NULL if absent. */
uint64_t *pt_lookup(uint64_t pml4, uint64_t va)
{
	return walk(pml4, va, LOOK);
}

/* The last-level entry for va in a table of pml4's own, to change; NULL if absent or out of frames (-E_NOMEM in *err). */
uint64_t *pt_lookup_own(uint64_t pml4, uint64_t va, int *err)
{
	uint64_t *pte = walk(pml4, va, LOOK);
	*err = pte && (*pte & PTE_P) ? 0 : -E_NOENT;
	if (*err == 0 && !(pte = walk(pml4, va, CHANGE)))
		*err = -E_NOMEM;
	return *err ? NULL : pte;
}

static void flush(uint64_t pml4, uint64_t va)
{
	if ((read_cr3() & PTE_ADDR) == pml4)
		invlpg(va);
}

static bool user_va(uint64_t va)
{
	return va < USER_TOP && (va & (PAGE_SIZE - 1)) == 0;
}

/* Make last-level entry pte (for va in pml4) map frame fn with perm, in place of what it held. */
static inline void set_entry(uint64_t pml4, uint64_t va, uint64_t *pte, uint64_t fn, uint64_t perm)
{
	frame_incref(fn);
	if (*pte & PTE_P)
		frame_decref((*pte & PTE_ADDR) / PAGE_SIZE);
	else
		mark_used(V2P(pte), PX(0, va));
	*pte = fn * PAGE_SIZE | perm | PTE_P | PTE_U;
	note_entry(pte, *pte);
	flush(pml4, va);
}

/*
 * Map n frames from fn on, one after another, at the n pages from va with perm
 * (PTE_W, PTE_NX, PTE_AVAIL bits), replacing any earlier mappings there: one
 * walk per last-level table, not per page (the boot image is mapped so). The
 * caller has checked that the env may map those frames. -E_INVAL for a bad
 * va, perm or frame (nothing mapped), -E_NOMEM if a table could not be made
 * (the pages before it stay mapped).
 */
int pt_map_run(uint64_t pml4, uint64_t va, uint64_t fn, uint64_t n, uint64_t perm)
{
	if (!user_va(va) || (perm & ~PTE_USER_PERMS) || n == 0 || n > (USER_TOP - va) / PAGE_SIZE ||
	    !frame_valid(fn + n - 1) || fn + n - 1 < fn)
		return -E_INVAL;
	while (n > 0) {
		uint64_t *pte = walk(pml4, va, CREATE);
		if (!pte)
			return -E_NOMEM;
		for (uint64_t i = PX(0, va); i < 512 && n > 0; i++, pte++, va += PAGE_SIZE, fn++, n--)
			set_entry(pml4, va, pte, fn, perm);
	}
	return 0;
}

/*
 * A fresh zeroed frame of e's, mapped with perm, at each page of the n from
 * va that has nothing mapped (mapped ones are left as they are), one walk per
 * last-level table. The number filled; it stops at the first frame or table
 * that cannot be had, -E_NOMEM only when none could be filled. The caller has
 * checked va, n and perm.
 */
long pt_fill_run(struct env *e, uint64_t va, uint64_t n, uint64_t perm)
{
	long filled = 0;
	while (n > 0) {
		uint64_t *pte = walk(e->pml4, va, CREATE);
		if (!pte)
			return filled ? filled : -E_NOMEM;
		for (uint64_t i = PX(0, va); i < 512 && n > 0; i++, pte++, va += PAGE_SIZE, n--) {
			if (*pte & PTE_P)
				continue;
			long fn = frame_alloc(e, -1);
			if (fn < 0)
				return filled ? filled : fn;
			set_entry(e->pml4, va, pte, (uint64_t)fn, perm);
			filled++;
		}
	}
	return filled;
}

/* Map frame fn at va with perm: pt_map_run of one page, without its loop (a fork makes many). */
int pt_map(uint64_t pml4, uint64_t va, uint64_t fn, uint64_t perm)
{
	if (!user_va(va) || (perm & ~PTE_USER_PERMS) || !frame_valid(fn))
		return -E_INVAL;
	uint64_t *pte = walk(pml4, va, CREATE);
	if (!pte)
		return -E_NOMEM;
	set_entry(pml4, va, pte, fn, perm);
	return 0;
}

/* Remove the mapping at va, if any. -E_INVAL for a bad va. */
int pt_unmap(uint64_t pml4, uint64_t va)
{
	if (!user_va(va))
		return -E_INVAL;
	int err;
	uint64_t *pte = pt_lookup_own(pml4, va, &err);
	if (!pte)
		return err == -E_NOENT ? 0 : err;
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE;
	*pte = 0;
	flush(pml4, va);
	frame_decref(fn);
	return 0;
}

/* Change the permissions of the mapping at va. -E_INVAL bad va/perm, -E_NOENT nothing mapped. */
int pt_protect(uint64_t pml4, uint64_t va, uint64_t perm)
{
	if (!user_va(va) || (perm & ~PTE_USER_PERMS))
		return -E_INVAL;
	int err;
	uint64_t *pte = pt_lookup_own(pml4, va, &err);
	if (!pte)
		return err;
	*pte = (*pte & PTE_ADDR) | perm | PTE_P | PTE_U;
	note_entry(pte, *pte);
	flush(pml4, va);
	return 0;
}

/* Unmap the first mapping of frame fn under table pa of the given level (whose entries start at base). */
static int unmap_frame_level(uint64_t pml4, uint64_t pa, int level, uint64_t base, uint64_t fn, uint64_t *va_out)
{
	uint64_t *t = table(pa), used = *frame_pt_used(pa & PTE_ADDR), shift = 12 + 9 * (uint64_t)level;
	uint64_t end = level == 3 ? UVPT_SLOT : 512;
	for (uint64_t i = next_present(t, used, 0, end); i < end; i = next_present(t, used, i + 1, end)) {
		uint64_t va = base + (i << shift);
		if (level > 0) {
			if (unmap_frame_level(pml4, t[i], level - 1, va, fn, va_out))
				return 1;
		} else if ((t[i] & PTE_ADDR) / PAGE_SIZE == fn) {
			*va_out = va;
			t[i] = 0; /* from every sharer of the table: revocation takes fn from all */
			if (frame_refs((pa & PTE_ADDR) / PAGE_SIZE) > 1)
				lcr3(read_cr3()); /* whichever sharer is running */
			else
				flush(pml4, va);
			frame_decref(fn);
			return 1;
		}
	}
	return 0;
}

/* Unmap one mapping of frame fn found in the user half; 1 and its va if found, else 0. */
int pt_unmap_frame(uint64_t pml4, uint64_t fn, uint64_t *va_out)
{
	return unmap_frame_level(pml4, pml4, 3, 0, fn, va_out);
}

/*
 * map_cow over entries [first, last) of the caller's last-level table t,
 * whose entries start at address base, into the matching table of dst (made
 * when the first page needs it). dst is never the running address space, so
 * its entries need no TLB flush.
 */
static int cow_leaves(uint64_t *t, uint64_t base, uint64_t dst, uint64_t first, uint64_t last)
{
	uint64_t used = *frame_pt_used(V2P(t)), *d = NULL, dused = 0;
	for (uint64_t i = next_present(t, used, first, last); i < last; i = next_present(t, used, i + 1, last)) {
		uint64_t e = t[i];
		if (e & PTE_NOCOPY)
			continue;
		if (!d && !(d = walk(dst, base, CREATE)))
			return -E_NOMEM;
		if ((e & PTE_W) && !(e & PTE_SHARE))
			t[i] = e = (e & ~PTE_W) | PTE_COW;
		frame_incref((e & PTE_ADDR) / PAGE_SIZE);
		if (d[i] & PTE_P)
			frame_decref((d[i] & PTE_ADDR) / PAGE_SIZE);
		d[i] = (e & (PTE_ADDR | PTE_USER_PERMS)) | PTE_P | PTE_U;
		dused |= 1UL << (i / 8);
	}
	if (d)
		*frame_pt_used(V2P(d)) |= dused;
	return 0;
}

/* The entries [*first, *last) of a table of the given level (3: top), whose entries start at base, that overlap [start, end). */
static void entry_range(int level, uint64_t base, uint64_t start, uint64_t end, uint64_t *first, uint64_t *last)
{
	uint64_t shift = 12 + 9 * (uint64_t)level, span = 1UL << shift;
	*first = start > base ? (start - base) >> shift : 0;
	*last = end - base > 512 * span ? 512 : (end - base + span - 1) >> shift;
	if (level == 3 && *last > UVPT_SLOT)
		*last = UVPT_SLOT;
}

/*
 * map_cow by sharing: link the caller's last-level table *pde, whose
 * entries start at base, into dst as it is, when every present entry of it
 * lies in entries [first, last) (the range being bound), none is
 * PTE_NOCOPY, and dst has no table there yet. Its writable entries become
 * PTE_COW first, as cow_leaves would make them. false when it cannot be
 * shared (the caller copies entries instead) or dst is out of frames.
 */
static bool cow_share(uint64_t *pde, uint64_t base, uint64_t dst, uint64_t first, uint64_t last)
{
	uint64_t pa = *pde & PTE_ADDR, *t = table(pa), used = *frame_pt_used(pa);
	uint32_t *flags = frame_pt_flags(pa);
	if ((*flags & PT_NOCOPY) || next_present(t, used, 0, first) != first || next_present(t, used, last, 512) != 512)
		return false;
	uint64_t *d = table(dst);
	for (int level = 3; level > 1; level--) {
		uint64_t *e = &d[PX(level, base)];
		if (!(*e & PTE_P)) {
			uint64_t npa = kalloc_page();
			if (!npa)
				return false;
			*e = npa | PTE_P | PTE_W | PTE_U;
			mark_used(V2P(e), PX(level, base));
		}
		d = table(*e);
	}
	uint64_t *dpde = &d[PX(1, base)];
	if (*dpde & PTE_P)
		return false;
	for (uint64_t i = next_present(t, used, first, last); (*flags & PT_PRIVATE_W) && i < last;
	     i = next_present(t, used, i + 1, last))
		if ((t[i] & PTE_W) && !(t[i] & PTE_SHARE))
			t[i] = (t[i] & ~PTE_W) | PTE_COW;
	*flags &= ~(uint32_t)PT_PRIVATE_W;
	frame_incref(pa / PAGE_SIZE);
	*dpde = *pde;
	mark_used(V2P(dpde), PX(1, base));
	return true;
}

/*
 * map_cow over one table of the given level (3: top) whose entries start at
 * address base: descend only into present entries that overlap [start, end);
 * a last-level table is shared whole where cow_share can.
 */
static int cow_level(uint64_t *t, int level, uint64_t base, uint64_t dst, uint64_t start, uint64_t end)
{
	uint64_t shift = 12 + 9 * (uint64_t)level, first, last;
	entry_range(level, base, start, end, &first, &last);
	if (level == 0)
		return cow_leaves(t, base, dst, first, last);
	uint64_t used = *frame_pt_used(V2P(t));
	for (uint64_t i = next_present(t, used, first, last); i < last; i = next_present(t, used, i + 1, last)) {
		uint64_t sub = base + (i << shift);
		if (level == 1) {
			uint64_t lo, hi;
			entry_range(0, sub, start, end, &lo, &hi);
			if (cow_share(&t[i], sub, dst, lo, hi))
				continue;
		}
		if (cow_level(table(t[i]), level - 1, sub, dst, start, end) < 0)
			return -E_NOMEM;
	}
	return 0;
}

/*
 * Copy-on-write bind of [start, end) of the address space caller into dst
 * (both page-aligned, the caller's own user pages): every present page is
 * mapped at the same address in dst; writable ones become read-only and
 * PTE_COW in both, PTE_SHARE ones are mapped as they are, PTE_NOCOPY ones are
 * left out. -E_NOMEM if a table for dst could not be made (pages so far stay).
 */
int pt_map_cow(uint64_t caller, uint64_t dst, uint64_t start, uint64_t end)
{
	const uint64_t range[1][2] = { { start, end } };
	return pt_map_cow_ranges(caller, dst, range, 1);
}

/* pt_map_cow of n ranges, one after another, with one TLB flush for them all. */
int pt_map_cow_ranges(uint64_t caller, uint64_t dst, const uint64_t (*ranges)[2], long n)
{
	int r = 0;
	for (long i = 0; r == 0 && i < n; i++)
		r = cow_level(table(caller), 3, 0, dst, ranges[i][0], ranges[i][1]);
	lcr3(read_cr3()); /* the caller's writable pages just became read-only */
	return r;
}

long pt_cow_break(struct env *e, uint64_t va, uint64_t perm)
{
	int err;
	uint64_t *pte = pt_lookup_own(e->pml4, va, &err); /* a copy of a shared table first: the counts below are then this env's */
	if (!pte)
		return err;
	if (!(*pte & PTE_COW))
		return -E_INVAL;
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE;
	bool owned = frame_owner(fn) == e->id;
	if (frame_refs(fn) == (owned ? 2U : 1U) && (owned || frame_adopt(e, fn) == 0)) {
		pt_protect(e->pml4, va, perm);
		return (long)fn;
	}
	long copy = frame_copy(e, fn);
	if (copy < 0)
		return copy;
	pt_map(e->pml4, va, (uint64_t)copy, perm); /* the table is there and perm is valid: cannot fail */
	if (owned)
		frame_free(e, (long)fn);
	return copy;
}

/* The present entries of last-level table t in [first, last) leave it; e's own frames among them freed if free_owned. The count. */
static long unmap_leaves(struct env *e, uint64_t *t, uint64_t first, uint64_t last, bool free_owned)
{
	uint64_t used = *frame_pt_used(V2P(t));
	long n = 0;
	for (uint64_t i = next_present(t, used, first, last); i < last; i = next_present(t, used, i + 1, last)) {
		uint64_t fn = (t[i] & PTE_ADDR) / PAGE_SIZE;
		t[i] = 0;
		if (free_owned && frame_owner(fn) == e->id)
			frame_free(e, (long)fn);
		frame_decref(fn);
		n++;
	}
	return n;
}

/* e's own frames mapped in shared last-level table t, freed (the table itself stays with its other sharers). The count of its pages. */
static long free_owned_in(struct env *e, const uint64_t *t, bool free_owned)
{
	uint64_t used = *frame_pt_used(V2P(t));
	long n = 0;
	for (uint64_t i = next_present(t, used, 0, 512); i < 512; i = next_present(t, used, i + 1, 512), n++)
		if (free_owned && frame_owner((t[i] & PTE_ADDR) / PAGE_SIZE) == e->id)
			frame_free(e, (long)((t[i] & PTE_ADDR) / PAGE_SIZE));
	return n;
}

/* unmap_range over one table of the given level (3: top) whose entries start at base. The count, or -E_NOMEM. */
static long unmap_level(struct env *e, uint64_t *t, int level, uint64_t base, uint64_t start, uint64_t end,
			bool free_owned)
{
	uint64_t shift = 12 + 9 * (uint64_t)level, span = 1UL << shift, first, last;
	entry_range(level, base, start, end, &first, &last);
	if (level == 0)
		return unmap_leaves(e, t, first, last, free_owned);
	uint64_t used = *frame_pt_used(V2P(t));
	long n = 0;
	for (uint64_t i = next_present(t, used, first, last); i < last; i = next_present(t, used, i + 1, last)) {
		uint64_t sub = base + (i << shift), pa = t[i] & PTE_ADDR;
		long k;
		if (level == 1 && sub >= start && end - sub >= span) { /* the whole table goes */
			if (frame_refs(pa / PAGE_SIZE) > 1) {
				k = free_owned_in(e, table(pa), free_owned);
				frame_decref(pa / PAGE_SIZE);
			} else {
				k = unmap_leaves(e, table(pa), 0, 512, free_owned);
				kfree_zeroed_page(pa);
			}
			t[i] = 0;
		} else {
			if (level == 1 && !own_table(e->pml4, sub, &t[i]))
				return -E_NOMEM;
			k = unmap_level(e, table(t[i]), level - 1, sub, start, end, free_owned);
		}
		if (k < 0)
			return k;
		n += k;
	}
	return n;
}

/*
 * Unmap every page of [start, end) (page-aligned user addresses) from e's
 * address space, with e's own frames among them freed if free_owned; a
 * last-level table wholly inside the range goes whole (a shared one only
 * loses e's reference). The number of pages unmapped, or -E_INVAL, -E_NOMEM
 * (a shared table could not be copied: the pages before it are gone).
 */
long pt_unmap_range(struct env *e, uint64_t start, uint64_t end, bool free_owned)
{
	if (!user_va(start) || (end & (PAGE_SIZE - 1)) || end < start || end > USER_TOP)
		return -E_INVAL;
	long n = start < end ? unmap_level(e, table(e->pml4), 3, 0, start, end, free_owned) : 0;
	if ((read_cr3() & PTE_ADDR) == e->pml4)
		lcr3(read_cr3());
	return n;
}

/*
 * Free a table of the given level and everything below it; leaves drop their
 * frame references. A shared last-level table only loses this reference.
 * An entry that is not present is zero, so clearing the present ones leaves
 * the page all zeros: the next table need not be cleared.
 */
static void free_level(uint64_t pa, int level)
{
	if (level == 0 && frame_refs(pa / PAGE_SIZE) > 1) {
		frame_decref(pa / PAGE_SIZE);
		return;
	}
	uint64_t *t = table(pa), used = *frame_pt_used(pa);
	for (uint64_t i = next_present(t, used, 0, 512); i < 512; i = next_present(t, used, i + 1, 512)) {
		if (level == 0)
			frame_decref((t[i] & PTE_ADDR) / PAGE_SIZE);
		else
			free_level(t[i] & PTE_ADDR, level - 1);
		t[i] = 0;
	}
	kfree_zeroed_page(pa);
}

/* Tear down an address space: every user mapping, every table, the top level. */
void pt_destroy(uint64_t pml4)
{
	uint64_t *t = table(pml4), used = *frame_pt_used(pml4);
	for (uint64_t i = next_present(t, used, 0, UVPT_SLOT); i < UVPT_SLOT;
	     i = next_present(t, used, i + 1, UVPT_SLOT))
		free_level(t[i] & PTE_ADDR, 2);
	kfree_page(pml4);
}

/* Copy n bytes between kernel memory and env e's user memory at va, page by page. */
static int copy_user(struct env *e, uint64_t va, void *kbuf, size_t n, bool to_user)
{
	uint8_t *k = kbuf;
	while (n > 0) {
		if (va >= USER_TOP)
			return -E_FAULT;
		uint64_t *pte = walk(e->pml4, PGROUNDDOWN(va), LOOK);
		if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (to_user && !(*pte & PTE_W)))
			return -E_FAULT;
		size_t off = va & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
		if (chunk > n)
			chunk = n;
		uint8_t *p = (uint8_t *)P2V(*pte & PTE_ADDR) + off;
		if (to_user)
			memcpy(p, k, chunk);
		else
			memcpy(k, p, chunk);
		k += chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}

/* Copy from env e's memory; -E_FAULT if any byte is not mapped user-readable. */
int copy_from_user(struct env *e, void *dst, uint64_t va, size_t n)
{
	return copy_user(e, va, dst, n, false);
}

/* Copy to env e's memory; -E_FAULT if any byte is not mapped user-writable. */
int copy_to_user(struct env *e, uint64_t va, const void *src, size_t n)
{
	return copy_user(e, va, (void *)src, n, true);
}
