/* Signals: actions, masks, pending sets, Linux signal frames on the program's stack, and sigreturn. */
#include "libos/lx/lx.h"

/*
 * A signal is pending for a thread (tkill, tgkill, a fault) or for the
 * process (kill), and delivered when that thread next leaves lx: lx pushes
 * the frame Linux pushes (the return address of sa_restorer, a ucontext with
 * every register and the FPU state, a siginfo) on the thread's stack or its
 * alternate stack, and enters the handler with rdi, rsi, rdx = signal,
 * &siginfo, &ucontext. rt_sigreturn restores the ucontext.
 */
#define BIT(sig) (1UL << ((sig) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))
#define IGNORED_BY_DEFAULT (BIT(SIGCHLD) | BIT(SIGCONT) | BIT(SIGURG) | BIT(SIGWINCH))
#define STOPPING (BIT(SIGSTOP) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU))

_Static_assert(sizeof(struct lx_regs) == 18 * 8, "lx_regs is sigcontext's first 18 words");

static struct linux_sigaction actions[NSIG + 1];
static uint64_t set_ever; /* the signals whose action may not be all zeros (SIG_DFL, no flags, no mask) */
static bool valid(long sig)
{
	return sig > 0 && sig <= NSIG;
}

void lx_signal_note(struct lx_proc *p, int sig, int code, int status)
{
	bool user = code <= 0 && code != SI_TIMER; /* sent by a process: kill, tkill, sigqueue; else the kernel's */
	if (p->sigfrom && valid(sig))
		p->sigfrom[sig] = (struct lx_sigfrom){ user || sig == SIGCHLD ? lx_pid : 0,
						       user || sig == SIGCHLD ? lx_me->uid : 0, code, status };
}

struct lx_sigfrom lx_signal_from(int sig)
{
	return lx_me->sigfrom && valid(sig) ? lx_me->sigfrom[sig] : (struct lx_sigfrom){ 0 };
}

/* Put sig on t (or the process) and wake a thread that might take it. */
long lx_signal_send(struct lx_thread *t, int sig, int code)
{
	if (sig == 0)
		return 0;
	if (!valid(sig))
		return -EINVAL;
	if (!((t ? t->sigpending : lx_process_pending) & BIT(sig)))
		lx_signal_note(lx_me, sig, code, 0); /* a signal already pending keeps its first sender, as Linux */
	if (t)
		t->sigpending |= BIT(sig);
	else
		lx_process_pending |= BIT(sig);
	lx_signal_wake(t ? t : lx_self());
	if (!t)
		lx_proc_wake(lx_me); /* a thread reading a signalfd, or polling one, looks */
	if (t)
		lx_kick(t);
	return 0;
}

/* The deliverable signals of the running thread. */
static uint64_t deliverable(void)
{
	struct lx_thread *me = lx_self();
	return (me->sigpending | lx_process_pending) & ~me->sigmask;
}

/* Signals whose action is to do nothing: they never interrupt anything. Kept up to date by set_action. */
static uint64_t ignored = IGNORED_BY_DEFAULT;

static void set_action(int sig, const struct linux_sigaction *a)
{
	actions[sig] = *a;
	set_ever |= BIT(sig);
	if (a->handler == SIG_IGN || (a->handler == SIG_DFL && (BIT(sig) & IGNORED_BY_DEFAULT)))
		ignored |= BIT(sig);
	else
		ignored &= ~BIT(sig);
}

void lx_signal_dispositions(uint64_t *ign, uint64_t *caught)
{
	*ign = *caught = 0;
	for (int sig = 1; sig <= NSIG; sig++) {
		if (actions[sig].handler == SIG_IGN)
			*ign |= BIT(sig);
		else if (actions[sig].handler != SIG_DFL)
			*caught |= BIT(sig);
	}
}

long lx_tty_job_control(int fg, int sig)
{
	if (fg <= 0 || lx_me->pgid == fg)
		return 0;
	uint64_t ign, caught;
	lx_signal_dispositions(&ign, &caught);
	if ((ign | lx_self()->sigmask) & BIT(sig))
		return sig == SIGTTIN ? -EIO : 0;
	if (lx_pgrp_orphaned(lx_me->pgid, 0))
		return -EIO; /* no one in the session could let a stopped orphan go on */
	lx_signal_group(lx_me->pgid, sig);
	return -EINTR;
}

LX_FORKED bool lx_attention;

bool lx_signal_interrupts(void)
{
	struct lx_thread *me = lx_self();
	if (lx_exec_thread && lx_exec_thread != me)
		return true; /* another thread execs: this one's wait ends, and so does the thread */
	uint64_t drop = ignored & ~me->sigmask;
	me->sigpending &= ~drop; /* discarded, as Linux discards an ignored signal */
	lx_process_pending &= ~drop;
	return lx_signal_pending();
}

/* Take the lowest deliverable signal off its pending set. */
static int take_signal(uint64_t set)
{
	struct lx_thread *me = lx_self();
	int sig = __builtin_ctzl(set) + 1;
	if (me->sigpending & BIT(sig))
		me->sigpending &= ~BIT(sig);
	else
		lx_process_pending &= ~BIT(sig);
	return sig;
}

/* Where the frame goes: the alternate stack if asked for and not on it already, else below the red zone. */
static uint64_t frame_top(const struct linux_sigaction *a, uint64_t rsp)
{
	struct lx_thread *me = lx_self();
	bool on_alt = rsp - me->altstack_sp < me->altstack_size;
	if ((a->flags & SA_ONSTACK) && !(me->altstack_flags & SS_DISABLE) && me->altstack_size && !on_alt)
		return me->altstack_sp + me->altstack_size;
	return rsp - LINUX_RED_ZONE;
}

int lx_signal_take(uint64_t want)
{
	struct lx_thread *me = lx_self();
	uint64_t got = (me->sigpending | lx_process_pending) & want;
	return got ? take_signal(got) : 0;
}

/* Build the signal frame for sig on the program's stack and point r at the handler. false if it cannot be written. */
static bool push_frame(struct lx_regs *r, int sig, const struct linux_sigaction *a, uint64_t addr)
{
	struct lx_thread *me = lx_self();
	uint64_t fp = (frame_top(a, r->rsp) - 512) & ~63UL;
	uint64_t sp = ((fp - sizeof(struct linux_rt_sigframe)) & ~15UL) - 8; /* as after a call */
	if (!mem_user_ok(sp, fp + 512 - sp, true))
		return false;
	__asm__ volatile("fxsave64 (%0)" ::"r"(fp) : "memory");
	struct linux_rt_sigframe *f = (struct linux_rt_sigframe *)sp;
	memset(f, 0, sizeof(*f));
	f->pretcode = a->restorer;
	f->uc.ss_sp = me->altstack_sp;
	f->uc.ss_size = me->altstack_size;
	f->uc.ss_flags = me->altstack_flags;
	memcpy(&f->uc.mc, r, sizeof(*r));
	f->uc.mc.cs = USER_CS;
	f->uc.mc.ss = USER_SS;
	f->uc.mc.cr2 = addr;
	f->uc.mc.fpstate = fp;
	f->uc.sigmask = me->has_saved_mask ? me->saved_mask : me->sigmask;
	me->has_saved_mask = false;
	struct lx_sigfrom from = lx_signal_from(sig);
	f->info.signo = sig;
	f->info.code = from.code;
	if (addr)
		f->info.u.addr = addr;
	else
		f->info.u.chld = (typeof(f->info.u.chld)){ from.pid, (int32_t)from.uid, from.status };
	r->rsp = sp;
	r->rip = a->handler;
	r->rdi = (uint64_t)sig;
	r->rsi = (uint64_t)&f->info;
	r->rdx = (uint64_t)&f->uc;
	r->rax = 0;
	r->rflags &= ~(uint64_t)(RFLAGS_DF | RFLAGS_TF); /* DF and TF clear in the handler */
	me->sigmask |= a->mask | ((a->flags & SA_NODEFER) ? 0 : BIT(sig));
	me->sigmask &= ~UNBLOCKABLE;
	return true;
}

/* The default action of sig: ignore, or end the program with 128 + sig. */
/* Tell the parent of this process that it stopped or went on, as wait4 and SIGCHLD do. */
static void tell_parent(struct lx_proc *p)
{
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *q = &LX_SH->procs[i];
		if (q->state == LX_PROC_LIVE && q->pid == p->ppid) {
			q->pending |= BIT(SIGCHLD);
			lx_proc_wake(q);
		}
	}
}

/* While the process is stopped, wait here (until SIGCONT, or SIGKILL comes). */
static void stop_wait(void)
{
	struct lx_thread *me = lx_self();
	while (lx_me->stopped && !((me->sigpending | lx_process_pending) & BIT(SIGKILL)))
		lx_thread_wait(TIMEOUT_FOREVER);
}

/*
 * A stop signal's default action: the process stops until SIGCONT (or
 * SIGKILL) comes. Every other thread is kicked: one running program code
 * stops at once, one inside lx on its way back to the program (the way out
 * of lx checks for a stop as for a signal).
 */
static void stop_process(int sig)
{
	lx_me->stopped = true;
	lx_attention = true;
	lx_me->stop_report = W_STOPCODE(sig);
	for (int slot = 0; slot < lx_thread_slots(); slot++) {
		struct lx_thread *t = lx_thread_at(slot);
		if (t && t != lx_self())
			lx_kick(t);
	}
	tell_parent(lx_me);
	stop_wait();
}

static void default_action(int sig)
{
	if (BIT(sig) & IGNORED_BY_DEFAULT)
		return;
	if (BIT(sig) & STOPPING) {
		stop_process(sig);
		return;
	}
	lx_exit_signal(sig);
}

/* SIGCONT's effect, at once, whatever the target does with the signal itself; a stop signal cancels a pending SIGCONT. */
static void job_control(struct lx_proc *p, int sig)
{
	if (sig == SIGCONT) {
		p->pending &= ~STOPPING;
		if (p->stopped) {
			p->stopped = false;
			p->stop_report = 0;
			p->cont_report = true;
			tell_parent(p);
		}
	} else if (BIT(sig) & STOPPING) {
		p->pending &= ~BIT(SIGCONT);
	}
}

/* Run the action of one signal for the thread whose registers are r. */
static void deliver_one(struct lx_regs *r, int sig, uint64_t addr)
{
	struct linux_sigaction *a = &actions[sig];
	if (a->handler == SIG_IGN)
		return;
	if (a->handler == SIG_DFL) {
		default_action(sig);
		return;
	}
	struct linux_sigaction copy = *a;
	if (a->flags & SA_RESETHAND)
		set_action(sig, &(struct linux_sigaction){ 0 });
	if (!push_frame(r, sig, &copy, addr))
		lx_exit_signal(SIGSEGV); /* no room for the frame: as Linux, a SIGSEGV that cannot be caught */
}

void lx_signal_deliver(struct lx_regs *r)
{
	uint64_t set;
	if (lx_exec_thread && lx_exec_thread != lx_self())
		lx_thread_end_for_exec(); /* does not return */
	stop_wait(); /* another thread took a stop signal: this one stops too before going back to the program */
	lx_attention = lx_me->stopped || lx_exec_thread; /* a SIGCONT's sender cleared stopped */
	/* one handler frame at a time; ignored and default actions are all taken */
	while ((set = deliverable()) != 0) {
		int sig = take_signal(set);
		uint64_t rip = r->rip;
		deliver_one(r, sig, 0);
		if (r->rip != rip)
			return;
	}
}

bool lx_signal_fault(struct lx_regs *r, int sig, int code, uint64_t addr)
{
	struct lx_thread *me = lx_self();
	struct linux_sigaction *a = &actions[sig];
	if (a->handler == SIG_DFL || a->handler == SIG_IGN || (me->sigmask & BIT(sig)))
		return false; /* Linux: a blocked or ignored fault signal kills */
	lx_signal_note(lx_me, sig, code, 0);
	deliver_one(r, sig, addr);
	return true;
}

/* Wake t if it waits in lx (futex, sleep, sigsuspend), so that it notices a signal. */
void lx_signal_wake(struct lx_thread *t)
{
	if (t->ntfn > 0)
		sys_ntfn_signal(t->ntfn, LX_WAKE_PROC);
}

/*
 * The program's registers as the thread's saved frame holds them, with rax.
 * A syscall's frame has the return address in rcx and the flags in r11 (the
 * syscall instruction put them there); a whole context has its own.
 */
static void frame_regs(const struct lx_thread *me, struct lx_regs *r, uint64_t rax)
{
	const struct lx_frame *f = me->frame;
	*r = (struct lx_regs){ .r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11, .r12 = f->r12, .r13 = f->r13,
			       .r14 = f->r14, .r15 = f->r15, .rdi = f->rdi, .rsi = f->rsi, .rbp = f->rbp, .rbx = f->rbx,
			       .rdx = f->rdx, .rax = rax, .rcx = f->rcx, .rsp = me->user_rsp,
			       .rip = me->whole ? me->rip : f->rcx, .rflags = me->whole ? me->rflags : f->r11 };
}

/* Make r the whole context the thread goes back to: entry.S's lx_return_whole restores every register of it. */
static void frame_set(struct lx_thread *me, const struct lx_regs *r)
{
	*me->frame = (struct lx_frame){ .r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12, .rbp = r->rbp,
					.rbx = r->rbx, .r9 = r->r9, .r8 = r->r8, .r10 = r->r10, .rdx = r->rdx,
					.rsi = r->rsi, .rdi = r->rdi, .rcx = r->rcx, .r11 = r->r11 };
	me->user_rsp = r->rsp;
	me->rip = r->rip;
	me->rflags = r->rflags;
	me->whole = 1;
}

/*
 * Called by entry.S when gs:32 says a signal waits: deliver it over the saved
 * frame, which becomes a whole context; the value for rax. A syscall
 * interrupted by a handler with SA_RESTART, by a signal that ran no
 * handler, or whatever the handler if it said -ERESTARTNOINTR, goes back
 * to its syscall instruction.
 */
long lx_signal_return(long result);
long lx_signal_return(long result)
{
	struct lx_thread *me = lx_self();
	struct lx_regs r;
	bool multi = lx_modes.multi, syscall = !me->whole; /* a whole context (after sigreturn) is no syscall's */
	frame_regs(me, &r, (uint64_t)result);
	if (multi)
		lx_lock();
	me->deliver = 0;
	if (syscall && result == -ERESTARTNOINTR) {
		r.rax = (uint64_t)me->last_nr; /* whatever the handler: back to the syscall instruction */
		r.rip -= 2;
	} else if (syscall && result == -EINTR && lx_syscall_restarts(me->last_nr)) {
		uint64_t set = deliverable();
		struct linux_sigaction *a = set ? &actions[__builtin_ctzl(set) + 1] : NULL;
		if (a && a->handler != SIG_DFL && a->handler != SIG_IGN && (a->flags & SA_RESTART)) {
			r.rax = (uint64_t)me->last_nr; /* back to the syscall instruction: it runs again after the handler */
			r.rip -= 2;
		}
	}
	uint64_t rip = r.rip;
	lx_signal_deliver(&r);
	if (syscall && result == -EINTR && r.rip == rip) {
		/* interrupted, but no handler ran (a stop and continue, an ignored signal): as Linux, the call goes on */
		r.rax = (uint64_t)me->last_nr;
		r.rip -= 2;
	}
	if (multi)
		lx_unlock();
	frame_set(me, &r);
	return (long)r.rax;
}

/* exec: caught signals back to default, no alternate stack, no POSIX timers. */
void lx_signal_exec(void)
{
	/* as Linux: caught signals go back to their default, ignored ones stay ignored, and every action loses its
	 * flags, mask and restorer; only the actions ever set can be other than the default */
	for (uint64_t left = set_ever; left; left &= left - 1) {
		int sig = __builtin_ctzl(left) + 1;
		set_action(sig, &(struct linux_sigaction){ actions[sig].handler == SIG_IGN ? SIG_IGN : SIG_DFL, 0, 0, 0 });
	}
	struct lx_thread *me = lx_self();
	me->altstack_sp = me->altstack_size = 0;
	me->altstack_flags = SS_DISABLE;
	lx_itimer_exec();
}

/* A child starts with nothing pending of its parent's (its process entry is new; signals sent to it stay). */
void lx_signal_fork_child(void)
{
	lx_self()->sigpending = 0;
}

/* ---- the syscalls ---- */
long lx_sys_rt_sigaction(long sig, long act, long oact, long size)
{
	struct linux_sigaction k;
	if (!valid(sig) || size != 8 || ((BIT(sig) & UNBLOCKABLE) && act))
		return -EINVAL;
	if (act && !mem_user_ok((uint64_t)act, sizeof(k), false))
		return -EFAULT;
	if (oact && !mem_user_ok((uint64_t)oact, sizeof(k), true))
		return -EFAULT;
	if (act)
		memcpy(&k, (const void *)act, sizeof(k));
	if (oact)
		memcpy((void *)oact, &actions[sig], sizeof(k));
	if (act) {
		k.mask &= ~UNBLOCKABLE;
		set_action((int)sig, &k);
		if (k.handler == SIG_IGN || (k.handler == SIG_DFL && (BIT(sig) & IGNORED_BY_DEFAULT)))
			lx_process_pending &= ~BIT(sig); /* discarded at once, as Linux does */
	}
	return 0;
}

/* Change a mask as SIG_BLOCK (0), SIG_UNBLOCK (1) or SIG_SETMASK (2) say. */
static long change_mask(uint64_t *mask, long how, uint64_t set)
{
	set &= ~UNBLOCKABLE;
	switch (how) {
	case 0: *mask |= set; return 0;
	case 1: *mask &= ~set; return 0;
	case 2: *mask = set; return 0;
	default: return -EINVAL;
	}
}

long lx_sys_rt_sigprocmask(long how, long set, long oset, long size)
{
	struct lx_thread *me = lx_self();
	uint64_t s, old = me->sigmask;
	if (size != 8)
		return -EINVAL;
	if (set && !mem_user_ok((uint64_t)set, 8, false))
		return -EFAULT;
	if (oset && !mem_user_ok((uint64_t)oset, 8, true))
		return -EFAULT;
	if (set) {
		memcpy(&s, (const void *)set, 8);
		long r = change_mask(&me->sigmask, how, s);
		if (r < 0)
			return r;
	}
	if (oset)
		memcpy((void *)oset, &old, 8);
	return 0;
}

long lx_sys_rt_sigpending(long set, long size)
{
	struct lx_thread *me = lx_self();
	uint64_t p = (me->sigpending | lx_process_pending) & me->sigmask;
	if (size != 8)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)set, 8, true))
		return -EFAULT;
	memcpy((void *)set, &p, 8);
	return 0;
}

long lx_sys_sigaltstack(long ss, long oss)
{
	struct lx_thread *me = lx_self();
	struct { uint64_t sp; int32_t flags, pad; uint64_t size; } s, o = { me->altstack_sp, me->altstack_flags, 0, me->altstack_size };
	if (!me->altstack_size)
		o.flags = SS_DISABLE;
	else if (me->frame && me->user_rsp - me->altstack_sp < me->altstack_size)
		o.flags = SS_ONSTACK;
	if (ss && !mem_user_ok((uint64_t)ss, sizeof(s), false))
		return -EFAULT;
	if (oss && !mem_user_ok((uint64_t)oss, sizeof(o), true))
		return -EFAULT;
	if (ss) {
		memcpy(&s, (const void *)ss, sizeof(s));
		if (o.flags == SS_ONSTACK)
			return -EPERM;
		if (s.flags & ~SS_DISABLE)
			return -EINVAL;
		if (!(s.flags & SS_DISABLE) && s.size < 2048)
			return -ENOMEM;
		me->altstack_sp = (s.flags & SS_DISABLE) ? 0 : s.sp;
		me->altstack_size = (s.flags & SS_DISABLE) ? 0 : s.size;
		me->altstack_flags = s.flags & SS_DISABLE;
	}
	if (oss)
		memcpy((void *)oss, &o, sizeof(o));
	return 0;
}

/*
 * rt_sigreturn: restore every register, the FPU state and the mask of the
 * ucontext the handler returned over. The flags the program may not set
 * (IF, IOPL, TF, VM...) keep their user-mode values.
 */
long lx_sys_rt_sigreturn(void)
{
	struct lx_thread *me = lx_self();
	struct linux_ucontext *uc = (struct linux_ucontext *)me->user_rsp; /* the handler's ret popped pretcode */
	if (!mem_user_ok((uint64_t)uc, sizeof(*uc), false))
		lx_exit_signal(SIGSEGV);
	const struct linux_sigcontext *m = &uc->mc;
	if (m->fpstate && mem_user_ok(m->fpstate, 512, false) && !(m->fpstate & 15))
		__asm__ volatile("fxrstor64 (%0)" ::"r"(m->fpstate) : "memory");
	struct lx_regs r;
	memcpy(&r, m, sizeof(r)); /* struct lx_regs is sigcontext's first 18 words */
	r.rflags = (m->eflags & RFLAGS_USER) | RFLAGS_IF | RFLAGS_FIXED;
	frame_set(me, &r);
	me->sigmask = uc->sigmask & ~UNBLOCKABLE;
	return (long)m->rax;
}

/* Send sig to every live process of group pgid (from the console's Ctrl-C, say). */
void lx_signal_group(int pgid, int sig)
{
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *p = &LX_SH->procs[i];
		if (p->state != LX_PROC_LIVE || p->pgid != pgid)
			continue;
		job_control(p, sig);
		if (p == lx_me) {
			lx_signal_send(NULL, sig, SI_KERNEL);
		} else {
			if (!(p->pending & BIT(sig)))
				lx_signal_note(p, sig, SI_KERNEL, 0);
			p->pending |= BIT(sig);
			lx_proc_wake(p);
			if (p->main_ktid > 0)
				sys_thread_kick(p->main_ktid);
		}
	}
}

/*
 * Send sig to process pid, to a process group (pid 0: ours, -pgid), or to
 * every process but init and the caller (-1), where the caller may signal
 * them (lx_cred_may_signal). 0, -EINVAL, -ESRCH (none), -EPERM (none it may).
 */
long lx_sys_kill(long pid, long sig)
{
	pid = (int)pid;
	sig = (int)sig;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	int pgid = pid == 0 ? lx_me->pgid : pid < -1 ? (int)-pid : 0, found = 0, hit = 0;
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *p = &LX_SH->procs[i];
		if (p->state != LX_PROC_LIVE || !(pid == -1 || p->pid == pid || (pgid && p->pgid == pgid)))
			continue;
		if (pid == -1 && (p->pid == 1 || p == lx_me))
			continue; /* kill(-1): everyone it may signal but init and itself */
		found++;
		if (!lx_cred_may_signal(p, (int)sig))
			continue;
		hit++;
		if (sig == 0)
			continue;
		job_control(p, (int)sig);
		if (p == lx_me) {
			lx_signal_send(NULL, (int)sig, SI_USER);
		} else {
			if (!(p->pending & BIT(sig)))
				lx_signal_note(p, (int)sig, SI_USER, 0);
			p->pending |= BIT(sig);
			lx_proc_wake(p);
			if (p->main_ktid > 0)
				sys_thread_kick(p->main_ktid); /* works for our children; others see it at their next syscall */
		}
	}
	return hit ? 0 : found ? -EPERM : -ESRCH;
}

long lx_sys_tkill(long tid, long sig)
{
	struct lx_thread *t = lx_thread_by_tid((int)tid);
	sig = (int)sig;
	return t ? lx_signal_send(t, (int)sig, SI_TKILL) : -ESRCH;
}

long lx_sys_tgkill(long tgid, long tid, long sig)
{
	return (int)tgid == lx_pid ? lx_sys_tkill((int)tid, sig) : -ESRCH;
}

/* Wait with mask for a signal that runs a handler; always -EINTR. */
long lx_sys_rt_sigsuspend(long set, long size)
{
	struct lx_thread *me = lx_self();
	uint64_t mask;
	if (size != 8)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)set, 8, false))
		return -EFAULT;
	memcpy(&mask, (const void *)set, 8);
	uint64_t old = me->sigmask;
	me->sigmask = mask & ~UNBLOCKABLE;
	while (!lx_signal_interrupts())
		lx_thread_wait(TIMEOUT_FOREVER);
	me->saved_mask = old; /* restored by the frame the handler returns over */
	me->has_saved_mask = true;
	return -EINTR;
}

/* pause: wait for a signal that does something; always -EINTR. */
long lx_sys_pause(void)
{
	while (!lx_signal_interrupts())
		lx_thread_wait(TIMEOUT_FOREVER);
	return -EINTR;
}

/* Take one signal of set, waiting up to a timeout; its number, or -EAGAIN. */
long lx_sys_rt_sigtimedwait(long set, long info, uint64_t uts, long size)
{
	uint64_t want, ns = TIMEOUT_FOREVER;
	if (size != 8)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)set, 8, false) || (info && !mem_user_ok((uint64_t)info, 128, true)))
		return -EFAULT;
	memcpy(&want, (const void *)set, 8);
	if (uts) {
		struct linux_timespec ts;
		if (!mem_user_ok((uint64_t)uts, sizeof(ts), false))
			return -EFAULT;
		memcpy(&ts, (const void *)uts, sizeof(ts));
		ns = (uint64_t)ts.tv_sec * 1000000000UL + (uint64_t)ts.tv_nsec;
	}
	uint64_t deadline = ns == TIMEOUT_FOREVER ? ns : clock_ns() + ns;
	for (;;) {
		int sig = lx_signal_take(want);
		if (sig) {
			if (info) {
				struct lx_sigfrom from = lx_signal_from(sig);
				struct linux_siginfo si = { .signo = sig, .code = from.code };
				si.u.chld = (typeof(si.u.chld)){ from.pid, (int32_t)from.uid, from.status };
				memcpy((void *)info, &si, sizeof(si));
			}
			return sig;
		}
		uint64_t now = clock_ns();
		if (now >= deadline)
			return -EAGAIN;
		lx_thread_wait(deadline == TIMEOUT_FOREVER ? deadline : deadline - now);
	}
}
