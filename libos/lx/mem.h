/* The program's address space: areas, faults served, fork's copy, and the fault-safe access to its memory. (mem.c) */
#ifndef LX_MEM_H
#define LX_MEM_H

#include "lib/avl.h"

/* A range of the program's address space and how to fill it on first touch. */
struct vma {
	uint64_t start, end; /* page-aligned */
	int prot; /* PROT_* */
	int flags; /* MAP_* */
	struct file *file; /* NULL: anonymous */
	uint64_t offset; /* file offset of start */
	bool written; /* it has been writable: its pages may hold bytes that are not its file's */
	bool lx_calls; /* lx's stubs for rewritten syscall sites (rewrite.c) */
	bool held; /* it holds its file's shared pages (the file's share_hold said so): its pages may be those */
	struct vma *next; /* sorted by start */
	struct avl_node node; /* in its process's tree of areas, by start (mem.c) */
	uint64_t lo, hi; /* of its subtree in that tree: the first area's start, the last one's end */
	uint64_t gap; /* of its subtree: the largest free range between two of its areas, below LX_MMAP_TOP (mem.c) */
};
void mem_init(uint64_t brk_start);
long mem_map_stack(void);
/* A revocation request: unmap and free up to n pages that the file holds too (clean pages of private file areas never writable). The number freed. */
uint64_t mem_give_back(uint64_t n);
struct vma *mem_fork_copy(long *err); /* fork, in the parent: the child's copy of the area list */
void mem_fork_abandon(struct vma *copy); /* the fork failed: that copy goes */
void mem_fork_child(struct vma *copy); /* in the child: take that copy */
/* The ranges a fork binds into its child copy-on-write, gathered to be bound in few kernel calls. */
struct cow_batch {
	long child;
	long n;
	unsigned long ranges[COW_RANGES_MAX][2];
};
long cow_batch_add(struct cow_batch *b, uint64_t start, uint64_t end); /* 0 or -E_* (a full batch is bound first) */
long cow_batch_flush(struct cow_batch *b); /* bind the ranges gathered: 0 or -E_* */
long mem_map_cow(struct cow_batch *b); /* fork: the program's areas into b's child, copy-on-write */
void mem_exec_reset(void); /* before exec: every area of the old program gone */
void mem_exit(void); /* the process ends: its area lists go */
bool mem_cow_fault(uint64_t addr); /* a write to a copy-on-write page: copy it */
uint64_t mem_pte(uint64_t addr); /* the page-table entry that maps addr's page (0: none), for messages */
uint64_t mem_resident_pages(void); /* pages of this process's areas mapped now (/proc's RSS) */

long mem_map(uint64_t addr, uint64_t len, int prot, int flags, struct file *f, uint64_t off); /* address or -errno */
long mem_unmap(uint64_t addr, uint64_t len);
struct vma *mem_area_at(uint64_t addr); /* the area holding addr, or NULL */
uint64_t mem_gap_below(uint64_t addr, uint64_t len); /* the highest free range of len bytes below addr's page, or 0 */
long mem_protect(uint64_t addr, uint64_t len, int prot);
/* A page fault at addr (err: its PFERR_W and PFERR_I bits): 0 when served, else the signal it raises (SIGKILL: no memory left). */
int mem_fault(uint64_t addr, uint64_t err);
bool mem_user_mapped(uint64_t addr, uint64_t len, bool write); /* do areas with that access cover these bytes? */
bool mem_user_ok(uint64_t addr, uint64_t len,
		 bool write); /* ...and are their pages present for it now (lx may touch them)? */
/* Program memory, fault-safe: every byte lx reads or writes for a syscall goes through these. */
size_t mem_user_fault_in(uint64_t addr, size_t len, bool write); /* pages made present; the bytes from addr now safe */
/* The bytes from addr (at most len) that read alike: *zeros, never-touched private anonymous pages, which read as
 * zeros and are not filled to be read; or pages made present now. 0 if addr's page cannot be read. */
size_t mem_user_source(uint64_t addr, size_t len, bool *zeros);
long copy_from_user(void *dst, uint64_t usrc, size_t n); /* 0, or -EFAULT (nothing copied) */
long copy_to_user(uint64_t udst, const void *src, size_t n); /* 0, or -EFAULT (some may be written) */
/* A string of at most size bytes: its length (the NUL copied; dst NULL: only measured), size if it has no NUL in them, or -EFAULT. */
long strncpy_from_user(char *dst, uint64_t usrc, size_t size);

#endif
