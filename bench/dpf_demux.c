/* Demultiplexing cost on the host: kernel/dpf.c's dpf_match with N installed TCP-port filters, run under callgrind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/dpf.h>
#include <mica/error.h>
#include "kernel/dpf.h"

/*
 * usage: dpf_demux N PACKETS
 * Installs N filters "IPv4, TCP, destination port p" (p = FIRST_PORT ...,
 * each its own owner and cookie), then matches PACKETS frames, the i-th to
 * port FIRST_PORT + i % N, checking that each goes to its filter's cookie.
 * bench/dpf.sh counts the instructions inside dpf_match with callgrind.
 */
#define FIRST_PORT 1024
#define FRAME_LEN 60 /* a minimal Ethernet frame: 14 + 20 (IPv4) + 20 (TCP) + padding */
#define IPV4_VIHL_PLAIN 0x45 /* version 4, five words of header */
#define OWNER_BASE 0x100

/* A TCP/IPv4 frame to port, from a fixed peer. */
static void frame(uint8_t *p, uint16_t port)
{
	size_t l4 = DPF_ETH_HLEN + 20;
	memset(p, 0, FRAME_LEN);
	p[DPF_ETH_TYPE] = DPF_ETHERTYPE_IPV4 >> 8;
	p[DPF_ETH_TYPE + 1] = DPF_ETHERTYPE_IPV4 & 0xFF;
	p[DPF_IPV4_VIHL] = IPV4_VIHL_PLAIN;
	p[DPF_IPV4_PROTO] = DPF_IPPROTO_TCP;
	p[l4 + DPF_L4_SPORT] = 0xC0;
	p[l4 + DPF_L4_DPORT] = (uint8_t)(port >> 8);
	p[l4 + DPF_L4_DPORT + 1] = (uint8_t)port;
}

int main(int argc, char **argv)
{
	struct dpf_filter f;
	uint8_t pkt[FRAME_LEN];
	long n = argc > 2 ? atol(argv[1]) : 0, packets = argc > 2 ? atol(argv[2]) : 0;
	if (n <= 0 || packets <= 0) {
		fprintf(stderr, "usage: dpf_demux N PACKETS\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		dpf_ipv4_port(&f, DPF_IPPROTO_TCP, (uint16_t)(FIRST_PORT + i));
		long r = dpf_install(DPF_RX, OWNER_BASE + i, &f, 1 + i);
		if (r < 0) {
			fprintf(stderr, "dpf_demux: filter %ld: error %ld\n", i, -r);
			return 1;
		}
	}
	for (long i = 0; i < packets; i++) {
		uint64_t owner;
		frame(pkt, (uint16_t)(FIRST_PORT + i % n));
		if (dpf_match(DPF_RX, pkt, sizeof(pkt), &owner) != (uint64_t)(1 + i % n) ||
		    owner != (uint64_t)(OWNER_BASE + i % n)) {
			fprintf(stderr, "dpf_demux: packet %ld went astray\n", i);
			return 1;
		}
	}
	printf("ok %ld filters, %ld packets\n", n, packets);
	return 0;
}
