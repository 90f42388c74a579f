/* lwIP's network interface over the program's packet ring: receive from the ring, send in batches, claim addresses with filters. */
#include "mica.h"
#define NET_RINGS_ONLY /* lwIP names the header fields */
#include "net.h"
#include "micanet.h"
#include "lwip/init.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define POLL_BATCH 64 /* packets taken from the ring before timers and sending get a turn */
#define TX_WAIT_NS 20000ULL /* a full device queue: look again after this long */
#define TX_PATIENCE_NS 50000000ULL /* ... and drop what is left after this long */

/*
 * The one interface. ip is the address the filters claim (host order, 0
 * until DHCP binds one); ports are the TCP ports claimed on it. Frames to
 * send wait in tx until micanet_flush hands them to the kernel in one call.
 */
static struct {
	struct netif netif;
	struct netring ring;
	uint32_t ip;
	uint16_t ports[MICANET_MAX_PORTS];
	int nports;
	int ntx;
	struct net_tx batch[NET_TX_BATCH];
	struct micanet_stats stats;
} mn;
static uint8_t tx_frames[NET_TX_BATCH][NET_SLOT_SIZE] __attribute__((aligned(64)));

/* Install f for our ring, or as a transmit filter (ring NET_TX); a refusal is counted, not fatal. */
static void claim(long ring, const struct dpf_filter *f)
{
	if (sys_net_filter(ring, f) < 0)
		mn.stats.filters_failed++;
}

/* Claim TCP port on our address: its segments come to our ring, and we may send from it. */
static void claim_port(uint16_t port)
{
	struct dpf_filter f;
	dpf_ipv4_port(&f, DPF_IPPROTO_TCP, port);
	dpf_add_eq(&f, 0, DPF_IPV4_DST, 4, mn.ip);
	claim(mn.ring.id, &f);
	dpf_ipv4_from(&f, DPF_IPPROTO_TCP, mn.ip, port);
	claim(NET_TX, &f);
}

/* IPv4 of protocol proto whose address at offset where is ip (no ports: ICMP). */
static void ipv4_addr(struct dpf_filter *f, uint8_t proto, uint16_t where, uint32_t ip)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, DPF_IPV4_PROTO, 1, proto);
	dpf_add_eq(f, 0, where, 4, ip);
}

/* Claim what belongs to address ip: ARP for it, ICMP to it, DHCP renewals from it, and each claimed port. */
static void claim_address(uint32_t ip)
{
	struct dpf_filter f;
	mn.ip = ip;
	dpf_arp_for(&f, ip);
	claim(mn.ring.id, &f);
	dpf_arp_from(&f, ip);
	claim(NET_TX, &f);
	ipv4_addr(&f, IP_PROTO_ICMP, DPF_IPV4_DST, ip);
	claim(mn.ring.id, &f);
	ipv4_addr(&f, IP_PROTO_ICMP, DPF_IPV4_SRC, ip);
	claim(NET_TX, &f);
	dpf_ipv4_from(&f, DPF_IPPROTO_UDP, ip, MICANET_DHCP_CLIENT_PORT);
	claim(NET_TX, &f);
	for (int i = 0; i < mn.nports; i++)
		claim_port(mn.ports[i]);
}

/* lwIP's word on the interface: the first address DHCP binds is claimed (a later change is not followed yet). */
static void on_status(struct netif *nif)
{
	uint32_t ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
	if (ip != 0 && mn.ip == 0)
		claim_address(ip);
}

/*
 * Hand the frames waiting in tx to the kernel, in order. The device's queue
 * (64 frames) fills at every full batch until the device has taken it, so a
 * full queue is waited for, a few microseconds at a time, for up to
 * TX_PATIENCE_NS; what is left then is dropped (TCP sends it again).
 */
void micanet_flush(void)
{
	int done = 0;
	uint64_t give_up = 0;
	while (done < mn.ntx) {
		long r = sys_net_send(mn.batch + done, mn.ntx - done);
		if (r > 0) {
			done += (int)r;
			mn.stats.tx += (uint64_t)r;
			give_up = 0;
		} else if (r == -E_AGAIN) {
			uint64_t now = clock_ns();
			if (!give_up)
				give_up = now + TX_PATIENCE_NS;
			else if (now >= give_up)
				break;
			sys_ntfn_wait(mn.ring.nt, TX_WAIT_NS);
		} else {
			done++, mn.stats.tx_failed++; /* refused: skip that one */
		}
	}
	mn.stats.tx_failed += (uint64_t)(mn.ntx - done);
	mn.ntx = 0;
}

/* lwIP's output: gather the frame's pbufs into the next transmit buffer (the ABI takes one piece per frame). */
static err_t link_output(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	if (p->tot_len > NET_FRAME_MAX)
		return ERR_VAL;
	if (mn.ntx == NET_TX_BATCH)
		micanet_flush();
	uint8_t *buf = tx_frames[mn.ntx];
	pbuf_copy_partial(p, buf, p->tot_len, 0);
	mn.batch[mn.ntx++] = (struct net_tx){ .va = (uint64_t)buf, .len = p->tot_len };
	return ERR_OK;
}

/* lwIP's set-up of the interface (micanet_link_setup), sending through link_output. */
static err_t link_init(struct netif *nif)
{
	return micanet_link_setup(nif, link_output);
}

/*
 * Start lwIP on a ring of ring_pages fresh pages at ring_va, claim DHCP's
 * answers and ask for an address (micanet_ready tells when one is bound).
 * 0, or -E_* (-E_NOENT: no network device; errors of netring_open).
 */
long micanet_start(uint64_t ring_va, long ring_pages)
{
	struct net_info k;
	if (sys_net_info(&k) < 0 || !k.link_up)
		return -E_NOENT;
	long r = netring_open(&mn.ring, ring_va, ring_pages);
	if (r < 0)
		return r;
	lwip_init();
	if (!netif_add(&mn.netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, link_init, ethernet_input))
		return -E_NOENT;
	netif_set_default(&mn.netif);
	netif_set_status_callback(&mn.netif, on_status);
	netif_set_up(&mn.netif);
	if (!micanet_claim_dhcp(mn.ring.id))
		mn.stats.filters_failed++;
	return dhcp_start(&mn.netif) == ERR_OK ? 0 : -E_NOMEM;
}

/* Claim TCP port for this program, now if the address is known, else when it is. 0, or -E_NOMEM when too many. */
long micanet_claim_tcp(uint16_t port)
{
	if (mn.nports == MICANET_MAX_PORTS)
		return -E_NOMEM;
	mn.ports[mn.nports++] = port;
	if (mn.ip)
		claim_port(port);
	return 0;
}

/* Whether DHCP has bound an address (and the filters claim it). */
bool micanet_ready(void)
{
	return mn.ip != 0;
}

/* The interface's IPv4 address in host order, 0 before DHCP has bound one. */
uint32_t micanet_addr(void)
{
	return mn.ip;
}

/* Give up to POLL_BATCH frames from the ring to lwIP; how many there were. */
static int drain(void)
{
	const struct net_slot *s;
	int n = 0;
	mn.ring.hdr->flags = NET_RING_POLL;
	while (n < POLL_BATCH && (s = netring_peek(&mn.ring)) != NULL) {
		uint16_t len = s->len < NET_FRAME_MAX ? (uint16_t)s->len : NET_FRAME_MAX;
		struct pbuf *p = pbuf_alloc(PBUF_RAW, len, PBUF_POOL);
		if (p && pbuf_take(p, s->data, len) == ERR_OK && mn.netif.input(p, &mn.netif) == ERR_OK)
			mn.stats.rx++;
		else if (p)
			pbuf_free(p), mn.stats.rx_nomem++;
		else
			mn.stats.rx_nomem++;
		netring_next(&mn.ring);
		n++;
	}
	return n;
}

/*
 * One turn of the stack: received frames to lwIP (its callbacks run here),
 * due timers, then everything sent meanwhile to the device. With nothing
 * received it waits for a packet, the next timer or wait_ns, whichever
 * comes first.
 */
void micanet_poll(uint64_t wait_ns)
{
	int n = drain();
	sys_check_timeouts();
	micanet_flush();
	if (n)
		return;
	mn.ring.hdr->flags = 0;
	if (netring_peek(&mn.ring) != NULL)
		return;
	uint32_t ms = sys_timeouts_sleeptime();
	if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE && (uint64_t)ms * 1000000 < wait_ns)
		wait_ns = (uint64_t)ms * 1000000;
	if (wait_ns)
		sys_ntfn_wait(mn.ring.nt, wait_ns);
}

/* What the interface counted. */
const struct micanet_stats *micanet_stats(void)
{
	return &mn.stats;
}

/* The lwIP interface this library runs. */
struct netif *micanet_netif(void)
{
	return &mn.netif;
}
