/* UDP with the outside over lx's lwIP: a UDP socket's port on eth0, the datagrams that come to it, those it sends out. */
#define mem_init lwip_mem_init /* lwIP's and lx's share a name; this file calls neither */
#include "lwip/udp.h"
#undef mem_init
#include "libos/lx/vfs.h"
#include "libos/lx/unix.h"
#include "libos/lx/net.h"

/*
 * A UDP socket of the loopback stand-in (loopback.c, on AF_UNIX's
 * machinery) that holds a port on 0.0.0.0, on :: (IPv4 included) or on the
 * machine's address holds the same port on lwIP: a udp_pcb whose callback,
 * in pid 1's network thread under lx's lock, queues each datagram that
 * comes to it for the socket as a record from the outside, with its
 * sender's address for recvfrom (usock_deliver). A datagram the program
 * sends to an IPv4 address outside the machine, by sendto or to the peer it
 * connected to, leaves through that pcb, from the socket's port; lwIP
 * computes its checksum, and fragments it when it is larger than a frame.
 */
#define UDP_MAX 65507 /* the most bytes of a datagram over IPv4 (65535 less the IP and UDP headers) */

/* A datagram for u from addr:port: queued unless u is connected to another peer or its queue is full (lost). */
static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	struct usock *u = arg;
	uint8_t ip[4];
	uint32_t v = ip4_addr_get_u32(ip_2_ip4(addr)); /* network order in memory */
	(void)pcb;
	memcpy(ip, &v, 4);
	if (u->state != U_CONN || (u->out_conn && memcmp(ip, u->out_ip, 4) == 0 && port == u->out_port)) {
		struct uname from;
		loopback_name(u->s.family, ip, port, &from);
		uint8_t *data = usock_deliver(u, p->tot_len, &from);
		if (data)
			pbuf_copy_partial(p, data, p->tot_len, 0);
	}
	pbuf_free(p);
}

void *net_udp_open(struct usock *u, uint16_t port)
{
	if (!net_up())
		return NULL;
	net_start_helper();
	struct udp_pcb *pcb = udp_new();
	if (!pcb)
		return NULL;
	if (udp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
		udp_remove(pcb);
		return NULL;
	}
	udp_recv(pcb, on_recv, u);
	return pcb;
}

void net_udp_close(void *pcb)
{
	udp_remove(pcb);
}

long net_udp_send(void *pcb, const uint8_t ip[4], uint16_t port, struct sock_msg *m)
{
	if (port == 0)
		return -EINVAL; /* as Linux */
	if (m->len > UDP_MAX)
		return -EMSGSIZE;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)m->len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	long r = sock_copy_in(m, 0, p->payload, m->len);
	if (r == 0) {
		ip_addr_t to;
		uint32_t v;
		memcpy(&v, ip, 4);
		ip_addr_set_ip4_u32(&to, v);
		err_t e = udp_sendto(pcb, p, &to, port);
		r = e == ERR_OK ? (long)m->len : e == ERR_RTE ? -ENETUNREACH : e == ERR_VAL ? -EACCES : -ENOBUFS;
	}
	pbuf_free(p);
	net_kick();
	return r;
}
