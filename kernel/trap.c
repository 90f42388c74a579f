/* Descriptor tables, and what the kernel does with each trap, fault and interrupt. */
#include "kernel.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

struct gatedesc {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
};

static uint64_t gdt[7];
static struct tss tss;
static struct gatedesc idt[256];
static uint8_t kstack[16384] __attribute__((aligned(16)));
static uint8_t df_stack[4096] __attribute__((aligned(16)));
static uint8_t nmi_stack[4096] __attribute__((aligned(16)));
extern const uint64_t trap_vectors[256];
extern char syscall_entry[];
uint64_t k_stack_top;

static void set_gate(int n, uint64_t handler, int ist, int dpl)
{
	idt[n] = (struct gatedesc){
		.off0 = handler & 0xFFFF, .sel = KCODE, .ist = ist,
		.type = 0x8E | (dpl << 5), .off1 = (handler >> 16) & 0xFFFF,
		.off2 = handler >> 32,
	};
}

/* Load a GDT with user segments and a TSS whose rsp0 is the kernel stack. */
static void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	gdt[1] = 0x00AF9A000000FFFF; /* kernel code */
	gdt[2] = 0x00CF92000000FFFF; /* kernel data */
	gdt[3] = 0x00CFF2000000FFFF; /* user data (sysret ss = STAR+8) */
	gdt[4] = 0x00AFFA000000FFFF; /* user code (sysret cs = STAR+16) */
	gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40) |
		 (((base >> 24) & 0xFF) << 56);
	gdt[6] = base >> 32;
	k_stack_top = (uint64_t)kstack + sizeof(kstack);
	tss.rsp[0] = k_stack_top;
	tss.ist[0] = (uint64_t)df_stack + sizeof(df_stack);
	tss.ist[1] = (uint64_t)nmi_stack + sizeof(nmi_stack);
	tss.iomap = sizeof(tss);
	struct { uint16_t lim; uint64_t base; } __attribute__((packed)) d = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:\n\t"
			 "movw $0x10, %%ax; movw %%ax, %%ds; movw %%ax, %%es; movw %%ax, %%ss\n\t"
			 "movw $0x28, %%ax; ltr %%ax" ::"m"(d) : "rax", "memory");
}

/* Set up the GDT, TSS, IDT and the syscall instruction. */
void trap_init(void)
{
	gdt_init();
	for (int i = 0; i < 256; i++)
		set_gate(i, trap_vectors[i], 0, 0);
	set_gate(T_BRKPT, trap_vectors[T_BRKPT], 0, 3); /* int3 allowed from user */
	set_gate(8, trap_vectors[8], 1, 0);              /* double fault: own stack */
	set_gate(2, trap_vectors[2], 2, 0);              /* NMI: own stack */
	struct { uint16_t lim; uint64_t base; } __attribute__((packed)) d = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
	wrmsr(MSR_STAR, ((uint64_t)KDATA << 48) | ((uint64_t)KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, 0x47700); /* clear IF, TF, DF, AC, NT, IOPL on entry */
}

static const char *trapname(uint64_t n)
{
	static const char *const names[] = {
		"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
		"invalid opcode", "device not available", "double fault", "coprocessor overrun",
		"invalid TSS", "segment not present", "stack fault", "general protection",
		"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
		"SIMD error",
	};
	if (n < sizeof(names) / sizeof(names[0]))
		return names[n];
	return n == T_SYSCALL ? "syscall" : n >= IRQ_TIMER ? "interrupt" : "exception";
}

/* Print every register of a frame on the console. */
void print_trapframe(const struct trapframe *tf)
{
	kprintf("trap %lu (%s) err %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx cr2 %#lx\n",
		tf->trapno, trapname(tf->trapno), tf->err, tf->rip, tf->cs, tf->rflags, tf->rsp, rcr2());
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx\n", tf->r13, tf->r14, tf->r15);
}

/* Walk the kernel's frame-pointer chain from rbp and print the return addresses. */
void backtrace(uint64_t rbp)
{
	kprintf("backtrace:\n");
	for (int depth = 0; depth < 16 && rbp >= KERNBASE && (rbp & 7) == 0; depth++) {
		uint64_t *fp = (uint64_t *)rbp;
		kprintf("  %#lx\n", fp[1]);
		rbp = fp[0];
	}
}

/*
 * A user write to a copy-on-write page (PTE_COW: its env bound it so with
 * map_cow or asked for it with protect) is resolved here, as cow_break
 * would resolve it with the page's own key and NX and PTE_W: the copy the
 * env asked for, without the round trip through its handler that every
 * first write after a fork would otherwise cost. false, and the fault goes
 * to the handler as any other, when it is not such a write (a key's
 * refusal included) or no frame could be had for the copy.
 */
static bool cow_write(struct thread *t, const struct trapframe *tf, uint64_t addr)
{
	const uint64_t want = PFERR_P | PFERR_W | PFERR_U;
	if (tf->trapno != T_PGFLT || (tf->err & (want | PFERR_PK | PFERR_I)) != want || addr >= USER_LIMIT)
		return false;
	uint64_t *pte = pt_lookup(t->env->pml4, addr);
	if (!pte || (*pte & (PTE_P | PTE_U | PTE_COW)) != (PTE_P | PTE_U | PTE_COW))
		return false;
	return pt_cow_break(t->env, addr & ~(PAGE_SIZE - 1), (*pte & (PTE_NX | PTE_PKEY_MASK)) | PTE_W) >= 0;
}

/* A fault in ring 3: the env's handler gets it, or the env dies with a reason. */
static void user_fault(struct trapframe *tf)
{
	struct thread *t = cpu.cur;
	uint64_t addr = tf->trapno == T_PGFLT ? rcr2() : 0;
	if (cow_write(t, tf, addr))
		return;
	int r = upcall_deliver(t, tf, UPCALL_EXCEPTION, tf->trapno, tf->err, addr);

	if (r == 0)
		return;
	kprintf("env %lx: %s at rip %#lx (addr %#lx, err %#lx): %s\n", t->env->id, trapname(tf->trapno),
		tf->rip, addr, tf->err, r == -E_NOENT ? "no handler" : "exception stack not writable");
	env_exit(t->env, 128 + (tf->trapno == T_PGFLT || tf->trapno == T_GPFLT ? 11 : 4), NULL);
	sched_run();
}

/* Every vector lands here with the interrupted state in tf. */
void trap(struct trapframe *tf)
{
	bool user = (tf->cs & 3) == 3;

	if (tf->trapno == IRQ_TIMER) {
		lapic_eoi();
		sched_tick(user ? tf : NULL);
		return;
	}
	if (tf->trapno >= IRQ_BASE && tf->trapno < IRQ_BASE + NIRQ) {
		irq_raise((int)(tf->trapno - IRQ_BASE));
		lapic_eoi();
		return;
	}
	if (tf->trapno == IRQ_SPURIOUS)
		return;
	if (!user) {
		print_trapframe(tf);
		backtrace(tf->rbp);
		panic("%s in the kernel", trapname(tf->trapno));
	}
	user_fault(tf);
}
