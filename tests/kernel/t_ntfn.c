/* Tests of notifications: signal and wait, polling, timeouts and their order, errors, waking across threads, destroy, sleep. */
#include "check.h"

#define STACK_VA 0x40000000UL
#define STACK_PAGES 2
#define NSTACKS 4
#define NTFN_TABLE 4096 /* the kernel's table of notifications (NNTFN in kernel/kernel.h) */

static volatile long results[NSTACKS];
static volatile long nt_shared;

static void waiter(uint64_t slot)
{
	results[slot] = sys_ntfn_wait(nt_shared, TIMEOUT_FOREVER);
	sys_thread_exit();
}

/* A wait whose deadline, now + timeout, does not fit in 64 bits: as long as forever. */
static void long_waiter(uint64_t slot)
{
	results[slot] = sys_ntfn_wait(nt_shared, TIMEOUT_FOREVER - 1);
	sys_thread_exit();
}

static void signaller(uint64_t slot)
{
	sys_sleep(1000000);
	results[slot] = sys_ntfn_signal(nt_shared, 0x10);
	sys_thread_exit();
}

static uint64_t stack_top(int slot)
{
	return STACK_VA + (uint64_t)(slot + 1) * STACK_PAGES * PAGE_SIZE;
}

static long start(void (*fn)(uint64_t), int slot)
{
	results[slot] = 1;
	return sys_thread_create(0, (uint64_t)fn, stack_top(slot), (uint64_t)slot);
}

/*
 * Timeouts expire in deadline order, never early, however they were added, and a wait woken before its
 * deadline leaves the others' order intact: ORDER_N threads each wait until base + due; slot i is due
 * (7 i mod ORDER_N) steps after base, so deadlines are added out of order; every fourth (i % 4 == 1)
 * waits on its own notification with a long timeout and is signalled before base.
 */
#define ORDER_N 16
#define ORDER_VA 0x48000000UL
#define ORDER_STEP_NS 2000000UL
static uint64_t order_base;
static volatile long order_rank, order_ntfn[ORDER_N], order_result[ORDER_N], order_woke[ORDER_N];
static volatile uint64_t order_at[ORDER_N];

static bool order_early(int slot)
{
	return slot % 4 == 1;
}

static uint64_t order_due(int slot)
{
	return order_base + (uint64_t)(7 * slot % ORDER_N) * ORDER_STEP_NS + (order_early(slot) ? 1000000000UL : 0);
}

/* Wait until slot's due time: a sleep (i % 4 == 0, 2) or a notification wait that times out. */
static void order_waiter(uint64_t slot)
{
	uint64_t now = clock_ns(), due = order_due((int)slot);
	uint64_t timeout = due > now ? due - now : 0;
	long r = slot % 4 == 0 || slot % 4 == 2 ? sys_sleep(timeout) : sys_ntfn_wait(order_ntfn[slot], timeout);
	order_at[slot] = clock_ns();
	order_result[slot] = r;
	order_woke[slot] = __atomic_add_fetch(&order_rank, 1, __ATOMIC_SEQ_CST);
	sys_thread_exit();
}

static void timeout_order(void)
{
	for (int i = 0; i < ORDER_N; i++) {
		page_alloc(0, ORDER_VA + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX);
		order_ntfn[i] = sys_ntfn_create();
	}
	order_base = clock_ns() + 200000000UL; /* time enough to start them all */
	int started = 0;
	for (int i = 0; i < ORDER_N; i++)
		started += sys_thread_create(0, (uint64_t)order_waiter, ORDER_VA + (uint64_t)(i + 1) * PAGE_SIZE, i) > 0;
	CHECK_EQ("order-started", started, ORDER_N);
	sys_sleep(1000000);
	for (int i = 0; i < ORDER_N; i++)
		if (order_early(i))
			sys_ntfn_signal(order_ntfn[i], 0x2);
	for (int i = 0; i < 500 && order_rank < ORDER_N; i++)
		sys_sleep(1000000);
	CHECK_EQ("order-all-woke", order_rank, ORDER_N);
	int early_ok = 0, timed_ok = 0, never_early = 0, in_order = 0, timed = 0;
	for (int i = 0; i < ORDER_N; i++) {
		if (order_early(i)) {
			early_ok += order_result[i] == 0x2 && order_at[i] < order_base;
			continue;
		}
		timed++;
		timed_ok += order_result[i] == (i % 4 == 3 ? -E_TIMEOUT : 0);
		never_early += order_at[i] >= order_due(i);
		int before = 0; /* timed slots due earlier than i: exactly those must have woken before it */
		for (int j = 0; j < ORDER_N; j++)
			before += !order_early(j) && order_due(j) < order_due(i);
		in_order += order_woke[i] == ORDER_N / 4 + before + 1;
	}
	CHECK_EQ("order-early-woken-by-signal", early_ok, ORDER_N / 4);
	CHECK_EQ("order-timed-results", timed_ok, timed);
	CHECK_EQ("order-never-early", never_early, timed);
	CHECK_EQ("order-deadline-order", in_order, timed);
	for (int i = 0; i < ORDER_N; i++) {
		uint64_t va = ORDER_VA + (uint64_t)i * PAGE_SIZE;
		long fn = (long)((*uvpt_pte(va) & PTE_ADDR) / PAGE_SIZE);
		sys_unmap(0, va);
		sys_frame_free(0, fn);
		sys_ntfn_destroy(order_ntfn[i]);
	}
}

/* Let the other threads run until results[slot] changes (or give up). */
static void await(int slot)
{
	for (int i = 0; i < 200 && results[slot] == 1; i++)
		sys_sleep(100000);
}

int main(void)
{
	check_prog = "ntfn";
	for (uint64_t i = 0; i < NSTACKS * STACK_PAGES; i++)
		page_alloc(0, STACK_VA + i * PAGE_SIZE, PTE_W | PTE_NX);

	long nt = sys_ntfn_create();
	CHECK("create", nt > 0);
	CHECK_EQ("signal-1", sys_ntfn_signal(nt, 0x1), 0);
	CHECK_EQ("signal-2", sys_ntfn_signal(nt, 0x4), 0);
	CHECK_EQ("signal-3", sys_ntfn_signal(nt, 0x1), 0);
	CHECK_EQ("wait-or", sys_ntfn_wait(nt, TIMEOUT_FOREVER), 0x5);
	CHECK_EQ("wait-cleared", sys_ntfn_wait(nt, 0), -E_AGAIN);
	CHECK_EQ("signal-high", sys_ntfn_signal(nt, 1UL << 62), 0);
	CHECK_EQ("wait-high", sys_ntfn_wait(nt, 0), 1L << 62);
	uint64_t t0 = clock_ns();
	long r = sys_ntfn_wait(nt, 1000000);
	uint64_t dt = clock_ns() - t0;
	CHECK_EQ("wait-timeout", r, -E_TIMEOUT);
	CHECK("wait-timeout-1ms", dt >= 1000000 && dt < 100000000);
	CHECK_EQ("signal-zero", sys_ntfn_signal(nt, 0), -E_INVAL);
	CHECK_EQ("signal-bit63", sys_ntfn_signal(nt, 1UL << 63), -E_INVAL);
	CHECK_EQ("signal-bad-id", sys_ntfn_signal(12345, 1), -E_NOENT);
	CHECK_EQ("wait-bad-id", sys_ntfn_wait(12345, 0), -E_NOENT);
	CHECK_EQ("irq-bind-negative", sys_irq_bind(-1, nt, 1), -E_INVAL);
	CHECK_EQ("irq-bind-huge", sys_irq_bind(100000, nt, 1), -E_INVAL);
	CHECK_EQ("irq-bind-no-bits", sys_irq_bind(1, nt, 0), -E_INVAL);
	CHECK_EQ("irq-bind-bad-ntfn", sys_irq_bind(1, 12345, 1), -E_NOENT);

	/* a thread blocked in wait is woken by a signal from a second thread */
	nt_shared = nt;
	CHECK("waiter-start", start(waiter, 0) > 0);
	CHECK("signaller-start", start(signaller, 1) > 0);
	await(0);
	await(1);
	CHECK_EQ("signaller-ok", results[1], 0);
	CHECK_EQ("waiter-woken-with-bits", results[0], 0x10);
	CHECK_EQ("bits-taken-by-waiter", sys_ntfn_wait(nt, 0), -E_AGAIN);

	/* a timeout too long for the clock to reach blocks, as forever does, instead of ending at once */
	CHECK("long-waiter-start", start(long_waiter, 3) > 0);
	sys_sleep(1000000);
	CHECK_EQ("long-wait-blocks", results[3], 1);
	CHECK_EQ("long-wait-signal", sys_ntfn_signal(nt, 0x20), 0);
	await(3);
	CHECK_EQ("long-wait-woken", results[3], 0x20);

	/* destroying the notification wakes its waiter with E_DEAD */
	CHECK("dead-waiter-start", start(waiter, 2) > 0);
	sys_sleep(1000000);
	CHECK_EQ("waiter-blocked", results[2], 1);
	CHECK_EQ("destroy", sys_ntfn_destroy(nt), 0);
	await(2);
	CHECK_EQ("waiter-dead", results[2], -E_DEAD);
	CHECK_EQ("destroy-again", sys_ntfn_destroy(nt), -E_NOENT);
	CHECK_EQ("signal-destroyed", sys_ntfn_signal(nt, 1), -E_NOENT);

	/* one env cannot take the whole table: it runs out at its limit (at most half the table for a
	 * child of the root), with an error, and gets them back */
	static long many[NTFN_TABLE];
	uint64_t held0 = ENVINFO->held[RES_NTFN], limit = ENVINFO->limit[RES_NTFN];
	int n = 0;
	while (n < NTFN_TABLE && (many[n] = sys_ntfn_create()) > 0)
		n++;
	CHECK("per-env-limit-under-half", limit > 0 && limit <= NTFN_TABLE / 2);
	CHECK_EQ("per-env-limit", n, limit - held0);
	CHECK_EQ("held-at-limit", ENVINFO->held[RES_NTFN], limit);
	CHECK_EQ("over-the-limit", n < NTFN_TABLE ? many[n] : 0, -E_NOMEM);
	for (int i = 0; i < n; i++)
		sys_ntfn_destroy(many[i]);
	long again = sys_ntfn_create();
	CHECK("create-after-freeing", again > 0);
	sys_ntfn_destroy(again);

	t0 = clock_ns();
	CHECK_EQ("sleep", sys_sleep(2000000), 0);
	dt = clock_ns() - t0;
	CHECK("sleep-2ms", dt >= 2000000 && dt < 100000000);
	CHECK_EQ("sleep-zero", sys_sleep(0), 0);
	timeout_order();

	for (uint64_t i = 0; i < NSTACKS * STACK_PAGES; i++) {
		uint64_t va = STACK_VA + i * PAGE_SIZE;
		long fn = (long)((*uvpt_pte(va) & PTE_ADDR) / PAGE_SIZE);
		sys_unmap(0, va);
		sys_frame_free(0, fn);
	}
	return CHECK_DONE();
}
