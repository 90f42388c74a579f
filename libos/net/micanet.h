/* lwIP over a Mica packet ring: one Ethernet interface per program, fed from its ring, sending with net_send. */
#ifndef MICA_MICANET_H
#define MICA_MICANET_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "mica.h"
#include <mica/dpf.h>
#include "lwip/etharp.h"
#include "lwip/netif.h"

#define MICANET_MAX_PORTS 8 /* TCP ports one program may claim */
#define MICANET_DHCP_CLIENT_PORT 68
#define MICANET_DHCP_SERVER_PORT 67

/* What the interface saw; the kernel's own counters are in net_info. */
struct micanet_stats {
	uint64_t rx, rx_nomem, tx, tx_failed, filters_failed;
};

long micanet_start(uint64_t ring_va, long ring_pages);
long micanet_claim_tcp(uint16_t port);
bool micanet_ready(void);
uint32_t micanet_addr(void);
void micanet_poll(uint64_t wait_ns);
void micanet_flush(void);
const struct micanet_stats *micanet_stats(void);
struct netif *micanet_netif(void);

/* lwIP's set-up of an Ethernet interface on the machine's device (netif_add's init, for every lwIP user): the
 * device's MAC, MTU 1500, ARP, broadcast, link up, frames out through linkoutput. ERR_IF without a device. */
static inline err_t micanet_link_setup(struct netif *nif, netif_linkoutput_fn linkoutput)
{
	struct net_info k;
	if (sys_net_info(&k) < 0)
		return ERR_IF;
	memcpy(nif->hwaddr, k.mac, ETH_HWADDR_LEN);
	nif->hwaddr_len = ETH_HWADDR_LEN;
	nif->mtu = 1500;
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = linkoutput;
	return ERR_OK;
}

/* Claim what lwIP's DHCP client needs before it has an address (for every lwIP user): DHCP's answers (UDP from port
 * 67 to 68) into ring, and sending from 0.0.0.0:68 to port 67 (its DISCOVER and REQUEST). Whether the kernel took
 * both filters. */
static inline bool micanet_claim_dhcp(long ring)
{
	struct dpf_filter f;
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, MICANET_DHCP_CLIENT_PORT);
	dpf_add_eq(&f, DPF_REL, DPF_L4_SPORT, 2, MICANET_DHCP_SERVER_PORT);
	bool ok = sys_net_filter(ring, &f) >= 0;
	dpf_ipv4_from(&f, DPF_IPPROTO_UDP, 0, MICANET_DHCP_CLIENT_PORT);
	dpf_add_eq(&f, DPF_REL, DPF_L4_DPORT, 2, MICANET_DHCP_SERVER_PORT);
	return sys_net_filter(NET_TX, &f) >= 0 && ok;
}

#endif
