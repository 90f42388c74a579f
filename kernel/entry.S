/* Kernel entry and exit: trap vectors, the syscall instruction, and the return to user mode. */
#include "kernel/x86.h"

	.text
/* Vectors that push no error code get a zero so every frame has the same shape. */
.macro VEC n
	.p2align 4
vec\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp alltraps
.endm

	.altmacro
	.set i, 0
	.rept 256
	VEC %i
	.set i, i + 1
	.endr

	.section .rodata
	.p2align 3
	.globl trap_vectors
trap_vectors:
.macro VECADDR n
	.quad vec\n
.endm
	.set i, 0
	.rept 256
	VECADDR %i
	.set i, i + 1
	.endr

	.text
.macro PUSHREGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro POPREGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

alltraps:
	cld
	PUSHREGS
	movq %rsp, %rdi
	xorl %ebp, %ebp
	call trap
	jmp 1f

/* trap_return(tf): load a saved frame and return to it with iretq. */
	.globl trap_return
trap_return:
	movq %rdi, %rsp
1:	POPREGS
	addq $16, %rsp                  /* trapno, err */
	iretq

/*
 * The syscall instruction. A call from outside the env's libOS range is
 * reflected to the libOS entry with every register as the instruction left
 * it (rcx = return address, r11 = rflags), as Linux would see them; any
 * other call is a kernel call, dispatched by syscall_dispatch.
 */
	.globl syscall_entry
syscall_entry:
	movq %rsp, k_user_rsp(%rip)
	cmpq $0, k_libos_entry(%rip)
	je kcall
	cmpq k_libos_lo(%rip), %rcx
	jb reflect
	cmpq k_libos_hi(%rip), %rcx
	jb kcall
reflect:
	movq k_stack_top(%rip), %rsp
	cmpq $0, k_libos_pkru(%rip)
	jne open_key
enter_libos:
	pushq $UDATA
	pushq k_user_rsp(%rip)
	pushq %r11                      /* r11 keeps the program's flags; the entry runs without TF, DF, AC */
	andq $~UPCALL_FLAGS_CLEAR, (%rsp)
	pushq $UCODE
	pushq k_libos_entry(%rip)
	iretq

/*
 * The env keeps its libOS under a protection key (env_set_pkey): the libOS
 * entry runs with it open, and with the thread's gs base as the libOS set
 * it (a program may have changed it by loading gs, and the entry trusts gs).
 */
open_key:
	pushq %rax
	pushq %rcx
	pushq %rdx
	movl $MSR_GS_BASE, %ecx
	movl k_gs_base(%rip), %eax
	movl k_gs_base+4(%rip), %edx
	wrmsr
	xorl %ecx, %ecx
	rdpkru                          /* eax = PKRU, edx = 0 */
	movl k_libos_pkru(%rip), %edx
	notl %edx
	andl %edx, %eax
	xorl %edx, %edx
	wrpkru                          /* eax = value, ecx = edx = 0 */
	popq %rdx
	popq %rcx
	popq %rax
	jmp enter_libos

/*
 * A kernel call's frame is pushed straight into the running thread's saved
 * registers (k_tf_top is the end of its tf), so a call that blocks has
 * nothing to copy there; the C code runs on the kernel stack, and rbx
 * (callee-saved) keeps the frame's address for the return.
 */
kcall:
	movq k_tf_top(%rip), %rsp
	pushq $UDATA
	pushq k_user_rsp(%rip)
	pushq %r11
	pushq $UCODE
	pushq %rcx
	pushq $0
	pushq $T_SYSCALL
	PUSHREGS
	movq %rsp, %rdi
	movq %rsp, %rbx
	movq k_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call syscall_dispatch
	movq %rbx, %rsp
	POPREGS
	addq $16, %rsp
	/* sysret only to a canonical user address; anything else goes by iretq */
	movq (%rsp), %rcx
	movq %rcx, %r11
	shrq $47, %r11
	jnz 2f
	movq 16(%rsp), %r11
	movq 24(%rsp), %rsp
	sysretq
2:	iretq

	.data
	.p2align 3
k_user_rsp:
	.quad 0
