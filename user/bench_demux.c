/* Demultiplexing cost in guest instructions: N TCP-port filters installed, packets looped back through the device. */
#include "mica.h"
#include "net.h"

/*
 * Run as init on a device whose frames come back to it (a dgram backend
 * sending to its own socket) under -icount shift=0. For N = 1, 10, 100 and
 * 1,000 it installs N filters "IPv4, TCP, destination port p" on its ring,
 * sends PACKETS frames spread over those ports, takes each back from the
 * ring, and reports the kernel's own count of TSC ticks (instructions)
 * spent matching received frames (net_info's rx_demux_tsc over rx_demuxed):
 *
 *   bench demux_N <instructions per packet> <packets>
 *
 * Every frame must come back, claimed by a filter and in order, or the
 * line says FAIL.
 */
#define PACKETS 4096
#define BATCH NET_TX_BATCH
#define FIRST_PORT 1024
#define FRAME_LEN 60 /* 14 (Ethernet) + 20 (IPv4) + 20 (TCP) + padding */
#define TCP_HLEN 20
#define TCP_SPORT 34
#define TCP_DPORT 36
#define IPPROTO_TCP 6
#define SRC_IP 0x0A000201U /* 10.0.2.1 */
#define DST_IP 0x0A00020FU /* 10.0.2.15 */
#define SRC_PORT 4000
#define RING_VA 0x50000000UL
#define RING_PAGES (1 + BATCH / NET_SLOTS_PER_PAGE) /* a batch fits */
#define WAIT_NS 5000000000UL

static uint8_t frames[BATCH][FRAME_LEN] __attribute__((aligned(PAGE_SIZE)));
static long filter_ids[1000];
static struct netring ring;
static uint8_t mac[6];

/* A TCP/IPv4 frame from SRC_IP:SRC_PORT to DST_IP:port in f, addressed to this device. */
static void tcp_frame(uint8_t *f, uint16_t port)
{
	memset(f, 0, FRAME_LEN); /* the padding after the TCP header too */
	ipv4_frame(f, mac, IPPROTO_TCP, SRC_IP, DST_IP, TCP_HLEN);
	put16(f + TCP_SPORT, SRC_PORT);
	put16(f + TCP_DPORT, port);
}

/* Install n receive filters, ports FIRST_PORT .. FIRST_PORT + n - 1, on the ring. 0, or the first error. */
static long install(long n)
{
	struct dpf_filter f;
	for (long i = 0; i < n; i++) {
		dpf_ipv4_port(&f, DPF_IPPROTO_TCP, (uint16_t)(FIRST_PORT + i));
		if ((filter_ids[i] = sys_net_filter(ring.id, &f)) < 0)
			return filter_ids[i];
	}
	return 0;
}

/* Send one batch, frames k .. k + BATCH - 1 (to port FIRST_PORT + frame % n), and take it back. 0 or -E_*. */
static long round_trip(long k, long n)
{
	struct net_tx tx[BATCH];
	for (long i = 0; i < BATCH; i++) {
		tcp_frame(frames[i], (uint16_t)(FIRST_PORT + (k + i) % n));
		tx[i] = (struct net_tx){ .va = (uint64_t)frames[i], .len = FRAME_LEN };
	}
	for (long sent = 0; sent < BATCH;) {
		long r = sys_net_send(tx + sent, BATCH - sent);
		if (r == -E_AGAIN)
			sys_yield(0);
		else if (r < 0)
			return r;
		else
			sent += r;
	}
	for (long i = 0; i < BATCH; i++) {
		const struct net_slot *s = netring_wait(&ring, WAIT_NS);
		if (s == NULL)
			return -E_TIMEOUT;
		bool ok = s->len == FRAME_LEN && get16(s->data + TCP_DPORT) == FIRST_PORT + (k + i) % n;
		netring_next(&ring);
		if (!ok)
			return -E_INVAL;
	}
	return 0;
}

/* One figure: n filters, PACKETS frames; its line. */
static void bench(long n)
{
	struct net_info a, b;
	long err = install(n);
	sys_net_info(&a);
	for (long k = 0; err == 0 && k < PACKETS; k += BATCH)
		err = round_trip(k, n);
	sys_net_info(&b);
	for (long i = 0; i < n && filter_ids[i] >= 0; i++)
		sys_net_filter_remove(filter_ids[i]);
	uint64_t frames_in = b.rx_demuxed - a.rx_demuxed, delivered = b.rx_delivered - a.rx_delivered;
	if (err == 0 && (frames_in != PACKETS || delivered != PACKETS))
		err = -E_INVAL;
	if (err < 0)
		printf("bench demux_%ld FAIL %s (%lu frames, %lu delivered)\n", n, mica_strerror((int)err), frames_in,
		       delivered);
	else
		printf("bench demux_%ld %lu %d\n", n, (b.rx_demux_tsc - a.rx_demux_tsc) / PACKETS, PACKETS);
}

int main(void)
{
	struct net_info k;
	struct dpf_filter f;
	if (sys_net_info(&k) < 0 || !k.link_up)
		die("bench_demux: no network device");
	memcpy(mac, k.mac, sizeof(mac));
	long r = netring_open(&ring, RING_VA, RING_PAGES);
	if (r < 0)
		die("bench_demux: cannot bind a ring: %s", mica_strerror((int)r));
	dpf_ipv4_from(&f, DPF_IPPROTO_TCP, SRC_IP, SRC_PORT);
	if ((r = sys_net_filter(NET_TX, &f)) < 0)
		die("bench_demux: cannot install the transmit filter: %s", mica_strerror((int)r));
	bench(1);
	bench(10);
	bench(100);
	bench(1000);
	printf("info done\n");
	sys_poweroff(0);
	return 0;
}
