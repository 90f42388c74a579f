/* Upcalls: hand a fault, the end of a slice, or a revocation request to the env's own handler. */
#include "kernel.h"

/* The stack pointer below which the frame goes: the exception stack, unless already on it. */
static uint64_t upcall_stack(struct thread *t, const struct trapframe *tf)
{
	if (t->xstack && !(tf->rsp <= t->xstack && tf->rsp > t->xstack - XSTACK_SIZE))
		return t->xstack;
	return tf->rsp - EXC_REDZONE;
}

/*
 * Deliver an upcall of the given kind to thread t, whose user registers are
 * in tf: push a struct exc_frame and point tf at the env's handler with
 * rdi = rsp = the frame, with its env's libOS key open. Returns 0; -E_NOENT when the env registered no
 * handler of that kind; -E_FAULT when the frame cannot be written.
 */
int upcall_deliver(struct thread *t, struct trapframe *tf, uint64_t kind, uint64_t trapno, uint64_t err, uint64_t addr)
{
	uint64_t entry = t->env->upcall[kind];
	if (!entry)
		return -E_NOENT;
	struct exc_frame f = {
		.trapno = trapno, .err = err, .addr = addr, .rip = tf->rip,
		.r15 = tf->r15, .r14 = tf->r14, .r13 = tf->r13, .r12 = tf->r12,
		.r11 = tf->r11, .r10 = tf->r10, .r9 = tf->r9, .r8 = tf->r8,
		.rbp = tf->rbp, .rdi = tf->rdi, .rsi = tf->rsi, .rdx = tf->rdx,
		.rcx = tf->rcx, .rbx = tf->rbx, .rax = tf->rax,
		.rflags = tf->rflags, .rsp = tf->rsp, .pkru = thread_pkru(t),
	};
	uint64_t sp = (upcall_stack(t, tf) - sizeof(f)) & ~15UL;
	if (copy_to_user(t->env, sp, &f, sizeof(f)) < 0)
		return -E_FAULT;
	pkey_open_libos(t);
	tf->rip = entry;
	tf->rflags &= ~(uint64_t)UPCALL_FLAGS_CLEAR;
	tf->rsp = sp;
	tf->rdi = sp;
	return 0;
}
