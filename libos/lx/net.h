/* lx's TCP/IP stack (lwIP over the kernel's packet ring, net.c) and the TCP connections it carries to the outside (inet.c). */
#ifndef LX_NET_H
#define LX_NET_H

#define LX_NET_RING 0x00007D2000000000UL /* pid 1's receive ring, between lx's data and its thread table */
#define LX_NET_ADDR 0x0A00020FU          /* 10.0.2.15: QEMU's usual; eth0's when DHCP does not answer */

/* pid 1, before the program: the stack, its address (from DHCP; ip4: this one, dotted) and its filters, if there is a device */
void net_init(const char *ip4);
void net_start_helper(void); /* pid 1: its network thread, which feeds the stack (once) */
bool net_up(void);           /* is there a stack? */
uint32_t net_addr(void);     /* eth0's IPv4 address in host order (from DHCP or the fallback); 0 without a stack */
void net_kick(void);                 /* after a call into the stack: what it queued to send goes out */
bool net_own6(const uint8_t ip[16]); /* is ip one of eth0's IPv6 addresses? */
uint32_t net_scope(void);            /* eth0's interface index: the scope id of its link-local addresses; 0 without a stack */
/* Addresses as sockets keep them (16 bytes, IPv4 as ::ffff:a.b.c.d) to and from lwIP's ip_addr_t (lwip_addr). */
void net_ip_from(const void *lwip_addr, uint8_t ip[16]);
/* ip (a link-local one with its scope id) as lwIP's: 0, -EINVAL (link-local without a scope), -ENODEV (another scope). */
long net_ip_to(const uint8_t ip[16], uint32_t scope, void *lwip_addr);
/*
 * What lwIP binds for a socket of family bound to ip (see net_listen): IPv4's "any" for AF_INET and the
 * machine's IPv4 address, IPv6's or both's "any" for "::", else the IPv6 address. lwIP's IPADDR_TYPE_*, or -errno.
 */
long net_ip_bind(int family, const uint8_t ip[16], bool v6only, void *lwip_addr);
static inline bool net_linklocal(const uint8_t ip[16]) /* fe80::/10 */
{
	return ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80;
}

/*
 * A listener on the outside for a loopback listener (unix.c's struct usock, which holds the returned handle), at
 * its address ip (16 bytes, IPv4 as ::ffff:a.b.c.d; "any" of AF_INET6 takes IPv4 too unless v6only) and port.
 * NULL when there is no stack or no memory.
 */
void *net_listen(struct sock *owner, const uint8_t ip[16], uint16_t port, int backlog, bool v6only);
bool net_pending(void *l);                                        /* a connection waits to be accepted */
struct sock *net_accept(void *l);                                 /* the oldest waiting, as a new socket; NULL: none */
void net_unlisten(void *l);                                       /* the listener closes, and what it had not accepted */
void net_relisten(void *l, struct sock *owner); /* another socket on the port (SO_REUSEPORT) takes the listener over */

/*
 * A TCP connect from the stream socket *slot (unconnected) to ip:port outside the machine (16 bytes, IPv4 as
 * ::ffff:a.b.c.d; scope: a link-local address's interface): a new socket takes *slot's place (the old one is
 * released) and connects; 0 once connected, -EINPROGRESS when nonblock, or -errno (no stack, or no route to an
 * IPv4 ip: -ENETUNREACH, *slot untouched).
 */
long net_connect(struct sock **slot, const uint8_t ip[16], uint32_t scope, uint16_t port, bool nonblock);

/*
 * UDP with the outside (udp.c), for a loopback UDP socket u bound to ip:port (16 bytes, IPv4 as ::ffff:a.b.c.d;
 * "any" or an address of eth0; AF_INET6's "any" takes IPv4 too unless v6only): lwIP's socket on the same port,
 * whose datagrams go to u's queue (usock_deliver). NULL: no stack, a loopback address, or the port taken in lwIP.
 */
struct usock;
struct sock_msg;
void *net_udp_open(struct usock *u, const uint8_t ip[16], uint16_t port, bool v6only);
void net_udp_close(void *h); /* u is unbound */
/* Send m's bytes as one datagram from h to ip:port (scope: a link-local address's): their count, or -errno. */
long net_udp_send(void *h, const uint8_t ip[16], uint32_t scope, uint16_t port, struct sock_msg *m);

#endif
