/* Checks for in-VM test programs (one line per result, counted by the host) and the runner that starts them. */
#include "check.h"
#include "lib/cpio.h"

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

/*
 * Each test program runs in a fresh child env and prints its own checks.
 * The runner adds one line per program: ok when it exited 0 and every frame
 * it used came back to the free pool (the leak check of xv6's usertests) —
 * or to the runner: a frame shared with the group whose owner ended passes
 * to the group's root, the runner, which keeps it as lx keeps its shared
 * pages.
 */
static int run_one(const char *name)
{
	uint64_t before = KIP->frames_free, owned = ENVINFO->frames_owned;
	long status = run(name, 0);
	uint64_t kept = ENVINFO->frames_owned - owned, after = KIP->frames_free + kept;

	if (status != 0) {
		printf("not ok runner/%s: exit status %ld %s\n", name, status, status < 0 ? mica_strerror((int)status) : "");
		return 1;
	}
	if (after != before) {
		printf("not ok runner/%s: %ld frames leaked\n", name, (long)(before - after));
		return 1;
	}
	if (kept)
		printf("ok runner/%s (no frame leaked; %lu kept for the group)\n", name, (unsigned long)kept);
	else
		printf("ok runner/%s (no frame leaked)\n", name);
	return 0;
}

/* Run every program of the boot image whose name starts with prefix, each as run_one does; the number that failed. */
int check_run_all(const char *prefix)
{
	const struct mica_start *s = mica_start_info;
	struct cpio_entry e;
	size_t off = 0, plen = strlen(prefix);
	int failed = 0, n = 0;
	char name[64];

	/* spawn's scratch page tables stay once made: make them before counting */
	long fn = page_alloc(0, SPAWN_SCRATCH, PTE_W);
	if (fn < 0 || sys_unmap(0, SPAWN_SCRATCH) < 0 || sys_frame_free(0, fn) < 0)
		die("runner: cannot prepare: %s", mica_strerror((int)fn));

	while (cpio_next((const void *)s->image, s->image_size, &off, &e) == 1) {
		if (e.namelen <= plen || e.namelen >= sizeof(name) || memcmp(e.name, prefix, plen) != 0)
			continue;
		memcpy(name, e.name, e.namelen);
		name[e.namelen] = 0;
		failed += run_one(name);
		n++;
	}
	printf("runner: %d programs, %d failed\n", n, failed);
	return failed;
}
