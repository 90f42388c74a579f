/* Processes: the process table's entries, this process, exit, fork's hand-over, process groups. (process.c) */
#ifndef LX_PROCESS_H
#define LX_PROCESS_H

/* Who sent a pending signal (signal.c): what a handler's siginfo, sigtimedwait and signalfd report. */
struct lx_sigfrom {
	int pid; /* the sender, 0 for the kernel */
	uint32_t uid; /* its real user id */
	int code; /* si_code */
	int status; /* SIGCHLD: the child's exit code or signal */
};
/* A process of this lx instance. */
#define LX_MOUNTS_IN 8 /* mounts a path lookup, or a cwd, remembers being inside (mount.c) */
struct lx_mount;
struct lx_proc {
	int pid, ppid, pgid, sid;
	int state; /* LX_PROC_FREE, _LIVE, _ZOMBIE */
	int wstatus; /* for wait4: exit code << 8, or the signal */
	uint64_t env; /* its Mica environment */
	long ntfn; /* unused */
	volatile uint64_t pending; /* signals sent to the whole process (kill, SIGCHLD) */
	struct lx_waitq wake; /* its threads waiting in lx, to wake for a signal or a child (lx_proc_wake) */
	struct lx_waitq ended; /* threads of any process polling a pidfd of it, woken when it ends (pidfd.c) */
	long main_ktid; /* kernel id of its first thread, to interrupt for a signal */
	bool stopped; /* stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU until SIGCONT */
	int stop_report; /* for wait4 WUNTRACED: sig << 8 | 0x7f, or 0 */
	bool cont_report; /* for wait4 WCONTINUED */
	uint64_t cpu_ns; /* ended: the CPU time it and its waited-for children used, for its parent's wait4 */
	uint64_t children_ns; /* the cpu_ns of the children it has reaped (RUSAGE_CHILDREN, times' cutime) */
	char *exe; /* its program's absolute path, links resolved (/proc/self/exe), in lx's heap; or NULL */
	uint32_t uid; /* its real user id, whose processes RLIMIT_NPROC counts (and kill checks) */
	uint32_t suid; /* its saved user id, which kill checks */
	/* What /proc shows of it, kept here (not in its own memory) so that every process can read it (procfs_pid.c) */
	struct fdent *fds; /* its descriptor table, fd_cap entries (at most LX_NFD) in lx's heap (file.c) */
	int fd_cap;
	int fd_end; /* one past the highest descriptor it has had open: the table's entries from here on are empty */
	int fd_low; /* every descriptor below it is open: where the search for the lowest free one starts */
	struct vma *vmas; /* its memory areas, sorted by address (mem.c) */
	uint64_t brk_base, brk_cur; /* its program break (mem.c) */
	uint64_t stack_low; /* the lowest page of its stack touched (mem.c) */
	struct inode *cwd; /* its working directory, held (vfs_path.c) */
	struct lx_mount *cwd_in[LX_MOUNTS_IN]; /* the mounts its cwd is inside, innermost last, as chdir crossed them */
	int cwd_nin;
	struct inode *root; /* its root (chroot), held; NULL: lx's root (mount.c) */
	char *args; /* its argv strings then its envp strings, each with its NUL, as exec gave them (lx's heap) */
	uint32_t argv_len, env_len; /* bytes of each in args */
	char comm[16]; /* its name: exec's file name or PR_SET_NAME's, at most 15 bytes and a NUL */
	uint64_t start_ns; /* when it was made: clock_ns() */
	struct lx_sigfrom *sigfrom; /* by signal number, NSIG + 1 entries in lx's heap (signal.c); NULL: not known */
	int *tids; /* its program threads' ids by slot, ntids of them in lx's heap (thread.c), 0 where none; NULL: not known */
	int ntids; /* entries of tids: grown as slots are used */
	struct linux_rlimit rlimits[RLIMIT_NLIMITS]; /* its limits (resource.c) */
};

enum { LX_PROC_FREE, LX_PROC_LIVE, LX_PROC_ZOMBIE };
extern int lx_pid; /* this process's pid */
#define LX_MAX_TASKS (LX_MAX_PROCS * LX_MAX_THREADS) /* threads of all processes: RLIMIT_NPROC's first value */
bool lx_nproc_allows(void); /* may this process's user have one more thread or process (RLIMIT_NPROC)? */
struct lx_proc *lx_proc_of(int pid); /* the process with that pid, live or a zombie; NULL if none */
extern struct lx_proc *lx_me; /* this process's entry in the shared table */
#define lx_process_pending (lx_me->pending) /* signals sent to the whole process */
long lx_put_rusage(long urusage, uint64_t ns); /* CPU time ns as a struct rusage (user time); 0 or -EFAULT */
/*
 * What a fork hands to its child. The parent fills it in just before it
 * makes the child's environment, whose memory is a copy of its own, and
 * empties it right after; the child's first thread finds it in its copy
 * (lx_process_fork_child).
 */
struct lx_fork {
	uint64_t from; /* the forking env's id while a fork is under way, else 0 */
	int child_pid; /* the child's pid */
	struct vma *vmas; /* the child's area list (mem_fork_copy) */
	uint64_t child_sp; /* clone with a stack: the child's rsp; else 0 */
	uint64_t ctid; /* clone with CLONE_CHILD_SETTID or _CLEARTID: where the child's tid goes; else 0 */
	bool ctid_clear; /* CLONE_CHILD_CLEARTID: and it is cleared at the child's exit */
};
extern struct lx_fork lx_fork;
/*
 * Whether this is a forked child's copy of memory that its first thread has
 * not taken over yet. An env id, not a flag: a thread of the forking process
 * that starts while the fork is under way sees its own env's id there.
 */
static inline bool lx_fork_child(void)
{
	return lx_fork.from && lx_fork.from != ENVINFO->id;
}
/* fork, or clone making a process: the child's pid here (it returns 0 in the child); -EAGAIN, -ENOMEM... */
/* After a successful load: argv and envp (copied) and file's last component as /proc shows them. */
void lx_proc_exec_record(const char *file, char *const argv[], char *const envp[]);
long lx_fork_process(uint64_t child_sp, uint64_t ctid, bool ctid_clear);
/* The status of the Mica environment of a process that a signal ended (as a shell reports it). */
#define LX_SIGNALLED_STATUS(sig) (128 + (sig))
__attribute__((noreturn)) void lx_exit_signal(int sig); /* ended by a signal's default action */
__attribute__((noreturn)) void lx_exit(int status);
__attribute__((noreturn)) void lx_start(uint64_t entry, uint64_t sp);
void lx_process_init(void);
bool lx_pgrp_exists(int pgid);
/* Is group pgid orphaned (no member's parent in another group of its session), once process gone (0: none) has ended? */
bool lx_pgrp_orphaned(int pgid, int gone);
void lx_process_fork_child(struct lx_thread *me);

#endif
