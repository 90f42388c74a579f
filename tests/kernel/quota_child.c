/* A child of t_quota: takes all it may of one kind of kernel resource and reports on the board it shares with its parent. */
#include "check.h"
#include "quota.h"

#define MAX_TAKE 1024
#define POLL_NS 1000000UL
#define SPIN_NS 5000000000UL /* long enough that a parent starved for as long would notice */

static struct quota_board *const board = (struct quota_board *)QUOTA_BOARD_VA;
static long taken[MAX_TAKE];

/* One more of kind k: its id (> 0, or a slot >= 0 for slices) or -E_*. */
static long take_one(int k)
{
	switch (k) {
	case RES_ENV:
		return sys_env_create();
	case RES_THREAD:
		return sys_thread_create(0, (uint64_t)quota_parked, PAGE_SIZE, 0);
	case RES_EP:
		return sys_ep_create();
	case RES_NTFN:
		return sys_ntfn_create();
	default:
		return sys_slice_alloc(-1, 0);
	}
}

/* Take kind k until refused, and tell the parent how it went. */
static void take_all(int k)
{
	long n = 0, r;
	board->held0 = (long)ENVINFO->held[k];
	while (n < MAX_TAKE && (r = take_one(k)) >= (k == RES_SLICE ? 0 : 1))
		taken[n++] = r;
	board->count = n;
	board->err = n < MAX_TAKE ? r : 0;
	board->limit = (long)ENVINFO->limit[k];
	sys_ntfn_signal(board->ntfn, 1);
}

/* Give back what take_all took that its end would not: child envs, which would outlive it. */
static void give_back(int k, long n)
{
	for (long i = 0; k == RES_ENV && i < n; i++)
		sys_env_destroy(taken[i]);
}

/* Its own limits are not its to raise, nor its parent's; its child gets no more than it has. */
static int limits(void)
{
	check_prog = "quota-child";
	long lim = (long)ENVINFO->limit[RES_THREAD];
	CHECK_EQ("raise-own", sys_env_limit(0, RES_THREAD, lim + 1), -E_PERM);
	CHECK_EQ("lower-own", sys_env_limit(0, RES_THREAD, 1), -E_PERM);
	CHECK_EQ("raise-own-by-id", sys_env_limit((long)ENVINFO->id, RES_SLICE, (long)KIP->nslices), -E_PERM);
	CHECK_EQ("touch-parent", sys_env_limit((long)ENVINFO->parent, RES_THREAD, 1), -E_PERM);
	CHECK_EQ("limit-unchanged", ENVINFO->limit[RES_THREAD], lim);
	long g = sys_env_create();
	CHECK("grandchild", g > 0);
	for (int k = 0; k < RES_NKINDS; k++) {
		long mine = (long)ENVINFO->limit[k];
		CHECK_EQ(quota_name(k, "give-more-than-mine"), sys_env_limit(g, k, mine + 1), -E_PERM);
		CHECK_EQ(quota_name(k, "default-is-mine"), sys_env_limit(g, k, mine), mine);
		CHECK_EQ(quota_name(k, "give-less"), sys_env_limit(g, k, mine / 2), mine);
	}
	CHECK_EQ("destroy-grandchild", sys_env_destroy(g), 0);
	return CHECK_DONE();
}

int main(void)
{
	uint64_t arg = mica_start_info->arg;
	int mode = (int)(arg & ((1 << QUOTA_MODE_BITS) - 1));
	long fn = (long)(arg >> QUOTA_MODE_BITS);

	if (mode == QUOTA_LIMITS)
		return limits();
	if (sys_map(0, QUOTA_BOARD_VA, fn, PTE_W | PTE_NX) < 0)
		return 2;
	if (mode == QUOTA_ORPHAN)
		return (board->count = spawn("quota_child", QUOTA_WAIT | (uint64_t)fn << QUOTA_MODE_BITS)) > 0 ? 0 : 3;
	if (mode == QUOTA_WAIT) {
		while (!board->release)
			sys_sleep(POLL_NS);
		return 0;
	}
	while (!board->go)
		sys_sleep(POLL_NS);
	if (mode == QUOTA_SLICES) {
		take_all(RES_SLICE);
		for (uint64_t end = clock_ns() + SPIN_NS; clock_ns() < end;)
			; /* no slice upcall: the kernel takes the CPU by force at each slice's end */
		return 0;
	}
	take_all(mode - QUOTA_HOLD);
	while (!board->release)
		sys_sleep(POLL_NS);
	give_back(mode - QUOTA_HOLD, board->count);
	return 0;
}
