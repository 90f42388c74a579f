/* The network ABI: receive rings built from an env's own frames, transmit batches, and the device's counters. */
#ifndef MICA_NET_H
#define MICA_NET_H

#include <stdint.h>
#include <stddef.h>
#include <mica/abi.h>

/*
 * A receive ring is npages of the env's own frames, bound with net_ring_bind.
 * Page 0 is the header; every later page holds NET_SLOTS_PER_PAGE slots of
 * NET_SLOT_SIZE bytes. Slot k (counted from 0 over the ring's life) lives at
 * index k % nslots. The kernel fills slot head and then advances head; the
 * env reads slot tail and then advances tail. head - tail > nslots is never
 * trusted: the kernel takes the ring for full then, and drops.
 *
 * Interrupts: while NET_RING_POLL is set in flags the kernel does not signal
 * the ring's notification; the env drains the ring by polling (busy), then
 * clears the flag and looks once more before it waits (the packet that came
 * in between is then seen, not lost).
 */
#define NET_SLOT_SIZE 2048
#define NET_SLOTS_PER_PAGE (PAGE_SIZE / NET_SLOT_SIZE)
#define NET_FRAME_MIN 14 /* an Ethernet header: anything shorter is a runt */
#define NET_FRAME_MAX 1518 /* 1514 + a VLAN tag: no offloads, so no frame is longer */
#define NET_RING_MAX_PAGES 65 /* the header page + 64 pages of slots */
#define NET_RING_POLL 1 /* flags: the env polls; no notification */
#define NET_TX 0 /* net_filter's ring argument for a transmit filter */
#define NET_TX_BATCH 64 /* packets at most in one net_send */

struct net_ring_hdr {
	volatile uint32_t head; /* kernel: slots filled, in total */
	volatile uint32_t tail; /* env: slots consumed, in total */
	uint32_t nslots; /* kernel, at bind */
	volatile uint32_t flags; /* env: NET_RING_POLL */
	volatile uint64_t delivered; /* kernel: packets placed in the ring */
	volatile uint64_t dropped; /* kernel: packets for this ring dropped because it was full */
};
ABI_SIZE(struct net_ring_hdr, 32);
ABI_OFFSET(struct net_ring_hdr, head, 0);
ABI_OFFSET(struct net_ring_hdr, tail, 4);
ABI_OFFSET(struct net_ring_hdr, nslots, 8);
ABI_OFFSET(struct net_ring_hdr, flags, 12);
ABI_OFFSET(struct net_ring_hdr, delivered, 16);
ABI_OFFSET(struct net_ring_hdr, dropped, 24);

/* One received packet: its length, then its bytes from the Ethernet header on. */
struct net_slot {
	uint32_t len;
	uint32_t pad;
	uint8_t data[NET_SLOT_SIZE - 8];
};
ABI_SIZE(struct net_slot, NET_SLOT_SIZE);
ABI_OFFSET(struct net_slot, len, 0);
ABI_OFFSET(struct net_slot, data, 8);
_Static_assert(sizeof(((struct net_slot *)0)->data) >= NET_FRAME_MAX, "a slot holds the longest frame");

/* One packet of a net_send batch: len bytes at va, in frames the sender owns. */
struct net_tx {
	uint64_t va;
	uint32_t len;
	uint32_t pad;
};
ABI_SIZE(struct net_tx, 16);
ABI_OFFSET(struct net_tx, va, 0);
ABI_OFFSET(struct net_tx, len, 8);

/*
 * What net_info reports: the device and the kernel's counters. Every frame
 * received is counted once in rx_frames and once in exactly one of
 * rx_runts, rx_oversized, rx_unclaimed, rx_ring_full and rx_delivered.
 */
struct net_info {
	uint8_t mac[6];
	uint16_t link_up; /* 1 when the device reports its link up */
	uint64_t rx_frames;
	uint64_t rx_runts; /* shorter than NET_FRAME_MIN */
	uint64_t rx_oversized; /* longer than NET_FRAME_MAX */
	uint64_t rx_unclaimed; /* no filter matched */
	uint64_t rx_ring_full; /* the ring of the filter that matched was full */
	uint64_t rx_delivered;
	uint64_t tx_frames; /* handed to the device */
	uint64_t tx_refused; /* no transmit filter of the sender's matched */
	uint64_t rx_demux_tsc; /* TSC ticks spent demultiplexing frames (under -icount shift=0: instructions) */
	uint64_t rx_demuxed; /* frames demultiplexed: not runts or oversized */
};
ABI_SIZE(struct net_info, 88);
ABI_OFFSET(struct net_info, mac, 0);
ABI_OFFSET(struct net_info, link_up, 6);
ABI_OFFSET(struct net_info, rx_frames, 8);
ABI_OFFSET(struct net_info, rx_runts, 16);
ABI_OFFSET(struct net_info, rx_oversized, 24);
ABI_OFFSET(struct net_info, rx_unclaimed, 32);
ABI_OFFSET(struct net_info, rx_ring_full, 40);
ABI_OFFSET(struct net_info, rx_delivered, 48);
ABI_OFFSET(struct net_info, tx_frames, 56);
ABI_OFFSET(struct net_info, tx_refused, 64);
ABI_OFFSET(struct net_info, rx_demux_tsc, 72);
ABI_OFFSET(struct net_info, rx_demuxed, 80);

#endif
