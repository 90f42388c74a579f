/* Memory: malloc of many sizes, brk, anonymous mmap, munmap, mprotect, mremap and madvise, without faulting. */
#define T_NAME "mem"
#include "check.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096UL

static int all_bytes(const void *p, size_t n, unsigned char v)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i] != v)
			return 0;
	return 1;
}

static void check_malloc(void)
{
	enum { N = 200 };
	static unsigned char *blocks[N];
	static size_t sizes[N];
	int good = 1, aligned = 1;
	for (int i = 0; i < N; i++) {
		/* 1 byte up to a few MiB: small classes, large ones and mmap-backed ones */
		sizes[i] = i < 100 ? (size_t)i * 7 + 1 : (size_t)1 << (i % 23);
		blocks[i] = malloc(sizes[i]);
		if (!blocks[i]) {
			good = 0;
			break;
		}
		aligned &= ((uintptr_t)blocks[i] & 15) == 0;
		memset(blocks[i], i & 0xff, sizes[i]);
	}
	CHECK("malloc-many", good, "malloc returned NULL");
	CHECK("malloc-aligned", aligned, "a block was not 16-byte aligned");
	for (int i = 0; good && i < N; i += 2) {
		good &= all_bytes(blocks[i], sizes[i], i & 0xff);
		free(blocks[i]);
		blocks[i] = NULL;
	}
	for (int i = 1; good && i < N; i += 2) {
		good &= all_bytes(blocks[i], sizes[i], i & 0xff);
		free(blocks[i]);
	}
	CHECK("malloc-contents", good, "a block's contents changed while others were allocated and freed");
	unsigned char *z = calloc(1000, 1000);
	CHECK("calloc-zero", z && all_bytes(z, 1000000, 0), "calloc(1000, 1000) is %s", z ? "not zeroed" : "NULL");
	free(z);
	char *r = malloc(16);
	strcpy(r, "realloc keeps");
	r = realloc(r, 1 << 20);
	CHECK("realloc-grow", r && strcmp(r, "realloc keeps") == 0, "contents lost when growing");
	r = realloc(r, 8);
	CHECK("realloc-shrink", r && memcmp(r, "realloc ", 8) == 0, "contents lost when shrinking");
	free(r);
	void *huge = malloc((size_t)1 << 47);
	CHECK("malloc-huge-fails", huge == NULL && errno == ENOMEM, "malloc(128 TiB) returned %p", huge);
	free(huge);
}

static void check_brk(void)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	CHECK("brk-query", cur != 0 && cur % PG == 0, "brk(0) is %#lx", (unsigned long)cur);
	uintptr_t want = cur + 256 * 1024;
	uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
	CHECK("brk-grow", got == want, "brk(%#lx) returned %#lx", (unsigned long)want, (unsigned long)got);
	if (got != want)
		return;
	unsigned char *p = (unsigned char *)cur;
	CHECK("brk-zeroed", all_bytes(p, want - cur, 0), "new break memory is not zero");
	memset(p, 0xab, want - cur);
	CHECK("brk-writable", p[want - cur - 1] == 0xab, "new break memory did not keep a write");
	got = (uintptr_t)syscall(SYS_brk, cur);
	CHECK("brk-shrink", got == cur, "shrinking returned %#lx, want %#lx", (unsigned long)got, (unsigned long)cur);
	uintptr_t pagetop = (cur + PG - 1) & ~(PG - 1);
	got = (uintptr_t)syscall(SYS_brk, pagetop + 2 * PG);
	CHECK("brk-regrow-zeroed", got == pagetop + 2 * PG && all_bytes((void *)pagetop, 2 * PG, 0),
	      "memory released by shrinking the break came back with old contents");
	got = (uintptr_t)syscall(SYS_brk, 4096);
	CHECK("brk-too-low", got == pagetop + 2 * PG, "brk(4096) returned %#lx, want the unchanged break %#lx",
	      (unsigned long)got, (unsigned long)(pagetop + 2 * PG));
	got = (uintptr_t)syscall(SYS_brk, (uintptr_t)1 << 47);
	CHECK("brk-too-high", got == pagetop + 2 * PG, "brk(1<<47) returned %#lx", (unsigned long)got);
	syscall(SYS_brk, cur);
	void *s = sbrk(0);
	CHECK("sbrk-zero", (uintptr_t)s == cur, "sbrk(0) %p, brk %#lx", s, (unsigned long)cur);
}

static void check_mmap(void)
{
	unsigned char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK("mmap-anon", p != MAP_FAILED && ((uintptr_t)p & (PG - 1)) == 0, "mmap returned %p, errno %d", (void *)p,
		   errno))
		return;
	CHECK("mmap-zeroed", all_bytes(p, 4 * PG, 0), "anonymous memory is not zero");
	memset(p, 0x5a, 4 * PG);
	unsigned char *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK("mmap-fixed", q == p + PG, "MAP_FIXED returned %p, want %p", (void *)q, (void *)(p + PG));
	CHECK("mmap-fixed-replaces", all_bytes(p + PG, PG, 0), "MAP_FIXED over a page kept its old contents");
	CHECK("mmap-fixed-neighbours", all_bytes(p, PG, 0x5a) && all_bytes(p + 2 * PG, 2 * PG, 0x5a),
	      "MAP_FIXED changed the pages around it");
	unsigned char *h = mmap(p + 16 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK("mmap-hint", h != MAP_FAILED, "mmap with a hint failed, errno %d", errno);
	if (h != MAP_FAILED)
		munmap(h, PG);
	CHECK("munmap-middle", munmap(p + 2 * PG, PG) == 0, "errno %d", errno);
	errno = 0;
	check_err("munmap-then-mprotect", mprotect(p + 2 * PG, PG, PROT_READ), ENOMEM);
	errno = 0;
	check_err("munmap-then-madvise", madvise(p + 2 * PG, PG, MADV_NORMAL), ENOMEM);
	CHECK("munmap-keeps-rest", all_bytes(p, PG, 0x5a) && all_bytes(p + 3 * PG, PG, 0x5a),
	      "unmapping one page disturbed the others");
	CHECK("munmap-unmapped-ok", munmap(p + 2 * PG, PG) == 0, "unmapping a hole failed, errno %d", errno);
	CHECK("munmap-all", munmap(p, 4 * PG) == 0, "errno %d", errno);
	errno = 0;
	check_err("munmap-all-then-mprotect", mprotect(p, PG, PROT_READ), ENOMEM);
	errno = 0;
	check_err("mmap-zero-length", (long)mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	errno = 0;
	check_err("mmap-no-type", (long)mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);
	errno = 0;
	check_err("mmap-fixed-unaligned", (long)mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  EINVAL);
	errno = 0;
	check_err("munmap-unaligned", munmap(p + 1, PG), EINVAL);
	errno = 0;
	check_err("mmap-bad-fd", (long)mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
	unsigned char *big = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int big_ok = big != MAP_FAILED;
	for (size_t off = 0; big_ok && off < (64 << 20); off += 1 << 20)
		big[off] = 1;
	CHECK("mmap-64mib-sparse", big_ok, "a 64 MiB mapping touched every MiB failed, errno %d", errno);
	if (big_ok)
		munmap(big, 64 << 20);
}

static void check_mprotect(void)
{
	unsigned char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x33, 2 * PG);
	errno = 0;
	check_err("mprotect-unaligned", syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL); /* musl's mprotect rounds */
	errno = 0;
	check_err("mprotect-bad-prot", mprotect(p, PG, 0x100), EINVAL);
	CHECK("mprotect-none", mprotect(p, PG, PROT_NONE) == 0, "errno %d", errno);
	CHECK("mprotect-back", mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 && all_bytes(p, PG, 0x33),
	      "contents changed across PROT_NONE and back");
	CHECK("mprotect-read", mprotect(p, 2 * PG, PROT_READ) == 0 && all_bytes(p + PG, PG, 0x33),
	      "read-only memory did not keep its contents");
	CHECK("mprotect-zero-len", mprotect(p, 0, PROT_READ) == 0, "errno %d", errno);
	munmap(p, 2 * PG);
}

static void check_mremap(void)
{
	unsigned char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < 2 * PG; i++)
		p[i] = (unsigned char)(i * 31);
	unsigned char *q = mremap(p, 2 * PG, 64 * PG, MREMAP_MAYMOVE);
	int same = q != MAP_FAILED;
	for (size_t i = 0; same && i < 2 * PG; i++)
		same = q[i] == (unsigned char)(i * 31);
	CHECK("mremap-grow", same, "%s", q == MAP_FAILED ? "mremap failed" : "contents lost");
	if (q == MAP_FAILED)
		return;
	CHECK("mremap-grow-zero-tail", all_bytes(q + 2 * PG, 62 * PG, 0), "the grown part is not zero");
	q[64 * PG - 1] = 9;
	unsigned char *s = mremap(q, 64 * PG, PG, 0);
	same = s == q;
	for (size_t i = 0; same && i < PG; i++)
		same = s[i] == (unsigned char)(i * 31);
	CHECK("mremap-shrink", same, "shrinking in place returned %p (was %p) or lost contents", (void *)s, (void *)q);
	errno = 0;
	check_err("mremap-shrunk-tail-gone", mprotect(q + 2 * PG, PG, PROT_READ), ENOMEM);
	errno = 0;
	check_err("mremap-unaligned", (long)mremap(q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	errno = 0;
	check_err("mremap-zero-new", (long)mremap(q, PG, 0, MREMAP_MAYMOVE), EINVAL);
	munmap(s, PG);
}

static void check_madvise(void)
{
	unsigned char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 0x77, 3 * PG);
	CHECK("madvise-dontneed", madvise(p + PG, PG, MADV_DONTNEED) == 0, "errno %d", errno);
	CHECK("madvise-dontneed-zeroes", all_bytes(p + PG, PG, 0), "a MADV_DONTNEED page kept its contents");
	CHECK("madvise-dontneed-neighbours", all_bytes(p, PG, 0x77) && all_bytes(p + 2 * PG, PG, 0x77),
	      "MADV_DONTNEED changed pages around it");
	CHECK("madvise-willneed", madvise(p, 3 * PG, MADV_WILLNEED) == 0, "errno %d", errno);
	errno = 0;
	check_err("madvise-unaligned", madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
	munmap(p, 3 * PG);
}

/* Recurse n frames of 4 KiB each, writing every one; returns a sum that depends on all of them. */
__attribute__((noinline)) static int deep(int n)
{
	volatile char buf[4096];
	memset((char *)buf, n & 0x7F, sizeof(buf));
	if (n % 100 == 0)
		getppid(); /* a syscall from deep down must not disturb the frames above */
	return n ? deep(n - 1) + buf[n % 4096] : 0;
}

/* The stack grows on demand to several MiB (the default limit is 8 MiB), syscalls included. */
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Does every page of the span that is still mapped (even i below keep_lo or from keep_hi) hold its own marker? */
static int markers_intact(const unsigned char *span, long pages, long keep_lo, long keep_hi)
{
	for (long i = 0; i < pages; i += 2)
		if ((i < keep_lo || i >= keep_hi) && (span[i * PG] != (unsigned char)(i / 2) || span[i * PG + PG - 1] != 0x77))
			return 0;
	return 1;
}

/* Thousands of areas: placement never overlaps one, splits and cuts across many keep the others whole. */
static void check_many_areas(void)
{
	enum { M = 2000, K = 300 };
	long pages = 2 * M;
	unsigned char *span = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!CHECK("many-areas-span", span != MAP_FAILED, "errno %d", errno))
		return;
	int ok = 1;
	for (long i = 0; i < pages; i += 2) {
		span[i * PG] = (unsigned char)(i / 2);
		span[i * PG + PG - 1] = 0x77;
		ok &= munmap(span + (i + 1) * PG, PG) == 0;
	}
	for (long i = 0; i < pages; i += 8) /* a different protection: areas that could not merge anyway */
		ok &= mprotect(span + i * PG, PG, PROT_READ) == 0;
	CHECK("many-areas-made", ok, "munmap or mprotect of a page failed, errno %d", errno);
	static unsigned char *more[K];
	int fresh = 1, placed = 1;
	for (int k = 0; k < K; k++) {
		more[k] = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (more[k] == MAP_FAILED) {
			placed = 0;
			break;
		}
		fresh &= all_bytes(more[k], PG, 0);
		memset(more[k], 0xee, PG);
	}
	CHECK("many-areas-placed", placed, "mmap %d failed, errno %d", K, errno);
	CHECK("many-areas-fresh-pages", fresh, "a new mapping held bytes already: it overlapped another");
	CHECK("many-areas-kept", markers_intact(span, pages, 0, 0), "a page of the span changed");
	errno = 0;
	check_err("many-areas-noreplace-taken", (long)mmap(span + 1000 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
							     MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
	unsigned char *hole = span + 1001 * PG;
	int in_hole = 1;
	for (int k = 0; k < K && placed; k++) /* the hole may have been taken by one of them: give it back */
		if (more[k] == hole)
			in_hole = munmap(hole, PG) == 0;
	unsigned char *h = mmap(hole, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK("many-areas-noreplace-hole", in_hole && h == hole, "got %p, want %p, errno %d", (void *)h, (void *)hole, errno);
	CHECK("many-areas-cut", munmap(span + M / 2 * PG, M * PG) == 0, "errno %d", errno);
	errno = 0;
	check_err("many-areas-cut-gone", mprotect(span + M * PG, PG, PROT_READ), ENOMEM);
	CHECK("many-areas-cut-kept", markers_intact(span, pages, M / 2, M / 2 + M), "a page outside the cut changed");
	int more_kept = 1;
	for (int k = 0; k < K && placed; k++)
		if ((more[k] < span + M / 2 * PG || more[k] >= span + (M / 2 + M) * PG) && more[k] != hole)
			more_kept &= all_bytes(more[k], PG, 0xee);
	CHECK("many-areas-others-kept", more_kept, "a page mapped after the span changed");
	for (int k = 0; k < K && placed; k++)
		munmap(more[k], PG);
	munmap(span, pages * PG);
}

static void check_stack(void)
{
	int want = 0;
	for (int n = 1; n <= 1500; n++)
		want += n & 0x7F;
	CHECK("stack-6mib", deep(1500) == want, "a 6 MiB recursion came back wrong");
}

int main(void)
{
	check_brk(); /* first, while malloc has not moved the break */
	check_stack();
	check_malloc();
	check_mmap();
	check_mprotect();
	check_mremap();
	check_madvise();
	check_many_areas();
	return t_done();
}
