/* A program whose .bss (32 MiB) is more than a small machine has: a root env that memory cannot hold. */
#include "mica.h"

#define BIG (32UL << 20)

char bigbss_area[BIG]; /* global, so the compiler keeps all of it */

int main(void)
{
	printf("bigbss loaded at %p\n", (void *)bigbss_area);
	return 0;
}
