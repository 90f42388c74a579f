/* Syscalls as jumps: a program's `mov $nr, %eax; syscall` sites rewritten to enter lx without the kernel, where that is exact. */
#include "libos/lx/lx.h"
#include "lib/elf.h"
#include "libos/lx/x86len.h"

/*
 * A `syscall` in program code reaches lx through the kernel, which reflects
 * it (docs/lx.md). Most sites are glibc's and musl's wrappers, the
 * instruction right after a `mov $nr, %eax` (B8 imm32). Such a mov, 5 bytes,
 * can become a `jmp rel32` to a stub that does the mov and enters lx
 * (lx_call_entry) with rcx = the address after the syscall, as the
 * instruction would have: same length, so every other instruction stays
 * where it was, and the syscall itself stays in place, so code that jumps
 * to it directly, and a restarted call (rip - 2), still take the kernel's
 * way. The one thing to be sure of is that those 5 bytes are an instruction
 * (and not the end of a longer one): the site's function, found in the
 * file's symbol table, is decoded from its first byte (libos/lx/x86len.c) and
 * must reach the mov exactly. Anything uncertain stays as it is.
 *
 * Only sites the program runs often are looked at: about every
 * REWRITE_EVERY-th reflected syscall of a thread (its countdown at gs:64,
 * drawn anew each time so that it never keeps step with a program that
 * alternates calls), lx notes the site it came from, and looks at it when
 * it is the one noted last time. Only private file
 * mappings of code that was never writable qualify (the program's and its
 * libraries' text; not JIT memory, not code written since).
 *
 * Under protection keys the stub opens lx's key itself with a wrpkru
 * before the mov, keeping rdx in r11 (which the syscall clobbers anyway),
 * and lx's way back closes it as after a reflected call. A jump into a
 * stub's wrpkru only makes a syscall; a thread stopped in a stub after the
 * wrpkru goes on by the site's syscall instruction (lx_rewrite_settle).
 *
 * The stubs live in pages of the program's address space within 2 GiB of
 * their sites ("[lx-calls]" in /proc/PID/maps). Unmapping a stub page, or
 * moving code with mremap, first puts the original bytes back. This
 * process's table of rewrites is lx's private data: a forked child has a
 * copy, as it has a copy of the rewritten pages. The counts of calls are in
 * the shared header, for /proc/PID/lx-calls of any process.
 */

#define REWRITE_EVERY 256
#define STUB_SIZE 64
#define KEYED_OPENED 21 /* a keyed stub's offset after its wrpkru */
#define STUBS_PER_PAGE ((int)(PAGE_SIZE / STUB_SIZE))
#define MAX_REWRITES 256
#define MAX_STUB_PAGES 32
#define NEAR ((1UL << 31) - 2 * PAGE_SIZE) /* a rel32 reaches this far either way, with room */
#define MAX_FUNCTION (64 * 1024) /* a longer function is not decoded */
#define NREFUSED 64

struct rewrite {
	uint64_t site; /* the mov's address */
	uint64_t stub;
	uint8_t orig[5];
};

/* The tables sit with lx's large buffers, at the end of its data: pages a fork need not copy until they change. */
static LX_BUFFER struct rewrite rewrites[MAX_REWRITES];
static int nrewrites;
static LX_BUFFER uint64_t stub_pages[MAX_STUB_PAGES]; /* 0: a free entry */
static LX_BUFFER int stubs_used[MAX_STUB_PAGES];
static LX_BUFFER uint64_t refused[NREFUSED]; /* sites that looked right but could not be proven: not tried again */
static bool tables_stale; /* an exec came since they were last cleared: they are cleared before their next use */

uint64_t lx_rewrite_lo = ~0UL, lx_rewrite_hi;
LX_FORKED struct lx_calls *lx_my_calls;

void lx_rewrite_process(void)
{
	lx_my_calls = &LX_SH->calls[lx_me - LX_SH->procs];
	*lx_my_calls = (struct lx_calls){ 0 };
}

/* ---- the program's code, read and written ---- */

/* The CPU has cmpxchg16b (CPUID.1:ECX bit 13): 16 bytes stored by one instruction. */
static bool has_cx16(void)
{
	static int known = -1; /* -1: not asked yet */
	if (known < 0) {
		uint32_t a = 1, b, c = 0, d;
		__asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		known = (c >> 13) & 1;
	}
	return known;
}

/* Store n bytes at p (within one aligned 8- or 16-byte word) with one instruction: false if they straddle more. */
static bool store_once(char *p, const void *bytes, size_t n)
{
	uint64_t a = (uint64_t)p;
	if ((a & 7) + n <= 8) {
		uint64_t *word = (uint64_t *)(a & ~7UL), w = *word;
		memcpy((char *)&w + (a & 7), bytes, n);
		__atomic_store_n(word, w, __ATOMIC_RELEASE);
		return true;
	}
	if ((a & 15) + n > 16 || !has_cx16())
		return false;
	uint64_t *dw = (uint64_t *)(a & ~15UL), old[2] = { dw[0], dw[1] }, neu[2];
	for (;;) {
		memcpy(neu, old, 16);
		memcpy((char *)neu + (a & 15), bytes, n);
		bool done;
		__asm__ volatile("lock cmpxchg16b %1"
				 : "=@ccz"(done), "+m"(*(__int128 *)dw), "+a"(old[0]), "+d"(old[1])
				 : "b"(neu[0]), "c"(neu[1])
				 : "memory");
		if (done)
			return true;
	}
}

/* Map a copy of the page at page (present) in its place, with perm, this process's own: false when out of memory. */
static bool own_copy(uint64_t page, uint64_t perm)
{
	long fn = page_alloc(0, LX_FILL_PAGE, PTE_W | PTE_NX);
	if (fn < 0)
		return false;
	memcpy((void *)LX_FILL_PAGE, (const void *)page, PAGE_SIZE);
	sys_unmap(0, LX_FILL_PAGE);
	if (sys_map(0, page, fn, (long)perm) == 0)
		return true;
	sys_frame_free(0, fn);
	return false;
}

/*
 * Write n bytes at program address va (within one page) whatever its
 * protection: as one store when once (so that another thread sees the old
 * bytes or the new, never a mix), else piecewise (a stub, which nothing
 * runs yet). The page becomes this process's own first (a forked process
 * may share it). false if it cannot be done.
 */
static bool poke(uint64_t va, const void *bytes, size_t n, bool once)
{
	uint64_t off = va & (PAGE_SIZE - 1), pte = mem_pte(va);
	if (off + n > PAGE_SIZE || !(pte & PTE_P))
		return false;
	uint64_t page = va - off, perm = pte & (PTE_USER_PERMS & ~PTE_W & ~PTE_SHARE);
	if ((pte & PTE_SHARE) && !own_copy(page, perm)) /* the file's own page (mem.c, file_pages): never written */
		return false;
	if (sys_protect(0, page, (long)(perm | PTE_COW)) < 0)
		return false;
	long fn = sys_cow_break(0, page, (long)perm);
	if (fn < 0 || sys_map(0, LX_FILL_PAGE, fn, (long)(PTE_W | PTE_NX)) < 0)
		return false;
	char *at = (char *)LX_FILL_PAGE + off;
	bool ok = true;
	if (once)
		ok = store_once(at, bytes, n);
	else
		memcpy(at, bytes, n);
	sys_unmap(0, LX_FILL_PAGE);
	return ok;
}

/* ---- is the mov an instruction? ---- */

/* Read n bytes of v's file at off into buf: true if all came. */
static bool file_read(const struct vma *v, void *buf, size_t n, uint64_t off)
{
	return v->file->ops->pread(v->file, buf, n, off) == (long)n;
}

/* The ELF address in v's file of program address a (in v), or 0 if no loaded segment holds it. */
static uint64_t elf_address(const struct vma *v, const Elf64_Ehdr *eh, uint64_t a)
{
	uint64_t fo = v->offset + (a - v->start);
	for (int i = 0; i < eh->e_phnum && i < ELF_MAX_PHNUM; i++) {
		Elf64_Phdr ph;
		if (!file_read(v, &ph, sizeof(ph), eh->e_phoff + (uint64_t)i * sizeof(ph)))
			return 0;
		if (ph.p_type == PT_LOAD && fo >= ph.p_offset && fo - ph.p_offset < ph.p_filesz)
			return ph.p_vaddr + (fo - ph.p_offset);
	}
	return 0;
}

/* The function symbol of section s (a symbol table) holding ELF address ea: its start, or 0. *size its size. */
static uint64_t function_in(const struct vma *v, const Elf64_Shdr *s, uint64_t ea, uint64_t *size)
{
	Elf64_Sym syms[32];
	uint64_t n = s->sh_size / sizeof(Elf64_Sym);
	for (uint64_t i = 0; i < n; i += 32) {
		uint64_t k = n - i < 32 ? n - i : 32;
		if (!file_read(v, syms, k * sizeof(Elf64_Sym), s->sh_offset + i * sizeof(Elf64_Sym)))
			return 0;
		for (uint64_t j = 0; j < k; j++)
			if (ELF64_ST_TYPE(syms[j].st_info) == STT_FUNC && syms[j].st_shndx && syms[j].st_value <= ea &&
			    ea - syms[j].st_value < syms[j].st_size) {
				*size = syms[j].st_size;
				return syms[j].st_value;
			}
	}
	return 0;
}

/* Where the function holding site starts in memory (0: no symbol says), from v's file's .symtab or else .dynsym. */
static uint64_t function_start(const struct vma *v, uint64_t site)
{
	Elf64_Ehdr eh;
	if (!file_read(v, &eh, sizeof(eh), 0) || eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 ||
	    eh.e_ident[EI_MAG2] != ELFMAG2 || eh.e_ident[EI_MAG3] != ELFMAG3 || eh.e_machine != EM_X86_64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	uint64_t ea = elf_address(v, &eh, site);
	if (!ea)
		return 0;
	Elf64_Shdr s, dynsym = { 0 };
	uint64_t size = 0, f = 0;
	for (int i = 0; i < eh.e_shnum && !f; i++) {
		if (!file_read(v, &s, sizeof(s), eh.e_shoff + (uint64_t)i * sizeof(s)))
			return 0;
		if (s.sh_type == SHT_SYMTAB)
			f = function_in(v, &s, ea, &size);
		else if (s.sh_type == SHT_DYNSYM)
			dynsym = s;
	}
	if (!f && dynsym.sh_type == SHT_DYNSYM) /* a stripped file: its exported functions only */
		f = function_in(v, &dynsym, ea, &size);
	return f && size <= MAX_FUNCTION ? site - (ea - f) : 0;
}

/* Decoding from the function's first byte reaches site exactly, with the mov there: true. */
static bool reaches(uint64_t func, uint64_t site)
{
	uint8_t buf[64];
	uint64_t at = func, have = 0, base = func; /* buf holds [base, base + have) */
	while (at < site) {
		if (at - base + 15 > have) { /* keep 15 bytes ahead of the decoder */
			base = at;
			have = site + 5 - at < sizeof(buf) ? site + 5 - at : sizeof(buf);
			if (copy_from_user(buf, base, have) < 0)
				return false;
		}
		int len = x86_insn(buf + (at - base), have - (at - base), NULL);
		if (!len)
			return false;
		at += (uint64_t)len;
	}
	return at == site;
}

/* ---- stubs ---- */

/* A free stub slot within NEAR of site, in a page that exists or is made now: its address, or 0. */
static uint64_t stub_slot(uint64_t site)
{
	int free = -1;
	for (int i = 0; i < MAX_STUB_PAGES; i++) {
		uint64_t p = stub_pages[i];
		if (!p) {
			free = free < 0 ? i : free;
			continue;
		}
		if (stubs_used[i] < STUBS_PER_PAGE && (p > site ? p - site : site - p) < NEAR)
			return p + (uint64_t)stubs_used[i]++ * STUB_SIZE;
	}
	if (free < 0)
		return 0;
	uint64_t p = mem_gap_below(site, PAGE_SIZE);
	if (!p || site - p >= NEAR)
		return 0;
	if (mem_map(p, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0) !=
	    (long)p)
		return 0;
	mem_area_at(p)->lx_calls = true;
	if (mem_user_fault_in(p, 1, false) < 1) {
		mem_unmap(p, PAGE_SIZE);
		return 0;
	}
	stub_pages[free] = p;
	stubs_used[free] = 1;
	return p;
}

/* Write the stub at stub for the mov at site (its bytes mov[5]): the mov, rcx = the syscall's end, jump to lx. */
static bool write_stub(uint64_t stub, uint64_t site, const uint8_t *mov)
{
	extern char lx_call_entry[], lx_call_entry_keyed[], lx_call_entry_leaf[];
	uint8_t s[STUB_SIZE];
	int n = 0;
	memset(s, 0xcc, sizeof(s));
	if (lx_pkey_on) { /* open lx's key (PKRU 0: the program has no key but 0 and lx's), keeping rdx in r11 */
		extern const char lx_wrpkru[]; /* entry.S's: lx's image holds no other (tests/linux.sh) */
		/* mov %rdx, %r11; mov $0 to ecx, edx and eax (a mov, unlike an xor, keeps the program's flags) */
		static const char open[KEYED_OPENED - 3 + 1] = "\x49\x89\xd3"
							       "\xb9\0\0\0\0"
							       "\xba\0\0\0\0"
							       "\xb8\0\0\0\0";
		memcpy(s, open, KEYED_OPENED - 3);
		memcpy(s + KEYED_OPENED - 3, lx_wrpkru, 3);
		n = KEYED_OPENED;
	}
	memcpy(s + n, mov, 5); /* mov $nr, %eax */
	n += 5;
	if (lx_pkey_on) {
		s[n] = 0x4c, s[n + 1] = 0x89, s[n + 2] = 0xda; /* mov %r11, %rdx */
		n += 3;
	}
	int32_t rel = (int32_t)(site + 7 - (stub + n + 7));
	s[n] = 0x48, s[n + 1] = 0x8d, s[n + 2] = 0x0d; /* lea rel(%rip), %rcx */
	memcpy(s + n + 3, &rel, 4);
	n += 7;
	s[n] = 0xff, s[n + 1] = 0x25; /* jmp *0(%rip): the address right after */
	memset(s + n + 2, 0, 4);
	uint32_t nr;
	memcpy(&nr, mov + 1, 4); /* below LX_NR_LIMIT: consider() checked */
	char *entry = lx_call_entry;
	if (lx_pkey_on)
		entry = lx_call_entry_keyed;
	else if (lx_syscall_flags[nr] & LX_LEAF)
		entry = lx_call_entry_leaf; /* the handler keeps the registers itself (syscall.h) */
	uint64_t to = (uint64_t)entry;
	memcpy(s + n + 6, &to, 8);
	return poke(stub, s, sizeof(s), false); /* before any jump leads to it */
}

/*
 * f's thread stopped inside a stub after the stub opened lx's key: it is
 * made to stand before the site's own syscall instruction, with rax the
 * number and rdx back from r11, so that it goes on by the kernel's way
 * with the key closed, as lx_resume gives program code back (a signal
 * handler may run first; a program stepping itself with TF steps into the
 * syscall next). Nothing elsewhere, before the wrpkru, or without keys.
 * One that faulted at lx_call_entry_keyed's first instruction found the gs
 * base changed (a program may load gs; the kernel gives lx its base back
 * on every entry it makes): it goes on by the site's syscall the same way,
 * and true says the upcall has nothing more to do.
 */
bool lx_rewrite_settle(struct exc_frame *f)
{
	extern char lx_call_entry_keyed[];
	uint64_t stub = f->rip & ~(uint64_t)(STUB_SIZE - 1);
	if (!lx_pkey_on)
		return false;
	if (f->rip == (uint64_t)lx_call_entry_keyed) { /* its first use of gs faulted: the program loaded gs */
		f->rip = f->rcx - 2; /* the site's syscall, whose kernel way gives lx its gs base back */
		return true;
	}
	if (tables_stale || f->rip - stub < KEYED_OPENED)
		return false;
	for (int i = 0; i < nrewrites; i++)
		if (rewrites[i].stub == stub) {
			uint32_t nr;
			memcpy(&nr, rewrites[i].orig + 1, 4);
			f->rax = nr;
			f->rdx = f->r11;
			f->rip = rewrites[i].site + 5;
			return false;
		}
	return false;
}

/* ---- the decision ---- */

/* The bytes at site are ours (a jmp to stub): true. */
static bool still_ours(const struct rewrite *r)
{
	uint8_t b[5];
	int32_t rel;
	if (!mem_user_ok(r->site, 5, false) || copy_from_user(b, r->site, 5) < 0)
		return false;
	memcpy(&rel, b + 1, 4);
	return b[0] == 0xe9 && r->site + 5 + (uint64_t)(int64_t)rel == r->stub;
}

/* The span of what is rewritten grows to take [start, end) in (it never shrinks: it only spares mem.c calls). */
static void widen(uint64_t start, uint64_t end)
{
	lx_rewrite_lo = start < lx_rewrite_lo ? start : lx_rewrite_lo;
	lx_rewrite_hi = end > lx_rewrite_hi ? end : lx_rewrite_hi;
}

static bool was_refused(uint64_t site)
{
	return refused[(site >> 1) % NREFUSED] == site;
}

/* Try to rewrite the site that the reflected call nr came from (its return address site_end). */
static void consider(uint64_t site_end, long nr)
{
	uint64_t site = site_end - 7;
	uint8_t b[7];
	uint32_t imm;
	if (nrewrites == MAX_REWRITES || site_end < 7 || copy_from_user(b, site, 7) < 0)
		return;
	memcpy(&imm, b + 1, 4);
	if (b[0] != 0xb8 || imm != (uint64_t)nr || b[5] != 0x0f || b[6] != 0x05 || (site & 15) > 11 ||
	    nr >= LX_NR_LIMIT || (lx_syscall_flags[nr] & LX_FULL) || !lx_syscall_table[nr])
		return;
	if (tables_stale) { /* cleared only now: a program that execs and never gets here copies none of their pages */
		memset(stub_pages, 0, sizeof(stub_pages));
		memset(refused, 0, sizeof(refused));
		tables_stale = false;
	}
	if (was_refused(site))
		return;
	struct vma *v = mem_area_at(site);
	if (!v || site_end > v->end || !v->file || !v->file->ops->pread || (v->flags & MAP_SHARED) ||
	    !(v->prot & PROT_EXEC) || v->written)
		return;
	uint64_t func = function_start(v, site), stub;
	if (!func || !reaches(func, site) || !(stub = stub_slot(site)) || !write_stub(stub, site, b)) {
		refused[(site >> 1) % NREFUSED] = site;
		return;
	}
	uint8_t jmp[5] = { 0xe9 };
	int32_t rel = (int32_t)(stub - (site + 5));
	memcpy(jmp + 1, &rel, 4);
	if (!poke(site, jmp, 5, true))
		return;
	struct rewrite *r = &rewrites[nrewrites++];
	*r = (struct rewrite){ .site = site, .stub = stub };
	memcpy(r->orig, b, 5);
	lx_my_calls->sites = (uint64_t)nrewrites;
	widen(site, site + 5);
	widen(stub, stub + STUB_SIZE);
}

/* The calls until the thread's next look: REWRITE_EVERY / 2 to 3 * REWRITE_EVERY / 2, from its own generator. */
static int32_t next_countdown(struct lx_thread *me)
{
	me->rewrite_draw = me->rewrite_draw * 1103515245u + 12345u;
	return REWRITE_EVERY / 2 + (int32_t)((me->rewrite_draw >> 16) % REWRITE_EVERY);
}

/*
 * entry.S, about every REWRITE_EVERY-th reflected syscall of a thread: look at
 * the site it came from if the thread's last look was at the same site, a
 * site run often (a call a process makes once, its exit say, is not worth
 * the look: the symbol tables are read for each).
 */
void lx_rewrite_consider(uint64_t site_end, long nr);
void lx_rewrite_consider(uint64_t site_end, long nr)
{
	struct lx_thread *me = lx_self();
	me->rewrite_countdown = next_countdown(me);
	if (me->rewrite_seen != site_end) {
		me->rewrite_seen = site_end;
		return;
	}
	bool multi = lx_modes.multi;
	if (multi)
		lx_lock();
	consider(site_end, nr);
	if (multi)
		lx_unlock();
}

void lx_rewrite_release(uint64_t start, uint64_t end, bool moving)
{
	for (int i = 0; i < nrewrites;) {
		struct rewrite *r = &rewrites[i];
		bool site_in = r->site < end && r->site + 5 > start, stub_in = r->stub >= start && r->stub < end;
		if (!site_in && !stub_in) {
			i++;
			continue;
		}
		if ((moving || !site_in) && still_ours(r))
			poke(r->site, r->orig, 5, true);
		*r = rewrites[--nrewrites];
	}
	lx_my_calls->sites = (uint64_t)nrewrites;
	for (int i = 0; i < MAX_STUB_PAGES; i++)
		if (stub_pages[i] >= start && stub_pages[i] < end)
			stub_pages[i] = 0;
}

void lx_rewrite_reset(void)
{
	nrewrites = 0;
	tables_stale = true;
	lx_rewrite_lo = ~0UL, lx_rewrite_hi = 0;
	*lx_my_calls = (struct lx_calls){ 0 };
}
