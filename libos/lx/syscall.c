/* The Linux syscall table, generated from syscalls.def, its dispatch, and the trace mode. */
#include "libos/lx/lx.h"
#include "libos/lx/volume.h"


/* The table's entries: the six argument registers, cast to each handler's types. */
#define LX_ARGS0(...)
#define LX_ARGS1(t1, a1) (t1)r1
#define LX_ARGS2(t1, a1, t2, a2) LX_ARGS1(t1, a1), (t2)r2
#define LX_ARGS3(t1, a1, t2, a2, t3, a3) LX_ARGS2(t1, a1, t2, a2), (t3)r3
#define LX_ARGS4(t1, a1, t2, a2, t3, a3, t4, a4) LX_ARGS3(t1, a1, t2, a2, t3, a3), (t4)r4
#define LX_ARGS5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) LX_ARGS4(t1, a1, t2, a2, t3, a3, t4, a4), (t5)r5
#define LX_ARGS6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	LX_ARGS5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5), (t6)r6
#define LX_SYSCALL(nr, name, flags, nargs, ...)                                                               \
	static __attribute__((unused)) long call_##name(long r1, long r2, long r3, long r4, long r5, long r6) \
	{                                                                                                     \
		(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)r6;                                   \
		return lx_sys_##name(LX_ARGS##nargs(__VA_ARGS__));                                            \
	}
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL

/* A table entry by the call's flags: an LX_LEAF handler itself (a wrapper would not keep the registers it keeps;
 * its arguments are longs, so the cast is exact), else the wrapper that casts the registers. */
#define LX_ENTRY_0(name) call_##name
#define LX_ENTRY_LX_FULL(name) call_##name
#define LX_ENTRY_LX_RESTART(name) call_##name
#define LX_ENTRY_LX_LEAF(name) ((lx_handler)(void (*)(void))lx_sys_##name)

/* The handlers by number; lx_syscall_route may send a call elsewhere (volume.c does, once a volume is mounted). */
lx_handler lx_syscall_table[LX_NR_LIMIT] = {
#define LX_SYSCALL(nr, name, flags, ...) [nr] = LX_ENTRY_##flags(name),
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL
};
_Static_assert(offsetof(struct lx_proc, pending) == LX_PROC_PENDING && ERESTARTNOINTR == LX_ERESTARTNOINTR,
	       "what entry.S's direct way reads");

const char *const lx_syscall_names[] = {
#define LX_SYSCALL(nr, name, ...) [nr] = #name,
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL
};

const uint8_t lx_syscall_flags[LX_NR_LIMIT] = {
#define LX_SYSCALL(nr, name, flags, ...) [nr] = flags,
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL
};

#define NSYSCALLS LX_NR_LIMIT

lx_handler lx_syscall_route(long nr, lx_handler fn)
{
	if (lx_syscall_flags[nr] & LX_LEAF)
		die("lx: syscall %ld keeps registers (LX_LEAF): it cannot be routed", nr);
	lx_handler old = lx_syscall_table[nr];
	lx_syscall_table[nr] = fn;
	return old;
}

/* fn(a1..a6) under lx's lock: the calls of a program with more than one thread. */
static __attribute__((noinline)) long locked_call(lx_handler fn, long a1, long a2, long a3, long a4, long a5, long a6)
{
	lx_lock();
	long r = fn(a1, a2, a3, a4, a5, a6);
	lx_unlock();
	return r;
}

/*
 * Run call nr (one lx has, or -ENOSYS), under lx's lock when the program
 * has more than one thread, and tell entry.S whether a signal waits: the
 * work of every call, kept inline so that the arguments stay in the
 * registers the program passed them in.
 */
static inline __attribute__((always_inline)) long dispatch(long a1, long a2, long a3, long a4, long a5, long a6,
							   long nr)
{
	struct lx_thread *me = lx_self();
	long r = -ENOSYS;
	me->last_nr = nr;
	if (__builtin_expect(LX_SH->vol_mounts != vol_seen, 0)) /* another process mounted a volume */
		volume_catch_up();
	if ((unsigned long)nr < NSYSCALLS && lx_syscall_table[nr]) {
		if (lx_modes.multi) {
			r = locked_call(lx_syscall_table[nr], a1, a2, a3, a4, a5, a6);
		} else {
			r = lx_syscall_table[nr](a1, a2, a3, a4, a5, a6);
			if (lx_modes.multi) /* the call made a second thread (clone), and holds the lock it took for it */
				lx_unlock();
		}
	}
	/* -ERESTARTNOINTR: a signal came; the call starts again after its handler (signal.c) */
	me->deliver = lx_signal_pending() || lx_attention || r == -ERESTARTNOINTR;
	return r;
}

/* A call under --trace: dispatched, then told on the console with its first four arguments and result. */
static __attribute__((noinline)) long traced(long a1, long a2, long a3, long a4, long a5, long a6, long nr)
{
	long r = dispatch(a1, a2, a3, a4, a5, a6, nr);
	if ((unsigned long)nr < NSYSCALLS && lx_syscall_table[nr])
		printf("[lx] %s(%#lx, %#lx, %#lx, %#lx) = %ld\n", lx_syscall_names[nr], a1, a2, a3, a4, r);
	else
		printf("[lx] syscall %ld(%#lx, %#lx, %#lx) = -ENOSYS (not implemented)\n", nr, a1, a2, a3);
	return r;
}

/* Called by entry.S for every syscall of the program: the result, or a negated errno. */
long lx_syscall(long a1, long a2, long a3, long a4, long a5, long a6, long nr)
{
	if (__builtin_expect(lx_modes.trace, 0))
		return traced(a1, a2, a3, a4, a5, a6, nr);
	return dispatch(a1, a2, a3, a4, a5, a6, nr);
}
