/* What lwIP asks of the platform without threads: the time in milliseconds, random numbers, atoi. */
#include "mica.h"
#include "lwip/sys.h"
#include <stdlib.h>

/* Milliseconds since boot, from the kernel info page's clock. */
u32_t sys_now(void)
{
	return (u32_t)(clock_ns() / 1000000);
}

/*
 * A pseudo-random word for initial sequence numbers, ports and DHCP ids:
 * xorshift64 seeded from the TSC on first use and stirred by it each time.
 */
uint32_t micanet_rand(void)
{
	static uint64_t x;
	x ^= rdtsc() | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 32);
}

/* The decimal number at the start of s (netif_find reads interface numbers with it). */
int atoi(const char *s)
{
	int sign = 1, n = 0;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	while (*s >= '0' && *s <= '9')
		n = n * 10 + (*s++ - '0');
	return sign * n;
}
