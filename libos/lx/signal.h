/* Signals: delivery, sending, the registers of a signal frame. (signal.c) */
#ifndef LX_SIGNAL_H
#define LX_SIGNAL_H

/* Every register of a thread in user mode, as a signal frame records it. */
struct lx_regs {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
};
bool lx_signal_interrupts(void); /* a pending signal that ends a blocking call with EINTR? */
/* Set while the process is stopped or an exec ends its other threads: every way out of lx looks (lx_signal_deliver). */
extern bool lx_attention;
/* Is a signal deliverable to the running thread? */
static inline bool lx_signal_pending(void)
{
	struct lx_thread *me = lx_self();
	return ((me->sigpending | lx_process_pending) & ~me->sigmask) != 0;
}
/* Deliver pending signals to the thread whose registers are r: build a frame, point r at the handler. */
void lx_signal_deliver(struct lx_regs *r);
/* A fault the program has a handler for: true when r now enters it. */
bool lx_signal_fault(struct lx_regs *r, int sig, int code, uint64_t addr);
long lx_signal_send(struct lx_thread *t, int sig, int code); /* t NULL: to the process */
/* Record who sends sig (this process; the kernel for codes a process cannot send) to p, with si_code and status. */
void lx_signal_note(struct lx_proc *p, int sig, int code, int status);
struct lx_sigfrom lx_signal_from(int sig); /* who sent the pending sig to this process; zeros if not known */
int lx_signal_take(uint64_t want); /* dequeue the lowest of want pending for the running thread, or 0 */
void lx_signal_exec(void); /* exec: handlers back to default, no alternate stack, no POSIX timers */
void lx_signal_fork_child(void); /* a child starts with nothing pending */
void lx_signal_wake(struct lx_thread *t); /* interrupt t's wait so it sees a signal */
void lx_signal_group(int pgid, int sig); /* to every process of group pgid */
void lx_signal_dispositions(uint64_t *ign, uint64_t *caught); /* this process's ignored and handled signals */
/*
 * Job control at a terminal whose foreground group is fg (0: none): a read
 * (sig SIGTTIN) or, with TOSTOP, a write (SIGTTOU) from another group stops
 * that group: 0 to go ahead; -EINTR once the group was sent sig (the call
 * starts again when it goes on); -EIO for a read when SIGTTIN is ignored or
 * blocked (a write then goes ahead), or when the caller's group is orphaned
 * (no one could continue it), as Linux's terminals do.
 */
long lx_tty_job_control(int fg, int sig);

#endif
