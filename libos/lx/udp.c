/* UDP datagrams with the outside over lx's lwIP, for the loopback's UDP sockets (loopback.c, unix.c). */
#define mem_init lwip_mem_init /* lwIP's and lx's share a name; this file calls neither */
#include "lwip/udp.h"
#undef mem_init
#include "libos/lx/vfs.h"
#include "libos/lx/unix.h"
#include "libos/lx/net.h"

/*
 * A UDP socket is the loopback's (a struct usock on AF_UNIX's queues),
 * which carries what stays inside the machine. When it is bound to "any"
 * or to an address of eth0 and the network is up, it also has an lwIP
 * socket on the same port: what lwIP receives there is queued on the
 * usock as a record from the outside, and what the program sends to an
 * address outside the machine goes out through it (unix.c's dgram_send).
 * Everything runs under lx's lock: receiving in pid 1's network thread,
 * sending in the caller, whose frames the thread sends (net_kick).
 */
#define UDP_MAX 65507 /* the most a datagram carries (IPv4's limit, which IPv6's jumbograms would pass) */

/* The name a datagram from addr:port has for a socket of family: sockaddr_in, or sockaddr_in6 (IPv4-mapped). */
static void source_name(int family, const ip_addr_t *addr, uint16_t port, struct uname *n)
{
	uint8_t ip[16];
	uint16_t be = lwip_htons(port);
	net_ip_from(addr, ip);
	memset(n, 0, sizeof(*n));
	if (family == AF_INET) {
		struct linux_sockaddr_in a = { AF_INET, be, { ip[12], ip[13], ip[14], ip[15] }, { 0 } };
		memcpy(&n->sa, &a, sizeof(a));
		n->len = sizeof(a);
	} else {
		struct linux_sockaddr_in6 a = { AF_INET6, be, 0, { 0 }, net_linklocal(ip) ? net_scope() : 0 };
		memcpy(a.addr, ip, 16);
		memcpy(&n->sa, &a, sizeof(a));
		n->len = sizeof(a);
	}
}

/* Is n the address a socket of family connected to (r), port and address alike (the scope id aside)? */
static bool same_peer(int family, const struct uname *n, const struct uname *r)
{
	if (family == AF_INET)
		return r->len >= 8 && memcmp(&n->sa, &r->sa, 8) == 0; /* family, port, address */
	const struct linux_sockaddr_in6 *a = (const void *)&n->sa, *b = (const void *)&r->sa;
	return r->len >= 24 && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static void fill(void *dst, size_t n, void *arg)
{
	pbuf_copy_partial(arg, dst, (u16_t)n, 0);
}

/* lwIP's receive callback: the datagram to its socket's queue, unless the socket is connected elsewhere. */
static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct usock *u = arg;
	struct uname from;
	(void)pcb;
	source_name(u->s.family, addr, port, &from);
	if (u->state != U_CONN || (!u->peer && u->remote && same_peer(u->s.family, &from, u->remote)))
		usock_deliver(u, p->tot_len, &from, fill, p);
	pbuf_free(p);
}

void *net_udp_open(struct usock *u, const uint8_t ip[16], uint16_t port, bool v6only)
{
	ip_addr_t a;
	long type = net_up() ? net_ip_bind(u->s.family, ip, v6only, &a) : -ENETUNREACH;
	if (type < 0)
		return NULL;
	net_start_helper();
	struct udp_pcb *pcb = udp_new_ip_type((u8_t)type);
	if (!pcb)
		return NULL;
	if (udp_bind(pcb, &a, port) != ERR_OK) {
		udp_remove(pcb);
		return NULL;
	}
	udp_recv(pcb, on_recv, u);
	return pcb;
}

void net_udp_close(void *h)
{
	udp_remove(h);
}

long net_udp_send(void *h, const uint8_t ip[16], uint32_t scope, uint16_t port, struct sock_msg *m)
{
	ip_addr_t a;
	long r = net_ip_to(ip, scope, &a);
	if (r < 0)
		return r;
	if (m->len > UDP_MAX)
		return -EMSGSIZE;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (sock_copy_in(m, 0, p->payload, m->len) < 0) {
		pbuf_free(p);
		return -EFAULT;
	}
	err_t e = udp_sendto(h, p, &a, port);
	pbuf_free(p);
	net_kick();
	if (e == ERR_RTE || e == ERR_VAL)
		return -ENETUNREACH; /* (ERR_VAL: an IPv4 address for an IPv6-only socket, or the other way) */
	return e == ERR_OK ? (long)m->len : -ENOBUFS;
}
