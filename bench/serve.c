/* Linux's side of the server benchmark: an init that brings up lo and eth0, then runs the server its command line names. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "modules.h"
#include "netup.h"

/*
 * The kernel passes what follows "--" on its command line to init as its
 * arguments: the server and its own arguments (bench/servers.sh names
 * nginx or redis-server). The machine has what Mica's has for the same
 * server: eth0 at 10.0.2.15/24 on QEMU's user network (the host's
 * published port forwarded to it), lo, /proc, /dev, /tmp and /run.
 * When the server exits, the machine powers off.
 */
static const char *const modules[] = { NET_MODULES };

static void fail(const char *what)
{
	printf("serve: %s: %s\n", what, strerror(errno));
	init_power_off();
}

/* Mount a file system of type at dir, made first. */
static void mount_at(const char *type, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(type, dir, type, 0, NULL) < 0)
		fail(dir);
}

int main(int argc, char **argv)
{
	char path[64];
	const char *what;
	if (argc < 2) {
		errno = EINVAL;
		fail("no server named after -- on the kernel's command line");
	}
	mount_at("proc", "/proc");
	mount_at("devtmpfs", "/dev");
	mount_at("tmpfs", "/tmp");
	mount_at("tmpfs", "/run");
	if (load_modules(modules, sizeof(modules) / sizeof(modules[0]), path, sizeof(path)) < 0)
		fail(path);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		fail("socket");
	if (net_up(s, "lo", NULL, NULL, &what) < 0 || net_up(s, "eth0", "10.0.2.15", "255.255.255.0", &what) < 0)
		fail(what);
	close(s);
	printf("serve: starting %s\n", argv[1]);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		fail(argv[1]);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	printf("serve: %s ended, status %#x\n", argv[1], status);
	init_power_off();
	return 0;
}
