/* A helper of s_stream: a descendant of the port's owner, which may use the port but not claim it, and claims another. */
#include "mica.h"
#include <mica/stream.h>

/*
 * Exit status: bit 0 its claim of port 2 (its parent's) was refused with
 * E_BUSY, bit 1 its write to port 2 was taken, bit 2 it claimed port 3,
 * bit 3 its write to port 3 was taken.
 */
int main(void)
{
	static const char line2[] = "from the child\n", line3[] = "port 3 is the child's\n";
	long nt = sys_ntfn_create(), status = 0;
	status |= sys_stream_bind(2, nt, 1) == -E_BUSY ? 1 : 0;
	status |= sys_stream_write(2, line2, sizeof(line2) - 1) == sizeof(line2) - 1 ? 2 : 0;
	status |= sys_stream_bind(3, nt, 1) == 0 ? 4 : 0;
	status |= sys_stream_write(3, line3, sizeof(line3) - 1) == sizeof(line3) - 1 ? 8 : 0;
	return (int)status;
}
