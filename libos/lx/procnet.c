/* /proc/net/tcp and /proc/net/tcp6: the loopback's TCP sockets (loopback.c) and lwIP's connections (inet.c), as Linux prints them. */
#include "libos/lx/vfs.h"
#include "libos/lx/procfs.h"
#include "libos/lx/procnet.h"

/*
 * One row per socket, numbered from 0, each padded to Linux's width.
 * Addresses are the 32-bit words of the address as they lie in memory, in
 * hex (127.0.0.1 is 0100007F); ports are in hex. The timer, uid and inode
 * columns are 0: lx keeps none of them for a socket.
 */
#define ROW_WIDTH 149 /* (TMPSZ - 1 in Linux's tcp_ipv4.c) */

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

void procnet_row(struct procnet *p, const uint8_t lip[16], uint16_t lport, const uint8_t rip[16], uint16_t rport,
		 int state, size_t txq, size_t rxq)
{
	char local[40], remote[40], row[ROW_WIDTH + 1];
	addr_text(local, lip, lport, p->v6);
	addr_text(remote, rip, rport, p->v6);
	fmt_snprintf(row, sizeof(row), "%4d: %s %s %02X %08X:%08X 00:00000000 00000000 %5d %8d %d", p->rows++, local,
		     remote, state, (unsigned)txq, (unsigned)rxq, 0, 0, 0);
	procfs_printf(p->t, "%-*s\n", ROW_WIDTH, row);
}

/* The table of family's sockets (v6: AF_INET6's) into *buf. */
static long table(bool v6, char **buf, size_t *len)
{
	struct procfs_text t = { .ok = true };
	struct procnet p = { &t, v6, 0 };
	procfs_printf(
		&t, "%-*s\n", ROW_WIDTH,
		v6 ? "  sl  local_address                         remote_address                        st tx_queue "
		     "rx_queue tr tm->when retrnsmt   uid  timeout inode"
		   : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
		     "inode");
	loopback_proc_tcp(&p);
	net_proc_tcp(&p);
	return procfs_done(&t, buf, len);
}

long procnet_tcp(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	return table(false, buf, len);
}

long procnet_tcp6(struct inode *node, char **buf, size_t *len)
{
	(void)node;
	return table(true, buf, len);
}
