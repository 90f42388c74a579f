/* A child of t_revoke: maps frames, then gives some back when asked (mode 1) or ignores the request (mode 0). arg = ntfn << 1 | mode. */
#include "check.h"

#define REGION 0x50000000UL
#define NFRAMES 32

static long fns[NFRAMES];
static int nmapped = NFRAMES;
static volatile int given, upcalls;
static volatile uint64_t fault_addr;

static void comply(struct exc_frame *f)
{
	upcalls++;
	for (uint64_t k = 0; k < f->err && nmapped > 0; k++) {
		nmapped--;
		uint64_t va = REGION + (uint64_t)nmapped * PAGE_SIZE;
		if (sys_unmap(0, va) == 0 && sys_frame_free(0, fns[nmapped]) == 0)
			given++;
	}
}

static void ignore(struct exc_frame *f)
{
	(void)f;
	upcalls++;
}

static void on_fault(struct exc_frame *f)
{
	if (f->trapno != T_PGFLT || fault_addr)
		exit(100 + (int)f->trapno);
	fault_addr = f->addr;
	page_alloc(0, f->addr & ~(PAGE_SIZE - 1), PTE_W | PTE_NX);
}

int main(void)
{
	uint64_t arg = mica_start_info->arg;
	long nt = (long)(arg >> 1);
	int compliant = (int)(arg & 1);
	check_prog = compliant ? "revoke-compliant" : "revoke-forced";

	for (int i = 0; i < NFRAMES; i++) {
		fns[i] = page_alloc(0, REGION + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX);
		if (fns[i] < 0)
			return 50;
		*(volatile uint64_t *)(REGION + (uint64_t)i * PAGE_SIZE) = (uint64_t)i;
	}
	set_upcall(UPCALL_REVOKE, compliant ? comply : ignore);
	set_upcall(UPCALL_EXCEPTION, on_fault);
	sys_ntfn_signal(nt, compliant ? 2 : 1);

	/* stay runnable (a revoke upcall needs a runnable thread) until the request is settled */
	uint64_t end = clock_ns() + 300000000UL;
	while (clock_ns() < end) {
		if (compliant ? given >= 8 && ENVINFO->revoke_asked == 0 : ENVINFO->revoked_count >= 8)
			break;
		sys_yield(0);
	}
	CHECK_EQ("upcalls", upcalls, 1);
	if (compliant) {
		CHECK_EQ("gave-back", given, 8);
		CHECK_EQ("nothing-taken", ENVINFO->revoked_count, 0);
		CHECK_EQ("request-settled", ENVINFO->revoke_asked, 0);
		int ok = 0;
		for (int i = 0; i < nmapped; i++)
			ok += *(volatile uint64_t *)(REGION + (uint64_t)i * PAGE_SIZE) == (uint64_t)i;
		CHECK_EQ("rest-intact", ok, NFRAMES - 8);
		return CHECK_DONE();
	}
	/* the kernel took 8 frames past the deadline */
	CHECK_EQ("revoked-count", ENVINFO->revoked_count, 8);
	CHECK_EQ("nrevoked", ENVINFO->nrevoked, 8);
	CHECK_EQ("request-settled", ENVINFO->revoke_asked, 0);
	int known = 0;
	uint64_t probe = 0;
	for (uint64_t r = 0; r < 8 && r < ENVINFO->nrevoked; r++) {
		uint64_t fn = ENVINFO->revoked[r].fn, va = ENVINFO->revoked[r].va;
		for (int i = 0; i < NFRAMES; i++)
			if ((uint64_t)fns[i] == fn && va == REGION + (uint64_t)i * PAGE_SIZE)
				known++;
		probe = va;
	}
	CHECK_EQ("revoked-lists-frames-and-vas", known, 8);
	CHECK("revoked-unmapped", probe && !(*uvpt_pte(probe) & PTE_P));
	if (probe)
		(void)*(volatile uint64_t *)probe;
	CHECK_EQ("touch-faults", fault_addr, probe);
	CHECK_EQ("remapped-page-zero", probe ? *(volatile uint64_t *)probe : 1, 0);
	return CHECK_DONE();
}
