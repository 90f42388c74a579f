/* The Linux syscall table, generated from syscalls.def, its dispatch, and the trace mode. */
#include "libos/lx/lx.h"

bool lx_trace;

static long (*const table[])(long, long, long, long, long, long) = {
#define LX_SYSCALL(nr, name) [nr] = lx_sys_##name,
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL
};

const char *const lx_syscall_names[] = {
#define LX_SYSCALL(nr, name) [nr] = #name,
#include "libos/lx/syscalls.def"
#undef LX_SYSCALL
};

#define NSYSCALLS (sizeof(table) / sizeof(table[0]))

/* Called by entry.S for every syscall of the program: the result, or a negated errno. */
long lx_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long r = -ENOSYS;
	bool known = nr >= 0 && (unsigned long)nr < NSYSCALLS && table[nr];

	lx_self()->last_nr = nr;
	if (known) {
		bool locked = lx_multi; /* one thread needs no lock; clone takes it when it makes a second */
		if (locked)
			lx_lock();
		r = table[nr](a1, a2, a3, a4, a5, a6);
		if (locked || lx_multi)
			lx_unlock();
	}
	lx_self()->deliver = lx_signal_pending() || lx_attention;
	if (lx_trace) {
		if (known)
			printf("[lx] %s(%#lx, %#lx, %#lx, %#lx) = %ld\n", lx_syscall_names[nr], a1, a2, a3, a4, r);
		else
			printf("[lx] syscall %ld(%#lx, %#lx, %#lx) = -ENOSYS (not implemented)\n", nr, a1, a2, a3);
	}
	return r;
}
