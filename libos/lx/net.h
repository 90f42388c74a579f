/* lx's TCP/IP stack (lwIP over the kernel's packet ring, net.c) and the TCP connections it carries to the outside (inet.c). */
#ifndef LX_NET_H
#define LX_NET_H

#define LX_NET_RING 0x00007D2000000000UL /* pid 1's receive ring, between lx's data and its thread table */
#define LX_NET_ADDR 0x0A00020FU          /* 10.0.2.15: QEMU's usual; eth0's when DHCP does not answer */

void net_init(void);         /* pid 1, before the program: the stack, its address and its filters, if there is a device */
void net_start_helper(void); /* pid 1: its network thread, which feeds the stack (once) */
bool net_up(void);           /* is there a stack? */
uint32_t net_addr(void);     /* eth0's IPv4 address in host order (from DHCP or the fallback); 0 without a stack */
void net_kick(void);         /* after a call into the stack: what it queued to send goes out */
bool net_routable(const uint8_t ip[4]); /* does eth0 reach IPv4 address ip (its subnet, or it has a router)? */

/* A listener on the outside for a loopback listener (unix.c's struct usock, which holds the returned handle). */
void *net_listen(struct sock *owner, uint16_t port, int backlog); /* NULL when there is no stack or no memory */
bool net_pending(void *l);                                        /* a connection waits to be accepted */
struct sock *net_accept(void *l);                                 /* the oldest waiting, as a new socket; NULL: none */
void net_unlisten(void *l);                                       /* the listener closes, and what it had not accepted */
void net_relisten(void *l, struct sock *owner); /* another socket on the port (SO_REUSEPORT) takes the listener over */

/*
 * A TCP connect from the stream socket *slot (unconnected) to the IPv4 address ip:port outside the machine: a
 * new socket takes *slot's place (the old one is released) and connects; 0 once connected, -EINPROGRESS when
 * nonblock, or -errno (no stack, or no route to ip: -ENETUNREACH, *slot untouched).
 */
long net_connect(struct sock **slot, const uint8_t ip[4], uint16_t port, bool nonblock);

/*
 * UDP with the outside (udp.c), for the loopback's UDP sockets (loopback.c, unix.c). net_udp_open: u's port on
 * lwIP, whose datagrams are queued for u (usock_deliver); NULL without a stack, or with the port taken there.
 * net_udp_send: m's bytes as one datagram from that port to ip:port (network order): m->len, or -errno.
 */
struct usock;
struct sock_msg;
void *net_udp_open(struct usock *u, uint16_t port);
void net_udp_close(void *pcb);
long net_udp_send(void *pcb, const uint8_t ip[4], uint16_t port, struct sock_msg *m);

#endif
