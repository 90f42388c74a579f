/* Processes: pids, fork with copy-on-write over the kernel's page tables, wait4, execve, exit. */
#include "libos/lx/lx.h"
#include "libos/lx/net.h"
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"
#include "lib/elf.h"

/*
 * A process is a Mica environment, a child of the one that forked it. fork
 * walks the parent's page tables (through the read-only window), shares
 * lx's common pages with the child, gives it fresh exception stacks, and
 * maps every other writable page copy-on-write in both: read-only, marked
 * PTE_COW, copied on the first write (mem_cow_fault). The child starts in
 * lx_clone_entry on the same syscall frame and returns 0. The process table
 * (pids, parents, exit statuses) is in the shared header, so wait4 sees the
 * status a child left there when it ended.
 */

LX_FORKED int lx_pid = 1;
LX_FORKED struct lx_proc *lx_me;
LX_FORKED struct lx_fork lx_fork;
extern char lx_text_start[], lx_end[], lx_syscall_entry[], lx_clone_entry[], exc_upcall[];

static struct lx_proc *proc_of(int pid)
{
	if (lx_me && lx_me->pid == pid && lx_me->state != LX_PROC_FREE)
		return lx_me; /* this process, the one most asked for, found without a walk */
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state != LX_PROC_FREE && LX_SH->procs[i].pid == pid)
			return &LX_SH->procs[i];
	return NULL;
}

/* Give p's slot back (its program path, arguments, descriptor table and cwd too). */
static void proc_free(struct lx_proc *p)
{
	lx_free(p->exe);
	lx_free(p->args);
	lx_free(p->fds);
	lx_free(p->tids);
	lx_free(p->sigfrom);
	lx_waitq_wake(&p->ended); /* gives back what its queue grew */
	lx_waitq_free(&p->ended); /* and lets go of the epoll interests that hang on it: the slot is made anew */
	p->tids = NULL;
	p->ntids = 0;
	p->sigfrom = NULL;
	lx_waitq_free(&p->wake);
	if (p->cwd)
		inode_release(p->cwd);
	p->exe = p->args = NULL;
	p->fds = NULL;
	p->cwd = NULL;
	if (p->root)
		inode_release(p->root);
	p->root = NULL;
	p->state = LX_PROC_FREE;
}

/* The process whose pid is pid (live or a zombie), or NULL. */
struct lx_proc *lx_proc_of(int pid)
{
	return pid > 0 ? proc_of(pid) : NULL;
}

static struct lx_proc *proc_new(void)
{
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state == LX_PROC_FREE)
			return &LX_SH->procs[i];
	return NULL;
}

/* Record the first process (pid 1, this environment). */
void lx_process_init(void);
void lx_process_init(void)
{
	LX_SH->fg_pgrp = 1;
	LX_SH->procs[0] = (struct lx_proc){ .pid = 1, .ppid = 0, .pgid = 1, .sid = 1, .state = LX_PROC_LIVE, .env = ENVINFO->id,
					    .main_ktid = sys_thread_self(), .start_ns = clock_ns(), .comm = "init",
					    .stack_low = LX_STACK_TOP };
	lx_me = &LX_SH->procs[0];
	lx_rewrite_process();
	lx_me->tids = lx_alloc(LX_TIDS_FIRST * sizeof(int));
	lx_me->ntids = lx_me->tids ? LX_TIDS_FIRST : 0;
	lx_me->sigfrom = lx_alloc((NSIG + 1) * sizeof(struct lx_sigfrom));
	lx_rlimits_init();
}

/* ---- fork ---- */

/* The forking thread's exception stack, fresh in the child (map_cow leaves PTE_NOCOPY pages out), in one call. */
static long child_xstack(long child, uint64_t top)
{
	long n = XSTACK_SIZE / PAGE_SIZE, r = sys_page_alloc_range(child, top - XSTACK_SIZE, n, LX_OWN_PERM | PTE_NOCOPY);
	return r < 0 ? r : r == n ? 0 : -E_NOMEM;
}

/* A forked child's arguments and environment, as /proc shows them: a copy of this process's (none when out of memory). */
static void proc_copy_args(struct lx_proc *child)
{
	size_t n = lx_me->argv_len + lx_me->env_len;
	child->args = lx_me->args && n ? lx_alloc(n) : NULL;
	if (child->args) {
		memcpy(child->args, lx_me->args, n);
		child->argv_len = lx_me->argv_len;
		child->env_len = lx_me->env_len;
	}
}

/* Make the child env: its address space, its upcall entry and libOS range, its first thread. */
static long fork_env(struct lx_proc *p)
{
	long child = sys_env_create();
	if (child < 0)
		return child;
	struct lx_thread *me = lx_self();
	/* it starts on its own, fresh exception stack: every other private page is copy-on-write */
	uint64_t xtop = LX_SLOT_XSTACK_OF(me->stack_top);
	/* only where there is something: the program's areas, then lx's own regions (the shared
	 * header and heap are PTE_SHARE, the exception stacks PTE_NOCOPY); walking every table of the
	 * whole space costs more than the pages themselves. Of lx's stacks only the forking thread's:
	 * no other thread lives on in the child, and a slot's stack is mapped afresh when used */
	extern char lx_end[];
	const uint64_t regions[][2] = {
		{ LX_BASE, PGROUNDUP_U((uint64_t)lx_end) },
		{ LX_THREADS, lx_threads_end() },
		{ LX_SLOT_XSTACK_OF(me->stack_top), me->stack_top },
		{ LX_HEAP, LX_SH->heap_mapped },
		{ LX_SHARED, LX_SHARED_END },
		{ ROOT_STACK_TOP - ROOT_STACK_PAGES * PAGE_SIZE, ROOT_STACK_TOP },
		{ UBOOT, UENV },
	};
	struct cow_batch batch = { .child = child };
	long r = mem_map_cow(&batch);
	for (size_t i = 0; r == 0 && i < sizeof(regions) / sizeof(regions[0]); i++)
		r = cow_batch_add(&batch, regions[i][0], regions[i][1]);
	if (r == 0)
		r = cow_batch_flush(&batch);
	if (r == 0)
		r = child_xstack(child, xtop);
	if (r == 0)
		r = sys_env_set_upcall(child, UPCALL_EXCEPTION, (uint64_t)exc_upcall);
	if (r == 0)
		r = sys_env_set_upcall(child, UPCALL_REVOKE, (uint64_t)exc_upcall);
	if (r == 0)
		r = sys_env_set_libos(child, (uint64_t)lx_text_start, (uint64_t)lx_end, (uint64_t)lx_syscall_entry);
	if (r == 0)
		lx_pkey_child(child);
	if (r == 0)
		r = blkdev_fork(child); /* the disks this process holds */
	if (r == 0)
		r = sys_env_start(child, (uint64_t)lx_clone_entry, xtop - 64, (uint64_t)me);
	if (r < 0) {
		sys_env_destroy(child);
		return r;
	}
	p->env = (uint64_t)child;
	return 0;
}

/* The threads of p, as RLIMIT_NPROC counts them: a zombie's one, a live process's program threads. */
static uint64_t proc_tasks(const struct lx_proc *p)
{
	uint64_t n = 0;
	for (int s = 0; p->state == LX_PROC_LIVE && s < p->ntids; s++)
		n += p->tids[s] != 0;
	return n ? n : 1;
}

/*
 * May this process's real user have one more thread, or process, under
 * RLIMIT_NPROC? Linux counts every thread of the user's processes, zombies
 * included (one each). Root is not held to it, as on Linux.
 */
bool lx_nproc_allows(void)
{
	uint64_t lim = lx_rlimit(RLIMIT_NPROC), n = 0;
	if (lim == RLIM_INFINITY || lx_cred_privileged())
		return true;
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state != LX_PROC_FREE && LX_SH->procs[i].uid == lx_me->uid)
			n += proc_tasks(&LX_SH->procs[i]);
	return n < lim;
}

/*
 * fork: a new process, a copy of this one, returning 0 in it and its pid
 * here; -EAGAIN past RLIMIT_NPROC or the table. In the parent: a table
 * entry, a copy of the area list (mem_fork_copy), one more reference to
 * every open file (vfs_fork) and shared mapping of a volume file
 * (vol_maps_fork), the hand-over (lx_fork), then the child's
 * environment (fork_env); a failure undoes them in reverse. The child goes
 * on in lx_process_fork_child.
 */
long lx_fork_process(uint64_t child_sp, uint64_t ctid, bool ctid_clear)
{
	console_start_helper(); /* pid 1's first fork: from now on console readers may be anywhere */
	stream_start_helper(); /* and stream readers and writers */
	net_start_helper(); /* and the network's sockets */
	if (!lx_modes.multi) {
		lx_modes.multi = true; /* from now on lx is shared with other processes: every entry locks */
		lx_lock();
	}
	struct lx_proc *p = lx_nproc_allows() ? proc_new() : NULL;
	if (!p)
		return -EAGAIN;
	long r;
	struct vma *copy = mem_fork_copy(&r);
	if (r < 0) {
		p->state = LX_PROC_FREE;
		return r;
	}
	*p = (struct lx_proc){ .pid = LX_SH->next_pid++, .ppid = lx_pid, .pgid = lx_me->pgid, .sid = lx_me->sid,
			       .state = LX_PROC_LIVE, .exe = lx_me->exe ? lx_strdup(lx_me->exe) : NULL, .uid = lx_me->uid, .suid = lx_me->suid,
			       .vmas = copy, .brk_base = lx_me->brk_base, .brk_cur = lx_me->brk_cur, .stack_low = lx_me->stack_low,
			       .start_ns = clock_ns(),
			       .tids = lx_alloc(LX_TIDS_FIRST * sizeof(int)),
			       .sigfrom = lx_alloc((NSIG + 1) * sizeof(struct lx_sigfrom)) };
	p->ntids = p->tids ? LX_TIDS_FIRST : 0;
	memcpy(p->comm, lx_me->comm, sizeof(p->comm));
	memcpy(p->rlimits, lx_me->rlimits, sizeof(p->rlimits));
	proc_copy_args(p);
	if ((r = vfs_fork(p)) < 0) {
		mem_fork_abandon(copy);
		proc_free(p);
		return r;
	}
	vol_maps_fork();
	lx_fork = (struct lx_fork){ .from = ENVINFO->id, .child_pid = p->pid, .vmas = copy, .child_sp = child_sp,
				    .ctid = ctid, .ctid_clear = ctid_clear };
	r = fork_env(p);
	if (r < 0) {
		lx_fork = (struct lx_fork){ 0 };
		mem_fork_abandon(copy);
		vol_maps_fork_abandon();
		vfs_fork_abandon(p);
		proc_free(p);
		return lx_errno(r);
	}
	/*
	 * The child runs first, with lx's lock let go: a child that execs or
	 * exits at once (a shell's, a spawn's) then drops its hold on the pages
	 * the two share before the parent writes them again, and the parent's
	 * first writes find them its own, with nothing to copy. (lx_fork is
	 * left as it is: the child has its copy, and the next fork writes it.)
	 */
	int depth = lx_lock_drop();
	sys_yield((long)p->env);
	lx_lock_take(depth);
	return p->pid;
}

long lx_sys_fork(void)
{
	return lx_fork_process(0, 0, false);
}

/* vfork is fork here: the parent does not wait for the child's exec (copy-on-write makes that cheap). */
long lx_sys_vfork(void)
{
	return lx_sys_fork();
}

/*
 * The forked child's first thread, me, before anything else (from
 * lx_thread_setup): the child takes the hand-over out of its copy of memory,
 * and then each part makes its copy of the parent's state the child's own,
 * in this order:
 *   1. the process: its pid and table entry; the fork is over (lx_fork empty)
 *   2. threads: only me lives on, without the parent's kernel objects
 *   3. what clone asked for: me on the child's stack, its tid at ctid
 *   4. with the lock: memory (the area list, parked pages, the shared
 *      mappings of volume files), devices (the
 *      console's interrupt stays with pid 1), signals (none pending), timers
 *      (none)
 */
void lx_process_fork_child(struct lx_thread *me)
{
	struct lx_fork f = lx_fork;
	lx_fork = (struct lx_fork){ 0 };
	lx_pid = f.child_pid;
	lx_me = proc_of(lx_pid);
	lx_rewrite_process();
	lx_threads_fork_child(me);
	lx_me->main_ktid = me->kernel_tid;
	if (f.child_sp)
		me->user_rsp = f.child_sp;
	if (f.ctid) {
		*(volatile uint32_t *)f.ctid = (uint32_t)me->tid;
		if (f.ctid_clear)
			me->clear_tid = f.ctid;
	}
	lx_lock();
	mem_fork_child(f.vmas);
	vol_maps_fork_child(f.from);
	dev_fork_child();
	lx_signal_fork_child();
	lx_itimer_fork_child();
	lx_unlock();
}

/* ---- exit and wait ---- */

/* The parent that live process m has once process gone has ended (its children go to pid 1), or NULL. */
static struct lx_proc *parent_after(struct lx_proc *m, int gone)
{
	struct lx_proc *p = proc_of(gone && m->ppid == gone ? 1 : m->ppid);
	return p && p->state == LX_PROC_LIVE && p->pid != gone ? p : NULL;
}

/*
 * POSIX's rule, and Linux's, except that pid 1 counts as a parent like any
 * other (it is often the program or its shell, in its own session).
 */
bool lx_pgrp_orphaned(int pgid, int gone)
{
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *m = &LX_SH->procs[i], *p;
		if (m->state != LX_PROC_LIVE || m->pgid != pgid || m->pid == gone || !(p = parent_after(m, gone)))
			continue;
		if (p->pgid != pgid && p->sid == m->sid)
			return false;
	}
	return true;
}

/* Does group pgid have a stopped member other than process gone? */
static bool pgrp_stopped(int pgid, int gone)
{
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *m = &LX_SH->procs[i];
		if (m->state == LX_PROC_LIVE && m->pgid == pgid && m->pid != gone && m->stopped)
			return true;
	}
	return false;
}

/* Group pgid, which me's end may orphan: SIGHUP then SIGCONT if it does and a member is stopped (POSIX). */
static void hangup_if_orphaned(int pgid, struct lx_proc *me)
{
	if (lx_pgrp_orphaned(pgid, me->pid) && pgrp_stopped(pgid, me->pid)) {
		lx_signal_group(pgid, SIGHUP);
		lx_signal_group(pgid, SIGCONT);
	}
}

/* me is ending: the groups it was the last link of to their session (its own; its children's) hang up. */
static void hangup_orphans(struct lx_proc *me)
{
	struct lx_proc *parent = proc_of(me->ppid);
	if (parent && parent->state == LX_PROC_LIVE && parent->pgid != me->pgid && parent->sid == me->sid)
		hangup_if_orphaned(me->pgid, me);
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *c = &LX_SH->procs[i];
		if (c->state == LX_PROC_LIVE && c->ppid == me->pid && c->pgid != me->pgid && c->sid == me->sid)
			hangup_if_orphaned(c->pgid, me);
	}
}

/* Release robust futexes, leave the status for the parent, hand children to pid 1, wake a waiting parent, and end. */
static __attribute__((noreturn)) void process_end(int wstatus, int code)
{
	if (lx_modes.multi)
		lx_lock();
	lx_robust_exit_all();
	vfs_exit();
	mem_exit();
	lx_sysvipc_exit();
	struct lx_proc *me = proc_of(lx_pid);
	if (me)
		hangup_orphans(me);
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state != LX_PROC_FREE && LX_SH->procs[i].ppid == lx_pid)
			LX_SH->procs[i].ppid = 1;
	struct lx_proc *parent = me ? proc_of(me->ppid) : NULL;
	if (me) {
		me->cpu_ns = (uint64_t)sys_cpu_time(1, 0) + me->children_ns;
		me->wstatus = wstatus;
		me->state = LX_PROC_ZOMBIE;
		lx_waitq_wake(&me->ended);
		if (!parent)
			proc_free(me);
	}
	if (parent) {
		uint64_t chld = 1UL << (SIGCHLD - 1);
		if (!(parent->pending & chld)) /* one already pending keeps its first child's, as Linux */
			lx_signal_note(parent, SIGCHLD, WTERMSIG(wstatus) ? CLD_KILLED : CLD_EXITED,
				       WTERMSIG(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
		parent->pending |= chld;
		lx_proc_wake(parent);
	}
	lx_lock_drop();
	sys_env_exit(code);
	for (;;)
		;
}

void lx_exit(int status)
{
	process_end(W_EXITCODE(status, 0), status & 0xFF);
}

void lx_exit_signal(int sig)
{
	process_end(sig, LX_SIGNALLED_STATUS(sig));
}

/* The CPU time ns as a struct rusage at urusage (all of it user time, the rest zero); 0 or -EFAULT. */
long lx_put_rusage(long urusage, uint64_t ns)
{
	struct linux_rusage ru = { .ru_utime = { (int64_t)(ns / 1000000000UL), (int64_t)(ns % 1000000000UL / 1000) } };
	if (!mem_user_ok((uint64_t)urusage, sizeof(ru), true))
		return -EFAULT;
	memcpy((void *)urusage, &ru, sizeof(ru));
	return 0;
}

/* Reap a zombie child: its status to *wstatus, its CPU time to *urusage and ours, its environment and slot freed; its pid. */
static long reap(struct lx_proc *c, long wstatus, long urusage)
{
	int pid = c->pid, st = c->wstatus;
	sys_env_wait((long)c->env);
	proc_free(c);
	lx_me->children_ns += c->cpu_ns;
	if (wstatus)
		memcpy((void *)wstatus, &st, sizeof(st));
	if (urusage)
		lx_put_rusage(urusage, c->cpu_ns);
	return pid;
}

/*
 * Has live child c's environment ended without its lx (the kernel ends an
 * env whose fault it cannot deliver, or one that made the env_exit kernel
 * call itself)? Then it ended as if killed: by the signal its status names
 * (128 + N), else SIGKILL. Asked of the kernel, which keeps the env's
 * status until it is reaped.
 */
static void check_ended(struct lx_proc *c)
{
	long st = c->env ? sys_env_status((long)c->env) : -E_AGAIN;
	if (st < 0)
		return;
	c->wstatus = st > LX_SIGNALLED_STATUS(0) && st <= LX_SIGNALLED_STATUS(NSIG) ? (int)(st - LX_SIGNALLED_STATUS(0)) : SIGKILL;
	c->cpu_ns = 0;
	c->state = LX_PROC_ZOMBIE;
	lx_waitq_wake(&c->ended);
}

/*
 * A child that ended, among those pid names as wait4 reads it (> 0 that one,
 * -1 any, 0 our group, < -1 that group), waiting for one unless nohang.
 * NULL with *err: 0 (nohang and none yet), -ECHILD (no such child), -EINTR.
 */
static struct lx_proc *wait_for(int pid, int options, long *err)
{
	bool nohang = options & WNOHANG;
	for (int round = 0;; round++) {
		bool any = false;
		for (int i = 0; i < LX_MAX_PROCS; i++) {
			struct lx_proc *c = &LX_SH->procs[i];
			if (c->state == LX_PROC_FREE || c->ppid != lx_pid || (pid > 0 && c->pid != pid) ||
			    (pid < -1 && c->pgid != -pid) || (pid == 0 && c->pgid != lx_me->pgid))
				continue;
			any = true;
			if (c->state == LX_PROC_LIVE && round > 0) /* still running after a wait: or gone unseen? */
				check_ended(c);
			if (c->state == LX_PROC_ZOMBIE || ((options & WUNTRACED) && c->stop_report) ||
			    ((options & WCONTINUED) && c->cont_report))
				return c;
		}
		*err = !any ? -ECHILD : nohang ? 0 : lx_signal_interrupts() ? -EINTR : 1;
		if (*err != 1)
			return NULL;
		lx_thread_wait(100000000UL);
	}
}

long lx_sys_wait4(long pid, long wstatus, long options, long rusage)
{
	long err;
	options = (int)options; /* pid_t and the options are ints: the upper halves of the registers are not ours */
	if ((wstatus && !mem_user_ok((uint64_t)wstatus, 4, true)) || (rusage && !mem_user_ok((uint64_t)rusage, sizeof(struct linux_rusage), true)))
		return -EFAULT;
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE))
		return -EINVAL;
	struct lx_proc *c = wait_for((int)pid, (int)options, &err);
	if (c && c->state != LX_PROC_ZOMBIE) { /* stopped or continued: reported once, not reaped */
		int st = (options & WUNTRACED) && c->stop_report ? c->stop_report : W_NOREPORT;
		if (st == W_NOREPORT)
			c->cont_report = false;
		else
			c->stop_report = 0;
		if (wstatus)
			memcpy((void *)wstatus, &st, sizeof(st));
		if (rusage)
			lx_put_rusage(rusage, 0);
		return c->pid;
	}
	return c ? reap(c, wstatus, rusage) : err;
}

/* waitid: as wait4, with the child's end told in a siginfo (WNOWAIT leaves it waitable). */
long lx_sys_waitid(long idtype, long id, uint64_t uinfo, long options, long rusage)
{
	long err;
	int type = (int)idtype, pid = type == P_ALL ? -1 : type == P_PID ? (int)id : type == P_PGID ? (id ? -(int)id : 0) : -2;
	bool nonblock = false; /* P_PIDFD of a pidfd opened O_NONBLOCK: EAGAIN rather than a wait */
	options = (int)options;
	if (type == P_PIDFD) {
		if ((int)id < 0)
			return -EINVAL;
		if ((err = lx_pidfd_pid((int)id, &nonblock)) < 0)
			return err;
		pid = (int)err;
	}
	if (pid == -2 || (type == P_PID && id <= 0) || !(options & WEXITED) ||
	    (options & ~(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | __WALL | __WCLONE)))
		return -EINVAL;
	if ((uinfo && !mem_user_ok(uinfo, sizeof(struct linux_siginfo), true)) ||
	    (rusage && !mem_user_ok((uint64_t)rusage, sizeof(struct linux_rusage), true)))
		return -EFAULT;
	struct lx_proc *c = wait_for(pid, (int)((options | (nonblock ? WNOHANG : 0)) & ~WUNTRACED & ~WCONTINUED), &err);
	if (uinfo)
		memset((void *)uinfo, 0, sizeof(struct linux_siginfo));
	if (!c)
		return err == 0 && nonblock && !(options & WNOHANG) ? -EAGAIN : err;
	if (uinfo) {
		struct linux_siginfo *si = (struct linux_siginfo *)uinfo;
		int st = c->wstatus;
		si->signo = SIGCHLD;
		si->code = WTERMSIG(st) ? CLD_KILLED : CLD_EXITED;
		si->u.chld.pid = c->pid;
		si->u.chld.status = WTERMSIG(st) ? WTERMSIG(st) : WEXITSTATUS(st);
	}
	if (!(options & WNOWAIT))
		reap(c, 0, rusage);
	else if (rusage)
		lx_put_rusage(rusage, c->cpu_ns);
	return 0;
}

/* ---- ids ---- */
long lx_sys_getpid(void)
{
	return lx_pid;
}

long lx_sys_getppid(void)
{
	return lx_me->ppid;
}

long lx_sys_getpgid(long pid)
{
	pid = (int)pid;
	struct lx_proc *p = proc_of(pid == 0 ? lx_pid : (int)pid);
	return p ? p->pgid : -ESRCH;
}

long lx_sys_getpgrp(void)
{
	return lx_sys_getpgid(0);
}

long lx_sys_setpgid(long pid, long pgid)
{
	pid = (int)pid;
	pgid = (int)pgid;
	struct lx_proc *p = proc_of(pid == 0 ? lx_pid : (int)pid);
	if (!p || (p->pid != lx_pid && p->ppid != lx_pid))
		return -ESRCH;
	if (pgid < 0)
		return -EINVAL;
	p->pgid = pgid == 0 ? p->pid : (int)pgid;
	return 0;
}

long lx_sys_getsid(long pid)
{
	struct lx_proc *p = proc_of((int)pid == 0 ? lx_pid : (int)pid);
	return p ? p->sid : -ESRCH;
}

/* setsid: a new session and process group led by the caller; EPERM if it leads a group already. */
long lx_sys_setsid(void)
{
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state != LX_PROC_FREE && LX_SH->procs[i].pgid == lx_pid)
			return -EPERM;
	lx_me->sid = lx_me->pgid = lx_pid;
	return lx_pid;
}

/* Is there a live process in group pgid? */
bool lx_pgrp_exists(int pgid)
{
	for (int i = 0; i < LX_MAX_PROCS; i++)
		if (LX_SH->procs[i].state == LX_PROC_LIVE && LX_SH->procs[i].pgid == pgid)
			return true;
	return false;
}

/* ---- execve ---- */

static void free_strings(char **v)
{
	for (int i = 0; v && v[i]; i++)
		lx_free(v[i]);
	lx_free(v);
}

/* The number of pointers before the NULL ending the program's vector at uv (0 for a NULL uv), or -EFAULT, -E2BIG. */
static long count_strings(long uv, uint64_t room)
{
	long n = 0;
	for (uint64_t p = 1; uv; n++) {
		if (copy_from_user(&p, (uint64_t)uv + (uint64_t)n * sizeof(p), sizeof(p)) < 0)
			return -EFAULT;
		if (!p)
			break;
		if ((uint64_t)(n + 1) * sizeof(p) > room)
			return -E2BIG;
	}
	return n;
}

/*
 * Copy the program's NULL-terminated vector of strings at uv into lx's heap,
 * as Linux takes execve's arguments: each string and its pointer come out of
 * *room (what is left of lx_arg_room()), and a string may not be longer than
 * LX_ARG_STRLEN. Each string is measured first and copied into a block of
 * its own size. The vector, or NULL with *err: -EFAULT, -E2BIG, -ENOMEM.
 */
static char **copy_strings(long uv, uint64_t *room, long *err)
{
	long n = count_strings(uv, *room);
	char **v = n < 0 ? NULL : lx_alloc((size_t)(n + 1) * sizeof(char *));
	if (!v) {
		*err = n < 0 ? n : -ENOMEM;
		return NULL;
	}
	for (long i = 0; i < n; i++) {
		uint64_t s;
		long len = copy_from_user(&s, (uint64_t)uv + (uint64_t)i * sizeof(s), sizeof(s)) < 0 ? -EFAULT :
			   strncpy_from_user(NULL, s, LX_ARG_STRLEN);
		if (len >= 0 && (len == LX_ARG_STRLEN || (uint64_t)len + 1 + sizeof(s) > *room))
			len = -E2BIG;
		if (len >= 0 && !(v[i] = lx_alloc((size_t)len + 1)))
			len = -ENOMEM;
		if (len >= 0 && copy_from_user(v[i], s, (size_t)len + 1) < 0)
			len = -EFAULT;
		if (len < 0) {
			*err = len;
			free_strings(v);
			return NULL;
		}
		*room -= (uint64_t)len + 1 + sizeof(s);
	}
	return v;
}

/* execve's path, arguments and environment into lx's heap (NULL-terminated vectors); 0, -EFAULT, -E2BIG, -ENOMEM... */
static long exec_args(long upath, long uargv, long uenvp, char **path, char ***argv, char ***envp)
{
	char *scratch = lx_alloc_raw(LX_PATH_MAX); /* path_copy fills it as far as it is read */
	long err = scratch ? path_copy((const char *)upath, scratch) : -ENOMEM;
	uint64_t room = lx_arg_room();
	*path = NULL, *argv = *envp = NULL;
	if (err == 0 && !(*path = lx_strdup(scratch)))
		err = -ENOMEM;
	if (err == 0)
		room -= strlen(*path) + 1;
	if (err == 0)
		*argv = copy_strings(uargv, &room, &err);
	if (err == 0)
		*envp = copy_strings(uenvp, &room, &err);
	lx_free(scratch);
	return err;
}

/*
 * If *path is a script ("#!INTERP [ARG]" on its first line), make the call
 * run INTERP instead, as Linux does: *argv becomes INTERP [ARG] PATH and the
 * script's arguments after argv[0]. 1 if it was a script, 0 if not, or -errno.
 */
#define SHEBANG_MAX 256
static long shebang(char **path, char ***argv)
{
	long err = 0;
	struct file *f = vfs_open_exec(*path, &err);
	if (!f)
		return err;
	char line[SHEBANG_MAX];
	long n = f->ops->pread ? f->ops->pread(f, line, sizeof(line) - 1, 0) : 0;
	file_put(f);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	line[n] = 0;
	char *nl = strchr(line, '\n');
	if (!nl && n == (long)sizeof(line) - 1)
		return -ENOEXEC; /* the line is too long to be understood */
	if (nl)
		*nl = 0;
	char *interp = line + 2;
	while (*interp == ' ' || *interp == '\t')
		interp++;
	char *arg = interp;
	while (*arg && *arg != ' ' && *arg != '\t')
		arg++;
	if (*arg)
		*arg++ = 0;
	while (*arg == ' ' || *arg == '\t')
		arg++;
	for (char *e = arg + strlen(arg); e > arg && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); )
		*--e = 0;
	if (!*interp)
		return -ENOEXEC;
	int argc = 0;
	while ((*argv)[argc])
		argc++;
	char **v = lx_alloc((size_t)(argc + 3) * sizeof(char *));
	char *ip = lx_strdup(interp), *ip2 = lx_strdup(interp), *ap = *arg ? lx_strdup(arg) : NULL;
	if (!v || !ip || !ip2 || (*arg && !ap)) {
		lx_free(v), lx_free(ip), lx_free(ip2), lx_free(ap);
		return -ENOMEM;
	}
	int k = 0;
	v[k++] = ip;
	if (ap)
		v[k++] = ap;
	v[k++] = *path;
	for (int i = 1; i < argc; i++)
		v[k++] = (*argv)[i];
	v[k] = NULL;
	if (argc > 0)
		lx_free((*argv)[0]);
	lx_free(*argv);
	*argv = v;
	*path = ip2;
	return 1;
}

/* comm[16]: the last component of path, at most 15 bytes, as Linux names a process after exec. */
static void comm_of(const char *path, char *comm)
{
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	strlcpy(comm, base, 16);
}

/* Strings of v, each with its NUL, appended to buf at *len (buf NULL: only counted). */
static void put_strings(char *const v[], char *buf, uint32_t *len)
{
	for (int i = 0; v[i]; i++) {
		size_t n = strlen(v[i]) + 1;
		if (buf)
			memcpy(buf + *len, v[i], n);
		*len += (uint32_t)n;
	}
}

void lx_proc_exec_record(const char *file, char *const argv[], char *const envp[])
{
	uint32_t alen = 0, elen = 0;
	put_strings(argv, NULL, &alen);
	put_strings(envp, NULL, &elen);
	char *args = lx_alloc(alen + elen + 1);
	lx_free(lx_me->args);
	lx_me->args = args;
	lx_me->argv_len = lx_me->env_len = 0;
	if (args) {
		put_strings(argv, args, &lx_me->argv_len);
		put_strings(envp, args + alen, &lx_me->env_len);
	}
	comm_of(file, lx_me->comm);
}

long lx_sys_execve(uint64_t upath, uint64_t uargv, uint64_t uenvp)
{
	char *path, **argv, **envp, comm[16] = "";
	long err = exec_args(upath, uargv, uenvp, &path, &argv, &envp);
	if (path)
		comm_of(path, comm); /* a script's name, not its interpreter's */
	for (int depth = 0; err == 0; depth++) { /* scripts, up to 4 deep as on Linux */
		long r = depth < 5 ? shebang(&path, &argv) : -ELOOP;
		if (r <= 0) {
			err = r;
			break;
		}
	}
	if (!path || !argv || !envp || err < 0 || (err = lx_check_program(path)) < 0) {
		lx_free(path);
		free_strings(argv);
		free_strings(envp);
		return err < 0 ? err : -ENOMEM;
	}
	if (lx_nthreads() > 1)
		lx_threads_end_others(); /* as Linux: the program's other threads end at exec */
	lx_robust_exit_all();
	mem_exec_reset();
	lx_sysvipc_exec();
	vfs_close_on_exec();
	lx_signal_exec();
	uint64_t entry, sp;
	long r = lx_load(path, argv, envp, &entry, &sp);
	if (r == 0)
		lx_proc_exec_record(comm, argv, envp);
	lx_free(path);
	free_strings(argv);
	free_strings(envp);
	if (r < 0)
		lx_exit_signal(SIGSEGV); /* past the point of no return */
	lx_self()->fs = 0;
	lx_thread_set_tid(lx_self(), lx_pid); /* the thread that execs becomes the process's first: its tid is the pid */
	lx_lock_drop();
	lx_start(entry, sp);
}
