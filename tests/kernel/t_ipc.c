/* Tests of IPC between address spaces: call/reply round trips, badges, timeouts, errors, page transfer, dead endpoints. */
#include "check.h"

#define ROUNDS 1000
#define WINDOW 0x30000000UL
#define STACK_VA 0x40000000UL
#define STACK_PAGES 4

static volatile long thread_result = 1;
static volatile uint64_t thread_tid_seen;

/* A thread of this env that calls endpoint arg once; its result lands in thread_result. */
static void caller_thread(uint64_t ep)
{
	struct ipc_msg m = { .tag = 42, .w = { 9, 0, 0, 0 } };
	thread_result = ipc(IPC_CALL, (long)ep, &m, TIMEOUT_FOREVER, 0, NULL);
	if (thread_result == 0)
		thread_tid_seen = m.w[1];
	sys_thread_exit();
}

static long start_thread(long ep)
{
	return sys_thread_create(0, (uint64_t)caller_thread, STACK_VA + STACK_PAGES * PAGE_SIZE, (uint64_t)ep);
}

int main(void)
{
	check_prog = "ipc";
	struct ipc_msg m = { 0 };
	uint64_t badge = 0;

	long ep = sys_ep_create();
	CHECK("ep-create", ep > 0);

	/* round trips with a child env */
	long child = spawn("ipc_peer", (uint64_t)ep << 3 | 1);
	CHECK("spawn-peer", child > 0);
	int wrong = 0, labels = 0;
	uint64_t first_badge = 0;
	long r = ipc(IPC_RECV, ep, &m, TIMEOUT_FOREVER, 0, &badge);
	first_badge = badge;
	for (int i = 0; i < ROUNDS && r == 0; i++) {
		if (m.w[0] != (uint64_t)i || m.w[2] != ~(uint64_t)i || m.w[3] != 0x5555)
			wrong++;
		if (IPC_LABEL(m.tag) != 1000U + (unsigned)i)
			labels++;
		if (badge != first_badge)
			wrong++;
		m.w[0]++;
		m.w[1] = badge;
		if (i == ROUNDS - 1)
			r = ipc(IPC_REPLY, 0, &m, 0, 0, NULL);
		else
			r = ipc(IPC_REPLY_RECV, ep, &m, TIMEOUT_FOREVER, 0, &badge);
	}
	CHECK_EQ("round-trips-ok", r, 0);
	CHECK_EQ("words-transformed", wrong, 0);
	CHECK_EQ("labels-preserved", labels, 0);
	CHECK("badge-nonzero", first_badge != 0);
	CHECK_EQ("peer-saw-replies", sys_env_wait(child), 0);

	/* the badge is the caller's thread id */
	for (int i = 0; i < STACK_PAGES; i++)
		page_alloc(0, STACK_VA + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX);
	long tid = start_thread(ep);
	CHECK("thread-create", tid > 0);
	r = ipc(IPC_RECV, ep, &m, TIMEOUT_FOREVER, 0, &badge);
	CHECK_EQ("recv-from-thread", r, 0);
	CHECK_EQ("badge-is-thread-id", badge, tid);
	CHECK_EQ("thread-label", IPC_LABEL(m.tag), 42);
	m.w[1] = badge;
	CHECK_EQ("reply-to-thread", ipc(IPC_REPLY, 0, &m, 0, 0, NULL), 0);
	for (int i = 0; i < 100 && thread_result == 1; i++)
		sys_yield(0);
	CHECK_EQ("thread-got-reply", thread_result, 0);
	CHECK_EQ("thread-reply-words", thread_tid_seen, tid);

	/* errors and timeouts */
	CHECK_EQ("recv-poll-empty", ipc(IPC_RECV, ep, &m, 0, 0, NULL), -E_AGAIN);
	uint64_t t0 = clock_ns();
	r = ipc(IPC_RECV, ep, &m, 1000000, 0, NULL);
	uint64_t dt = clock_ns() - t0;
	CHECK_EQ("recv-timeout", r, -E_TIMEOUT);
	CHECK("recv-timeout-waited-1ms", dt >= 1000000);
	CHECK("recv-timeout-not-too-long", dt < 100000000);
	CHECK_EQ("reply-nobody", ipc(IPC_REPLY, 0, &m, 0, 0, NULL), -E_NOENT);
	CHECK_EQ("bad-endpoint-recv", ipc(IPC_RECV, 12345, &m, 0, 0, NULL), -E_NOENT);
	CHECK_EQ("bad-endpoint-call", ipc(IPC_CALL, 0, &m, 0, 0, NULL), -E_NOENT);
	CHECK_EQ("send-poll-no-receiver", ipc(IPC_SEND, ep, &m, 0, 0, NULL), -E_AGAIN);
	CHECK_EQ("bad-op", ipc(0x77, ep, &m, 0, 0, NULL), -E_INVAL);

	/* page transfer */
	child = spawn("ipc_peer", (uint64_t)ep << 3 | 2);
	r = ipc(IPC_RECV, ep, &m, TIMEOUT_FOREVER, WINDOW, &badge);
	CHECK_EQ("page-recv", r, 0);
	CHECK("page-flag", (m.tag & IPC_PAGE) != 0);
	CHECK_EQ("page-label", IPC_LABEL(m.tag), 7);
	CHECK_EQ("page-w3-window", m.w[3], WINDOW);
	int diff = 0;
	if (r == 0 && (m.tag & IPC_PAGE)) {
		const volatile uint64_t *p = (const volatile uint64_t *)WINDOW;
		for (int i = 0; i < 512; i++)
			if (p[i] != 0xC0DE0000UL + (uint64_t)i)
				diff++;
		CHECK("page-writable", (*uvpt_pte(WINDOW) & PTE_W) != 0);
		((volatile uint64_t *)WINDOW)[1] = 0xFEED;
	} else {
		diff = -1;
	}
	CHECK_EQ("page-data", diff, 0);
	CHECK_EQ("page-unmap-window", sys_unmap(0, WINDOW), 0);
	CHECK_EQ("page-reply", ipc(IPC_REPLY, 0, &m, 0, 0, NULL), 0);
	CHECK_EQ("page-sender-sees-write", sys_env_wait(child), 0);

	/* someone else's endpoint; its owner dies under a blocked caller */
	child = spawn("ipc_peer", (uint64_t)ep << 3 | 3);
	r = ipc(IPC_RECV, ep, &m, TIMEOUT_FOREVER, 0, &badge);
	long theirs = (long)m.w[0];
	CHECK("their-endpoint", r == 0 && theirs > 0 && theirs != ep);
	CHECK_EQ("their-reply", ipc(IPC_REPLY, 0, &m, 0, 0, NULL), 0);
	CHECK_EQ("recv-not-owner", ipc(IPC_RECV, theirs, &m, 0, 0, NULL), -E_PERM);
	CHECK_EQ("destroy-not-owner", sys_ep_destroy(theirs), -E_PERM);
	thread_result = 1;
	tid = start_thread(theirs);
	CHECK("dead-thread-create", tid > 0);
	sys_sleep(1000000); /* the thread blocks in its call */
	CHECK_EQ("caller-still-blocked", thread_result, 1);
	CHECK_EQ("destroy-owner", sys_env_destroy(child), 0);
	for (int i = 0; i < 100 && thread_result == 1; i++)
		sys_yield(0);
	CHECK_EQ("caller-gets-dead", thread_result, -E_DEAD);
	CHECK_EQ("dead-endpoint-gone", ipc(IPC_CALL, theirs, &m, 0, 0, NULL), -E_NOENT);

	CHECK_EQ("ep-destroy", sys_ep_destroy(ep), 0);
	CHECK_EQ("ep-destroy-again", sys_ep_destroy(ep), -E_NOENT);
	for (int i = 0; i < STACK_PAGES; i++) {
		uint64_t va = STACK_VA + (uint64_t)i * PAGE_SIZE;
		long fn = (long)((*uvpt_pte(va) & PTE_ADDR) / PAGE_SIZE);
		sys_unmap(0, va);
		sys_frame_free(0, fn);
	}
	return CHECK_DONE();
}
