/* The in-VM test runner: start every test program (t_*) in the boot image as its own env, check it, count frames. */
#include "mica.h"
#include "lib/cpio.h"

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

int main(void)
{
	const struct mica_start *s = mica_start_info;
	struct cpio_entry e;
	size_t off = 0;
	int failed = 0, n = 0;
	char name[64];

	/* spawn's scratch page tables stay once made: make them before counting */
	long fn = page_alloc(0, SPAWN_SCRATCH, PTE_W);
	if (fn < 0 || sys_unmap(0, SPAWN_SCRATCH) < 0 || sys_frame_free(0, fn) < 0)
		die("runner: cannot prepare: %s", mica_strerror((int)fn));

	while (cpio_next((const void *)s->image, s->image_size, &off, &e) == 1) {
		if (e.namelen < 3 || e.namelen >= sizeof(name) || memcmp(e.name, "t_", 2) != 0)
			continue;
		memcpy(name, e.name, e.namelen);
		name[e.namelen] = 0;
		failed += run_one(name);
		n++;
	}
	printf("runner: %d programs, %d failed\n", n, failed);
	sys_poweroff(failed ? 1 : 0);
	return 1;
}
