/* Declarations shared by the kernel's files: objects, their tables, and each subsystem's entry points. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <mica/abi.h>
#include <mica/error.h>
#include <mica/memlayout.h>
#include "lib/list.h"
#include "lib/string.h"
#include "kernel/x86.h"

/* ---- limits ---- */
#define NENV 256          /* environments */
#define NTHREAD 2048      /* threads (an id's index: THREAD_INDEX_BITS) */
#define THREAD_INDEX_BITS 11
#define NEP 512           /* IPC endpoints */
#define NNTFN 4096        /* notifications: a thread of lx waits on one of its own */
#define NSLICE 8          /* time slices in a round, per core */
#define NIRQ 24

/* ---- addresses ---- */
#ifndef P2V /* host unit tests give their own, over a buffer standing for RAM */
#define P2V(pa) ((void *)((uint64_t)(pa) + PHYSMAP))
#define V2P(va) ((uint64_t)(va) - ((uint64_t)(va) >= KERNBASE ? KERNBASE : PHYSMAP))
#endif
#define PGROUNDDOWN(a) ((uint64_t)(a) & ~(PAGE_SIZE - 1))
#define PGROUNDUP(a) (((uint64_t)(a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* ---- the register frame saved on every entry from user mode ---- */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t trapno, err;
	uint64_t rip, cs, rflags, rsp, ss;
};
/* The layout kernel/entry.S pushes and pops. */
ABI_SIZE(struct trapframe, 22 * 8);
ABI_OFFSET(struct trapframe, r15, 0);
ABI_OFFSET(struct trapframe, rax, 14 * 8);
ABI_OFFSET(struct trapframe, trapno, 15 * 8);
ABI_OFFSET(struct trapframe, err, 16 * 8);
ABI_OFFSET(struct trapframe, rip, 17 * 8);
ABI_OFFSET(struct trapframe, cs, 18 * 8);
ABI_OFFSET(struct trapframe, rflags, 19 * 8);
ABI_OFFSET(struct trapframe, rsp, 20 * 8);
ABI_OFFSET(struct trapframe, ss, 21 * 8);

/* ---- environments ---- */
enum env_state { ENV_FREE, ENV_LIVE, ENV_ZOMBIE };

struct env {
	uint64_t id;               /* generation << 8 | index; 0 when free */
	uint64_t parent;           /* creator's id (root env adopts orphans) */
	uint64_t group;            /* sharing group: the root env's id, inherited by children */
	enum env_state state;
	uint64_t pml4;             /* physical address of its top-level table */
	struct envinfo *info;      /* its UENV page, through the physical map */
	uint64_t info_fn;
	uint64_t upcall[4];        /* entry per UPCALL_* kind */
	uint64_t libos_lo, libos_hi, libos_entry;
	uint32_t libos_pkru;       /* PKRU bits of its libOS's protection key (env_set_pkey), or 0 */
	uint32_t limit[RES_NKINDS]; /* per RES_* kind: at most this many for it and its descendants (quota.c) */
	uint32_t held[RES_NKINDS];  /* ... how many it and its descendants hold */
	uint32_t own[RES_NKINDS];   /* ... how many it holds itself (its threads, its children) */
	long status;               /* exit status, once a zombie */
	uint64_t frames_owned;
	uint64_t revoke_target;    /* frames_owned must fall to this ... */
	uint64_t revoke_deadline;  /* ... by this time (ns), or 0 */
	bool revoke_forced;        /* ... or the abort protocol takes the rest (not for memory pressure) */
	uint64_t run_tsc;          /* CPU time its threads used, in TSC ticks */
	struct list threads;       /* its live threads (thread.env_link) */
};

/* ---- threads ---- */
enum thread_state {
	TH_FREE, TH_RUNNABLE, TH_RUNNING,
	TH_SEND, TH_RECV, TH_CALL, TH_NTFN, TH_WAITENV, TH_SLEEP,
};

struct thread {
	uint64_t id;               /* generation << THREAD_INDEX_BITS | index; 0 when free */
	struct env *env;
	enum thread_state state;
	struct trapframe tf;       /* user registers while not running */
	uint64_t fs_base, gs_base, xstack;
	struct list runq;          /* on the run queue, or on an endpoint's queue */
	int timeslot;              /* its slot in the timeout heap + 1; 0: not on it (sched.c) */
	uint64_t deadline;         /* ns; 0 = none */
	uint64_t timeseq;          /* when it went on the heap: equal deadlines expire in that order */
	/* IPC */
	int ep;                    /* endpoint waited on */
	struct thread *caller;     /* whom a reply goes to ... */
	uint64_t caller_id;        /* ... if its id is still this (a slot freed and reused is not it) */
	struct list env_link;      /* on its env's list of threads */
	bool ipc_call;             /* queued as a caller (not a plain sender) */
	uint64_t wait_env;         /* env waited for */
	uint64_t slice_grace;      /* end of the grace period after a slice upcall, or 0 */
	uint64_t run_tsc;          /* CPU time used, in TSC ticks */
	bool kicked;               /* a kick upcall waits to run: later kicks join it (cleared when it runs) */
	uint32_t pkru;             /* its PKRU while its state is not loaded (pkey.c) */
	uint8_t fpu[512] __attribute__((aligned(16)));
};

/* ---- the CPU (one core for now) ---- */
struct cpu {
	struct thread *cur;        /* running thread, NULL in the idle loop */
	struct trapframe *tf;      /* its registers, on the kernel stack, during a kernel call */
	struct thread *fpu_owner;  /* whose state the FPU registers hold */
	struct thread *running;    /* whose CPU time is being counted, since run_start (TSC) */
	uint64_t run_start;
	struct env *space;         /* whose address space is loaded */
	uint64_t slice_end;        /* ns */
	uint64_t timer_at;         /* ns the timer will fire at, 0 once it has fired */
	int slice;                 /* current slot */
	uint64_t slices[NSLICE];   /* owner env id per slot, 0 = shared */
};
extern struct cpu cpu;
extern struct env envs[NENV];
extern struct kip *kip;
extern uint64_t boot_pml4[512];

/* Read by kernel/entry.S on every syscall: the running env's reflection range, and its libOS key's PKRU bits. */
extern uint64_t k_libos_lo, k_libos_hi, k_libos_entry, k_stack_top, k_libos_pkru;
extern uint64_t k_gs_base; /* the running thread's gs base as set by thread_set (entry.S's open_key restores it) */
extern uint64_t k_tf_top;  /* the end of the running thread's tf, where entry.S pushes a kernel call's frame */

/* ---- console.c ---- */
void cons_init(void);
void cons_putc(char c);
void cons_write(const char *s, size_t n);
int cons_getc(void);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void poweroff(int status);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
#define assert(c) do { if (!(c)) panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

/* ---- trap.c ---- */
void trap_init(void);
void trap(struct trapframe *tf);
__attribute__((noreturn)) void trap_return(struct trapframe *tf);
void print_trapframe(const struct trapframe *tf);
void backtrace(uint64_t rbp);

/* ---- lapic.c ---- */
void lapic_init(void);
void lapic_eoi(void);
void lapic_timer_at(uint64_t ns);
uint64_t now_ns(void);
void ioapic_enable(int irq);
#define IRQ_TIMER 32
#define IRQ_SPURIOUS 255
#define IRQ_BASE 48 /* external interrupts (IOAPIC pins) start here */

/* ---- frame.c ---- */
void frame_init(uint64_t lo, uint64_t hi);
void frame_add_range(uint64_t pa, uint64_t len);
long frame_alloc(struct env *e, long want);
long frame_copy(struct env *e, uint64_t src);
long frame_alloc_uncleared(struct env *e);
int frame_adopt(struct env *e, uint64_t fn);
int frame_free(struct env *e, long fn);
void frame_incref(uint64_t fn);
void frame_decref(uint64_t fn);
uint64_t frame_owner(uint64_t fn);
uint32_t frame_refs(uint64_t fn);
bool frame_valid(uint64_t fn);
void frame_release_owned(struct env *e);
uint64_t kalloc_page(void);     /* a zeroed kernel frame's physical address, or 0 */
uint64_t *frame_pt_used(uint64_t pa); /* a page-table page's summary of present entries (pt.c) */
uint32_t *frame_pt_flags(uint64_t pa);
void kfree_page(uint64_t pa);
void kfree_zeroed_page(uint64_t pa); /* the page holds only zeros: handed out again without clearing */
uint64_t frames_free(void);

/* A table of fixed-size entries, each starting with a 64-bit word that is 0 while it is free, its entries below
 * `first` in the image and the rest in pages taken as they are used and given back when emptied (ktable.c). */
struct ktable {
	size_t size; /* of an entry; a page holds PAGE_SIZE / size of them */
	uint64_t first; /* entries in head */
	void *head;
	void **pages; /* (n - first) / (PAGE_SIZE / size), rounded up: the pages, NULL where not taken */
	/* (the table itself is const: the compiler folds size, first and head into each use) */
};
/* The table's entries and pages, as static arrays: KTABLE(name, type, n, first). */
#define KTABLE(name, type, n, first)                                                                  \
	static type name##_head[first];                                                                  \
	static void *name##_pages[((n) - (first) + PAGE_SIZE / sizeof(type) - 1) / (PAGE_SIZE / sizeof(type))]; \
	static const struct ktable name = { sizeof(type), first, name##_head, name##_pages }
void *ktable_paged(const struct ktable *t, uint64_t i); /* ktable_get's way for an entry past the first */
/* Entry i, or NULL where its page is not taken (free). */
static inline void *ktable_get(const struct ktable *t, uint64_t i)
{
	return i < t->first ? (char *)t->head + i * t->size : ktable_paged(t, i);
}
void *ktable_make(const struct ktable *t, uint64_t i); /* entry i, its page taken if need be; NULL without memory */
void ktable_freed(const struct ktable *t, uint64_t i); /* entry i was just freed: its page goes if no entry on it is used */
void frame_pin(uint64_t fn);
void frame_set_group(uint64_t fn, uint64_t group);
uint64_t frame_group(uint64_t fn);
long frame_pick_owned(struct env *e);

/* ---- pt.c ---- */
uint64_t pt_create(void);
void pt_destroy(uint64_t pml4);
int pt_map(uint64_t pml4, uint64_t va, uint64_t fn, uint64_t perm);
int pt_map_run(uint64_t pml4, uint64_t va, uint64_t fn, uint64_t n, uint64_t perm); /* n frames from fn at n pages from va */
long pt_fill_run(struct env *e, uint64_t va, uint64_t n, uint64_t perm); /* fresh zeroed frames where nothing is mapped */
int pt_unmap(uint64_t pml4, uint64_t va);
int pt_protect(uint64_t pml4, uint64_t va, uint64_t perm);
uint64_t *pt_lookup(uint64_t pml4, uint64_t va);
uint64_t *pt_lookup_own(uint64_t pml4, uint64_t va, int *err);
int pt_unmap_frame(uint64_t pml4, uint64_t fn, uint64_t *va_out);
int pt_map_cow(uint64_t caller, uint64_t dst, uint64_t start, uint64_t end);
int pt_map_cow_ranges(uint64_t caller, uint64_t dst, const uint64_t (*ranges)[2], long n);
/*
 * The PTE_COW page at va (page-aligned, user) in e becomes e's own, mapped
 * with perm (valid user bits): the frame itself when e's mapping is its
 * only one (e adopting an orphan), else a copy. The frame now mapped, or
 * -E_NOENT (nothing there), -E_INVAL (not PTE_COW), -E_NOMEM.
 */
long pt_cow_break(struct env *e, uint64_t va, uint64_t perm);
long pt_unmap_range(struct env *e, uint64_t start, uint64_t end, bool free_owned);
int copy_from_user(struct env *e, void *dst, uint64_t va, size_t n);
int copy_to_user(struct env *e, uint64_t va, const void *src, size_t n);
static inline void lcr3(uint64_t pa) { __asm__ volatile("mov %0, %%cr3" ::"r"(pa) : "memory"); }
static inline uint64_t rcr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline void invlpg(uint64_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

/* ---- env.c ---- */
void env_init(void);
struct env *env_lookup(uint64_t id);
struct env *env_get(struct env *caller, long id, int *err);
struct env *env_alloc(struct env *parent, int *err);
void env_exit(struct env *e, long status, const char *why);
long env_reap(struct env *caller, struct env *child);
int env_load_elf(struct env *e, const void *elf, size_t size, uint64_t *entry);

/* ---- quota.c ---- */
void res_init(struct env *e, struct env *creator);
int res_check(struct env *e, int kind);
void res_take(struct env *e, int kind);
void res_give(struct env *e, int kind);
void res_adopt(struct env *c, struct env *from, struct env *to);
long res_set(struct env *creator, struct env *c, long kind, long limit);

/* ---- thread.c / sched.c ---- */
struct thread *thread_alloc(struct env *e, uint64_t rip, uint64_t rsp, uint64_t arg, int *err);
struct thread *thread_lookup(uint64_t id);
void thread_kill(struct thread *t);
void thread_block_timed(struct thread *t, uint64_t timeout_ns);
void thread_wake(struct thread *t, long result);
void sched_time_remove(struct thread *t);
void sched_ready(struct thread *t);
__attribute__((noreturn)) void sched_run(void);
__attribute__((noreturn)) void thread_switch(struct thread *t);
void sched_save(struct trapframe *tf);
void sched_tick(struct trapframe *tf);
void sched_timeouts(void);
void sched_check_revoke(void);
void sched_init(void);
uint64_t tsc_to_ns(uint64_t ticks);
void account(struct thread *t);
uint64_t frame_table_size(uint64_t hi);
int sched_yield_to(struct trapframe *tf, struct env *target);

/* Block t in state st; after timeout_ns (TIMEOUT_FOREVER: never) it wakes with -E_TIMEOUT. (Inline: most
   waits have no timeout, and IPC's fast path blocks at every call.) */
static inline __attribute__((always_inline)) void thread_block(struct thread *t, enum thread_state st, uint64_t timeout_ns)
{
	t->state = st;
	list_remove(&t->runq);
	if (timeout_ns != TIMEOUT_FOREVER)
		thread_block_timed(t, timeout_ns);
}

/* Clear t's deadline, and take it off the timeout heap if it is on it. */
static inline void sched_untime(struct thread *t)
{
	t->deadline = 0;
	if (t->timeslot)
		sched_time_remove(t);
}

/* ---- pkey.c ---- */
extern bool pku;
void pkey_init(void);
uint32_t thread_pkru(const struct thread *t);
void thread_set_pkru(struct thread *t, uint32_t v);
void pkey_switch(struct thread *from, struct thread *t);
void pkey_open_libos(struct thread *t);
/* May the running thread make a kernel call: its env has no libOS key (k_libos_pkru), or the key is open? */
static inline bool pkey_kcall_allowed(void)
{
	return !k_libos_pkru || !(pkru_read() & k_libos_pkru);
}
int pkey_set_libos(struct env *e, long key);

/* ---- upcall.c ---- */
int upcall_deliver(struct thread *t, struct trapframe *tf, uint64_t kind, uint64_t trapno, uint64_t err, uint64_t addr);

/* ---- ipc.c / ntfn.c ---- */
long ipc_syscall(struct trapframe *tf);
long ep_create(struct env *e);
int ep_destroy(struct env *e, long ep);
void ipc_env_gone(struct env *e);
void ipc_thread_gone(struct thread *t);
void ipc_dequeue(struct thread *t);
void ntfn_env_gone(struct env *e);
long ntfn_create(struct env *e);
int ntfn_destroy(struct env *e, long nt);
long ntfn_signal(long nt, uint64_t bits);
long ntfn_wait(struct trapframe *tf, struct env *e, long nt, uint64_t timeout);
int irq_bind(struct env *e, long irq, long nt, uint64_t bits);
void irq_raise(int irq);
int irq_claim(int irq, void (*fn)(void));
int ntfn_check_owner(struct env *e, long id);

/* ---- revoke.c ---- */
int revoke_ask(struct env *e, uint64_t n, bool force);
void revoke_force(struct env *e);
void revoke_check(struct env *e); /* settle e's request if it has been met */
void revoke_forget(struct env *e); /* e is ending: its request ends too */

/* ---- syscall.c ---- */
void syscall_dispatch(struct trapframe *tf);
bool ancestor(struct env *a, struct env *e); /* is a the env e or one of its ancestors? */

#endif
