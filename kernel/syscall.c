/* Kernel calls: the dispatch table generated from include/mica/syscalls.def, and the small handlers. */
#include "kernel.h"
#include "kernel/net.h"
#include "kernel/stream.h"
#include "kernel/blk.h"
#include "kernel/ninep.h"

#define CPUTS_CHUNK 256
#define PRESSURE_FRAMES 16 /* frames asked back when the pool runs dry */

static struct env *self(void)
{
	return cpu.cur->env;
}

/* Envs map below USER_LIMIT, and read-only in the boot image window [UBOOT, UENV). */
static bool mappable(uint64_t va, uint64_t perm)
{
	return va < USER_LIMIT || (va < UENV && !(perm & PTE_W));
}

static bool canonical_user(uint64_t va)
{
	return va < USER_TOP;
}

static long sys_null(void)
{
	return 0;
}

/* Write len bytes at s to the console. Returns len; -E_INVAL, -E_FAULT. */
static long sys_cputs(const char *s, long len)
{
	char buf[CPUTS_CHUNK];
	if (len < 0 || len > (1 << 20))
		return -E_INVAL;
	for (long done = 0; done < len;) {
		long n = len - done < CPUTS_CHUNK ? len - done : CPUTS_CHUNK;
		if (copy_from_user(self(), buf, (uint64_t)s + done, n) < 0)
			return -E_FAULT;
		cons_write(buf, n);
		done += n;
	}
	return len;
}

static long sys_cgetc(void)
{
	return cons_getc();
}

static long sys_env_exit(long status)
{
	env_exit(self(), status, NULL);
	sched_run();
}

/* Only the root env may power the machine off. */
static long sys_poweroff(long status)
{
	if (self() != &envs[1])
		return -E_PERM;
	poweroff((int)status);
}

/* Is a an ancestor of (or the same env as) e? */
bool ancestor(struct env *a, struct env *e)
{
	for (int depth = 0; e && depth < NENV; depth++, e = env_lookup(e->parent))
		if (e == a)
			return true;
	return false;
}

/*
 * Memory pressure: ask the env holding the most frames that has agreed to
 * give memory back (it registered a revocation handler), and is not the
 * caller, one of its ancestors, or already asked, to give some back; what it
 * does not give by the deadline it keeps (nothing is taken by force). An env
 * without a handler is never taken from for someone else's allocation: its
 * frames may hold data that no one can rebuild, and the env that wants more
 * memory learns from E_NOMEM that there is none (lx ends that process, as
 * Linux's OOM killer would). Only an ancestor's explicit revoke_ask can
 * take frames from such an env by force.
 */
static void relieve_pressure(struct env *caller)
{
	struct env *victim = NULL;
	for (int i = 1; i < NENV; i++) {
		struct env *e = &envs[i];
		if (e->state == ENV_LIVE && e->upcall[UPCALL_REVOKE] && !ancestor(e, caller) && !e->revoke_deadline &&
		    (!victim || e->frames_owned > victim->frames_owned))
			victim = e;
	}
	if (victim && victim->frames_owned > 0)
		revoke_ask(victim, PRESSURE_FRAMES, false);
}

/* Allocate frame fn (any if -1) owned by env; when none is free, start a revocation and fail. */
static long sys_frame_alloc(long env, long fn)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	long r = frame_alloc(e, fn);
	if (r == -E_NOMEM)
		relieve_pressure(self());
	return r;
}

/* Free a frame that env owns. */
static long sys_frame_free(long env, long fn)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	long r = frame_free(e, fn);
	if (r == 0 && e->revoke_deadline)
		revoke_check(e); /* a revocation request met now is over now: the env may be asked again */
	return r;
}

/* Owner id << 32 | reference count of frame fn; -E_INVAL outside RAM. */
static long sys_frame_info(long fn)
{
	if (fn < 0 || !frame_valid(fn))
		return -E_INVAL;
	return (long)(frame_owner(fn) << 32 | frame_refs(fn));
}

/*
 * Does the caller control frame fn for a mapping in env e: owned by the
 * caller, a child of it, or e, or shared with the caller's group?
 */
static bool controls(struct env *e, uint64_t fn)
{
	uint64_t owner = frame_owner(fn);
	struct env *o = env_lookup(owner);
	uint64_t group = frame_group(fn);
	return owner == self()->id || owner == e->id || (o && o->parent == self()->id) ||
	       (group && group == self()->group);
}

/* May [start, end) be bound by map_cow: page-aligned, in order, within the mappable part of the address space? */
static bool cow_range_ok(uint64_t start, uint64_t end)
{
	return !((start | end) & (PAGE_SIZE - 1)) && start <= end && end <= UENV && !(start < USER_LIMIT && end > USER_LIMIT);
}

/* map_cow of n ranges of the caller's (in kernel memory) into its child env: every range checked before any is bound. */
static long map_cow_ranges(long env, const uint64_t (*ranges)[2], long n)
{
	int err;
	struct env *d = env_get(self(), env, &err);
	if (!d)
		return err;
	if (d == self())
		return -E_PERM;
	for (long i = 0; i < n; i++)
		if (!cow_range_ok(ranges[i][0], ranges[i][1]))
			return -E_INVAL;
	return pt_map_cow_ranges(self()->pml4, d->pml4, ranges, n);
}

/*
 * fork's bind: map [start, end) of the caller into its child env copy-on-write
 * (abi.h: PTE_COW, PTE_SHARE, PTE_NOCOPY). The range must lie in the mappable
 * part of the address space. -E_INVAL, -E_PERM (not a child), -E_NOMEM.
 */
static long sys_map_cow(long env, unsigned long start, unsigned long end)
{
	const uint64_t range[1][2] = { { start, end } };
	return map_cow_ranges(env, range, 1);
}

/*
 * fork's bind of several ranges in one call: n (1 to COW_RANGES_MAX)
 * [start, end) pairs of unsigned longs at ranges in the caller's memory, each
 * bound as map_cow binds it, all checked before any is bound. -E_INVAL,
 * -E_FAULT (the pairs cannot be read), -E_NOENT, -E_PERM, -E_NOMEM (the
 * ranges before stay bound).
 */
static long sys_map_cow_ranges(long env, const void *ranges, long n)
{
	uint64_t r[COW_RANGES_MAX][2];
	if (n < 1 || n > COW_RANGES_MAX)
		return -E_INVAL;
	if (copy_from_user(self(), r, (uint64_t)ranges, (size_t)n * sizeof(r[0])) < 0)
		return -E_FAULT;
	return map_cow_ranges(env, (const uint64_t (*)[2])r, n);
}

/*
 * Resolve a copy-on-write page: the PTE_COW page at va in env becomes env's
 * own and is mapped there with perm (pt_cow_break). Returns the frame now
 * mapped at va. -E_INVAL (bad va or perm, or the page is not PTE_COW),
 * -E_NOENT (nothing mapped there), -E_PERM (not a child), -E_NOMEM.
 */
static long sys_cow_break(long env, unsigned long va, long perm)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if ((va & (PAGE_SIZE - 1)) || !mappable(va, perm) || (perm & ~PTE_USER_PERMS))
		return -E_INVAL;
	long r = pt_cow_break(e, va, (uint64_t)perm);
	if (r == -E_NOMEM)
		relieve_pressure(self());
	return r;
}

/*
 * Interrupt thread tid (of the caller's env or a child) with a T_KICK upcall
 * at its exception entry, as a signal would: only a thread that is runnable
 * and not running (the caller cannot kick itself). A kick is a request for
 * attention, not a count: a thread that has not run since its last kick, or
 * that is running its env's libOS code (which looks for work on its way
 * out), is not interrupted again, and the call returns 0. So kicks never
 * pile upcall frames on an exception stack. -E_NOENT, -E_PERM, -E_INVAL
 * (itself), -E_AGAIN (blocked in a kernel call: wake it another way),
 * -E_FAULT (its upcall frame could not be written), -E_NOSYS (no handler).
 */
static long sys_thread_kick(long tid)
{
	int err;
	struct thread *t = thread_lookup((uint64_t)tid);
	if (!t)
		return -E_NOENT;
	if (!env_get(self(), (long)t->env->id, &err))
		return -E_PERM;
	if (t == cpu.cur)
		return -E_INVAL;
	if (t->state != TH_RUNNABLE)
		return -E_AGAIN;
	if (t->kicked || (t->tf.rip >= t->env->libos_lo && t->tf.rip < t->env->libos_hi))
		return 0;
	int r = upcall_deliver(t, &t->tf, UPCALL_EXCEPTION, T_KICK, 0, 0);
	if (r == 0)
		t->kicked = true;
	return r == -E_NOENT ? -E_NOSYS : r;
}

/* May the caller read e's CPU time? Its own, a child's, or an env of its sharing group's (what ps shows). */
static bool cpu_time_visible(struct env *e)
{
	return e->state == ENV_LIVE && (e == self() || e->parent == self()->id || e->group == self()->group);
}

/* CPU time used by a thread (what 0; id 0: the caller) or an env (what 1; id 0: the caller's), in ns. */
static long sys_cpu_time(long what, long id)
{
	uint64_t ticks;
	if (cpu.running)
		account(cpu.running); /* bring the running thread's count up to now */
	if (what == 0) {
		struct thread *t = id == 0 ? cpu.cur : thread_lookup((uint64_t)id);
		if (!t)
			return -E_NOENT;
		if (!cpu_time_visible(t->env))
			return -E_PERM;
		ticks = t->run_tsc;
	} else if (what == 1) {
		struct env *e = id == 0 ? self() : env_lookup((uint64_t)id);
		if (!e || e->state != ENV_LIVE)
			return -E_NOENT;
		if (!cpu_time_visible(e))
			return -E_PERM;
		ticks = e->run_tsc;
	} else {
		return -E_INVAL;
	}
	return (long)tsc_to_ns(ticks);
}

static long sys_thread_self(void)
{
	return (long)cpu.cur->id;
}

/* Share frame fn, which the caller controls, with every env of the caller's group. */
static long sys_frame_share(long fn)
{
	if (fn < 0 || !frame_valid(fn))
		return -E_INVAL;
	uint64_t owner = frame_owner(fn);
	struct env *o = env_lookup(owner);
	if (owner != self()->id && !(o && o->parent == self()->id))
		return -E_PERM;
	frame_set_group(fn, self()->group);
	return 0;
}

/* Map frame fn, which the caller controls, at va in env. -E_NOENT, -E_PERM, -E_INVAL, -E_NOMEM. */
static long sys_map(long env, unsigned long va, long fn, long perm)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (fn < 0 || !frame_valid(fn))
		return -E_INVAL;
	if (!mappable(va, perm))
		return -E_INVAL;
	if (!controls(e, fn))
		return -E_PERM;
	return pt_map(e->pml4, va, fn, perm);
}

/*
 * Map the frame at srcva in srcenv at dstva in dstenv. Write access needs
 * a writable source or a frame owned by the caller or dstenv.
 */
static long sys_map_copy(long srcenv, unsigned long srcva, long dstenv, unsigned long dstva, long perm)
{
	int err;
	struct env *s = env_get(self(), srcenv, &err), *d;
	if (!s || !(d = env_get(self(), dstenv, &err)))
		return err;
	if (!mappable(srcva, 0) || !mappable(dstva, perm) || (srcva & (PAGE_SIZE - 1)))
		return -E_INVAL;
	uint64_t *pte = pt_lookup(s->pml4, srcva);
	if (!pte || !(*pte & PTE_P))
		return -E_NOENT;
	uint64_t fn = (*pte & PTE_ADDR) / PAGE_SIZE;
	if ((perm & PTE_W) && !(*pte & PTE_W) && !controls(d, fn))
		return -E_PERM;
	return pt_map(d->pml4, dstva, fn, perm);
}

static long sys_unmap(long env, unsigned long va)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	return mappable(va, 0) ? pt_unmap(e->pml4, va) : -E_INVAL;
}

/*
 * A fresh zeroed frame for env (self or a child), mapped with perm, at each
 * page of the n from va that has nothing mapped (mapped ones are left as
 * they are): frame_alloc and map for a run of pages in one call. The number
 * of pages filled; it stops at the first frame that cannot be had, and says
 * -E_NOMEM only when none could; -E_INVAL for a bad va, n or perm, -E_NOENT.
 */
static long sys_page_alloc_range(long env, unsigned long va, long n, long perm)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (n <= 0 || n > PAGE_RANGE_MAX || (va & (PAGE_SIZE - 1)) || va >= USER_LIMIT ||
	    (unsigned long)n > (USER_LIMIT - va) / PAGE_SIZE || (perm & ~(long)PTE_USER_PERMS))
		return -E_INVAL;
	long filled = pt_fill_run(e, va, (uint64_t)n, (uint64_t)perm);
	if (filled == -E_NOMEM)
		relieve_pressure(self());
	return filled;
}

/*
 * A new frame of e's holding the n bytes (at most a page) of the caller's
 * memory at va and zeros after them: only the bytes not copied are cleared.
 * -E_NOMEM, or -E_FAULT when the caller cannot read the bytes (the frame is
 * then given back).
 */
static long frame_of_bytes(struct env *e, uint64_t va, size_t n)
{
	long fn = frame_alloc_uncleared(e);
	if (fn < 0)
		return fn;
	uint8_t *p = P2V((uint64_t)fn * PAGE_SIZE);
	if (copy_from_user(self(), p, va, n) < 0) {
		frame_free(e, fn);
		return -E_FAULT;
	}
	memset(p + n, 0, PAGE_SIZE - n);
	return fn;
}

/*
 * A fresh frame for env (self or a child) holding the n bytes (at most a
 * page) of the caller's memory at src and zeros after them, mapped at va
 * with perm, where nothing was mapped: a page of a file in the caller's
 * memory made a program's in one call, with no clearing of the bytes it
 * copies. Returns the frame. -E_INVAL for a bad va, n or perm, -E_BUSY if
 * va is mapped, -E_FAULT if the caller cannot read the bytes, -E_NOENT,
 * -E_NOMEM (nothing changed).
 */
static long sys_page_alloc_copy(long env, unsigned long va, const void *src, long n, long perm)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (n < 0 || (unsigned long)n > PAGE_SIZE || (va & (PAGE_SIZE - 1)) || va >= USER_LIMIT ||
	    (perm & ~(long)PTE_USER_PERMS))
		return -E_INVAL;
	uint64_t *pte = pt_lookup(e->pml4, va);
	if (pte && (*pte & PTE_P))
		return -E_BUSY;
	long fn = frame_of_bytes(e, (uint64_t)src, (size_t)n);
	if (fn >= 0 && pt_map(e->pml4, va, (uint64_t)fn, (uint64_t)perm) < 0) {
		frame_free(e, fn);
		fn = -E_NOMEM;
	}
	if (fn == -E_NOMEM)
		relieve_pressure(self());
	return fn;
}

/* Unmap [start, end) of env (self or a child), freeing its own frames there with UNMAP_FREE. The count; -E_INVAL, -E_NOMEM. */
static long sys_unmap_range(long env, unsigned long start, unsigned long end, long flags)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if ((flags & ~(long)UNMAP_FREE) || end > USER_LIMIT)
		return -E_INVAL;
	return pt_unmap_range(e, start, end, flags & UNMAP_FREE);
}

/* Change a mapping's permissions; adding PTE_W needs the frame owned by the caller or env. */
static long sys_protect(long env, unsigned long va, long perm)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (!mappable(va, perm))
		return -E_INVAL;
	uint64_t *pte = pt_lookup(e->pml4, va & ~(PAGE_SIZE - 1));
	if ((perm & PTE_W) && pte && (*pte & PTE_P) && !(*pte & PTE_W) && !controls(e, (*pte & PTE_ADDR) / PAGE_SIZE))
		return -E_PERM;
	return pt_protect(e->pml4, va, perm);
}

/*
 * Set a child's limit of a RES_* kind (abi.h), at most the caller's own:
 * no env sets its own. Returns the old limit. -E_NOENT, -E_PERM (not a
 * child, itself, or more than the caller has), -E_INVAL, -E_BUSY (below
 * what the child holds).
 */
static long sys_env_limit(long env, long kind, long limit)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (e == self())
		return -E_PERM;
	return res_set(self(), e, kind, limit);
}

static long sys_env_create(void)
{
	int err;
	struct env *e = env_alloc(self(), &err);
	return e ? (long)e->id : err;
}

/* Give a child with no threads its first one. Returns the thread id. */
static long sys_env_start(long env, unsigned long rip, unsigned long rsp, unsigned long arg)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (e == self() || e->own[RES_THREAD] > 0)
		return -E_BUSY;
	if (!canonical_user(rip) || !canonical_user(rsp))
		return -E_INVAL;
	struct thread *t = thread_alloc(e, rip, rsp, arg, &err);
	return t ? (long)t->id : err;
}

/* Destroy a child at once (status 137, as if killed) and free its slot. */
static long sys_env_destroy(long env)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (e == self())
		return sys_env_exit(137);
	env_exit(e, 137, NULL);
	if (e->state == ENV_ZOMBIE)
		env_reap(self(), e);
	return 0;
}

/* The caller's child env (live or ended, not reaped), or NULL with *err: -E_NOENT, -E_PERM. */
static struct env *child_of(long env, long *err)
{
	struct env *e = env_lookup((uint64_t)env);
	*err = !e || e->state == ENV_FREE ? -E_NOENT : e->parent != self()->id ? -E_PERM : 0;
	return *err ? NULL : e;
}

/* A child's exit status if it has ended, without reaping it (env_wait does); -E_AGAIN while it runs. -E_NOENT, -E_PERM. */
static long sys_env_status(long env)
{
	long err;
	struct env *e = child_of(env, &err);
	if (!e)
		return err;
	return e->state == ENV_ZOMBIE ? e->status : -E_AGAIN;
}

/* Wait for a child to end; its exit status. -E_NOENT, -E_PERM. */
static long sys_env_wait(long env)
{
	long err;
	struct env *e = child_of(env, &err);
	if (!e)
		return err;
	if (e->state == ENV_ZOMBIE)
		return env_reap(self(), e);
	sched_save(cpu.tf);
	cpu.cur->wait_env = e->id;
	thread_block(cpu.cur, TH_WAITENV, TIMEOUT_FOREVER);
	sched_run();
}

static long sys_env_set_upcall(long env, long kind, unsigned long entry)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (kind < UPCALL_EXCEPTION || kind > UPCALL_REVOKE || entry >= USER_LIMIT)
		return -E_INVAL;
	e->upcall[kind] = entry;
	return 0;
}

/* Register the libOS code range [lo, hi) and the entry for reflected syscalls (0: none). */
static long sys_env_set_libos(long env, unsigned long lo, unsigned long hi, unsigned long entry)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (entry && (lo >= hi || hi > USER_LIMIT || entry >= USER_LIMIT))
		return -E_INVAL;
	e->libos_lo = lo;
	e->libos_hi = hi;
	e->libos_entry = entry;
	if (cpu.space == e) {
		k_libos_lo = lo;
		k_libos_hi = hi;
		k_libos_entry = entry;
	}
	return 0;
}

/* Guard env's libOS with a protection key (pkey.c). -E_NOENT, -E_PERM, -E_INVAL, -E_NOSYS (no PKU). */
static long sys_env_set_pkey(long env, long key)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	return e ? pkey_set_libos(e, key) : err;
}

static long sys_thread_create(long env, unsigned long rip, unsigned long rsp, unsigned long arg)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (!canonical_user(rip) || !canonical_user(rsp))
		return -E_INVAL;
	struct thread *t = thread_alloc(e, rip, rsp, arg, &err);
	return t ? (long)t->id : err;
}

static long sys_thread_exit(void)
{
	struct env *e = self();
	thread_kill(cpu.cur);
	if (e->own[RES_THREAD] == 0)
		env_exit(e, 0, NULL);
	sched_run();
}

/* Set a thread's fs or gs base, or its exception stack. tid 0 is the caller. */
static long sys_thread_set(long tid, long what, unsigned long value)
{
	struct thread *t = tid == 0 ? cpu.cur : thread_lookup((uint64_t)tid);
	int err;
	if (!t || !env_get(self(), (long)t->env->id, &err))
		return t ? -E_PERM : -E_NOENT;
	if (!canonical_user(value))
		return -E_INVAL;
	switch (what) {
	case THREAD_FSBASE:
		t->fs_base = value;
		break;
	case THREAD_GSBASE:
		t->gs_base = value;
		if (t == cpu.cur)
			k_gs_base = value;
		break;
	case THREAD_XSTACK:
		t->xstack = value & ~15UL;
		return 0;
	default:
		return -E_INVAL;
	}
	if (t == cpu.cur) {
		wrmsr(what == THREAD_FSBASE ? MSR_FS_BASE : MSR_GS_BASE, value);
	} else if (cpu.fpu_owner == t) {
		/* its bases are loaded but it is not running: reload on its next switch */
		__asm__ volatile("fxsave64 %0" : "=m"(t->fpu));
		t->pkru = thread_pkru(t);
		cpu.fpu_owner = NULL;
	}
	return 0;
}

/* Give the rest of the slice to env (0: to whoever is next). -E_NOENT, -E_AGAIN. */
static long sys_yield(long env)
{
	struct env *target = NULL;
	if (env) {
		target = env_lookup((uint64_t)env);
		if (!target || target->state != ENV_LIVE)
			return -E_NOENT;
	}
	return sched_yield_to(cpu.tf, target);
}

/*
 * Allocate slice slot (any free one if -1) to env. Returns the slot;
 * -E_INVAL, -E_BUSY (the slot is taken, none is free, or env or an ancestor
 * is at its limit of slices: the root's descendants never hold every slot).
 */
static long sys_slice_alloc(long slot, long env)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (slot < -1 || slot >= NSLICE)
		return -E_INVAL;
	for (long i = 0; slot == -1 && i < NSLICE; i++)
		if (cpu.slices[i] == 0)
			slot = i;
	if (slot == -1 || cpu.slices[slot])
		return -E_BUSY;
	if ((err = res_check(e, RES_SLICE)) < 0)
		return err;
	cpu.slices[slot] = e->id;
	res_take(e, RES_SLICE);
	return slot;
}

/* Free a slot the caller or one of its children holds. -E_INVAL, -E_NOENT (not held), -E_PERM. */
static long sys_slice_free(long slot)
{
	int err;
	if (slot < 0 || slot >= NSLICE)
		return -E_INVAL;
	if (!cpu.slices[slot])
		return -E_NOENT;
	struct env *e = env_get(self(), (long)cpu.slices[slot], &err);
	if (!e)
		return -E_PERM;
	cpu.slices[slot] = 0;
	res_give(e, RES_SLICE);
	return 0;
}

static long sys_ep_create(void)
{
	return ep_create(self());
}

static long sys_ep_destroy(long ep)
{
	return ep_destroy(self(), ep);
}

static long sys_ipc(void)
{
	return ipc_syscall(cpu.tf);
}

static long sys_ntfn_create(void)
{
	return ntfn_create(self());
}

static long sys_ntfn_destroy(long nt)
{
	return ntfn_destroy(self(), nt);
}

static long sys_ntfn_signal(long nt, unsigned long bits)
{
	return ntfn_signal(nt, bits);
}

static long sys_ntfn_wait(long nt, unsigned long timeout)
{
	return ntfn_wait(cpu.tf, self(), nt, timeout);
}

static long sys_irq_bind(long irq, long nt, unsigned long bits)
{
	return irq_bind(self(), irq, nt, bits);
}

/* Ask a child to give back nframes frames (as memory pressure would). */
static long sys_revoke_ask(long env, long nframes)
{
	int err;
	struct env *e = env_get(self(), env, &err);
	if (!e)
		return err;
	if (e == self() || nframes <= 0)
		return -E_INVAL;
	return revoke_ask(e, (uint64_t)nframes, true);
}

/* Sleep for ns nanoseconds. */
static long sys_sleep(unsigned long ns)
{
	if (ns == 0)
		return 0;
	sched_save(cpu.tf);
	thread_block(cpu.cur, TH_SLEEP, ns);
	sched_run();
}

/* ---- the network: kernel/netring.c does the work ---- */
static long sys_net_ring_bind(unsigned long va, long npages, long nt, unsigned long bits)
{
	return net_ring_bind(self(), va, npages, nt, bits);
}

static long sys_net_filter(long ring, const void *filter)
{
	return net_filter(self(), ring, (uint64_t)filter);
}

static long sys_net_filter_remove(long id)
{
	return net_filter_remove(self(), id);
}

static long sys_net_send(const void *batch, long n)
{
	return net_send(self(), (uint64_t)batch, n);
}

static long sys_net_info(void *out)
{
	return net_info(self(), (uint64_t)out);
}

static long sys_stream_bind(long port, long nt, unsigned long bits)
{
	return stream_bind(self(), port, nt, bits);
}

static long sys_stream_read(long port, void *buf, long len)
{
	return stream_read(self(), port, (uint64_t)buf, len);
}

static long sys_stream_write(long port, const void *buf, long len)
{
	return stream_write(self(), port, (uint64_t)buf, len);
}

static long sys_stream_poll(long port)
{
	return stream_poll(self(), port);
}

/* ---- host folders: kernel/ninep.c does the work ---- */
static long sys_p9_info(long share, void *out)
{
	return p9_info(self(), share, (uint64_t)out);
}

static long sys_p9_claim(long share)
{
	return p9_claim(self(), share);
}

static long sys_p9_ring_bind(unsigned long va, long nt, unsigned long bits)
{
	return p9_ring_bind(self(), va, nt, bits);
}

static long sys_p9_submit(const void *req)
{
	return p9_submit(self(), (uint64_t)req);
}

/* ---- block storage: kernel/blk.c and kernel/extent.c do the work ---- */
static long sys_blk_info(long disk, void *out)
{
	return blk_info(self(), disk, (uint64_t)out);
}

static long sys_blk_grant(long env, long disk, unsigned long start, unsigned long count, long perm)
{
	return blk_grant(self(), env, disk, start, count, perm);
}

static long sys_blk_revoke(long id)
{
	return blk_revoke(self(), id);
}

static long sys_blk_extents(long env, void *out, long n)
{
	return blk_extents(self(), env, (uint64_t)out, n);
}

static long sys_blk_ring_bind(unsigned long va, long nt, unsigned long bits)
{
	return blk_ring_bind(self(), va, nt, bits);
}

static long sys_blk_submit(const void *batch, long n)
{
	return blk_submit(self(), (uint64_t)batch, n);
}

/* ---- the table, generated from the one list ---- */
#define ARGS0(...)
#define ARGS1(t1, a1) (t1)tf->rdi
#define ARGS2(t1, a1, t2, a2) ARGS1(t1, a1), (t2)tf->rsi
#define ARGS3(t1, a1, t2, a2, t3, a3) ARGS2(t1, a1, t2, a2), (t3)tf->rdx
#define ARGS4(t1, a1, t2, a2, t3, a3, t4, a4) ARGS3(t1, a1, t2, a2, t3, a3), (t4)tf->r10
#define ARGS5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) ARGS4(t1, a1, t2, a2, t3, a3, t4, a4), (t5)tf->r8
#define SYSCALL(num, name, nargs, ...) \
	static long call_##name(struct trapframe *tf) { (void)tf; return sys_##name(ARGS##nargs(__VA_ARGS__)); }
#include <mica/syscalls.def>
#undef SYSCALL

static long (*const syscalls[])(struct trapframe *) = {
#define SYSCALL(num, name, nargs, ...) [num] = call_##name,
#include <mica/syscalls.def>
#undef SYSCALL
};

/* The list numbers its calls 0 up without a gap, so no entry of the table is NULL (dispatch checks only n). */
enum {
	KCALLS_LISTED = 0
#define SYSCALL(num, name, nargs, ...) +1
#include <mica/syscalls.def>
#undef SYSCALL
};
_Static_assert(KCALLS_LISTED == sizeof(syscalls) / sizeof(syscalls[0]), "a gap (or a number twice) in syscalls.def");

/* A kernel call: the number in rax, arguments in rdi, rsi, rdx, r10, r8; result to rax. */
void syscall_dispatch(struct trapframe *tf)
{
	uint64_t n = tf->rax;
	cpu.tf = tf;
	if (!pkey_kcall_allowed())
		tf->rax = (uint64_t)-E_PERM; /* not through an entry the kernel opened: program code, not its libOS */
	else if (n < sizeof(syscalls) / sizeof(syscalls[0]))
		tf->rax = (uint64_t)syscalls[n](tf);
	else
		tf->rax = (uint64_t)-E_NOSYS;
}
