/* Tests of stream_bind, stream_read, stream_write and stream_poll on ports 2 and 3 (host files), with every documented error. */
#include "check.h"
#include <mica/stream.h>

int main(void)
{
	check_prog = "stream";
	static const char line[] = "hello stream\n";
	long nt = sys_ntfn_create();
	char buf[16];

	/* spawn's scratch page tables stay once made: make them before counting frames */
	long warm = page_alloc(0, SPAWN_SCRATCH, PTE_W);
	CHECK("warm-up", warm > 0 && sys_unmap(0, SPAWN_SCRATCH) == 0 && sys_frame_free(0, warm) == 0);

	/* no such port, a bad notification or bits */
	CHECK_EQ("bind-port-0", sys_stream_bind(0, nt, 1), -E_NOENT);
	CHECK_EQ("bind-port-absent", sys_stream_bind(1, nt, 1), -E_NOENT); /* the host gave no stdin port */
	CHECK_EQ("bind-port-past", sys_stream_bind(STREAM_NPORTS, nt, 1), -E_NOENT);
	CHECK_EQ("bind-port-negative", sys_stream_bind(-1, nt, 1), -E_NOENT);
	CHECK_EQ("bind-bits-0", sys_stream_bind(2, nt, 0), -E_INVAL);
	CHECK_EQ("bind-bit-63", sys_stream_bind(2, nt, 1UL << 63), -E_INVAL);
	CHECK_EQ("bind-no-ntfn", sys_stream_bind(2, 0x7FFF00 | 5, 1), -E_NOENT);
	/* nobody has claimed it: nobody may use it */
	CHECK_EQ("write-unclaimed", sys_stream_write(2, line, 1), -E_PERM);
	CHECK_EQ("read-unclaimed", sys_stream_read(2, buf, 1), -E_PERM);
	CHECK_EQ("poll-unclaimed", sys_stream_poll(2), -E_PERM);

	CHECK_EQ("bind", sys_stream_bind(2, nt, 1), 0);
	CHECK_EQ("bind-again", sys_stream_bind(2, nt, 2), 0);
	CHECK_EQ("poll-open", sys_stream_poll(2), STREAM_WRITABLE);
	CHECK_EQ("write", sys_stream_write(2, line, sizeof(line) - 1), sizeof(line) - 1);
	CHECK_EQ("write-none", sys_stream_write(2, line, 0), 0);
	CHECK_EQ("write-negative", sys_stream_write(2, line, -1), -E_INVAL);
	CHECK_EQ("write-kernel-address", sys_stream_write(2, (const void *)0xFFFF800000000000UL, 8), -E_FAULT);
	CHECK_EQ("write-unmapped", sys_stream_write(2, (const void *)0x10000000UL, 8), -E_FAULT);
	CHECK_EQ("read-nothing-yet", sys_stream_read(2, buf, sizeof(buf)), -E_AGAIN); /* a file backend sends nothing */
	CHECK_EQ("read-negative", sys_stream_read(2, buf, -1), -E_INVAL);

	/* a child may use its parent's port but not claim it; what the child claims is not the parent's */
	long c = spawn("stream_child", 0);
	CHECK("spawn", c > 0);
	CHECK_EQ("child", sys_env_wait(c), 15);
	CHECK_EQ("child-port-not-parents", sys_stream_write(3, line, 1), -E_PERM);
	/* its claim ended with it */
	CHECK_EQ("claim-freed-at-end", sys_stream_bind(3, nt, 1), 0);
	CHECK_EQ("write-after", sys_stream_write(3, "after\n", 6), 6);
	return CHECK_DONE();
}
