/* Validation of untrusted ELF64 images before anything is loaded from them. */
#include "lib/elf.h"

#include <stdbool.h>

#include <mica/error.h>

#include "lib/string.h"

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr layout");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr layout");

/* Returns true if the n bytes at off lie inside a file of size bytes. */
static bool in_file(uint64_t off, uint64_t n, size_t size)
{
	return off <= size && n <= size - off;
}

/* Returns true if the identification bytes and fixed header fields say
 * little-endian ELF64 version 1 for x86-64, executable or shared. */
static bool header_ok(const Elf64_Ehdr *eh)
{
	const unsigned char *id = eh->e_ident;

	if (id[EI_MAG0] != ELFMAG0 || id[EI_MAG1] != ELFMAG1 ||
	    id[EI_MAG2] != ELFMAG2 || id[EI_MAG3] != ELFMAG3)
		return false;
	if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB ||
	    id[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return false;
	if (eh->e_machine != EM_X86_64)
		return false;
	return eh->e_type == ET_EXEC || eh->e_type == ET_DYN;
}

/* Returns true if the program header table is well formed, inside the
 * file of size bytes at data, and suitably aligned in memory. */
static bool phdr_table_ok(const Elf64_Ehdr *eh, const uint8_t *data, size_t size)
{
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return false;
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM)
		return false;
	/* e_phnum <= 64, so the product cannot overflow. */
	if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
		return false;
	return ((uintptr_t)data + eh->e_phoff) % _Alignof(Elf64_Phdr) == 0;
}

/* Returns true if a is 0 or a power of two. */
static bool align_ok(uint64_t a)
{
	return (a & (a - 1)) == 0;
}

/* Returns true if the PT_LOAD ph is consistent and ends in memory at or
 * below va_limit, leaving room to round its end up to a page. */
static bool load_ok(const Elf64_Phdr *ph, uint64_t va_limit)
{
	if (ph->p_filesz > ph->p_memsz)
		return false;
	if (ph->p_vaddr > UINT64_MAX - (ELF_PAGE_SIZE - 1) ||
	    ph->p_memsz > UINT64_MAX - (ELF_PAGE_SIZE - 1) - ph->p_vaddr)
		return false;
	if (ph->p_vaddr + ph->p_memsz > va_limit)
		return false;
	if (!align_ok(ph->p_align))
		return false;
	return ph->p_align <= 1 ||
	       ph->p_vaddr % ph->p_align == ph->p_offset % ph->p_align;
}

/* Returns true if the memory ranges of two PT_LOADs share a byte. */
static bool loads_overlap(const Elf64_Phdr *a, const Elf64_Phdr *b)
{
	if (a->p_memsz == 0 || b->p_memsz == 0)
		return false;
	return a->p_vaddr < b->p_vaddr + b->p_memsz &&
	       b->p_vaddr < a->p_vaddr + a->p_memsz;
}

/* Returns true if PT_LOAD i is valid and overlaps no earlier PT_LOAD. */
static bool load_fits(const Elf64_Phdr *ph, int i, uint64_t va_limit)
{
	if (!load_ok(&ph[i], va_limit))
		return false;
	for (int j = 0; j < i; j++) {
		if (ph[j].p_type == PT_LOAD && loads_overlap(&ph[i], &ph[j]))
			return false;
	}
	return true;
}

/* Checks every program header of img and sets img->lo and img->hi to
 * the page-rounded PT_LOAD span; returns false if any is malformed or
 * there is no PT_LOAD. */
static bool segments_ok(struct elf_image *img, uint64_t va_limit)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (int i = 0; i < img->phnum; i++) {
		const Elf64_Phdr *ph = &img->phdr[i];

		if (!in_file(ph->p_offset, ph->p_filesz, img->file_size))
			return false;
		if (ph->p_type != PT_LOAD)
			continue;
		if (!load_fits(img->phdr, i, va_limit))
			return false;
		lo = ph->p_vaddr < lo ? ph->p_vaddr : lo;
		hi = ph->p_vaddr + ph->p_memsz > hi ? ph->p_vaddr + ph->p_memsz : hi;
	}
	img->lo = lo & ~(uint64_t)(ELF_PAGE_SIZE - 1);
	img->hi = (hi + ELF_PAGE_SIZE - 1) & ~(uint64_t)(ELF_PAGE_SIZE - 1);
	return lo != UINT64_MAX;
}

/* Returns true if addr lies inside an executable PT_LOAD of img. */
static bool in_exec_load(const struct elf_image *img, uint64_t addr)
{
	const Elf64_Phdr *ph;
	int cursor = 0;

	while ((ph = elf_load_next(img, &cursor)) != NULL) {
		if ((ph->p_flags & PF_X) && addr >= ph->p_vaddr &&
		    addr - ph->p_vaddr < ph->p_memsz)
			return true;
	}
	return false;
}

/* Validates the head data[0, size) of a file of file_size bytes as
 * described in lib/elf.h; returns 0 with *img filled in, or -E_BADFMT with
 * *img zeroed. */
int elf_parse_head(struct elf_image *img, const void *data, size_t size,
		   size_t file_size, uint64_t va_limit)
{
	struct elf_image im = { .data = data, .size = size, .file_size = file_size };
	Elf64_Ehdr eh;

	memset(img, 0, sizeof(*img));
	if (!data || size < sizeof(eh) || size > file_size)
		return -E_BADFMT;
	memcpy(&eh, data, sizeof(eh)); /* data need not be aligned */
	if (!header_ok(&eh) || !phdr_table_ok(&eh, im.data, size))
		return -E_BADFMT;
	im.type = eh.e_type;
	im.entry = eh.e_entry;
	im.phdr = (const Elf64_Phdr *)(const void *)(im.data + eh.e_phoff);
	im.phnum = eh.e_phnum;
	if (!segments_ok(&im, va_limit))
		return -E_BADFMT;
	if (im.type == ET_EXEC && !in_exec_load(&im, im.entry))
		return -E_BADFMT;
	*img = im;
	return 0;
}

/* Validates data[0, size), the whole file, as described in lib/elf.h. */
int elf_parse(struct elf_image *img, const void *data, size_t size,
	      uint64_t va_limit)
{
	return elf_parse_head(img, data, size, size, va_limit);
}

/* Returns the first program header of img with the given type, or NULL. */
const Elf64_Phdr *elf_find(const struct elf_image *img, uint32_t type)
{
	for (int i = 0; i < img->phnum; i++) {
		if (img->phdr[i].p_type == type)
			return &img->phdr[i];
	}
	return NULL;
}

/* Returns the interpreter path of img, or NULL if it has none or the
 * segment holds no non-empty NUL-terminated string. */
const char *elf_interp(const struct elf_image *img)
{
	const Elf64_Phdr *ph = elf_find(img, PT_INTERP);
	const char *path;

	if (!ph || ph->p_filesz == 0 || !in_file(ph->p_offset, ph->p_filesz, img->size))
		return NULL;
	path = (const char *)img->data + ph->p_offset;
	if (path[0] == '\0' || strnlen(path, ph->p_filesz) == ph->p_filesz)
		return NULL;
	return path;
}

/* Returns the next PT_LOAD of img at or after index *cursor, advancing
 * *cursor past it, or NULL when none is left. */
const Elf64_Phdr *elf_load_next(const struct elf_image *img, int *cursor)
{
	for (int i = *cursor < 0 ? 0 : *cursor; i < img->phnum; i++) {
		if (img->phdr[i].p_type == PT_LOAD) {
			*cursor = i + 1;
			return &img->phdr[i];
		}
	}
	*cursor = img->phnum;
	return NULL;
}
