/* The in-VM stream test runner: every s_* program in its own env, with the frame-leak check; needs a virtio-console. */
#include "check.h"

int main(void)
{
	int failed = check_run_all("s_");
	sys_poweroff(failed ? 1 : 0);
	return 1;
}
