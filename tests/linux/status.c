/*
 * Exit statuses. Run with "exit N" it exits with status N; with "null" it
 * reads through a null pointer (status 139 from the shell, SIGSEGV); with
 * "abort" it calls abort() (134, SIGABRT); otherwise it checks what it can
 * from inside and exits 0.
 */
#define T_NAME "status"
#include "check.h"

#include <signal.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0) {
		printf("exiting with %s\n", argv[2]);
		fflush(stdout);
		exit(atoi(argv[2]));
	}
	if (argc == 2 && strcmp(argv[1], "_exit") == 0)
		_exit(77); /* without flushing stdio: the next line must not appear */
	if (argc == 2 && strcmp(argv[1], "null") == 0) {
		volatile int *p = NULL;
		printf("before the fault\n");
		fflush(stdout);
		return *p;
	}
	if (argc == 2 && strcmp(argv[1], "abort") == 0)
		abort();
	/* The default action of a fault signal is to die: nothing here may catch SIGSEGV. */
	struct sigaction sa;
	CHECK("sigaction-query", sigaction(SIGSEGV, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL,
	      "SIGSEGV's action is not SIG_DFL");
	return t_done();
}
