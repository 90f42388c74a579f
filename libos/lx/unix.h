/* AF_UNIX's sockets (unix.c): queues, connections and names, which the loopback stand-in for AF_INET and AF_INET6 (loopback.c) reuses with names of its own. */
#ifndef LX_UNIX_H
#define LX_UNIX_H

enum { U_UNCONN, U_LISTEN, U_CONN };
#define U_SHUT_RD 1 /* no more to receive */
#define U_SHUT_WR 2 /* no more to send */
#define U_SHUT_BOTH 3

/* A socket's name as getsockname reports it: len bytes of its family's address (0: unnamed). */
struct uname {
	int len;
	struct linux_sockaddr_un sa; /* (the largest address either family has) */
};

struct usock;
/* How a family names its sockets: AF_UNIX's paths and abstract names, or the loopback's addresses and ports. */
struct unaming {
	bool inet; /* TCP's and UDP's ways: a socket names itself to connect, listen or send; a non-blocking connect says EINPROGRESS */
	long (*bind)(struct usock *u, const void *addr, int len);
	struct usock *(*find)(struct usock *u, const void *addr, int len,
			      long *err); /* the socket addr names, for u to reach */
	long (*autobind)(struct usock *u); /* a name of the family's choosing */
	void (*unbind)(struct usock *u); /* u closes: its name goes */
	int (*unnamed)(const struct usock *u,
		       void *addr); /* what getsockname says of an unnamed socket: the address, its length */
	/* a connect of client to listener o (at addr) made e, the listener's side: e's name, and the client's if need be */
	void (*connected)(struct usock *client, struct usock *e, const struct usock *o, const void *addr, int len);
	void (*source)(const struct usock *u,
		       struct uname *n); /* the name u's datagrams are seen to come from; NULL: its own */
	long (*setopt)(struct usock *u, int level, int name, uint64_t uval,
		       long len); /* levels other than SOL_SOCKET */
	long (*getopt)(struct usock *u, int level, int name, void *buf); /* the value's length, or -errno */
	long (*listening)(struct usock *u); /* may u, named, listen now? 0 or -errno; NULL: always */
	/* a connected stream socket ends its sending (U_FIN_*), its peer still known as u->peer; NULL: nothing to do */
	void (*fin)(struct usock *u, int how);
};
#define U_FIN_SHUT 1 /* shutdown for writing */
#define U_FIN_CLOSE 2 /* its last descriptor closes */
#define U_FIN_RESET 3 /* it closes with a reset (unread data, SO_LINGER 0 s, never accepted) */

struct usock {
	struct sock s;
	const struct unaming *naming;
	int refs;
	int state;
	int shut; /* U_SHUT_* */
	bool dead; /* its descriptor closed, or (an embryo) its listener */
	struct usock *peer; /* held */
	struct urec *rx, *rx_last;
	int rx_count;
	size_t tx_bytes; /* of its records not read yet */
	struct usock *pending, *pending_last, *next_pending; /* a listener's accept queue; an embryo's link in it */
	int npending, backlog;
	struct uname name;
	struct inode *node; /* AF_UNIX: the socket file it bound, held */
	struct usock *next_named; /* on the list of abstract names, or the loopback's of bound ports */
	struct list all; /* on the list of every socket of both families (LX_SH->usocks; usock_next) */
	uint8_t ip[16]; /* the loopback: its address (IPv4 as ::ffff:a.b.c.d) and port, once bound */
	uint16_t port;
	bool v6only, nodelay; /* IPV6_V6ONLY, TCP_NODELAY */
	bool untold; /* TCP: a non-blocking connect said EINPROGRESS, and no connect since has told how it ended */
	bool fin_sent, fin_first; /* TCP: it has ended its sending; before its peer did (it closes first) */
	uint64_t peer_fin_ns; /* TCP, when it closed first: when its peer's end came (clock_ns) */
	void *net; /* a TCP listener on "any": its listener on the outside (inet.c), or NULL */
	void *udp; /* UDP bound to "any" or an address of eth0: its lwIP socket on the same port (udp.c), or NULL */
	struct uname *remote; /* UDP connected to an address outside the machine: that address (lx_alloc'ed), or NULL */
};

/* The socket after u on the list of every one not yet freed (u NULL: the first), or NULL: /proc/net's walk. */
struct usock *usock_next(struct usock *u);
/* The bytes queued for u to read. */
size_t usock_queued(const struct usock *u);
/*
 * A datagram from outside the machine for UDP socket u (udp.c): n bytes, which fill(dst, n, arg) copies into
 * place, sent from the address from. Whether it was queued (not: u is closed or shut, its queue holds
 * USOCK_OUTSIDE_QLEN datagrams or SO_RCVBUF's bytes already, or memory ran out, as Linux drops such a datagram).
 */
bool usock_deliver(struct usock *u, size_t n, const struct uname *from, void (*fill)(void *dst, size_t n, void *arg),
		   void *arg);
#define USOCK_OUTSIDE_QLEN 256
/* UDP socket u's name after a connect, as Linux has it: eth0's IPv4 address when u is bound to "any" and connected to an IPv4 address outside, else where u is bound. */
void loopback_rename(struct usock *u);
/* A new socket of type (SOCK_STREAM, _DGRAM or _SEQPACKET, already checked) named as nm says, in family. */
long usock_create(const struct unaming *nm, int family, int type, int protocol, struct sock **out);

#endif
