/* lx's own heap (power-of-two bins over pages it maps itself) and the Mica-to-Linux error map. */
#include "libos/lx/lx.h"

/*
 * Blocks of 2^k bytes (k >= 5) carry an 16-byte header with their bin;
 * freed blocks go on their bin's list. Blocks over a page take whole pages.
 * The heap grows upward from LX_HEAP, mapping pages as it goes.
 */
#define MIN_BIN 5
#define NBINS 40
#define HDR 16

struct block {
	uint64_t bin;
	struct block *next; /* while free */
};

static struct block *bins[NBINS];
static uint64_t heap_top = LX_HEAP, heap_mapped = LX_HEAP;

/* Extend the heap by n bytes (16-aligned); NULL when out of frames. */
static void *heap_grow(uint64_t n)
{
	uint64_t start = heap_top, end = start + n;
	if (end > LX_HEAP + LX_HEAP_MAX)
		return NULL;
	while (heap_mapped < end) {
		if (page_alloc(0, heap_mapped, PTE_W | PTE_NX) < 0)
			return NULL;
		heap_mapped += PAGE_SIZE;
	}
	heap_top = end;
	return (void *)start;
}

static unsigned bin_of(size_t n)
{
	unsigned k = MIN_BIN;
	while (((size_t)1 << k) < n + HDR)
		k++;
	return k;
}

void *lx_alloc(size_t n)
{
	unsigned k = bin_of(n);
	if (k >= NBINS)
		return NULL;
	struct block *b = bins[k];
	if (b)
		bins[k] = b->next;
	else if (!(b = heap_grow((uint64_t)1 << k)))
		return NULL;
	b->bin = k;
	memset((char *)b + HDR, 0, ((size_t)1 << k) - HDR);
	return (char *)b + HDR;
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

char *lx_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = lx_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* The one place Mica errors become Linux errnos; success passes through. */
int lx_errno(long err)
{
	if (err >= 0)
		return (int)err;
	switch (-err) {
	case E_INVAL: return -EINVAL;
	case E_NOMEM: return -ENOMEM;
	case E_PERM: return -EPERM;
	case E_NOENT: return -ENOENT;
	case E_FAULT: return -EFAULT;
	case E_BUSY: return -EBUSY;
	case E_AGAIN: return -EAGAIN;
	case E_TIMEOUT: return -ETIMEDOUT;
	case E_NOSYS: return -ENOSYS;
	case E_EXIST: return -EEXIST;
	case E_BADFMT: return -ENOEXEC;
	case E_RANGE: return -ERANGE;
	default: return -EIO;
	}
}
