/* Structures and constants of the kernel ABI: page permissions, upcall frames, shared pages. */
#ifndef MICA_ABI_H
#define MICA_ABI_H

/* Assembly includes this file for its constants (the exc_frame offsets); the structures are C's alone. */
#include <mica/memlayout.h>
#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>

/*
 * The layout of a structure that crosses the kernel boundary (or that
 * assembly reads) is part of the ABI: each such structure pins its size and
 * the offset of every field, so a change that moves one fails to build on
 * both sides instead of breaking at run time.
 */
#define ABI_SIZE(type, size) _Static_assert(sizeof(type) == (size), "size of " #type)
#define ABI_OFFSET(type, field, off) _Static_assert(offsetof(type, field) == (off), "offset of " #type "." #field)
#endif

/* Page-table entry bits (x86-64). map/protect accept PTE_W, PTE_NX, the
 * PTE_AVAIL bits (free for the libOS, e.g. to mark copy-on-write) and a
 * protection key (PTE_PKEY); the kernel always adds PTE_P and PTE_U. */
#define PTE_P 0x001UL
#define PTE_W 0x002UL
#define PTE_U 0x004UL
#define PTE_PWT 0x008UL
#define PTE_PCD 0x010UL
#define PTE_A 0x020UL
#define PTE_D 0x040UL
#define PTE_PS 0x080UL
#define PTE_G 0x100UL
#define PTE_AVAIL 0xE00UL
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000UL
/*
 * Protection keys (x86 PKU): bits 59..62 of an entry name one of 16 keys;
 * each thread's PKRU register may forbid data access (AD) or writes (WD)
 * to the pages of a key, in user mode, with no kernel call. Where the CPU
 * has no PKU the bits are ignored. env_set_pkey makes one key the libOS's.
 */
#define PTE_PKEY_SHIFT 59
#define PTE_PKEY_MASK (0xFUL << PTE_PKEY_SHIFT)
#define PTE_PKEY(key) ((unsigned long)(key) << PTE_PKEY_SHIFT)
#define PKEY_MAX 15
#define PKRU_AD(key) (1U << (2 * (key)))  /* PKRU: no data access to the key's pages */
#define PKRU_WD(key) (2U << (2 * (key)))  /* PKRU: no writes to them */
#define PKRU_KEY(key) (3U << (2 * (key))) /* both bits of a key: clear = open */
#define PTE_USER_PERMS (PTE_W | PTE_AVAIL | PTE_PKEY_MASK | PTE_NX)

/* The PTE_AVAIL bits are the libOS's; map_cow gives three of them a meaning. */
#define PTE_COW 0x200UL    /* read-only until written, then to be copied (set by map_cow, resolved by cow_break) */
#define PTE_NOCOPY 0x400UL /* map_cow leaves this page out of the child */
#define PTE_SHARE 0x800UL  /* map_cow maps this page into the child as it is, writable or not */
#define UNMAP_FREE 1       /* unmap_range: free the env's own frames it unmaps too */
#define COW_RANGES_MAX 16 /* map_cow_ranges: ranges one call may bind at most */
#define PAGE_RANGE_MAX 512 /* page_alloc_range: pages one call may fill at most */

/* Upcall kinds for env_set_upcall. Each is delivered as a struct exc_frame. */
#define UPCALL_EXCEPTION 1 /* faults: trapno is the x86 vector */
#define UPCALL_SLICE 2     /* end of a time slice: yield before the grace period ends */
#define UPCALL_REVOKE 3    /* give back err frames by the deadline */

/* Synthetic trap numbers in exc_frame.trapno for non-exception upcalls. */
#define T_DIVIDE 0
#define T_DEBUG 1
#define T_BRKPT 3
#define T_ILLOP 6
#define T_GPFLT 13
#define T_PGFLT 14
#define T_SLICE 256
#define T_REVOKE 257
#define T_KICK 258 /* thread_kick: another thread wants this one's attention */

/* thread_set "what" */
#define THREAD_FSBASE 1
#define THREAD_GSBASE 2
#define THREAD_XSTACK 3 /* top of the exception stack; 0 = the thread's own stack */

/* Where assembly finds the fields of struct exc_frame (libos/native/crt0.S); asserted against the struct below. */
#define EXC_FRAME_RIP 24   /* offset of rip */
#define EXC_FRAME_REGS 32  /* offset of r15; r14 ... rax follow in the order exc_resume pops them */
#define EXC_FRAME_RSP 160  /* offset of rsp */
#define EXC_FRAME_PKRU 168 /* offset of pkru */
#define EXC_FRAME_SIZE 176
#define RED_ZONE 128       /* the System V red zone below rsp, which an upcall leaves alone */
/* The user code and stack selectors: what an iretq to user mode loads and a signal frame records. */
#define USER_CS 0x23
#define USER_SS 0x1B
/* Flags an upcall handler and the libOS's syscall entry start without (TF, DF, AC), as the ABI wants; the frame keeps the interrupted ones. */
#define UPCALL_FLAGS_CLEAR 0x40500
#define EXC_REDZONE (RED_ZONE + 8) /* the red zone + one word for the resume's return address */
#define XSTACK_SIZE 16384 /* an exception stack is the XSTACK_SIZE bytes below the top given to thread_set */

#ifndef __ASSEMBLER__
/*
 * The frame an upcall finds at its rdi (and at its rsp). The handler may
 * edit it and resume with exc_resume (user space only: no kernel call).
 * When delivered on the interrupted stack, the frame sits below the 128-byte
 * red zone and 8 more bytes the resume code uses.
 */
struct exc_frame {
	uint64_t trapno; /* x86 vector, or T_SLICE / T_REVOKE */
	uint64_t err;    /* error code; for T_REVOKE, frames asked for */
	uint64_t addr;   /* faulting address (cr2) for page faults */
	uint64_t rip;
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t pkru; /* the interrupted PKRU (0 where the CPU has no PKU); the handler runs with its env's libOS key open */
};
ABI_SIZE(struct exc_frame, EXC_FRAME_SIZE);
ABI_OFFSET(struct exc_frame, trapno, 0);
ABI_OFFSET(struct exc_frame, err, 8);
ABI_OFFSET(struct exc_frame, addr, 16);
ABI_OFFSET(struct exc_frame, rip, EXC_FRAME_RIP);
ABI_OFFSET(struct exc_frame, r15, EXC_FRAME_REGS);
ABI_OFFSET(struct exc_frame, r14, EXC_FRAME_REGS + 1 * 8);
ABI_OFFSET(struct exc_frame, r13, EXC_FRAME_REGS + 2 * 8);
ABI_OFFSET(struct exc_frame, r12, EXC_FRAME_REGS + 3 * 8);
ABI_OFFSET(struct exc_frame, r11, EXC_FRAME_REGS + 4 * 8);
ABI_OFFSET(struct exc_frame, r10, EXC_FRAME_REGS + 5 * 8);
ABI_OFFSET(struct exc_frame, r9, EXC_FRAME_REGS + 6 * 8);
ABI_OFFSET(struct exc_frame, r8, EXC_FRAME_REGS + 7 * 8);
ABI_OFFSET(struct exc_frame, rbp, EXC_FRAME_REGS + 8 * 8);
ABI_OFFSET(struct exc_frame, rdi, EXC_FRAME_REGS + 9 * 8);
ABI_OFFSET(struct exc_frame, rsi, EXC_FRAME_REGS + 10 * 8);
ABI_OFFSET(struct exc_frame, rdx, EXC_FRAME_REGS + 11 * 8);
ABI_OFFSET(struct exc_frame, rcx, EXC_FRAME_REGS + 12 * 8);
ABI_OFFSET(struct exc_frame, rbx, EXC_FRAME_REGS + 13 * 8);
ABI_OFFSET(struct exc_frame, rax, EXC_FRAME_REGS + 14 * 8);
ABI_OFFSET(struct exc_frame, rflags, EXC_FRAME_REGS + 15 * 8);
ABI_OFFSET(struct exc_frame, rsp, EXC_FRAME_RSP);
ABI_OFFSET(struct exc_frame, pkru, EXC_FRAME_PKRU);
_Static_assert(PTE_PKEY(PKEY_MAX) == PTE_PKEY_MASK && (PTE_PKEY_MASK & (PTE_ADDR | PTE_NX | PTE_AVAIL)) == 0,
	       "the key field is bits 59..62, apart from the address, NX and the libOS's bits");
_Static_assert(PKRU_KEY(PKEY_MAX) == 0xC0000000U, "PKRU holds two bits per key, key 15 highest");

/* The PKRU register (CR4.PKE set, else both fault with #UD): read it, write it. */
static inline uint32_t pkru_read(void)
{
	uint32_t eax, edx;
	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}

static inline void pkru_write(uint32_t v)
{
	__asm__ volatile("wrpkru" ::"a"(v), "c"(0), "d"(0) : "memory");
}
#endif

/* Page-fault error code bits (exc_frame.err for T_PGFLT); not the ELF segment flags PF_R, PF_W, PF_X. */
#define PFERR_P 1  /* the page was present: a protection fault */
#define PFERR_W 2  /* the access was a write */
#define PFERR_U 4  /* the access came from user mode */
#define PFERR_I 16 /* the access was an instruction fetch */
#define PFERR_PK 32 /* the page's protection key forbade the access (PKRU) */

/* The serial console's receive interrupt: irq_bind it to a notification to wait for input. */
#define CONSOLE_IRQ 4

#ifndef __ASSEMBLER__
/* The kernel info page at UKIP, the same for every env, read-only. */
struct kip {
	uint64_t magic; /* KIP_MAGIC */
	uint64_t tsc_hz;     /* time stamp counter frequency */
	uint64_t tsc_boot;   /* TSC at boot: ns since boot = (tsc - tsc_boot) * 1e9 / tsc_hz */
	uint64_t tsc_mult;   /* ns = ((tsc - tsc_boot) * tsc_mult) >> 32 */
	uint64_t frames_total;
	volatile uint64_t frames_free;
	uint64_t slice_ns;   /* length of a time slice */
	uint64_t grace_ns;   /* time an env has to yield after a slice upcall */
	uint64_t nslices;
	uint64_t boot_tsc_reset; /* TSC when the kernel's first instruction ran */
	volatile uint64_t idle_ns; /* time the CPU spent halted, with every thread blocked */
};
ABI_SIZE(struct kip, 88);
ABI_OFFSET(struct kip, magic, 0);
ABI_OFFSET(struct kip, tsc_hz, 8);
ABI_OFFSET(struct kip, tsc_boot, 16);
ABI_OFFSET(struct kip, tsc_mult, 24);
ABI_OFFSET(struct kip, frames_total, 32);
ABI_OFFSET(struct kip, frames_free, 40);
ABI_OFFSET(struct kip, slice_ns, 48);
ABI_OFFSET(struct kip, grace_ns, 56);
ABI_OFFSET(struct kip, nslices, 64);
ABI_OFFSET(struct kip, boot_tsc_reset, 72);
ABI_OFFSET(struct kip, idle_ns, 80);
#endif
#define KIP_MAGIC 0x4D4943414B495031UL

#define ENV_REVOKED_MAX 64

/*
 * Kinds of kernel resource an env can take, for env_limit and the limit[]
 * and held[] of struct envinfo. What an env holds is counted in its own
 * entry and in every ancestor's; a request that would take any of them past
 * its limit fails (RES_SLICE: E_BUSY; the others: E_NOMEM).
 */
#define RES_ENV 0    /* child envs, live or ended until reaped (the env itself is its parent's) */
#define RES_THREAD 1 /* threads */
#define RES_EP 2     /* IPC endpoints */
#define RES_NTFN 3   /* notifications */
#define RES_SLICE 4  /* time-slice slots (slice_alloc) */
#define RES_NKINDS 5
#define RES_SLOTS 8  /* entries of limit[] and held[]: room for more kinds */

#ifndef __ASSEMBLER__
/* A frame taken by force, recorded in the env info page. */
struct revoked {
	uint64_t fn; /* frame number */
	uint64_t va; /* where the env had it mapped (0 if unmapped) */
};
ABI_SIZE(struct revoked, 16);
ABI_OFFSET(struct revoked, fn, 0);
ABI_OFFSET(struct revoked, va, 8);

/* The env info page at UENV, one per env, read-only to it. */
struct envinfo {
	uint64_t id;          /* this env's id */
	uint64_t parent;      /* its creator's id, 0 for the root env */
	uint64_t group;       /* its sharing group (frame_share)*/
	volatile uint64_t frames_owned;
	volatile uint64_t revoke_asked;   /* frames asked back by the pending request */
	volatile uint64_t revoke_deadline_ns;
	volatile uint64_t revoked_count;  /* frames taken by force, in total */
	volatile uint64_t slice_forced;   /* times the CPU was taken by force */
	volatile uint64_t nrevoked;       /* entries valid in revoked[] (ring) */
	struct revoked revoked[ENV_REVOKED_MAX];
	volatile uint64_t limit[RES_SLOTS]; /* per RES_* kind: at most this many for it and its descendants */
	volatile uint64_t held[RES_SLOTS];  /* per RES_* kind: how many it and its descendants hold now */
};
_Static_assert(sizeof(struct envinfo) <= PAGE_SIZE, "envinfo fits a page");
_Static_assert(RES_NKINDS <= RES_SLOTS, "every kind has its slot in envinfo");
ABI_SIZE(struct envinfo, 72 + ENV_REVOKED_MAX * 16 + 2 * RES_SLOTS * 8);
ABI_OFFSET(struct envinfo, id, 0);
ABI_OFFSET(struct envinfo, parent, 8);
ABI_OFFSET(struct envinfo, group, 16);
ABI_OFFSET(struct envinfo, frames_owned, 24);
ABI_OFFSET(struct envinfo, revoke_asked, 32);
ABI_OFFSET(struct envinfo, revoke_deadline_ns, 40);
ABI_OFFSET(struct envinfo, revoked_count, 48);
ABI_OFFSET(struct envinfo, slice_forced, 56);
ABI_OFFSET(struct envinfo, nrevoked, 64);
ABI_OFFSET(struct envinfo, revoked, 72);
ABI_OFFSET(struct envinfo, limit, 72 + ENV_REVOKED_MAX * 16);
ABI_OFFSET(struct envinfo, held, 72 + ENV_REVOKED_MAX * 16 + RES_SLOTS * 8);

/*
 * How a native program starts: rsp points at this block (16-byte aligned).
 * The kernel writes it for the root env; a parent writes it for a child.
 */
struct mica_start {
	uint64_t image;      /* address of the boot image (a cpio archive) */
	uint64_t image_size;
	uint64_t arg;        /* the parent's argument: for tests, an index */
	uint64_t pad;
};
ABI_SIZE(struct mica_start, 32); /* a multiple of 16: rsp stays aligned below it */
ABI_OFFSET(struct mica_start, image, 0);
ABI_OFFSET(struct mica_start, image_size, 8);
ABI_OFFSET(struct mica_start, arg, 16);
ABI_OFFSET(struct mica_start, pad, 24);
#endif

/* Values for wait and timeouts. */
#define TIMEOUT_FOREVER (~0UL)

#endif
