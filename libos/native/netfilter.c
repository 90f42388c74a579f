/* Filter builders for native programs: the usual packet classes written in the filter language (mica/dpf.h). */
#include "net.h"

static void start(struct dpf_filter *f)
{
	memset(f, 0, sizeof(*f));
}

/* Add "the width-byte field at off equals value". */
static void eq(struct dpf_filter *f, uint16_t off, uint8_t width, uint32_t value)
{
	struct dpf_atom *a = &f->atoms[f->natoms++];
	a->off = off;
	a->width = width;
	a->mask = width == 4 ? 0xFFFFFFFFU : (1U << (8 * width)) - 1;
	a->value = value;
}

/* ARP packets asking for (or telling of) ip. */
void filter_arp_for(struct dpf_filter *f, uint32_t ip)
{
	start(f);
	eq(f, ETH_TYPE, 2, ETHERTYPE_ARP);
	eq(f, ARP_TPA, 4, ip);
}

/* IPv4 packets of protocol proto to ip. */
void filter_ip_to(struct dpf_filter *f, uint32_t ip, uint8_t proto)
{
	start(f);
	eq(f, ETH_TYPE, 2, ETHERTYPE_IP);
	eq(f, IP_VHL, 1, IP_VHL_NOOPT);
	eq(f, IP_PROTO, 1, proto);
	eq(f, IP_DST, 4, ip);
}

/* UDP datagrams to ip:port. */
void filter_udp_to(struct dpf_filter *f, uint32_t ip, uint16_t port)
{
	filter_ip_to(f, ip, IPPROTO_UDP);
	eq(f, UDP_DPORT, 2, port);
}

/* UDP datagrams from src:sport to dst:dport (more specific than filter_udp_to). */
void filter_udp_from_to(struct dpf_filter *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	filter_udp_to(f, dst, dport);
	eq(f, IP_SRC, 4, src);
	eq(f, UDP_SPORT, 2, sport);
}

/* Transmit: ARP packets that speak for ip. */
void filter_tx_arp_from(struct dpf_filter *f, uint32_t ip)
{
	start(f);
	eq(f, ETH_TYPE, 2, ETHERTYPE_ARP);
	eq(f, ARP_SPA, 4, ip);
}

/* Transmit: IPv4 packets of protocol proto from ip. */
void filter_tx_ip_from(struct dpf_filter *f, uint32_t ip, uint8_t proto)
{
	start(f);
	eq(f, ETH_TYPE, 2, ETHERTYPE_IP);
	eq(f, IP_VHL, 1, IP_VHL_NOOPT);
	eq(f, IP_PROTO, 1, proto);
	eq(f, IP_SRC, 4, ip);
}

/* Transmit: UDP datagrams from ip:port. */
void filter_tx_udp_from(struct dpf_filter *f, uint32_t ip, uint16_t port)
{
	filter_tx_ip_from(f, ip, IPPROTO_UDP);
	eq(f, UDP_SPORT, 2, port);
}
