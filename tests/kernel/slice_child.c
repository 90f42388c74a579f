/* A child of t_slice: spins with a slice upcall that yields (mode 1) or not (mode 0); mode 2 sleeps forever. */
#include "check.h"

static volatile int upcalls;

static void polite(struct exc_frame *f)
{
	(void)f;
	upcalls++;
	sys_yield(0);
}

static void rude(struct exc_frame *f)
{
	(void)f;
	upcalls++;
}

int main(void)
{
	int mode = (int)mica_start_info->arg;
	if (mode == 2)
		sys_sleep(TIMEOUT_FOREVER);
	check_prog = mode ? "slice-polite" : "slice-rude";
	set_upcall(UPCALL_SLICE, mode ? polite : rude);
	uint64_t end = clock_ns() + 60000000UL;
	while (clock_ns() < end)
		;
	CHECK("got-upcalls", upcalls > 0);
	if (mode)
		CHECK_EQ("never-forced", ENVINFO->slice_forced, 0);
	else
		CHECK("forced", ENVINFO->slice_forced > 0);
	return CHECK_DONE();
}
