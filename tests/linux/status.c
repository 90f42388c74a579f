/*
 * Exit statuses. Run with "exit N" it exits with status N; with "_exit" it
 * leaves a line in stdio's buffer and calls _exit(77), which must not write it; with "null" it
 * reads through a null pointer (status 139 from the shell, SIGSEGV); with
 * "abort" it calls abort() (134, SIGABRT); with "protnone" it checks that a
 * PROT_NONE page keeps its contents and then faults reading it (139); otherwise it checks what it can
 * from inside and exits 0.
 */
#define T_NAME "status"
#include "check.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0) {
		printf("exiting with %s\n", argv[2]);
		fflush(stdout);
		exit(atoi(argv[2]));
	}
	if (argc == 2 && strcmp(argv[1], "_exit") == 0) {
		setvbuf(stdout, NULL, _IOFBF, BUFSIZ); /* buffered on a terminal too: only a flush would write it */
		printf("must not appear\n");
		_exit(77); /* without flushing stdio: the line above stays in the buffer */
	}
	if (argc == 2 && strcmp(argv[1], "null") == 0) {
		volatile int *p = NULL;
		printf("before the fault\n");
		fflush(stdout);
		return *p;
	}
	if (argc == 2 && strcmp(argv[1], "abort") == 0)
		abort();
	if (argc == 2 && strcmp(argv[1], "protnone") == 0) {
		/* contents survive PROT_NONE and come back; a read while PROT_NONE faults */
		char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		strcpy(p, "kept");
		strcpy(p + 4096, "too");
		if (mprotect(p, 8192, PROT_NONE) || mprotect(p, 8192, PROT_READ))
			return 2;
		printf("%s %s\n", p, p + 4096);
		mprotect(p, 8192, PROT_NONE);
		printf("before the fault\n");
		fflush(stdout);
		return *(volatile char *)p;
	}
	/* The default action of a fault signal is to die: nothing here may catch SIGSEGV. */
	struct sigaction sa;
	CHECK("sigaction-query", sigaction(SIGSEGV, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL,
	      "SIGSEGV's action is not SIG_DFL");
	return t_done();
}
