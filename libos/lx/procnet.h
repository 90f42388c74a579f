/* /proc/net/tcp, tcp6, udp, udp6 and unix (procnet.c), with the rows the loopback (loopback.c), lwIP (inet.c) and AF_UNIX (unix.c) give them. */
#ifndef LX_PROCNET_H
#define LX_PROCNET_H

struct inode;
struct procfs_text;
/* A table being written: UDP's (udp) or TCP's, of AF_INET6's sockets (v6) or AF_INET's, and the rows so far. */
struct procnet {
	struct procfs_text *t;
	bool v6, udp;
	int rows;
};

/* /proc/net/tcp, tcp6, udp and udp6's text: the table node->id names (PROCNET_* bits; 0: tcp). */
#define PROCNET_V6 1
#define PROCNET_UDP 2
long procnet_inet(struct inode *node, char **buf, size_t *len);
long procnet_unix(struct inode *node, char **buf, size_t *len); /* /proc/net/unix's text */
/* One socket's row, as Linux prints it. */
struct procnet_sock {
	uint8_t lip[16], rip[16]; /* its address and its peer's (IPv4 as ::ffff:a.b.c.d) */
	uint16_t lport, rport;
	int state; /* TCP_* (UDP's too: TCP_CLOSE unconnected, TCP_ESTABLISHED connected) */
	size_t txq, rxq; /* bytes queued each way (a listener: its accept queue in rxq) */
	int timer; /* TCP's running timer: PROCNET_TIMER_* */
	uint64_t when_cs; /* the time until it fires, in hundredths of a second (Linux's clock ticks) */
	unsigned retrans; /* retransmissions of the unacknowledged segment so far */
	unsigned probes; /* keep-alive or zero-window probes sent (the "timeout" column) */
	uint32_t uid; /* its owner's (0 in TIME_WAIT, as Linux) */
	uint64_t ino;
};
#define PROCNET_TIMER_NONE 0
#define PROCNET_TIMER_RETRANS 1 /* a segment (or the SYN) waits to be acknowledged */
#define PROCNET_TIMER_KEEPALIVE 2
#define PROCNET_TIMER_TIME_WAIT 3
#define PROCNET_TIMER_PROBE 4 /* the peer's window is shut */
void procnet_row(struct procnet *p, const struct procnet_sock *r);
void loopback_proc_tcp(struct procnet *p); /* the loopback's listeners and connections of p's family */
void loopback_proc_udp(struct procnet *p); /* the loopback's UDP sockets of p's family that hold a port */
void net_proc_tcp(struct procnet *p); /* lwIP's connections of p's family */
void unix_proc(struct procfs_text *t); /* the rows of /proc/net/unix: every AF_UNIX socket */

#endif
