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
/* One socket's row: its address and its peer's (IPv4 as ::ffff:a.b.c.d), a TCP_* state, bytes queued each way, its inode. */
void procnet_row(struct procnet *p, const uint8_t lip[16], uint16_t lport, const uint8_t rip[16], uint16_t rport,
		 int state, size_t txq, size_t rxq, uint64_t ino);
void loopback_proc_tcp(struct procnet *p); /* the loopback's listeners and connections of p's family */
void loopback_proc_udp(struct procnet *p); /* the loopback's UDP sockets of p's family that hold a port */
void net_proc_tcp(struct procnet *p); /* lwIP's connections of p's family */
void unix_proc(struct procfs_text *t); /* the rows of /proc/net/unix: every AF_UNIX socket */

#endif
