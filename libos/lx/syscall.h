/* The Linux syscall table of syscall.c and entry.S: flags, handlers and the dispatch, all from syscalls.def. */
#ifndef LX_SYSCALL_H
#define LX_SYSCALL_H

/* A syscall's flags in syscalls.def and in lx_syscall_flags[nr]. */
#define LX_FULL 1 /* entry.S saves the whole register frame before the call */
#define LX_RESTART 2 /* SA_RESTART starts the call again after a handler */
#define LX_LEAF 4 /* the handler keeps every register but rax: rewritten sites take entry.S's leaf way */
#define LX_NR_LIMIT 512 /* every number in syscalls.def is below it */

/* What entry.S's direct way reads without C: offsets in struct lx_thread (thread.h) and struct lx_proc
 * (process.h), asserted there, and the result that restarts a call after a handler (errno.h). */
#define LX_GS_SIGMASK 72
#define LX_GS_SIGPENDING 80
#define LX_GS_LAST_NR 88
#define LX_PROC_PENDING 40
#define LX_ERESTARTNOINTR 513

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stdbool.h>

#define LX_DECL0(...) void
#define LX_DECL1(t1, a1) t1 a1
#define LX_DECL2(t1, a1, t2, a2) t1 a1, t2 a2
#define LX_DECL3(t1, a1, t2, a2, t3, a3) t1 a1, t2 a2, t3 a3
#define LX_DECL4(t1, a1, t2, a2, t3, a3, t4, a4) t1 a1, t2 a2, t3 a3, t4 a4
#define LX_DECL5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5
#define LX_DECL6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6

/*
 * A handler's attributes by its flags (one token in syscalls.def): an LX_LEAF
 * handler is compiled to keep every register but rax, as it would keep the
 * callee-saved ones, so that entry.S's leaf way saves none for it. It must
 * call nothing, never block, take at most three arguments (rcx, the fourth,
 * holds the program's return address then) and never ask to start again;
 * tests/lxleaf.py checks the first in lx's image.
 */
#define LX_KEEPS_0
#define LX_KEEPS_LX_FULL
#define LX_KEEPS_LX_RESTART
#ifdef _SOFT_FLOAT /* -mgeneral-regs-only, as lx is built and GCC requires for it; not the host's unit tests */
#define LX_KEEPS_LX_LEAF __attribute__((no_caller_saved_registers))
#else
#define LX_KEEPS_LX_LEAF
#endif

/* Every handler, long lx_sys_NAME(its typed arguments): the result, or a negated errno. */
#define LX_SYSCALL(nr, name, flags, nargs, ...) LX_KEEPS_##flags long lx_sys_##name(LX_DECL##nargs(__VA_ARGS__));
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL

/* entry.S: call nr with the argument registers in the order the program passed them: the result or -errno */
long lx_syscall(long a1, long a2, long a3, long a4, long a5, long a6, long nr);
extern const char *const lx_syscall_names[]; /* by number; NULL where lx has no such call */
/* A call's handler: the six argument registers in, the result or a negated errno out. */
typedef long (*lx_handler)(long, long, long, long, long, long);
/* From now on (in this process and those it forks) call nr, one lx has and not LX_LEAF, goes to fn: the handler
 * it replaces. */
lx_handler lx_syscall_route(long nr, lx_handler fn);
/* The handlers by number, below LX_NR_LIMIT; NULL where lx has no such call. entry.S's direct way calls them. */
extern lx_handler lx_syscall_table[LX_NR_LIMIT];
extern const uint8_t lx_syscall_flags[LX_NR_LIMIT]; /* LX_FULL, LX_RESTART, LX_LEAF by number */

/* Is nr a syscall that SA_RESTART starts again? */
static inline bool lx_syscall_restarts(long nr)
{
	return nr >= 0 && nr < LX_NR_LIMIT && (lx_syscall_flags[nr] & LX_RESTART);
}
#endif

#endif
