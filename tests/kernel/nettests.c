/* The in-VM network test runner: every n_* program in its own env, with the frame-leak check; needs a looped-back device. */
#include "check.h"

int main(void)
{
	int failed = check_run_all("n_");
	sys_poweroff(failed ? 1 : 0);
	return 1;
}
