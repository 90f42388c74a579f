/* Tests of packet rings, filters and transmit through a device whose frames come back to it (a looped-back backend). */
#include "check.h"
#include "net.h"
#include "net_test.h"

static uint8_t pkt[2048] __attribute__((aligned(PAGE_SIZE))); /* in the program's own frames */
static struct net_info info;
static long ready_nt;

/* A UDP frame from NT_SRC:sport (IP src) to NT_DST:dport in pkt, with mac as both addresses; its length. */
static size_t udp_frame(uint32_t src, uint16_t sport, uint16_t dport, size_t payload)
{
	size_t len = ipv4_frame(pkt, info.mac, IPPROTO_UDP, src, NT_DST, UDP_DATA - ETH_HLEN - IP_HLEN + payload);
	put16(pkt + UDP_SPORT, sport);
	put16(pkt + UDP_DPORT, dport);
	put16(pkt + UDP_LEN, (uint16_t)(len - ETH_HLEN - IP_HLEN));
	return len;
}

/* Send n UDP frames from NT_SRC:NT_SPORT to port; how many were sent. */
static long send_to(uint16_t port, long n)
{
	long sent = 0;
	for (long i = 0; i < n; i++)
		sent += net_send1(pkt, udp_frame(NT_SRC, NT_SPORT, port, 32)) == 1;
	return sent;
}

static void refresh(void)
{
	if (sys_net_info(&info) < 0)
		die("n_net: net_info failed");
}

/* Start a net_child on port wanting want packets (stalling if stall) and wait until it holds its filter; its id. */
static long child(uint16_t port, long want, bool stall)
{
	long c = spawn("net_child", port | (uint64_t)want << 16 | (uint64_t)stall << 24 | (uint64_t)ready_nt << 32);
	if (c < 0 || sys_ntfn_wait(ready_nt, NT_WAIT_NS) < 0)
		return -1;
	return c;
}

/* Two children with disjoint filters each get only their own packets; a third's identical filter is refused. */
static void test_disjoint(struct netring *mine)
{
	struct dpf_filter f;
	long a = child(NT_PORT_A, 3, false), b = child(NT_PORT_B, 5, false);
	CHECK("children-ready", a > 0 && b > 0);
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, NT_PORT_A);
	CHECK_EQ("identical-filter-refused", sys_net_filter(mine->id, &f), -E_EXIST);
	for (int i = 0; i < 5; i++) {
		if (i < 3)
			send_to(NT_PORT_A, 1);
		send_to(NT_PORT_B, 1);
	}
	CHECK_EQ("owner-a-gets-only-its-own", sys_env_wait(a), 3);
	CHECK_EQ("owner-b-gets-only-its-own", sys_env_wait(b), 5);
}

/* The most specific filter wins: a flow's filter beats its port's. */
static void test_specific(struct netring *port_ring, struct netring *flow_ring)
{
	struct dpf_filter f;
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, NT_PORT_A);
	CHECK("port-filter-after-owner-ended", sys_net_filter(port_ring->id, &f) >= 0);
	dpf_ipv4_flow(&f, DPF_IPPROTO_UDP, NT_SRC, NT_SPORT, NT_DST, NT_PORT_A);
	CHECK("flow-filter", sys_net_filter(flow_ring->id, &f) >= 0);
	send_to(NT_PORT_A, 1);
	CHECK("flow-ring-gets-it", netring_wait(flow_ring, NT_WAIT_NS) != NULL);
	netring_next(flow_ring);
	CHECK("port-ring-does-not", netring_peek(port_ring) == NULL);
}

/* A ring that is never read fills and drops, and its neighbour still gets every packet; its owner's end frees the port. */
static void test_full(struct netring *mine)
{
	struct dpf_filter f;
	long stall = child(NT_PORT_STALL, 0, true), b = child(NT_PORT_B, 3, false);
	CHECK("stall-children-ready", stall > 0 && b > 0);
	refresh();
	uint64_t full0 = info.rx_ring_full;
	send_to(NT_PORT_STALL, 10);
	send_to(NT_PORT_B, 3);
	CHECK_EQ("neighbour-not-stalled", sys_env_wait(b), 3);
	refresh();
	CHECK_EQ("full-ring-drops-and-counts", info.rx_ring_full - full0, 8);
	CHECK_EQ("stalled-owner-destroyed", sys_env_destroy(stall), 0);
	uint64_t unclaimed0 = info.rx_unclaimed;
	send_to(NT_PORT_STALL, 1);
	send_to(NT_PORT_B, 1); /* nobody's now either: two unclaimed */
	for (int i = 0; i < 3000 && info.rx_unclaimed - unclaimed0 < 2; i++) {
		sys_sleep(1000000);
		refresh();
	}
	CHECK_EQ("dead-owner-packets-unclaimed", info.rx_unclaimed - unclaimed0, 2);
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, NT_PORT_STALL);
	CHECK("dead-owner-filter-reclaimed", sys_net_filter(mine->id, &f) >= 0);
}

/* Secure binding: a page the caller may map (its child's frame) but does not own is refused as a ring page. */
static void test_foreign_frame(void)
{
	uint64_t va = NT_RING_VA + NT_FOREIGN_PAGE * PAGE_SIZE;
	long c = child(NT_PORT_NONE, 0, true), hdr = page_alloc(0, va, PTE_W | PTE_NX);
	long fn = c > 0 ? sys_frame_alloc(c, -1) : -1;
	CHECK("foreign-frame-setup",
	      c > 0 && hdr >= 0 && fn >= 0 && sys_map(0, va + PAGE_SIZE, fn, PTE_W | PTE_NX) == 0);
	CHECK_EQ("foreign-frame-refused", sys_net_ring_bind(va, 2, ready_nt, 1), -E_PERM);
	CHECK("foreign-frame-cleanup", sys_unmap(0, va + PAGE_SIZE) == 0 && sys_frame_free(c, fn) == 0 &&
					       sys_unmap(0, va) == 0 && sys_frame_free(0, hdr) == 0 &&
					       sys_env_destroy(c) == 0);
}

/* Polling mode: while NET_RING_POLL is set a packet arrives without a notification. */
static void test_poll(struct netring *r)
{
	while (sys_ntfn_wait(r->nt, 0) > 0)
		;
	r->hdr->flags = NET_RING_POLL;
	uint32_t head = r->hdr->head;
	send_to(NT_PORT_STALL, 1);
	for (int i = 0; i < 3000 && r->hdr->head == head; i++)
		sys_sleep(1000000);
	CHECK_EQ("poll-packet-arrives", r->hdr->head - head, 1);
	CHECK_EQ("poll-no-notification", sys_ntfn_wait(r->nt, 0), -E_AGAIN);
	netring_next(r);
	r->hdr->flags = 0;
	send_to(NT_PORT_STALL, 1);
	CHECK("interrupts-back-on", sys_ntfn_wait(r->nt, NT_WAIT_NS) > 0 && netring_peek(r) != NULL);
	netring_next(r);
}

/* Transmit checks: spoofed sources, bad lengths, bad batches. */
static void test_transmit(void)
{
	struct net_tx tx = { .va = (uint64_t)pkt, .len = 13 };
	refresh();
	uint64_t refused0 = info.tx_refused;
	CHECK_EQ("spoofed-port-refused", net_send1(pkt, udp_frame(NT_SRC, NT_SPORT + 1, NT_PORT_A, 8)), -E_PERM);
	CHECK_EQ("spoofed-address-refused", net_send1(pkt, udp_frame(NT_DST, NT_SPORT, NT_PORT_A, 8)), -E_PERM);
	refresh();
	CHECK_EQ("refusals-counted", info.tx_refused - refused0, 2);
	CHECK_EQ("runt-refused", sys_net_send(&tx, 1), -E_INVAL);
	tx.len = NET_FRAME_MAX + 1;
	CHECK_EQ("oversized-refused", sys_net_send(&tx, 1), -E_INVAL);
	tx.len = 64;
	tx.va = NT_RING_VA - PAGE_SIZE; /* nothing mapped there */
	CHECK_EQ("unmapped-packet", sys_net_send(&tx, 1), -E_FAULT);
	tx.va = UKIP;
	CHECK_EQ("kernel-page-packet", sys_net_send(&tx, 1), -E_FAULT);
	CHECK_EQ("empty-batch", sys_net_send(&tx, 0), -E_INVAL);
	CHECK_EQ("huge-batch", sys_net_send(&tx, NET_TX_BATCH + 1), -E_INVAL);
	CHECK_EQ("unmapped-batch", sys_net_send((void *)(NT_RING_VA - PAGE_SIZE), 1), -E_FAULT);
}

int main(void)
{
	struct netring port_ring, flow_ring;
	struct dpf_filter f;
	check_prog = "n_net";
	refresh();
	CHECK("device-link-up", info.link_up == 1 && (info.mac[0] | info.mac[5]) != 0);
	CHECK("ring-bound", netring_open(&port_ring, NT_RING_VA, NT_RING_PAGES) > 0);
	CHECK("second-ring-bound", netring_open(&flow_ring, NT_RING_VA + NT_RING_PAGES * PAGE_SIZE, NT_RING_PAGES) > 0);
	CHECK("ready-ntfn", (ready_nt = sys_ntfn_create()) > 0);
	dpf_ipv4_from(&f, DPF_IPPROTO_UDP, NT_SRC, NT_SPORT);
	CHECK("tx-filter", sys_net_filter(NET_TX, &f) >= 0);
	CHECK_EQ("identical-tx-filter-refused", sys_net_filter(NET_TX, &f), -E_EXIST);
	test_disjoint(&port_ring);
	test_specific(&port_ring, &flow_ring);
	test_full(&port_ring);
	test_foreign_frame();
	test_poll(&port_ring);
	test_transmit();
	struct netring extra;
	uint64_t va = NT_RING_VA + 2 * NT_RING_PAGES * PAGE_SIZE;
	CHECK("third-and-fourth-rings",
	      netring_open(&extra, va, 2) > 0 && netring_open(&extra, va + 2 * PAGE_SIZE, 2) > 0);
	CHECK_EQ("fifth-ring-refused", netring_open(&extra, va + 4 * PAGE_SIZE, 2), -E_NOMEM);
	refresh();
	CHECK("counters-add-up", info.rx_frames == info.rx_runts + info.rx_oversized + info.rx_unclaimed +
							   info.rx_ring_full + info.rx_delivered);
	return CHECK_DONE();
}
