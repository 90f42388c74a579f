/* Network interfaces as programs see them: the table netlink, the SIOCGIF* ioctls and /proc/net read. */
#include "libos/lx/lx.h"

/*
 * lo is always there, the same in every process. Other interfaces are the
 * TCP/IP stack's: it registers each (lx_netif_set) in a table in the shared
 * heap, so that every process sees the same names, indexes and addresses.
 * Nothing here changes an interface: programs read them, and SIOCSIFFLAGS
 * succeeds only where it asks for the flags an interface already has (lo
 * brought up, as an init does).
 */

static const struct lx_netif loopback = {
	.name = "lo",
	.index = 1,
	.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
	.type = ARPHRD_LOOPBACK,
	.mtu = 65536,
	.txqlen = 1000,
	.has_ip4 = true,
	.ip4 = { 127, 0, 0, 1 },
	.prefix4 = 8,
	.nip6 = 1,
	.ip6 = { { [15] = 1 } },
	.prefix6 = { 128 },
};

const struct lx_netif *lx_netif_at(int i)
{
	struct lx_netif *t = LX_SH->netifs;
	if (i == 0)
		return &loopback;
	return t && i < LX_MAX_NETIFS && t[i - 1].index ? &t[i - 1] : NULL;
}

const struct lx_netif *lx_netif_by_index(int index)
{
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		if (n->index == index)
			return n;
	return NULL;
}

/* The interface named by the first IFNAMSIZ bytes of name (not always NUL-terminated), or NULL. */
static const struct lx_netif *by_name(const char *name)
{
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		if (strncmp(n->name, name, IFNAMSIZ - 1) == 0 && strnlen(name, IFNAMSIZ - 1) == strlen(n->name))
			return n;
	return NULL;
}

long lx_netif_set(const struct lx_netif *n)
{
	lx_lock();
	struct lx_netif *t = LX_SH->netifs;
	if (!t)
		t = LX_SH->netifs = lx_alloc((LX_MAX_NETIFS - 1) * sizeof(*t));
	long r = -ENOSPC;
	for (int i = 0; t && i < LX_MAX_NETIFS - 1; i++) {
		if (t[i].index && strcmp(t[i].name, n->name) != 0)
			continue;
		t[i] = *n;
		t[i].index = i + 2;
		r = i + 2;
		break;
	}
	lx_unlock();
	return r;
}

void lx_netif_count(int index, const struct lx_netif_counts *c)
{
	struct lx_netif *t = LX_SH->netifs;
	if (t && index >= 2 && index < LX_MAX_NETIFS + 1 && t[index - 2].index == index)
		t[index - 2].counts = *c;
}

/* The netmask of a prefix length, as four bytes. */
static void mask_of(int prefix, uint8_t out[4])
{
	uint32_t m = prefix ? ~0U << (32 - prefix) : 0;
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(m >> (24 - 8 * i));
}

bool lx_netif_route4(const uint8_t ip[4])
{
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++) {
		if (!n->has_ip4)
			continue;
		if (n->has_gw4)
			return true; /* a default route */
		uint8_t mask[4];
		mask_of(n->prefix4, mask);
		bool in = true;
		for (int k = 0; k < 4; k++)
			in = in && (ip[k] & mask[k]) == (n->ip4[k] & mask[k]);
		if (in)
			return true;
	}
	return false;
}

/* A sockaddr_in of ip into a (a struct sockaddr in an ifreq). */
static void set_in(struct linux_ifreq *q, const uint8_t ip[4])
{
	memset(&q->addr, 0, sizeof(q->addr));
	q->addr.family = AF_INET;
	memcpy(q->addr.data + 2, ip, 4); /* after the port */
}

/* SIOCGIFCONF: an ifreq (name and IPv4 address) for each interface that has one, as many as fit. */
static long ifconf(uint64_t arg)
{
	struct linux_ifconf c;
	if (copy_from_user(&c, arg, sizeof(c)) < 0)
		return -EFAULT;
	const struct lx_netif *n;
	int len = 0;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++) {
		if (!n->has_ip4)
			continue;
		if (c.buf) {
			if (len + (int)sizeof(struct linux_ifreq) > c.len)
				break;
			struct linux_ifreq q = { 0 };
			memcpy(q.name, n->name, sizeof(q.name));
			set_in(&q, n->ip4);
			if (copy_to_user(c.buf + (uint64_t)len, &q, sizeof(q)) < 0)
				return -EFAULT;
		}
		len += (int)sizeof(struct linux_ifreq);
	}
	c.len = len;
	return copy_to_user(arg, &c, sizeof(c)) < 0 ? -EFAULT : 0;
}

/* What one SIOCGIF* request (not SIOCGIFCONF) answers about n in q: 0 or -errno. */
static long ifreq_answer(unsigned long req, const struct lx_netif *n, struct linux_ifreq *q)
{
	uint8_t ip[4] = { 0 };
	switch (req) {
	case SIOCGIFNAME:
		memcpy(q->name, n->name, sizeof(q->name));
		return 0;
	case SIOCGIFFLAGS:
		q->flags = (int16_t)n->flags; /* the low 16 bits, as Linux gives them here */
		return 0;
	case SIOCGIFINDEX:
		q->ivalue = n->index;
		return 0;
	case SIOCGIFMTU:
		q->ivalue = (int32_t)n->mtu;
		return 0;
	case SIOCGIFTXQLEN:
		q->ivalue = (int32_t)n->txqlen;
		return 0;
	case SIOCGIFMETRIC:
		q->ivalue = 0;
		return 0;
	case SIOCGIFHWADDR:
		memset(&q->addr, 0, sizeof(q->addr));
		q->addr.family = (uint16_t)n->type;
		memcpy(q->addr.data, n->mac, 6);
		return 0;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
		if (!n->has_ip4)
			return -EADDRNOTAVAIL;
		if (req == SIOCGIFADDR)
			memcpy(ip, n->ip4, 4);
		else if (req == SIOCGIFNETMASK)
			mask_of(n->prefix4, ip);
		else if (!(n->flags & IFF_LOOPBACK)) { /* the subnet's broadcast; lo has none (0.0.0.0) */
			mask_of(n->prefix4, ip);
			for (int i = 0; i < 4; i++)
				ip[i] = (uint8_t)(n->ip4[i] | ~ip[i]);
		}
		set_in(q, ip);
		return 0;
	default:
		return -ENOTTY;
	}
}

long lx_netif_set_flags(const struct lx_netif *n, unsigned flags)
{
	static const unsigned changeable = IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_PROMISC |
					   IFF_ALLMULTI | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA | IFF_DYNAMIC;
	if (!lx_cred_privileged())
		return -EPERM;
	return (flags ^ n->flags) & changeable ? -EOPNOTSUPP : 0;
}

/* SIOCSIFFLAGS: lx_netif_set_flags on the interface named, its flags 16 bits; -EFAULT, or -ENODEV for none. */
static long set_flags(uint64_t arg)
{
	struct linux_ifreq q;
	if (copy_from_user(&q, arg, sizeof(q)) < 0)
		return -EFAULT;
	if (!lx_cred_privileged())
		return -EPERM;
	const struct lx_netif *n = by_name(q.name);
	if (!n)
		return -ENODEV;
	return lx_netif_set_flags(n, (uint16_t)q.flags | (n->flags & ~0xffffu));
}

long lx_netif_ioctl(int family, unsigned long req, uint64_t arg)
{
	bool addr = req == SIOCGIFADDR || req == SIOCGIFNETMASK || req == SIOCGIFBRDADDR;
	if (req == SIOCGIFCONF)
		return ifconf(arg);
	if (req == SIOCSIFFLAGS)
		return set_flags(arg);
	if (req < SIOCGIFNAME || req > SIOCGIFTXQLEN || (addr && family != AF_INET))
		return -ENOTTY;
	struct linux_ifreq q;
	if (copy_from_user(&q, arg, sizeof(q)) < 0)
		return -EFAULT;
	const struct lx_netif *n = req == SIOCGIFNAME ? lx_netif_by_index(q.ivalue) : by_name(q.name);
	if (!n)
		return ifreq_answer(req, &loopback, &q) == -ENOTTY ? -ENOTTY : -ENODEV;
	long r = ifreq_answer(req, n, &q);
	return r < 0 ? r : copy_to_user(arg, &q, sizeof(q)) < 0 ? -EFAULT : 0;
}

/* /proc/net/dev: each interface's counters, in Linux's columns. */
long lx_netif_proc_dev(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "Inter-|   Receive                                                |  Transmit\n"
			  " face |bytes    packets errs drop fifo frame compressed multicast|"
			  "bytes    packets errs drop fifo colls carrier compressed\n");
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		procfs_printf(&t,
			      "%6s: %7lu %7lu    0 %4lu    0     0          0         0 %8lu %7lu    0 %4lu    0     0 "
			      "      0          0\n",
			      n->name, n->counts.rx_bytes, n->counts.rx_packets, n->counts.rx_dropped,
			      n->counts.tx_bytes, n->counts.tx_packets, n->counts.tx_dropped);
	return procfs_done(&t, buf, len);
}

/*
 * /proc/net/if_inet6: each IPv6 address of each interface, as Linux prints
 * them: the address in hex, the interface's index, the prefix length, the
 * scope (0x10 host, 0x20 link, 0x40 site, 0 global), the flags (0x80
 * permanent; an address from a router's advertisement has none) and the name.
 */
long lx_netif_proc_if_inet6(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	struct procfs_text t = { .ok = true };
	const struct lx_netif *n;
	for (int i = 0; (n = lx_netif_at(i)) != NULL; i++)
		for (int k = 0; k < n->nip6; k++) {
			const uint8_t *a = n->ip6[k];
			bool link = a[0] == 0xfe && (a[1] & 0xc0) == 0x80, site = a[0] == 0xfe && (a[1] & 0xc0) == 0xc0;
			int scope = (n->flags & IFF_LOOPBACK) ? 0x10 : link ? 0x20 : site ? 0x40 : 0;
			for (int b = 0; b < 16; b++)
				procfs_printf(&t, "%02x", a[b]);
			procfs_printf(&t, " %02x %02x %02x %02x %8s\n", n->index, n->prefix6[k], scope,
				      (n->flags & IFF_LOOPBACK) || link ? 0x80 : 0, n->name);
		}
	return procfs_done(&t, buf, len);
}

/* Four address bytes as /proc/net/route prints them: the 32-bit word they make in memory, in hex. */
static unsigned route_hex(const uint8_t b[4])
{
	return (unsigned)b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 | (unsigned)b[3] << 24;
}

/* /proc/net/route: the IPv4 main table (as netlink's route dump has it), each line padded to 127 columns. */
long lx_netif_proc_route(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "%-127s\n",
		      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	const struct lx_netif *n;
	for (int i = 1; (n = lx_netif_at(i)) != NULL; i++) {
		if (!n->has_ip4)
			continue;
		uint8_t mask[4], net[4], zero[4] = { 0 };
		char line[128];
		mask_of(n->prefix4, mask);
		for (int k = 0; k < 4; k++)
			net[k] = n->ip4[k] & mask[k];
		if (n->has_gw4) { /* RTF_UP | RTF_GATEWAY */
			fmt_snprintf(line, sizeof(line), "%s\t%08X\t%08X\t0003\t0\t0\t0\t%08X\t0\t0\t0", n->name, 0U,
				     route_hex(n->gw4), route_hex(zero));
			procfs_printf(&t, "%-127s\n", line);
		}
		fmt_snprintf(line, sizeof(line), "%s\t%08X\t%08X\t0001\t0\t0\t0\t%08X\t0\t0\t0", n->name,
			     route_hex(net), 0U, route_hex(mask));
		procfs_printf(&t, "%-127s\n", line);
	}
	return procfs_done(&t, buf, len);
}
