/* lx under a protection key: its own memory under LX_PKEY, the kernel asked to guard it, and the scan for wrpkru. */
#include "libos/lx/lx.h"

/*
 * Where the CPU has protection keys (x86 PKU), lx's memory is under key
 * LX_PKEY and the program runs with PKRU = LX_PKRU_CLOSED: a load or store
 * of program code to lx's text, data, stacks, thread slots or shared heap
 * faults (SIGSEGV). The kernel opens the key whenever it enters lx (a
 * reflected syscall, an upcall) and refuses kernel calls made with it
 * closed; lx closes it on every way back to the program (entry.S). No code
 * but lx's may hold a wrpkru, which could open the key again: an executable
 * holding the bytes 0F 01 EF is refused at exec, and so is mprotect(PROT_EXEC)
 * of memory holding them (mem.c); a file mapped executable has them made
 * int3 as its pages are filled (glibc's libc.so.6 holds one, in pkey_set).
 */
_Static_assert(LX_PKRU_CLOSED == PKRU_KEY(LX_PKEY), "entry.S's closed PKRU is lx's key's two bits");
_Static_assert(LX_SLOT_EXIT - PAGE_SIZE >= LX_SLOT_XSTACK && LX_SLOT_EXIT <= LX_SLOT_KSTACK - 16 * PAGE_SIZE,
	       "the exit page lies between a slot's exception stack and its lx stack, which fork copies");

bool lx_pkey_on;

/* The first page at or after va (page-aligned) whose last-level table is there: past every absent table above it. */
uint64_t lx_pt_next(uint64_t va)
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

bool lx_wrpkru_at(const uint8_t *p)
{
	return p[0] == 0x0F && p[1] == 0x01 && p[2] == 0xEF;
}

#define SCAN_CHUNK 1024

long lx_pkey_check_file(struct file *f, uint64_t off, uint64_t len)
{
	uint8_t buf[SCAN_CHUNK + 2];
	size_t carry = 0;
	for (uint64_t done = 0; done < len;) {
		uint64_t want = len - done < SCAN_CHUNK ? len - done : SCAN_CHUNK;
		long got = f->ops->pread(f, buf + carry, want, off + done);
		if (got <= 0)
			return 0; /* past the file's end: zeros */
		size_t n = carry + (size_t)got;
		for (size_t i = 0; i + 2 < n; i++)
			if (lx_wrpkru_at(buf + i))
				return -ENOEXEC;
		carry = n < 2 ? n : 2;
		memmove(buf, buf + n - carry, carry);
		done += (uint64_t)got;
	}
	return 0;
}

/* The byte at a: from the page at va (page) when a lies in it, else what the program would read there (mem_peek). */
static int byte_near(const uint8_t *page, uint64_t va, uint64_t a)
{
	return a - va < PAGE_SIZE ? page[a - va] : mem_peek(a);
}

/* Is there a wrpkru at a, whose bytes may lie on either side of the page at va? Its bytes in the page become int3 if defuse. */
static bool wrpkru_near(uint8_t *page, uint64_t va, uint64_t a, bool defuse)
{
	if (byte_near(page, va, a) != 0x0F || byte_near(page, va, a + 1) != 0x01 || byte_near(page, va, a + 2) != 0xEF)
		return false;
	for (uint64_t k = a; defuse && k < a + 3; k++)
		if (k - va < PAGE_SIZE)
			page[k - va] = 0xCC;
	return true;
}

/* Does word w hold the byte 0xEF? (the zero-byte test on w ^ 0xEFEF...) */
static bool has_ef(uint64_t w)
{
	uint64_t t = w ^ 0xEFEFEFEFEFEFEFEFUL;
	return ((t - 0x0101010101010101UL) & ~t & 0x8080808080808080UL) != 0;
}

/*
 * Does the page at va (present, readable) hold a wrpkru, or part of one
 * that runs into a neighbour? With defuse, its bytes of each become int3
 * (0xCC), so no wrpkru is left. The search looks for the last byte (0xEF)
 * a word at a time.
 */
bool lx_page_wrpkru(uint64_t va, bool defuse)
{
	uint8_t *p = (uint8_t *)va;
	bool found = false;
	for (uint64_t i = 0; i < PAGE_SIZE; i += 8) {
		if (!has_ef(*(const uint64_t *)(p + i)))
			continue;
		for (uint64_t j = i; j < i + 8; j++)
			if (p[j] == 0xEF && wrpkru_near(p, va, va + j - 2, defuse))
				found = true;
	}
	/* one that starts in this page and ends in the next */
	for (uint64_t a = va + PAGE_SIZE - 2; a < va + PAGE_SIZE; a++)
		if (wrpkru_near(p, va, a, defuse))
			found = true;
	return found;
}
