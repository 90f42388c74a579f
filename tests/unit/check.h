/* A tiny host unit-test framework: one "ok" or "not ok" line per test. */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

/*
 * Use:
 *   #define CHECK_SUITE "string"
 *   #include "tests/unit/check.h"
 *   TEST(copies) { CHECK(1 + 1 == 2); }
 *   int main(int argc, char **argv) { CHECK_BEGIN(argc, argv);
 *           RUN(copies); return CHECK_END(); }
 * Each test prints "ok SUITE/NAME" or "not ok SUITE/NAME: FILE:LINE: EXPR"
 * (the first failed check); a skipped test prints "ok SUITE/NAME # skip ...".
 * The program exits 1 if any test failed.
 */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef CHECK_SUITE
#error "define CHECK_SUITE before including check.h"
#endif

/* The state of the test being run and of the whole program. */
struct check_state {
	const char *file;     /* first failed check of this test, or NULL */
	int line;
	const char *expr;
	const char *skip;     /* why this test was skipped, or NULL */
	int failed_tests;
	int argc;
	char **argv;
};

static struct check_state check_state;

/* Records the first failed check of the running test. */
static inline void check_fail(const char *file, int line, const char *expr)
{
	if (!check_state.file) {
		check_state.file = file;
		check_state.line = line;
		check_state.expr = expr;
	}
}

/* Records a failure, and carries on, when cond is false. */
#define CHECK(cond) \
	((cond) ? (void)0 : check_fail(__FILE__, __LINE__, #cond))

/* Like CHECK, but ends the test at once when cond is false. */
#define REQUIRE(cond)                                          \
	do {                                                   \
		if (!(cond)) {                                 \
			check_fail(__FILE__, __LINE__, #cond); \
			return;                                \
		}                                              \
	} while (0)

/* Ends the test at once, reporting it as skipped for the given reason. */
#define SKIP(reason)                          \
	do {                                  \
		check_state.skip = (reason);  \
		return;                       \
	} while (0)

/* Defines a test function. */
#define TEST(name) static void test_##name(void)

/* Runs one test and prints its line. */
#define RUN(name) check_run(#name, test_##name)

/* Starts the program; tests may read the arguments with check_arg. */
#define CHECK_BEGIN(argc_, argv_) \
	(check_state.argc = (argc_), check_state.argv = (argv_))

/* Ends the program: returns the exit status for main. */
#define CHECK_END() (check_state.failed_tests ? 1 : 0)

/* Returns command-line argument i (1 is the first), or NULL. */
static inline const char *check_arg(int i)
{
	return i < check_state.argc ? check_state.argv[i] : NULL;
}

/* Runs fn and prints exactly one line for it. */
static inline void check_run(const char *name, void (*fn)(void))
{
	check_state.file = NULL;
	check_state.skip = NULL;
	fn();
	if (check_state.file) {
		check_state.failed_tests++;
		printf("not ok %s/%s: %s:%d: %s\n", CHECK_SUITE, name,
		       check_state.file, check_state.line, check_state.expr);
	} else if (check_state.skip) {
		printf("ok %s/%s # skip %s\n", CHECK_SUITE, name, check_state.skip);
	} else {
		printf("ok %s/%s\n", CHECK_SUITE, name);
	}
	fflush(stdout);
}

#endif
