/* The native runtime: start-up, console printf, exit, upcall dispatch, page helpers. */
#include "mica.h"

const struct mica_start *mica_start_info;
static upcall_fn handlers[4];
extern char exc_upcall[];

void mica_main(const struct mica_start *start);

void mica_main(const struct mica_start *start)
{
	mica_start_info = start;
	exit(main());
}

void exit(int status)
{
	sys_env_exit(status);
	for (;;)
		;
}

void puts_raw(const char *s)
{
	sys_cputs(s, (long)strlen(s));
}

struct outbuf {
	char buf[256];
	size_t n;
};

static void flush(struct outbuf *o)
{
	if (o->n)
		sys_cputs(o->buf, (long)o->n);
	o->n = 0;
}

static void put(void *arg, char c)
{
	struct outbuf *o = arg;
	o->buf[o->n++] = c;
	if (o->n == sizeof(o->buf))
		flush(o);
}

static int vprintf_(const char *fmt, va_list ap)
{
	struct outbuf o = { .n = 0 };
	int n = fmt_vformat(put, &o, fmt, ap);
	flush(&o);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf_(fmt, ap);
	va_end(ap);
	return n;
}

void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf_(fmt, ap);
	va_end(ap);
	puts_raw("\n");
	exit(1);
}

uint64_t clock_ns(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t tsc = ((uint64_t)hi << 32) | lo;
	return (uint64_t)(((unsigned __int128)(tsc - KIP->tsc_boot) * KIP->tsc_mult) >> 32);
}

/* Called by exc_upcall with the frame the kernel pushed. */
void upcall_dispatch(struct exc_frame *f);
void upcall_dispatch(struct exc_frame *f)
{
	int kind = f->trapno == T_SLICE ? UPCALL_SLICE : f->trapno == T_REVOKE ? UPCALL_REVOKE : UPCALL_EXCEPTION;
	if (handlers[kind])
		handlers[kind](f);
	else
		die("upcall %lu with no handler", f->trapno);
}

/* Register fn for upcalls of kind (NULL removes it). */
int set_upcall(int kind, upcall_fn fn)
{
	if (kind < UPCALL_EXCEPTION || kind > UPCALL_REVOKE)
		return -E_INVAL;
	handlers[kind] = fn;
	return (int)sys_env_set_upcall(0, kind, fn ? (uint64_t)exc_upcall : 0);
}

long page_alloc(long env, uint64_t va, uint64_t perm)
{
	long fn = sys_frame_alloc(env, -1);
	if (fn < 0)
		return fn;
	long r = sys_map(env, va, fn, (long)perm);
	if (r < 0) {
		sys_frame_free(env, fn);
		return r;
	}
	return fn;
}
