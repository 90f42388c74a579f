/* Checks for in-VM test programs: print each result in the form the host harness counts. */
#include "check.h"

int check_failures;
const char *check_prog = "vm";

bool check(bool cond, const char *name, const char *file, int line, const char *expr)
{
	if (cond) {
		printf("ok %s/%s\n", check_prog, name);
	} else {
		printf("not ok %s/%s: %s:%d: %s\n", check_prog, name, file, line, expr);
		check_failures++;
	}
	return cond;
}

bool check_eq(long got, long want, const char *name, const char *file, int line)
{
	if (got == want) {
		printf("ok %s/%s\n", check_prog, name);
		return true;
	}
	printf("not ok %s/%s: %s:%d: got %ld (%s), want %ld (%s)\n", check_prog, name, file, line, got,
	       got < 0 ? mica_strerror((int)got) : "", want, want < 0 ? mica_strerror((int)want) : "");
	check_failures++;
	return false;
}
