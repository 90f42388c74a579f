/* Start a program from the boot image in a new child env: the ELF loader of native programs. */
#include "mica.h"
#include "lib/cpio.h"
#include "lib/elf.h"

#define SCRATCH SPAWN_SCRATCH

/* Map a fresh page of the child at va and copy len bytes of src to offset off in it. */
static long fill_page(long child, uint64_t va, uint64_t perm, const void *src, size_t off, size_t len)
{
	long fn = sys_frame_alloc(child, -1);
	if (fn < 0)
		return fn;
	long r = 0;
	if (len) {
		if ((r = sys_map(0, SCRATCH, fn, PTE_W | PTE_NX)) < 0)
			return r;
		memcpy((uint8_t *)SCRATCH + off, src, len);
		sys_unmap(0, SCRATCH);
	}
	return sys_map(child, va, fn, (long)perm);
}

/* Copy one PT_LOAD segment of img into child, page by page. */
static long load_segment(long child, const struct elf_image *img, const Elf64_Phdr *ph)
{
	uint64_t perm = ((ph->p_flags & PF_W) ? PTE_W : 0) | ((ph->p_flags & PF_X) ? 0 : PTE_NX);
	uint64_t end = ph->p_vaddr + ph->p_memsz, fend = ph->p_vaddr + ph->p_filesz;
	for (uint64_t va = ph->p_vaddr & ~(PAGE_SIZE - 1); va < end; va += PAGE_SIZE) {
		uint64_t lo = va > ph->p_vaddr ? va : ph->p_vaddr;
		uint64_t hi = va + PAGE_SIZE < fend ? va + PAGE_SIZE : fend;
		const uint8_t *src = img->data + ph->p_offset + (lo - ph->p_vaddr);
		long r = fill_page(child, va, perm, src, lo - va, lo < hi ? hi - lo : 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Share the boot image read-only and give the child a stack with its start block. */
static long setup_child(long child, uint64_t arg)
{
	const struct mica_start *me = mica_start_info;
	uint64_t base = me->image & ~(PAGE_SIZE - 1);
	for (uint64_t va = base; va < me->image + me->image_size; va += PAGE_SIZE) {
		long r = sys_map_copy(0, va, child, va, PTE_NX);
		if (r < 0)
			return r;
	}
	struct mica_start start = { me->image, me->image_size, arg, 0 };
	for (uint64_t i = 1; i <= ROOT_STACK_PAGES; i++) {
		bool top = i == 1;
		long r = fill_page(child, ROOT_STACK_TOP - i * PAGE_SIZE, PTE_W | PTE_NX, &start,
				   top ? PAGE_SIZE - sizeof(start) : 0, top ? sizeof(start) : 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Load a parsed image into a fresh child and start it. Returns the child's id or -E_*. */
static long spawn_image(const struct elf_image *img, uint64_t arg)
{
	long child = sys_env_create(), r = 0;
	if (child < 0)
		return child;
	int cursor = 0;
	const Elf64_Phdr *ph;
	while (r == 0 && (ph = elf_load_next(img, &cursor)) != NULL)
		r = load_segment(child, img, ph);
	if (r == 0)
		r = setup_child(child, arg);
	if (r == 0)
		r = sys_env_start(child, img->entry, ROOT_STACK_TOP - sizeof(struct mica_start), arg);
	if (r < 0) {
		sys_env_destroy(child);
		return r;
	}
	return child;
}

long spawn(const char *name, uint64_t arg)
{
	const struct mica_start *me = mica_start_info;
	struct cpio_entry e;
	struct elf_image img;
	long r = cpio_find((const void *)me->image, me->image_size, name, &e);
	if (r < 0)
		return r;
	if ((r = elf_parse(&img, e.data, e.size, USER_LIMIT)) < 0)
		return r;
	return spawn_image(&img, arg);
}

long run(const char *name, uint64_t arg)
{
	long child = spawn(name, arg);
	return child < 0 ? child : sys_env_wait(child);
}
