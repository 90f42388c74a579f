/* Network interfaces as programs see them: lo always, and those the TCP/IP stack registers. (netif.c) */
#ifndef LX_NETIF_H
#define LX_NETIF_H

#define LX_NETIF_IP6 3 /* IPv6 addresses an interface may have */

/* One interface: what netlink dumps, the SIOCGIF* ioctls and /proc/net tell. */
struct lx_netif {
	char name[IFNAMSIZ];
	int index; /* 1 for lo; lx_netif_set numbers the others */
	unsigned flags; /* IFF_* */
	int type; /* ARPHRD_* */
	unsigned mtu, txqlen;
	uint8_t mac[6];
	bool has_ip4, has_gw4, has_gw6;
	uint8_t ip4[4], prefix4, gw4[4];
	int nip6; /* IPv6 addresses: link-local first, then those from routers' advertisements */
	uint8_t ip6[LX_NETIF_IP6][16], prefix6[LX_NETIF_IP6];
	uint8_t gw6[16]; /* the default router (link-local), if has_gw6 */
	struct lx_netif_counts {
		uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
		uint64_t rx_dropped, tx_dropped; /* frames lost on the way in (a full ring, no buffer) and out */
	} counts;
};
#define LX_MAX_NETIFS 4 /* lo and three more */

const struct lx_netif *lx_netif_at(int i); /* the i-th interface (0 is lo), NULL past the last */
const struct lx_netif *lx_netif_by_index(int index); /* NULL: none */
/* Add an interface, or replace the one of the same name (the stack's, as its address or link changes): its index, or -ENOSPC. */
long lx_netif_set(const struct lx_netif *n);
/*
 * Ask that n's flags become flags (SIOCSIFFLAGS, netlink's RTM_NEWLINK): 0
 * when every flag Linux lets a program change stays as n has it (lo brought
 * up, as an init does); -EPERM (not root: Linux asks for CAP_NET_ADMIN),
 * -EOPNOTSUPP (a change: lx's interfaces stay up, never promiscuous).
 */
long lx_netif_set_flags(const struct lx_netif *n, unsigned flags);
/*
 * Is there a route to the IPv4 address ip (its four bytes): an interface's subnet holds it, or an interface has a
 * default router, as the routes netlink and /proc/net/route show. Linux's connect fails with ENETUNREACH without.
 */
bool lx_netif_route4(const uint8_t ip[4]);
void lx_netif_count(int index, const struct lx_netif_counts *c); /* interface index's counters are now c */
/* SIOCGIF* on a socket of family (addresses on AF_INET's alone): 0 or -errno; -ENOTTY for a request that is not about interfaces. */
long lx_netif_ioctl(int family, unsigned long req, uint64_t arg);
/* /proc/net/dev, /proc/net/route and /proc/net/if_inet6 (procfs generators). */
struct inode;
long lx_netif_proc_dev(struct inode *node, char **buf, size_t *len);
long lx_netif_proc_route(struct inode *node, char **buf, size_t *len);
long lx_netif_proc_if_inet6(struct inode *node, char **buf, size_t *len); /* /proc/net/if_inet6 */

#endif
