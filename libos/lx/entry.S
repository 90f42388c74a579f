/* The entry of reflected Linux syscalls: switch to lx's stack, call lx_syscall, return as Linux does. */
/*
 * The kernel reflects a program's `syscall` here with every register as the
 * instruction left it: rax = number, rdi rsi rdx r10 r8 r9 = arguments,
 * rcx = return address, r11 = rflags. The program's stack (and its red zone)
 * is never touched: gs points at the thread's struct lx_thread, whose first
 * words are the top of its lx stack (gs:0), the program's rsp (gs:8) and
 * the saved registers (gs:16, a struct lx_frame). On return rax = result,
 * rcx and r11 as Linux leaves them, every other register intact.
 */
#include <mica/abi.h>
#include "libos/lx/syscall.h"

/* lx_syscall(rax, rdi, rsi, rdx, r10, r8, r9), from a 16-byte aligned rsp; the seventh argument goes on the stack. */
.macro CALL_LX_SYSCALL
	subq $8, %rsp
	pushq %r9
	movq %r8, %r9
	movq %r10, %r8
	movq %rdx, %rcx
	movq %rsi, %rdx
	movq %rdi, %rsi
	movq %rax, %rdi
	call lx_syscall
	addq $16, %rsp
.endm

/* The callee-saved registers, completing a struct lx_frame below the syscall registers, and back. */
.macro PUSH_CALLEE_SAVED
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro POP_CALLEE_SAVED
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
.endm
/* The argument registers and rcx, as pushed on the way in. */
.macro POP_SYSCALL_REGS
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rcx
.endm

	.text
	.globl lx_syscall_entry
lx_syscall_entry:
	movq %rsp, %gs:8
	movq %gs:0, %rsp
	pushq %r11              /* struct lx_frame, from its top down */
	pushq %rcx
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	cmpq $LX_NR_LIMIT, %rax /* calls flagged LX_FULL (syscalls.def) copy or replace the whole frame: save the rest too */
	jae 1f
	leaq lx_syscall_flags(%rip), %rcx /* rcx is saved: the scratch register */
	testb $LX_FULL, (%rcx,%rax)
	jnz 2f
1:	CALL_LX_SYSCALL
	cmpq $0, %gs:32         /* a signal to deliver: complete the frame and take the slow way */
	jne 4f
	jmp lx_return_saved     /* only the registers saved on the way in */

2:	PUSH_CALLEE_SAVED
	movq %rsp, %gs:16       /* the thread's whole frame */
	CALL_LX_SYSCALL
	cmpq $0, %gs:32
	jne 5f
	cmpq $0, %gs:40         /* rt_sigreturn made the frame a whole context */
	jne lx_return_whole
	jmp lx_return

4:	PUSH_CALLEE_SAVED       /* the callee-saved registers are the program's again after the call */
	movq %rsp, %gs:16
5:	movq %rax, %rdi
	call lx_signal_return   /* makes the frame a whole context (the handler's, say); returns rax */
	jmp lx_return_whole

/* Return to the program: rsp = the struct lx_frame to restore, rax = the result, gs:8 = its rsp. */
	.globl lx_return
lx_return:
	POP_CALLEE_SAVED
lx_return_saved:
	POP_SYSCALL_REGS
	popfq
	movq -8(%rsp), %r11     /* the flags just restored, as Linux leaves r11 */
	movq %gs:8, %rsp
	jmp *%rcx

/*
 * Return to a whole context: rsp = the struct lx_frame, rax = the result,
 * gs:8 its rsp, gs:48 its rip, gs:56 its flags. Unlike a syscall's return,
 * rcx and r11 are the frame's: this is how a signal handler is entered and
 * how rt_sigreturn goes back to code that a signal interrupted anywhere.
 * iretq to the same ring loads rip, rflags and rsp at once, without a
 * scratch register and without touching the program's stack.
 */
	.globl lx_return_whole
lx_return_whole:
	movq $0, %gs:40
	POP_CALLEE_SAVED
	POP_SYSCALL_REGS
	popq %r11
	pushq $USER_SS
	pushq %gs:8
	pushq %gs:56
	pushq $USER_CS
	pushq %gs:48
	iretq

/* A new thread made by clone starts here with rdi = its struct lx_thread: set it up, then return 0 into the program. */
	.globl lx_clone_entry
lx_clone_entry:
	call lx_thread_setup    /* returns the frame to restore */
	movq %rax, %rsp
	xorl %eax, %eax
	jmp lx_return

/* lx_start(entry, sp): enter the program with the ABI's initial registers. */
	.globl lx_start
lx_start:
	movq %rsi, %rsp
	movq %rdi, %rcx
	xorl %eax, %eax
	xorl %ebx, %ebx
	xorl %edx, %edx         /* no atexit function */
	xorl %esi, %esi
	xorl %edi, %edi
	xorl %ebp, %ebp
	xorl %r8d, %r8d
	xorl %r9d, %r9d
	xorl %r10d, %r10d
	xorl %r11d, %r11d
	xorl %r12d, %r12d
	xorl %r13d, %r13d
	xorl %r14d, %r14d
	xorl %r15d, %r15d
	jmp *%rcx
