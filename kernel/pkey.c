/* Protection keys: PKU found and enabled, each thread's PKRU, and the key an env's libOS keeps its memory under. */
#include "kernel.h"

#define CPUID7_ECX_PKU (1U << 3)
#define CR4_PKE (1UL << 22)

bool pku; /* the CPU has protection keys and CR4.PKE is set */

/*
 * Enable protection keys when CPUID.(7,0):ECX.PKU says the CPU has them.
 * The kernel reaches user memory only through the physical map (supervisor
 * pages, which PKRU does not govern), so no PKRU ever stops the kernel.
 * XSAVE stays disabled (CR4.OSXSAVE clear), so XRSTOR cannot load PKRU:
 * WRPKRU is the only way user code changes it.
 */
void pkey_init(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0));
	if (a < 7)
		return;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	if (!(c & CPUID7_ECX_PKU))
		return;
	uint64_t cr4;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | CR4_PKE));
	pku = true;
	pkru_write(0);
}

/* t's PKRU: the register's while t's state is loaded (cpu.fpu_owner), else the one saved. 0 without PKU. */
uint32_t thread_pkru(const struct thread *t)
{
	if (!pku)
		return 0;
	return t == cpu.fpu_owner ? pkru_read() : t->pkru;
}

/* Set t's PKRU (nothing without PKU). */
void thread_set_pkru(struct thread *t, uint32_t v)
{
	if (!pku)
		return;
	if (t == cpu.fpu_owner)
		pkru_write(v);
	else
		t->pkru = v;
}

/* Save the PKRU of the thread whose state is loaded, and load t's (thread_switch, with the FPU state). */
void pkey_switch(struct thread *from, struct thread *t)
{
	if (!pku)
		return;
	if (from)
		from->pkru = pkru_read();
	pkru_write(t->pkru);
}

/*
 * Open the libOS key of t's env in its PKRU (entering its libOS by an
 * upcall), and give it back the gs base the libOS set, which the program
 * may have changed by loading gs while t's bases were loaded; nothing if
 * the env has no libOS key.
 */
void pkey_open_libos(struct thread *t)
{
	if (!t->env->libos_pkru)
		return;
	thread_set_pkru(t, thread_pkru(t) & ~t->env->libos_pkru);
	if (t == cpu.fpu_owner)
		wrmsr(MSR_GS_BASE, t->gs_base);
}

/*
 * Guard e's libOS with protection key key (1..PKEY_MAX; 0: no longer): the
 * kernel opens the key whenever it enters the libOS (a reflected syscall, an
 * upcall) and refuses kernel calls made while it is closed. -E_INVAL, -E_NOSYS (no PKU).
 */
int pkey_set_libos(struct env *e, long key)
{
	if (key < 0 || key > PKEY_MAX)
		return -E_INVAL;
	if (!pku)
		return -E_NOSYS;
	e->libos_pkru = key ? PKRU_KEY(key) : 0;
	if (cpu.space == e)
		k_libos_pkru = e->libos_pkru;
	return 0;
}
