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
#include "libos/lx/pkey.h"

/* lx_syscall(rdi, rsi, rdx, r10, r8, r9, rax), from a 16-byte aligned rsp: the number, seventh, goes on the stack. */
.macro CALL_LX_SYSCALL
	subq $8, %rsp
	pushq %rax
	movq %r10, %rcx
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
/* rsp = the top of the running thread's exit area: key 0, below its lx stack (pkey.h). */
.macro EXIT_AREA
	movq %gs:0, %rsp
	subq $LX_EXIT_BELOW, %rsp
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

/* The rest of a struct lx_frame, below its flags (r11): the syscall's return address and its arguments. */
.macro PUSH_SYSCALL_REGS
	pushq %rcx
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
.endm

/*
 * The direct way, once the frame is saved as far as the arguments, with rax
 * = a number lx has a handler for, not flagged LX_FULL: a process with one
 * thread, not traced, calls the handler itself and goes back by \ret unless
 * a signal is deliverable, lx_attention is set or the call asks to start
 * again; each of those, and the rest, takes lx_syscall's way (syscall.c's
 * dispatch makes the same test).
 */
.macro DIRECT_CALL ret
	cmpw $0, lx_modes(%rip) /* more than one thread (under lx's lock), or tracing: lx_modes.multi, .trace */
	jne lx_syscall_plain
	movq %rax, %gs:LX_GS_LAST_NR
	movq %r10, %rcx
	leaq lx_syscall_table(%rip), %r11
	call *(%r11,%rax,8)
	cmpb $0, lx_modes(%rip) /* lx_modes.multi */
	jne .Lunlock\@
.Lcheck\@:
	movq lx_me(%rip), %rdx  /* a deliverable signal: pending (the thread's | the process's) | mask != mask */
	movq LX_PROC_PENDING(%rdx), %rdx
	orq %gs:LX_GS_SIGPENDING, %rdx
	jnz .Lpending\@        /* (nothing pending, the common case: no need to look at the mask) */
.Lattention\@:
	cmpb $0, lx_attention(%rip)
	jne .Ldeliver
	cmpq $-LX_ERESTARTNOINTR, %rax
	je .Ldeliver
	\ret
.Lpending\@:
	orq %gs:LX_GS_SIGMASK, %rdx
	cmpq %gs:LX_GS_SIGMASK, %rdx
	jne .Ldeliver
	jmp .Lattention\@
.Lunlock\@:
	pushq %rax              /* the call made lx's first helper thread and holds the lock it took then */
	pushq %rax
	call lx_unlock
	popq %rax
	popq %rax
	jmp .Lcheck\@
.endm

/* Back to the program where lx's memory has no key: lx_return_saved's way without its test. */
.macro RETURN_OPEN
	POP_SYSCALL_REGS
	popfq
	movq -8(%rsp), %r11
	movq %gs:8, %rsp
	jmp *%rcx
.endm

	.text
	.globl lx_syscall_entry
lx_syscall_entry:
	movq %rsp, %gs:8
	movq %gs:0, %rsp
	pushq %r11              /* struct lx_frame, from its top down */
	PUSH_SYSCALL_REGS
	movq lx_my_calls(%rip), %rcx /* rcx is saved: the scratch register */
	incq (%rcx)             /* ->reflected */
	decl %gs:64             /* now and then, the site this call came from may be rewritten (rewrite.c) */
	js 6f
lx_syscall_saved:
	cmpq $LX_NR_LIMIT, %rax /* calls flagged LX_FULL (syscalls.def) copy or replace the whole frame: save the rest too */
	jae lx_syscall_plain    /* no such call: lx_syscall says -ENOSYS (and tells it when tracing) */
	leaq lx_syscall_flags(%rip), %rcx /* rcx is saved: the scratch register */
	testb $LX_FULL, (%rcx,%rax)
	jnz 2f
	leaq lx_syscall_table(%rip), %rcx
	cmpq $0, (%rcx,%rax,8)
	je lx_syscall_plain
	DIRECT_CALL "jmp lx_return_saved"
lx_syscall_plain:               /* a call not flagged LX_FULL, its frame saved as far as the arguments */
	CALL_LX_SYSCALL
	cmpq $0, %gs:32         /* a signal to deliver: complete the frame and take the slow way */
	jne .Ldeliver
	jmp lx_return_saved     /* only the registers saved on the way in */

2:	PUSH_CALLEE_SAVED
	movq %rsp, %gs:16       /* the thread's whole frame */
	CALL_LX_SYSCALL
	cmpq $0, %gs:32
	jne 5f
	cmpq $0, %gs:40         /* rt_sigreturn made the frame a whole context */
	jne lx_return_whole
	jmp lx_return

.Ldeliver:
	PUSH_CALLEE_SAVED       /* the callee-saved registers are the program's again after the call */
	movq %rsp, %gs:16
5:	movq %rax, %rdi
	call lx_signal_return   /* makes the frame a whole context (the handler's, say); returns rax */
	jmp lx_return_whole

6:	pushq %rax              /* lx_rewrite_consider(return address, number); the frame keeps the rest */
	subq $8, %rsp
	movq 64(%rsp), %rdi     /* the frame's rcx */
	movq %rax, %rsi
	call lx_rewrite_consider
	addq $8, %rsp
	popq %rax
	movq 40(%rsp), %rdi     /* the argument registers again, from the frame */
	movq 32(%rsp), %rsi
	movq 24(%rsp), %rdx
	movq 16(%rsp), %r10
	movq 8(%rsp), %r8
	movq (%rsp), %r9
	jmp lx_syscall_saved

/*
 * A rewritten syscall site's stub jumps here (rewrite.c) with rax = the
 * number, rcx = the address after the site's syscall instruction, the
 * arguments in place and the program's flags: as the kernel's reflection
 * would arrive, without the kernel, for a call not flagged LX_FULL that lx
 * has a handler for. The flags are saved as r11 would have brought them,
 * then made what the kernel gives the entry (no TF, DF, AC).
 */
.macro DIRECT_ENTRY
	movq %rsp, %gs:8
	movq %gs:0, %rsp
	pushfq
	pushq $2                /* the flags' fixed bit alone */
	popfq
	PUSH_SYSCALL_REGS
	movq lx_my_calls(%rip), %r11 /* r11 is saved (the flags): the scratch register */
	incq 8(%r11)            /* ->direct */
.endm

	.globl lx_call_entry
lx_call_entry:
	DIRECT_ENTRY
	DIRECT_CALL RETURN_OPEN

/* The same under protection keys: the stub opened lx's key (rewrite.c); the way back closes it. */
	.globl lx_call_entry_keyed
lx_call_entry_keyed:
	DIRECT_ENTRY
	DIRECT_CALL "jmp lx_return_saved"

/*
 * The leaf way: a rewritten site of an LX_LEAF call, not under protection
 * keys (rewrite.c), comes here as it would to lx_call_entry. Its handler
 * keeps every register but rax (syscall.h), so only the flags are saved:
 * rcx is still the address to go back to after the call. A leaf makes no
 * thread and never asks to start again, so only a second thread or
 * tracing before the call, and a deliverable signal or lx_attention after
 * it, send it the long way, the frame completed as lx_call_entry's.
 */
	.globl lx_call_entry_leaf
lx_call_entry_leaf:
	movq %rsp, %gs:8
	movq %gs:0, %rsp
	pushfq                  /* the program's flags, as r11 would have brought them */
	pushfq                  /* again: rsp 16-byte aligned at the call */
	pushq $2                /* the flags' fixed bit alone */
	popfq
	movq lx_my_calls(%rip), %r11
	incq 8(%r11)            /* ->direct */
	cmpw $0, lx_modes(%rip) /* lx_modes.multi, .trace */
	jne 3f
	movq %rax, %gs:LX_GS_LAST_NR
	leaq lx_syscall_table(%rip), %r11
	call *(%r11,%rax,8)
	movq lx_me(%rip), %r11  /* a deliverable signal, tested as DIRECT_CALL tests it */
	movq LX_PROC_PENDING(%r11), %r11
	orq %gs:LX_GS_SIGPENDING, %r11
	jnz 2f
1:	cmpb $0, lx_attention(%rip)
	jne 4f
	popfq
	movq -8(%rsp), %r11     /* the flags just restored, as Linux leaves r11 */
	movq %gs:8, %rsp
	jmp *%rcx
2:	orq %gs:LX_GS_SIGMASK, %r11
	cmpq %gs:LX_GS_SIGMASK, %r11
	je 1b
4:	addq $8, %rsp           /* the frame, with the registers the handler kept */
	PUSH_SYSCALL_REGS
	jmp .Ldeliver
3:	addq $8, %rsp
	PUSH_SYSCALL_REGS
	jmp lx_syscall_plain

/* Return to the program: rsp = the struct lx_frame to restore, rax = the result, gs:8 = its rsp. */
	.globl lx_return
lx_return:
	POP_CALLEE_SAVED
lx_return_saved:
	POP_SYSCALL_REGS
	cmpb $0, lx_pkey_on(%rip)
	jne 1f
	popfq
	movq -8(%rsp), %r11     /* the flags just restored, as Linux leaves r11 */
	movq %gs:8, %rsp
	jmp *%rcx
1:	popq %r11               /* the flags, as Linux leaves r11 */
	EXIT_AREA
	pushq $USER_SS
	pushq %gs:8
	pushq %r11
	pushq $USER_CS
	pushq %rcx
	jmp lx_leave

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
	cmpb $0, lx_pkey_on(%rip)
	jne 1f
	pushq $USER_SS
	pushq %gs:8
	pushq %gs:56
	pushq $USER_CS
	pushq %gs:48
	iretq
1:	EXIT_AREA
	pushq $USER_SS
	pushq %gs:8
	pushq %gs:56
	pushq $USER_CS
	pushq %gs:48
	jmp lx_leave

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
	cmpb $0, lx_pkey_on(%rip)
	jne 1f
	movq %rsi, %rsp
	movq %rdi, %rcx
	jmp 2f
1:	EXIT_AREA               /* by lx_leave, which closes the key: an iretq frame to entry and sp */
	pushq $USER_SS
	pushq %rsi
	pushq $0x202            /* IF, as Linux starts a program */
	pushq $USER_CS
	pushq %rdi
	leaq lx_leave(%rip), %rcx
2:	xorl %eax, %eax
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
	jmp *%rcx               /* the program's entry, or lx_leave with rax = rdx = 0 */

/*
 * Back to the program with lx's key closed. rsp = the thread's exit area
 * (key 0, program-writable), holding an iretq frame; every register but
 * rax, rcx and rdx is the program's already. After the wrpkru lx can no
 * longer read its own memory, so what the last instructions need comes
 * from the exit area. Another program thread may change those words
 * meanwhile: that only changes where and how this thread goes on, with the
 * key closed, which the program could do anyway. A wrpkru reached with any
 * other value (program code jumping to it with eax = 0 to open the key)
 * falls into ud2: a fault in lx itself ends the process.
 */
lx_leave:
	pushq %rdx
	pushq %rcx
	pushq %rax
	movl $LX_PKRU_CLOSED, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	.globl lx_wrpkru
lx_wrpkru:                      /* lx's one wrpkru: rewrite.c copies its bytes into keyed stubs */
	wrpkru
	cmpl $LX_PKRU_CLOSED, %eax
	jne lx_pkey_abuse
	popq %rax
	popq %rcx
	popq %rdx
	iretq
lx_pkey_abuse:
	ud2

/*
 * lx_resume(frame): exc_resume, with the key closed unless the frame is
 * lx's own code interrupted with the key open (a fault lx served inside a
 * syscall). Program code, and lx's code that the program jumped into, go
 * on closed.
 */
	.globl lx_resume
lx_resume:
	cmpb $0, lx_pkey_on(%rip)
	je exc_resume
	movq EXC_FRAME_RIP(%rdi), %rax
	leaq lx_text_start(%rip), %rcx
	cmpq %rcx, %rax
	jb 1f
	leaq lx_end(%rip), %rcx
	cmpq %rcx, %rax
	jae 1f
	testl $LX_PKRU_CLOSED, EXC_FRAME_PKRU(%rdi)
	jz exc_resume
1:	EXIT_AREA
	pushq $USER_SS
	pushq EXC_FRAME_RSP(%rdi)
	pushq (EXC_FRAME_RSP - 8)(%rdi)   /* rflags */
	pushq $USER_CS
	pushq EXC_FRAME_RIP(%rdi)
	movq (EXC_FRAME_REGS + 0 * 8)(%rdi), %r15
	movq (EXC_FRAME_REGS + 1 * 8)(%rdi), %r14
	movq (EXC_FRAME_REGS + 2 * 8)(%rdi), %r13
	movq (EXC_FRAME_REGS + 3 * 8)(%rdi), %r12
	movq (EXC_FRAME_REGS + 4 * 8)(%rdi), %r11
	movq (EXC_FRAME_REGS + 5 * 8)(%rdi), %r10
	movq (EXC_FRAME_REGS + 6 * 8)(%rdi), %r9
	movq (EXC_FRAME_REGS + 7 * 8)(%rdi), %r8
	movq (EXC_FRAME_REGS + 8 * 8)(%rdi), %rbp
	movq (EXC_FRAME_REGS + 10 * 8)(%rdi), %rsi
	movq (EXC_FRAME_REGS + 11 * 8)(%rdi), %rdx
	movq (EXC_FRAME_REGS + 12 * 8)(%rdi), %rcx
	movq (EXC_FRAME_REGS + 13 * 8)(%rdi), %rbx
	movq (EXC_FRAME_REGS + 14 * 8)(%rdi), %rax
	movq (EXC_FRAME_REGS + 9 * 8)(%rdi), %rdi
	jmp lx_leave
