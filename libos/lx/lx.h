/* lx, the Linux personality: its memory layout, and the interfaces of its parts (one header each, named as its .c file). */
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
 *   0x7D40_0000_0000  lx's own stacks (LX_STACKS); the page below: where a page is filled (LX_FILL_PAGE)
 *   0x7D30_0000_0000  the thread table (LX_THREADS), mapped as far as slots have been used; above it
 *                     the futex waiters' big hash table (LX_FUTEX_HASH), mapped once many threads wait
 *   0x7D20_0000_0000  pid 1's network receive ring (LX_NET_RING, net.h)
 *   0x7D00_0000_0000  lx: text, data
 *   0x7CFF_FFFF_F000  top of the program's stack (LX_STACK_TOP)
 *   0x7C00_0000_0000  mmap area grows down from here (LX_MMAP_TOP)
 *   0x5555_5555_4000  a static-PIE program's load address
 *   0x0040_0000       a static program's usual load address; brk follows its end
 */
#define LX_BASE 0x00007D0000000000UL
#define LX_STACKS 0x00007D4000000000UL
#define LX_THREADS 0x00007D3000000000UL /* struct lx_thread by slot (thread.c), its pages mapped when first used */
#define LX_FUTEX_HASH 0x00007D3100000000UL /* futex.c's big table of waiters by address, a process's own */
#define LX_FILL_PAGE (LX_STACKS - PAGE_SIZE) /* a file page is read here, under lx's lock, before it is mapped */
/* LX_STACKS holds one piece per thread slot (slot 0: the first thread), its stacks' tops at these offsets */
#define LX_SLOT_SPAN 0x400000UL
#define LX_SLOT_XSTACK 0x100000UL /* the top of its exception stack (XSTACK_SIZE below) */
#define LX_SLOT_KSTACK 0x200000UL /* the top of its lx stack for syscalls (struct lx_thread's stack_top) */
#define LX_SLOT_XSTACK_OF(stack_top) ((stack_top) - LX_SLOT_KSTACK + LX_SLOT_XSTACK) /* from a thread's stack_top */
#define LX_SLOT_EXIT (LX_SLOT_KSTACK - LX_EXIT_BELOW) /* the top of its exit area: one key-0 page below (pkey.h) */
#define LX_HEAP 0x00007D8000000000UL
#define LX_HEAP_MAX (1UL << 28)
#define LX_SHARED 0x00007DC000000000UL
#define LX_HEAP_DIR (LX_SHARED + 0x10000UL) /* frame number of each heap page, for processes that fault on it */
#define LX_SHARED_END (LX_HEAP_DIR + (LX_HEAP_MAX / PAGE_SIZE) * 4)
#define LX_MAX_PROCS 64
#define LX_STACK_TOP 0x00007CFFFFFFF000UL
#define LX_STACK_MAX (8UL << 20) /* RLIMIT_STACK at the start, as Linux */
#define LX_STACK_AREA (1UL << 30) /* the stack area kept free below LX_STACK_TOP: the most the stack can grow */
#define LX_MMAP_TOP 0x00007C0000000000UL
#define LX_PIE_BASE 0x0000555555554000UL
#define LX_ARG_MIN (32 * PAGE_SIZE) /* a program's argument and environment strings and pointers may take this */
#define LX_ARG_MAX (6UL << 20) /* ... or a quarter of RLIMIT_STACK, but never more than this (Linux's bounds) */
#define LX_ARG_STRLEN (32 * PAGE_SIZE) /* bytes of one such string, with its NUL (Linux's MAX_ARG_STRLEN) */
/* A large buffer of lx's own (zeroed): lx.ld places it after lx's other variables, so that the few a fork writes share few pages. */
#define LX_BUFFER __attribute__((section(".bss.buffers")))
/* A small variable that a fork's child sets at once (or its parent soon): lx.ld keeps them all on one page, the first
 * of lx's data, so that a fork copies one page for them wherever the rest of the data falls. */
#define LX_FORKED __attribute__((section(".data.forked")))
#define PGROUNDUP_U(a) (((uint64_t)(a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/*
 * Each part's header declares what its .c file offers the others; they
 * need one another's types, so a .c file includes this header, which
 * includes them in an order that satisfies that.
 */
#include "libos/lx/thread.h"
#include "libos/lx/process.h"
#include "libos/lx/rewrite.h"
#include "libos/lx/shared.h"
#include "libos/lx/errno.h"
#include "libos/lx/mem.h"
#include "libos/lx/file.h"
#include "libos/lx/filelock.h"
#include "libos/lx/loader.h"
#include "libos/lx/futex.h"
#include "libos/lx/signal.h"
#include "libos/lx/pidfd.h"
#include "libos/lx/itimer.h"
#include "libos/lx/time.h"
#include "libos/lx/resource.h"
#include "libos/lx/random.h"
#include "libos/lx/cred.h"
#include "libos/lx/dev.h"
#include "libos/lx/blkdev.h"
#include "libos/lx/stream.h"
#include "libos/lx/procfs.h"
#include "libos/lx/fault.h"
#include "libos/lx/socket.h"
#include "libos/lx/netif.h"
#include "libos/lx/pkey.h"
#include "libos/lx/sysvipc.h"
#include "libos/lx/system.h"
#include "libos/lx/vfs.h" /* the file system's insides (vfs*.c, dev.c, procfs.c...): last, it includes this */

#endif
