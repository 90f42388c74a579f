/* The hello world that `mica run` is timed with, and that Linux runs as init: print, then power off. */
#include <stdio.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	printf("hello, world\n");
	fflush(stdout);
	if (getpid() == 1) {
		sync();
		reboot(RB_POWER_OFF); /* as init on Linux: end the VM */
	}
	return 0;
}
