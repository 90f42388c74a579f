/* A helper of n_net: a receiver of UDP to one port on its own ring, which counts what it gets. */
#include "net.h"
#include "net_test.h"

/*
 * arg: port | want << 16 | stall << 24 | ready << 32. Bind a ring, claim UDP
 * to NT_DST:port, signal notification ready, then take want packets (or give
 * up after NT_WAIT_NS) and exit with the number that were for its port plus
 * 256 times the number that were not; a stalling child claims the port with
 * a ring of two slots and never reads it.
 */
int main(void)
{
	uint64_t arg = mica_start_info->arg;
	uint16_t port = (uint16_t)arg;
	long want = (long)((arg >> 16) & 0xFF), mine = 0, foreign = 0;
	bool stall = (arg >> 24) & 1;
	struct netring r;
	struct dpf_filter f;

	if (netring_open(&r, NT_RING_VA, stall ? 2 : NT_RING_PAGES) < 0)
		return 255;
	dpf_ipv4_port(&f, DPF_IPPROTO_UDP, port);
	if (sys_net_filter(r.id, &f) < 0)
		return 254;
	sys_ntfn_signal((long)(arg >> 32), 1);
	if (stall)
		sys_sleep(TIMEOUT_FOREVER - 1);
	for (long i = 0; i < want; i++) {
		const struct net_slot *s = netring_wait(&r, NT_WAIT_NS);
		if (!s)
			break;
		if (s->len > UDP_DATA && get16(s->data + UDP_DPORT) == port)
			mine++;
		else
			foreign++;
		netring_next(&r);
	}
	return (int)(mine + 256 * foreign);
}
