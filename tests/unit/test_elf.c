/* Host tests for lib/elf.c: a valid image built here, every way to break it, and a real binary. */
#define CHECK_SUITE "elf"
#include "tests/unit/check.h"

#include <mica/error.h>

#include "lib/elf.h"
#include "lib/string.h"

#define IMG_SIZE 0x300
#define VA_LIMIT (1ull << 47)
#define TEXT_VA 0x400000ull
#define DATA_VA 0x401200ull
#define INTERP_OFF 0x160

/* The image under test: a fresh valid one for every check, in a heap
 * block of exactly its size so the sanitizer sees any read past it. */
static uint8_t *img_buf;

/* Returns program header i of the image under test. */
static Elf64_Phdr *ph(int i)
{
	return (Elf64_Phdr *)(void *)(img_buf + sizeof(Elf64_Ehdr)) + i;
}

/* Sets program header i of the image under test. */
static void set_ph(int i, uint32_t type, uint32_t flags, uint64_t off,
		   uint64_t va, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	*ph(i) = (Elf64_Phdr){ .p_type = type, .p_flags = flags, .p_offset = off,
			       .p_vaddr = va, .p_paddr = va, .p_filesz = filesz,
			       .p_memsz = memsz, .p_align = align };
}

/* Replaces the image under test with a valid ET_EXEC; returns its header.
 * Layout: header, 5 program headers, interpreter path, text page, data. */
static Elf64_Ehdr *fresh(void)
{
	Elf64_Ehdr *eh;

	free(img_buf);
	img_buf = calloc(1, IMG_SIZE);
	eh = (Elf64_Ehdr *)(void *)img_buf;
	memcpy(eh->e_ident, "\x7f" "ELF\x02\x01\x01", 7);
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = TEXT_VA + 0x180;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 5;
	set_ph(0, PT_PHDR, PF_R, 64, TEXT_VA + 64, 5 * 56, 5 * 56, 8);
	set_ph(1, PT_INTERP, PF_R, INTERP_OFF, TEXT_VA + INTERP_OFF, 11, 11, 1);
	set_ph(2, PT_LOAD, PF_R | PF_X, 0, TEXT_VA, 0x200, 0x200, 0x1000);
	set_ph(3, PT_LOAD, PF_R | PF_W, 0x200, DATA_VA, 0x100, 0x800, 0x1000);
	set_ph(4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16);
	memcpy(img_buf + INTERP_OFF, "/lib/ld.so", 11);
	return eh;
}

/* Parses the first size bytes of the image under test, copied into a
 * block of exactly that size; returns elf_parse's result. */
static int parse_n(size_t size, struct elf_image *img)
{
	uint8_t *copy = malloc(size ? size : 1);
	int r;

	memcpy(copy, img_buf, size);
	r = elf_parse(img, copy, size, VA_LIMIT);
	free(copy);
	return r;
}

/* Parses the whole image under test in place; returns elf_parse's result. */
static int parse(void)
{
	struct elf_image img;

	return elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT);
}

/* Parses the image under test with the given address limit. */
static int parse_limit(uint64_t va_limit)
{
	struct elf_image img;

	return elf_parse(&img, img_buf, IMG_SIZE, va_limit);
}

TEST(valid_image_is_described)
{
	struct elf_image img;
	const Elf64_Phdr *p;
	int cursor = 0;

	fresh();
	REQUIRE(elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(img.data == img_buf && img.size == IMG_SIZE);
	CHECK(img.type == ET_EXEC && img.entry == TEXT_VA + 0x180);
	CHECK(img.phdr == ph(0) && img.phnum == 5);
	CHECK(img.lo == TEXT_VA && img.hi == 0x402000);
	CHECK((p = elf_load_next(&img, &cursor)) == ph(2));
	CHECK((p = elf_load_next(&img, &cursor)) == ph(3));
	CHECK(elf_load_next(&img, &cursor) == NULL);
	CHECK(elf_load_next(&img, &cursor) == NULL);
	CHECK(elf_find(&img, PT_GNU_STACK) == ph(4));
	CHECK(elf_find(&img, PT_TLS) == NULL);
	REQUIRE(elf_interp(&img) != NULL);
	CHECK(strcmp(elf_interp(&img), "/lib/ld.so") == 0);
}

TEST(rejects_short_and_null)
{
	struct elf_image img;

	fresh();
	for (size_t n = 0; n < sizeof(Elf64_Ehdr); n++)
		CHECK(parse_n(n, &img) == -E_BADFMT);
	CHECK(elf_parse(&img, NULL, IMG_SIZE, VA_LIMIT) == -E_BADFMT);
	CHECK(img.data == NULL && img.phnum == 0);
}

TEST(rejects_every_truncation)
{
	struct elf_image img;

	fresh();
	for (size_t n = 0; n < IMG_SIZE; n++)
		CHECK(parse_n(n, &img) == -E_BADFMT);
	CHECK(parse_n(IMG_SIZE, &img) == 0);
}

TEST(rejects_bad_ident)
{
	for (int i = 0; i < 4; i++) {
		fresh()->e_ident[i] ^= 0x20;
		CHECK(parse() == -E_BADFMT);
	}
	fresh()->e_ident[EI_CLASS] = 1;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_ident[EI_DATA] = 2;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_ident[EI_VERSION] = 0;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_version = 2;
	CHECK(parse() == -E_BADFMT);
}

TEST(rejects_machine_and_type)
{
	fresh()->e_machine = 3;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_type = ET_REL;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_type = ET_CORE;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_type = ET_NONE;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_type = ET_DYN;
	CHECK(parse() == 0);
}

TEST(rejects_bad_phdr_table)
{
	fresh()->e_phentsize = 55;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phentsize = 64;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phnum = 0;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phnum = 65;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phnum = 14; /* 64 + 14 * 56 > 0x300 */
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phoff = IMG_SIZE - 4 * 56;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phoff = (uint64_t)0 - 8;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phoff = (uint64_t)0 - 5 * 56 + 8; /* the end wraps to 8 */
	CHECK(parse() == -E_BADFMT);
	fresh()->e_phoff = 66; /* inside the file but not 4-byte aligned */
	CHECK(parse() == -E_BADFMT);
}

TEST(accepts_at_most_64_phdrs)
{
	const size_t size = 0x1000 + 65 * sizeof(Elf64_Phdr);
	uint8_t *big = calloc(1, size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)(void *)big;
	struct elf_image img;

	REQUIRE(big != NULL);
	memcpy(big, fresh(), IMG_SIZE);
	memcpy(big + 0x1000, ph(0), 5 * sizeof(Elf64_Phdr));
	eh->e_phoff = 0x1000; /* room for 65 headers, the rest PT_NULL */
	eh->e_phnum = 64;
	CHECK(elf_parse(&img, big, size, VA_LIMIT) == 0);
	eh->e_phnum = 65;
	CHECK(elf_parse(&img, big, size, VA_LIMIT) == -E_BADFMT);
	free(big);
}

TEST(rejects_load_file_range)
{
	fresh();
	ph(3)->p_memsz = 0xff; /* less than p_filesz */
	CHECK(parse() == -E_BADFMT);
	fresh();
	ph(3)->p_filesz = 0x101; /* one byte past the end of the file */
	CHECK(parse() == -E_BADFMT);
	fresh();
	ph(3)->p_offset = (uint64_t)0 - 0xe00; /* congruent; the end wraps to 0 */
	ph(3)->p_filesz = 0xe00;
	ph(3)->p_memsz = 0xe00;
	CHECK(parse() == -E_BADFMT);
	fresh();
	ph(3)->p_offset = IMG_SIZE + 0x1000;
	ph(3)->p_filesz = 0;
	CHECK(parse() == -E_BADFMT);
	fresh();
	ph(1)->p_offset = IMG_SIZE - 4; /* any segment, not only PT_LOAD */
	CHECK(parse() == -E_BADFMT);
}

TEST(rejects_load_address_range)
{
	fresh();
	ph(3)->p_vaddr = (uint64_t)0 - 0xe00; /* congruent; end wraps to 0 */
	ph(3)->p_memsz = 0xe00;
	CHECK(parse_limit(UINT64_MAX) == -E_BADFMT);
	ph(3)->p_memsz = 0x1e00;
	CHECK(parse_limit(UINT64_MAX) == -E_BADFMT);
	ph(3)->p_memsz = 0x800; /* fits, but its end cannot be page-rounded */
	CHECK(parse_limit(UINT64_MAX) == -E_BADFMT);
	ph(3)->p_vaddr = (uint64_t)0 - 0x1e00; /* ends at the last page: fine */
	ph(3)->p_memsz = 0xe00;
	CHECK(parse_limit(UINT64_MAX) == 0);
	ph(3)->p_memsz = 0xe01;
	CHECK(parse_limit(UINT64_MAX) == -E_BADFMT);
	fresh();
	ph(3)->p_vaddr = VA_LIMIT - 0x1000 + 0x200; /* ends exactly at the limit */
	ph(3)->p_memsz = 0xe00;
	CHECK(parse() == 0);
	ph(3)->p_memsz = 0xe01;
	CHECK(parse() == -E_BADFMT);
}

TEST(rejects_bad_alignment)
{
	fresh();
	ph(3)->p_vaddr = 0x401201; /* congruent modulo 3, but 3 is no power of 2 */
	ph(3)->p_align = 3;
	CHECK(parse() == -E_BADFMT);
	ph(3)->p_vaddr = 0x402200; /* congruent modulo 0x1800 */
	ph(3)->p_align = 0x1800;
	CHECK(parse() == -E_BADFMT);
	ph(3)->p_vaddr = DATA_VA;
	ph(3)->p_align = 0;
	CHECK(parse() == 0);
	ph(3)->p_align = 1;
	CHECK(parse() == 0);
	fresh();
	ph(3)->p_vaddr = DATA_VA + 0x100; /* vaddr % 0x1000 != offset % 0x1000 */
	CHECK(parse() == -E_BADFMT);
	ph(3)->p_align = 0x100; /* but congruent modulo 0x100 */
	CHECK(parse() == 0);
	ph(3)->p_align = 0x200000;
	CHECK(parse() == -E_BADFMT);
}

TEST(rejects_overlapping_loads)
{
	fresh();
	ph(3)->p_vaddr = TEXT_VA + 0x1f0;
	ph(3)->p_align = 0x10;
	CHECK(parse() == -E_BADFMT);
	ph(3)->p_vaddr = TEXT_VA + 0x200; /* adjacent is fine */
	CHECK(parse() == 0);
	ph(3)->p_vaddr = TEXT_VA - 0x800; /* ends inside the text */
	ph(3)->p_memsz = 0x810;
	CHECK(parse() == -E_BADFMT);
	fresh();
	ph(3)->p_vaddr = TEXT_VA + 0x100; /* empty: occupies no memory */
	ph(3)->p_filesz = 0;
	ph(3)->p_memsz = 0;
	ph(3)->p_align = 0x100;
	CHECK(parse() == 0);
	fresh();
	ph(2)->p_memsz = DATA_VA - TEXT_VA; /* text reaches the data start */
	CHECK(parse() == 0);
	ph(2)->p_memsz = DATA_VA - TEXT_VA + 1;
	CHECK(parse() == -E_BADFMT);
}

TEST(rejects_no_load)
{
	fresh()->e_type = ET_DYN; /* so that the entry check does not apply */
	ph(2)->p_type = PT_NOTE;
	ph(3)->p_type = PT_NOTE;
	CHECK(parse() == -E_BADFMT);
	ph(3)->p_type = PT_LOAD;
	CHECK(parse() == 0);
}

TEST(rejects_exec_entry_outside_text)
{
	Elf64_Ehdr *eh;

	fresh()->e_entry = DATA_VA + 0x10;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_entry = 0x500000;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_entry = TEXT_VA + 0x200;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_entry = TEXT_VA - 1;
	CHECK(parse() == -E_BADFMT);
	fresh()->e_entry = TEXT_VA + 0x1ff;
	CHECK(parse() == 0);
	fresh();
	ph(2)->p_flags = PF_R;
	CHECK(parse() == -E_BADFMT);
	eh = fresh();
	eh->e_type = ET_DYN;
	eh->e_entry = DATA_VA + 0x10; /* not checked for ET_DYN */
	CHECK(parse() == 0);
}

TEST(interp_needs_terminated_path)
{
	struct elf_image img;

	fresh();
	img_buf[INTERP_OFF + 10] = 'x';
	REQUIRE(elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(elf_interp(&img) == NULL);
	fresh();
	img_buf[INTERP_OFF] = '\0';
	REQUIRE(elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(elf_interp(&img) == NULL);
	fresh();
	ph(1)->p_filesz = 0;
	REQUIRE(elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(elf_interp(&img) == NULL);
	fresh();
	ph(1)->p_type = PT_NOTE;
	REQUIRE(elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(elf_interp(&img) == NULL);
}

TEST(head_of_a_file)
{
	struct elf_image img;

	fresh();
	/* the first 0x1a0 bytes hold the header, the table and the interpreter's path */
	REQUIRE(elf_parse_head(&img, img_buf, 0x1a0, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(img.size == 0x1a0 && img.file_size == IMG_SIZE);
	REQUIRE(elf_interp(&img) != NULL);
	CHECK(strcmp(elf_interp(&img), "/lib/ld.so") == 0);
	/* segments are checked against the whole file */
	CHECK(elf_parse_head(&img, img_buf, 0x1a0, 0x250, VA_LIMIT) == -E_BADFMT);
	/* the program headers must be in the head */
	CHECK(elf_parse_head(&img, img_buf, 0x100, IMG_SIZE, VA_LIMIT) == -E_BADFMT);
	/* a head larger than its file is a caller's mistake */
	CHECK(elf_parse_head(&img, img_buf, IMG_SIZE, 0x100, VA_LIMIT) == -E_BADFMT);
	/* an interpreter path past the head is not read */
	REQUIRE(elf_parse_head(&img, img_buf, 0x168, IMG_SIZE, VA_LIMIT) == 0);
	CHECK(elf_interp(&img) == NULL);
}

/* Returns true if an accepted image keeps the promises of elf_parse. */
static bool invariants_hold(const struct elf_image *img)
{
	const Elf64_Phdr *p;
	int cursor = 0, loads = 0;

	while ((p = elf_load_next(img, &cursor)) != NULL) {
		loads++;
		if (p->p_offset > img->size || p->p_filesz > img->size - p->p_offset)
			return false;
		if (p->p_filesz > p->p_memsz || p->p_vaddr + p->p_memsz > VA_LIMIT)
			return false;
		if (p->p_vaddr < img->lo || p->p_vaddr + p->p_memsz > img->hi)
			return false;
	}
	return loads > 0 && img->lo <= img->hi;
}

TEST(random_header_damage_never_crashes)
{
	struct elf_image img;
	uint32_t seed = 12345;

	for (int round = 0; round < 20000; round++) {
		fresh();
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			img_buf[(seed >> 8) % (INTERP_OFF + 12)] ^= (uint8_t)(1u << (seed >> 28) % 8);
		}
		int r = elf_parse(&img, img_buf, IMG_SIZE, VA_LIMIT);
		CHECK(r == 0 || r == -E_BADFMT);
		if (r == 0) {
			CHECK(invariants_hold(&img));
			const char *interp = elf_interp(&img);
			CHECK(!interp || strnlen(interp, IMG_SIZE) < IMG_SIZE);
		}
	}
}

/* Reads the file at path into a new heap block; returns it and its size
 * in *size, or NULL. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n)) != NULL &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n)
		*size = (size_t)n;
	else if (buf)
		free(buf), buf = NULL;
	fclose(f);
	return buf;
}

TEST(real_binary)
{
	const char *path = check_arg(1);
	struct elf_image img;
	size_t size = 0;
	uint8_t *buf;
	const char *interp;

	if (!path)
		SKIP("no binary given");
	buf = read_file(path, &size);
	if (!buf)
		SKIP("binary not readable");
	CHECK(elf_parse(&img, buf, size, VA_LIMIT) == 0);
	CHECK(img.type == ET_DYN || img.type == ET_EXEC);
	CHECK(invariants_hold(&img));
	interp = elf_interp(&img);
	CHECK(!interp || interp[0] == '/');
	for (size_t n = 0; n < size && n < 8192; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		int r = elf_parse(&img, copy, n, VA_LIMIT);
		CHECK(r == -E_BADFMT || (r == 0 && invariants_hold(&img)));
		free(copy);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(valid_image_is_described);
	RUN(rejects_short_and_null);
	RUN(rejects_every_truncation);
	RUN(rejects_bad_ident);
	RUN(rejects_machine_and_type);
	RUN(rejects_bad_phdr_table);
	RUN(accepts_at_most_64_phdrs);
	RUN(rejects_load_file_range);
	RUN(rejects_load_address_range);
	RUN(rejects_bad_alignment);
	RUN(rejects_overlapping_loads);
	RUN(rejects_no_load);
	RUN(rejects_exec_entry_outside_text);
	RUN(interp_needs_terminated_path);
	RUN(head_of_a_file);
	RUN(random_header_damage_never_crashes);
	RUN(real_binary);
	free(img_buf);
	return CHECK_END();
}
