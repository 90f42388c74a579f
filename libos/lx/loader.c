/* Loading a Linux ELF program (static, static-PIE, or dynamic with its interpreter) and building its initial stack. */
#include "libos/lx/lx.h"
#include "libos/lx/vfs.h"
#include "lib/elf.h"

/* Where the program headers are in memory once loaded at base, or 0. */
static uint64_t phdr_addr(const struct elf_image *img, uint64_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)img->data;
	int cursor = 0;
	const Elf64_Phdr *ph;
	while ((ph = elf_load_next(img, &cursor)) != NULL)
		if (eh->e_phoff >= ph->p_offset && eh->e_phoff < ph->p_offset + ph->p_filesz)
			return base + ph->p_vaddr + (eh->e_phoff - ph->p_offset);
	return 0;
}

/*
 * An ELF file being loaded: the file, open for reading, and its head — the
 * first bytes, holding the ELF header, the program headers and the
 * interpreter's path — parsed. Segments are mapped from the file itself.
 */
#define HEAD_MAX (16 * 1024) /* the head read; program headers past it make the file unloadable */
#define HEAD_FIRST 2048 /* read first: a compiler's program headers and interpreter path lie within it */
struct elf_file {
	struct file *f;
	void *head;
	struct elf_image img;
};

static void elf_close(struct elf_file *e)
{
	if (e->f)
		file_put(e->f);
	lx_free(e->head);
	*e = (struct elf_file){ 0 };
}

/* Open and parse the ELF file at path into *e (elf_close it). 0, or -ENOENT, -EACCES, -ENOEXEC... */
static long elf_open(const char *path, struct elf_file *e)
{
	long r = 0;
	*e = (struct elf_file){ 0 };
	if (!(e->f = vfs_open_exec(path, &r)))
		return r;
	if (!e->f->inode || !ISREG(e->f->inode) || !e->f->ops->pread) {
		r = e->f->inode && ISDIR(e->f->inode) ? -EISDIR : -EACCES;
		elf_close(e);
		return r;
	}
	uint64_t size = e->f->inode->size;
	for (uint64_t want = HEAD_FIRST;; want = HEAD_MAX) { /* HEAD_MAX only when the headers lie past HEAD_FIRST */
		uint64_t n = size < want ? size : want;
		lx_free(e->head);
		if (!(e->head = lx_alloc_unzeroed(n ? n : 1, 0))) { /* the read fills all of it, or the file is refused */
			elf_close(e);
			return -ENOMEM;
		}
		bool whole = n == size || want == HEAD_MAX;
		if (e->f->ops->pread(e->f, e->head, n, 0) == (long)n &&
		    elf_parse_head(&e->img, e->head, n, size, LX_MMAP_TOP) == 0)
			return 0;
		if (whole) {
			elf_close(e);
			return -ENOEXEC;
		}
	}
}

/* Read n bytes of f at off into memory at va (mapped, writable); 0 or -EIO. */
static long read_into(struct file *f, uint64_t va, uint64_t n, uint64_t off)
{
	while (n) {
		long got = f->ops->pread(f, (void *)va, n, off);
		if (got <= 0)
			return -EIO;
		va += (uint64_t)got, off += (uint64_t)got, n -= (uint64_t)got;
	}
	return 0;
}

/*
 * Map one PT_LOAD segment at base, as Linux does: its file bytes as a
 * private mapping of the file, filled on first touch; the rest of its last
 * file page zeroed and the pages past it anonymous (.bss). A segment whose
 * address and offset disagree within a page is copied in instead.
 */
static long load_segment(struct file *f, const Elf64_Phdr *ph, uint64_t base)
{
	uint64_t va = base + ph->p_vaddr, start = va & ~(PAGE_SIZE - 1), end = PGROUNDUP_U(va + ph->p_memsz);
	uint64_t file_end = va + ph->p_filesz, file_top = PGROUNDUP_U(file_end);
	int prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
		   ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
	long r;
	if ((va - ph->p_offset) % PAGE_SIZE) { /* not mappable: copy */
		if ((r = mem_map(start, end - start, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0)) < 0 ||
		    (r = read_into(f, va, ph->p_filesz, ph->p_offset)) < 0)
			return r;
		return mem_protect(start, end - start, prot);
	}
	if (ph->p_filesz == 0)
		file_top = start;
	/* writable for now only if .bss begins inside the last file page, which must then be zeroed after the file's
	 * bytes: code stays never-writable, as rewrite.c wants it */
	bool tail = ph->p_memsz > ph->p_filesz && file_end < file_top;
	if (file_top > start && (r = mem_map(start, file_top - start, tail ? prot | PROT_WRITE : prot,
					     MAP_PRIVATE | MAP_FIXED, f, ph->p_offset - (va - start))) < 0)
		return r;
	if (end > file_top &&
	    (r = mem_map(file_top, end - file_top, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0)) < 0)
		return r;
	if (tail) {
		memset((void *)file_end, 0, file_top - file_end);
		return mem_protect(start, file_top - start, prot);
	}
	return 0;
}

/* Load every segment of e at base; the end of the highest one (the start of brk) in *top. */
static long load_image(const struct elf_file *e, uint64_t base, uint64_t *top)
{
	int cursor = 0;
	const Elf64_Phdr *ph;
	*top = 0;
	while ((ph = elf_load_next(&e->img, &cursor)) != NULL) {
		long r = load_segment(e->f, ph, base);
		if (r < 0)
			return r;
		if (base + ph->p_vaddr + ph->p_memsz > *top)
			*top = base + ph->p_vaddr + ph->p_memsz;
	}
	return 0;
}

/* Push n bytes onto the stack being built (downwards); returns their address. */
static uint64_t push_bytes(uint64_t *sp, const void *src, size_t n)
{
	*sp -= n;
	memcpy((void *)*sp, src, n);
	return *sp;
}

static int count(char *const v[])
{
	int n = 0;
	while (v && v[n])
		n++;
	return n;
}

uint64_t lx_arg_room(void)
{
	uint64_t room = lx_rlimit(RLIMIT_STACK) / 4;
	return room < LX_ARG_MIN ? LX_ARG_MIN : room > LX_ARG_MAX ? LX_ARG_MAX : room;
}

/* Build argc, argv, envp and auxv at the top of the stack; 0 with the initial rsp in *sp_out, or -E2BIG, -ENOMEM. */
static long build_stack(char *const argv[], char *const envp[], const char *execfn, const uint64_t *aux, int naux,
			uint64_t *sp_out)
{
	int argc = count(argv), envc = count(envp);
	uint64_t sp = LX_STACK_TOP, size = 0;
	for (int i = 0; i < argc; i++)
		size += strlen(argv[i]) + 1;
	for (int i = 0; i < envc; i++)
		size += strlen(envp[i]) + 1;
	if (size + strlen(execfn) + 1 + (uint64_t)(argc + envc) * sizeof(char *) > lx_arg_room())
		return -E2BIG; /* as Linux: the strings and their pointers fit in a quarter of the stack limit */
	uint64_t *ptrs = lx_alloc((size_t)(argc + envc + 2) * 8);
	if (!ptrs)
		return -ENOMEM;
	for (int i = envc - 1; i >= 0; i--)
		ptrs[argc + 1 + i] = push_bytes(&sp, envp[i], strlen(envp[i]) + 1);
	for (int i = argc - 1; i >= 0; i--)
		ptrs[i] = push_bytes(&sp, argv[i], strlen(argv[i]) + 1);
	ptrs[argc] = 0;
	ptrs[argc + 1 + envc] = 0;
	uint8_t random[16];
	lx_random_bytes(random, sizeof(random));
	uint64_t rnd = push_bytes(&sp, random, sizeof(random));
	uint64_t platform = push_bytes(&sp, "x86_64", 7);
	uint64_t fn = push_bytes(&sp, execfn, strlen(execfn) + 1);
	sp &= ~15UL;
	uint64_t words = 1 + (uint64_t)argc + 1 + (uint64_t)envc + 1 + (uint64_t)naux * 2 + 8;
	if (words & 1)
		sp -= 8; /* rsp must be 16-byte aligned at argc */
	uint64_t tail[] = { AT_RANDOM, rnd, AT_PLATFORM, platform, AT_EXECFN, fn, AT_NULL, 0 };
	push_bytes(&sp, tail, sizeof(tail));
	push_bytes(&sp, aux, (size_t)naux * 16);
	push_bytes(&sp, ptrs, (size_t)(argc + envc + 2) * 8);
	uint64_t argc64 = (uint64_t)argc;
	push_bytes(&sp, &argc64, 8);
	lx_free(ptrs);
	*sp_out = sp;
	return 0;
}

static char interp_problem[160]; /* why the last program's interpreter would not do, for lx_load_why */

/*
 * Open the program at path into *e and check its interpreter (PT_INTERP)
 * if it names one: the interpreter must exist and be an ELF shared object
 * without an interpreter of its own, as on Linux. 0, or -ENOENT, -EACCES,
 * -ENOEXEC, -ELIBBAD... (e closed).
 */
static long program_open(const char *path, struct elf_file *e)
{
	interp_problem[0] = 0;
	long r = elf_open(path, e);
	if (r < 0 || !elf_find(&e->img, PT_INTERP))
		return r;
	const char *interp = elf_interp(&e->img);
	struct elf_file ie;
	if (!interp)
		r = -ENOEXEC; /* an empty or unterminated PT_INTERP, or one past the head */
	else if ((r = elf_open(interp, &ie)) == 0) {
		if (ie.img.type != ET_DYN || elf_find(&ie.img, PT_INTERP))
			r = -ELIBBAD;
		elf_close(&ie);
	}
	if (r < 0 && interp)
		fmt_snprintf(interp_problem, sizeof(interp_problem), "its interpreter %.100s %s", interp,
			     r == -ENOENT ? "is missing" : "is not a valid ELF shared object");
	if (r < 0)
		elf_close(e);
	return r;
}

long lx_check_program(const char *path)
{
	struct elf_file e;
	long r = program_open(path, &e);
	if (r == 0)
		elf_close(&e);
	return r;
}

const char *lx_load_why(long err)
{
	if (interp_problem[0])
		return interp_problem;
	switch (err) {
	case -ENOENT: return "no such file";
	case -ENOEXEC: return "not a valid x86-64 ELF program";
	case -EACCES: return "permission denied";
	case -EISDIR: return "is a directory";
	case -ENOMEM: return "out of memory";
	case -E2BIG: return "argument list too long";
	default: return "error";
	}
}

/*
 * Load the interpreter at path wherever the mmap area has room for it (as
 * Linux does): its whole span is reserved first, then its segments are
 * loaded over the reservation. Its load bias in *base; 0 or -errno.
 */
static long load_interp(const char *path, uint64_t *base, uint64_t *entry)
{
	struct elf_file e;
	long r = elf_open(path, &e);
	if (r < 0)
		return r;
	uint64_t top;
	long at = mem_map(0, e.img.hi - e.img.lo, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (at < 0)
		r = at;
	else if ((r = load_image(&e, (uint64_t)at - e.img.lo, &top)) == 0) {
		*base = (uint64_t)at - e.img.lo;
		*entry = *base + e.img.entry;
	}
	elf_close(&e);
	return r;
}

long lx_load(const char *path, char *const argv[], char *const envp[], uint64_t *entry, uint64_t *sp)
{
	struct elf_file e;
	long r = program_open(path, &e);
	if (r < 0)
		return r;
	uint64_t base = e.img.type == ET_DYN ? LX_PIE_BASE : 0, top, interp_base = 0;
	*entry = base + e.img.entry;
	if ((r = load_image(&e, base, &top)) < 0 || (r = mem_map_stack()) < 0)
		goto out;
	mem_init(top);
	if (elf_find(&e.img, PT_INTERP) && (r = load_interp(elf_interp(&e.img), &interp_base, entry)) < 0)
		goto out;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)e.img.data;
	uint64_t aux[][2] = {
		{ AT_PHDR, phdr_addr(&e.img, base) }, { AT_PHENT, sizeof(Elf64_Phdr) }, { AT_PHNUM, eh->e_phnum },
		{ AT_PAGESZ, PAGE_SIZE }, { AT_BASE, interp_base }, { AT_FLAGS, 0 }, { AT_ENTRY, base + e.img.entry },
		{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 }, { AT_SECURE, 0 },
		{ AT_HWCAP, 0x178bfbff }, { AT_CLKTCK, LINUX_USER_HZ },
	};
	r = build_stack(argv, envp, path, &aux[0][0], (int)(sizeof(aux) / sizeof(aux[0])), sp);
	if (r == 0)
		vfs_set_exe(path);
out:
	elf_close(&e);
	return r;
}
