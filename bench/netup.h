/* What the benchmark programs that run as Linux's init and serve the network share: bringing an interface up. */
#ifndef BENCH_NETUP_H
#define BENCH_NETUP_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The modules virtio-net needs in Debian's kernels, in the order they load (each after those it uses), for load_modules. */
#define NET_MODULES "virtio_ring", "virtio", "virtio_mmio", "failover", "net_failover", "virtio_net"

/* Fill *sa with the IPv4 address text a, port 0. */
static inline void net_ipv4(struct sockaddr *sa, const char *a)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	inet_pton(AF_INET, a, &in->sin_addr);
}

/*
 * Bring interface name up through socket s, first giving it address addr
 * and mask (both NULL: keep what it has, as lo's 127.0.0.1, which Linux
 * gives it when it comes up). The driver may probe late: the interface is
 * waited for up to 10 s. 0, or -1 with errno and *what the step that failed.
 */
static inline int net_up(int s, const char *name, const char *addr, const char *mask, const char **what)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	*what = "SIOCGIFINDEX";
	for (int i = 0; ioctl(s, SIOCGIFINDEX, &ifr) < 0; i++) {
		if (i == 1000)
			return -1;
		usleep(10000);
	}
	if (addr) {
		*what = "SIOCSIFADDR";
		net_ipv4(&ifr.ifr_addr, addr);
		if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
			return -1;
		*what = "SIOCSIFNETMASK";
		net_ipv4(&ifr.ifr_netmask, mask);
		if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
			return -1;
	}
	*what = "SIOCGIFFLAGS";
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	*what = "SIOCSIFFLAGS";
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

#endif
