/* Packet rings for native programs: bind the program's own pages as a ring, read it, send packets, checksums. */
#include "net.h"

/*
 * Map npages fresh pages at va, make a notification, and bind them as a
 * receive ring. The ring's id; -E_* from the calls (pages already mapped
 * stay so on error: the caller's to unmap).
 */
long netring_open(struct netring *r, uint64_t va, long npages)
{
	for (long i = 0; i < npages; i++) {
		long fn = page_alloc(0, va + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX);
		if (fn < 0)
			return fn;
	}
	if ((r->nt = sys_ntfn_create()) < 0)
		return r->nt;
	r->hdr = (struct net_ring_hdr *)va;
	r->id = sys_net_ring_bind(va, npages, r->nt, 1);
	return r->id;
}

/* The oldest packet not yet taken, or NULL when the ring is empty. */
const struct net_slot *netring_peek(struct netring *r)
{
	uint32_t tail = r->hdr->tail;
	if (r->hdr->head == tail)
		return NULL;
	__asm__ volatile("" ::: "memory");
	return (const struct net_slot *)((uint64_t)r->hdr + PAGE_SIZE + (tail % r->hdr->nslots) * NET_SLOT_SIZE);
}

/* Give the oldest packet's slot back to the kernel. */
void netring_next(struct netring *r)
{
	__asm__ volatile("" ::: "memory");
	r->hdr->tail++;
}

/* The oldest packet, waiting up to timeout_ns for one; NULL when none came. */
const struct net_slot *netring_wait(struct netring *r, uint64_t timeout_ns)
{
	const struct net_slot *s;
	uint64_t deadline = clock_ns() + timeout_ns;
	while ((s = netring_peek(r)) == NULL) {
		uint64_t now = clock_ns();
		if (now >= deadline || sys_ntfn_wait(r->nt, deadline - now) == -E_TIMEOUT)
			return netring_peek(r);
	}
	return s;
}

/* Send one packet (it must lie in the caller's own pages). 1, or -E_* as net_send. */
long net_send1(const void *pkt, size_t len)
{
	struct net_tx tx = { .va = (uint64_t)pkt, .len = (uint32_t)len };
	return sys_net_send(&tx, 1);
}

/*
 * Write into f an Ethernet header from and to mac and a plain IPv4 header
 * (no options, TTL 64, checksum made) from src to dst (host order) of
 * protocol proto, carrying l4len bytes, which are zeroed for the caller to
 * fill; the frame's length.
 */
size_t ipv4_frame(uint8_t *f, const uint8_t mac[6], uint8_t proto, uint32_t src, uint32_t dst, size_t l4len)
{
	size_t len = ETH_HLEN + IP_HLEN + l4len;
	memset(f, 0, len);
	memcpy(f + ETH_DST, mac, 6);
	memcpy(f + ETH_SRC, mac, 6);
	put16(f + ETH_TYPE, ETHERTYPE_IP);
	f[IP_VHL] = IP_VHL_NOOPT;
	put16(f + IP_LEN, (uint16_t)(IP_HLEN + l4len));
	f[IP_TTL] = 64;
	f[IP_PROTO] = proto;
	put32(f + IP_SRC, src);
	put32(f + IP_DST, dst);
	put16(f + IP_SUM, inet_checksum(f + ETH_HLEN, IP_HLEN));
	return len;
}

/* The Internet checksum of p[0..len). */
uint16_t inet_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}
