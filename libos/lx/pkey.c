/* lx under a protection key: its own memory under LX_PKEY, and the kernel asked to guard it. */
#include "libos/lx/lx.h"

/*
 * Where the CPU has protection keys (x86 PKU), lx's memory is under key
 * LX_PKEY and the program runs with PKRU = LX_PKRU_CLOSED: a load or store
 * of program code to lx's text, data, stacks, thread slots or shared heap
 * faults (SIGSEGV). The kernel opens the key whenever it enters lx (a
 * reflected syscall, an upcall) and refuses kernel calls made with it
 * closed; lx closes it on every way back to the program (entry.S). This
 * keeps stray writes of program code out of lx and of what the processes
 * share. A program that runs a wrpkru of its own on purpose can open the key
 * again; lx does not scan program code for one (docs/architecture.md says
 * why), and the kernel's boundary between environments holds regardless.
 */
_Static_assert(LX_PKRU_CLOSED == PKRU_KEY(LX_PKEY), "entry.S's closed PKRU is lx's key's two bits");
_Static_assert(LX_SLOT_EXIT - PAGE_SIZE >= LX_SLOT_XSTACK && LX_SLOT_EXIT <= LX_SLOT_KSTACK - 16 * PAGE_SIZE,
	       "the exit page lies between a slot's exception stack and its lx stack, which fork copies");

bool lx_pkey_on;

/* The first page at or after va (page-aligned) whose last-level table is there: past every absent table above it. */
static uint64_t lx_pt_next(uint64_t va)
{
	for (;;) {
		int shift = !(*uvpt_pml4e(va) & PTE_P)   ? 39
			    : !(*uvpt_pdpte(va) & PTE_P) ? 30
			    : !(*uvpt_pde(va) & PTE_P)   ? 21
							 : 0;
		if (!shift || va >= USER_LIMIT)
			return va;
		va = (va | ((1UL << shift) - 1)) + 1;
	}
}

/* Put every present page of [start, end) under lx's key, keeping its other bits. */
static void key_range(uint64_t start, uint64_t end)
{
	for (uint64_t va = lx_pt_next(start & ~(PAGE_SIZE - 1)); va < end; va = lx_pt_next(va + PAGE_SIZE)) {
		uint64_t pte = *uvpt_pte(va);
		if ((pte & PTE_P) && (pte & PTE_PKEY_MASK) != PTE_PKEY(LX_PKEY))
			sys_protect(0, va, (long)((pte & PTE_USER_PERMS & ~PTE_PKEY_MASK) | PTE_PKEY(LX_PKEY)));
	}
}

/*
 * The pages lx made itself are under the key from the start (LX_OWN_PERM);
 * the kernel loaded lx's image, its first stack and the boot image (the
 * root file system's bytes, which file permissions guard) without it.
 */
void lx_pkey_init(void)
{
	extern char lx_end[];
	if (sys_env_set_pkey(0, LX_PKEY) < 0)
		return; /* no PKU: the program can write lx's memory (docs/architecture.md) */
	key_range(LX_BASE, (uint64_t)lx_end);
	key_range(ROOT_STACK_TOP - ROOT_STACK_PAGES * PAGE_SIZE, ROOT_STACK_TOP);
	key_range(mica_start_info->image, mica_start_info->image + mica_start_info->image_size);
	lx_pkey_on = true;
}

void lx_pkey_child(long child)
{
	if (lx_pkey_on)
		sys_env_set_pkey(child, LX_PKEY);
}
