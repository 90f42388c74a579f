/* lx, the Linux personality: its internal interfaces (memory, files, processes, the syscall table). */
#ifndef LX_H
#define LX_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "mica.h"
#include "libos/lx/linux.h"
#include "libos/lx/syscall.h"

/*
 * lx is linked into a native program at LX_BASE, far above where Linux
 * programs live; its code range is registered with the kernel, so a
 * `syscall` from the program is reflected to lx_syscall_entry and a
 * `syscall` from lx is a kernel call.
 *
 *   0x7DC0_0000_0000  what the processes of one lx share (struct lx_shared, the heap's page directory)
 *   0x7D80_0000_0000  lx's heap (lx_alloc), shared by the processes too
 *   0x7D40_0000_0000  lx's own stacks (LX_STACKS)
 *   0x7D00_0000_0000  lx: text, data
 *   0x7CFF_FFFF_F000  top of the program's stack (LX_STACK_TOP)
 *   0x7C00_0000_0000  mmap area grows down from here (LX_MMAP_TOP)
 *   0x5555_5555_4000  a static-PIE program's load address
 *   0x0040_0000       a static program's usual load address; brk follows its end
 */
#define LX_BASE 0x00007D0000000000UL
#define LX_STACKS 0x00007D4000000000UL
/* LX_STACKS holds one piece per thread slot (slot 0: the first thread), its stacks' tops at these offsets */
#define LX_SLOT_SPAN 0x400000UL
#define LX_SLOT_XSTACK 0x100000UL /* the top of its exception stack (XSTACK_SIZE below) */
#define LX_SLOT_KSTACK 0x200000UL /* the top of its lx stack for syscalls (struct lx_thread's stack_top) */
#define LX_SLOT_XSTACK_OF(stack_top) ((stack_top) - LX_SLOT_KSTACK + LX_SLOT_XSTACK) /* from a thread's stack_top */
#define LX_HEAP 0x00007D8000000000UL
#define LX_HEAP_MAX (1UL << 28)
#define LX_SHARED 0x00007DC000000000UL
#define LX_HEAP_DIR (LX_SHARED + 0x10000UL) /* frame number of each heap page, for processes that fault on it */
#define LX_SHARED_END (LX_HEAP_DIR + (LX_HEAP_MAX / PAGE_SIZE) * 4)
#define LX_MAX_PROCS 64
#define LX_STACK_TOP 0x00007CFFFFFFF000UL
#define LX_STACK_MAX (8UL << 20)
#define LX_MMAP_TOP 0x00007C0000000000UL
#define LX_PIE_BASE 0x0000555555554000UL
#define LX_ARG_MAX (LX_STACK_MAX / 4) /* bytes of a program's argument and environment strings and their pointers */
#define LX_ARG_STRLEN (32 * PAGE_SIZE) /* bytes of one such string, with its NUL (Linux's MAX_ARG_STRLEN) */
#define PGROUNDUP_U(a) (((uint64_t)(a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* ---- util.c: the memory the processes of one lx share, lx's heap, messages ---- */
/*
 * Threads waiting for something (their notifications), in any process: lx_waitq_add, lx_waitq_wake.
 * Once its slots are taken a queue grows by blocks from lx_alloc, chained from more, which the next
 * wake gives back: no waiter is left out.
 */
#define LX_WAITQ_SLOTS 16
struct lx_waitq {
	long ntfn[LX_WAITQ_SLOTS];
	struct lx_waitq *more; /* NULL, or the next block */
};
/* A process of this lx instance. */
struct lx_proc {
	int pid, ppid, pgid, sid;
	int state;          /* LX_PROC_FREE, _LIVE, _ZOMBIE */
	int wstatus;        /* for wait4: exit code << 8, or the signal */
	uint64_t env;       /* its Mica environment */
	long ntfn;          /* unused */
	volatile uint64_t pending; /* signals sent to the whole process (kill, SIGCHLD) */
	struct lx_waitq wake; /* its threads waiting in lx, to wake for a signal or a child (lx_proc_wake) */
	long main_ktid;     /* kernel id of its first thread, to interrupt for a signal */
	bool stopped;       /* stopped by SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU until SIGCONT */
	int stop_report;    /* for wait4 WUNTRACED: sig << 8 | 0x7f, or 0 */
	bool cont_report;   /* for wait4 WCONTINUED */
	uint64_t cpu_ns;      /* ended: the CPU time it and its waited-for children used, for its parent's wait4 */
	uint64_t children_ns; /* the cpu_ns of the children it has reaped (RUSAGE_CHILDREN, times' cutime) */
	char *exe;            /* its program's absolute path, links resolved (/proc/self/exe), in lx's heap; or NULL */
	uint32_t uid;         /* its real user id, whose processes RLIMIT_NPROC counts */
};
enum { LX_PROC_FREE, LX_PROC_LIVE, LX_PROC_ZOMBIE };


/* At LX_SHARED, mapped into every process: the lock, the heap's state, the processes. */
struct lx_shared {
	volatile uint64_t lock_owner;  /* pid << 16 | tid, 0 when free */
	int lock_depth;
	uint64_t heap_top, heap_mapped;
	void *bins[40];
	void *free_pages;              /* lx_page_free's list */
	uint64_t next_ino;
	int next_pid;
	int fg_pgrp;                   /* the console's foreground process group (TIOCSPGRP) */
	uint8_t cin[256];              /* console bytes read ahead (by pid 1, looking for Ctrl-C) for whoever reads next */
	struct {                       /* threads of any process waiting on a futex in shared memory */
		uint64_t key;          /* frame << 12 | offset, 0 when the entry is free */
		uint64_t bits;
		long ntfn;
	} sfutex[64];
	uint32_t cin_start, cin_len;
	bool cin_helper;               /* pid 1's console thread drains the UART into cin and wakes cin_waiters */
	struct lx_waitq cin_waiters;   /* readers of the console, in any process */
	struct linux_termios tty;      /* the console's modes (one terminal: every process sees the same) */
	struct linux_winsize tty_size;
	struct lx_proc procs[LX_MAX_PROCS];
};
#define LX_SH ((struct lx_shared *)LX_SHARED)
void lx_shared_init(void);               /* first thing lx does: the shared pages, for every later process */
bool lx_shared_fault(uint64_t addr);     /* map a heap page another process made; true if it was one */
extern int lx_pid;                       /* this process's pid */
uint64_t lx_next_ino(void);              /* inode numbers, unique across the processes */
long lx_read_timespec(long uts, uint64_t *ns); /* a program's struct timespec as ns; -EFAULT, -EINVAL */
struct file;
long lx_no_pread(struct file *f, void *buf, size_t n, uint64_t off);        /* -ESPIPE: pipes and the like */
long lx_no_pwrite(struct file *f, const void *buf, size_t n, uint64_t off); /* -ESPIPE */
struct elf_image;
long lx_check_program(const char *path); /* could path be run? 0, or why not: -ENOENT, -EACCES, -ENOEXEC, -ELIBBAD... */

void *lx_alloc(size_t n);           /* zeroed; NULL when out of memory */
void *lx_realloc(void *p, size_t n);
void lx_free(void *p);
void *lx_page_alloc(void);          /* a zeroed, page-aligned page of the shared heap; NULL when out of memory */
void lx_page_free(void *page);
char *lx_strdup(const char *s);
int lx_errno(long mica_err);         /* a Mica E_* (negated) as a negated Linux errno */

/* ---- mem.c: the address space ---- */
/* A range of the program's address space and how to fill it on first touch. */
struct vma {
	uint64_t start, end;   /* page-aligned */
	int prot;              /* PROT_* */
	int flags;             /* MAP_* */
	struct file *file;     /* NULL: anonymous */
	uint64_t offset;       /* file offset of start */
	struct vma *next;      /* sorted by start */
};
void mem_init(uint64_t brk_start);
long mem_map_stack(void);
struct vma *mem_fork_copy(long *err); /* fork, in the parent: the child's copy of the area list */
void mem_fork_abandon(struct vma *copy); /* the fork failed: that copy goes */
void mem_fork_child(struct vma *copy);   /* in the child: take that copy */
extern struct vma *lx_fork_vmas;         /* the copy, as the child finds it in its memory */
long mem_map_cow(long child);        /* fork: the program's areas into child, copy-on-write */
void mem_exec_reset(void);           /* before exec: every area of the old program gone */
void mem_exit(void);                 /* the process ends: its area lists go */
bool mem_cow_fault(uint64_t addr);   /* a write to a copy-on-write page: copy it */

long mem_map(uint64_t addr, uint64_t len, int prot, int flags, struct file *f, uint64_t off); /* address or -errno */
long mem_unmap(uint64_t addr, uint64_t len);
long mem_protect(uint64_t addr, uint64_t len, int prot);
int mem_fault(uint64_t addr, bool write);  /* 0 when the fault was served, else the signal it raises */
bool mem_user_mapped(uint64_t addr, uint64_t len, bool write); /* do areas with that access cover these bytes? */
bool mem_user_ok(uint64_t addr, uint64_t len, bool write); /* ...and are their pages present for it now (lx may touch them)? */
/* Program memory, fault-safe: every byte lx reads or writes for a syscall goes through these. */
size_t mem_user_fault_in(uint64_t addr, size_t len, bool write); /* pages made present; the bytes from addr now safe */
/* The bytes from addr (at most len) that read alike: *zeros, never-touched private anonymous pages, which read as
 * zeros and are not filled to be read; or pages made present now. 0 if addr's page cannot be read. */
size_t mem_user_source(uint64_t addr, size_t len, bool *zeros);
long copy_from_user(void *dst, uint64_t usrc, size_t n);  /* 0, or -EFAULT (nothing copied) */
long copy_to_user(uint64_t udst, const void *src, size_t n); /* 0, or -EFAULT (some may be written) */
/* A string of at most size bytes: its length (the NUL copied), size if it has no NUL in them, or -EFAULT. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t size);
size_t mem_format_maps(char *buf, size_t n); /* /proc/self/maps text */
void lx_random_bytes(void *buf, size_t n);

/* ---- vfs.c: files ---- */
struct inode;
/* An open file description, shared by dup'ed descriptors. */
struct file {
	const struct file_ops *ops;
	struct inode *inode;   /* NULL for devices without a node */
	uint64_t pos;
	int flags;             /* O_* given to open, O_APPEND etc. */
	int refs;
	void *priv;
};
struct file_ops {
	long (*read)(struct file *f, void *buf, size_t n);
	long (*write)(struct file *f, const void *buf, size_t n);
	long (*pread)(struct file *f, void *buf, size_t n, uint64_t off);
	long (*pwrite)(struct file *f, const void *buf, size_t n, uint64_t off);
	long (*ioctl)(struct file *f, unsigned long req, unsigned long arg);
	void (*close)(struct file *f);
	short (*poll)(struct file *f);   /* ready POLL* bits; NULL: always readable and writable */
	struct lx_waitq *(*waitq)(struct file *f); /* where a change to poll's answer is announced; NULL (or it answers NULL): none */
};
void vfs_init(const void *cpio, size_t size); /* fill the root from a cpio archive */
struct file *file_get(int fd);            /* NULL if fd is not open */
void file_put(struct file *f);
int fd_install(struct file *f, int min, bool cloexec); /* lowest free fd >= min, or -EMFILE */
int fd_new(struct file *f, bool cloexec);  /* f (the caller's reference) at the lowest free fd; else f dropped, -EMFILE */
struct file *vfs_open_path(const char *path, int flags, int mode, long *err); /* for the loader and mmap */
long vfs_read_all(const char *path, void **data, size_t *size); /* whole file into a new buffer */
void vfs_set_exe(const char *path); /* what this process's /proc/self/exe names: path, resolved */
void vfs_fork(void);                 /* the child of a fork shares every descriptor */
void vfs_fork_abandon(void);         /* the fork failed: undo vfs_fork */
void vfs_close_on_exec(void);
void vfs_exit(void);                 /* a process ends: its descriptors close */
void dev_fork_child(void);           /* the console interrupt stays with the first process */
bool lx_cred_privileged(void);       /* cred.c: is the effective uid 0 (not held to RLIMIT_NPROC)? */
uint64_t lx_rlimit(int res);         /* misc.c: the soft limit RLIMIT_res of this process (RLIM_INFINITY: none) */
long clock_ns_of(long clk, uint64_t *ns);  /* misc.c: clock clk's reading in ns; 0 or -EINVAL */
long lx_clock_id(long clk);                /* misc.c: the caller's encoded CPU-time clocks as CLOCK_*_CPUTIME_ID */
void console_wait(uint64_t ns);      /* sleep until console input may be there, or ns pass */
void console_start_helper(void);   /* pid 1, before its first fork: a thread wakes console readers of every process */

/* ---- loader.c: exec ---- */
/* Load a static or static-PIE ELF program and build its stack; returns its entry and stack pointer. */
long lx_load(const char *path, char *const argv[], char *const envp[], uint64_t *entry, uint64_t *sp);
const char *lx_load_why(long err); /* why lx_load or lx_check_program failed with err, in words */

/* ---- thread.c: threads, futexes, and the lock that serialises lx ---- */
/* The bits a thread's notification (struct lx_thread's ntfn) is signalled with. */
#define LX_WAKE_FUTEX 1 /* a futex wake */
#define LX_WAKE_PROC 2  /* a signal or a child's end (lx_proc_wake, lx_signal_wake) */
#define LX_WAKE_QUEUE 4 /* a wait queue's wake */
#define LX_RECHECK_NS 100000000UL /* 100 ms: a waiter that may have missed its wake-up looks again this often */
/* The registers entry.S saves on a syscall, lowest address first. */
struct lx_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx, r9, r8, r10, rdx, rsi, rdi, rcx, r11;
};
_Static_assert(sizeof(struct lx_frame) == 14 * 8, "lx_frame matches entry.S");

/* One program thread, as lx keeps it; gs points at it while the thread runs. */
struct lx_thread {
	uint64_t stack_top;      /* gs:0  top of its lx stack */
	uint64_t user_rsp;       /* gs:8  the program's rsp during a syscall */
	struct lx_frame *frame;  /* gs:16 its saved registers during a syscall */
	struct lx_thread *self;  /* gs:24 this structure, for lx_self */
	uint64_t deliver;        /* gs:32 a signal waits: entry.S takes the slow way out */
	uint64_t whole;          /* gs:40 the frame is a whole context (rcx, r11 the program's): return by lx_return_whole */
	uint64_t rip, rflags;    /* gs:48, gs:56 where and with which flags a whole context goes on */
	int state;               /* free, live, or exited (its kernel thread may still be ending) */
	int tid;                 /* the Linux thread id: slot + 1 */
	long kernel_tid;
	long ntfn;               /* futex wake-ups arrive here */
	uint64_t futex_addr, futex_bits; /* what it waits on, or 0 */
	uint64_t clear_tid;      /* CLONE_CHILD_CLEARTID / set_tid_address */
	uint64_t robust_head;    /* set_robust_list: the program's struct robust_list_head, or 0 */
	uint64_t fs;
	uint64_t sigmask;        /* blocked signals (bit sig-1) */
	uint64_t sigpending;     /* sent to this thread */
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	long last_nr;            /* the syscall being made, for SA_RESTART */
	bool has_saved_mask;     /* rt_sigsuspend: the mask the handler's frame restores */
	uint64_t saved_mask;
	void (*helper)(struct lx_thread *); /* a helper thread of lx's own: what it runs */
	bool unqueued;           /* a queue it waits for could not take it (out of memory): lx_thread_wait looks again */
};
_Static_assert(offsetof(struct lx_thread, frame) == 16 && offsetof(struct lx_thread, self) == 24 &&
		       offsetof(struct lx_thread, deliver) == 32 && offsetof(struct lx_thread, whole) == 40 &&
		       offsetof(struct lx_thread, rip) == 48 && offsetof(struct lx_thread, rflags) == 56,
	       "gs offsets used by entry.S and lx_self");
#define LX_MAX_THREADS 128
/* The running thread's struct lx_thread (gs:24 holds its own address). */
static inline struct lx_thread *lx_self(void)
{
	struct lx_thread *t;
	__asm__ volatile("mov %%gs:24, %0" : "=r"(t));
	return t;
}
void lx_threads_init(void);
void lx_threads_fork_child(struct lx_thread *me); /* only the forking thread lives on in the child */
extern uint64_t lx_fork_from;    /* during a fork, the forking env's id: the child's copy of memory keeps it until its first thread fixes it up */
/* Whether this is a forked child's copy of memory that its first thread has not fixed up yet (not the forking process itself). */
static inline bool lx_fork_child(void)
{
	return lx_fork_from && lx_fork_from != ENVINFO->id;
}
extern int lx_fork_child_pid;
extern uint64_t lx_fork_ctid;    /* clone without CLONE_VM: the child's tid goes here in the child */
extern bool lx_fork_ctid_clear;
extern uint64_t lx_fork_child_sp; /* clone without CLONE_THREAD: the child's stack, if it names one */
void lx_threads_end_others(void);  /* execve with several threads: the others end first */
void lx_thread_end_for_exec(void);   /* another thread execs: this one ends */
extern struct lx_thread *volatile lx_exec_thread; /* the thread that execs, while the others end; else NULL */
int lx_nthreads(void);
struct lx_thread *lx_thread_by_tid(int tid);  /* a live thread, or NULL */
struct lx_thread *lx_thread_at(int slot);  /* the live program thread in slot (0 .. LX_MAX_THREADS-1), or NULL */
void lx_threads_robust_exit(void);           /* the process ends or execs: every thread's robust futexes are released */
void lx_thread_wait(uint64_t ns);            /* sleep (lx unlocked) until woken or ns pass */
/* Threads (of any process) waiting for something to change, in shared memory: pipes, eventfds. */
long lx_waitq_add(struct lx_waitq *q);       /* the running thread will wait for q (then lx_thread_wait): 0, -ENOMEM */
void lx_waitq_wake(struct lx_waitq *q);      /* wake and forget every waiter */
/* lx serialises its work with one lock, which a thread may take again; blocking calls drop it. */
extern bool lx_multi;                 /* a second thread was ever made: lx must lock */
void lx_lock(void);
void lx_unlock(void);
int lx_lock_drop(void);            /* release it entirely; the depth to give back */
void lx_lock_take(int depth);
void lx_lock_yield(void);          /* between the chunks of a long transfer: let whoever waits for the lock have it */

/* ---- signal.c ---- */
/* Every register of a thread in user mode, as a signal frame records it. */
struct lx_regs {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
};
extern struct lx_proc *lx_me;               /* this process's entry in the shared table */
long lx_put_rusage(long urusage, uint64_t ns);  /* CPU time ns as a struct rusage (user time); 0 or -EFAULT */
#define lx_process_pending (lx_me->pending)   /* signals sent to the whole process */
void lx_proc_wake(struct lx_proc *p);        /* wake the threads of p waiting in lx */
void lx_itimer_fork_child(void);
void lx_itimer_exec(void);                  /* exec: POSIX timers are deleted, interval timers kept */
void lx_kick(struct lx_thread *t);           /* interrupt t if it runs program code, so it takes a signal */
struct lx_thread *lx_thread_helper(void (*fn)(struct lx_thread *)); /* an lx-internal kernel thread */
bool lx_signal_interrupts(void);             /* a pending signal that ends a blocking call with EINTR? */
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
void lx_signal_exec(void);                   /* exec: handlers back to default, no alternate stack, no POSIX timers */
void lx_signal_fork_child(void);             /* a child starts with nothing pending */
__attribute__((noreturn)) void lx_exit_signal(int sig); /* ended by a signal's default action */
void lx_signal_wake(struct lx_thread *t);    /* interrupt t's wait so it sees a signal */

/* ---- syscall.c ---- */
__attribute__((noreturn)) void lx_exit(int status);
__attribute__((noreturn)) void lx_start(uint64_t entry, uint64_t sp);
void lx_process_init(void);
bool lx_pgrp_exists(int pgid);
void lx_signal_group(int pgid, int sig);    /* to every process of group pgid */
void console_scan(void);                    /* pid 1, waiting: act on Ctrl-C typed while nobody reads the console */
void lx_process_fork_child(struct lx_thread *me);


#endif
