/* Tests of thread_kick and thread_self: a kick upcall interrupts a running thread of the env; its errors. */
#include "check.h"

#define STACK 0x50000000UL

static volatile int kicked, stop;
static volatile long spinner_id;

static void on_exception(struct exc_frame *f)
{
	if (f->trapno == T_KICK)
		kicked++;
	exc_resume(f);
}

static void spinner(uint64_t arg)
{
	(void)arg;
	spinner_id = sys_thread_self();
	while (!stop)
		;
	sys_thread_exit();
}

static void sleeper(uint64_t arg)
{
	(void)arg;
	sys_sleep(50000000UL);
	sys_thread_exit();
}

int main(void)
{
	check_prog = "kick";
	set_upcall(UPCALL_EXCEPTION, on_exception);
	long me = sys_thread_self();
	CHECK("self-id", me > 0);
	CHECK_EQ("kick-self", sys_thread_kick(me), -E_INVAL);
	CHECK_EQ("kick-no-thread", sys_thread_kick(12345), -E_NOENT);
	for (int i = 0; i < 8; i++)
		page_alloc(0, STACK + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX);
	long t = sys_thread_create(0, (uint64_t)spinner, STACK + 4 * PAGE_SIZE - 8, 0);
	CHECK("spinner", t > 0);
	while (!spinner_id)
		sys_yield(0);
	CHECK_EQ("spinner-knows-its-id", spinner_id, t);
	CHECK_EQ("kick", sys_thread_kick(t), 0);
	for (int i = 0; i < 100 && !kicked; i++)
		sys_yield(0);
	CHECK_EQ("kick-upcall-ran", kicked, 1);
	stop = 1;
	long s = sys_thread_create(0, (uint64_t)sleeper, STACK + 8 * PAGE_SIZE - 8, 0);
	sys_yield(0); /* let it block in its sleep */
	CHECK_EQ("kick-blocked", sys_thread_kick(s), -E_AGAIN);
	sys_sleep(60000000UL);
	return CHECK_DONE();
}
