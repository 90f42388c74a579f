/* The client of t_pager: every page fault becomes an IPC call to the pager endpoint (arg). */
#include "mica.h"

#define REGION 0x50000000UL
#define NPAGES 16

static long pager_ep;
static volatile int faults;

static void on_fault(struct exc_frame *f)
{
	if (f->trapno != T_PGFLT)
		exit(100 + (int)f->trapno);
	struct ipc_msg m = { .tag = 1, .w = { f->addr, f->err, 0, 0 } };
	if (ipc(IPC_CALL, pager_ep, &m, TIMEOUT_FOREVER, 0, NULL) != 0 || m.w[0] != 0)
		exit(99);
	faults++;
}

int main(void)
{
	pager_ep = (long)mica_start_info->arg;
	set_upcall(UPCALL_EXCEPTION, on_fault);
	int bad = 0;
	for (uint64_t i = 0; i < NPAGES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(REGION + i * PAGE_SIZE);
		for (uint64_t j = 0; j < PAGE_SIZE / 8; j++)
			if (p[j] != (uint64_t)p * 31 + j)
				bad++;
		p[0] = 1; /* and writable */
	}
	struct ipc_msg m = { .tag = 2, .w = { (uint64_t)faults, 0, 0, 0 } };
	ipc(IPC_CALL, pager_ep, &m, TIMEOUT_FOREVER, 0, NULL);
	return bad;
}
