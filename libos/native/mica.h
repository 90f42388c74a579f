/* The native runtime's interface: kernel-call stubs (include/mica/kcall.h), console output, upcalls, spawning programs. */
#ifndef NATIVE_MICA_H
#define NATIVE_MICA_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <mica/abi.h>
#include <mica/error.h>
#include <mica/kcall.h>
#include <mica/memlayout.h>
#include "lib/string.h"
#include "lib/fmt.h"

#define KIP ((const volatile struct kip *)UKIP)
#define ENVINFO ((const volatile struct envinfo *)UENV)

extern const struct mica_start *mica_start_info;
/* The TSC at the program's first instruction (under icount: instructions since reset). */
extern uint64_t mica_start_tsc;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Programs define main; its return value is the env's exit status. */
int main(void);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void puts_raw(const char *s);
__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* Nanoseconds since boot, from the KIP (no kernel call). */
uint64_t clock_ns(void);

/* Upcall handlers, one per kind; the frame may be edited before it resumes. */
typedef void (*upcall_fn)(struct exc_frame *f);
int set_upcall(int kind, upcall_fn fn);
void exc_resume(struct exc_frame *f) __attribute__((noreturn));

/* Map a fresh zeroed page at va in env (0: self) with perm; its frame number or -E_*. */
long page_alloc(long env, uint64_t va, uint64_t perm);

/*
 * Start the program called name in the boot image as a new child env
 * whose mica_start.arg is arg. Returns the child's id or -E_* (-E_NOENT: no
 * such program; -E_BADFMT: not a valid ELF).
 */
long spawn(const char *name, uint64_t arg);
#define SPAWN_SCRATCH 0x00006F0000000000UL /* where spawn maps a child's page to fill it */

/* Spawn, then wait: the child's exit status or -E_*. */
long run(const char *name, uint64_t arg);

#endif
