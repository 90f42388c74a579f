/* The memory lx's processes share: its header (struct lx_shared) and its heap, in power-of-two bins. */
#include "libos/lx/lx.h"

/*
 * Blocks of 2^k bytes (k >= 5) carry an 16-byte header with their bin;
 * freed blocks go on their bin's list. The heap grows upward from LX_HEAP.
 * Everything about it lives in memory all of lx's processes map: the
 * header (struct lx_shared) and the page directory are made before any fork
 * and so are in every process; a heap page made later by one process is
 * shared with the group (frame_share) and its frame number written in the
 * directory, where another process finds it when it first faults on it.
 */
#define MIN_BIN 5
#define NBINS 40
#define HDR 16

struct block {
	uint64_t bin;
	struct block *next; /* while free */
};

_Static_assert(sizeof(struct lx_shared) <= 0x10000, "the shared header fits below the directory");
#define bins ((struct block **)LX_SH->bins)

/* A page for the whole group at va: allocated, mapped, shared; its frame number or -E_*. */
static long shared_page(uint64_t va)
{
	long fn = page_alloc(0, va, LX_OWN_PERM | PTE_SHARE);
	if (fn >= 0 && sys_frame_share(fn) < 0)
		return -E_PERM;
	return fn;
}

void lx_shared_init(void)
{
	for (uint64_t va = LX_SHARED; va < LX_SHARED_END; va += PAGE_SIZE)
		if (shared_page(va) < 0)
			die("lx: out of memory for its shared pages");
	LX_SH->heap_top = LX_SH->heap_mapped = LX_HEAP;
	LX_SH->next_ino = 2;
	LX_SH->next_pid = 2;
	list_init(&LX_SH->usocks);
}

uint64_t lx_next_ino(void)
{
	return LX_SH->next_ino++;
}

bool lx_shared_fault(uint64_t addr)
{
	if (addr < LX_HEAP || addr >= LX_SH->heap_mapped)
		return false;
	uint32_t fn = ((volatile uint32_t *)LX_HEAP_DIR)[(addr - LX_HEAP) / PAGE_SIZE];
	return fn && sys_map(0, addr & ~(PAGE_SIZE - 1), fn, LX_OWN_PERM | PTE_SHARE) == 0;
}

/* Extend the heap by n bytes (16-aligned); NULL when out of frames. */
static void *heap_grow(uint64_t n)
{
	uint64_t start = LX_SH->heap_top, end = start + n;
	if (end > LX_HEAP + LX_HEAP_MAX)
		return NULL;
	while (LX_SH->heap_mapped < end) {
		long fn = shared_page(LX_SH->heap_mapped);
		if (fn < 0)
			return NULL;
		((uint32_t *)LX_HEAP_DIR)[(LX_SH->heap_mapped - LX_HEAP) / PAGE_SIZE] = (uint32_t)fn;
		LX_SH->heap_mapped += PAGE_SIZE;
	}
	LX_SH->heap_top = end;
	return (void *)start;
}

static unsigned bin_of(size_t n)
{
	unsigned k = MIN_BIN;
	while (((size_t)1 << k) < n + HDR)
		k++;
	return k;
}

/* A block of bin k off its free list or new from the heap, its bin set; NULL when out of memory. */
static struct block *take(unsigned k)
{
	struct block *b = bins[k];
	if (b)
		bins[k] = b->next;
	else if (!(b = heap_grow((uint64_t)1 << k)))
		return NULL;
	b->bin = k;
	return b;
}

void *lx_alloc_raw(size_t n)
{
	unsigned k = bin_of(n);
	struct block *b = k < NBINS ? take(k) : NULL;
	return b ? (char *)b + HDR : NULL;
}

size_t lx_alloc_room(const void *p)
{
	return ((size_t)1 << ((const struct block *)((const char *)p - HDR))->bin) - HDR;
}

void *lx_alloc(size_t n)
{
	void *p = lx_alloc_raw(n);
	if (p)
		memset(p, 0, lx_alloc_room(p));
	return p;
}

void *lx_alloc_unzeroed(size_t n, size_t head)
{
	char *p = lx_alloc_raw(n);
	if (p) {
		memset(p, 0, head);
		memset(p + n, 0, lx_alloc_room(p) - n); /* past n too: lx_realloc grows into it */
	}
	return p;
}

void lx_free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)((char *)p - HDR);
	b->next = bins[b->bin];
	bins[b->bin] = b;
}

void *lx_realloc(void *p, size_t n)
{
	if (!p)
		return lx_alloc(n);
	struct block *b = (struct block *)((char *)p - HDR);
	size_t have = ((size_t)1 << b->bin) - HDR;
	if (n <= have)
		return p;
	void *q = lx_alloc(n);
	if (q) {
		memcpy(q, p, have);
		lx_free(p);
	}
	return q;
}

/*
 * Whole pages, page-aligned, for file data that programs may map: taken
 * from the heap PAGE_BATCH at a time (the bytes skipped to reach a page
 * boundary are lost), and kept on their own free list. Files may hold at
 * most half of the machine's frames, as Linux's tmpfs by default: a full
 * file system says ENOSPC while the programs still have memory to go on.
 */
#define PAGE_BATCH 16
#define FILE_SHARE_DIV 2

void *lx_page_alloc_raw(void)
{
	if (LX_SH->file_pages >= KIP->frames_total / FILE_SHARE_DIV)
		return NULL;
	void **p = LX_SH->free_pages;
	if (!p) {
		uint64_t start = PGROUNDUP_U(LX_SH->heap_top);
		if (start + PAGE_BATCH * PAGE_SIZE > LX_HEAP + LX_HEAP_MAX || !heap_grow(start + PAGE_BATCH * PAGE_SIZE - LX_SH->heap_top))
			return NULL;
		for (int i = PAGE_BATCH - 1; i >= 0; i--) {
			void **q = (void **)(start + (uint64_t)i * PAGE_SIZE);
			*q = p;
			p = q;
		}
	}
	LX_SH->free_pages = *p;
	LX_SH->file_pages++;
	return p;
}

void *lx_page_alloc(void)
{
	void *p = lx_page_alloc_raw();
	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void lx_page_free(void *page)
{
	if (!page)
		return;
	LX_SH->file_pages--;
	*(void **)page = LX_SH->free_pages;
	LX_SH->free_pages = page;
}
