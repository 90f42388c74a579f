/* The program's address space: areas (VMAs), pages filled on first touch, brk, mmap and friends. */
#include "libos/lx/lx.h"
#include "libos/lx/vfs.h"

/*
 * Every range the program may use is a struct vma on a sorted list, and in a
 * balanced tree by address over the same nodes (see area_root). Pages
 * are not mapped until first touched: the page-fault upcall lands in
 * lx_fault (fault.c), which allocates a frame, fills it (zeros, or the file's bytes)
 * and maps it with the area's permissions. lx reads the page tables through
 * the kernel's read-only window to find what is mapped.
 */

/* The area list, the break and the stack's extent are the process's entry's, so /proc can read any process's. */
#define vmas (lx_me->vmas)
#define brk_base (lx_me->brk_base)
#define brk_cur (lx_me->brk_cur)
#define stack_low (lx_me->stack_low) /* the lowest page of the stack touched: Linux's stack area begins here */
static uint64_t moving; /* bytes of an area that mremap is moving: counted once against the limits, not twice */

/* The page-table entry that maps va, or 0 if none. */
static uint64_t pte_of(uint64_t va)
{
	if (!(*uvpt_pml4e(va) & PTE_P) || !(*uvpt_pdpte(va) & PTE_P) || !(*uvpt_pde(va) & PTE_P))
		return 0;
	return *uvpt_pte(va);
}

/*
 * Pages of a PROT_NONE area keep their contents but must not be reachable:
 * they are unmapped and their frames "parked" here until mprotect makes the
 * area accessible again (or munmap frees them).
 */
struct parked {
	uint64_t va, fn;
	struct parked *next;
};
static LX_FORKED struct parked *parked;

/* Unmap the page at va (mapped, pte) and remember its frame. */
static void park(uint64_t va, uint64_t pte)
{
	struct parked *p = lx_alloc(sizeof(*p));
	if (!p)
		return; /* out of lx memory: leave it mapped read-only */
	*p = (struct parked){ va, (pte & PTE_ADDR) / PAGE_SIZE, parked };
	parked = p;
	sys_unmap(0, va);
}

/* Map every parked page in [start, end) back with perm, or free them when perm is 0. */
static void unpark(uint64_t start, uint64_t end, uint64_t perm, bool free)
{
	for (struct parked **pp = &parked; *pp;) {
		struct parked *p = *pp;
		if (p->va < start || p->va >= end) {
			pp = &p->next;
			continue;
		}
		if (free)
			sys_frame_free(0, (long)p->fn);
		else
			sys_map(0, p->va, (long)p->fn, (long)perm);
		*pp = p->next;
		lx_free(p);
	}
}

static bool file_shared(const struct vma *v);

/*
 * Unmap every page of area v mapped (or parked) in [start, end) and free
 * their frames, but for the file's own pages, which stay with the file: all
 * of a shared file area's, and those a private area maps of a file that
 * gives its pages (file_pages: PTE_SHARE in it). One kernel call for the
 * range, after one for each such page of a private area.
 */
static void drop_pages(const struct vma *v, uint64_t start, uint64_t end)
{
	if (parked)
		unpark(start, end, 0, true);
	if (v->held && !file_shared(v))
		for (uint64_t va = start; va < end; va += PAGE_SIZE)
			if ((pte_of(va) & (PTE_P | PTE_SHARE)) == (PTE_P | PTE_SHARE))
				sys_unmap(0, va);
	sys_unmap_range(0, start, end, file_shared(v) ? 0 : UNMAP_FREE);
}

/*
 * The tree of the areas. Its nodes are the areas themselves (in lx's heap, as
 * the list is, so that /proc and a fork's copy need no more), so its root is
 * the top ancestor of the first area; `tree` keeps it while the first area is
 * the one it was found from, `tree_first`. A forked child starts with its
 * parent's two values here and a list of its own (mem_fork_copy builds the
 * copy's tree): the first lookup finds its own root. `last` is the area the
 * last lookup found or the last mmap made, looked at before the tree: an mmap,
 * the first touch of its pages and its munmap find the same area, so the two
 * lookups after the mmap cost no walk down the tree.
 */
static LX_FORKED struct avl_node *tree;
static LX_FORKED struct vma *tree_first, *last;

static struct vma *vma_of(const struct avl_node *n)
{
	return n ? container_of(n, struct vma, node) : NULL;
}

/* The tree's root pointer, right for this process's list. */
static struct avl_node **area_root(void)
{
	if (tree_first != vmas) {
		struct avl_node *n = vmas ? &vmas->node : NULL;
		while (n && n->parent)
			n = n->parent;
		tree = n;
		tree_first = vmas;
		last = NULL;
	}
	return &tree;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * The free room between an area ending at end and the next, starting at start, that lies below LX_MMAP_TOP,
 * the only room find_gap looks for. What is above it (up to the stack) is left out of the summaries, so that
 * a mapping made or removed at the top of the mmap area changes only the summaries near it, not every one up
 * to the root, as the room up to the stack would.
 */
static uint64_t room(uint64_t end, uint64_t start)
{
	start = start < LX_MMAP_TOP ? start : LX_MMAP_TOP;
	return start > end ? start - end : 0;
}

/* What the tree keeps of n's subtree: its extent and its largest room (above) between two areas; true if changed. */
static bool area_update(struct avl_node *n)
{
	struct vma *v = vma_of(n), *l = vma_of(n->left), *r = vma_of(n->right);
	uint64_t lo = l ? l->lo : v->start, hi = r ? r->hi : v->end;
	uint64_t gap = l ? max_u64(l->gap, room(l->hi, v->start)) : 0;
	if (r)
		gap = max_u64(gap, max_u64(r->gap, room(v->end, r->lo)));
	bool changed = lo != v->lo || hi != v->hi || gap != v->gap;
	v->lo = lo;
	v->hi = hi;
	v->gap = gap;
	return changed;
}

/* Is addr in the area last found? */
static bool in_last(uint64_t addr)
{
	return last && addr >= last->start && addr < last->end;
}

/* The area holding addr, or NULL. */
static struct vma *vma_find(uint64_t addr)
{
	struct avl_node *n = *area_root();
	if (in_last(addr))
		return last;
	while (n) {
		struct vma *v = vma_of(n);
		if (addr < v->start)
			n = n->left;
		else if (addr >= v->end)
			n = n->right;
		else
			return last = v;
	}
	return NULL;
}

/* The first area that ends after addr (the one holding it, or the next above), or NULL. */
static struct vma *vma_from(uint64_t addr)
{
	struct vma *found = NULL;
	struct avl_node *n = *area_root();
	if (in_last(addr))
		return last; /* areas do not overlap: the one holding addr is the first to end after it */
	while (n) {
		struct vma *v = vma_of(n);
		if (v->end > addr) {
			found = v;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return found;
}

/* Where the list's link to v is: the previous area's next, or the list's head. */
static struct vma **vma_link(struct vma *v)
{
	struct vma *prev = vma_of(avl_prev(&v->node));
	return prev ? &prev->next : &vmas;
}

struct vma *mem_area_at(uint64_t addr)
{
	return vma_find(addr);
}

static bool overlaps(uint64_t start, uint64_t end)
{
	struct vma *v = vma_from(start);
	return v && v->start < end;
}

/* Is addr in the stack area, which grows down to stack_low as it is touched? */
static bool in_stack(uint64_t addr)
{
	return addr >= LX_STACK_TOP - LX_STACK_AREA && addr < LX_STACK_TOP;
}

/* A data area, as RLIMIT_DATA counts them: private, writable, not the stack. */
static bool is_data(const struct vma *v)
{
	return (v->prot & PROT_WRITE) && !(v->flags & MAP_SHARED) && !in_stack(v->start);
}

/* Bytes of areas in [start, end) (the stack's from stack_low up); only data areas' when data. */
static uint64_t area_bytes(uint64_t start, uint64_t end, bool data)
{
	uint64_t n = 0;
	for (struct vma *v = vma_from(start); v && v->start < end; v = v->next) {
		uint64_t lo = v->start > start ? v->start : start, hi = v->end < end ? v->end : end;
		if (in_stack(v->start) && lo < stack_low)
			lo = stack_low;
		if (hi > lo && (!data || is_data(v)))
			n += hi - lo;
	}
	return n;
}

/*
 * May [addr, addr + len) become an area (a data area when data), replacing
 * what is there? Not when the program's areas would then pass RLIMIT_AS, or
 * its data areas RLIMIT_DATA, as Linux refuses such an mmap or brk.
 */
static bool within_limits(uint64_t addr, uint64_t len, bool data)
{
	uint64_t as = lx_rlimit(RLIMIT_AS), dl = lx_rlimit(RLIMIT_DATA);
	if (as != RLIM_INFINITY && area_bytes(0, ~0UL, false) - area_bytes(addr, addr + len, false) - moving + len > as)
		return false;
	return !data || dl == RLIM_INFINITY ||
	       area_bytes(0, ~0UL, true) - area_bytes(addr, addr + len, true) - moving + len <= dl;
}

/* Add n (overlapping no area) to the tree and the list. */
static void vma_insert(struct vma *n)
{
	struct avl_node **root = area_root(), **link = root, *parent = NULL;
	while (*link) {
		parent = *link;
		link = n->start < vma_of(parent)->start ? &parent->left : &parent->right;
	}
	avl_insert(root, &n->node, parent, link, area_update);
	struct vma **pp = vma_link(n);
	n->next = *pp;
	*pp = n;
	tree_first = vmas;
	last = n;
}

/* Take v off the tree and the list. */
static void vma_unlink(struct vma *v)
{
	struct avl_node **root = area_root();
	*vma_link(v) = v->next;
	avl_remove(root, &v->node, area_update);
	tree_first = vmas;
	if (last == v)
		last = NULL;
}

/* A shared mapping of a regular file: its pages are the file's own pages (the inode's, in lx's heap). */
static bool file_shared(const struct vma *v)
{
	return v->file && (v->flags & MAP_SHARED);
}

/*
 * Are v's pages its file's own (mapped with PTE_SHARE, never freed by the
 * area)? A shared file area's are; so are a private area's, never writable,
 * that holds the pages of a file that gives them (a disk volume's file:
 * program text and read-only data share the disk cache's pages). An area
 * made writable stops it (mem_protect): its pages are then copies.
 */
static bool file_pages(const struct vma *v)
{
	return file_shared(v) || (v->held && !v->written);
}

/* v (a new area, or a copy of one) holds its file, and counts as a mapping of the file's pages (its inode's, or as the file's share_hold counts). */
static void vma_hold(struct vma *v)
{
	if (v->file)
		v->file->refs++;
	v->held = v->file && v->file->ops->share_hold && v->file->ops->share_hold(v->file, 1, file_shared(v));
	if (file_shared(v) && !v->file->ops->share_hold)
		v->file->inode->maps++;
}

static void vma_release(struct vma *v)
{
	if (v->held)
		v->file->ops->share_hold(v->file, -1, file_shared(v));
	else if (file_shared(v) && !v->file->ops->share_hold)
		v->file->inode->maps--;
	if (v->file)
		file_put(v->file);
	lx_free(v);
}

/* Split v at addr (inside it); the upper half is the new next. false when out of memory. */
static bool vma_split(struct vma *v, uint64_t addr)
{
	struct vma *u = lx_alloc(sizeof(*u));
	if (!u)
		return false;
	*u = *v;
	u->start = addr;
	u->offset = v->offset + (addr - v->start);
	vma_hold(u);
	v->end = addr;
	v->next = u;
	avl_insert_after(area_root(), &u->node, &v->node, area_update); /* v's summary is made again on the way up */
	return true;
}

/* Remove [start, end) from the area list and the page tables. */
static long vma_cut(uint64_t start, uint64_t end)
{
	if (lx_rewrite_touched(start, end))
		lx_rewrite_release(start, end, false);
	struct vma *v = vma_from(start);
	while (v && v->start < end) {
		if (v->start < start) {
			if (!vma_split(v, start))
				return -ENOMEM;
			v = v->next;
			continue;
		}
		if (v->end > end && !vma_split(v, end))
			return -ENOMEM;
		struct vma *next = v->next;
		vma_unlink(v);
		drop_pages(v, v->start, v->end);
		vma_release(v);
		v = next;
	}
	return 0;
}

void mem_init(uint64_t brk_start)
{
	brk_base = brk_cur = PGROUNDUP_U(brk_start);
}

/*
 * The highest address a with [a, a + len) free, between two areas of n's
 * subtree, and a + len <= top (top >= len); 0 if there is none. The tree's
 * summaries lead it down one path: O(log n).
 */
static uint64_t gap_below(const struct avl_node *n, uint64_t len, uint64_t top)
{
	const struct vma *v = vma_of(n), *l, *r;
	if (!v || v->gap < len || v->lo > top - len)
		return 0;
	l = vma_of(n->left);
	r = vma_of(n->right);
	uint64_t a = gap_below(n->right, len, top);
	if (a)
		return a;
	if (r && (r->lo < top ? r->lo : top) >= v->end + len)
		return (r->lo < top ? r->lo : top) - len;
	if (l && (v->start < top ? v->start : top) >= l->hi + len)
		return (v->start < top ? v->start : top) - len;
	return gap_below(n->left, len, top);
}

/* The highest free range of len bytes ending at or below top (len <= top): its start, or 0 (none above 64 KiB). */
static uint64_t highest_gap(uint64_t top, uint64_t len)
{
	const struct vma *all = vma_of(*area_root());
	uint64_t cand = 0;
	if (!all || all->hi <= top - len) /* above every area */
		cand = top - len;
	else if (!(cand = gap_below(&all->node, len, top)) && (all->lo < top ? all->lo : top) >= len)
		cand = (all->lo < top ? all->lo : top) - len; /* below every area */
	return cand >= 0x10000 ? cand : 0;
}

/* A free range of len bytes (at most LX_MMAP_TOP), highest first below LX_MMAP_TOP, honouring a free hint. */
static uint64_t find_gap(uint64_t hint, uint64_t len)
{
	if (hint && hint + len <= LX_MMAP_TOP && hint + len > hint && !overlaps(hint, hint + len))
		return hint;
	return highest_gap(LX_MMAP_TOP, len); /* (no area straddles LX_MMAP_TOP) */
}

uint64_t mem_gap_below(uint64_t addr, uint64_t len)
{
	uint64_t top = addr & ~(PAGE_SIZE - 1);
	return top >= len ? highest_gap(top, len) : 0;
}

long mem_map(uint64_t addr, uint64_t len, int prot, int flags, struct file *f, uint64_t off)
{
	if (len == 0 || (addr & (PAGE_SIZE - 1)) || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	len = PGROUNDUP_U(len);
	if (len == 0 || len > LX_MMAP_TOP)
		return -ENOMEM;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr + len > LX_MMAP_TOP || addr + len < addr)
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && overlaps(addr, addr + len))
			return -EEXIST;
	} else if (!(addr = find_gap(addr, len))) {
		return -ENOMEM;
	}
	if (!within_limits(addr, len, (prot & PROT_WRITE) && !(flags & MAP_SHARED)))
		return -ENOMEM;
	if (fixed) {
		long r = vma_cut(addr, addr + len);
		if (r < 0)
			return r;
	}
	struct vma *v = lx_alloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = addr, .end = addr + len, .prot = prot, .flags = flags, .file = f, .offset = off,
			   .written = prot & PROT_WRITE };
	vma_hold(v);
	vma_insert(v);
	return (long)addr;
}

long mem_unmap(uint64_t addr, uint64_t len)
{
	if (len == 0 || (addr & (PAGE_SIZE - 1)) || addr + len < addr)
		return -EINVAL;
	return vma_cut(addr, addr + PGROUNDUP_U(len));
}

static uint64_t pte_perm(int prot);
static uint64_t pte_perm(int prot)
{
	return ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? 0 : PTE_NX);
}

long mem_protect(uint64_t addr, uint64_t len, int prot)
{
	if ((addr & (PAGE_SIZE - 1)) || addr + len < addr)
		return -EINVAL;
	uint64_t end = addr + PGROUNDUP_U(len);
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	if (lx_rewrite_touched(addr, end)) /* stubs there may stop being code: their sites go back to what they were */
		lx_rewrite_release(addr, end, false);
	for (uint64_t a = addr; a < end;) {
		struct vma *v = vma_find(a);
		if (v->start < a && !vma_split(v, a))
			return -ENOMEM;
		v = vma_find(a);
		if (v->end > end && !vma_split(v, end))
			return -ENOMEM;
		if ((prot & PROT_WRITE) && file_pages(v) && !file_shared(v)) /* the file's pages: a store must not */
			drop_pages(v, v->start, v->end);                      /* reach them, a copy is made */
		v->prot = prot;
		v->written |= prot & PROT_WRITE;
		for (uint64_t p = v->start; p < v->end; p += PAGE_SIZE) {
			uint64_t pte = pte_of(p);
			if (!(pte & PTE_P))
				continue;
			if (prot == PROT_NONE && file_pages(v))
				sys_unmap(0, p); /* the file keeps the page; a later touch maps it again */
			else if (prot == PROT_NONE)
				park(p, pte);
			else if (pte & PTE_COW) /* still shared with a fork: stays read-only until written */
				sys_protect(0, p, (long)((pte_perm(prot) & ~PTE_W) | ((prot & PROT_WRITE) ? PTE_COW : 0)));
			else
				sys_protect(0, p, (long)(pte_perm(prot) | (pte & PTE_SHARE)));
		}
		if (prot != PROT_NONE && parked)
			unpark(v->start, v->end, pte_perm(prot), false);
		a = v->end;
	}
	return 0;
}

/* Pages of a shared area are the same frames in every process that has the area: PTE_SHARE. */
static uint64_t share_bit(const struct vma *v)
{
	return (v->flags & MAP_SHARED) ? PTE_SHARE : 0;
}

/*
 * Map the file's own page for va of area v whose pages are its file's (file_pages: its file's share_page, or its
 * inode's), with PTE_SHARE; SIGBUS past the file's end. 0 or a signal.
 */
static int map_file_page(struct vma *v, uint64_t va)
{
	struct inode *n = v->file->inode;
	uint64_t off = v->offset + (va - v->start);
	char *page = v->file->ops->share_page ? v->file->ops->share_page(v->file, off)
		     : off < n->size ? reg_page(n, off / PAGE_SIZE) : NULL;
	if (!page)
		return SIGBUS;
	(void)*(volatile char *)page; /* made by another process? then this maps it here */
	uint64_t fn = (pte_of((uint64_t)page) & PTE_ADDR) / PAGE_SIZE;
	return sys_map(0, va, (long)fn, (long)(pte_perm(v->prot) | PTE_SHARE)) == 0 ? 0 : SIGBUS;
}

/*
 * Fault-around for anonymous memory being touched in order (a buffer filled,
 * an array cleared, a heap growing): a fault on the page right after the last
 * ones a fault filled, in an area that is not the stack, fills the next
 * FAULT_AROUND pages of the area at once (those not there yet), in one kernel
 * call; any other fault fills its page alone, so memory touched here and there
 * costs no more than it did. next_fill is this process's; lx's lock orders the
 * faults of its threads.
 */
#define FAULT_AROUND 16
static uint64_t next_fill = 1; /* the page after the last run a fault filled (1: none yet) */

static bool fill_zeros(struct vma *v, uint64_t va, uint64_t perm)
{
	long n = 1;
	if (va == next_fill && !in_stack(va))
		n = (long)((v->end - va) / PAGE_SIZE) < FAULT_AROUND ? (long)((v->end - va) / PAGE_SIZE) : FAULT_AROUND;
	long r = sys_page_alloc_range(0, va, n, (long)perm); /* va's page is not there: r > 0 means it is now */
	next_fill = va + (uint64_t)n * PAGE_SIZE;
	return r > 0;
}

/*
 * Fill a fresh page of v at va: zeros, or the file's bytes (short reads leave
 * zeros). The page appears at va whole, with its final permissions, in one
 * map: another thread of the program touches it without a fault as soon as
 * it is there, so it must never see part of it. true on success.
 */
static bool fill_page(struct vma *v, uint64_t va)
{
	if (file_shared(v))
		return map_file_page(v, va) == 0;
	if (file_pages(v) && map_file_page(v, va) == 0)
		return true; /* (else a copy, as for any file: past the end, say, zeros) */
	uint64_t perm = pte_perm(v->prot) | share_bit(v);
	if (!v->file || !v->file->ops->pread)
		return fill_zeros(v, va, perm);
	const void *src;
	size_t n;
	if (file_bytes_at(v->file, v->offset + (va - v->start), &src, &n)) {
		/* the bytes are in lx's memory: the kernel makes the page of them (a heap page of the file's
		 * not yet mapped in this process it cannot read: then as below, where the read maps it) */
		long r = sys_page_alloc_copy(0, va, src, (long)n, (long)perm);
		if (r >= 0 || r != -E_FAULT)
			return r >= 0;
	}
	long fn = page_alloc(0, LX_FILL_PAGE, PTE_W | PTE_NX);
	if (fn < 0)
		return false;
	v->file->ops->pread(v->file, (void *)LX_FILL_PAGE, PAGE_SIZE, v->offset + (va - v->start));
	long r = sys_map(0, va, fn, (long)perm);
	sys_unmap(0, LX_FILL_PAGE);
	if (r < 0)
		sys_frame_free(0, fn);
	return r == 0;
}

int mem_fault(uint64_t addr, uint64_t err)
{
	bool write = err & PFERR_W;
	uint64_t va = addr & ~(PAGE_SIZE - 1), pte = mem_pte(addr);
	/* present now and allowing the access: another thread served the same fault first (lx's lock ordered
	 * them), on the program's page or on lx's own (a copy-on-write page of lx's after a fork, say) */
	if ((pte & PTE_P) && (!write || (pte & PTE_W)) && (!(err & PFERR_I) || !(pte & PTE_NX)))
		return 0;
	if ((pte & PTE_P) && write && (pte & PTE_COW))
		return SIGKILL; /* a copy-on-write page (the program's or lx's own) that mem_cow_fault could not copy: no memory left */
	struct vma *v = vma_find(addr);
	if (!v || v->prot == PROT_NONE || (write && !(v->prot & PROT_WRITE)))
		return SIGSEGV;
	if (in_stack(va) && va < stack_low) { /* the stack grows: within RLIMIT_STACK and RLIMIT_AS, as on Linux */
		uint64_t as = lx_rlimit(RLIMIT_AS);
		if (LX_STACK_TOP - va > lx_rlimit(RLIMIT_STACK) ||
		    (as != RLIM_INFINITY && area_bytes(0, ~0UL, false) + (stack_low - va) > as))
			return SIGSEGV;
		stack_low = va;
	}
	if (pte & PTE_P)
		return SIGSEGV; /* a real protection fault */
	if (file_shared(v))
		return map_file_page(v, va);
	return fill_page(v, va) ? 0 : SIGKILL; /* no frame for it: out of memory */
}

/*
 * ---- the program's memory, as lx reads and writes it for a syscall ----
 * lx touches program memory only after these have made it safe: every page
 * lies in an area that allows the access, and is present (filled now, as a
 * first touch would fill it, or copied if copy-on-write), so the access
 * cannot fault. A page that cannot be had (no area, the wrong protection, a
 * shared file page past the file's end, no memory left) ends the copy with
 * EFAULT, or a transfer short, as on Linux. mem_user_ok is that check for a
 * handler that then reads or writes the bytes itself; only a read's
 * destination, which may be far larger than what the read returns, is
 * checked against the areas alone (mem_user_mapped) and filled by the fault
 * upcall as it is written. The caller holds lx's lock, so no other thread
 * unmaps the pages in between.
 */

/* Make the page holding a present for the access (write: writable); false if it cannot be. */
static bool page_ready(uint64_t a, bool write)
{
	uint64_t pte = pte_of(a & ~(PAGE_SIZE - 1));
	if (!(pte & PTE_P))
		return mem_fault(a, write ? PFERR_W : 0) == 0;
	return !write || (pte & PTE_W) || mem_cow_fault(a);
}

size_t mem_user_fault_in(uint64_t addr, size_t len, bool write)
{
	uint64_t end = addr + len < addr ? ~0UL : addr + len, a = addr;
	while (a < end) {
		struct vma *v = vma_find(a);
		if (!v || !(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE)))
			break;
		uint64_t stop = v->end < end ? v->end : end;
		while (a < stop && page_ready(a, write))
			a = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
		if (a < stop)
			break;
	}
	return (size_t)((a < end ? a : end) - addr);
}

/* Is a's page one never touched in a private anonymous area, so that it reads as zeros without being filled? */
static bool untouched(uint64_t a)
{
	struct vma *v = vma_find(a);
	return v && !v->file && (v->flags & MAP_PRIVATE) && !(pte_of(a & ~(PAGE_SIZE - 1)) & PTE_P);
}

size_t mem_user_source(uint64_t addr, size_t len, bool *zeros)
{
	uint64_t end = addr + len < addr ? ~0UL : addr + len, a = addr;
	*zeros = untouched(addr);
	while (a < end && mem_user_mapped(a, 1, false) && untouched(a) == *zeros && (*zeros || page_ready(a, false)))
		a = (a & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
	return (size_t)((a < end ? a : end) - addr);
}

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (mem_user_fault_in(usrc, n, false) != n)
		return -EFAULT;
	memcpy(dst, (const void *)usrc, n);
	return 0;
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (mem_user_fault_in(udst, n, true) != n)
		return -EFAULT;
	memcpy((void *)udst, src, n);
	return 0;
}

long strncpy_from_user(char *dst, uint64_t usrc, size_t size)
{
	for (size_t i = 0; i < size;) {
		uint64_t a = usrc + i, page_left = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		size_t chunk = page_left < size - i ? (size_t)page_left : size - i;
		if (a < usrc || mem_user_fault_in(a, chunk, false) != chunk)
			return -EFAULT;
		size_t k = 0;
		for (; k + 8 <= chunk; k += 8, i += 8) { /* a word at a time, the NUL's found by its lowest zero byte */
			uint64_t w = *(const uint64_t *)(usrc + i);
			if (dst)
				__builtin_memcpy(dst + i, &w, 8); /* (bytes after a NUL too: dst has room for them) */
			uint64_t zero = (w - 0x0101010101010101UL) & ~w & 0x8080808080808080UL;
			if (zero)
				return (long)(i + (size_t)__builtin_ctzll(zero) / 8);
		}
		for (; k < chunk; k++, i++) {
			char c = ((const char *)usrc)[i];
			if (dst)
				dst[i] = c;
			if (c == 0)
				return (long)i;
		}
	}
	return (long)size;
}

bool mem_user_mapped(uint64_t addr, uint64_t len, bool write)
{
	if (len == 0)
		return true;
	if (addr + len < addr)
		return false;
	for (uint64_t a = addr; a < addr + len;) {
		struct vma *v = vma_find(a);
		if (!v || !(v->prot & PROT_READ) || (write && !(v->prot & PROT_WRITE)))
			return false;
		a = v->end;
	}
	return true;
}

bool mem_user_ok(uint64_t addr, uint64_t len, bool write)
{
	return mem_user_fault_in(addr, len, write) == len;
}

uint64_t mem_resident_pages(void)
{
	uint64_t n = 0;
	for (struct vma *v = vmas; v; v = v->next)
		for (uint64_t va = v->start; va < v->end;) {
			if (!(*uvpt_pml4e(va) & PTE_P) || !(*uvpt_pdpte(va) & PTE_P) || !(*uvpt_pde(va) & PTE_P)) {
				va = (va + (1UL << 21)) & ~((1UL << 21) - 1); /* no table: the next 2 MiB */
				continue;
			}
			n += (*uvpt_pte(va) & PTE_P) != 0;
			va += PAGE_SIZE;
		}
	return n;
}

/* ---- the syscalls ---- */
long lx_sys_mmap(long addr, long len, long prot, long flags, int fd, long off)
{
	struct file *f = NULL;
	if (!(flags & (MAP_PRIVATE | MAP_SHARED)) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS) && !(f = file_get((int)fd)))
		return -EBADF;
	long r = 0;
	if (f && (f->flags & O_ACCMODE) == O_WRONLY)
		r = -EACCES;
	else if (f && (flags & MAP_SHARED) && (!f->inode || !ISREG(f->inode)))
		r = -ENODEV; /* only regular files have pages to share */
	else if (f && (flags & MAP_SHARED) && (prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
		r = -EACCES;
	else
		r = mem_map((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, f, (uint64_t)off);
	if (f)
		file_put(f); /* the area holds its own reference (vma_hold) */
	return r;
}

long lx_sys_munmap(long addr, long len)
{
	return mem_unmap((uint64_t)addr, (uint64_t)len);
}

long lx_sys_mprotect(long addr, long len, long prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	return mem_protect((uint64_t)addr, (uint64_t)len, (int)prot);
}

/* brk: the heap after the program's data; returns the (new) break, or the old one on failure. */
long lx_sys_brk(long addr)
{
	uint64_t want = (uint64_t)addr, old_top = PGROUNDUP_U(brk_cur), new_top = PGROUNDUP_U(want);
	if (want < brk_base || want > brk_base + (1UL << 36))
		return (long)brk_cur;
	if (new_top > old_top) {
		if (overlaps(old_top, new_top))
			return (long)brk_cur;
		if (mem_map(old_top, new_top - old_top, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) < 0)
			return (long)brk_cur;
	} else if (new_top < old_top) {
		mem_unmap(new_top, old_top - new_top);
	}
	brk_cur = want;
	return (long)brk_cur;
}

/* Move the frames of [old, old+len) to new (both page-aligned), keeping their contents. */
static void move_pages(uint64_t old, uint64_t new, uint64_t len, int prot)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pte = pte_of(old + off);
		if (!(pte & PTE_P))
			continue;
		sys_map_copy(0, old + off, 0, new + off, (long)(pte_perm(prot) | (pte & PTE_SHARE))); /* (a file's stays one) */
		sys_unmap(0, old + off);
	}
}

long lx_sys_mremap(long old, long oldlen, long newlen, long flags, long newaddr)
{
	(void)newaddr;
	uint64_t o = (uint64_t)old, ol = PGROUNDUP_U(oldlen), nl = PGROUNDUP_U(newlen);
	struct vma *v = vma_find(o);
	if ((o & (PAGE_SIZE - 1)) || nl == 0 || (flags & ~MREMAP_MAYMOVE))
		return -EINVAL;
	if (!v || o + ol > v->end)
		return -EFAULT;
	if (nl <= ol)
		return nl < ol ? (mem_unmap(o + nl, ol - nl) < 0 ? -ENOMEM : old) : old;
	if (!overlaps(o + ol, o + nl) && o + nl <= LX_MMAP_TOP) {
		long r = mem_map(o + ol, nl - ol, v->prot, v->flags | MAP_FIXED, v->file, v->offset + (o + ol - v->start));
		return r < 0 ? r : old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	moving = ol;
	long n = mem_map(0, nl, v->prot, v->flags & ~MAP_FIXED, v->file, v->offset + (o - v->start));
	moving = 0;
	if (n < 0)
		return n;
	if (lx_rewrite_touched(o, o + ol))
		lx_rewrite_release(o, o + ol, true);
	move_pages(o, (uint64_t)n, ol, v->prot);
	mem_unmap(o, ol);
	return n;
}

/* msync: a shared file mapping's pages are the file's own, so there is nothing to write back; only checks. */
long lx_sys_msync(long addr, long len, long flags)
{
	uint64_t start = (uint64_t)addr, end = start + PGROUNDUP_U(len);
	if ((start & (PAGE_SIZE - 1)) || len < 0 || end < start || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	for (uint64_t a = start; a < end;) {
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	return 0;
}

long lx_sys_madvise(long addr, long len, long advice)
{
	uint64_t start = (uint64_t)addr, end = start + PGROUNDUP_U(len);
	if ((start & (PAGE_SIZE - 1)) || len < 0 || end < start)
		return -EINVAL;
	for (uint64_t a = start; a < end;) { /* every byte must be mapped */
		struct vma *v = vma_find(a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	if (advice == MADV_DONTNEED) /* private pages read as zeros (or the file) again */
		for (uint64_t a = start; a < end;) {
			struct vma *v = vma_find(a);
			uint64_t stop = v->end < end ? v->end : end;
			if (!(v->flags & MAP_SHARED))
				drop_pages(v, a, stop);
			a = stop;
		}
	return 0;
}

/*
 * Pages that lx can give back without losing a byte: those of private file
 * areas that were never writable (program text and read-only data, mapped
 * from files), which the file still holds; a later touch reads them again.
 * The caller holds lx's lock (or is the process's only thread).
 */
uint64_t mem_give_back(uint64_t n)
{
	uint64_t freed = 0;
	for (struct vma *v = vmas; v && freed < n; v = v->next) {
		if (!v->file || (v->flags & MAP_SHARED) || v->written || v->prot == PROT_NONE || v->held)
			continue; /* (a held area's pages are the file's: the file gives them back, not the area) */
		for (uint64_t va = v->start; va < v->end && freed < n; va += PAGE_SIZE) {
			uint64_t pte = pte_of(va);
			if (!(pte & PTE_P))
				continue;
			sys_unmap(0, va);
			if (sys_frame_free(0, (long)((pte & PTE_ADDR) / PAGE_SIZE)) == 0)
				freed++; /* else another process's frame too (a fork's): only the mapping goes */
		}
	}
	return freed;
}

/* ---- fork and exec ---- */

/*
 * Parked pages (a private PROT_NONE area's) across a fork: mapped back
 * read-only for map_cow to bind into the child too, then each side makes the
 * page its own with cow_break (the parent at once, the child in
 * mem_fork_child: the second takes the frame over) and parks it again.
 */
static void unpark_for_fork(void)
{
	for (struct parked *p = parked; p; p = p->next) {
		struct vma *v = vma_find(p->va);
		if (v && !(v->flags & MAP_SHARED))
			sys_map(0, p->va, (long)p->fn, PTE_NX | PTE_COW); /* read-only, and copy-on-write to map_cow */
	}
}

static void repark_after_fork(void)
{
	for (struct parked *p = parked; p; p = p->next) {
		uint64_t pte = pte_of(p->va);
		if (!(pte & PTE_P))
			continue;
		long fn = sys_cow_break(0, p->va, PTE_NX);
		p->fn = fn >= 0 ? (uint64_t)fn : (pte & PTE_ADDR) / PAGE_SIZE;
		sys_unmap(0, p->va);
	}
}

/* Add [start, end) to the ranges b binds, binding those gathered first when there is no room. 0 or -E_*. */
long cow_batch_add(struct cow_batch *b, uint64_t start, uint64_t end)
{
	long r = b->n == COW_RANGES_MAX ? cow_batch_flush(b) : 0;
	if (r == 0) {
		b->ranges[b->n][0] = start;
		b->ranges[b->n][1] = end;
		b->n++;
	}
	return r;
}

/* Bind the ranges b has gathered into its child, in one call. 0 or -E_*. */
long cow_batch_flush(struct cow_batch *b)
{
	long r = b->n ? sys_map_cow_ranges(b->child, b->ranges, b->n) : 0;
	b->n = 0;
	return r;
}

/* The program's areas into b, those that touch as one range: a table they fill is then shared whole. 0 or -E_*. */
long mem_map_cow(struct cow_batch *b)
{
	if (parked)
		unpark_for_fork();
	long r = 0;
	uint64_t lo = 0, hi = 0;
	for (struct vma *v = vmas; v && r == 0; v = v->next) {
		/* a shared anonymous area is filled now, so that parent and child share every page of it */
		for (uint64_t va = v->start; share_bit(v) && !v->file && v->prot != PROT_NONE && va < v->end; va += PAGE_SIZE)
			if (!(pte_of(va) & PTE_P) && !fill_page(v, va))
				r = -E_NOMEM;
		if (r == 0 && v->start != hi) {
			if (hi)
				r = cow_batch_add(b, lo, hi);
			lo = v->start;
		}
		hi = v->end;
	}
	if (r == 0 && hi)
		r = cow_batch_add(b, lo, hi);
	if (parked) {
		if (r == 0)
			r = cow_batch_flush(b); /* bound before each side makes its parked pages its own again */
		repark_after_fork();
	}
	return r;
}

/*
 * Fork, in the parent: a copy of the area list for the child (its nodes are
 * in the shared heap, so the child cannot take the parent's: the parent may
 * change them before the child first runs). NULL with *err = -ENOMEM, or
 * for an empty list.
 */
/* avl_build's source of nodes: the next area of a list. */
static struct avl_node *next_area(void *ctx)
{
	struct vma **v = ctx, *cur = *v;
	*v = cur->next;
	return &cur->node;
}

struct vma *mem_fork_copy(long *err)
{
	struct vma *copy = NULL, **tail = &copy, *from;
	size_t n_areas = 0;
	*err = 0;
	for (struct vma *v = vmas; v; v = v->next) {
		struct vma *n = lx_alloc(sizeof(*n));
		if (!n) {
			mem_fork_abandon(copy);
			*err = -ENOMEM;
			return NULL;
		}
		*n = *v;
		n->next = NULL;
		vma_hold(n);
		*tail = n;
		tail = &n->next;
		n_areas++;
	}
	from = copy;
	avl_build(next_area, &from, n_areas, area_update); /* the copy's own tree, whose root the child finds */
	return copy;
}

/* The fork failed: give back the copy mem_fork_copy made. */
void mem_fork_abandon(struct vma *copy)
{
	while (copy) {
		struct vma *v = copy;
		copy = v->next;
		vma_release(v);
	}
}

/* In a forked child: its area list is the copy the parent made; the parent's parked pages, bound here read-only, made its own and parked. */
void mem_fork_child(struct vma *copy)
{
	vmas = copy;
	parked = NULL; /* the parent's list, in memory the child must not change */
	for (struct vma *v = vmas; v; v = v->next) {
		if (v->prot != PROT_NONE || (v->flags & MAP_SHARED))
			continue;
		for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
			if (!(*uvpt_pml4e(va) & PTE_P) || !(*uvpt_pdpte(va) & PTE_P) || !(*uvpt_pde(va) & PTE_P)) {
				va = ((va + (1UL << 21)) & ~((1UL << 21) - 1)) - PAGE_SIZE; /* no table: the next 2 MiB */
				continue;
			}
			if (!(*uvpt_pte(va) & PTE_P))
				continue;
			sys_cow_break(0, va, PTE_NX);
			park(va, pte_of(va));
		}
	}
}

/* The process ends: give back the heap memory of its area lists (the kernel frees its pages). */
void mem_exit(void)
{
	while (vmas) {
		struct vma *v = vmas;
		vmas = v->next;
		vma_release(v);
	}
	tree = NULL;
	tree_first = last = NULL;
	while (parked) {
		struct parked *p = parked;
		parked = p->next;
		lx_free(p);
	}
}

/* Before exec: every area of the old program, its stack and its break go. */
void mem_exec_reset(void)
{
	lx_rewrite_reset();
	vma_cut(0, LX_MMAP_TOP);
	vma_cut(LX_STACK_TOP - LX_STACK_AREA, LX_STACK_TOP);
	brk_base = brk_cur = 0;
	stack_low = LX_STACK_TOP;
}

uint64_t mem_pte(uint64_t addr)
{
	return addr < USER_LIMIT ? pte_of(addr & ~(PAGE_SIZE - 1)) : 0;
}

/* A write to a present, copy-on-write page at addr: the kernel gives this process its own copy (or the frame, if no one else maps it). */
bool mem_cow_fault(uint64_t addr)
{
	uint64_t va = addr & ~(PAGE_SIZE - 1), pte = pte_of(va);
	if (!(pte & PTE_P) || !(pte & PTE_COW))
		return false;
	return sys_cow_break(0, va, (long)((pte & (PTE_NX | PTE_PKEY_MASK)) | PTE_W)) >= 0;
}

/* The program's stack area: LX_STACK_AREA bytes below LX_STACK_TOP, filled as touched, down to RLIMIT_STACK. */
long mem_map_stack(void)
{
	struct vma *v = lx_alloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = LX_STACK_TOP - LX_STACK_AREA, .end = LX_STACK_TOP,
			   .prot = PROT_READ | PROT_WRITE, .flags = MAP_PRIVATE | MAP_ANONYMOUS };
	vma_insert(v);
	return 0;
}
