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
	return pa;
}

/* The last-level entry for va, creating the tables above it if create; NULL if absent or out of frames. */
static uint64_t *walk(uint64_t pml4, uint64_t va, bool create)
{
	uint64_t *t = table(pml4);
	for (int level = 3; level > 0; level--) {
		uint64_t *e = &t[PX(level, va)];
		if (!(*e & PTE_P)) {
			uint64_t pa = create ? kalloc_page() : 0;
			if (!pa)
				return NULL;
			*e = pa | PTE_P | PTE_W | PTE_U;
		}
		t = table(*e);
	}
	return &t[PX(0, va)];
}

uint64_t *pt_lookup(uint64_t pml4, uint64_t va)
{
	return walk(pml4, va, false);
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

/*
 * Map frame fn at va with perm (PTE_W, PTE_NX, PTE_AVAIL bits), replacing
 * any earlier mapping there. The caller has checked that the env may map fn.
 * -E_INVAL for a bad va or perm, -E_NOMEM if a table could not be made.
 */
int pt_map(uint64_t pml4, uint64_t va, uint64_t fn, uint64_t perm)
{
	if (!user_va(va) || (perm & ~PTE_USER_PERMS) || !frame_valid(fn))
		return -E_INVAL;
	uint64_t *pte = walk(pml4, va, true);
	if (!pte)
		return -E_NOMEM;
	frame_incref(fn);
	if (*pte & PTE_P)
		frame_decref((*pte & PTE_ADDR) / PAGE_SIZE);
	*pte = fn * PAGE_SIZE | perm | PTE_P | PTE_U;
	flush(pml4, va);
	return 0;
}

/* Remove the mapping at va, if any. -E_INVAL for a bad va. */
int pt_unmap(uint64_t pml4, uint64_t va)
{
	if (!user_va(va))
		return -E_INVAL;
	uint64_t *pte = walk(pml4, va, false);
	if (!pte || !(*pte & PTE_P))
		return 0;
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
	uint64_t *pte = walk(pml4, va, false);
	if (!pte || !(*pte & PTE_P))
		return -E_NOENT;
	*pte = (*pte & PTE_ADDR) | perm | PTE_P | PTE_U;
	flush(pml4, va);
	return 0;
}

/* Unmap one mapping of frame fn found in the user half; 1 and its va if found, else 0. */
int pt_unmap_frame(uint64_t pml4, uint64_t fn, uint64_t *va_out)
{
	uint64_t *l4 = table(pml4);
	for (uint64_t i = 0; i < UVPT_SLOT; i++) {
		if (!(l4[i] & PTE_P))
			continue;
		uint64_t *l3 = table(l4[i]);
		for (uint64_t j = 0; j < 512; j++) {
			if (!(l3[j] & PTE_P))
				continue;
			uint64_t *l2 = table(l3[j]);
			for (uint64_t k = 0; k < 512; k++) {
				if (!(l2[k] & PTE_P))
					continue;
				uint64_t *l1 = table(l2[k]);
				for (uint64_t m = 0; m < 512; m++) {
					if ((l1[m] & PTE_P) && (l1[m] & PTE_ADDR) / PAGE_SIZE == fn) {
						uint64_t va = i << 39 | j << 30 | k << 21 | m << 12;
						*va_out = va;
						l1[m] = 0;
						flush(pml4, va);
						frame_decref(fn);
						return 1;
					}
				}
			}
		}
	}
	return 0;
}

/* One page of map_cow: bind the frame at va (mapped by pte in the caller) into dst as the bits say. */
static int cow_one(uint64_t dst, uint64_t va, uint64_t *pte)
{
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE, perm = *pte & PTE_USER_PERMS;
	if (perm & PTE_NOCOPY)
		return 0;
	if ((perm & PTE_W) && !(perm & PTE_SHARE)) {
		perm = (perm & ~PTE_W) | PTE_COW;
		*pte = (*pte & ~PTE_W) | PTE_COW;
	}
	return pt_map(dst, va, fn, perm);
}

/*
 * map_cow over one table of the given level (3: top) whose entries start at
 * address base: descend only into present entries that overlap [start, end).
 */
static int cow_level(uint64_t *t, int level, uint64_t base, uint64_t dst, uint64_t start, uint64_t end)
{
	uint64_t shift = 12 + 9 * (uint64_t)level, span = 1UL << shift;
	uint64_t first = start > base ? (start - base) >> shift : 0;
	uint64_t last = end - base > 512 * span ? 512 : (end - base + span - 1) >> shift;
	if (level == 3 && last > UVPT_SLOT)
		last = UVPT_SLOT;
	for (uint64_t i = first; i < last; i++) {
		if (!(t[i] & PTE_P))
			continue;
		uint64_t va = base + (i << shift);
		int r = level ? cow_level(table(t[i]), level - 1, va, dst, start, end) : cow_one(dst, va, &t[i]);
		if (r < 0)
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
	int r = cow_level(table(caller), 3, 0, dst, start, end);
	lcr3(read_cr3()); /* the caller's writable pages just became read-only */
	return r;
}

/* Free a table of the given level and everything below it; leaves drop their frame references. */
static void free_level(uint64_t pa, int level)
{
	uint64_t *t = table(pa);
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level == 0)
			frame_decref((t[i] & PTE_ADDR) / PAGE_SIZE);
		else
			free_level(t[i] & PTE_ADDR, level - 1);
	}
	kfree_page(pa);
}

/* Tear down an address space: every user mapping, every table, the top level. */
void pt_destroy(uint64_t pml4)
{
	uint64_t *t = table(pml4);
	for (uint64_t i = 0; i < UVPT_SLOT; i++)
		if (t[i] & PTE_P)
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
		uint64_t *pte = walk(e->pml4, PGROUNDDOWN(va), false);
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
