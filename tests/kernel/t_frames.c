/* Tests of frame allocation, freeing, sharing counts and mapping, with every documented error. */
#include "check.h"

#define VA 0x10000000UL
#define VA2 0x20000000UL /* 2 MiB aligned: a last-level table of its own */
#define VA3 0x30000000UL

int main(void)
{
	check_prog = "frames";
	long warm = page_alloc(0, VA, PTE_W); /* leaves the page tables for VA in place */
	CHECK("warm-up", warm > 0 && sys_unmap(0, VA) == 0 && sys_frame_free(0, warm) == 0);
	uint64_t free0 = KIP->frames_free;
	long fn = sys_frame_alloc(0, -1);
	CHECK("alloc-any", fn > 0);
	CHECK_EQ("free-count-drops", KIP->frames_free, free0 - 1);
	CHECK_EQ("info-owner-refs", sys_frame_info(fn), (long)(ENVINFO->id << 32 | 1));
	CHECK_EQ("alloc-taken", sys_frame_alloc(0, fn), -E_BUSY);
	CHECK_EQ("alloc-bad-number", sys_frame_alloc(0, -5), -E_INVAL);
	CHECK_EQ("alloc-beyond-ram", sys_frame_alloc(0, 1L << 40), -E_INVAL);
	CHECK_EQ("map", sys_map(0, VA, fn, PTE_W), 0);
	*(volatile uint64_t *)VA = 42;
	CHECK_EQ("info-mapped-refs", sys_frame_info(fn) & 0xFFFFFFFF, 2);
	CHECK("uvpt-sees-mapping", (*uvpt_pte(VA) & PTE_ADDR) == (uint64_t)fn * PAGE_SIZE);
	CHECK_EQ("map-kernel-va", sys_map(0, KERNBASE, fn, 0), -E_INVAL);
	CHECK_EQ("map-unaligned", sys_map(0, VA + 1, fn, 0), -E_INVAL);
	CHECK_EQ("map-bad-perm", sys_map(0, VA, fn, PTE_U | PTE_PS), -E_INVAL);
	CHECK_EQ("map-kip-window", sys_map(0, UKIP, fn, 0), -E_INVAL);
	CHECK_EQ("map-unowned", sys_map(0, VA + PAGE_SIZE, 1, 0), -E_PERM);
	CHECK_EQ("protect-ro", sys_protect(0, VA, 0), 0);
	CHECK("uvpt-ro", !(*uvpt_pte(VA) & PTE_W));
	CHECK_EQ("protect-unmapped", sys_protect(0, VA + PAGE_SIZE, 0), -E_NOENT);
	CHECK_EQ("free-while-mapped", sys_frame_free(0, fn), 0);
	CHECK_EQ("still-readable", *(volatile uint64_t *)VA, 42);
	CHECK_EQ("free-again", sys_frame_free(0, fn), -E_PERM);
	CHECK_EQ("unmap", sys_unmap(0, VA), 0);
	CHECK_EQ("back-in-pool", KIP->frames_free, free0);
	CHECK_EQ("free-unowned", sys_frame_free(0, 1), -E_PERM);
	CHECK_EQ("free-bad", sys_frame_free(0, -1), -E_INVAL);
	CHECK_EQ("info-bad", sys_frame_info(-1), -E_INVAL);
	CHECK_EQ("env-not-mine", sys_frame_alloc(12345, -1), -E_NOENT);
	/* a particular frame high in RAM, most likely one never handed out since boot */
	long far = -1;
	for (long f = (long)KIP->frames_total + 1024; f > 0 && far < 0; f--)
		if (sys_frame_alloc(0, f) == f)
			far = f;
	CHECK("alloc-far", far > 0 && (uint64_t)far > KIP->frames_total / 2);
	CHECK_EQ("alloc-far-owned", sys_frame_info(far), (long)(ENVINFO->id << 32 | 1));
	CHECK_EQ("alloc-far-taken", sys_frame_alloc(0, far), -E_BUSY);
	CHECK_EQ("alloc-far-free", sys_frame_free(0, far), 0);
	CHECK_EQ("alloc-far-back", KIP->frames_free, free0);
	CHECK_EQ("alloc-far-again", sys_frame_alloc(0, far), far);
	sys_frame_free(0, far);

	/* sharing with the group: a child may map its parent's frame only once it is shared */
	long sh = page_alloc(0, VA, PTE_W);
	*(volatile uint64_t *)VA = 0x5EED5EED5EEDUL;
	CHECK_EQ("unshared-frame-refused", run("share_child", (uint64_t)sh), 2);
	CHECK_EQ("share-bad-frame", sys_frame_share(-1), -E_INVAL);
	CHECK_EQ("share-unowned", sys_frame_share(1), -E_PERM);
	CHECK_EQ("share", sys_frame_share(sh), 0);
	CHECK_EQ("shared-frame-mapped", run("share_child", (uint64_t)sh), 0);
	CHECK_EQ("shared-write-seen", *(volatile uint64_t *)VA, 0x5EED5EED5EEEUL);
	CHECK_EQ("group-in-envinfo", ENVINFO->group != 0, 1);
	sys_unmap(0, VA);
	sys_frame_free(0, sh);

	/* map_cow: fork's bind */
	uint64_t free1 = KIP->frames_free;
	long child = sys_env_create();
	long f1 = page_alloc(0, VA, PTE_W), f2 = page_alloc(0, VA + PAGE_SIZE, PTE_W | PTE_SHARE),
	     f3 = page_alloc(0, VA + 2 * PAGE_SIZE, PTE_W | PTE_NOCOPY);
	*(volatile uint64_t *)VA = 0xC0C0;
	CHECK_EQ("cow-self-refused", sys_map_cow(0, VA, VA + 3 * PAGE_SIZE), -E_PERM);
	CHECK_EQ("cow-unaligned", sys_map_cow(child, VA + 1, VA + PAGE_SIZE), -E_INVAL);
	CHECK_EQ("cow-across-limit", sys_map_cow(child, USER_LIMIT - PAGE_SIZE, USER_LIMIT + PAGE_SIZE), -E_INVAL);
	CHECK_EQ("cow-no-child", sys_map_cow(12345, VA, VA + PAGE_SIZE), -E_NOENT);
	CHECK_EQ("cow", sys_map_cow(child, VA, VA + 3 * PAGE_SIZE), 0);
	CHECK("cow-own-read-only", (*uvpt_pte(VA) & (PTE_W | PTE_COW)) == PTE_COW);
	CHECK("cow-share-stays-writable", (*uvpt_pte(VA + PAGE_SIZE) & (PTE_W | PTE_COW)) == PTE_W);
	CHECK_EQ("cow-child-maps-frame", sys_frame_info(f1) & 0xFFFFFFFF, 3);
	CHECK_EQ("cow-share-child-maps-frame", sys_frame_info(f2) & 0xFFFFFFFF, 3);
	CHECK_EQ("cow-nocopy-left-out", sys_frame_info(f3) & 0xFFFFFFFF, 2);

	/* cow_break: a copy while the child maps the frame too; the frame itself once it is the only mapping */
	CHECK_EQ("cow-break-unaligned", sys_cow_break(0, VA + 1, PTE_W), -E_INVAL);
	CHECK_EQ("cow-break-bad-perm", sys_cow_break(0, VA, PTE_W | PTE_PS), -E_INVAL);
	CHECK_EQ("cow-break-kernel-va", sys_cow_break(0, KERNBASE, PTE_W), -E_INVAL);
	CHECK_EQ("cow-break-not-cow", sys_cow_break(0, VA + PAGE_SIZE, PTE_W), -E_INVAL);
	CHECK_EQ("cow-break-unmapped", sys_cow_break(0, VA + 3 * PAGE_SIZE, PTE_W), -E_NOENT);
	CHECK_EQ("cow-break-no-env", sys_cow_break(12345, VA, PTE_W), -E_NOENT);
	long c1 = sys_cow_break(0, VA, PTE_W);
	CHECK("cow-break-copies", c1 > 0 && c1 != f1);
	CHECK_EQ("cow-break-copy-holds-bytes", *(volatile uint64_t *)VA, 0xC0C0);
	*(volatile uint64_t *)VA = 7;
	CHECK("cow-break-writable", (*uvpt_pte(VA) & (PTE_W | PTE_COW)) == PTE_W);
	CHECK_EQ("cow-break-copy-refs", sys_frame_info(c1), (long)(ENVINFO->id << 32 | 2));
	CHECK("cow-break-old-hold-dropped",
	      (uint64_t)sys_frame_info(f1) >> 32 != ENVINFO->id && (sys_frame_info(f1) & 0xFFFFFFFF) == 1);
	CHECK_EQ("cow-break-child-adopts", sys_cow_break(child, VA, PTE_W), f1);
	CHECK_EQ("cow-break-child-owns", sys_frame_info(f1), (long)((uint64_t)child << 32 | 2));
	CHECK_EQ("cow-child-gone", sys_env_destroy(child), 0);
	CHECK_EQ("cow-share-refs-back", sys_frame_info(f2) & 0xFFFFFFFF, 2);
	long child2 = sys_env_create();
	CHECK_EQ("cow-again", sys_map_cow(child2, VA, VA + PAGE_SIZE), 0);
	CHECK_EQ("cow-child2-gone", sys_env_destroy(child2), 0);
	/* map_cow_ranges: several ranges in one call, all checked before any is bound */
	long child2b = sys_env_create();
	unsigned long two[2][2] = { { VA, VA + PAGE_SIZE }, { VA + PAGE_SIZE, VA + 2 * PAGE_SIZE } };
	unsigned long bad[2][2] = { { VA, VA + PAGE_SIZE }, { VA + 1, VA + PAGE_SIZE } };
	long refs1 = sys_frame_info(c1) & 0xFFFFFFFF, refs2 = sys_frame_info(f2) & 0xFFFFFFFF;
	CHECK_EQ("cow-ranges-none", sys_map_cow_ranges(child2b, two, 0), -E_INVAL);
	CHECK_EQ("cow-ranges-too-many", sys_map_cow_ranges(child2b, two, COW_RANGES_MAX + 1), -E_INVAL);
	CHECK_EQ("cow-ranges-unreadable", sys_map_cow_ranges(child2b, (const void *)KERNBASE, 1), -E_FAULT);
	CHECK_EQ("cow-ranges-self-refused", sys_map_cow_ranges(0, two, 2), -E_PERM);
	CHECK_EQ("cow-ranges-no-child", sys_map_cow_ranges(12345, two, 2), -E_NOENT);
	CHECK_EQ("cow-ranges-one-bad", sys_map_cow_ranges(child2b, bad, 2), -E_INVAL);
	CHECK_EQ("cow-ranges-bad-binds-nothing", sys_frame_info(c1) & 0xFFFFFFFF, refs1);
	CHECK_EQ("cow-ranges", sys_map_cow_ranges(child2b, two, 2), 0);
	CHECK_EQ("cow-ranges-first-bound", sys_frame_info(c1) & 0xFFFFFFFF, refs1 + 1);
	CHECK_EQ("cow-ranges-second-bound", sys_frame_info(f2) & 0xFFFFFFFF, refs2 + 1);
	CHECK_EQ("cow-ranges-child-gone", sys_env_destroy(child2b), 0);
	CHECK_EQ("cow-break-own-frame-kept", sys_cow_break(0, VA, PTE_W), c1);
	CHECK_EQ("cow-break-kept-bytes", *(volatile uint64_t *)VA, 7);
	CHECK_EQ("cow-break-kept-refs", sys_frame_info(c1) & 0xFFFFFFFF, 2);
	for (int i = 0; i < 3; i++)
		sys_unmap(0, VA + (uint64_t)i * PAGE_SIZE);
	sys_frame_free(0, c1);
	sys_frame_free(0, f2);
	sys_frame_free(0, f3);
	CHECK_EQ("cow-frames-back", KIP->frames_free, free1);

	/* a write to a copy-on-write page: the kernel makes the copy, as cow_break would, keeping NX (this
	 * program has no exception handler: a fault that reached it would end the test) */
	uint64_t free_w = KIP->frames_free;
	long child_w = sys_env_create();
	long h1 = page_alloc(0, VA, PTE_W | PTE_NX), h3 = page_alloc(0, VA + PAGE_SIZE, PTE_W | PTE_NOCOPY);
	*(volatile uint64_t *)VA = 0xD1; /* (h3 keeps the table from being shared whole: its entries are copied) */
	CHECK_EQ("cow-write-bind", sys_map_cow(child_w, VA, VA + PAGE_SIZE), 0);
	*(volatile uint64_t *)VA = 0xD2;
	uint64_t pte = *uvpt_pte(VA);
	long h2 = (long)((pte & PTE_ADDR) / PAGE_SIZE);
	CHECK("cow-write-own-writable", (pte & (PTE_W | PTE_COW | PTE_NX)) == (PTE_W | PTE_NX));
	CHECK("cow-write-copied", h2 != h1 && *(volatile uint64_t *)VA == 0xD2);
	CHECK_EQ("cow-write-child-keeps-frame", sys_map_copy(child_w, VA, 0, VA + 2 * PAGE_SIZE, 0), 0);
	CHECK_EQ("cow-write-child-old-bytes", *(volatile uint64_t *)(VA + 2 * PAGE_SIZE), 0xD1);
	sys_unmap(0, VA + 2 * PAGE_SIZE); /* (a page in VA's own table: no new table to count) */
	CHECK_EQ("cow-write-child-gone", sys_env_destroy(child_w), 0);
	sys_unmap(0, VA);
	sys_unmap(0, VA + PAGE_SIZE);
	sys_frame_free(0, h2);
	sys_frame_free(0, h3);
	CHECK_EQ("cow-write-frames-back", KIP->frames_free, free_w);

	/* map_cow of a whole last-level table shares it: one reference for the table, copied on the first change */
	uint64_t free2 = KIP->frames_free;
	long child3 = sys_env_create();
	long g1 = page_alloc(0, VA2, PTE_W), g2 = page_alloc(0, VA2 + 511 * PAGE_SIZE, 0);
	*(volatile uint64_t *)VA2 = 0xAB;
	CHECK_EQ("share-table", sys_map_cow(child3, VA2, VA2 + 512 * PAGE_SIZE), 0);
	CHECK("share-table-own-read-only", (*uvpt_pte(VA2) & (PTE_W | PTE_COW)) == PTE_COW);
	CHECK_EQ("share-table-one-ref", sys_frame_info(g1) & 0xFFFFFFFF, 2);
	long pm = page_alloc(0, VA2 + PAGE_SIZE, PTE_W); /* a change: the parent's table becomes its own */
	CHECK_EQ("share-table-copied-on-map", sys_frame_info(g1) & 0xFFFFFFFF, 3);
	CHECK_EQ("share-table-uvpt-sees-copy", (long)((*uvpt_pte(VA2 + PAGE_SIZE) & PTE_ADDR) / PAGE_SIZE), pm);
	CHECK_EQ("share-table-child-unchanged", sys_map_copy(child3, VA2 + PAGE_SIZE, 0, VA3, 0), -E_NOENT);
	CHECK_EQ("share-table-child-sees", sys_map_copy(child3, VA2 + 511 * PAGE_SIZE, 0, VA3, 0), 0);
	CHECK_EQ("share-table-child-frame", (long)((*uvpt_pte(VA3) & PTE_ADDR) / PAGE_SIZE), g2);
	sys_unmap(0, VA3);
	long c3 = sys_cow_break(child3, VA2, PTE_W);
	CHECK("share-table-child-break-copies", c3 > 0 && c3 != g1);
	CHECK_EQ("share-table-parent-takes-over", sys_cow_break(0, VA2, PTE_W), g1);
	CHECK_EQ("share-table-bytes", *(volatile uint64_t *)VA2, 0xAB);
	long child4 = sys_env_create();
	CHECK_EQ("share-table-again", sys_map_cow(child4, VA2, VA2 + 512 * PAGE_SIZE), 0);
	CHECK_EQ("share-table-child4-gone", sys_env_destroy(child4), 0); /* drops the table's reference only */
	CHECK_EQ("share-table-refs-after-end", sys_frame_info(g2) & 0xFFFFFFFF, 3); /* owner, parent, child3 */
	CHECK_EQ("share-table-child3-gone", sys_env_destroy(child3), 0);
	CHECK_EQ("share-table-last-sharer-gone", sys_frame_info(g2) & 0xFFFFFFFF, 2);
	for (uint64_t va = VA2; va < VA2 + 512 * PAGE_SIZE; va += PAGE_SIZE)
		sys_unmap(0, va);
	sys_frame_free(0, g1);
	sys_frame_free(0, g2);
	sys_frame_free(0, pm);
	CHECK_EQ("share-table-frames-back", KIP->frames_free,
		 free2 - 2); /* but the two tables the parent made for VA2 and VA3 */

	/* unmap_range: every page of a range in one call, the caller's own frames freed with UNMAP_FREE */
	uint64_t free3 = KIP->frames_free;
	CHECK_EQ("range-unaligned", sys_unmap_range(0, VA + 1, VA + PAGE_SIZE, 0), -E_INVAL);
	CHECK_EQ("range-backwards", sys_unmap_range(0, VA + PAGE_SIZE, VA, 0), -E_INVAL);
	CHECK_EQ("range-kernel", sys_unmap_range(0, VA, KERNBASE, 0), -E_INVAL);
	CHECK_EQ("range-bad-flags", sys_unmap_range(0, VA, VA + PAGE_SIZE, 2), -E_INVAL);
	CHECK_EQ("range-no-env", sys_unmap_range(12345, VA, VA + PAGE_SIZE, 0), -E_NOENT);
	long r1 = page_alloc(0, VA, PTE_W), r2 = page_alloc(0, VA + 2 * PAGE_SIZE, PTE_W);
	CHECK_EQ("range-keep", sys_unmap_range(0, VA + 2 * PAGE_SIZE, VA + 3 * PAGE_SIZE, 0), 1);
	CHECK_EQ("range-kept-frame", sys_frame_info(r2), (long)(ENVINFO->id << 32 | 1));
	CHECK_EQ("range-free", sys_unmap_range(0, VA, VA + 4 * PAGE_SIZE, UNMAP_FREE), 1);
	CHECK("range-gone", !(*uvpt_pte(VA) & PTE_P) && !(*uvpt_pte(VA + 2 * PAGE_SIZE) & PTE_P));
	CHECK_EQ("range-freed-frame", sys_frame_info(r1) >> 32, 0);
	sys_frame_free(0, r2);
	CHECK_EQ("range-frames-back", KIP->frames_free, free3);
	/* a whole table shared with a child: the caller's reference goes, the child keeps its pages */
	long child5 = sys_env_create();
	long s1 = page_alloc(0, VA2, PTE_W), s2 = page_alloc(0, VA2 + 100 * PAGE_SIZE, PTE_W);
	*(volatile uint64_t *)VA2 = 0x5151;
	CHECK_EQ("range-share", sys_map_cow(child5, VA2, VA2 + 512 * PAGE_SIZE), 0);
	CHECK_EQ("range-whole-table", sys_unmap_range(0, VA2, VA2 + 512 * PAGE_SIZE, UNMAP_FREE), 2);
	CHECK("range-whole-gone", !(*uvpt_pde(VA2) & PTE_P) || !(*uvpt_pte(VA2) & PTE_P));
	CHECK_EQ("range-child-keeps", sys_frame_info(s1) & 0xFFFFFFFF, 1); /* orphaned: mapped by the child alone */
	CHECK_EQ("range-child-sees", sys_map_copy(child5, VA2, 0, VA3, 0), 0);
	CHECK_EQ("range-child-bytes", *(volatile uint64_t *)VA3, 0x5151);
	sys_unmap(0, VA3);
	CHECK_EQ("range-child-gone", sys_env_destroy(child5), 0);
	CHECK_EQ("range-orphans-back", sys_frame_info(s2) & 0xFFFFFFFF, 0);
	CHECK_EQ("range-shared-frames-back", KIP->frames_free,
		 free3 + 1); /* and the table VA2 had, gone with the child */

	/* page_alloc_range: zeroed frames of the caller's at every unmapped page of a run, mapped ones kept */
	uint64_t free4 = KIP->frames_free;
	CHECK_EQ("fill-unaligned", sys_page_alloc_range(0, VA + 1, 1, PTE_W), -E_INVAL);
	CHECK_EQ("fill-none", sys_page_alloc_range(0, VA, 0, PTE_W), -E_INVAL);
	CHECK_EQ("fill-negative", sys_page_alloc_range(0, VA, -1, PTE_W), -E_INVAL);
	CHECK_EQ("fill-too-many", sys_page_alloc_range(0, VA, PAGE_RANGE_MAX + 1, PTE_W), -E_INVAL);
	CHECK_EQ("fill-kernel", sys_page_alloc_range(0, KERNBASE, 1, PTE_W), -E_INVAL);
	CHECK_EQ("fill-past-user", sys_page_alloc_range(0, USER_LIMIT - PAGE_SIZE, 2, PTE_W), -E_INVAL);
	CHECK_EQ("fill-bad-perm", sys_page_alloc_range(0, VA, 1, 1L << 3), -E_INVAL);
	CHECK_EQ("fill-no-env", sys_page_alloc_range(12345, VA, 1, PTE_W), -E_NOENT);
	CHECK_EQ("fill-untouched", KIP->frames_free, free4);
	long kept = page_alloc(0, VA + 2 * PAGE_SIZE, PTE_W);
	*(volatile uint64_t *)(VA + 2 * PAGE_SIZE) = 0x6262;
	CHECK_EQ("fill-run", sys_page_alloc_range(0, VA, 4, PTE_W), 3);
	bool zero = true, own = true;
	for (uint64_t va = VA; va < VA + 4 * PAGE_SIZE; va += PAGE_SIZE) {
		if (va == VA + 2 * PAGE_SIZE)
			continue;
		for (uint64_t off = 0; off < PAGE_SIZE; off += 8)
			zero = zero && *(volatile uint64_t *)(va + off) == 0;
		own = own && (*uvpt_pte(va) & PTE_P) && (*uvpt_pte(va) & PTE_W) &&
		      (uint64_t)sys_frame_info((long)((*uvpt_pte(va) & PTE_ADDR) / PAGE_SIZE)) >> 32 == ENVINFO->id;
		*(volatile uint64_t *)va = 1; /* writable */
	}
	CHECK("fill-zeroed", zero);
	CHECK("fill-owned-writable", own);
	CHECK_EQ("fill-kept-page", *(volatile uint64_t *)(VA + 2 * PAGE_SIZE), 0x6262);
	CHECK_EQ("fill-kept-frame", (long)((*uvpt_pte(VA + 2 * PAGE_SIZE) & PTE_ADDR) / PAGE_SIZE), kept);
	CHECK_EQ("fill-all-there", sys_page_alloc_range(0, VA, 4, PTE_W), 0);
	CHECK_EQ("fill-read-only", sys_page_alloc_range(0, VA + 4 * PAGE_SIZE, 1, 0), 1);
	CHECK("fill-read-only-perm", (*uvpt_pte(VA + 4 * PAGE_SIZE) & PTE_P) && !(*uvpt_pte(VA + 4 * PAGE_SIZE) & PTE_W));
	CHECK_EQ("fill-freed", sys_unmap_range(0, VA, VA + 5 * PAGE_SIZE, UNMAP_FREE), 5);
	CHECK_EQ("fill-frames-back", KIP->frames_free, free4);
	/* a child's run, reclaimed with it */
	long child6 = sys_env_create();
	CHECK_EQ("fill-child", sys_page_alloc_range(child6, VA, 8, PTE_W), 8);
	CHECK_EQ("fill-child-gone", sys_env_destroy(child6), 0);
	CHECK_EQ("fill-child-frames-back", KIP->frames_free, free4);

	/* page_alloc_copy: a fresh frame holding bytes of the caller's, zeros after them */
	static char text[PAGE_SIZE + 16];
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)(i * 7 + 1);
	CHECK_EQ("copy-unaligned", sys_page_alloc_copy(0, VA + 1, text, 8, PTE_W), -E_INVAL);
	CHECK_EQ("copy-too-long", sys_page_alloc_copy(0, VA, text, PAGE_SIZE + 1, PTE_W), -E_INVAL);
	CHECK_EQ("copy-negative", sys_page_alloc_copy(0, VA, text, -1, PTE_W), -E_INVAL);
	CHECK_EQ("copy-kernel", sys_page_alloc_copy(0, KERNBASE, text, 8, PTE_W), -E_INVAL);
	CHECK_EQ("copy-bad-perm", sys_page_alloc_copy(0, VA, text, 8, 1L << 3), -E_INVAL);
	CHECK_EQ("copy-no-env", sys_page_alloc_copy(12345, VA, text, 8, PTE_W), -E_NOENT);
	CHECK_EQ("copy-bad-source", sys_page_alloc_copy(0, VA, (const void *)KERNBASE, 8, PTE_W), -E_FAULT);
	CHECK_EQ("copy-unmapped-source", sys_page_alloc_copy(0, VA, (const void *)VA3, 8, PTE_W), -E_FAULT);
	CHECK_EQ("copy-failures-take-nothing", KIP->frames_free, free4);
	long cf = sys_page_alloc_copy(0, VA, text + 3, 100, 0);
	CHECK("copy", cf > 0);
	bool same = true;
	for (size_t i = 0; i < PAGE_SIZE; i++)
		same = same && *(volatile char *)(VA + i) == (i < 100 ? text[3 + i] : 0);
	CHECK("copy-bytes-then-zeros", same);
	CHECK("copy-perm-owner", (*uvpt_pte(VA) & PTE_P) && !(*uvpt_pte(VA) & PTE_W) &&
					 (uint64_t)sys_frame_info(cf) >> 32 == ENVINFO->id);
	CHECK_EQ("copy-mapped-refused", sys_page_alloc_copy(0, VA, text, 8, PTE_W), -E_BUSY);
	CHECK_EQ("copy-whole-page", sys_page_alloc_copy(0, VA + PAGE_SIZE, text + 16, PAGE_SIZE, PTE_W) > 0, 1);
	CHECK_EQ("copy-whole-page-bytes", *(volatile char *)(VA + 2 * PAGE_SIZE - 1), text[16 + PAGE_SIZE - 1]);
	CHECK_EQ("copy-nothing-is-zeros", sys_page_alloc_copy(0, VA + 2 * PAGE_SIZE, NULL, 0, PTE_W) > 0, 1);
	CHECK_EQ("copy-zeros", *(volatile uint64_t *)(VA + 3 * PAGE_SIZE - 8), 0);
	CHECK_EQ("copy-freed", sys_unmap_range(0, VA, VA + 3 * PAGE_SIZE, UNMAP_FREE), 3);
	CHECK_EQ("copy-frames-back", KIP->frames_free, free4);
	return CHECK_DONE();
}
