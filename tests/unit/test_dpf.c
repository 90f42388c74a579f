/* Host tests for the packet filters (kernel/dpf.c): the verifier, the merged trie, and a differential fuzzer. */
#define CHECK_SUITE "dpf"
#include "tests/unit/check.h"

#include <stdint.h>
#include <string.h>

#include "kernel/dpf.c"

#define OWNER_A 0x101
#define OWNER_B 0x102
#define OWNER_C 0x103
#define PKT_MAX 256
#define IP_X 0x0A00020F /* 10.0.2.15 */
#define IP_Y 0x0A000202 /* 10.0.2.2 */
#define IPV4_IHL_MIN 5
#define IPV4_VERSION 4

/* ---- packets ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* An IPv4 frame (header of ihl words) of protocol proto from src:sport to dst:dport; returns its length. */
static size_t ipv4_packet(uint8_t *p, uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			  unsigned ihl)
{
	size_t l4 = DPF_ETH_HLEN + 4 * ihl;
	memset(p, 0, PKT_MAX);
	put16(p + DPF_ETH_TYPE, DPF_ETHERTYPE_IPV4);
	p[DPF_IPV4_VIHL] = (uint8_t)(IPV4_VERSION << 4 | ihl);
	p[DPF_IPV4_PROTO] = proto;
	put32(p + DPF_IPV4_SRC, src);
	put32(p + DPF_IPV4_DST, dst);
	put16(p + l4 + DPF_L4_SPORT, sport);
	put16(p + l4 + DPF_L4_DPORT, dport);
	return l4 + 20;
}

/* An ARP request for ip; returns its length. */
static size_t arp_packet(uint8_t *p, uint32_t ip)
{
	memset(p, 0, PKT_MAX);
	put16(p + DPF_ETH_TYPE, DPF_ETHERTYPE_ARP);
	put16(p + DPF_ARP_PTYPE, DPF_ETHERTYPE_IPV4);
	put32(p + DPF_ARP_TPA, ip);
	return DPF_ARP_TPA + 4;
}

/* An IPv6 frame with next header proto to port dport; returns its length. */
static size_t ipv6_packet(uint8_t *p, uint8_t proto, uint16_t dport)
{
	memset(p, 0, PKT_MAX);
	put16(p + DPF_ETH_TYPE, DPF_ETHERTYPE_IPV6);
	p[DPF_IPV6_NEXT] = proto;
	put16(p + DPF_ETH_HLEN + DPF_IPV6_HLEN + DPF_L4_DPORT, dport);
	return DPF_ETH_HLEN + DPF_IPV6_HLEN + 20;
}

/* dpf_match on an exact copy of pkt[0 .. len) on the heap, so the sanitizer sees any read past its end. */
static uint64_t match(int dir, const uint8_t *pkt, size_t len, uint64_t *owner)
{
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, pkt, len);
	uint64_t c = dpf_match(dir, copy, len, owner);
	free(copy);
	return c;
}

/* The cookie that wins pkt in direction RX (0: none). */
static uint64_t rx(const uint8_t *pkt, size_t len)
{
	uint64_t owner;
	return match(DPF_RX, pkt, len, &owner);
}

/* Whether the pools hold exactly the roots: nothing installed, nothing leaked. */
static bool pools_empty(void)
{
	for (unsigned i = 0; i < DPF_HASH; i++)
		if (dpf_hash[i] != DPF_NIL)
			return false;
	return dpf_nfree_nodes == DPF_NODES - DPF_FIRST_FREE_NODE && dpf_nfree_edges == DPF_EDGES - 1 &&
	       dpf_nodes[DPF_ROOT(DPF_RX)].edges == DPF_NIL && dpf_nodes[DPF_ROOT(DPF_TX)].edges == DPF_NIL &&
	       dpf_nodes[DPF_ROOT(DPF_RX)].accept == 0 && dpf_nodes[DPF_ROOT(DPF_TX)].accept == 0;
}

/* ---- the verifier ---- */

/* Each example filter, made by the helpers. */
static void examples(struct dpf_filter *f)
{
	dpf_arp_for(&f[0], IP_X);
	dpf_ipv4_port(&f[1], DPF_IPPROTO_TCP, 80);
	dpf_ipv4_flow(&f[2], DPF_IPPROTO_UDP, IP_Y, 5353, IP_X, 53);
	dpf_ipv6_port(&f[3], DPF_IPPROTO_TCP, 443);
	dpf_everything(&f[4]);
	dpf_arp_from(&f[5], IP_X);
	dpf_ipv4_from(&f[6], DPF_IPPROTO_UDP, IP_X, 7);
}
#define NEXAMPLES 7
#define NRX_EXAMPLES 5 /* the first five claim what arrives; the rest say what may be sent */

TEST(examples_are_accepted)
{
	struct dpf_filter f[NEXAMPLES];
	dpf_reset();
	examples(f);
	for (int i = 0; i < NEXAMPLES; i++) {
		CHECK(dpf_verify(&f[i]));
		CHECK(dpf_install(DPF_RX, OWNER_A, &f[i], 100 + i) == i);
	}
}

/* Each way to break the TCP-port filter, one per entry. */
static void break_filter(int how, struct dpf_filter *f)
{
	dpf_ipv4_port(f, DPF_IPPROTO_TCP, 80);
	struct dpf_atom *a = &f->atoms[0]; /* the EtherType: absolute, width 2 */
	struct dpf_atom *r = &f->atoms[2]; /* the port: relative */
	/* one line per way, as a table */
	/* clang-format off */
	switch (how) {
	case 0: f->natoms = DPF_MAX_ATOMS + 1; break;
	case 1: f->flags |= 0x80; break;
	case 2: f->reserved = 1; break;
	case 3: a->width = 0; break;
	case 4: a->width = 3; break;
	case 5: a->width = 8; break;
	case 6: a->mask = 0; a->value = 0; break;
	case 7: a->mask = 0x1FFFF; break;                       /* wider than the atom */
	case 8: a->value = 0x10000 | DPF_ETHERTYPE_IPV4; break; /* outside the mask */
	case 9: a->mask = 0x00FF; break;                        /* value 0x0800 & ~mask != 0 */
	case 10: a->offset = DPF_OFFSET_MAX - 1; break;         /* reads past the bound */
	case 11: a->flags = 0x40; break;
	case 12: f->atoms[1] = f->atoms[0]; break;              /* the same field twice */
	case 13: f->atoms[1] = f->atoms[0]; f->atoms[1].value = 0; break; /* the same field, two values */
	case 14: f->flags = 0; break;                           /* a relative atom without indirection */
	case 15: r->flags = 0; break;                           /* an indirection nothing uses */
	case 16: f->ind.mask = 0; break;
	case 17: f->ind.shift = DPF_IND_SHIFT_MAX + 1; break;
	case 18: f->ind.offset = DPF_OFFSET_MAX; break;
	case 19: f->ind.add = DPF_OFFSET_MAX + 1; break;
	case 20: f->ind.reserved = 1; break;
	case 21: dpf_arp_for(f, IP_X); f->ind.shift = 2; break; /* unused indirection not zero */
	case 22: r->offset = DPF_OFFSET_MAX - 1; break;
	case 23: dpf_everything(f); f->natoms = 0xFF; break;
	}
	/* clang-format on */
}
#define NBROKEN 24

TEST(malformed_filters_are_refused_and_change_nothing)
{
	struct dpf_filter f;
	uint8_t pkt[PKT_MAX];
	size_t len = ipv4_packet(pkt, DPF_IPPROTO_TCP, IP_Y, 1000, IP_X, 80, IPV4_IHL_MIN);
	dpf_reset();
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, 53);
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &f, 7) == 0);
	unsigned nodes = dpf_nfree_nodes, edges = dpf_nfree_edges;
	for (int how = 0; how < NBROKEN; how++) {
		break_filter(how, &f);
		CHECK(!dpf_verify(&f));
		long r = dpf_install(DPF_RX, OWNER_A, &f, 9);
		CHECK(r == -E_INVAL);
		if (r != -E_INVAL)
			printf("# break_filter(%d) gave %ld\n", how, r);
	}
	CHECK(dpf_nfree_nodes == nodes && dpf_nfree_edges == edges);
	CHECK(rx(pkt, len) == 0);
	dpf_ipv4_port(&f, DPF_IPPROTO_TCP, 80);
	CHECK(dpf_install(2, OWNER_A, &f, 9) == -E_INVAL); /* no such direction */
	CHECK(dpf_install(-1, OWNER_A, &f, 9) == -E_INVAL);
	CHECK(dpf_install(DPF_RX, 0, &f, 9) == -E_INVAL); /* no owner */
	CHECK(dpf_nfree_nodes == nodes && dpf_nfree_edges == edges);
}

TEST(widest_legal_values_are_accepted)
{
	struct dpf_filter f;
	dpf_everything(&f);
	dpf_add(&f, 0, DPF_OFFSET_MAX - 4, 4, 0xFFFFFFFF, 0xFFFFFFFF);
	dpf_add(&f, DPF_REL, DPF_OFFSET_MAX - 1, 1, 0x80, 0x80);
	f.flags = DPF_F_IND;
	f.ind = (struct dpf_ind){ DPF_OFFSET_MAX - 1, 0xFF, DPF_IND_SHIFT_MAX, DPF_OFFSET_MAX, 0 };
	CHECK(dpf_verify(&f));
	dpf_everything(&f);
	for (int i = 0; i < DPF_MAX_ATOMS; i++)
		dpf_add(&f, 0, (uint16_t)i, 1, 0xFF, (uint32_t)i);
	CHECK(dpf_verify(&f));
	CHECK(dpf_add(&f, 0, 100, 1, 0xFF, 0) == -1); /* the helper stops at the limit */
}

/* ---- the examples on real packets ---- */

TEST(examples_claim_their_packets)
{
	struct dpf_filter f[NEXAMPLES];
	uint8_t p[PKT_MAX];
	dpf_reset();
	examples(f);
	for (int i = 0; i < NRX_EXAMPLES - 1; i++) /* not "everything" yet */
		REQUIRE(dpf_install(DPF_RX, OWNER_A, &f[i], 100 + i) == i);
	CHECK(rx(p, arp_packet(p, IP_X)) == 100);
	CHECK(rx(p, arp_packet(p, IP_Y)) == 0);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80, IPV4_IHL_MIN)) == 101);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80, 15)) == 101); /* options: the indirection */
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 80, IP_X, 81, IPV4_IHL_MIN)) == 0);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 4000, IP_X, 80, IPV4_IHL_MIN)) == 0);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 5353, IP_X, 53, IPV4_IHL_MIN)) == 102);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 5353, IP_X, 53, 6)) == 102);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_X, 5353, IP_X, 53, IPV4_IHL_MIN)) == 0);
	CHECK(rx(p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 5354, IP_X, 53, IPV4_IHL_MIN)) == 0);
	CHECK(rx(p, ipv6_packet(p, DPF_IPPROTO_TCP, 443)) == 103);
	CHECK(rx(p, ipv6_packet(p, DPF_IPPROTO_UDP, 443)) == 0);
	REQUIRE(dpf_install(DPF_RX, OWNER_B, &f[4], 104) == 4);
	CHECK(rx(p, ipv6_packet(p, DPF_IPPROTO_UDP, 443)) == 104);
	CHECK(rx(p, 0) == 104); /* everything: even an empty packet */
	CHECK(rx(p, ipv6_packet(p, DPF_IPPROTO_TCP, 443)) == 103);
	uint64_t owner;
	REQUIRE(dpf_install(DPF_TX, OWNER_A, &f[5], 105) == 5);
	REQUIRE(dpf_install(DPF_TX, OWNER_A, &f[6], 106) == 6);
	size_t len = arp_packet(p, IP_Y);
	put32(p + DPF_ARP_SPA, IP_X);
	CHECK(match(DPF_TX, p, len, &owner) == 105 && owner == OWNER_A);
	put32(p + DPF_ARP_SPA, IP_Y);
	CHECK(match(DPF_TX, p, len, &owner) == 0 && owner == 0);
	CHECK(match(DPF_TX, p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_X, 7, IP_Y, 9, 6), &owner) == 106);
	CHECK(match(DPF_TX, p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_X, 8, IP_Y, 7, 6), &owner) == 0);
	CHECK(match(DPF_TX, p, ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 7, IP_Y, 9, 6), &owner) == 0);
}

TEST(truncated_packets_fail_the_atoms_they_cut)
{
	struct dpf_filter f;
	uint8_t p[PKT_MAX];
	uint64_t owner = 1;
	dpf_reset();
	CHECK(dpf_match(DPF_RX, p, 0, &owner) == 0 && owner == 0);
	dpf_ipv4_port(&f, DPF_IPPROTO_TCP, 80);
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &f, 5) == 0);
	size_t len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80, 8);
	size_t need = DPF_ETH_HLEN + 8 * 4 + DPF_L4_DPORT + 2; /* the port's last byte */
	for (size_t l = 0; l <= len; l++)
		CHECK(rx(p, l) == (l >= need ? 5u : 0u));
	p[DPF_IPV4_VIHL] = 0x4F; /* a header length pointing past the end */
	CHECK(rx(p, len) == 0);
}

/* ---- the merged structure ---- */

TEST(disjoint_filters_go_to_their_owners)
{
	struct dpf_filter f;
	uint8_t p[PKT_MAX];
	uint64_t owner;
	dpf_reset();
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, 7);
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &f, 1) >= 0);
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, 8);
	REQUIRE(dpf_install(DPF_RX, OWNER_B, &f, 2) >= 0);
	size_t len = ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 9, IP_X, 7, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 1 && owner == OWNER_A);
	len = ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 9, IP_X, 8, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 2 && owner == OWNER_B);
	CHECK(match(DPF_TX, p, len, &owner) == 0 && owner == 0); /* directions are separate */
	len = ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 9, IP_X, 9, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 0 && owner == 0);
}

TEST(the_most_specific_filter_wins)
{
	struct dpf_filter listen, conn, all;
	uint8_t p[PKT_MAX];
	uint64_t owner;
	dpf_reset();
	dpf_ipv4_port(&listen, DPF_IPPROTO_TCP, 80);
	dpf_ipv4_flow(&conn, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80);
	dpf_everything(&all);
	REQUIRE(dpf_install(DPF_RX, OWNER_C, &all, 3) >= 0);
	REQUIRE(dpf_install(DPF_RX, OWNER_B, &conn, 2) >= 0); /* installed before its listener: order is no matter */
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &listen, 1) >= 0);
	size_t len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 2 && owner == OWNER_B);
	len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4001, IP_X, 80, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 1 && owner == OWNER_A);
	len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4001, IP_X, 81, IPV4_IHL_MIN);
	CHECK(match(DPF_RX, p, len, &owner) == 3 && owner == OWNER_C);
}

/* The longest chain in the hash table: what one lookup may have to walk. */
static unsigned longest_chain(void)
{
	unsigned most = 0;
	for (unsigned b = 0; b < DPF_HASH; b++) {
		unsigned k = 0;
		for (uint16_t n = dpf_hash[b]; n != DPF_NIL; n = dpf_nodes[n].hnext)
			k++;
		most = k > most ? k : most;
	}
	return most;
}

TEST(port_filters_share_one_path_and_one_lookup)
{
	struct dpf_filter f;
	uint8_t p[PKT_MAX];
	dpf_reset();
	for (uint16_t i = 0; i < 1000; i++) {
		dpf_ipv4_port(&f, DPF_IPPROTO_TCP, (uint16_t)(1024 + i));
		REQUIRE(dpf_install(DPF_RX, OWNER_A + i, &f, 1 + i) == i);
	}
	/* EtherType, protocol, indirection, port: four tests in all, one node per value below them. */
	CHECK(DPF_EDGES - 1 - dpf_nfree_edges == 4);
	CHECK(DPF_NODES - DPF_FIRST_FREE_NODE - dpf_nfree_nodes == 3 + 1000);
	CHECK(longest_chain() <= 6);
	for (uint16_t i = 0; i < 1000; i++) {
		uint64_t owner;
		size_t len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 9, IP_X, (uint16_t)(1024 + i), IPV4_IHL_MIN);
		CHECK(dpf_match(DPF_RX, p, len, &owner) == 1u + i && owner == (uint64_t)(OWNER_A + i));
	}
}

TEST(equal_specificity_goes_to_the_lowest_id)
{
	struct dpf_filter a, b;
	uint8_t p[PKT_MAX];
	dpf_reset();
	dpf_ipv4(&a, DPF_IPPROTO_UDP);
	dpf_add_eq(&a, DPF_REL, DPF_L4_DPORT, 2, 53);
	dpf_ipv4(&b, DPF_IPPROTO_UDP);
	dpf_add_eq(&b, DPF_REL, DPF_L4_SPORT, 2, 5353);
	long ia = dpf_install(DPF_RX, OWNER_A, &a, 1), ib = dpf_install(DPF_RX, OWNER_B, &b, 2);
	REQUIRE(ia == 0 && ib == 1);
	size_t len = ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 5353, IP_X, 53, IPV4_IHL_MIN);
	CHECK(rx(p, len) == 1);
	REQUIRE(dpf_remove(OWNER_A, ia) == 0);
	CHECK(rx(p, len) == 2);
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &a, 1) == 0); /* the lowest free id again */
	CHECK(rx(p, len) == 1);
}

TEST(an_identical_filter_is_refused)
{
	struct dpf_filter f, g;
	dpf_reset();
	dpf_ipv4_flow(&f, DPF_IPPROTO_UDP, IP_Y, 1, IP_X, 2);
	REQUIRE(dpf_install(DPF_RX, OWNER_A, &f, 1) == 0);
	unsigned nodes = dpf_nfree_nodes;
	CHECK(dpf_install(DPF_RX, OWNER_A, &f, 1) == -E_EXIST);
	CHECK(dpf_install(DPF_RX, OWNER_B, &f, 2) == -E_EXIST);
	g = f; /* the same atoms in another order */
	g.atoms[0] = f.atoms[4];
	g.atoms[4] = f.atoms[0];
	g.atoms[1] = f.atoms[3];
	g.atoms[3] = f.atoms[1];
	CHECK(dpf_install(DPF_RX, OWNER_B, &g, 2) == -E_EXIST);
	CHECK(dpf_nfree_nodes == nodes);
	CHECK(dpf_install(DPF_TX, OWNER_B, &g, 2) == 1); /* the other direction is another structure */
	g.natoms--; /* a prefix of f is a different filter */
	CHECK(dpf_install(DPF_RX, OWNER_B, &g, 3) == 2);
}

TEST(remove_checks_the_owner_and_frees_every_node)
{
	struct dpf_filter f[NEXAMPLES];
	uint8_t p[PKT_MAX];
	dpf_reset();
	examples(f);
	for (int i = 0; i < NEXAMPLES; i++)
		REQUIRE(dpf_install(i % 2 ? DPF_TX : DPF_RX, OWNER_A, &f[i], 100 + i) == i);
	size_t len = arp_packet(p, IP_X);
	CHECK(rx(p, len) == 100);
	CHECK(dpf_remove(OWNER_B, 0) == -E_PERM);
	CHECK(dpf_remove(OWNER_A, -1) == -E_NOENT);
	CHECK(dpf_remove(OWNER_A, DPF_FILTERS) == -E_NOENT);
	CHECK(dpf_remove(OWNER_A, NEXAMPLES) == -E_NOENT);
	CHECK(rx(p, len) == 100);
	CHECK(dpf_remove(OWNER_A, 0) == 0);
	CHECK(dpf_remove(OWNER_A, 0) == -E_NOENT);
	CHECK(rx(p, len) == 104); /* everything, now */
	for (int i = 1; i < NEXAMPLES; i++)
		CHECK(dpf_remove(OWNER_A, i) == 0);
	CHECK(rx(p, len) == 0);
	CHECK(pools_empty());
}

TEST(a_removed_prefix_leaves_the_longer_filter)
{
	struct dpf_filter listen, conn;
	uint8_t p[PKT_MAX];
	dpf_reset();
	dpf_ipv4_port(&listen, DPF_IPPROTO_TCP, 80);
	dpf_ipv4_flow(&conn, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80);
	long l = dpf_install(DPF_RX, OWNER_A, &listen, 1);
	long c = dpf_install(DPF_RX, OWNER_A, &conn, 2);
	REQUIRE(l >= 0 && c >= 0);
	size_t len = ipv4_packet(p, DPF_IPPROTO_TCP, IP_Y, 4000, IP_X, 80, IPV4_IHL_MIN);
	REQUIRE(dpf_remove(OWNER_A, l) == 0);
	CHECK(rx(p, len) == 2);
	REQUIRE(dpf_remove(OWNER_A, c) == 0);
	CHECK(rx(p, len) == 0);
	CHECK(pools_empty());
}

TEST(owner_gone_removes_only_its_filters)
{
	struct dpf_filter f;
	uint8_t p[PKT_MAX];
	dpf_reset();
	for (uint16_t port = 1; port <= 100; port++) {
		dpf_ipv4_port(&f, DPF_IPPROTO_UDP, port);
		REQUIRE(dpf_install(port % 2 ? DPF_RX : DPF_TX, port % 3 ? OWNER_A : OWNER_B, &f, port) >= 0);
	}
	dpf_owner_gone(OWNER_A);
	dpf_owner_gone(0); /* no one: nothing happens */
	for (uint16_t port = 1; port <= 100; port++) {
		uint64_t owner;
		size_t len = ipv4_packet(p, DPF_IPPROTO_UDP, IP_Y, 9, IP_X, port, IPV4_IHL_MIN);
		uint64_t c = match(port % 2 ? DPF_RX : DPF_TX, p, len, &owner);
		CHECK(port % 3 ? c == 0 && owner == 0 : c == port && owner == OWNER_B);
	}
	dpf_owner_gone(OWNER_B);
	CHECK(pools_empty());
}

TEST(full_pools_say_nomem_and_change_nothing)
{
	struct dpf_filter f;
	uint8_t p[PKT_MAX];
	long n = 0, r;
	dpf_reset();
	/* Every filter its own path of DPF_MAX_ATOMS nodes and edges (all but the first share the root's edge). */
	do {
		dpf_everything(&f);
		for (int i = 0; i < DPF_MAX_ATOMS; i++)
			dpf_add_eq(&f, 0, (uint16_t)i, 1, (uint32_t)(n >> (i % 2 ? 8 : 0)) & 0xFF);
		r = dpf_install(DPF_RX, OWNER_A, &f, (uint64_t)n + 1);
	} while (r >= 0 && ++n < DPF_FILTERS);
	CHECK(r == -E_NOMEM);
	long by_nodes = (DPF_NODES - DPF_FIRST_FREE_NODE) / DPF_MAX_ATOMS;
	long by_edges = 1 + (DPF_EDGES - 1 - DPF_MAX_ATOMS) / (DPF_MAX_ATOMS - 1);
	CHECK(n == (by_nodes < by_edges ? by_nodes : by_edges));
	unsigned nodes = dpf_nfree_nodes, edges = dpf_nfree_edges;
	CHECK(dpf_install(DPF_RX, OWNER_A, &f, 1) == -E_NOMEM);
	CHECK(dpf_nfree_nodes == nodes && dpf_nfree_edges == edges);
	memset(p, 0, sizeof(p)); /* the first filter's packet */
	CHECK(rx(p, DPF_MAX_ATOMS) == 1);
	dpf_owner_gone(OWNER_A);
	CHECK(pools_empty());
	/* One-atom filters: the filter table runs out first. */
	for (n = 0; n < DPF_FILTERS; n++) {
		dpf_everything(&f);
		dpf_add_eq(&f, 0, 0, 2, (uint32_t)n);
		REQUIRE(dpf_install(DPF_TX, OWNER_B, &f, 1) == n);
	}
	dpf_add_eq(&f, 0, 2, 1, 0);
	CHECK(dpf_install(DPF_TX, OWNER_B, &f, 1) == -E_NOMEM);
	dpf_owner_gone(OWNER_B);
	CHECK(pools_empty());
}

/* ---- the differential fuzzer ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13; /* xorshift64 */
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* A random number below n. */
static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

/* Whether f obeys the language's rules: written from include/mica/dpf.h, apart from kernel/dpf.c's verifier. */
static bool ref_valid(const struct dpf_filter *f)
{
	bool rel = false;
	if (f->natoms > DPF_MAX_ATOMS || f->flags > DPF_F_IND || f->reserved)
		return false;
	for (int i = 0; i < f->natoms; i++) {
		const struct dpf_atom *a = &f->atoms[i];
		uint64_t full = (1ull << (8 * (a->width <= 4 ? a->width : 4))) - 1;
		if ((a->width != 1 && a->width != 2 && a->width != 4) || a->mask == 0 || (a->mask & ~full) ||
		    (a->value & ~a->mask) || a->flags > DPF_REL || a->offset + a->width > DPF_OFFSET_MAX)
			return false;
		for (int j = i + 1; j < f->natoms; j++) {
			const struct dpf_atom *b = &f->atoms[j];
			if (a->flags == b->flags && a->offset == b->offset && a->width == b->width &&
			    a->mask == b->mask)
				return false;
		}
		rel |= a->flags == DPF_REL;
	}
	const struct dpf_ind *d = &f->ind;
	if (f->flags != DPF_F_IND)
		return !rel && !d->offset && !d->mask && !d->shift && !d->add && !d->reserved;
	return rel && d->mask && d->shift <= DPF_IND_SHIFT_MAX && d->offset < DPF_OFFSET_MAX &&
	       d->add <= DPF_OFFSET_MAX && !d->reserved;
}

/* Whether f holds for pkt[0 .. len): every atom, one at a time, straight from the definition. */
static bool ref_holds(const struct dpf_filter *f, const uint8_t *pkt, size_t len)
{
	size_t base = 0;
	if (f->flags & DPF_F_IND) {
		if (f->ind.offset + 1u > len)
			return false;
		base = f->ind.add + ((size_t)(pkt[f->ind.offset] & f->ind.mask) << f->ind.shift);
	}
	for (int i = 0; i < f->natoms; i++) {
		const struct dpf_atom *a = &f->atoms[i];
		size_t at = (a->flags & DPF_REL ? base : 0) + a->offset;
		uint32_t v = 0;
		if (at + a->width > len)
			return false;
		for (int k = 0; k < a->width; k++)
			v = v << 8 | pkt[at + k];
		if ((v & a->mask) != a->value)
			return false;
	}
	return true;
}

/* Whether a and b hold the same atoms, in any order, and the same indirection. */
static bool ref_identical(const struct dpf_filter *a, const struct dpf_filter *b)
{
	if (a->natoms != b->natoms || a->flags != b->flags || memcmp(&a->ind, &b->ind, sizeof(a->ind)))
		return false;
	for (int i = 0; i < a->natoms; i++) {
		bool found = false;
		for (int j = 0; j < b->natoms; j++)
			found |= !memcmp(&a->atoms[i], &b->atoms[j], sizeof(a->atoms[i]));
		if (!found)
			return false;
	}
	return true;
}

/* The model: every filter the fuzzer holds installed. */
struct held {
	bool used;
	int dir;
	uint64_t owner, cookie;
	struct dpf_filter f;
};
static struct held held[DPF_FILTERS];
static int nheld;
/* To show the fuzzer reaches the interesting cases: claims by a filter of 2 atoms or more, and ties. */
static long ndeep, nties;

/* The reference's answer: the held filter of dir with most atoms (lowest id on a tie) that pkt satisfies. */
static uint64_t ref_match(int dir, const uint8_t *pkt, size_t len, uint64_t *owner)
{
	int best = -1, tied = 0;
	for (int i = 0; i < DPF_FILTERS; i++) {
		if (!held[i].used || held[i].dir != dir || !ref_holds(&held[i].f, pkt, len))
			continue;
		if (best >= 0 && held[i].f.natoms == held[best].f.natoms)
			tied = 1;
		if (best < 0 || held[i].f.natoms > held[best].f.natoms) {
			best = i;
			tied = 0;
		}
	}
	nties += tied;
	ndeep += best >= 0 && held[best].f.natoms >= 2;
	*owner = best < 0 ? 0 : held[best].owner;
	return best < 0 ? 0 : held[best].cookie;
}

/* A random atom from a small vocabulary of fields, so that filters share prefixes and packets match. */
static struct dpf_atom random_atom(void)
{
	static const uint8_t widths[] = { 1, 2, 4, 1, 2, 4, 1, 2, 4, 3 };
	static const uint32_t masks[] = { 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFF, 0x0F, 0xF0, 0x3, 0x100 };
	struct dpf_atom a;
	a.width = widths[below(sizeof(widths))];
	a.flags = below(3) == 0 ? DPF_REL : 0;
	a.offset = (uint16_t)(below(50) == 0 ? DPF_OFFSET_MAX - below(4) : below(12) * 2);
	uint32_t full = a.width >= 4 ? 0xFFFFFFFF : (1u << (8 * a.width)) - 1;
	a.mask = masks[below(sizeof(masks) / sizeof(masks[0]))] & (below(40) ? full : 0xFFFFFFFF);
	a.value = below(3) & a.mask;
	if (below(40) == 0)
		a.value = ~a.mask; /* usually outside the mask */
	if (below(80) == 0)
		a.flags = 2;
	return a;
}

/* A random filter: mostly well formed, sometimes broken in one way or another. */
static void random_filter(struct dpf_filter *f)
{
	bool rel = false;
	dpf_everything(f);
	f->natoms = (uint8_t)(below(30) == 0 ? below(DPF_MAX_ATOMS + 3) : below(5));
	for (int i = 0; i < f->natoms && i < DPF_MAX_ATOMS; i++) {
		f->atoms[i] = random_atom();
		rel |= f->atoms[i].flags & DPF_REL;
	}
	if (rel || below(40) == 0) {
		static const uint8_t masks[] = { 0x0F, 0x0F, 0x03, 0x07, 0 };
		f->flags = DPF_F_IND;
		f->ind = (struct dpf_ind){ (uint16_t)(below(2) * DPF_ETH_HLEN), masks[below(sizeof(masks))],
					   (uint8_t)(below(2) * 2), (uint16_t)(below(2) * DPF_ETH_HLEN), 0 };
		if (below(60) == 0)
			f->ind.shift = DPF_IND_SHIFT_MAX + 1;
	}
	if (below(60) == 0)
		f->flags = 0;
	if (below(200) == 0)
		f->reserved = 1;
}

/* A packet that satisfies held filter h (when one is given), then randomly disturbed and cut. */
static size_t random_packet(uint8_t *p, const struct held *h)
{
	size_t len = below(PKT_MAX + 1);
	for (int i = 0; i < PKT_MAX; i++)
		p[i] = (uint8_t)(below(4) ? below(3) : rnd());
	if (h) {
		size_t base = 0;
		const struct dpf_filter *f = &h->f;
		if (f->flags & DPF_F_IND)
			base = f->ind.add + ((size_t)(p[f->ind.offset] & f->ind.mask) << f->ind.shift);
		for (int i = 0; i < f->natoms; i++) {
			const struct dpf_atom *a = &f->atoms[i];
			size_t at = (a->flags & DPF_REL ? base : 0) + a->offset;
			for (int k = 0; k < a->width && at + k < PKT_MAX; k++) {
				uint8_t m = (uint8_t)(a->mask >> (8 * (a->width - 1 - k)));
				uint8_t v = (uint8_t)(a->value >> (8 * (a->width - 1 - k)));
				p[at + k] = (uint8_t)((p[at + k] & ~m) | v);
			}
		}
		len = below(4) ? PKT_MAX - below(PKT_MAX / 2) : len;
	}
	for (uint32_t n = below(4) == 0 ? below(3) + 1 : 0; n > 0; n--)
		p[below(PKT_MAX)] ^= (uint8_t)(1u << below(8));
	return len;
}

/* A random held filter, or NULL. */
static struct held *random_held(void)
{
	if (nheld == 0)
		return NULL;
	for (;;) {
		struct held *h = &held[below(DPF_FILTERS)];
		if (h->used)
			return h;
	}
}

/* Installs a random filter; returns false if the result is not what the model expects. */
static bool fuzz_install(uint64_t cookie)
{
	struct dpf_filter f;
	int dir = below(4) ? DPF_RX : DPF_TX;
	uint64_t owner = 1 + below(8);
	struct held *same = random_held();
	if (same && below(20) == 0) {
		f = same->f; /* an identical filter, atoms in another order */
		dir = same->dir;
		if (f.natoms > 1) {
			struct dpf_atom t = f.atoms[0];
			f.atoms[0] = f.atoms[f.natoms - 1];
			f.atoms[f.natoms - 1] = t;
		}
	} else {
		random_filter(&f);
	}
	long want = ref_valid(&f) ? 0 : -E_INVAL;
	for (int i = 0; want == 0 && i < DPF_FILTERS; i++)
		if (held[i].used && held[i].dir == dir && ref_identical(&held[i].f, &f))
			want = -E_EXIST;
	unsigned nodes = dpf_nfree_nodes, edges = dpf_nfree_edges;
	long id = dpf_install(dir, owner, &f, cookie);
	if (id < 0)
		return id == want && dpf_nfree_nodes == nodes && dpf_nfree_edges == edges;
	if (want != 0 || id >= DPF_FILTERS || held[id].used)
		return false;
	held[id] = (struct held){ true, dir, owner, cookie, f };
	nheld++;
	return true;
}

/* Removes a random held filter (sometimes asking as the wrong owner); false on a wrong result. */
static bool fuzz_remove(void)
{
	struct held *h = random_held();
	long id = h ? h - held : (long)below(DPF_FILTERS);
	uint64_t owner = h && below(10) ? h->owner : 1 + below(8);
	long want = !h ? -E_NOENT : owner != h->owner ? -E_PERM : 0;
	if (dpf_remove(owner, id) != want)
		return false;
	if (want == 0) {
		h->used = false;
		nheld--;
	}
	return true;
}

/* Ends a random owner in the model and in the kernel's structure. */
static void fuzz_owner_gone(void)
{
	uint64_t owner = 1 + below(8);
	dpf_owner_gone(owner);
	for (int i = 0; i < DPF_FILTERS; i++)
		if (held[i].used && held[i].owner == owner) {
			held[i].used = false;
			nheld--;
		}
}

/* Matches a random packet both ways in both directions; false if the answers differ. */
static bool fuzz_match(void)
{
	uint8_t p[PKT_MAX];
	struct held *h = below(5) ? random_held() : NULL;
	size_t len = random_packet(p, h);
	for (int dir = DPF_RX; dir <= DPF_TX; dir++) {
		uint64_t o1, o2;
		uint64_t c1 = match(dir, p, len, &o1), c2 = ref_match(dir, p, len, &o2);
		if (c1 != c2 || o1 != o2)
			return false;
	}
	return true;
}

#define FUZZ_OPS 120000
#define FUZZ_HELD_MAX 400 /* stays clear of the pools' limits, which have their own test */

TEST(differential_fuzz_against_a_one_at_a_time_matcher)
{
	static const uint64_t seeds[] = { 0x9E3779B97F4A7C15ull, 0xD1B54A32D192ED03ull, 42 };
	long installed = 0, refused = 0, matched = 0;
	for (unsigned s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		rng_state = seeds[s];
		dpf_reset();
		memset(held, 0, sizeof(held));
		nheld = 0;
		for (long op = 0; op < FUZZ_OPS; op++) {
			uint32_t what = below(100);
			int before = nheld;
			if (what < 45 && nheld < FUZZ_HELD_MAX) {
				REQUIRE(fuzz_install((uint64_t)op + 1));
				installed += nheld > before;
				refused += nheld == before;
			} else if (what < 55) {
				REQUIRE(fuzz_remove());
			} else if (what < 56) {
				fuzz_owner_gone();
			} else {
				REQUIRE(fuzz_match());
				matched++;
			}
		}
		for (uint64_t owner = 1; owner <= 8; owner++)
			dpf_owner_gone(owner);
		CHECK(pools_empty());
	}
	printf("# %ld filters installed, %ld refused; %ld packets matched, %ld won by 2 atoms or more, %ld ties\n",
	       installed, refused, matched, ndeep, nties);
	CHECK(installed > 10000 && refused > 10000 && ndeep > matched / 10 && nties > matched / 10);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(examples_are_accepted);
	RUN(malformed_filters_are_refused_and_change_nothing);
	RUN(widest_legal_values_are_accepted);
	RUN(examples_claim_their_packets);
	RUN(truncated_packets_fail_the_atoms_they_cut);
	RUN(disjoint_filters_go_to_their_owners);
	RUN(the_most_specific_filter_wins);
	RUN(port_filters_share_one_path_and_one_lookup);
	RUN(equal_specificity_goes_to_the_lowest_id);
	RUN(an_identical_filter_is_refused);
	RUN(remove_checks_the_owner_and_frees_every_node);
	RUN(a_removed_prefix_leaves_the_longer_filter);
	RUN(owner_gone_removes_only_its_filters);
	RUN(full_pools_say_nomem_and_change_nothing);
	RUN(differential_fuzz_against_a_one_at_a_time_matcher);
	return CHECK_END();
}
