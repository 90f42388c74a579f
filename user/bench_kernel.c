/* Native benchmarks of the kernel ABI, run as init: boot time, null kernel call, IPC round trip. */
#include "mica.h"

/*
 * Under QEMU TCG with -icount shift=0 the TSC counts guest instructions
 * from machine reset, so a TSC difference is an instruction count. Each
 * figure is the mean over N iterations; results are checked, not assumed.
 */
#define N_NULL 100000
#define N_IPC 20000

static void report(const char *name, uint64_t total, uint64_t n)
{
	printf("bench %s %lu %lu\n", name, (unsigned long)(total / n), (unsigned long)n);
}

static void bench_null(void)
{
	uint64_t t0 = rdtsc();
	long bad = 0;
	for (int i = 0; i < N_NULL; i++)
		bad |= sys_null();
	uint64_t t1 = rdtsc();
	if (bad)
		printf("bench null_kcall FAIL returned %ld\n", bad);
	else
		report("null_kcall", t1 - t0, N_NULL);
}

/* Serve N_IPC + 1 calls from the client child on ep: reply w[0] + 1. */
static void serve(long ep)
{
	struct ipc_msg m = { 0 };
	long r = ipc(IPC_RECV, ep, &m, TIMEOUT_FOREVER, 0, NULL);
	for (int i = 0; r == 0 && i < N_IPC; i++) {
		m.w[0]++;
		r = ipc(IPC_REPLY_RECV, ep, &m, TIMEOUT_FOREVER, 0, NULL);
	}
	if (r == 0) {
		m.w[0]++;
		r = ipc(IPC_REPLY, 0, &m, 0, 0, NULL);
	}
	if (r < 0)
		printf("bench ipc_roundtrip FAIL server: %s\n", mica_strerror((int)r));
}

static void bench_ipc(void)
{
	long ep = sys_ep_create();
	long child = ep < 0 ? ep : spawn("bench_ipc_client", (uint64_t)ep);
	if (child < 0) {
		printf("bench ipc_roundtrip FAIL spawn: %s\n", mica_strerror((int)child));
		return;
	}
	serve(ep);
	long st = sys_env_wait(child);
	if (st != 0)
		printf("bench ipc_roundtrip FAIL client status %ld\n", st);
}

int main(void)
{
	printf("bench reset_to_user %lu 1\n", (unsigned long)mica_start_tsc);
	bench_null();
	bench_ipc();
	printf("info done\n");
	sys_poweroff(0);
	return 0;
}
