/* Entry of a native Mica program: rsp points at a struct mica_start. */
#include <mica/abi.h>
	.text
	.globl _start
_start:
	rdtsc                   /* first thing: when did this program start? */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, mica_start_tsc(%rip)
	movq %rsp, %rdi
	andq $-16, %rsp
	xorl %ebp, %ebp
	call mica_main
1:	hlt                     /* not reached: mica_main exits */
	jmp 1b

	.data
	.globl mica_start_tsc
	.p2align 3
mica_start_tsc:
	.quad 0

	.text
/*
 * The upcall entry for every kind: rdi = rsp = a struct exc_frame. The C
 * dispatcher may edit the frame; then exc_resume returns to it.
 */
	.globl exc_upcall
exc_upcall:
	call upcall_dispatch
	movq %rsp, %rdi
	/* fall through */

/* exc_resume(frame): restore every register of frame and continue there, in user mode. */
	.globl exc_resume
exc_resume:
	movq %rdi, %rsp
	movq EXC_FRAME_RSP(%rsp), %rax
	subq $EXC_REDZONE, %rax /* below the red zone, one word for rip */
	movq EXC_FRAME_RIP(%rsp), %rbx
	movq %rbx, (%rax)
	movq %rax, EXC_FRAME_RSP(%rsp)
	addq $EXC_FRAME_REGS, %rsp /* to r15 */
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
	popfq
	popq %rsp
	ret $RED_ZONE           /* to rip, then rsp back above the red zone */
