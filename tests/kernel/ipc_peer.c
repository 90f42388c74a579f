/* The other side of t_ipc: calls the parent's endpoint; arg = endpoint id * 8 + mode. */
#include "mica.h"

#define PAGE_VA 0x20000000UL
#define ROUNDS 1000

int main(void)
{
	uint64_t arg = mica_start_info->arg;
	long ep = (long)(arg >> 3);
	struct ipc_msg m;
	int bad = 0;

	switch (arg & 7) {
	case 1: /* round trips: the server answers w[0] + 1 and the badge it saw in w[1] */
		for (uint64_t i = 0; i < ROUNDS; i++) {
			m = (struct ipc_msg){ .tag = 1000 + i, .w = { i, 0, ~i, 0x5555 } };
			long r = ipc(IPC_CALL, ep, &m, TIMEOUT_FOREVER, 0, NULL);
			if (r != 0 || m.w[0] != i + 1 || IPC_LABEL(m.tag) != 1000 + i || m.w[2] != ~i)
				bad++;
		}
		return bad;
	case 2: { /* page transfer: the server reads our page through its window and writes one word back */
		if (page_alloc(0, PAGE_VA, PTE_W) < 0)
			return 10;
		uint64_t *p = (uint64_t *)PAGE_VA;
		for (int i = 0; i < 512; i++)
			p[i] = 0xC0DE0000UL + (uint64_t)i;
		m = (struct ipc_msg){ .tag = IPC_PAGE | 7, .w = { 1, 2, 3, PAGE_VA | PTE_W } };
		if (ipc(IPC_CALL, ep, &m, TIMEOUT_FOREVER, 0, NULL) != 0)
			return 11;
		return p[1] == 0xFEEDUL ? 0 : 12;
	}
	case 3: { /* owner of an endpoint that the parent calls; it never receives and is destroyed */
		long mine = sys_ep_create();
		m = (struct ipc_msg){ .tag = 3, .w = { (uint64_t)mine, 0, 0, 0 } };
		ipc(IPC_CALL, ep, &m, TIMEOUT_FOREVER, 0, NULL);
		sys_sleep(TIMEOUT_FOREVER);
		return 13;
	}
	}
	return 99;
}
