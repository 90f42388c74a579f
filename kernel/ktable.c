/* Kernel tables of fixed-size entries whose first few are in the image and the rest in pages taken as they are used. */
#include "kernel.h"

/*
 * A table of n entries of `size` bytes, each starting with a 64-bit word
 * that is 0 while the entry is free (an object's id). Entries below `first`
 * are in the kernel's image (`head`); the others are in pages taken from
 * free memory when an entry on them is first used, and given back when their
 * last entry is freed: a machine that uses a few entries holds a few pages
 * of table, not the whole of it. An entry on a page not taken is free.
 */

/* Which page entry i (>= first) lies on, and where on it. */
static void place(const struct ktable *t, uint64_t i, uint64_t *page, uint64_t *at)
{
	uint64_t per = PAGE_SIZE / t->size;
	*page = (i - t->first) / per;
	*at = (i - t->first) % per * t->size;
}

void *ktable_paged(const struct ktable *t, uint64_t i)
{
	uint64_t page, at;
	place(t, i, &page, &at);
	return t->pages[page] ? (char *)t->pages[page] + at : NULL;
}

void *ktable_make(const struct ktable *t, uint64_t i)
{
	if (i >= t->first) {
		uint64_t page, at;
		place(t, i, &page, &at);
		if (!t->pages[page]) {
			uint64_t pa = kalloc_page(); /* zeroed: every entry on it free */
			if (!pa)
				return NULL;
			t->pages[page] = P2V(pa);
		}
	}
	return ktable_get(t, i);
}

void ktable_freed(const struct ktable *t, uint64_t i)
{
	if (i < t->first)
		return;
	uint64_t page, at, per = PAGE_SIZE / t->size;
	place(t, i, &page, &at);
	for (uint64_t k = 0; k < per; k++)
		if (*(uint64_t *)((char *)t->pages[page] + k * t->size))
			return;
	kfree_page(V2P(t->pages[page]));
	t->pages[page] = NULL;
}
