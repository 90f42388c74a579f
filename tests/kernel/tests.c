/* The in-VM test runner: start every test program (t_*) in the boot image as its own env, check it, count frames. */
#include "check.h"

int main(void)
{
	int failed = check_run_all("t_");
	sys_poweroff(failed ? 1 : 0);
	return 1;
}
