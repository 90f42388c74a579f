/* The client half of the IPC benchmark: time call round trips to the endpoint given as arg. */
#include "mica.h"

#define N_IPC 20000

int main(void)
{
	long ep = (long)mica_start_info->arg;
	struct ipc_msg m = { .tag = 1, .w = { 0 } };
	long r = ipc(IPC_CALL, ep, &m, TIMEOUT_FOREVER, 0, NULL); /* warm up */
	uint64_t expect = 1, t0 = rdtsc();
	for (int i = 0; r == 0 && i < N_IPC; i++) {
		r = ipc(IPC_CALL, ep, &m, TIMEOUT_FOREVER, 0, NULL);
		if (m.w[0] != ++expect)
			r = -E_INVAL;
	}
	uint64_t t1 = rdtsc();
	if (r < 0) {
		printf("bench ipc_roundtrip FAIL client: %s\n", mica_strerror((int)r));
		return 1;
	}
	printf("bench ipc_roundtrip %lu %d\n", (unsigned long)((t1 - t0) / N_IPC), N_IPC);
	return 0;
}
