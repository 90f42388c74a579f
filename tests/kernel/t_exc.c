/* Tests of exception upcalls: page faults, breakpoints, bad opcodes, division by zero, GP faults, resumption, exception stacks. */
#include "check.h"

#define PFAREA 0x20000000UL      /* faults here are served by mapping a page */
#define PFAREA_END 0x20100000UL
#define XS 0x40000000UL          /* an exception stack */

static volatile uint64_t n_upcalls, last_trapno, last_err, last_addr, last_rip, last_frame;
static volatile uint64_t skip_to;   /* when set, a fault resumes there (once) */
static volatile uint64_t nested_va; /* when set, a page fault in PFAREA touches it from the handler */
static volatile long map_result;

static void handler(struct exc_frame *f)
{
	n_upcalls++;
	last_trapno = f->trapno;
	last_err = f->err;
	last_addr = f->addr;
	last_rip = f->rip;
	last_frame = (uint64_t)f;
	if (skip_to) {
		f->rip = skip_to;
		skip_to = 0;
		return;
	}
	switch (f->trapno) {
	case T_PGFLT:
		if (f->addr >= PFAREA && f->addr < PFAREA_END) {
			map_result = page_alloc(0, f->addr & ~(PAGE_SIZE - 1), PTE_W);
			if (nested_va) {
				uint64_t va = nested_va;
				nested_va = 0;
				(void)*(volatile uint64_t *)va; /* faults again, inside the handler */
			}
			return; /* re-execute: now mapped */
		}
		break;
	case T_BRKPT:
		return; /* a trap: rip is already past the int3 */
	case T_ILLOP:
		f->rip += 2; /* past ud2 */
		return;
	case T_DIVIDE:
		f->rcx = 1; /* the divisor: the div re-executes and succeeds */
		return;
	}
	die("exc: unexpected trap %lu at %#lx", f->trapno, f->rip);
}

/*
 * regs_fault(out, kind): load distinctive values into every general register,
 * run one faulting instruction (0: ud2, 1: a store to an unmapped PFAREA page,
 * 2: int3), then store every register into out[0..14] in the order
 * rax rbx rcx rdx rsi rdi rbp r8 .. r15.
 */
void regs_fault(uint64_t *out, long kind);
__asm__(".text\n"
	".globl regs_fault\n"
	"regs_fault:\n"
	"  push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
	"  push %rdi\n"
	"  movq %rsi, %r8\n"
	"  movabs $0x1111111111111101, %rax\n"
	"  movabs $0x2222222222222202, %rbx\n"
	"  movabs $0x3333333333333303, %rcx\n"
	"  movabs $0x4444444444444404, %rdx\n"
	"  movabs $0x5555555555555505, %rsi\n"
	"  movabs $0x6666666666666606, %rdi\n"
	"  movabs $0x7777777777777707, %rbp\n"
	"  movabs $0x8888888888888808, %r9\n"
	"  movabs $0x9999999999999909, %r10\n"
	"  movabs $0xAAAAAAAAAAAAAA0A, %r11\n"
	"  movabs $0xBBBBBBBBBBBBBB0B, %r12\n"
	"  movabs $0xCCCCCCCCCCCCCC0C, %r13\n"
	"  movabs $0xDDDDDDDDDDDDDD0D, %r14\n"
	"  movabs $0xEEEEEEEEEEEEEE0E, %r15\n"
	"  cmpq $1, %r8\n"
	"  je 1f\n"
	"  cmpq $2, %r8\n"
	"  je 2f\n"
	"  movabs $0xFFFFFFFFFFFFFF08, %r8\n"
	"  ud2\n"
	"  jmp 9f\n"
	"1: movabs $0xFFFFFFFFFFFFFF08, %r8\n"
	"  movl $1, 0x20010000\n"
	"  jmp 9f\n"
	"2: movabs $0xFFFFFFFFFFFFFF08, %r8\n"
	"  int3\n"
	"9:\n"
	"  push %r15; push %r14; push %r13; push %r12; push %r11; push %r10; push %r9; push %r8\n"
	"  push %rbp; push %rdi; push %rsi; push %rdx; push %rcx; push %rbx; push %rax\n"
	"  movq 120(%rsp), %rdi\n"
	"  movl $15, %ecx\n"
	"  movq %rsp, %rsi\n"
	"  rep movsq\n"
	"  addq $128, %rsp\n"
	"  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
	"  ret\n");

static const uint64_t want_regs[15] = {
	0x1111111111111101, 0x2222222222222202, 0x3333333333333303, 0x4444444444444404,
	0x5555555555555505, 0x6666666666666606, 0x7777777777777707, 0xFFFFFFFFFFFFFF08,
	0x8888888888888808, 0x9999999999999909, 0xAAAAAAAAAAAAAA0A, 0xBBBBBBBBBBBBBB0B,
	0xCCCCCCCCCCCCCC0C, 0xDDDDDDDDDDDDDD0D, 0xEEEEEEEEEEEEEE0E,
};

static bool regs_kept(long kind)
{
	uint64_t out[15] = { 0 };
	regs_fault(out, kind);
	bool same = true;
	for (int i = 0; i < 15; i++)
		if (out[i] != want_regs[i]) {
			printf("# register %d: %#lx, want %#lx\n", i, out[i], want_regs[i]);
			same = false;
		}
	return same;
}

/* Free what the handler mapped in PFAREA. */
static void unmap_pfarea(void)
{
	for (uint64_t va = PFAREA; va < PFAREA_END; va += PAGE_SIZE) {
		const volatile unsigned long *pte;
		if (!(*uvpt_pml4e(va) & PTE_P) || !(*uvpt_pdpte(va) & PTE_P) || !(*uvpt_pde(va) & PTE_P))
			continue;
		pte = uvpt_pte(va);
		if (*pte & PTE_P) {
			long fn = (long)((*pte & PTE_ADDR) / PAGE_SIZE);
			sys_unmap(0, va);
			sys_frame_free(0, fn);
		}
	}
}

static void tests(bool on_xstack)
{
	const char *w = on_xstack ? "xstack" : "stack";
	char name[64];
#define NAME(s) (fmt_snprintf(name, sizeof(name), "%s-%s", s, w), name)

	/* a page fault served by mapping the page: the access then succeeds */
	uint64_t n0 = n_upcalls;
	volatile uint64_t *p = (volatile uint64_t *)(PFAREA + 0x3008);
	*p = 0xABCD;
	CHECK_EQ(NAME("pf-one-upcall"), n_upcalls, n0 + 1);
	CHECK_EQ(NAME("pf-trapno"), last_trapno, T_PGFLT);
	CHECK_EQ(NAME("pf-addr"), last_addr, PFAREA + 0x3008);
	CHECK_EQ(NAME("pf-err-user-write-notpresent"), last_err & (PFERR_U | PFERR_W | PFERR_P), PFERR_U | PFERR_W);
	CHECK(NAME("pf-mapped"), map_result > 0);
	CHECK_EQ(NAME("pf-store-done"), *p, 0xABCD);
	CHECK_EQ(NAME("pf-no-second-upcall"), n_upcalls, n0 + 1);

	/* a fault inside the handler is delivered too (nested) */
	n0 = n_upcalls;
	nested_va = PFAREA + 0x5000;
	(void)*(volatile uint64_t *)(PFAREA + 0x4000);
	CHECK_EQ(NAME("nested-two-upcalls"), n_upcalls, n0 + 2);
	CHECK_EQ(NAME("nested-inner-addr"), last_addr, PFAREA + 0x5000);
	CHECK_EQ(NAME("nested-page-mapped"), *(volatile uint64_t *)(PFAREA + 0x5000), 0);

	/* int3: a trap, rip after it */
	n0 = n_upcalls;
	uint64_t after;
	__asm__ volatile("int3\n1: leaq 1b(%%rip), %0" : "=r"(after));
	CHECK_EQ(NAME("brkpt-upcall"), n_upcalls, n0 + 1);
	CHECK_EQ(NAME("brkpt-trapno"), last_trapno, T_BRKPT);
	CHECK_EQ(NAME("brkpt-rip-after"), last_rip, after);

	/* ud2: a fault at the instruction */
	n0 = n_upcalls;
	uint64_t at;
	__asm__ volatile("leaq 1f(%%rip), %0\n1: ud2" : "=r"(at));
	CHECK_EQ(NAME("illop-upcall"), n_upcalls, n0 + 1);
	CHECK_EQ(NAME("illop-trapno"), last_trapno, T_ILLOP);
	CHECK_EQ(NAME("illop-rip"), last_rip, at);

	/* division by zero: the handler fixes the divisor */
	n0 = n_upcalls;
	uint64_t q = 1000, zero = 0, d = 0;
	__asm__ volatile("divq %2" : "+a"(q), "+d"(d), "+c"(zero));
	CHECK_EQ(NAME("divide-upcall"), n_upcalls, n0 + 1);
	CHECK_EQ(NAME("divide-trapno"), last_trapno, T_DIVIDE);
	CHECK_EQ(NAME("divide-resumed"), q, 1000);

	/* a non-canonical address: general protection */
	n0 = n_upcalls;
	uint64_t v = 0x8000000000000000UL;
	__asm__ volatile("leaq 2f(%%rip), %%rcx\n"
			 "movq %%rcx, %1\n"
			 "movq (%0), %0\n"
			 "2:"
			 : "+r"(v), "=m"(skip_to)
			 :
			 : "rcx", "memory");
	CHECK_EQ(NAME("gp-upcall"), n_upcalls, n0 + 1);
	CHECK_EQ(NAME("gp-trapno"), last_trapno, T_GPFLT);
	CHECK_EQ(NAME("gp-not-read"), v, 0x8000000000000000UL);

	/* every general register survives a resumed fault */
	CHECK(NAME("regs-kept-illop"), regs_kept(0));
	CHECK(NAME("regs-kept-pgflt"), regs_kept(1));
	CHECK_EQ(NAME("regs-pgflt-addr"), last_addr, 0x20010000);
	CHECK(NAME("regs-kept-brkpt"), regs_kept(2));

	/* where the frame was */
	bool in_xs = last_frame >= XS && last_frame + sizeof(struct exc_frame) <= XS + XSTACK_SIZE;
	CHECK(NAME("frame-place"), on_xstack ? in_xs : !in_xs);
	CHECK_EQ(NAME("frame-aligned"), last_frame & 15, 0);
	unmap_pfarea();
#undef NAME
}

int main(void)
{
	check_prog = "exc";
	CHECK_EQ("set-upcall", set_upcall(UPCALL_EXCEPTION, handler), 0);
	tests(false);

	bool mapped = true;
	for (uint64_t va = XS; va < XS + XSTACK_SIZE; va += PAGE_SIZE)
		mapped &= page_alloc(0, va, PTE_W | PTE_NX) > 0;
	CHECK("xstack-map", mapped);
	CHECK_EQ("xstack-set", sys_thread_set(0, THREAD_XSTACK, XS + XSTACK_SIZE), 0);
	tests(true);
	CHECK_EQ("xstack-clear", sys_thread_set(0, THREAD_XSTACK, 0), 0);
	CHECK_EQ("thread-set-bad-what", sys_thread_set(0, 99, 0), -E_INVAL);
	CHECK_EQ("thread-set-noncanonical", sys_thread_set(0, THREAD_XSTACK, 0x0000800000000000UL), -E_INVAL);
	CHECK_EQ("thread-set-unknown", sys_thread_set(0x7FFF0005, THREAD_XSTACK, 0), -E_NOENT);
	for (uint64_t va = XS; va < XS + XSTACK_SIZE; va += PAGE_SIZE) {
		long fn = (long)((*uvpt_pte(va) & PTE_ADDR) / PAGE_SIZE);
		sys_unmap(0, va);
		sys_frame_free(0, fn);
	}

	/* an exception stack the kernel cannot write: the env ends */
	CHECK_EQ("xstack-unwritable-kills", run("child", 7), 132);

	/* no handler: removing it makes the env die on the next fault (checked in a child) */
	CHECK_EQ("no-handler-kills", run("child", 6), 132);
	return CHECK_DONE();
}
