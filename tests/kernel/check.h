/* Checks for in-VM test programs: one "ok"/"not ok" line per check, counted by the host. */
#ifndef KERNEL_TESTS_CHECK_H
#define KERNEL_TESTS_CHECK_H

#include "mica.h"

extern int check_failures;
extern const char *check_prog;

/* Report one named check; returns cond. */
bool check(bool cond, const char *name, const char *file, int line, const char *expr);
/* Report that got == want (both long), printing both when they differ. */
bool check_eq(long got, long want, const char *name, const char *file, int line);

/* Run every test program whose name starts with prefix in its own env, with a frame-leak check; the number that failed. */
int check_run_all(const char *prefix);

#define CHECK(name, cond) check((cond), (name), __FILE__, __LINE__, #cond)
#define CHECK_EQ(name, got, want) check_eq((long)(got), (long)(want), (name), __FILE__, __LINE__)
/* The exit status of a test program: 0 when every check passed. */
#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
