/* Tests of a user-level pager: a child's page faults are served over IPC by its parent. */
#include "check.h"

#define SCRATCH 0x60000000UL
#define REGION 0x50000000UL
#define NPAGES 16

int main(void)
{
	check_prog = "pager";
	long ep = sys_ep_create();
	CHECK("ep-create", ep > 0);
	long client = spawn("pager_client", (uint64_t)ep);
	CHECK("spawn-client", client > 0);

	int served = 0, outside = 0, failed = 0;
	long reported = -1;
	uint64_t badge0 = 0;
	for (;;) {
		struct ipc_msg m = { 0 };
		uint64_t badge;
		if (ipc(IPC_RECV, ep, &m, 2000000000UL, 0, &badge) != 0) {
			failed++;
			break;
		}
		if (!badge0)
			badge0 = badge;
		if (IPC_LABEL(m.tag) == 2) {
			reported = (long)m.w[0];
			m.w[0] = 0;
			ipc(IPC_REPLY, 0, &m, 0, 0, NULL);
			break;
		}
		uint64_t va = m.w[0] & ~(PAGE_SIZE - 1);
		m.w[0] = 1;
		if (va < REGION || va >= REGION + NPAGES * PAGE_SIZE || badge != badge0) {
			outside++;
		} else {
			long fn = sys_frame_alloc(client, -1);
			if (fn > 0 && sys_map(0, SCRATCH, fn, PTE_W | PTE_NX) == 0) {
				uint64_t *p = (uint64_t *)SCRATCH;
				for (uint64_t j = 0; j < PAGE_SIZE / 8; j++)
					p[j] = va * 31 + j;
				sys_unmap(0, SCRATCH);
				if (sys_map(client, va, fn, PTE_W) == 0) {
					m.w[0] = 0;
					served++;
				} else {
					failed++;
				}
			} else {
				failed++;
			}
		}
		ipc(IPC_REPLY, 0, &m, 0, 0, NULL);
	}
	CHECK_EQ("faults-served", served, NPAGES);
	CHECK_EQ("faults-outside-region", outside, 0);
	CHECK_EQ("pager-errors", failed, 0);
	CHECK_EQ("client-counted-faults", reported, NPAGES);
	CHECK_EQ("client-status", sys_env_wait(client), 0);
	CHECK_EQ("ep-destroy", sys_ep_destroy(ep), 0);
	return CHECK_DONE();
}
