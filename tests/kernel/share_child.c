/* Helper of t_frames: map the frame its parent names (arg) and check the word its parent wrote there. */
#include "mica.h"

#define VA 0x30000000UL
#define MAGIC 0x5EED5EED5EEDUL

int main(void)
{
	long fn = (long)mica_start_info->arg;
	long r = sys_map(0, VA, fn, PTE_W | PTE_NX);
	if (r == -E_PERM)
		return 2;
	if (r < 0)
		return 3;
	int ok = *(volatile uint64_t *)VA == MAGIC;
	*(volatile uint64_t *)VA = MAGIC + 1; /* shared: the parent sees this */
	sys_unmap(0, VA);
	return ok ? 0 : 1;
}
