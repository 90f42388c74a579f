/* lwIP over a Mica packet ring: one Ethernet interface per program, fed from its ring, sending with net_send. */
#ifndef MICA_MICANET_H
#define MICA_MICANET_H

#include <stdbool.h>
#include <stdint.h>
#include "lwip/netif.h"

#define MICANET_MAX_PORTS 8 /* TCP ports one program may claim */

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

#endif
