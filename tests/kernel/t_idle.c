/* Test that the CPU halts when every thread is blocked: the KIP's idle time grows while the only thread sleeps. */
#include "check.h"

int main(void)
{
	check_prog = "idle";
	uint64_t idle0 = KIP->idle_ns, t0 = clock_ns();
	CHECK_EQ("sleep", sys_sleep(50000000UL), 0);
	uint64_t idle = KIP->idle_ns - idle0, elapsed = clock_ns() - t0;
	CHECK("slept-50ms", elapsed >= 50000000UL);
	CHECK("cpu-halted-while-blocked", idle >= 45000000UL && idle <= elapsed);
	uint64_t idle1 = KIP->idle_ns;
	for (volatile int i = 0; i < 2000000; i++)
		;
	CHECK("no-idle-while-running", KIP->idle_ns - idle1 < 1000000UL);
	return CHECK_DONE();
}
