/* A kernel-call fuzzer: thousands of calls with random numbers and arguments; the env must survive and leak nothing. */
#include "check.h"

#define ARENA 0x50000000UL /* the only user memory of its own the fuzzer lets calls touch */
#define ARENA_PAGES 64
#define NCALLS 20000
#define MAXCHILD 6
#define MAXFRAMES 2048
#define MAXOBJ 32

static uint64_t rng = 0x9E3779B97F4A7C15UL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long me;
static long children[MAXCHILD];
static int nchildren;
static long frames[MAXFRAMES];
static int nframes;
static long shared[MAXFRAMES]; /* frames it shared with its group, its own or a child's */
static int nshared;
static long objs[MAXOBJ]; /* endpoints and notifications */
static int nobjs;
#define CANARY 0x6D6963615F6F6B21UL
static volatile uint64_t canary = CANARY; /* in the fuzzer's data, outside the arena: no call may change it */

/* The page-table entry that maps p, without the accessed and dirty bits the CPU sets. */
static uint64_t pte_of(const void *p)
{
	return *uvpt_pte(p) & ~(PTE_A | PTE_D);
}

static bool is_self(long env)
{
	return env == 0 || env == me;
}

static bool mine_listed(long fn)
{
	for (int i = 0; i < nframes; i++)
		if (frames[i] == fn)
			return true;
	return false;
}

/* An interesting argument value. */
static long pick(void)
{
	static const long fixed[] = {
		0, 1, 2, 3, 7, -1, -2, 4096, 0x7FFFFFFF, 1L << 32, 1L << 40, 0x7FFFFFFFFFFFFFFFL,
		(long)0x8000000000000000UL, (long)KERNBASE, (long)(KERNBASE + 0x100000), (long)PHYSMAP,
		(long)UVPT, (long)UKIP, (long)UENV, (long)UBOOT, (long)USER_LIMIT, (long)USER_TOP,
		(long)ARENA + 1, PTE_W, PTE_NX, PTE_W | PTE_NX, PTE_AVAIL, PTE_PS,
	};
	switch (rnd() % 10) {
	case 0:
		return fixed[rnd() % (sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return (long)(ARENA + (rnd() % ARENA_PAGES) * PAGE_SIZE);
	case 2:
		return (long)(rnd() % 64);
	case 3:
		return nchildren ? children[rnd() % nchildren] : 0;
	case 4:
		return nframes ? frames[rnd() % nframes] : -1;
	case 5:
		return nobjs ? objs[rnd() % nobjs] : 0;
	case 6:
		return rnd() & 1 ? me : (long)ENVINFO->parent;
	case 7:
		return (long)rnd();
	case 8:
		return (long)(rnd() % 0x10000) * (long)PAGE_SIZE; /* low user pages */
	default:
		return fixed[rnd() % 12];
	}
}

/* A virtual address the fuzzer may let a call change in its own space: the arena, or outside user memory. */
static unsigned long safe_va(unsigned long va)
{
	if (va < UENV && (va < ARENA || va >= ARENA + ARENA_PAGES * PAGE_SIZE))
		return ARENA + (va / PAGE_SIZE % ARENA_PAGES) * PAGE_SIZE + (va & (PAGE_SIZE - 1));
	return va;
}

/* A child to stand in for the caller where acting on itself would end or derail the fuzzer. */
static long other(void)
{
	return nchildren ? children[rnd() % nchildren] : 0x7FFF05;
}

/* Keep a new object for later calls; past MAXOBJ it goes at once, so that the fuzzer holds only what it knows of
 * (the kernel's tables take pages as they fill, and the end checks that every frame came back). */
static void add_obj(long id)
{
	if (id > 0 && nobjs < MAXOBJ) {
		objs[nobjs++] = id;
	} else if (id > 0) {
		sys_ep_destroy(id);
		sys_ntfn_destroy(id);
	}
}

/* Destroy (or reap) a child. */
static void end_child(long c)
{
	if (sys_env_destroy(c) < 0)
		sys_env_wait(c); /* a zombie: reaped at once; a stranger: refused */
}

static long fuzz_one(long n, long *a, bool *skipped)
{
	*skipped = false;
	switch (n) {
	case SYS_env_exit: case SYS_poweroff: case SYS_env_wait: case SYS_thread_exit:
	case SYS_ipc: case SYS_ntfn_wait: case SYS_sleep:
		*skipped = true;
		return 0;
	case SYS_cputs: {
		static const char dot[] = ".";
		static const long bad[] = { 0, (long)KERNBASE, (long)PHYSMAP, (long)UVPT, -1, (long)0x8000000000000000UL, 0x1000 };
		if (rnd() % 4 == 0)
			return sys_cputs(dot, a[1] & 1);
		return sys_cputs((const char *)bad[rnd() % 7], a[1]);
	}
	case SYS_frame_free:
		if (is_self(a[0]) && (sys_frame_info(a[1]) >> 32) == me && !mine_listed(a[1]))
			a[1] = -1; /* a frame of its own image: not the fuzzer's to give away */
		break;
	case SYS_map: case SYS_unmap: case SYS_protect: case SYS_page_alloc_copy:
		if (is_self(a[0]))
			a[1] = (long)safe_va((unsigned long)a[1]);
		break;
	case SYS_map_copy:
		if (is_self(a[2]))
			a[3] = (long)safe_va((unsigned long)a[3]);
		break;
	case SYS_map_cow: /* it makes the caller's own pages copy-on-write: only the arena may be */
		if (a[1] >= 0 && (unsigned long)a[1] < USER_LIMIT) {
			unsigned long end = ARENA + ARENA_PAGES * PAGE_SIZE;
			a[1] = (long)(safe_va((unsigned long)a[1]) & ~(PAGE_SIZE - 1));
			a[2] = a[1] + (long)((rnd() % 4) * PAGE_SIZE);
			if ((unsigned long)a[2] > end)
				a[2] = (long)end;
		}
		break;
	case SYS_map_cow_ranges: { /* as map_cow: ranges of the arena only, and sometimes too many */
		static unsigned long ranges[COW_RANGES_MAX + 1][2];
		for (int i = 0; i <= COW_RANGES_MAX; i++) {
			ranges[i][0] = ARENA + (rnd() % ARENA_PAGES) * PAGE_SIZE;
			ranges[i][1] = ranges[i][0] + (rnd() % 2) * PAGE_SIZE;
		}
		a[1] = (long)ranges;
		a[2] = (long)(rnd() % (COW_RANGES_MAX + 2));
		break;
	}
	case SYS_cow_break: /* it may replace a page of the caller's own: only the arena's */
		if (is_self(a[0]))
			a[1] = (long)safe_va((unsigned long)a[1]);
		break;
	case SYS_env_create:
		if (nchildren == MAXCHILD) {
			int i = (int)(rnd() % MAXCHILD);
			end_child(children[i]);
			children[i] = children[--nchildren];
		}
		break;
	case SYS_env_destroy: case SYS_env_set_upcall: case SYS_env_set_libos: case SYS_thread_create:
		if (is_self(a[0]))
			a[0] = other();
		break;
	case SYS_slice_alloc:
		if (is_self(a[1]))
			a[1] = other();
		break;
	case SYS_env_limit: /* on itself it is refused; a kind that exists half the time, so some calls take */
		if (rnd() & 1)
			a[1] = (long)(rnd() % RES_NKINDS);
		break;
	case SYS_yield:
		break;
	case SYS_net_ring_bind: /* binding writes the ring's header page: only the arena's */
	case SYS_net_info:      /* it writes the counters there */
		a[0] = (long)safe_va((unsigned long)a[0]);
		break;
	}
	long r = kcall(n, a[0], a[1], a[2], a[3], a[4]);
	switch (n) {
	case SYS_frame_alloc:
		if (r >= 0 && is_self(a[0]) && nframes < MAXFRAMES)
			frames[nframes++] = r;
		else if (r >= 0 && is_self(a[0]))
			sys_frame_free(0, r);
		break;
	case SYS_cow_break: /* the frame now mapped may be a new one of the caller's, to give back at the end */
		if (r >= 0 && is_self(a[0]) && !mine_listed(r)) {
			if (nframes < MAXFRAMES)
				frames[nframes++] = r;
			else
				sys_frame_free(0, r);
		}
		break;
	case SYS_env_create:
		if (r > 0)
			children[nchildren++] = r;
		break;
	case SYS_ep_create: case SYS_ntfn_create:
		add_obj(r);
		break;
	case SYS_frame_share:
		if (r == 0 && nshared < MAXFRAMES)
			shared[nshared++] = a[0];
		break;
	case SYS_thread_set: /* undo whatever it did to this thread */
		sys_thread_set(0, THREAD_FSBASE, 0);
		sys_thread_set(0, THREAD_GSBASE, 0);
		sys_thread_set(0, THREAD_XSTACK, 0);
		break;
	}
	return r;
}

int main(void)
{
	check_prog = "fuzz";
	me = (long)ENVINFO->id;

	/* the arena's page tables stay once made: make them before counting */
	long warm = page_alloc(0, ARENA, PTE_W);
	CHECK("warm-up", warm > 0 && sys_unmap(0, ARENA) == 0 && sys_frame_free(0, warm) == 0);
	uint64_t owned0 = ENVINFO->frames_owned, free0 = KIP->frames_free;
	uint64_t text_pte = pte_of(main), data_pte = pte_of((const void *)&canary);

	long bad_null = 0, bad_nosys = 0, bad_code = 0, skipped = 0, ok = 0;
	long counts[E_NERRORS] = { 0 };
	for (long i = 0; i < NCALLS; i++) {
		long n = (long)(rnd() % (SYS_NCALLS + 2)), a[5];
		for (int j = 0; j < 5; j++)
			a[j] = pick();
		bool skip;
		long r = fuzz_one(n, a, &skip);
		if (skip) {
			skipped++;
			continue;
		}
		if (n == SYS_null && r != 0)
			bad_null++;
		if (n >= SYS_NCALLS && r != -E_NOSYS)
			bad_nosys++;
		if (r < 0 && r <= -E_NERRORS) {
			if (bad_code++ < 5)
				printf("\n# call %ld (%lx %lx %lx %lx %lx): %ld\n", n, a[0], a[1], a[2], a[3], a[4], r);
		} else if (r < 0) {
			counts[-r]++;
		} else {
			ok++;
		}
	}
	puts_raw("\n");
	long refused = 0;
	for (int e = 0; e < E_NERRORS; e++)
		refused += counts[e];
	/* still itself: the same env, its code and data mapped as before, the data unchanged */
	CHECK("survived", ENVINFO->id == (uint64_t)me && canary == CANARY && pte_of(main) == text_pte &&
				  pte_of((const void *)&canary) == data_pte);
	/* the fuzz reached the kernel's work and its refusals, not only the skipped calls */
	CHECK("succeeded-and-refused", ok > NCALLS / 20 && refused > NCALLS / 20);
	CHECK_EQ("null-returns-0", bad_null, 0);
	CHECK_EQ("unknown-is-nosys", bad_nosys, 0);
	CHECK_EQ("only-known-errors", bad_code, 0);
	printf("# %d calls: %ld succeeded, %ld skipped; inval %ld perm %ld noent %ld fault %ld busy %ld nomem %ld\n",
	       NCALLS, ok, skipped, counts[E_INVAL], counts[E_PERM], counts[E_NOENT], counts[E_FAULT], counts[E_BUSY],
	       counts[E_NOMEM]);

	/* clean up: children, objects, slices, mappings, frames */
	for (int i = 0; i < nchildren; i++)
		end_child(children[i]);
	for (int i = 0; i < nobjs; i++) {
		sys_ep_destroy(objs[i]);
		sys_ntfn_destroy(objs[i]);
	}
	for (long s = 0; s < 8; s++)
		sys_slice_free(s);
	for (uint64_t va = ARENA; va < ARENA + ARENA_PAGES * PAGE_SIZE; va += PAGE_SIZE)
		sys_unmap(0, va);
	for (int i = 0; i < nframes; i++)
		if ((sys_frame_info(frames[i]) >> 32) == me)
			sys_frame_free(0, frames[i]);
	/* a frame it shared with its group that a child owned (given to it, or the child's own) passed, when
	 * the child went, to the group's root (the runner), which keeps it for the group as lx's shared pages
	 * are kept: not a leak */
	uint64_t passed = 0;
	for (int i = 0; i < nframes + nshared; i++) {
		long fn = i < nframes ? frames[i] : shared[i - nframes];
		bool seen = false;
		for (int j = 0; j < i; j++)
			seen |= (j < nframes ? frames[j] : shared[j - nframes]) == fn;
		if (!seen && ENVINFO->group != (uint64_t)me && (uint64_t)(sys_frame_info(fn) >> 32) == ENVINFO->group)
			passed++;
	}
	CHECK_EQ("frames-owned-back", ENVINFO->frames_owned, owned0);
	CHECK_EQ("frames-free-back", KIP->frames_free + passed, free0);
	CHECK_EQ("still-alive", sys_null(), 0);
	return CHECK_DONE();
}
