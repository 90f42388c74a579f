/* Tests of Linux-syscall reflection: a syscall outside the libOS range goes to the libOS entry, registers intact. */
#include "check.h"

#define CODE_PAGE 0x20000000UL /* "application" code, outside the libOS range */

extern char reflect_entry[];
uint64_t reflected_rax, reflected_rdi, reflected_r10, reflected_rcx;

/*
 * The libOS entry: record what arrived, answer rax = 1000 + number, and
 * return to the caller the way Linux does (rcx holds the return address).
 */
__asm__(".text\n"
	"reflect_entry:\n"
	"  movq %rax, reflected_rax(%rip)\n"
	"  movq %rdi, reflected_rdi(%rip)\n"
	"  movq %r10, reflected_r10(%rip)\n"
	"  movq %rcx, reflected_rcx(%rip)\n"
	"  addq $1000, %rax\n"
	"  jmp *%rcx\n");

/* Call the application stub at CODE_PAGE: syscall; ret. */
static long app_syscall(long nr, long a1, long a4)
{
	register long r10 __asm__("r10") = a4;
	long ret;
	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+r"(r10)
			 : "a"(nr), [stub] "r"(CODE_PAGE)
			 : "rcx", "r11", "memory");
	return ret;
}

/*
 * A libOS under a protection key (env_set_pkey): kernel calls made with
 * the key closed are refused, and a reflected syscall enters the libOS
 * with it open. Where the CPU has no keys the call says E_NOSYS.
 */
static void pkey_checks(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	bool ospke = c & (1U << 4); /* the kernel set CR4.PKE */
	CHECK_EQ("pkey-too-big", sys_env_set_pkey(0, PKEY_MAX + 1), -E_INVAL);
	CHECK_EQ("pkey-negative", sys_env_set_pkey(0, -1), -E_INVAL);
	long r = sys_env_set_pkey(0, 1);
	CHECK_EQ("pkey-set", r, ospke ? 0 : -E_NOSYS);
	if (r < 0)
		return;
	CHECK_EQ("pkey-pte-key", sys_protect(0, CODE_PAGE, PTE_PKEY(5)), 0);
	CHECK_EQ("pkey-pte-bits", *uvpt_pte(CODE_PAGE) & PTE_PKEY_MASK, PTE_PKEY(5));
	pkru_write(PKRU_KEY(1)); /* the libOS key closed, as a program runs */
	long closed = sys_null();
	long reflected = app_syscall(39, 0, 0);
	uint32_t after = pkru_read();
	pkru_write(0);
	CHECK_EQ("pkey-kcall-refused-closed", closed, -E_PERM);
	CHECK_EQ("pkey-reflected", reflected, 1039);
	CHECK_EQ("pkey-reflect-opens", after & PKRU_KEY(1), 0);
	CHECK_EQ("pkey-kcall-open", sys_null(), 0);
	CHECK_EQ("pkey-off", sys_env_set_pkey(0, 0), 0);
	pkru_write(PKRU_KEY(1));
	closed = sys_null();
	pkru_write(0);
	CHECK_EQ("pkey-off-kcall", closed, 0);
}

int main(void)
{
	check_prog = "reflect";
	long fn = page_alloc(0, CODE_PAGE, PTE_W);
	CHECK("code-page", fn > 0);
	static const uint8_t stub[] = { 0x0f, 0x05, 0xc3 }; /* syscall; ret */
	memcpy((void *)CODE_PAGE, stub, sizeof(stub));
	CHECK_EQ("code-page-ro", sys_protect(0, CODE_PAGE, 0), 0);

	/* The whole program image is the "libOS": its own kernel calls stay kernel calls. */
	CHECK_EQ("set-libos", sys_env_set_libos(0, 0x400000, 0x1000000, (uint64_t)reflect_entry), 0);
	CHECK_EQ("kernel-call-from-libos", sys_null(), 0);
	CHECK_EQ("reflected-result", app_syscall(39, 0x1111, 0x2222), 1039);
	CHECK_EQ("reflected-rax", reflected_rax, 39);
	CHECK_EQ("reflected-rdi", reflected_rdi, 0x1111);
	CHECK_EQ("reflected-r10", reflected_r10, 0x2222);
	CHECK_EQ("reflected-rcx-is-return", reflected_rcx, CODE_PAGE + 2);
	CHECK_EQ("unknown-number-reflected-too", app_syscall(999999, 0, 0), 1000999);
	pkey_checks();

	CHECK_EQ("bad-range", sys_env_set_libos(0, 0x2000, 0x1000, (uint64_t)reflect_entry), -E_INVAL);
	CHECK_EQ("bad-entry", sys_env_set_libos(0, 0x1000, 0x2000, KERNBASE), -E_INVAL);
	CHECK_EQ("unset", sys_env_set_libos(0, 0, 0, 0), 0);
	CHECK_EQ("kernel-call-again", app_syscall(SYS_null, 0, 0), 0);
	sys_unmap(0, CODE_PAGE);
	sys_frame_free(0, fn);
	return CHECK_DONE();
}
