/* Boot: read the PVH start info, bring up every subsystem, start the root env from the boot image. */
#include "kernel.h"
#include "lib/cpio.h"
#include "kernel/virtio.h"
#include "kernel/blk.h"

#define PVH_MAGIC 0x336EC578
#define LOW_MEMORY 0x100000UL /* below 1 MiB: left alone */
#define E820_RAM 1
#define MAX_RESERVED 8

/* What the VMM hands a PVH kernel (Xen's hvm_start_info, version 1): the layout is the boot protocol's. */
struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};
ABI_SIZE(struct hvm_start_info, 56);
ABI_OFFSET(struct hvm_start_info, nr_modules, 12);
ABI_OFFSET(struct hvm_start_info, modlist_paddr, 16);
ABI_OFFSET(struct hvm_start_info, memmap_paddr, 40);
ABI_OFFSET(struct hvm_start_info, memmap_entries, 48);
ABI_SIZE(struct hvm_modlist_entry, 32);
ABI_OFFSET(struct hvm_modlist_entry, size, 8);
ABI_SIZE(struct hvm_memmap_entry, 24);
ABI_OFFSET(struct hvm_memmap_entry, type, 16);

extern char kernel_end[];
extern uint64_t boot_tsc;
static uint8_t kip_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
struct kip *kip = (struct kip *)kip_page;

static struct { uint64_t lo, hi; } reserved[MAX_RESERVED];
static int nreserved;

static void reserve(uint64_t lo, uint64_t hi)
{
	assert(nreserved < MAX_RESERVED);
	reserved[nreserved].lo = PGROUNDDOWN(lo);
	reserved[nreserved++].hi = PGROUNDUP(hi);
}

/* Add [lo, hi) to the free pool minus every reserved range. */
static void add_free(uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < nreserved && lo < hi; i++) {
		if (reserved[i].hi <= lo || reserved[i].lo >= hi)
			continue;
		add_free(lo, reserved[i].lo);
		lo = reserved[i].hi;
	}
	if (lo < hi)
		frame_add_range(lo, hi - lo);
}

/* The top of RAM (capped at the physical map's size), from the PVH memory map. */
static uint64_t ram_top(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *m = P2V(si->memmap_paddr);
	uint64_t top = 0;
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (m[i].type == E820_RAM && m[i].addr + m[i].size > top)
			top = m[i].addr + m[i].size;
	return top < PHYSMAP_SIZE ? top : PHYSMAP_SIZE;
}

/* Build the frame table after the kernel and boot modules, and fill the free pool. */
static void memory_init(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *mods = P2V(si->modlist_paddr);
	const struct hvm_memmap_entry *m = P2V(si->memmap_paddr);
	uint64_t top = ram_top(si), table = PGROUNDUP(V2P(kernel_end));

	reserve(0, LOW_MEMORY);
	reserve(LOW_MEMORY, V2P(kernel_end));
	for (uint32_t i = 0; i < si->nr_modules && i < 2; i++) {
		reserve(mods[i].paddr, mods[i].paddr + mods[i].size);
		if (mods[i].paddr < table + frame_table_size(top) && mods[i].paddr + mods[i].size > table)
			table = PGROUNDUP(mods[i].paddr + mods[i].size);
	}
	reserve(table, table + frame_table_size(top));
	frame_init(table, top);
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		if (m[i].type == E820_RAM && m[i].addr < top)
			add_free(m[i].addr, m[i].addr + m[i].size < top ? m[i].addr + m[i].size : top);
	frame_pin(V2P(kip) / PAGE_SIZE);
}

/* Map the boot image read-only at UBOOT in e. */
static int map_boot_image(struct env *e, uint64_t pa, uint64_t size)
{
	uint64_t first = PGROUNDDOWN(pa) / PAGE_SIZE, n = (PGROUNDUP(pa + size) - PGROUNDDOWN(pa)) / PAGE_SIZE;
	for (uint64_t fn = first; fn < first + n; fn++)
		frame_pin(fn);
	return n ? pt_map_run(e->pml4, UBOOT, first, n, PTE_NX) : 0;
}

/* Give e a stack of ROOT_STACK_PAGES below ROOT_STACK_TOP. */
static int map_root_stack(struct env *e)
{
	for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++) {
		long fn = frame_alloc(e, -1);
		if (fn < 0)
			return (int)fn;
		int r = pt_map(e->pml4, ROOT_STACK_TOP - i * PAGE_SIZE, (uint64_t)fn, PTE_W | PTE_NX);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Stop the machine: the root env could not be started (what failed, err). Too
 * little memory is one plain line and status 255, since nothing is broken;
 * anything else is a panic.
 */
static __attribute__((noreturn)) void root_failed(const struct hvm_start_info *si, const char *what, int err)
{
	if (err == -E_NOMEM) {
		kprintf("kernel: %lu KiB of memory is too little to start init; boot with more\n",
			(unsigned long)(ram_top(si) / 1024));
		poweroff(255);
	}
	panic("%s: %s", what, mica_strerror(err));
}

/* Create the root env from the program "init" in the boot image (a cpio archive). */
static void start_root(const struct hvm_start_info *si)
{
	const struct hvm_modlist_entry *mods = P2V(si->modlist_paddr);
	struct cpio_entry init;
	uint64_t entry;
	int err = 0;

	if (si->nr_modules < 1)
		panic("no boot image: pass one with -initrd");
	const void *image = P2V(mods[0].paddr);
	if ((err = cpio_find(image, mods[0].size, "init", &init)) < 0)
		panic("boot image: no program named init (%s)", mica_strerror(err));
	struct env *root = env_alloc(NULL, &err);
	if (!root)
		root_failed(si, "cannot create the root env", err);
	extent_root(root); /* every disk, whole */
	if ((err = env_load_elf(root, init.data, init.size, &entry)) < 0)
		root_failed(si, "boot image: init is not a valid x86-64 ELF program", err);
	if ((err = map_root_stack(root)) < 0 || (err = map_boot_image(root, mods[0].paddr, mods[0].size)) < 0)
		root_failed(si, "cannot map the root env", err);
	struct mica_start start = { UBOOT + (mods[0].paddr & (PAGE_SIZE - 1)), mods[0].size, 0, 0 };
	uint64_t sp = ROOT_STACK_TOP - sizeof(start);
	if ((err = copy_to_user(root, sp, &start, sizeof(start))) < 0 || !thread_alloc(root, entry, sp, 0, &err))
		root_failed(si, "cannot start the root env", err);
}

void kmain(uint64_t start_info_pa);
void kmain(uint64_t start_info_pa)
{
	const struct hvm_start_info *si = P2V(start_info_pa);

	cons_init();
	if (si->magic != PVH_MAGIC)
		panic("not started by a PVH loader (magic %#x)", si->magic);
	kip->magic = KIP_MAGIC;
	kip->boot_tsc_reset = boot_tsc;
	memory_init(si);
	trap_init();
	pkey_init();
	lapic_init();
	env_init();
	sched_init();
	virtio_init(si->cmdline_paddr ? (const char *)P2V(si->cmdline_paddr) : NULL);
	boot_pml4[0] = 0; /* the identity map was for the jump to the upper half */
	lcr3(V2P(boot_pml4));
	start_root(si);
	sched_run();
}
