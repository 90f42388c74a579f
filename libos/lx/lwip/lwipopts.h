/* lwIP's configuration inside lx: the raw API without threads, as native programs have it, its memory in lx's shared heap. */
#ifndef LX_LWIPOPTS_H
#define LX_LWIPOPTS_H

#include <stddef.h>

/*
 * One stack for every process of an lx instance: every call into it is
 * made under lx's lock, and its memory (connection blocks, buffers) comes
 * from lx's heap, which all the processes map; its few globals lie in
 * pages lx shares too (libos/lx/net.c).
 */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

/*
 * Both IPv4 and IPv6 (libos/lx/net.c), with TCP and UDP (libos/lx/inet.c,
 * udp.c). IPv4 with ARP and ICMP, its address from DHCP, as native programs
 * have it. IPv6 with ICMPv6 and neighbour discovery: a link-local address
 * from the MAC, usable at once, and addresses from routers' advertisements
 * (SLAAC). No MLD: lwIP then takes the solicited-node groups of its own
 * addresses without joining them, and no report is sent from ::. No
 * duplicate detection either: its probes come from ::, which no transmit
 * filter owns (as DHCP's ARP check).
 */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_MLD 0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_NUM_ADDRESSES 3
#define LWIP_ICMP6 1
#define IPV6_FRAG_COPYHEADER 1 /* reassembly keeps its state apart from the headers (pointers are 8 bytes) */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_RAW 0
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* its probe's sender address is 0.0.0.0, which no transmit filter owns */
#define LWIP_TESTMODE 1 /* in lwIP 2.1.3 it only makes timeouts.c's lwip_cyclic_timer visible: net.c takes DHCP's fine timer back */
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_STATS 0
#define ETHARP_TABLE_MATCH_NETIF 0
#define ARP_TABLE_SIZE 32
#define ARP_QUEUEING 1 /* datagrams sent before their next hop's address is known wait for it (not only the last) */
#define ARP_QUEUE_LEN 16
#define IP_REASS_MAX_PBUFS 48 /* a UDP datagram of 64 KiB arrives in 45 fragments (libos/lx/udp.c) */

/* Memory: lx's shared heap for everything (lx_alloc zeroes what it gives). */
void *lx_alloc(size_t n);
void lx_free(void *p);
#define MEM_ALIGNMENT 8
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define mem_clib_malloc lx_alloc
#define mem_clib_free lx_free
#define mem_clib_calloc(n, size) lx_alloc((size_t)(n) * (size_t)(size))
#define MEMP_NUM_PBUF 4096
#define PBUF_POOL_SIZE 512
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 1024
#define MEMP_NUM_TCP_PCB_LISTEN 64
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_SYS_TIMEOUT 16

/* TCP for servers, as native programs have it (libos/net/lwipopts.h says why each). */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (32 * 1024)
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
#define TCP_MSL 10000UL

#define LWIP_CHECKSUM_ON_COPY 0

#endif
