/* A helper child for the env tests: what it does depends on its start argument. */
#include "mica.h"

/* Operations on another env (not ours to touch): each must fail with -E_PERM; the exit status names the first that did not. */
static int act_on(long other)
{
	if (sys_frame_alloc(other, -1) != -E_PERM)
		return 20;
	if (sys_env_destroy(other) != -E_PERM)
		return 21;
	if (sys_env_wait(other) != -E_PERM)
		return 22;
	if (sys_env_set_upcall(other, UPCALL_EXCEPTION, 0x1000) != -E_PERM)
		return 23;
	if (sys_env_start(other, 0x1000, 0x1000, 0) != -E_PERM)
		return 24;
	if (sys_unmap(other, 0x10000000) != -E_PERM)
		return 25;
	if (sys_revoke_ask(other, 1) != -E_PERM)
		return 26;
	if (sys_thread_create(other, 0x1000, 0x1000, 0) != -E_PERM)
		return 27;
	return 0;
}

/* Each use of the parent's frame fn must be refused; the exit status names the first that was not. */
static int borrow(long fn)
{
	if (sys_map(0, 0x10000000, fn, 0) != -E_PERM)
		return 30;
	if (sys_map(0, 0x10000000, fn, PTE_W) != -E_PERM)
		return 31;
	if (sys_frame_free(0, fn) != -E_PERM)
		return 32;
	if (sys_frame_alloc(0, fn) != -E_BUSY)
		return 33;
	if ((sys_frame_info(fn) >> 32) != (long)ENVINFO->parent)
		return 34;
	return 0;
}

static void ignore(struct exc_frame *f)
{
	f->rip += 2;
}

int main(void)
{
	uint64_t arg = mica_start_info->arg;

	switch (arg & 15) {
	case 0: /* a plain status */
		return 7;
	case 1: /* spin until destroyed */
		for (;;)
			sys_yield(0);
	case 2: /* a null-pointer read with no handler: the kernel ends the env */
		return *(volatile int *)0;
	case 3: /* the parent is not ours to act on */
		return act_on((long)ENVINFO->parent);
	case 4: /* nor is a sibling, whose id is in the upper bits of arg */
		return act_on((long)(arg >> 4));
	case 5: /* an exit status passed straight to env_exit */
		sys_env_exit(0x1234);
		return 1;
	case 6: /* an invalid opcode with no handler */
		__asm__ volatile("ud2");
		return 1;
	case 7: /* a handler, but an exception stack that cannot be written: the kernel ends the env */
		set_upcall(UPCALL_EXCEPTION, ignore);
		sys_thread_set(0, THREAD_XSTACK, 0x50000000);
		__asm__ volatile("ud2");
		return 1;
	case 8: /* a frame of the parent, whose number is in the upper bits of arg, is not ours */
		return borrow((long)(arg >> 4));
	}
	return 99;
}
