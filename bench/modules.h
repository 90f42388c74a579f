/* What the benchmark programs that run as Linux's init share: loading the kernel modules their devices need, and powering off. */
#ifndef BENCH_MODULES_H
#define BENCH_MODULES_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/*
 * Load /lib/modules/NAME.ko for each of the n names, in order (one the
 * kernel has already is fine): 0, or -1 with the path that failed in path.
 */
static inline int load_modules(const char *const *names, size_t n, char *path, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(path, size, "/lib/modules/%s.ko", names[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST))
			return -1;
		close(fd);
	}
	return 0;
}

/* Stop the machine once the console has what was printed (QEMU exits: -no-reboot turns a failed power-off's reset into an exit too). */
static inline void init_power_off(void)
{
	fflush(stdout);
	tcdrain(1);
	usleep(20000);
	reboot(RB_POWER_OFF);
	reboot(RB_AUTOBOOT);
	_exit(1);
}

#endif
