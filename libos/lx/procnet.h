/* /proc/net/tcp and tcp6 (procnet.c), with the rows the loopback (loopback.c) and lwIP (inet.c) give it. */
#ifndef LX_PROCNET_H
#define LX_PROCNET_H

struct inode;
struct procfs_text;
/* A table being written: AF_INET6's sockets (v6) or AF_INET's, and the rows so far. */
struct procnet {
	struct procfs_text *t;
	bool v6;
	int rows;
};

long procnet_tcp(struct inode *node, char **buf, size_t *len); /* /proc/net/tcp's text */
long procnet_tcp6(struct inode *node, char **buf, size_t *len); /* /proc/net/tcp6's text */
/* One socket's row: its address and its peer's (IPv4 as ::ffff:a.b.c.d), a TCP_* state, bytes queued each way. */
void procnet_row(struct procnet *p, const uint8_t lip[16], uint16_t lport, const uint8_t rip[16], uint16_t rport,
		 int state, size_t txq, size_t rxq);
void loopback_proc_tcp(struct procnet *p); /* the loopback's listeners and connections of p's family */
void net_proc_tcp(struct procnet *p); /* lwIP's connections of p's family */

#endif
