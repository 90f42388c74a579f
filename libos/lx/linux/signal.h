/* The Linux x86-64 ABI, signals: numbers, sigaction, si_code, sigevent, the signal frame. */
#ifndef LX_LINUX_SIGNAL_H
#define LX_LINUX_SIGNAL_H

#include <stdint.h>
#include <stddef.h>

/* signals */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define NSIG 64 /* signals are 1 .. NSIG */
/* sigaction */
#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO 0x4
#define SA_RESTORER 0x04000000
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
/* sigaltstack */
#define SS_ONSTACK 1
#define SS_DISABLE 2
/* si_code: who sent a signal */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TIMER (-2)
#define SI_TKILL (-6)
/* si_code of a fault's signal */
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define SEGV_PKUERR 4 /* the page's protection key forbade the access */
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define TRAP_BRKPT 1
/* si_code of SIGCHLD (waitid) */
#define CLD_EXITED 1
#define CLD_KILLED 2
/* timer_create's struct sigevent */
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
/* what lx reads of a struct sigevent (64 bytes): the value, the signal, how to notify, the thread */
struct linux_sigevent {
	uint64_t value;
	int32_t signo, notify, tid;
};

/* x86 flags as Linux's signal code treats them */
#define RFLAGS_FIXED 0x2 /* bit 1 is always set */
#define RFLAGS_TF 0x100
#define RFLAGS_IF 0x200
#define RFLAGS_DF 0x400
#define RFLAGS_USER 0x40CD5 /* what sigreturn restores: CF PF AF ZF SF DF OF AC (Linux's set less TF and RF) */

/* rt_sigaction's struct, and the signal frame: the kernel's struct ucontext and rt_sigframe for x86-64. */
struct linux_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* The kernel's struct linux_ucontext and rt_sigframe for x86-64 (the ABI programs see). */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};
struct linux_ucontext {
	uint64_t flags, link;
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
	struct linux_sigcontext mc;
	uint64_t sigmask;
};
struct linux_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct {
			int32_t pid, uid;
		} kill;
		struct {
			int32_t pid, uid, status;
		} chld; /* SIGCHLD, waitid */
		uint64_t addr;
		uint8_t rest[128 - 16];
	} u;
};
struct linux_rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};
_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext is 256 bytes");
_Static_assert(offsetof(struct linux_ucontext, mc) == 40 && sizeof(struct linux_ucontext) == 304, "ucontext layout");
_Static_assert(sizeof(struct linux_siginfo) == 128 && offsetof(struct linux_siginfo, u.chld.status) == 24,
	       "siginfo layout");
_Static_assert(offsetof(struct linux_sigcontext, rip) == 128, "sigcontext layout");
/* signalfd: what read returns for each signal, and signalfd4's flags (O_CLOEXEC, O_NONBLOCK's values) */
struct linux_signalfd_siginfo {
	uint32_t signo;
	int32_t errno_, code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb, pad2;
	int32_t syscall;
	uint64_t call_addr;
	uint32_t arch;
	uint8_t pad[28];
};
_Static_assert(sizeof(struct linux_signalfd_siginfo) == 128, "struct signalfd_siginfo is 128 bytes");
#define SFD_CLOEXEC 02000000
#define SFD_NONBLOCK 04000
#define LINUX_RED_ZONE 128 /* bytes below rsp that a signal frame leaves alone */

#endif
