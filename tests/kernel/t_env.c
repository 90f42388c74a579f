/* Tests of env_create, env_start, env_wait, env_destroy and env_exit, with every documented error. */
#include "check.h"

int main(void)
{
	check_prog = "env";
	long me = (long)ENVINFO->id;

	/* spawn's scratch page tables stay once made: make them before counting frames */
	long warm = page_alloc(0, SPAWN_SCRATCH, PTE_W);
	CHECK("warm-up", warm > 0 && sys_unmap(0, SPAWN_SCRATCH) == 0 && sys_frame_free(0, warm) == 0);

	/* exit statuses reach the parent */
	CHECK_EQ("status-return", run("child", 0), 7);
	CHECK_EQ("status-env-exit", run("child", 5), 0x1234);
	long c = spawn("child", 0);
	CHECK("spawn", c > 0);
	long st = -E_AGAIN;
	for (int i = 0; i < 1000 && st == -E_AGAIN; i++) /* env_status: not waiting, not reaping */
		if ((st = sys_env_status(c)) == -E_AGAIN)
			sys_yield(0);
	CHECK_EQ("status-ended", st, 7);
	CHECK_EQ("status-again", sys_env_status(c), 7);
	CHECK_EQ("wait", sys_env_wait(c), 7);
	CHECK_EQ("wait-reaped", sys_env_wait(c), -E_NOENT);
	CHECK_EQ("status-reaped", sys_env_status(c), -E_NOENT);

	/* waiting on what is not a child */
	CHECK_EQ("wait-unknown", sys_env_wait(0x7FFF00 | 5), -E_NOENT);
	CHECK_EQ("wait-zero", sys_env_wait(0), -E_NOENT);
	CHECK_EQ("wait-self", sys_env_wait(me), -E_PERM);
	CHECK_EQ("wait-parent", sys_env_wait((long)ENVINFO->parent), -E_PERM);
	CHECK_EQ("status-unknown", sys_env_status(0x7FFF00 | 5), -E_NOENT);
	CHECK_EQ("status-self", sys_env_status(me), -E_PERM);
	CHECK_EQ("status-parent", sys_env_status((long)ENVINFO->parent), -E_PERM);
	/* CPU time is readable across the sharing group (the parent is in it), not of what does not exist */
	CHECK("cpu-time-parent", sys_cpu_time(1, (long)ENVINFO->parent) > 0);
	CHECK_EQ("cpu-time-unknown", sys_cpu_time(1, 0x7FFF00 | 5), -E_NOENT);
	CHECK_EQ("cpu-time-bad-what", sys_cpu_time(2, 0), -E_INVAL);

	/* env_start: only once, only for a child, only at user addresses */
	uint64_t free0 = KIP->frames_free;
	c = spawn("child", 1);
	CHECK("spawn-spinner", c > 0);
	CHECK_EQ("status-running", sys_env_status(c), -E_AGAIN);
	CHECK_EQ("start-twice", sys_env_start(c, 0x1000, 0x1000, 0), -E_BUSY);
	CHECK_EQ("start-self", sys_env_start(0, 0x1000, 0x1000, 0), -E_BUSY);
	CHECK_EQ("start-unknown", sys_env_start(0x7FFF00 | 5, 0x1000, 0x1000, 0), -E_NOENT);
	CHECK_EQ("start-parent", sys_env_start((long)ENVINFO->parent, 0x1000, 0x1000, 0), -E_PERM);

	/* a sibling may not touch the spinner */
	CHECK_EQ("sibling-no-access", run("child", 4 | (uint64_t)c << 4), 0);

	/* destroying a running child frees everything it had */
	CHECK_EQ("destroy-running", sys_env_destroy(c), 0);
	CHECK_EQ("destroy-frees-frames", KIP->frames_free, free0);
	CHECK_EQ("wait-destroyed", sys_env_wait(c), -E_NOENT);
	CHECK_EQ("destroy-again", sys_env_destroy(c), -E_NOENT);
	CHECK_EQ("destroy-unknown", sys_env_destroy(0x7FFF00 | 5), -E_NOENT);
	CHECK_EQ("destroy-parent", sys_env_destroy((long)ENVINFO->parent), -E_PERM);

	/* a child may not act on its parent */
	CHECK_EQ("child-no-parent-access", run("child", 3), 0);

	/* faults without a handler end the child with 128 + signal */
	CHECK_EQ("fault-status-139", run("child", 2), 139);
	CHECK_EQ("illop-status-132", run("child", 6), 132);

	/* a bare child started by hand: bad addresses refused, then it faults at once */
	free0 = KIP->frames_free;
	c = sys_env_create();
	CHECK("create", c > 0);
	CHECK_EQ("start-kernel-rip", sys_env_start(c, KERNBASE, 0x1000, 0), -E_INVAL);
	CHECK_EQ("start-noncanonical-rsp", sys_env_start(c, 0x1000, 0x0000800000000000UL, 0), -E_INVAL);
	CHECK_EQ("upcall-kind-0", sys_env_set_upcall(c, 0, 0x1000), -E_INVAL);
	CHECK_EQ("upcall-kind-4", sys_env_set_upcall(c, UPCALL_REVOKE + 1, 0x1000), -E_INVAL);
	CHECK_EQ("upcall-kind-neg", sys_env_set_upcall(c, -1, 0x1000), -E_INVAL);
	CHECK_EQ("upcall-kernel-entry", sys_env_set_upcall(c, UPCALL_EXCEPTION, KERNBASE), -E_INVAL);
	CHECK_EQ("upcall-ok", sys_env_set_upcall(c, UPCALL_EXCEPTION, 0), 0);
	CHECK_EQ("libos-empty-range", sys_env_set_libos(c, 0x2000, 0x1000, 0x1000), -E_INVAL);
	CHECK_EQ("libos-equal-range", sys_env_set_libos(c, 0x2000, 0x2000, 0x2000), -E_INVAL);
	CHECK_EQ("libos-hi-too-high", sys_env_set_libos(c, 0x1000, USER_LIMIT + 0x1000, 0x1000), -E_INVAL);
	CHECK_EQ("libos-kernel-entry", sys_env_set_libos(c, 0x1000, 0x2000, KERNBASE), -E_INVAL);
	CHECK_EQ("libos-ok", sys_env_set_libos(c, 0x1000, 0x2000, 0x1000), 0);
	CHECK_EQ("libos-clear", sys_env_set_libos(c, 0, 0, 0), 0);
	CHECK_EQ("libos-unknown", sys_env_set_libos(0x7FFF00 | 5, 0, 0, 0), -E_NOENT);
	CHECK_EQ("upcall-unknown", sys_env_set_upcall(0x7FFF00 | 5, UPCALL_EXCEPTION, 0), -E_NOENT);
	long tid = sys_env_start(c, 0x1000, 0x2000, 0);
	CHECK("start-bare", tid > 0);
	CHECK_EQ("bare-faults-139", sys_env_wait(c), 139);
	CHECK_EQ("bare-frames-back", KIP->frames_free, free0);

	/* many children in turn: no slot or frame is lost */
	free0 = KIP->frames_free;
	bool all = true;
	for (int i = 0; i < 40; i++)
		all &= run("child", 0) == 7;
	CHECK("many-children", all);
	CHECK_EQ("many-children-frames", KIP->frames_free, free0);

	return CHECK_DONE();
}
