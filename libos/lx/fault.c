/* The exception upcall: first-touch and copy-on-write page faults, kicks, and the signals faults raise. */
#include "libos/lx/lx.h"

/* The signal an exception raises. */
static int fault_signal(uint64_t trapno)
{
	switch (trapno) {
	case T_DIVIDE:
		return SIGFPE;
	case T_ILLOP:
		return SIGILL;
	case T_BRKPT:
		return SIGTRAP;
	default:
		return SIGSEGV;
	}
}

/* Registers of an upcall frame as a signal frame has them, and back. */
static void regs_from(struct lx_regs *r, const struct exc_frame *f)
{
	*r = (struct lx_regs){ .r8 = f->r8,
			       .r9 = f->r9,
			       .r10 = f->r10,
			       .r11 = f->r11,
			       .r12 = f->r12,
			       .r13 = f->r13,
			       .r14 = f->r14,
			       .r15 = f->r15,
			       .rdi = f->rdi,
			       .rsi = f->rsi,
			       .rbp = f->rbp,
			       .rbx = f->rbx,
			       .rdx = f->rdx,
			       .rax = f->rax,
			       .rcx = f->rcx,
			       .rsp = f->rsp,
			       .rip = f->rip,
			       .rflags = f->rflags };
}

static void regs_to(struct exc_frame *f, const struct lx_regs *r)
{
	f->r8 = r->r8, f->r9 = r->r9, f->r10 = r->r10, f->r11 = r->r11, f->r12 = r->r12, f->r13 = r->r13;
	f->r14 = r->r14, f->r15 = r->r15, f->rdi = r->rdi, f->rsi = r->rsi, f->rbp = r->rbp, f->rbx = r->rbx;
	f->rdx = r->rdx, f->rax = r->rax, f->rcx = r->rcx, f->rsp = r->rsp, f->rip = r->rip, f->rflags = r->rflags;
}

/*
 * A kick (thread_kick): a signal waits for this thread, which was running
 * program code (the kernel never kicks a thread in lx's registered range:
 * the way out of lx delivers). It is delivered now, over the interrupted
 * registers.
 */
static __attribute__((noreturn)) void lx_kicked(struct exc_frame *f)
{
	struct lx_regs r;
	regs_from(&r, f);
	bool locked = lx_modes.multi;
	if (locked)
		lx_lock();
	lx_signal_deliver(&r);
	if (locked)
		lx_unlock();
	regs_to(f, &r);
	lx_resume(f);
}

/* Run the program's handler for the fault's signal, if it has one: true when f now enters it. */
static bool fault_to_handler(struct exc_frame *f, int sig)
{
	int code = sig == SIGSEGV  ? ((f->err & PFERR_PK)  ? SEGV_PKUERR
				      : (f->err & PFERR_P) ? SEGV_ACCERR
							   : SEGV_MAPERR)
		   : sig == SIGBUS ? BUS_ADRERR
		   : sig == SIGILL ? ILL_ILLOPN
		   : sig == SIGFPE ? FPE_INTDIV
				   : TRAP_BRKPT;
	struct lx_regs r;
	regs_from(&r, f);
	bool locked = lx_modes.multi;
	if (locked)
		lx_lock();
	bool taken = lx_signal_fault(&r, sig, code, f->trapno == T_PGFLT ? f->addr : f->rip);
	if (locked)
		lx_unlock();
	if (!taken)
		return false;
	regs_to(f, &r);
	return true;
}

/*
 * The process needs a page and the machine has none: it ends as Linux's OOM
 * killer ends one (SIGKILL, one line on the console), and the others go on.
 */
static __attribute__((noreturn)) void lx_out_of_memory(void)
{
	printf("lx: out of memory: killed process %d (%s)\n", lx_pid, lx_me && lx_me->exe ? lx_me->exe : "?");
	lx_exit_signal(SIGKILL);
}

/* Was f's thread running lx's own code? */
static bool in_lx(const struct exc_frame *f)
{
	extern char lx_text_start[], lx_end[];
	return f->rip >= (uint64_t)lx_text_start && f->rip < (uint64_t)lx_end;
}

/*
 * A revocation request: memory ran out for another process, and the kernel
 * asks this one for frames back. lx gives what it can without losing a
 * byte (mem_give_back: file pages the file still holds), up to what was
 * asked. Not when the thread was interrupted in lx itself, whose state may
 * be half changed: the request then lapses, as a request for memory
 * pressure may.
 */
void lx_revoke(struct exc_frame *f)
{
	lx_rewrite_settle(f);
	if (!in_lx(f)) {
		bool locked = lx_modes.multi;
		if (locked)
			lx_lock();
		mem_give_back(ENVINFO->revoke_asked);
		if (locked)
			lx_unlock();
	}
	lx_resume(f);
}

/* How long a program's fault that found no memory lets others give some back before it is taken as out of
 * memory: ten of the kernel's 5 ms deadlines for an answer to its request, as another process may be slow to
 * take it up on a busy host */
#define OOM_WAIT_NS 50000000ULL

/* The exception upcall: serve first-touch page faults; anything else ends the program as its signal would. */
void lx_fault(struct exc_frame *f)
{
	if (lx_rewrite_settle(f))
		lx_resume(f);
	int sig = fault_signal(f->trapno);
	bool lx_code = in_lx(f);
	/* a key's refusal (program code at lx's memory) is SIGSEGV, not a fault to serve */
	for (uint64_t give_up = 0; f->trapno == T_PGFLT && !(f->err & PFERR_PK);) {
		bool locked = lx_modes.multi;
		if (locked)
			lx_lock();
		if (((f->err & PFERR_P) && (f->err & PFERR_W) && mem_cow_fault(f->addr)) ||
		    (!(f->err & PFERR_P) && lx_shared_fault(f->addr)))
			sig = 0;
		else
			sig = mem_fault(f->addr, f->err);
		if (locked)
			lx_unlock();
		if (sig == 0)
			lx_resume(f);
		if (sig != SIGKILL || lx_code)
			break;
		uint64_t now = clock_ns();
		if (!give_up)
			give_up = now + OOM_WAIT_NS;
		else if (now >= give_up)
			break;
		sys_yield(0); /* no memory: the kernel has asked another process for some; let it answer */
	}
	if (f->trapno == T_KICK)
		lx_kicked(f); /* does not return */
	if (sig == SIGKILL)
		lx_out_of_memory(); /* does not return */
	if (lx_code)
		printf("lx: fault %lu in lx itself at rip %#lx, address %#lx (error %#lx, page entry %#lx)\n",
		       f->trapno, f->rip, f->addr, f->err, mem_pte(f->addr));
	else if (fault_to_handler(f, sig))
		lx_resume(f);
	else if (lx_modes.trace)
		printf("[lx] fault %lu at rip %#lx, address %#lx: signal %d\n", f->trapno, f->rip, f->addr, sig);
	lx_exit_signal(sig);
}
