/* Randomness: getrandom and lx_random_bytes, from rdrand or, without it, a xorshift. */
#include "libos/lx/lx.h"

/* Does the CPU have rdrand (CPUID.1:ECX bit 30)? Asked once. */
static bool have_rdrand(void)
{
	static int known; /* 0 not asked, 1 yes, -1 no */
	if (!known) {
		uint32_t a = 1, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
		known = (c >> 30) & 1 ? 1 : -1;
	}
	return known > 0;
}

/* Random bytes: rdrand when the CPU has it, else (not fit for keys) a xorshift seeded from the TSC. */
static uint64_t random64(void)
{
	static uint64_t x;
	uint64_t v;
	unsigned char ok = 0;
	if (have_rdrand())
		__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
	if (ok)
		return v;
	if (!x)
		x = rdtsc() ?: 1; /* xorshift's state must not be 0 */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

void lx_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = random64();
		memcpy(p + i, &v, n - i < 8 ? n - i : 8);
	}
}

long lx_sys_getrandom(long buf, long len, long flags)
{
	if (len < 0 || (flags & ~7L)) /* GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE */
		return -EINVAL;
	if (!mem_user_ok((uint64_t)buf, (uint64_t)len, true))
		return -EFAULT;
	lx_random_bytes((void *)buf, (size_t)len);
	return len;
}
