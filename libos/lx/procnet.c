/* /proc/net/tcp, tcp6, udp, udp6 and unix: the loopback's sockets (loopback.c), lwIP's connections (inet.c) and AF_UNIX's (unix.c), as Linux prints them. */
#include "libos/lx/vfs.h"
#include "libos/lx/procfs.h"
#include "libos/lx/procnet.h"

/*
 * One row per socket, numbered from 0, each padded to Linux's width.
 * Addresses are the 32-bit words of the address as they lie in memory, in
 * hex (127.0.0.1 is 0100007F); ports are in hex. The inode is the one the
 * socket's descriptor links to in /proc/PID/fd (socket:[N]), so tools can
 * tell whose it is. The uid is the socket's owner's; TCP's timer columns say
 * which timer runs (tr), when it fires (tm->when, in hundredths of a
 * second), the retransmissions so far (retrnsmt) and the probes sent
 * (timeout), as the stack behind the socket has them.
 */
#define ROW_WIDTH 149 /* TCP's (TMPSZ - 1 in Linux's tcp_ipv4.c) */
#define UDP_ROW_WIDTH 127 /* UDP's */

/* A word of an address as the row prints it: the four bytes at b as the word they make in memory. */
static unsigned word(const uint8_t *b)
{
	return (unsigned)b[0] | (unsigned)b[1] << 8 | (unsigned)b[2] << 16 | (unsigned)b[3] << 24;
}

/* An address and port, into buf[40]: the last 4 of ip's 16 bytes (v6 false), or all 16. */
static void addr_text(char *buf, const uint8_t ip[16], uint16_t port, bool v6)
{
	if (v6)
		fmt_snprintf(buf, 40, "%08X%08X%08X%08X:%04X", word(ip), word(ip + 4), word(ip + 8), word(ip + 12),
			     port);
	else
		fmt_snprintf(buf, 40, "%08X:%04X", word(ip + 12), port);
}

void procnet_row(struct procnet *p, const struct procnet_sock *r)
{
	char local[40], remote[40], row[ROW_WIDTH + 1];
	addr_text(local, r->lip, r->lport, p->v6);
	addr_text(remote, r->rip, r->rport, p->v6);
	if (p->udp) /* and its reference count, its address (hidden, as Linux hides it) and its drops */
		fmt_snprintf(row, sizeof(row), "%5d: %s %s %02X %08X:%08X 00:00000000 00000000 %5u %8d %lu 2 %016x 0",
			     p->rows++, local, remote, r->state, (unsigned)r->txq, (unsigned)r->rxq, r->uid, 0, r->ino,
			     0);
	else
		fmt_snprintf(row, sizeof(row), "%4d: %s %s %02X %08X:%08X %02X:%08lX %08X %5u %8u %lu", p->rows++,
			     local, remote, r->state, (unsigned)r->txq, (unsigned)r->rxq, r->timer, r->when_cs,
			     r->retrans, r->uid, r->probes, r->ino);
	procfs_printf(p->t, "%-*s\n", p->udp ? UDP_ROW_WIDTH : ROW_WIDTH, row);
}

long procnet_inet(struct inode *node, char **buf, size_t *len)
{
	static const char *const head[2][2] = {
		{ "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
		  "  sl  local_address                         remote_address                        st tx_queue "
		  "rx_queue tr tm->when retrnsmt   uid  timeout inode" },
		{ "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode "
		  "ref pointer drops",
		  "  sl  local_address                         remote_address                        st tx_queue "
		  "rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops" },
	};
	bool v6 = node->id & PROCNET_V6, udp = node->id & PROCNET_UDP;
	struct procfs_text t = { .ok = true };
	struct procnet p = { &t, v6, udp, 0 };
	procfs_printf(&t, "%-*s\n", udp ? UDP_ROW_WIDTH : ROW_WIDTH, head[udp][v6]);
	if (udp) {
		loopback_proc_udp(&p);
	} else {
		loopback_proc_tcp(&p);
		net_proc_tcp(&p);
	}
	return procfs_done(&t, buf, len);
}

long procnet_unix(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	unix_proc(&t);
	return procfs_done(&t, buf, len);
}
