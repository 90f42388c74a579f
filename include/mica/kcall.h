/* The ring-3 stubs of every kernel call, sys_NAME(), made by the preprocessor from include/mica/syscalls.def; ipc() by hand. */
#ifndef MICA_KCALL_H
#define MICA_KCALL_H

#include <stdint.h>
#include <mica/ipc.h>

/* Make kernel call n with five arguments in rdi, rsi, rdx, r10, r8. */
static inline long kcall(long n, long a1, long a2, long a3, long a4, long a5)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : "a"(n)
			 : "rcx", "r11", "r9", "memory");
	return ret;
}

#define KC_DECL0(...) void
#define KC_DECL1(t1, a1) t1 a1
#define KC_DECL2(t1, a1, t2, a2) t1 a1, t2 a2
#define KC_DECL3(t1, a1, t2, a2, t3, a3) t1 a1, t2 a2, t3 a3
#define KC_DECL4(t1, a1, t2, a2, t3, a3, t4, a4) t1 a1, t2 a2, t3 a3, t4 a4
#define KC_DECL5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5
#define KC_PASS0(...) 0, 0, 0, 0, 0
#define KC_PASS1(t1, a1) (long)a1, 0, 0, 0, 0
#define KC_PASS2(t1, a1, t2, a2) (long)a1, (long)a2, 0, 0, 0
#define KC_PASS3(t1, a1, t2, a2, t3, a3) (long)a1, (long)a2, (long)a3, 0, 0
#define KC_PASS4(t1, a1, t2, a2, t3, a3, t4, a4) (long)a1, (long)a2, (long)a3, (long)a4, 0
#define KC_PASS5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) (long)a1, (long)a2, (long)a3, (long)a4, (long)a5

/* SYS_NCALLS: one past the highest call number (the list may grow; numbers stay). */
#define SYSCALL(num, name, nargs, ...) [num] = 1,
__attribute__((unused)) static const char mica_syscall_numbers[] = {
#include <mica/syscalls.def>
};
#undef SYSCALL
#define SYS_NCALLS ((long)sizeof(mica_syscall_numbers))

#define SYSCALL(num, name, nargs, ...) \
	enum { SYS_##name = num };      \
	static inline long sys_##name(KC_DECL##nargs(__VA_ARGS__)) { return kcall(num, KC_PASS##nargs(__VA_ARGS__)); }
#include <mica/syscalls.def>
#undef SYSCALL

/*
 * The IPC call: op and endpoint, the message in and out, a timeout in ns,
 * and a receive window for a page (0: none). Returns 0 or -E_*; on a
 * receive, *badge is the sender's thread id.
 */
static inline long ipc(int op, long ep, struct ipc_msg *m, uint64_t timeout, uint64_t window, uint64_t *badge)
{
	register uint64_t r10 __asm__("r10") = m->w[1];
	register uint64_t r8 __asm__("r8") = m->w[2];
	register uint64_t r9 __asm__("r9") = m->w[3];
	register uint64_t r12 __asm__("r12") = window;
	uint64_t rdi = (uint64_t)op | (uint64_t)ep << 8, rsi = m->tag, rdx = m->w[0];
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9), "+b"(timeout)
			 : "a"((long)SYS_ipc), "r"(r12)
			 : "rcx", "r11", "memory");
	m->tag = rsi;
	m->w[0] = rdx;
	m->w[1] = r10;
	m->w[2] = r8;
	m->w[3] = r9;
	if (badge)
		*badge = rdi;
	return ret;
}

#endif
