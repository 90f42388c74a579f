/* Process start: argc/argv/envp as the kernel lays them out, the auxiliary vector, and thread-local storage. */
/* Run with the arguments: alpha "two words" "" */
#define T_NAME "startup"
#include "check.h"

#include <elf.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern const Elf64_Ehdr __ehdr_start; /* the ELF header, mapped by the first PT_LOAD (from the linker) */
extern char _start[];

__thread int tls_init = 42;
__thread long tls_array[4] = { 1, 2, 3, 4 };
__thread char tls_zero[300];
__thread _Alignas(64) char tls_aligned[8] = "aligned";

static void check_args(int argc, char **argv, char **envp)
{
	CHECK("argc", argc == 4, "argc is %d, want 4", argc);
	if (argc != 4)
		return;
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	CHECK("argv0", strncmp(base_name(argv[0]), T_NAME, strlen(T_NAME)) == 0, "argv[0] is \"%s\"", argv[0]);
	CHECK("argv1", strcmp(argv[1], "alpha") == 0, "argv[1] is \"%s\"", argv[1]);
	CHECK("argv2-space", strcmp(argv[2], "two words") == 0, "argv[2] is \"%s\"", argv[2]);
	CHECK("argv3-empty", argv[3][0] == 0, "argv[3] is \"%s\"", argv[3]);
	CHECK("argv-null", argv[argc] == NULL, "argv[argc] is %p", (void *)argv[argc]);
	CHECK("argv-contiguous", argv[1] == argv[0] + strlen(argv[0]) + 1 && argv[2] == argv[1] + 6,
	      "argument strings are not packed one after another");
	CHECK("envp-after-argv", envp == argv + argc + 1, "envp %p, argv+argc+1 %p", (void *)envp, (void *)(argv + argc + 1));
	CHECK("environ", environ == envp, "environ %p, envp %p", (void *)environ, (void *)envp);
	const char *path = getenv("PATH"), *home = getenv("HOME");
	CHECK("env-path", path && strstr(path, "/bin"), "PATH is %s", path ? path : "unset");
	CHECK("env-home", home && strcmp(home, "/") == 0, "HOME is %s", home ? home : "unset");
	int n = 0;
	while (envp[n])
		n++;
	CHECK("env-count", n >= 2 && n < 1000, "%d environment strings", n);
	CHECK("execfn", execfn && strcmp(base_name(execfn), base_name(argv[0])) == 0, "AT_EXECFN is %s",
	      execfn ? execfn : "null");
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	CHECK("strings-on-stack", (uintptr_t)argv[0] > sp && (uintptr_t)envp[0] > sp,
	      "argv[0] at %p is below the stack frame %p", (void *)argv[0], (void *)sp);
}

static void check_auxv(void)
{
	unsigned long pagesz = getauxval(AT_PAGESZ);
	CHECK("auxv-pagesz", pagesz == 4096, "AT_PAGESZ is %lu", pagesz);
	CHECK("sysconf-pagesize", sysconf(_SC_PAGESIZE) == 4096, "sysconf(_SC_PAGESIZE) is %ld", sysconf(_SC_PAGESIZE));
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	CHECK("auxv-random", rnd && nonzero, "AT_RANDOM is %p%s", (void *)rnd, rnd ? " and all zero" : "");
	const Elf64_Ehdr *eh = &__ehdr_start;
	unsigned long phdr = getauxval(AT_PHDR), want = (unsigned long)eh + eh->e_phoff;
	CHECK("auxv-phdr", phdr == want, "AT_PHDR is %#lx, the headers are at %#lx", phdr, want);
	CHECK("auxv-phent", getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT is %lu", getauxval(AT_PHENT));
	CHECK("auxv-phnum", getauxval(AT_PHNUM) == eh->e_phnum, "AT_PHNUM is %lu, e_phnum %u", getauxval(AT_PHNUM),
	      eh->e_phnum);
	int loads = 0;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
	for (unsigned i = 0; ph && i < eh->e_phnum; i++)
		loads += ph[i].p_type == PT_LOAD;
	CHECK("auxv-phdr-loads", loads >= 1, "no PT_LOAD among the headers AT_PHDR points to");
	CHECK("auxv-entry", getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY is %#lx, _start is %p",
	      getauxval(AT_ENTRY), (void *)_start);
	CHECK("auxv-uid", getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID %lu, getuid %u",
	      getauxval(AT_UID), getuid());
	CHECK("auxv-gid", getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID %lu, getgid %u",
	      getauxval(AT_GID), getgid());
	CHECK("auxv-secure", getauxval(AT_SECURE) == 0, "AT_SECURE is %lu", getauxval(AT_SECURE));
	const char *plat = (const char *)getauxval(AT_PLATFORM);
	CHECK("auxv-platform", plat && strcmp(plat, "x86_64") == 0, "AT_PLATFORM is %s", plat ? plat : "null");
	errno = 0;
	unsigned long none = getauxval(12345);
	CHECK("auxv-missing", none == 0 && errno == ENOENT, "getauxval(12345) gave %lu, errno %d", none, errno);
}

static void check_tls(void)
{
	CHECK("tls-init", tls_init == 42, "tls_init is %d", tls_init);
	CHECK("tls-array", tls_array[0] == 1 && tls_array[3] == 4, "tls_array is %ld..%ld", tls_array[0], tls_array[3]);
	int zero = 1;
	for (size_t i = 0; i < sizeof(tls_zero); i++)
		zero &= tls_zero[i] == 0;
	CHECK("tls-bss", zero, "a zero-initialised __thread array is not zero");
	CHECK("tls-align", ((uintptr_t)tls_aligned & 63) == 0 && strcmp(tls_aligned, "aligned") == 0,
	      "tls_aligned at %p holds \"%.8s\"", (void *)tls_aligned, tls_aligned);
	tls_init = 7;
	tls_zero[299] = 5;
	CHECK("tls-write", tls_init == 7 && tls_zero[299] == 5, "writes to __thread variables did not stick");
	void *tp;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
	CHECK("tls-self", tp == (void *)pthread_self(), "%%fs:0 is %p, pthread_self %p", tp, (void *)pthread_self());
	uintptr_t v = (uintptr_t)&tls_init;
	CHECK("tls-below-tp", v < (uintptr_t)tp && (uintptr_t)tp - v < 65536, "&tls_init %p, thread pointer %p",
	      (void *)&tls_init, tp);
}

int main(int argc, char **argv, char **envp)
{
	check_args(argc, argv, envp);
	check_auxv();
	check_tls();
	return t_done();
}
