/* The packet filter language (DPF): what an environment installs to claim packets, and helpers for common filters. */
#ifndef MICA_DPF_H
#define MICA_DPF_H

#include <stdint.h>
#include <stddef.h>
#include <mica/abi.h>

/*
 * A filter is a description, not a program: a short list of atoms, each
 * comparing bytes of an Ethernet frame with a value, all of which must hold.
 *
 *   atom:  (load(base + offset, width) & mask) == value
 *
 * load reads width (1, 2 or 4) bytes, most significant first (network
 * order). base is 0 for an atom without DPF_REL; for an atom with DPF_REL it
 * is the filter's one indirection, which IP headers need (IPv4's header
 * length is in the packet):
 *
 *   base = ind.add + ((pkt[ind.offset] & ind.mask) << ind.shift)
 *
 * e.g. IPv4's transport header: add 14 (the Ethernet header), offset 14,
 * mask 0x0f (IHL), shift 2 (32-bit words).
 *
 * An atom that would read past the end of the packet (or an indirection
 * whose byte is past it) does not hold; no byte outside the packet is ever
 * read. A filter with no atoms accepts everything. There are no jumps, so
 * no loops: matching a filter reads at most DPF_MAX_ATOMS fields.
 *
 * Rules checked once, at install (a filter breaking one gets -E_INVAL):
 *   natoms <= DPF_MAX_ATOMS; flags only DPF_F_IND; reserved fields 0;
 *   width 1, 2 or 4; mask non-zero and within width; value & ~mask == 0;
 *   offset + width <= DPF_OFFSET_MAX; atom flags only DPF_REL;
 *   no two atoms with the same (DPF_REL, offset, width, mask);
 *   DPF_F_IND exactly when some atom has DPF_REL; then ind.mask non-zero,
 *   ind.shift <= DPF_IND_SHIFT_MAX, ind.offset < DPF_OFFSET_MAX,
 *   ind.add <= DPF_OFFSET_MAX; without DPF_F_IND, ind is all zero.
 *
 * The order of atoms does not matter: two filters with the same atoms (and
 * the same indirection) are identical, and the second is refused.
 *
 * When several installed filters accept a packet, the most specific wins:
 * the one with the most atoms; among those, the lowest filter id.
 */

#define DPF_MAX_ATOMS 16
#define DPF_OFFSET_MAX 4096 /* no atom reads beyond this many bytes from its base */
#define DPF_IND_SHIFT_MAX 4 /* the header-length field counts units of at most 16 bytes */

#define DPF_F_IND 0x01 /* dpf_filter.flags: ind is used */
#define DPF_REL 0x01 /* dpf_atom.flags: offset counts from the indirection's base */

/* One comparison: (load(base + offset, width) & mask) == value. */
struct dpf_atom {
	uint16_t offset;
	uint8_t width; /* 1, 2 or 4 bytes, big-endian */
	uint8_t flags; /* DPF_REL */
	uint32_t mask;
	uint32_t value;
};
ABI_SIZE(struct dpf_atom, 12);
ABI_OFFSET(struct dpf_atom, offset, 0);
ABI_OFFSET(struct dpf_atom, width, 2);
ABI_OFFSET(struct dpf_atom, flags, 3);
ABI_OFFSET(struct dpf_atom, mask, 4);
ABI_OFFSET(struct dpf_atom, value, 8);

/* The indirection: base = add + ((pkt[offset] & mask) << shift). */
struct dpf_ind {
	uint16_t offset;
	uint8_t mask;
	uint8_t shift;
	uint16_t add;
	uint16_t reserved; /* 0 */
};
ABI_SIZE(struct dpf_ind, 8);
ABI_OFFSET(struct dpf_ind, offset, 0);
ABI_OFFSET(struct dpf_ind, mask, 2);
ABI_OFFSET(struct dpf_ind, shift, 3);
ABI_OFFSET(struct dpf_ind, add, 4);
ABI_OFFSET(struct dpf_ind, reserved, 6);

/* A filter: all of atoms[0 .. natoms) must hold. */
struct dpf_filter {
	uint8_t natoms;
	uint8_t flags; /* DPF_F_IND */
	uint16_t reserved; /* 0 */
	struct dpf_ind ind;
	struct dpf_atom atoms[DPF_MAX_ATOMS];
};
ABI_SIZE(struct dpf_filter, 12 + DPF_MAX_ATOMS * 12);
ABI_OFFSET(struct dpf_filter, natoms, 0);
ABI_OFFSET(struct dpf_filter, flags, 1);
ABI_OFFSET(struct dpf_filter, reserved, 2);
ABI_OFFSET(struct dpf_filter, ind, 4);
ABI_OFFSET(struct dpf_filter, atoms, 12);

/* ---- the header fields the helpers below compare (Ethernet II, ARP, IPv4, IPv6, TCP/UDP) ---- */
#define DPF_ETH_HLEN 14 /* destination, source, type */
#define DPF_ETH_TYPE 12 /* offset of the EtherType */
#define DPF_ETHERTYPE_IPV4 0x0800
#define DPF_ETHERTYPE_ARP 0x0806
#define DPF_ETHERTYPE_IPV6 0x86DD
#define DPF_ARP_PTYPE (DPF_ETH_HLEN + 2) /* protocol type: DPF_ETHERTYPE_IPV4 */
#define DPF_ARP_SPA (DPF_ETH_HLEN + 14) /* sender protocol (IPv4) address */
#define DPF_ARP_TPA (DPF_ETH_HLEN + 24) /* target protocol (IPv4) address, after Ethernet addresses of 6 bytes */
#define DPF_IPV4_VIHL DPF_ETH_HLEN /* version (high nibble), header length in words (low) */
#define DPF_IPV4_IHL_MASK 0x0F
#define DPF_IPV4_IHL_SHIFT 2
#define DPF_IPV4_PROTO (DPF_ETH_HLEN + 9)
#define DPF_IPV4_SRC (DPF_ETH_HLEN + 12)
#define DPF_IPV4_DST (DPF_ETH_HLEN + 16)
#define DPF_IPV6_NEXT (DPF_ETH_HLEN + 6) /* next header (no extension headers are followed) */
#define DPF_IPV6_HLEN 40
#define DPF_IPPROTO_TCP 6
#define DPF_IPPROTO_UDP 17
#define DPF_L4_SPORT 0 /* TCP and UDP: source port, from the transport header */
#define DPF_L4_DPORT 2 /* destination port */

/* ---- helpers: build common filters (each starts from an empty filter) ---- */

/* An empty filter: it accepts every packet ("everything"). */
static inline void dpf_everything(struct dpf_filter *f)
{
	*f = (struct dpf_filter){ 0 };
}

/* Adds (load(base + offset, width) & mask) == value, base per flags; returns 0, or -1 when f is full. */
static inline int dpf_add(struct dpf_filter *f, uint8_t flags, uint16_t offset, uint8_t width, uint32_t mask,
			  uint32_t value)
{
	if (f->natoms >= DPF_MAX_ATOMS)
		return -1;
	f->atoms[f->natoms++] = (struct dpf_atom){ offset, width, flags, mask, value & mask };
	return 0;
}

/* Adds an exact comparison of width bytes at offset. */
static inline int dpf_add_eq(struct dpf_filter *f, uint8_t flags, uint16_t offset, uint8_t width, uint32_t value)
{
	return dpf_add(f, flags, offset, width, width == 4 ? 0xFFFFFFFFu : (1u << (8 * width)) - 1, value);
}

/* ARP whose target is IPv4 address ip (host order, 10.0.2.15 is 0x0A00020F): requests for that address. */
static inline void dpf_arp_for(struct dpf_filter *f, uint32_t ip)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_ARP);
	dpf_add_eq(f, 0, DPF_ARP_PTYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, DPF_ARP_TPA, 4, ip);
}

/* ARP sent by IPv4 address ip: what an environment answering for ip may transmit (DPF_TX). */
static inline void dpf_arp_from(struct dpf_filter *f, uint32_t ip)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_ARP);
	dpf_add_eq(f, 0, DPF_ARP_PTYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, DPF_ARP_SPA, 4, ip);
}

/* IPv4 carrying protocol proto, with the indirection to its transport header set up. */
static inline void dpf_ipv4(struct dpf_filter *f, uint8_t proto)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV4);
	dpf_add_eq(f, 0, DPF_IPV4_PROTO, 1, proto);
	f->flags = DPF_F_IND;
	f->ind = (struct dpf_ind){ DPF_IPV4_VIHL, DPF_IPV4_IHL_MASK, DPF_IPV4_IHL_SHIFT, DPF_ETH_HLEN, 0 };
}

/* IPv4, protocol proto (DPF_IPPROTO_TCP or _UDP), destination port port: a listener. */
static inline void dpf_ipv4_port(struct dpf_filter *f, uint8_t proto, uint16_t port)
{
	dpf_ipv4(f, proto);
	dpf_add_eq(f, DPF_REL, DPF_L4_DPORT, 2, port);
}

/* IPv4, protocol proto, from src:sport to dst:dport (addresses in host order): one connection or flow. */
static inline void dpf_ipv4_flow(struct dpf_filter *f, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst,
				 uint16_t dport)
{
	dpf_ipv4(f, proto);
	dpf_add_eq(f, 0, DPF_IPV4_SRC, 4, src);
	dpf_add_eq(f, 0, DPF_IPV4_DST, 4, dst);
	dpf_add_eq(f, DPF_REL, DPF_L4_SPORT, 2, sport);
	dpf_add_eq(f, DPF_REL, DPF_L4_DPORT, 2, dport);
}

/* IPv4, protocol proto, from src:sport (host order): what an environment owning that port may transmit (DPF_TX). */
static inline void dpf_ipv4_from(struct dpf_filter *f, uint8_t proto, uint32_t src, uint16_t sport)
{
	dpf_ipv4(f, proto);
	dpf_add_eq(f, 0, DPF_IPV4_SRC, 4, src);
	dpf_add_eq(f, DPF_REL, DPF_L4_SPORT, 2, sport);
}

/* IPv6 whose next header is proto (no extension headers), destination port port. */
static inline void dpf_ipv6_port(struct dpf_filter *f, uint8_t proto, uint16_t port)
{
	dpf_everything(f);
	dpf_add_eq(f, 0, DPF_ETH_TYPE, 2, DPF_ETHERTYPE_IPV6);
	dpf_add_eq(f, 0, DPF_IPV6_NEXT, 1, proto);
	dpf_add_eq(f, 0, DPF_ETH_HLEN + DPF_IPV6_HLEN + DPF_L4_DPORT, 2, port);
}

#endif
