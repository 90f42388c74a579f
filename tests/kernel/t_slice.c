/* Tests of time slices: slot allocation, slice upcalls that are or are not honoured, directed yield. */
#include "check.h"

int main(void)
{
	check_prog = "slice";
	long slot = sys_slice_alloc(-1, 0);
	CHECK("alloc-any", slot >= 0 && slot < 8);
	CHECK_EQ("alloc-same", sys_slice_alloc(slot, 0), -E_BUSY);
	CHECK_EQ("alloc-bad-slot", sys_slice_alloc(8, 0), -E_INVAL);
	CHECK_EQ("alloc-bad-slot-neg", sys_slice_alloc(-2, 0), -E_INVAL);
	CHECK_EQ("free", sys_slice_free(slot), 0);
	CHECK_EQ("free-again", sys_slice_free(slot), -E_NOENT);
	CHECK_EQ("free-bad-slot", sys_slice_free(8), -E_INVAL);

	long polite = spawn("slice_child", 1);
	long rude = spawn("slice_child", 0);
	CHECK("spawn", polite > 0 && rude > 0);
	CHECK_EQ("polite-status", sys_env_wait(polite), 0);
	CHECK_EQ("rude-status", sys_env_wait(rude), 0);

	long sleeper = spawn("slice_child", 2);
	sys_sleep(1000000);
	CHECK_EQ("yield-to-blocked", sys_yield(sleeper), -E_AGAIN);
	CHECK_EQ("yield-to-nobody", sys_yield(12345), -E_NOENT);
	CHECK_EQ("yield-any", sys_yield(0), 0);
	CHECK_EQ("destroy-sleeper", sys_env_destroy(sleeper), 0);
	return CHECK_DONE();
}
