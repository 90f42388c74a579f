/* ELF64 structures and a validating parser for x86-64 program images. */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t Elf64_Addr;
typedef uint64_t Elf64_Off;
typedef uint16_t Elf64_Half;
typedef uint32_t Elf64_Word;
typedef uint64_t Elf64_Xword;

#define EI_NIDENT 16
#define EI_MAG0 0
#define EI_MAG1 1
#define EI_MAG2 2
#define EI_MAG3 3
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7

#define ELFMAG0 0x7f
#define ELFMAG1 'E'
#define ELFMAG2 'L'
#define ELFMAG3 'F'
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

#define ET_NONE 0
#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3
#define ET_CORE 4

#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_SHLIB 5
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_EH_FRAME 0x6474e550
#define PT_GNU_STACK 0x6474e551
#define PT_GNU_RELRO 0x6474e552
#define PT_GNU_PROPERTY 0x6474e553

#define PF_X 1
#define PF_W 2
#define PF_R 4

/* The most program headers elf_parse accepts. */
#define ELF_MAX_PHNUM 64
/* The page size lo and hi are rounded to. */
#define ELF_PAGE_SIZE 4096

/* The file header at offset 0. */
typedef struct {
	unsigned char e_ident[EI_NIDENT];
	Elf64_Half e_type;
	Elf64_Half e_machine;
	Elf64_Word e_version;
	Elf64_Addr e_entry;
	Elf64_Off e_phoff;
	Elf64_Off e_shoff;
	Elf64_Word e_flags;
	Elf64_Half e_ehsize;
	Elf64_Half e_phentsize;
	Elf64_Half e_phnum;
	Elf64_Half e_shentsize;
	Elf64_Half e_shnum;
	Elf64_Half e_shstrndx;
} Elf64_Ehdr;

/* One program header: a segment to load, or information for the loader. */
typedef struct {
	Elf64_Word p_type;
	Elf64_Word p_flags;
	Elf64_Off p_offset;
	Elf64_Addr p_vaddr;
	Elf64_Addr p_paddr;
	Elf64_Xword p_filesz;
	Elf64_Xword p_memsz;
	Elf64_Xword p_align;
} __attribute__((packed, aligned(4))) Elf64_Phdr; /* 4-aligned: cpio archives align file data to 4 bytes */

/* One section header (lx reads the symbol tables through them, to find where a function begins). */
typedef struct {
	Elf64_Word sh_name;
	Elf64_Word sh_type;
	Elf64_Xword sh_flags;
	Elf64_Addr sh_addr;
	Elf64_Off sh_offset;
	Elf64_Xword sh_size;
	Elf64_Word sh_link;
	Elf64_Word sh_info;
	Elf64_Xword sh_addralign;
	Elf64_Xword sh_entsize;
} Elf64_Shdr;

#define SHT_SYMTAB 2
#define SHT_DYNSYM 11

/* One symbol of .symtab or .dynsym. */
typedef struct {
	Elf64_Word st_name;
	unsigned char st_info;
	unsigned char st_other;
	Elf64_Half st_shndx;
	Elf64_Addr st_value;
	Elf64_Xword st_size;
} Elf64_Sym;

#define STT_FUNC 2
#define ELF64_ST_TYPE(info) ((info)&0xf)

/* A validated image; every pointer points into the caller's data. */
struct elf_image {
	const uint8_t *data;
	size_t size;             /* bytes at data: the whole file, or its head (elf_parse_head) */
	size_t file_size;        /* bytes of the whole file */
	uint16_t type;           /* ET_EXEC or ET_DYN */
	uint64_t entry;
	const Elf64_Phdr *phdr;  /* phnum headers, all inside data */
	uint16_t phnum;
	uint64_t lo, hi;         /* page-rounded span of the PT_LOAD segments */
};

/*
 * Validates the ELF64 x86-64 executable or shared object in data[0, size)
 * and describes it in *img. Returns 0, or -E_BADFMT (and zeroes *img) if
 * the header is not little-endian ELF64 version 1 for x86-64 of type
 * ET_EXEC or ET_DYN; the program header table has the wrong entry size,
 * 0 or more than ELF_MAX_PHNUM entries, lies outside the file or is not
 * 8-byte aligned in memory; any segment's file bytes lie outside the
 * file; a PT_LOAD has p_filesz > p_memsz, an end address that overflows
 * or exceeds va_limit, p_align not 0 or a power of two, or p_vaddr and
 * p_offset not congruent modulo p_align; two PT_LOADs overlap in memory;
 * there is no PT_LOAD; or an ET_EXEC entry point is not inside an
 * executable PT_LOAD. Never reads outside data[0, size).
 */
int elf_parse(struct elf_image *img, const void *data, size_t size,
	      uint64_t va_limit);

/*
 * As elf_parse, for a file of file_size bytes of which only the first size
 * bytes are at data (size <= file_size): the header and the program header
 * table must lie in those; segments are checked against file_size, and
 * their bytes are for the caller to read from the file. Never reads
 * outside data[0, size).
 */
int elf_parse_head(struct elf_image *img, const void *data, size_t size,
		   size_t file_size, uint64_t va_limit);

/* Returns the first program header of the given type, or NULL. */
const Elf64_Phdr *elf_find(const struct elf_image *img, uint32_t type);

/* Returns the PT_INTERP path if there is one, non-empty, NUL-terminated
 * within its segment and inside data[0, size); otherwise NULL. */
const char *elf_interp(const struct elf_image *img);

/*
 * Iterates the PT_LOAD headers in file order: start with *cursor = 0 and
 * call until it returns NULL. Returns the next PT_LOAD at or after index
 * *cursor and moves *cursor past it; NULL when there are no more.
 */
const Elf64_Phdr *elf_load_next(const struct elf_image *img, int *cursor);

#endif
