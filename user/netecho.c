/* A native packet environment: claims its own packets with filters and answers ARP, ICMP echo and UDP echo from its ring. */
#include "mica.h"
#include "net.h"

/*
 * Started with arg 0 (as init, say) it serves UDP port ECHO_PORT, ARP and
 * ICMP for ECHO_IP, and starts a second copy of itself for UDP port
 * ECHO_PORT2 only: two environments side by side, each with its own ring and
 * filters. A datagram "stats" is answered with this environment's and the
 * kernel's counters; "quit" (to the first) ends the machine with status 0.
 * Anything else to its port comes back as it came.
 */
#define ECHO_IP 0x0A00020FU /* 10.0.2.15: QEMU user networking's guest address */
#define ECHO_PORT 7
#define ECHO_PORT2 8
#define RING_VA 0x50000000UL
#define RING_PAGES 33 /* 64 slots */
#define STATS_MAX 400

static struct {
	uint16_t port;
	bool first;
	uint8_t mac[6];
	struct netring ring;
	uint64_t rx, foreign, bad, echoed, arp, icmp, tx_failed;
} me;
static uint8_t out[NET_FRAME_MAX] __attribute__((aligned(64)));

/* Send out[0..len), trying again while the device's queue is full. */
static void reply(size_t len)
{
	long r = -E_AGAIN;
	for (int i = 0; i < 100 && r == -E_AGAIN; i++)
		if ((r = net_send1(out, len)) == -E_AGAIN)
			sys_yield(0);
	me.tx_failed += r != 1;
}

/* Address out as an answer to the frame in p: Ethernet addresses swapped, type kept. */
static void eth_answer(const uint8_t *p)
{
	memcpy(out + ETH_DST, p + ETH_SRC, 6);
	memcpy(out + ETH_SRC, me.mac, 6);
	memcpy(out + ETH_TYPE, p + ETH_TYPE, 2);
}

/* An ARP request for our address: answer it. */
static void on_arp(const uint8_t *p, size_t len)
{
	if (len < ARP_LEN || get16(p + ARP_OP) != ARP_REQUEST || get32(p + ARP_TPA) != ECHO_IP) {
		me.bad++;
		return;
	}
	eth_answer(p);
	memcpy(out + ETH_HLEN, p + ETH_HLEN, ARP_OP - ETH_HLEN); /* hardware and protocol types and sizes */
	put16(out + ARP_OP, ARP_REPLY);
	memcpy(out + ARP_SHA, me.mac, 6);
	put32(out + ARP_SPA, ECHO_IP);
	memcpy(out + ARP_THA, p + ARP_SHA, 6);
	memcpy(out + ARP_TPA, p + ARP_SPA, 4);
	me.arp++;
	reply(ARP_LEN);
}

/*
 * The IPv4 packet in p: its length from the IP header when the header is
 * plain (no options), addressed to us, of protocol proto, and no longer than
 * the frame; 0 when it is none of that (a lying length field included).
 */
static size_t ip_len(const uint8_t *p, size_t len, uint8_t proto, size_t min)
{
	if (len < ETH_HLEN + IP_HLEN || p[IP_VHL] != IP_VHL_NOOPT || p[IP_PROTO] != proto ||
	    get32(p + IP_DST) != ECHO_IP)
		return 0;
	size_t n = get16(p + IP_LEN);
	return n >= IP_HLEN + min && ETH_HLEN + n <= len ? n : 0;
}

/* Turn p's IP header around into out (source and destination swapped, checksum made again). */
static void ip_answer(const uint8_t *p, size_t n)
{
	eth_answer(p);
	memcpy(out + ETH_HLEN, p + ETH_HLEN, n);
	memcpy(out + IP_SRC, p + IP_DST, 4);
	memcpy(out + IP_DST, p + IP_SRC, 4);
	out[IP_TTL] = 64;
	put16(out + IP_SUM, 0);
	put16(out + IP_SUM, inet_checksum(out + ETH_HLEN, IP_HLEN));
}

/* An ICMP echo request: answer with the same identifier, sequence and data. */
static void on_icmp(const uint8_t *p, size_t len)
{
	size_t n = ip_len(p, len, IPPROTO_ICMP, 8);
	if (!n || p[ICMP_TYPE] != ICMP_ECHO_REQUEST) {
		me.bad++;
		return;
	}
	ip_answer(p, n);
	out[ICMP_TYPE] = ICMP_ECHO_REPLY;
	put16(out + ICMP_SUM, 0);
	put16(out + ICMP_SUM, inet_checksum(out + ICMP_TYPE, n - IP_HLEN));
	me.icmp++;
	reply(ETH_HLEN + n);
}

/* Write the counters as text at out's UDP data; their length. */
static size_t stats_text(void)
{
	struct net_info k;
	sys_net_info(&k);
	int n = fmt_snprintf(
		(char *)out + UDP_DATA, STATS_MAX,
		"port %u rx %lu foreign %lu bad %lu echoed %lu arp %lu icmp %lu txfail %lu ringdrop %lu "
		"kernel rx %lu runts %lu oversized %lu unclaimed %lu full %lu delivered %lu tx %lu refused %lu "
		"clock %lu idle %lu",
		me.port, me.rx, me.foreign, me.bad, me.echoed, me.arp, me.icmp, me.tx_failed, me.ring.hdr->dropped,
		k.rx_frames, k.rx_runts, k.rx_oversized, k.rx_unclaimed, k.rx_ring_full, k.rx_delivered, k.tx_frames,
		k.tx_refused, clock_ns(), KIP->idle_ns);
	return n < STATS_MAX ? (size_t)n : STATS_MAX - 1;
}

/* A datagram to our port: echo it, or answer "stats"; "quit" ends the first environment. */
static bool on_udp(const uint8_t *p, size_t len)
{
	size_t n = ip_len(p, len, IPPROTO_UDP, 8), ulen = n ? get16(p + UDP_LEN) : 0;
	if (!n || ulen < 8 || ulen > n - IP_HLEN) {
		me.bad++;
		return true;
	}
	if (get16(p + UDP_DPORT) != me.port) {
		me.foreign++;
		return true;
	}
	const char *data = (const char *)p + UDP_DATA;
	bool quit = me.first && ulen - 8 == 4 && memcmp(data, "quit", 4) == 0;
	ip_answer(p, IP_HLEN + ulen);
	memcpy(out + UDP_SPORT, p + UDP_DPORT, 2);
	memcpy(out + UDP_DPORT, p + UDP_SPORT, 2);
	put16(out + UDP_SUM, 0); /* no checksum: allowed over IPv4 */
	if (ulen - 8 == 5 && memcmp(data, "stats", 5) == 0) {
		ulen = 8 + stats_text();
		put16(out + UDP_LEN, (uint16_t)ulen);
		put16(out + IP_LEN, (uint16_t)(IP_HLEN + ulen));
		put16(out + IP_SUM, 0);
		put16(out + IP_SUM, inet_checksum(out + ETH_HLEN, IP_HLEN));
	} else {
		me.echoed++;
	}
	reply(ETH_HLEN + IP_HLEN + ulen);
	return !quit;
}

/* One packet from the ring; false when it asked us to end. */
static bool handle(const uint8_t *p, size_t len)
{
	me.rx++;
	uint16_t type = get16(p + ETH_TYPE);
	if (type == ETHERTYPE_ARP && me.first) {
		on_arp(p, len);
	} else if (type == ETHERTYPE_IP && len > IP_PROTO && p[IP_PROTO] == IPPROTO_ICMP && me.first) {
		on_icmp(p, len);
	} else if (type == ETHERTYPE_IP && len > IP_PROTO && p[IP_PROTO] == IPPROTO_UDP) {
		return on_udp(p, len);
	} else {
		me.foreign++;
	}
	return true;
}

/* Install f for our ring (or NET_TX); die on failure. */
static void claim(long ring, const struct dpf_filter *f, const char *what)
{
	long r = sys_net_filter(ring, f);
	if (r < 0)
		die("netecho: cannot install the %s filter: %s", what, mica_strerror((int)r));
}

/* IPv4 of protocol proto with address ip at offset where (the source or the destination); no ports, so no indirection. */
static void ipv4_addr(struct dpf_filter *f, uint8_t proto, uint16_t where, uint32_t ip)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, DPF_IPV4_PROTO, 1, proto);
	dpf_add_eq(f, 0, where, 4, ip);
}

/* Claim what this environment answers, and what it may send: its port, and for the first ARP and ICMP. */
static void claim_all(void)
{
	struct dpf_filter f;
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, me.port);
	dpf_add_eq(&f, 0, DPF_IPV4_DST, 4, ECHO_IP);
	claim(me.ring.id, &f, "udp");
	dpf_ipv4_from(&f, DPF_IPPROTO_UDP, ECHO_IP, me.port);
	claim(NET_TX, &f, "udp transmit");
	if (!me.first)
		return;
	dpf_arp_for(&f, ECHO_IP);
	claim(me.ring.id, &f, "arp");
	ipv4_addr(&f, IPPROTO_ICMP, DPF_IPV4_DST, ECHO_IP);
	claim(me.ring.id, &f, "icmp");
	dpf_arp_from(&f, ECHO_IP);
	claim(NET_TX, &f, "arp transmit");
	ipv4_addr(&f, IPPROTO_ICMP, DPF_IPV4_SRC, ECHO_IP);
	claim(NET_TX, &f, "icmp transmit");
}

/*
 * Serve until told to quit: drain the ring with the notification off (the
 * ring's poll flag), then turn it back on and look once more before waiting.
 */
static void serve(void)
{
	const struct net_slot *s;
	for (;;) {
		me.ring.hdr->flags = NET_RING_POLL;
		while ((s = netring_peek(&me.ring)) != NULL) {
			bool more = handle(s->data, s->len < NET_FRAME_MAX ? s->len : NET_FRAME_MAX);
			netring_next(&me.ring);
			if (!more)
				return;
		}
		me.ring.hdr->flags = 0;
		if (netring_peek(&me.ring) == NULL)
			sys_ntfn_wait(me.ring.nt, TIMEOUT_FOREVER);
	}
}

int main(void)
{
	struct net_info k;
	uint64_t arg = mica_start_info->arg;
	me.first = arg == 0;
	me.port = me.first ? ECHO_PORT : (uint16_t)arg;
	if (sys_net_info(&k) < 0 || !k.link_up)
		die("netecho: no network device");
	memcpy(me.mac, k.mac, sizeof(me.mac));
	long r = netring_open(&me.ring, RING_VA, RING_PAGES);
	if (r < 0)
		die("netecho: cannot bind a ring: %s", mica_strerror((int)r));
	claim_all();
	if (me.first && spawn("netecho", ECHO_PORT2) < 0)
		die("netecho: cannot start the second environment");
	printf("netecho: port %u ready\n", me.port);
	serve();
	return 0;
}
