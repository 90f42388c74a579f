/* lwIP's configuration for Mica: raw API without threads (NO_SYS), IPv4, TCP tuned for servers. */
#ifndef MICA_LWIPOPTS_H
#define MICA_LWIPOPTS_H

/* No threads inside the stack: one loop (micanet_poll) feeds it packets and runs its timers. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_NETIF_API 0

/* Protocols: IPv4 with ARP, ICMP, UDP, TCP and a DHCP client. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_RAW 0
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0 /* its probe's sender address is 0.0.0.0, which no transmit filter owns */
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_NETIF_STATUS_CALLBACK 1 /* tells micanet when DHCP has bound an address */
#define LWIP_STATS 0
#define ETHARP_TABLE_MATCH_NETIF 0
#define ARP_TABLE_SIZE 32

/* Memory: lwIP's own heap and pools, static arrays in the program's bss. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (2 * 1024 * 1024)
#define MEMP_NUM_PBUF 4096 /* references to ready-made data (tcp_write without copy) */
#define PBUF_POOL_SIZE 512 /* received frames; the receive window below must fit in them */
#define MEMP_NUM_UDP_PCB 4
#define MEMP_NUM_TCP_PCB 1024
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 8192
#define MEMP_NUM_SYS_TIMEOUT 16

/*
 * TCP for servers: windows and send buffers of 256 KiB (window scaling,
 * shift 3: 32 KiB << 3), a listen backlog honoured, and connection blocks
 * that short connections cannot exhaust: when MEMP_NUM_TCP_PCB are in use,
 * tcp_alloc takes the oldest in TIME_WAIT (then LAST_ACK, then CLOSING).
 */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (256 * 1024)
#define TCP_SND_BUF (256 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (32 * 1024) /* lwIP keeps this below 64 KiB - 4 MSS */
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
#define TCP_QUEUE_OOSEQ 1
#define LWIP_TCP_KEEPALIVE 1
#define TCP_MSL 10000UL /* TIME_WAIT lasts 2 MSL: 20 s rather than 2 minutes */

/* Checksums: computed in software (the device has no offloads), and checked on receive. */
#define LWIP_CHECKSUM_ON_COPY 0

#endif
