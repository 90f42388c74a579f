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

/*
 * exc_resume(frame): restore every register of frame and continue there, in
 * user mode. iretq to the same ring loads rip, rflags and rsp at once from a
 * frame built below this one, so nothing is written to the stack the
 * program was using (its rsp may point anywhere).
 */
	.globl exc_resume
exc_resume:
	movq %rdi, %rsp
	pushq $USER_SS
	pushq (EXC_FRAME_RSP + 8)(%rsp)      /* push's source is read at rsp as it was before the push */
	pushq (EXC_FRAME_RSP - 8 + 16)(%rsp) /* rflags, just below rsp */
	pushq $USER_CS
	pushq (EXC_FRAME_RIP + 32)(%rsp)
	movq (40 + EXC_FRAME_REGS + 0 * 8)(%rsp), %r15
	movq (40 + EXC_FRAME_REGS + 1 * 8)(%rsp), %r14
	movq (40 + EXC_FRAME_REGS + 2 * 8)(%rsp), %r13
	movq (40 + EXC_FRAME_REGS + 3 * 8)(%rsp), %r12
	movq (40 + EXC_FRAME_REGS + 4 * 8)(%rsp), %r11
	movq (40 + EXC_FRAME_REGS + 5 * 8)(%rsp), %r10
	movq (40 + EXC_FRAME_REGS + 6 * 8)(%rsp), %r9
	movq (40 + EXC_FRAME_REGS + 7 * 8)(%rsp), %r8
	movq (40 + EXC_FRAME_REGS + 8 * 8)(%rsp), %rbp
	movq (40 + EXC_FRAME_REGS + 9 * 8)(%rsp), %rdi
	movq (40 + EXC_FRAME_REGS + 10 * 8)(%rsp), %rsi
	movq (40 + EXC_FRAME_REGS + 11 * 8)(%rsp), %rdx
	movq (40 + EXC_FRAME_REGS + 12 * 8)(%rsp), %rcx
	movq (40 + EXC_FRAME_REGS + 13 * 8)(%rsp), %rbx
	movq (40 + EXC_FRAME_REGS + 14 * 8)(%rsp), %rax
	iretq
