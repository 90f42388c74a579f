/* Tests of resource limits: a child takes no more than its parent gave it, cannot starve it, and leaves room for others. */
#include "check.h"
#include "quota.h"

#define WAIT_NS 10000000000UL
#define POLL_NS 1000000UL
#define ORPHAN_POLLS 10000

static struct quota_board *const board = (struct quota_board *)QUOTA_BOARD_VA;
static long board_fn, nt;

/* Start quota_child in mode with a clean board; it waits for go. Its id or -E_*. */
static long start_child(int mode)
{
	memset((void *)board, 0, sizeof(*board));
	board->ntfn = nt;
	return spawn("quota_child", (uint64_t)mode | (uint64_t)board_fn << QUOTA_MODE_BITS);
}

/* Take one of kind k for this env and give it back: 0, or what refused it. */
static long take_and_give(int k)
{
	long r;
	switch (k) {
	case RES_ENV:
		r = sys_env_create();
		return r > 0 ? sys_env_destroy(r) : r;
	case RES_THREAD: /* it exits at once */
		r = sys_thread_create(0, (uint64_t)quota_exiting, PAGE_SIZE, 0);
		return r > 0 ? 0 : r;
	case RES_EP:
		r = sys_ep_create();
		return r > 0 ? sys_ep_destroy(r) : r;
	default:
		r = sys_ntfn_create();
		return r > 0 ? sys_ntfn_destroy(r) : r;
	}
}

/* A child given limit of kind k takes exactly that, is refused with E_NOMEM, and leaves this env room; all comes back. */
static void hold_round(int k, long limit)
{
	uint64_t held0 = ENVINFO->held[k];
	long c = start_child(QUOTA_HOLD + k);
	CHECK(quota_name(k, "spawn"), c > 0);
	CHECK_EQ(quota_name(k, "default-is-mine"), sys_env_limit(c, k, limit), ENVINFO->limit[k]);
	board->go = 1;
	CHECK_EQ(quota_name(k, "reported"), sys_ntfn_wait(nt, WAIT_NS), 1);
	CHECK_EQ(quota_name(k, "child-sees-limit"), board->limit, limit);
	CHECK_EQ(quota_name(k, "took-its-limit"), board->count, limit - board->held0);
	CHECK_EQ(quota_name(k, "then-nomem"), board->err, -E_NOMEM);
	CHECK_EQ(quota_name(k, "not-below-held"), sys_env_limit(c, k, 0), -E_BUSY);
	CHECK_EQ(quota_name(k, "room-for-parent"), take_and_give(k), 0);
	board->release = 1;
	CHECK_EQ(quota_name(k, "child-status"), sys_env_wait(c), 0);
	CHECK_EQ(quota_name(k, "all-back"), ENVINFO->held[k], held0);
}

/* A child that takes every slice it may and spins: this env still runs, sees it running, and ends it. */
static void slice_round(void)
{
	long all = (long)KIP->nslices;
	CHECK_EQ("slice-root-keeps-one", ENVINFO->limit[RES_SLICE], all - 1);
	long c = start_child(QUOTA_SLICES);
	CHECK("slice-spawn", c > 0);
	CHECK_EQ("slice-give-more", sys_env_limit(c, RES_SLICE, all), -E_PERM);
	board->go = 1;
	CHECK_EQ("slice-reported", sys_ntfn_wait(nt, WAIT_NS), 1);
	CHECK_EQ("slice-parent-runs", sys_env_status(c), -E_AGAIN);
	CHECK_EQ("slice-took-all-but-one", board->count, all - 1);
	CHECK_EQ("slice-then-busy", board->err, -E_BUSY);
	CHECK_EQ("slice-destroy-spinner", sys_env_destroy(c), 0);
	CHECK_EQ("slice-all-back", ENVINFO->held[RES_SLICE], 0);
	long s = sys_slice_alloc(-1, 0);
	CHECK("slice-parent-gets-one", s >= 0 && sys_slice_free(s) == 0);
}

/* A grandchild whose parent ends passes to the root with what it holds: none of it is counted here any more. */
static void orphan_round(void)
{
	uint64_t envs0 = ENVINFO->held[RES_ENV], threads0 = ENVINFO->held[RES_THREAD];
	long c = start_child(QUOTA_ORPHAN);
	CHECK("orphan-spawn", c > 0);
	CHECK_EQ("orphan-parent-ends", sys_env_wait(c), 0);
	CHECK_EQ("orphan-envs-gone", ENVINFO->held[RES_ENV], envs0);
	CHECK_EQ("orphan-threads-gone", ENVINFO->held[RES_THREAD], threads0);
	board->release = 1; /* the orphan ends (the root keeps its zombie): wait until it has, so its frames are back */
	for (int i = 0; i < ORPHAN_POLLS && sys_yield(board->count) != -E_NOENT; i++)
		sys_sleep(POLL_NS);
	CHECK_EQ("orphan-ended", sys_yield(board->count), -E_NOENT);
}

int main(void)
{
	check_prog = "quota";
	nt = sys_ntfn_create();
	board_fn = page_alloc(0, QUOTA_BOARD_VA, PTE_W | PTE_NX);
	CHECK("setup", nt > 0 && board_fn > 0 && sys_frame_share(board_fn) == 0);

	hold_round(RES_ENV, 6);
	hold_round(RES_THREAD, 24);
	hold_round(RES_EP, 24);
	hold_round(RES_NTFN, 24);
	slice_round();
	orphan_round();
	CHECK_EQ("child-limits", run("quota_child", QUOTA_LIMITS), 0);

	CHECK("cleanup", sys_unmap(0, QUOTA_BOARD_VA) == 0 && sys_frame_free(0, board_fn) == 0 &&
			 sys_ntfn_destroy(nt) == 0);
	return CHECK_DONE();
}
