/* Packet rings for native programs: a receive ring of the program's own pages, sending, header offsets (filters: mica/dpf.h). */
#ifndef NATIVE_NET_H
#define NATIVE_NET_H

#include "mica.h"
#include <mica/net.h>
#include <mica/dpf.h>

/* A bound receive ring and the notification that tells of new packets. */
struct netring {
	struct net_ring_hdr *hdr;
	long id;
	long nt;
};

long netring_open(struct netring *r, uint64_t va, long npages);
const struct net_slot *netring_peek(struct netring *r);
void netring_next(struct netring *r);
const struct net_slot *netring_wait(struct netring *r, uint64_t timeout_ns);
long net_send1(const void *pkt, size_t len);

/*
 * Byte offsets of Ethernet, ARP, IPv4 (no options), UDP and ICMP fields in a frame, for programs that
 * read frames themselves; one that has a stack's own names for them (lwIP) defines NET_RINGS_ONLY.
 */
#ifndef NET_RINGS_ONLY
#define ETH_DST 0
#define ETH_SRC 6
#define ETH_TYPE 12
#define ETH_HLEN 14
#define ETHERTYPE_IP 0x0800
#define ETHERTYPE_ARP 0x0806
#define ARP_OP 20
#define ARP_SHA 22
#define ARP_SPA 28
#define ARP_THA 32
#define ARP_TPA 38
#define ARP_LEN 42
#define ARP_REQUEST 1
#define ARP_REPLY 2
#define IP_VHL 14
#define IP_LEN 16
#define IP_TTL 22
#define IP_PROTO 23
#define IP_SUM 24
#define IP_SRC 26
#define IP_DST 30
#define IP_HLEN 20
#define IP_VHL_NOOPT 0x45
#define IPPROTO_ICMP 1
#define IPPROTO_UDP 17
#define UDP_SPORT 34
#define UDP_DPORT 36
#define UDP_LEN 38
#define UDP_SUM 40
#define UDP_DATA 42
#define ICMP_TYPE 34
#define ICMP_SUM 36
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#endif

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}
uint16_t inet_checksum(const uint8_t *p, size_t len);
size_t ipv4_frame(uint8_t *f, const uint8_t mac[6], uint8_t proto, uint32_t src, uint32_t dst, size_t l4len);

#endif
