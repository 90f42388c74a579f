/* Host tests for the kernel's frame accounting (kernel/frame.c), over a buffer standing for RAM. */
#define CHECK_SUITE "frame"
#include "tests/unit/check.h"

#include <stdarg.h>
#include <stdint.h>

#define RAM_FRAMES 64
static uint8_t ram[RAM_FRAMES * 4096] __attribute__((aligned(4096)));
#define P2V(pa) ((void *)(ram + (uint64_t)(pa)))
#define V2P(va) ((uint64_t)((uint8_t *)(va) - ram))

#include "kernel/frame.c"

static struct kip kip_page;
struct kip *kip = &kip_page;
struct env envs[NENV];
static struct envinfo infos[2];

struct env *env_lookup(uint64_t id)
{
	for (int i = 1; i < NENV; i++)
		if (envs[i].id == id && id)
			return &envs[i];
	return NULL;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

/* Fresh accounting: frames [first, RAM_FRAMES) free; the table sits in frames 0..1. */
static void reset(uint64_t first)
{
	memset(&kip_page, 0, sizeof(kip_page));
	frame_init(0, RAM_FRAMES * 4096);
	frame_add_range(first * 4096, (RAM_FRAMES - first) * 4096);
	for (int i = 1; i <= 2; i++)
		envs[i] = (struct env){ .id = 0x100 | (uint64_t)i, .state = ENV_LIVE, .info = &infos[i - 1] };
}

TEST(pool_counts_only_added_ranges)
{
	reset(4);
	CHECK(kip->frames_total == RAM_FRAMES - 4);
	CHECK(kip->frames_free == RAM_FRAMES - 4);
	CHECK(frame_owner(0) != frame_owner(10)); /* reserved versus free */
}

TEST(alloc_any_and_specific)
{
	reset(4);
	long a = frame_alloc(&envs[1], -1);
	CHECK(a >= 4 && a < RAM_FRAMES);
	CHECK(frame_owner(a) == envs[1].id && frame_refs(a) == 1);
	CHECK(envs[1].frames_owned == 1 && infos[0].frames_owned == 1);
	CHECK(frame_alloc(&envs[2], 10) == 10 || a == 10);
	CHECK(frame_alloc(&envs[2], a) == -E_BUSY);
	CHECK(frame_alloc(&envs[2], 2) == -E_BUSY);      /* reserved */
	CHECK(frame_alloc(&envs[2], RAM_FRAMES) == -E_INVAL);
	CHECK(frame_alloc(&envs[2], -2) == -E_INVAL);
	CHECK(kip->frames_free == RAM_FRAMES - 4 - 2);
}

TEST(allocated_frames_are_zeroed)
{
	reset(4);
	long a = frame_alloc(&envs[1], -1);
	memset(P2V(a * 4096), 0xAB, 4096);
	frame_free(&envs[1], a);
	CHECK(frame_alloc(&envs[1], a) == a);
	uint8_t *p = P2V(a * 4096);
	bool zero = true;
	for (int i = 0; i < 4096; i++)
		zero &= p[i] == 0;
	CHECK(zero);
}

/* A page freed as known zeros is handed out as it is; one freed dirty is cleared; a copy holds the source's bytes. */
TEST(zeroed_pages_and_copies)
{
	reset(4);
	uint64_t pa = kalloc_page();
	uint8_t *p = P2V(pa);
	p[100] = 0x5A; /* the caller's promise is broken on purpose: the next allocation must not clear */
	kfree_zeroed_page(pa);
	CHECK(kip->frames_free == RAM_FRAMES - 4);
	CHECK(frame_alloc(&envs[1], (long)(pa / 4096)) == (long)(pa / 4096));
	CHECK(p[100] == 0x5A);
	p[200] = 0xA5;
	frame_free(&envs[1], (long)(pa / 4096));
	CHECK(kalloc_page() == pa && p[100] == 0 && p[200] == 0); /* freed dirty: cleared */
	p[300] = 0x77;
	long c = frame_copy(&envs[2], pa / 4096);
	CHECK(c > 0 && (uint64_t)c != pa / 4096 && frame_owner(c) == envs[2].id && frame_refs(c) == 1);
	CHECK(((uint8_t *)P2V(c * 4096))[300] == 0x77);
	CHECK(frame_adopt(&envs[1], c) == -E_PERM); /* owned: not an orphan */
	CHECK(frame_free(&envs[2], c) == 0);
	CHECK(frame_owner(c) != envs[2].id); /* back in the pool */
}

TEST(free_checks_owner)
{
	reset(4);
	long a = frame_alloc(&envs[1], -1);
	CHECK(frame_free(&envs[2], a) == -E_PERM);
	CHECK(frame_free(&envs[1], -1) == -E_INVAL);
	CHECK(frame_free(&envs[1], RAM_FRAMES) == -E_INVAL);
	CHECK(frame_free(&envs[1], a) == 0);
	CHECK(frame_free(&envs[1], a) == -E_PERM);
	CHECK(kip->frames_free == RAM_FRAMES - 4);
	CHECK(envs[1].frames_owned == 0);
}

TEST(shared_frame_outlives_its_owner)
{
	reset(4);
	long a = frame_alloc(&envs[1], -1);
	frame_incref(a); /* two mappings */
	frame_incref(a);
	CHECK(frame_free(&envs[1], a) == 0);
	CHECK(frame_refs(a) == 2);
	CHECK(kip->frames_free == RAM_FRAMES - 5); /* still in use */
	frame_decref(a);
	CHECK(kip->frames_free == RAM_FRAMES - 5);
	frame_decref(a);
	CHECK(kip->frames_free == RAM_FRAMES - 4);
	CHECK(frame_alloc(&envs[2], a) == a); /* back in the pool */
}

TEST(release_owned_returns_everything)
{
	reset(4);
	for (int i = 0; i < 10; i++)
		frame_alloc(&envs[1], -1);
	long kept = frame_alloc(&envs[2], -1);
	CHECK(frame_pick_owned(&envs[1]) >= 0);
	frame_release_owned(&envs[1]);
	CHECK(envs[1].frames_owned == 0);
	CHECK(frame_pick_owned(&envs[1]) == -E_NOENT);
	CHECK(kip->frames_free == RAM_FRAMES - 5);
	CHECK(frame_owner(kept) == envs[2].id);
}

TEST(exhaustion_and_kernel_pages)
{
	reset(4);
	int n = 0;
	while (frame_alloc(&envs[1], -1) >= 0)
		n++;
	CHECK(n == RAM_FRAMES - 4);
	CHECK(frame_alloc(&envs[1], -1) == -E_NOMEM);
	CHECK(frame_alloc(&envs[1], 0xFFFFFFFFL) == -E_INVAL);
	CHECK(kalloc_page() == 0);
	frame_release_owned(&envs[1]);
	uint64_t pa = kalloc_page();
	CHECK(pa != 0 && kip->frames_free == RAM_FRAMES - 5);
	kfree_page(pa);
	CHECK(kip->frames_free == RAM_FRAMES - 4);
}

TEST(group_frames_pass_to_the_groups_root)
{
	reset(4);
	long a = frame_alloc(&envs[2], -1), b = frame_alloc(&envs[2], -1);
	frame_set_group(a, envs[1].id); /* shared with env 1's group: env 1 is its root */
	frame_release_owned(&envs[2]);
	CHECK(frame_owner(a) == envs[1].id && envs[1].frames_owned == 1);
	CHECK(frame_refs(b) == 0 && frame_group(a) == envs[1].id);
	CHECK(kip->frames_free == RAM_FRAMES - 5);
}

TEST(pin_makes_reserved_frames_mappable_for_good)
{
	reset(4);
	frame_pin(1);
	CHECK(frame_refs(1) == 1);
	frame_incref(1);
	frame_decref(1);
	CHECK(frame_refs(1) == 1 && kip->frames_free == RAM_FRAMES - 4);
	frame_pin(10); /* a free frame is not pinned */
	CHECK(frame_refs(10) == 0);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(pool_counts_only_added_ranges);
	RUN(alloc_any_and_specific);
	RUN(allocated_frames_are_zeroed);
	RUN(zeroed_pages_and_copies);
	RUN(free_checks_owner);
	RUN(shared_frame_outlives_its_owner);
	RUN(release_owned_returns_everything);
	RUN(exhaustion_and_kernel_pages);
	RUN(group_frames_pass_to_the_groups_root);
	RUN(pin_makes_reserved_frames_mappable_for_good);
	return CHECK_END();
}
