/* The smallest native program: print a line, exit 0. */
#include "mica.h"

int main(void)
{
	printf("hello from env %lx\n", ENVINFO->id);
	return 0;
}
