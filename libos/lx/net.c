/* lx's TCP/IP stack: lwIP fed from pid 1's packet ring by pid 1's network thread, its state shared by every process. */
#define mem_init lwip_mem_init /* lwIP's and lx's share a name; this file calls neither */
#include "lwip/init.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/nd6.h"
#include "lwip/priv/nd6_priv.h" /* the default routers, for the interface table */
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#undef mem_init
#include "libos/lx/lx.h"
#include "libos/lx/net.h"
#define NET_RINGS_ONLY /* lwIP names the header fields */
#include "libos/native/net.h"
#include "libos/net/micanet.h"

_Static_assert(LX_NET_RING + NET_RING_MAX_PAGES * PAGE_SIZE <= LX_THREADS, "the receive ring overlaps the thread table");

/*
 * One lwIP per lx instance. Its globals are in the .netshared pages of
 * lx's image (lx.ld), which pid 1 turns into shared pages before the
 * program starts, and its memory comes from lx's shared heap: every
 * process sees the same stack, and calls into it under lx's lock. The
 * kernel's filters and ring belong to pid 1, so only pid 1 receives and
 * sends: its network thread takes frames from the ring, runs lwIP's
 * timers and sends; a frame lwIP makes in another process's call waits in
 * the shared transmit queue, and the thread is kicked to send it.
 */
#define TXQ 128           /* frames lwIP may queue between two sends */
#define POLL_BATCH 64     /* frames taken from the ring before timers and sending get a turn */
#define KICK_BIT 2        /* on the ring's notification: "there is something to send" */
#define GATEWAY 0x0A000202U /* QEMU's user network's router: the fallback's */
#define LEASE_WAIT_NS 3000000000ULL /* start-up waits this long (virtual time) for DHCP before the fallback */

static struct netshared {
	bool up;
	bool helper;
	long ntfn; /* the ring's notification, pid 1's */
	uint32_t addr; /* eth0's address (host order) once the filters claim it; 0 before */
	long filters[4]; /* the filters that claim it: ARP and IPv4 in, ARP and IPv4 out */
	uint32_t shown_mask, shown_gw; /* eth0's IPv4 netmask and router programs see (lwIP's words), as last published */
	bool fine_armed; /* DHCP's fine timer is set: a request of DHCP's waits for its answer */
	struct netif netif;
	int ntx;
	uint16_t tx_len[TXQ];
	uint8_t (*tx)[NET_FRAME_MAX]; /* TXQ frames, in lx's shared heap (only with a network) */
	int index; /* eth0's, in the interface table */
	struct lx_netif_counts counts; /* frames and bytes: rx_dropped has lx's own drops (no buffer), not the ring's */
	int nclaimed6; /* IPv6 addresses claimed (their filters asked for), and their solicited-node groups */
	uint8_t claimed6[LX_NETIF_IP6][16];
	bool refused6[LX_NETIF_IP6]; /* the kernel refused one of the address's filters: it is not used */
	int nsolicited;
	uint32_t solicited[LX_NETIF_IP6]; /* the last 24 bits of each group */
	struct lx_netif shown; /* eth0 as last published */
} sh __attribute__((section(".lxnet"), aligned(64)));

static struct netring ring; /* pid 1's */
static LX_BUFFER uint8_t page_copy[PAGE_SIZE];

bool net_up(void)
{
	return sh.up;
}

uint32_t net_addr(void)
{
	return sh.up ? sh.addr : 0;
}

bool net_own6(const uint8_t ip[16])
{
	for (int i = 0; sh.up && i < sh.shown.nip6; i++)
		if (memcmp(sh.shown.ip6[i], ip, 16) == 0)
			return true;
	return false;
}

uint32_t net_scope(void)
{
	return sh.up ? (uint32_t)sh.index : 0;
}

void net_ip_from(const void *lwip_addr, uint8_t ip[16])
{
	const ip_addr_t *a = lwip_addr;
	if (IP_IS_V6(a)) {
		memcpy(ip, ip_2_ip6(a)->addr, 16);
		return;
	}
	uint32_t v = ip4_addr_get_u32(ip_2_ip4(a)); /* network order in memory */
	memset(ip, 0, 10);
	ip[10] = ip[11] = 0xff;
	memcpy(ip + 12, &v, 4);
}

long net_ip_to(const uint8_t ip[16], uint32_t scope, void *lwip_addr)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	ip_addr_t *a = lwip_addr;
	if (memcmp(ip, mapped, 12) == 0) {
		IP_ADDR4(a, ip[12], ip[13], ip[14], ip[15]);
		return 0;
	}
	ip_addr_set_zero_ip6(a);
	memcpy(ip_2_ip6(a)->addr, ip, 16);
	if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) { /* link-local: only eth0's link, named by its index */
		if (!scope)
			return -EINVAL;
		if (scope != net_scope())
			return -ENODEV;
		ip6_addr_assign_zone(ip_2_ip6(a), IP6_UNICAST, &sh.netif);
	}
	return 0;
}

long net_ip_bind(int family, const uint8_t ip[16], bool v6only, void *lwip_addr)
{
	static const uint8_t any6[16];
	ip_addr_t *a = lwip_addr;
	if (family == AF_INET || ip[10] == 0xff) { /* IPv4's "any" or the machine's address: lwIP's any */
		ip_addr_set_any(false, a);
		return IPADDR_TYPE_V4;
	}
	if (memcmp(ip, any6, 16) == 0) {
		*a = v6only ? *IP6_ADDR_ANY : *IP_ANY_TYPE;
		return v6only ? IPADDR_TYPE_V6 : IPADDR_TYPE_ANY;
	}
	long r = net_ip_to(ip, net_scope(), a);
	return r < 0 ? r : IPADDR_TYPE_V6;
}

/* Turn [start, end) of lx's image into pages shared by every later process, keeping their bytes. false if out of memory. */
static bool share_pages(uint64_t start, uint64_t end)
{
	for (uint64_t va = start; va < end; va += PAGE_SIZE) {
		memcpy(page_copy, (void *)va, PAGE_SIZE);
		sys_unmap_range(0, va, va + PAGE_SIZE, UNMAP_FREE);
		long fn = page_alloc(0, va, LX_OWN_PERM | PTE_SHARE);
		if (fn < 0 || sys_frame_share(fn) < 0)
			return false;
		memcpy((void *)va, page_copy, PAGE_SIZE);
	}
	return true;
}

/* eth0's counters as programs see them (/proc/net/dev, netlink): lx's, and the frames the kernel dropped for a full ring. */
static void count(void)
{
	struct lx_netif_counts c = sh.counts;
	c.rx_dropped += ring.hdr ? ring.hdr->dropped : 0;
	lx_netif_count(sh.index, &c);
}

/* Send what waits in the queue (pid 1 only: the transmit filters are its). */
static void flush(void)
{
	struct net_tx batch[NET_TX_BATCH];
	int done = 0, tries = 0;
	while (done < sh.ntx && tries < 1000) {
		int n = sh.ntx - done < NET_TX_BATCH ? sh.ntx - done : NET_TX_BATCH;
		for (int i = 0; i < n; i++)
			batch[i] = (struct net_tx){ .va = (uint64_t)sh.tx[done + i], .len = sh.tx_len[done + i] };
		long r = sys_net_send(batch, n);
		for (int i = 0; i < r; i++)
			sh.counts.tx_packets++, sh.counts.tx_bytes += batch[i].len;
		if (r > 0)
			done += (int)r;
		else if (r == -E_AGAIN)
			tries++, sys_ntfn_wait(ring.nt, 20000); /* the device's queue is full: a moment */
		else
			done++, sh.counts.tx_dropped++;
	}
	sh.counts.tx_dropped += (uint64_t)(sh.ntx - done);
	sh.ntx = 0;
	count();
}

void net_kick(void)
{
	if (!sh.ntx)
		return;
	if (lx_pid == 1)
		flush();
	else
		sys_ntfn_signal(sh.ntfn, KICK_BIT);
}

/* lwIP's output: the frame into the transmit queue (sent at once when the queue is full and this is pid 1). */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	if (p->tot_len > NET_FRAME_MAX)
		return ERR_VAL;
	if (sh.ntx == TXQ && lx_pid == 1)
		flush();
	if (sh.ntx == TXQ) {
		sh.counts.tx_dropped++; /* TCP sends it again */
		return ERR_OK;
	}
	pbuf_copy_partial(p, sh.tx[sh.ntx], p->tot_len, 0);
	sh.tx_len[sh.ntx++] = p->tot_len;
	return ERR_OK;
}

static err_t link_init(struct netif *nif)
{
	err_t e = micanet_link_setup(nif, link_output);
	nif->output_ip6 = ethip6_output;
	return e;
}

/* IPv4 to (where: DPF_IPV4_DST) or from (DPF_IPV4_SRC) ip, any protocol. */
static void ipv4_any(struct dpf_filter *f, uint16_t where, uint32_t ip)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, where, 4, ip);
}

/*
 * Claim the address: ARP for it and every IPv4 packet to it come to the
 * ring; ARP and IPv4 from it may be sent. The four filters' ids into ids;
 * false (none left behind) if one was refused.
 */
static bool claim(uint32_t ip, long ids[4])
{
	struct dpf_filter f[4];
	dpf_arp_for(&f[0], ip);
	ipv4_any(&f[1], DPF_IPV4_DST, ip);
	dpf_arp_from(&f[2], ip);
	ipv4_any(&f[3], DPF_IPV4_SRC, ip);
	for (int i = 0; i < 4; i++) {
		if ((ids[i] = sys_net_filter(i < 2 ? ring.id : NET_TX, &f[i])) >= 0)
			continue;
		while (i--)
			sys_net_filter_remove(ids[i]);
		return false;
	}
	return true;
}

#define IPV6_SRC (DPF_ETH_HLEN + 8) /* the IPv6 header's source address */
#define IPV6_DST (DPF_ETH_HLEN + 24)

/* IPv6 to (IPV6_DST) or from (IPV6_SRC) ip, any next header. */
static void ipv6_any(struct dpf_filter *f, uint16_t where, const uint8_t ip[16])
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV6);
	for (int i = 0; i < 16; i += 4)
		dpf_add_eq(f, 0, (uint16_t)(where + i), 4,
			   (uint32_t)ip[i] << 24 | (uint32_t)ip[i + 1] << 16 | (uint32_t)ip[i + 2] << 8 | ip[i + 3]);
}

/* Claim IPv6 packets to ip (a multicast group), into the ring. */
static bool claim6_group(const uint8_t ip[16])
{
	struct dpf_filter f;
	ipv6_any(&f, IPV6_DST, ip);
	return sys_net_filter(ring.id, &f) >= 0;
}

/*
 * Claim IPv6 address ip (asked once, the answer kept): every packet to it
 * and to its solicited-node group (ff02::1:ffXX:XXXX, where neighbour
 * discovery asks for it) comes to the ring, and packets from it may be
 * sent. Whether the kernel took them.
 */
static bool claim6(const uint8_t ip[16])
{
	for (int i = 0; i < sh.nclaimed6; i++)
		if (memcmp(sh.claimed6[i], ip, 16) == 0)
			return !sh.refused6[i];
	if (sh.nclaimed6 == LX_NETIF_IP6)
		return false;
	struct dpf_filter f;
	ipv6_any(&f, IPV6_DST, ip);
	bool ok = sys_net_filter(ring.id, &f) >= 0;
	ipv6_any(&f, IPV6_SRC, ip);
	ok = ok && sys_net_filter(NET_TX, &f) >= 0;
	uint32_t low = (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	bool have = false;
	for (int i = 0; i < sh.nsolicited; i++)
		have = have || sh.solicited[i] == low;
	if (ok && !have) {
		uint8_t group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = ip[13], [14] = ip[14], [15] = ip[15] };
		ok = claim6_group(group);
		sh.solicited[sh.nsolicited++] = low;
	}
	sh.refused6[sh.nclaimed6] = !ok;
	memcpy(sh.claimed6[sh.nclaimed6++], ip, 16);
	return ok;
}

/* eth0's IPv6 side into n: its usable addresses (each claimed first; one the kernel refused is dropped) and its router. */
static void view6(struct lx_netif *n)
{
	n->nip6 = 0;
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES && n->nip6 < LX_NETIF_IP6; i++) {
		if (!ip6_addr_isvalid(netif_ip6_addr_state(&sh.netif, i)))
			continue;
		const uint8_t *ip = (const uint8_t *)netif_ip6_addr(&sh.netif, i)->addr;
		if (!claim6(ip)) {
			netif_ip6_addr_set_state(&sh.netif, (s8_t)i, IP6_ADDR_INVALID); /* lwIP must not send from it */
			continue;
		}
		memcpy(n->ip6[n->nip6], ip, 16);
		n->prefix6[n->nip6++] = 64; /* the link-local prefix, and SLAAC's */
	}
	n->has_gw6 = false;
	for (int i = 0; i < LWIP_ND6_NUM_ROUTERS && !n->has_gw6; i++) {
		struct nd6_neighbor_cache_entry *e = default_router_list[i].neighbor_entry;
		if (e && default_router_list[i].invalidation_timer > 0) {
			memcpy(n->gw6, e->next_hop_address.addr, 16);
			n->has_gw6 = true;
		}
	}
}

/* The interface as programs see it (netif.c): eth0, with lwIP's addresses, its subnet and its routers. */
static void publish(void)
{
	struct lx_netif n = { .name = "eth0",
			      .flags = IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP,
			      .type = ARPHRD_ETHER,
			      .mtu = 1500,
			      .txqlen = 1000,
			      .has_ip4 = true };
	sh.shown_mask = ip4_addr_get_u32(netif_ip4_netmask(&sh.netif));
	sh.shown_gw = ip4_addr_get_u32(netif_ip4_gw(&sh.netif));
	memcpy(n.mac, sh.netif.hwaddr, 6);
	memcpy(n.ip4, netif_ip4_addr(&sh.netif), 4); /* lwIP keeps addresses in network order, as Linux shows them */
	memcpy(n.gw4, netif_ip4_gw(&sh.netif), 4);
	n.has_gw4 = !ip4_addr_isany(netif_ip4_gw(&sh.netif));
	for (uint32_t m = ip4_addr_get_u32(netif_ip4_netmask(&sh.netif)); m; m &= m - 1)
		n.prefix4++; /* the netmask's bits */
	view6(&n);
	long index = lx_netif_set(&n);
	sh.index = index > 0 ? (int)index : 0;
	sh.shown = n;
}

/* After lwIP's timers or packets: publish eth0 again if its IPv6 addresses or router changed (SLAAC). */
static void follow6(void)
{
	struct lx_netif n = sh.shown;
	if (!sh.addr)
		return;
	view6(&n);
	if (n.nip6 != sh.shown.nip6 || n.has_gw6 != sh.shown.has_gw6 || memcmp(n.ip6, sh.shown.ip6, sizeof(n.ip6)) ||
	    memcmp(n.gw6, sh.shown.gw6, 16))
		publish();
}

/*
 * Follow eth0's settings as lwIP has them now (pid 1, after DHCP's answers
 * and timers have run, before what lwIP queued meanwhile is sent): a new
 * address (the first, from DHCP or the fallback; a lease after the
 * fallback; another at a renewal) is claimed before any frame from it
 * leaves, and the old one's filters go after; a new netmask or router is
 * published. An address lost with its lease (0) leaves the last one as it
 * is until another comes.
 */
static void follow(void)
{
	uint32_t ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&sh.netif)));
	long ids[4];
	if (ip == 0 || lx_pid != 1)
		return;
	if (ip != sh.addr) {
		if (!claim(ip, ids)) {
			printf("lx: the network device cannot be used (the filters for its address were refused)\n");
			return;
		}
		for (int i = 0; sh.addr && i < 4; i++)
			sys_net_filter_remove(sh.filters[i]);
		memcpy(sh.filters, ids, sizeof(ids));
		sh.addr = ip;
		publish();
		return;
	}
	if (sh.shown_mask != ip4_addr_get_u32(netif_ip4_netmask(&sh.netif)) ||
	    sh.shown_gw != ip4_addr_get_u32(netif_ip4_gw(&sh.netif)))
		publish();
}

/*
 * DHCP's fine timer (lwIP's dhcp_fine_tmr, every DHCP_FINE_TIMER_MSECS)
 * counts down a request's wait for its answer, and does nothing else: it
 * runs only while one waits, so that an idle lx is not woken for it. lwIP
 * starts it as one of its cyclic timers; net_init takes it back.
 */
static void dhcp_fine(void *arg)
{
	(void)arg;
	sh.fine_armed = false;
	dhcp_fine_tmr();
}

/* Set DHCP's fine timer if a request waits and it is not set. */
static void dhcp_fine_follow(void)
{
	struct dhcp *d = netif_dhcp_data(&sh.netif);
	if (d && d->request_timeout > 0 && !sh.fine_armed) {
		sys_timeout(DHCP_FINE_TIMER_MSECS, dhcp_fine, NULL);
		sh.fine_armed = true;
	}
}

/* Take lwIP's own cyclic DHCP fine timer back (dhcp_fine_follow sets it when needed). */
static void dhcp_fine_take_back(void)
{
	for (int i = 0; i < lwip_num_cyclic_timers; i++)
		if (lwip_cyclic_timers[i].handler == dhcp_fine_tmr)
			sys_untimeout(lwip_cyclic_timer, (void *)&lwip_cyclic_timers[i]);
}

/* Give up to POLL_BATCH frames from the ring to lwIP; how many there were. */
static int drain(void)
{
	const struct net_slot *s;
	int n = 0;
	ring.hdr->flags = NET_RING_POLL;
	while (n < POLL_BATCH && (s = netring_peek(&ring)) != NULL) {
		uint16_t len = s->len < NET_FRAME_MAX ? (uint16_t)s->len : NET_FRAME_MAX;
		struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
		if (p && (pbuf_take(p, s->data, len) != ERR_OK || sh.netif.input(p, &sh.netif) != ERR_OK))
			pbuf_free(p);
		sh.counts.rx_packets++, sh.counts.rx_bytes += len;
		sh.counts.rx_dropped += !p;
		netring_next(&ring);
		n++;
	}
	if (n)
		count();
	return n;
}

/* One turn of the stack: frames in, due timers, frames out. Whether it has more to do at once (frames came). */
static bool turn(void)
{
	int n = drain();
	sys_check_timeouts();
	follow();
	follow6();
	dhcp_fine_follow();
	flush();
	if (n)
		return true;
	ring.hdr->flags = 0;
	return netring_peek(&ring) != NULL;
}

/* How long the stack may sleep after a turn: until lwIP's next timer, at most max_ns. */
static uint64_t sleep_ns(uint64_t max_ns)
{
	uint32_t ms = sys_timeouts_sleeptime();
	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE || (uint64_t)ms * 1000000 > max_ns)
		return max_ns;
	return (uint64_t)ms * 1000000;
}

/* Start DHCP and run the stack until it binds an address or LEASE_WAIT_NS has passed: whether it bound one. */
static bool lease(void)
{
	if (dhcp_start(&sh.netif) != ERR_OK)
		return false;
	uint64_t end = clock_ns() + LEASE_WAIT_NS;
	while (!dhcp_supplied_address(&sh.netif)) {
		uint64_t now = clock_ns();
		if (now >= end)
			return false;
		if (!turn())
			sys_ntfn_wait(ring.nt, sleep_ns(end - now));
	}
	return true;
}

/* No lease yet: eth0 takes QEMU's usual address, router and /24, saying so; DHCP goes on asking. */
static void fallback(void)
{
	ip4_addr_t ip, mask, gw;
	ip4_addr_set_u32(&ip, lwip_htonl(LX_NET_ADDR));
	ip4_addr_set_u32(&mask, lwip_htonl(0xFFFFFF00U));
	ip4_addr_set_u32(&gw, lwip_htonl(GATEWAY));
	netif_set_addr(&sh.netif, &ip, &mask, &gw);
	follow();
	printf("lx: no answer from a DHCP server in %llu s: eth0 takes 10.0.2.15/24 with router 10.0.2.2 until one "
	       "answers\n",
	       LEASE_WAIT_NS / 1000000000ULL);
}

/* A dotted-decimal IPv4 address (up to its end or a newline) in host order into *out: false if s is not one. */
static bool parse_ip4(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	for (int part = 0; part < 4; part++) {
		unsigned n = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 3)
			n = n * 10 + (unsigned)(*s++ - '0'), digits++;
		if (!digits || n > 255 || (part < 3 && *s++ != '.'))
			return false;
		v = v << 8 | n;
	}
	*out = v;
	return *s == 0 || *s == '\n';
}

/* A fixed address (mica run --wire with --ip): eth0 takes it at once with a /24 and no router; no DHCP. */
static void fixed(uint32_t addr)
{
	ip4_addr_t ip, mask;
	ip4_addr_set_u32(&ip, lwip_htonl(addr));
	ip4_addr_set_u32(&mask, lwip_htonl(0xFFFFFF00U));
	netif_set_addr(&sh.netif, &ip, &mask, IP4_ADDR_ANY4);
	follow();
}

/*
 * IPv6 on eth0: the link-local address from the MAC, usable at once (no
 * duplicate detection) and claimed with the all-nodes group (routers'
 * advertisements), and SLAAC for the addresses routers advertise. Without
 * the filters lwIP still runs IPv4, and IPv6 stays on the loopback.
 */
static void start6(void)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	netif_create_ip6_linklocal_address(&sh.netif, 1);
	netif_ip6_addr_set_state(&sh.netif, 0, IP6_ADDR_PREFERRED);
	if (!claim6_group(all_nodes) || !claim6((const uint8_t *)netif_ip6_addr(&sh.netif, 0)->addr)) {
		printf("lx: eth0 has no IPv6 (the filters for its link-local address were refused)\n");
		netif_ip6_addr_set_state(&sh.netif, 0, IP6_ADDR_INVALID);
		return;
	}
	netif_set_ip6_autoconfig_enabled(&sh.netif, 1);
}

/*
 * pid 1, before the program: lwIP on eth0, its address from DHCP (QEMU's
 * user network answers at once) or, with no answer in LEASE_WAIT_NS, the
 * fixed fallback until DHCP, which goes on in the network thread, binds
 * one; or the address ip4 says, if not NULL (no DHCP then). Nothing
 * without a device.
 */
void net_init(const char *ip4)
{
	uint32_t addr = 0;
	struct net_info k;
	extern char lx_net_shared_start[], lx_net_shared_end[];
	if (sys_net_info(&k) < 0 || !k.link_up)
		return;
	if (ip4 && !parse_ip4(ip4, &addr))
		die("lx: .mica/ip is not an IPv4 address");
	if (!share_pages((uint64_t)lx_net_shared_start, (uint64_t)lx_net_shared_end))
		die("lx: out of memory for the network's shared pages");
	if (!(sh.tx = lx_alloc(TXQ * sizeof(*sh.tx))))
		die("lx: out of memory for the network's transmit queue");
	if (netring_open(&ring, LX_NET_RING, NET_RING_MAX_PAGES) < 0 || !micanet_claim_dhcp(ring.id)) {
		printf("lx: the network device cannot be used (its ring or filters were refused)\n");
		return;
	}
	sh.ntfn = ring.nt;
	lwip_init();
	dhcp_fine_take_back();
	if (!netif_add(&sh.netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, link_init, ethernet_input))
		return;
	netif_set_default(&sh.netif);
	start6();
	netif_set_up(&sh.netif);
	bool leased = false;
	if (addr)
		fixed(addr);
	else if (!(leased = lease()))
		fallback();
	sh.up = sh.addr != 0;
	if (!addr && !leased && sh.up) { /* DHCP goes on in the network thread, which shares lx: start-up lets go of the lock */
		bool multi = lx_modes.multi;
		net_start_helper();
		if (!multi && lx_modes.multi)
			lx_unlock();
	}
}

/* pid 1's network thread: turns of the stack; between them it sleeps until a frame, a kick or lwIP's next timer. */
static void net_thread(struct lx_thread *t)
{
	(void)t;
	lx_lock();
	for (;;) {
		if (turn())
			continue;
		uint64_t ns = sleep_ns(TIMEOUT_FOREVER);
		int depth = lx_lock_drop();
		sys_ntfn_wait(ring.nt, ns);
		lx_lock_take(depth);
	}
}

void net_start_helper(void)
{
	if (lx_pid == 1 && sh.up && !sh.helper && lx_thread_helper(net_thread))
		sh.helper = true;
}
