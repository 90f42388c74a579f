/* Linux's side of the UDP echo benchmark: a static recvfrom/sendto echo server run as init, configuring its own interface. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "idle.h"
#include "modules.h"
#include "netup.h"

/*
 * The host client (tests/net_host.py --bench) speaks to it as it speaks to
 * Mica's user/netecho: UDP to 10.0.2.15 port 7 comes back as it came;
 * "stats" is answered with "kernel clock NS idle NS statidle NS"
 * (CLOCK_MONOTONIC, and the idle time two ways: idle_ns); "quit" powers
 * the machine off. There are no tools in the initramfs: the program loads
 * the virtio modules itself (this kernel has them as modules; microvm's
 * ACPI tables describe the device), sets eth0's address and brings it up
 * with ioctls, and gives the host's address (10.0.2.2) a permanent ARP
 * entry with the MAC the host client uses, so Linux never has to ask.
 */
#define PORT 7
#define GUEST_IP "10.0.2.15"
#define NETMASK "255.255.255.0"
#define HOST_IP "10.0.2.2"
static const unsigned char host_mac[6] = { 0x52, 0x55, 0x00, 0x00, 0x00, 0x02 };
static const char *const modules[] = { NET_MODULES };

static void fail(const char *what)
{
	printf("udpecho: %s: %s\n", what, strerror(errno));
	init_power_off();
}


/* eth0: its address and mask, up, and a permanent ARP entry for the host. */
static void configure(int s)
{
	struct arpreq arp;
	const char *what;
	if (net_up(s, "eth0", GUEST_IP, NETMASK, &what) < 0)
		fail(what);
	memset(&arp, 0, sizeof(arp));
	net_ipv4(&arp.arp_pa, HOST_IP);
	arp.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(arp.arp_ha.sa_data, host_mac, sizeof(host_mac));
	arp.arp_flags = ATF_COM | ATF_PERM;
	strcpy(arp.arp_dev, "eth0");
	if (ioctl(s, SIOCSARP, &arp) < 0)
		fail("SIOCSARP");
}

/*
 * The idle time so far, in ns, as the kernel keeps it precisely (its tick's
 * idle_sleeptime and iowait_sleeptime, from /proc/timer_list), or, with
 * stat set, as /proc/stat's cpu line shows it (idle + iowait, in USER_HZ
 * ticks). This kernel's /proc/stat samples at each timer tick here, and
 * under -icount sleep=off the tick nearly always lands while the CPU is
 * idle, so /proc/stat counts almost all time as idle: it is reported as
 * evidence, the precise figure is the one used.
 */
static unsigned long long idle_ns(int stat)
{
	unsigned long long user, nice, sys, idle = 0, iowait = 0;
	if (!stat) {
		long long ns = timer_list_idle_ns();
		if (ns < 0)
			fail("/proc/timer_list");
		return (unsigned long long)ns;
	}
	FILE *f = fopen("/proc/stat", "r");
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait) != 5)
		fail("/proc/stat");
	fclose(f);
	return (idle + iowait) * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

static unsigned long long clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* Echo every datagram to port PORT until "quit"; answer "stats" with the clock and the idle time. */
static void serve(int s)
{
	static char buf[2048];
	struct sockaddr_in from;
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			fail("recvfrom");
		if (n == 4 && memcmp(buf, "quit", 4) == 0)
			return;
		if (n == 5 && memcmp(buf, "stats", 5) == 0)
			n = snprintf(buf, sizeof(buf), "kernel clock %llu idle %llu statidle %llu", clock_ns(),
				     idle_ns(0), idle_ns(1));
		if (sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) < 0)
			fail("sendto");
	}
}

int main(void)
{
	struct sockaddr_in me;
	mkdir("/proc", 0555);
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		fail("mount /proc");
	char path[64];
	if (load_modules(modules, sizeof(modules) / sizeof(modules[0]), path, sizeof(path)) < 0)
		fail(path);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		fail("socket");
	configure(s);
	net_ipv4((struct sockaddr *)&me, "0.0.0.0");
	me.sin_port = htons(PORT);
	if (bind(s, (struct sockaddr *)&me, sizeof(me)) < 0)
		fail("bind");
	printf("udpecho: port %d ready\n", PORT);
	fflush(stdout);
	serve(s);
	printf("info done\n");
	init_power_off();
	return 0;
}
