/* The block storage tests, run as the root env (which holds every disk) with two disks that tests/blk.sh attaches and checks. */
#include "check.h"
#include "blk_test.h"

/*
 * Disk 0 is BT_DISK0_SECTORS long and holds BT_HOST_TEXT at sector
 * BT_HOST_SECTOR, written by the host; disk 1 is BT_DISK1_SECTORS long.
 * What is written here (the pattern of blk_test.h) tests/blk.sh finds on
 * the host's image files afterwards: disk 0 sectors 100..131 and
 * 1000..1007 (the child's), disk 1 sectors 0..7; and disk 0 sector 300 is
 * still zeros (every write to it was refused).
 */
#define BT_DISK0_SECTORS 16384 /* 8 MiB */
#define BT_DISK1_SECTORS 128
#define BT_HOST_SECTOR 5
#define BT_HOST_TEXT "mica-blk-host-sector-5"
#define BUF_VA 0x41000000UL /* 32 pages of data */
#define BUF2_VA 0x42000000UL /* 17 pages: freed while the device fills them */
#define BENCH_VA 0x43000000UL /* 16 requests of BLK_MAX_LEN */
#define FOREIGN_VA 0x44000000UL /* a child's frame, mapped here */
#define RO_VA 0x44100000UL /* an own frame, mapped read-only */
#define BENCH_DEPTH 3 /* requests of BLK_MAX_LEN in flight: what a queue of 64 chained descriptors holds (18 each) */

static uint8_t *const buf = (uint8_t *)BUF_VA;

/*
 * Wait until the free pool holds want frames again (completions may still be
 * arriving); whether it did. Many short sleeps: under -icount an idle
 * guest's clock jumps, so the count, not the time, bounds the real wait.
 */
static bool frames_back(uint64_t want)
{
	for (int i = 0; i < 20000 && KIP->frames_free != want; i++)
		sys_sleep(1000000);
	return KIP->frames_free == want;
}

static void test_info(void)
{
	struct blk_info info;
	struct blk_extent x[4];
	CHECK_EQ("info-0", sys_blk_info(0, &info), 0);
	CHECK_EQ("info-0-sectors", info.sectors, BT_DISK0_SECTORS);
	CHECK_EQ("info-0-sector-size", info.sector_size, BLK_SECTOR);
	CHECK_EQ("info-1", sys_blk_info(1, &info), 0);
	CHECK_EQ("info-1-sectors", info.sectors, BT_DISK1_SECTORS);
	CHECK_EQ("info-no-disk", sys_blk_info(2, &info), -E_NOENT);
	CHECK_EQ("info-negative", sys_blk_info(-1, &info), -E_NOENT);
	CHECK_EQ("info-fault", sys_blk_info(0, (void *)0x10000000UL), -E_FAULT);
	CHECK_EQ("root-holds-whole-disks", sys_blk_extents(0, x, 4), 2);
	CHECK("root-extent-0",
	      x[0].disk == 0 && x[0].start == 0 && x[0].count == BT_DISK0_SECTORS && x[0].perm == BLK_RW);
	CHECK("root-extent-1",
	      x[1].disk == 1 && x[1].start == 0 && x[1].count == BT_DISK1_SECTORS && x[1].perm == BLK_RW);
	CHECK_EQ("extents-negative", sys_blk_extents(0, x, -1), -E_INVAL);
}

static void test_ring(void)
{
	CHECK_EQ("submit-without-ring", bt_submit(BLK_READ, 0, 0, BUF_VA, 512, 0), -E_INVAL);
	CHECK_EQ("ring-unaligned", sys_blk_ring_bind(BT_RING_VA + 8, 1, 1), -E_INVAL);
	CHECK_EQ("ring", bt_setup(), 0);
	CHECK_EQ("ring-nslots", bt_ring->nslots, BLK_RING_SLOTS);
	CHECK_EQ("ring-again", sys_blk_ring_bind(BT_RING_VA, bt_nt, 1), -E_BUSY);
}

/* Read what the host wrote; write across pages, flush, read back; the second disk. */
static void test_read_write(void)
{
	CHECK_EQ("read-host-sector", bt_io(BLK_READ, 0, BT_HOST_SECTOR, BUF_VA, 512, 1), 0);
	CHECK("read-host-text", memcmp(buf, BT_HOST_TEXT, sizeof(BT_HOST_TEXT) - 1) == 0);
	/* 16 KiB from half a page in: five pages, each a segment of its own */
	bt_fill(0, 100, buf + 2048, 16384);
	CHECK_EQ("write-16k-across-pages", bt_io(BLK_WRITE, 0, 100, BUF_VA + 2048, 16384, 2), 0);
	CHECK_EQ("flush", bt_io(BLK_FLUSH, 0, 0, 0, 0, 3), 0);
	memset(buf, 0, 8 * PAGE_SIZE);
	CHECK_EQ("read-back-16k", bt_io(BLK_READ, 0, 100, BUF_VA + 4 * PAGE_SIZE, 16384, 4), 0);
	CHECK("read-back-same", bt_holds(0, 100, buf + 4 * PAGE_SIZE, 16384));
	bt_fill(1, 0, buf, 4096);
	CHECK_EQ("write-disk-1", bt_io(BLK_WRITE, 1, 0, BUF_VA, 4096, 5), 0);
	CHECK_EQ("flush-disk-1", bt_io(BLK_FLUSH, 1, 0, 0, 0, 6), 0);
	memset(buf, 0, 4096);
	CHECK_EQ("read-disk-1", bt_io(BLK_READ, 1, 0, BUF_VA, 4096, 7), 0);
	CHECK("read-disk-1-same", bt_holds(1, 0, buf, 4096));
	CHECK_EQ("read-last-sector", bt_io(BLK_READ, 1, BT_DISK1_SECTORS - 1, BUF_VA, 512, 8), 0);
}

/* A batch in flight at once, a flush among the writes: every one completes, the flush after the writes before it. */
static void test_batch(void)
{
	struct blk_req q[12];
	for (int i = 0; i < 8; i++)
		q[i] = (struct blk_req){ 10 + i, BLK_READ, 0, (uint64_t)i * 128, BUF_VA + (uint64_t)i * PAGE_SIZE,
					 4096,   0 };
	q[8] = (struct blk_req){ 18, BLK_WRITE, 0, 100, BUF_VA + 16 * PAGE_SIZE, 4096, 0 };
	q[9] = (struct blk_req){ 19, BLK_WRITE, 0, 108, BUF_VA + 17 * PAGE_SIZE, 4096, 0 };
	q[10] = (struct blk_req){ 20, BLK_FLUSH, 0, 0, 0, 0, 0 };
	q[11] = (struct blk_req){ 21, BLK_READ, 0, 100, BUF_VA + 18 * PAGE_SIZE, 8192, 0 };
	bt_fill(0, 100, buf + 16 * PAGE_SIZE, 8192);
	CHECK_EQ("batch-submit", sys_blk_submit(q, 12), 12);
	bool all = true;
	for (int i = 10; i <= 21; i++)
		all = bt_wait((uint64_t)i) == 0 && all;
	CHECK("batch-all-complete", all);
	CHECK("flush-completes-after-the-writes-before-it", bt_order[20] > bt_order[18] && bt_order[20] > bt_order[19]);
	CHECK("batch-read", bt_holds(0, 100, buf + 18 * PAGE_SIZE, 8192));
	CHECK_EQ("batch-too-big", sys_blk_submit(q, BLK_SUBMIT_BATCH + 1), -E_INVAL);
	CHECK_EQ("batch-empty", sys_blk_submit(q, 0), -E_INVAL);
	CHECK_EQ("batch-fault", sys_blk_submit((void *)0x10000000UL, 1), -E_FAULT);
	/* a batch stops at its first refused request: the ones before it are queued */
	q[0] = (struct blk_req){ 22, BLK_READ, 0, 0, BUF_VA, 512, 0 };
	q[1] = (struct blk_req){ 23, BLK_READ, 0, 0, BUF_VA, 100, 0 };
	CHECK_EQ("batch-partial", sys_blk_submit(q, 2), 1);
	CHECK_EQ("batch-partial-done", bt_wait(22), 0);
}

/*
 * Room: reads whose completions are left in the ring, one at a time (each waited for, so that none is in
 * flight when one is refused and no completion can clear the flag before it is looked at), until one is
 * refused for room (-E_AGAIN, BLK_RING_WAIT set); once the ring is read, the next completion clears the
 * flag again (and signals the ring), as a submitter that waits for room needs.
 */
static void test_room(void)
{
	long r = 0;
	bt_drain();
	for (uint32_t n = 0; n <= BLK_RING_SLOTS && (r = bt_submit(BLK_READ, 0, 0, BUF_VA, 512, 1000 + n)) == 1; n++)
		while (bt_ring->head - bt_ring->tail < n + 1)
			sys_ntfn_wait(bt_nt, TIMEOUT_FOREVER);
	CHECK_EQ("room-refused", r, -E_AGAIN);
	CHECK("room-wait-set", (bt_ring->flags & BLK_RING_WAIT) != 0);
	bt_drain();
	CHECK_EQ("room-after-reading", bt_io(BLK_READ, 0, 0, BUF_VA, 512, 60), 0);
	CHECK("room-wait-cleared", (bt_ring->flags & BLK_RING_WAIT) == 0);
}

/* Requests refused at submission, each changing nothing: sector 300 stays zeros. */
static void test_refused(void)
{
	long child = sys_env_create();
	long fn = sys_frame_alloc(child, -1);
	CHECK("foreign-frame-mapped", fn > 0 && sys_map(0, FOREIGN_VA, fn, PTE_W | PTE_NX) == 0);
	CHECK("own-frame-read-only", page_alloc(0, RO_VA, PTE_NX) > 0);
	bt_fill(0, 300, buf, 4096);
	CHECK_EQ("past-the-end", bt_submit(BLK_WRITE, 0, BT_DISK0_SECTORS - 1, BUF_VA, 1024, 30), -E_PERM);
	CHECK_EQ("sector-wraps", bt_submit(BLK_READ, 0, ~0UL, BUF_VA, 1024, 30), -E_PERM);
	CHECK_EQ("length-0", bt_submit(BLK_WRITE, 0, 300, BUF_VA, 0, 30), -E_INVAL);
	CHECK_EQ("length-not-sectors", bt_submit(BLK_WRITE, 0, 300, BUF_VA, 1000, 30), -E_INVAL);
	CHECK_EQ("length-over-max", bt_submit(BLK_WRITE, 0, 300, BUF_VA, BLK_MAX_LEN + 512, 30), -E_INVAL);
	CHECK_EQ("va-unaligned", bt_submit(BLK_WRITE, 0, 300, BUF_VA + 256, 512, 30), -E_INVAL);
	CHECK_EQ("va-kernel", bt_submit(BLK_WRITE, 0, 300, 0xFFFF800000000000UL, 512, 30), -E_INVAL);
	CHECK_EQ("va-unmapped", bt_submit(BLK_WRITE, 0, 300, 0x10000000UL, 512, 30), -E_FAULT);
	CHECK_EQ("va-partly-unmapped", bt_submit(BLK_WRITE, 0, 300, BUF_VA + 31 * PAGE_SIZE, 8192, 30), -E_FAULT);
	CHECK_EQ("foreign-frame-write", bt_submit(BLK_WRITE, 0, 300, FOREIGN_VA, 512, 30), -E_PERM);
	CHECK_EQ("foreign-frame-read", bt_submit(BLK_READ, 0, 300, FOREIGN_VA, 512, 30), -E_PERM);
	CHECK_EQ("read-into-read-only", bt_submit(BLK_READ, 0, 300, RO_VA, 512, 30), -E_FAULT);
	CHECK_EQ("bad-op", bt_submit(7, 0, 300, BUF_VA, 512, 30), -E_INVAL);
	CHECK_EQ("no-such-disk", bt_submit(BLK_WRITE, 2, 300, BUF_VA, 512, 30), -E_NOENT);
	sys_unmap(0, FOREIGN_VA);
	sys_env_destroy(child);
	sys_env_wait(child);
	memset(buf + PAGE_SIZE, 0xAA, 512);
	CHECK_EQ("refused-touched-nothing", bt_io(BLK_READ, 0, 300, BUF_VA + PAGE_SIZE, 512, 31), 0);
	bool zero = true;
	for (int i = 0; i < 512; i++)
		zero = zero && buf[PAGE_SIZE + i] == 0;
	CHECK("refused-sector-still-zeros", zero);
	CHECK("refused-nothing-completed", !bt_seen[30]);
}

/* Grants: the errors; a child inside and outside its extents, a grandchild's extent revoked with the child's. */
static void test_grants(void)
{
	struct blk_extent x[BLK_EXTENTS_MAX + 1];
	long idle = sys_env_create();
	CHECK_EQ("grant-self", sys_blk_grant(0, 0, 0, 8, BLK_RW), -E_INVAL);
	CHECK_EQ("grant-count-0", sys_blk_grant(idle, 0, 0, 0, BLK_RW), -E_INVAL);
	CHECK_EQ("grant-bad-perm", sys_blk_grant(idle, 0, 0, 8, 4), -E_INVAL);
	CHECK_EQ("grant-no-perm", sys_blk_grant(idle, 0, 0, 8, 0), -E_INVAL);
	CHECK_EQ("grant-no-disk", sys_blk_grant(idle, 2, 0, 8, BLK_R), -E_NOENT);
	CHECK_EQ("grant-past-end", sys_blk_grant(idle, 0, BT_DISK0_SECTORS - 4, 8, BLK_R), -E_PERM);
	CHECK_EQ("grant-no-env", sys_blk_grant(0x7FFF00 | 77, 0, 0, 8, BLK_R), -E_NOENT);
	long ids[BLK_EXTENTS_MAX];
	bool granted = true;
	for (int i = 0; i < BLK_EXTENTS_MAX; i++)
		granted = (ids[i] = sys_blk_grant(idle, 0, (uint64_t)i * 8, 8, BLK_R)) > 0 && granted;
	CHECK("grant-up-to-max", granted);
	CHECK_EQ("grant-over-max", sys_blk_grant(idle, 0, 0, 8, BLK_R), -E_NOMEM);
	CHECK_EQ("child-extents", sys_blk_extents(idle, x, BLK_EXTENTS_MAX + 1), BLK_EXTENTS_MAX);
	CHECK_EQ("revoke", sys_blk_revoke(ids[3]), 0);
	CHECK_EQ("revoke-again", sys_blk_revoke(ids[3]), -E_NOENT);
	CHECK("own-extents", sys_blk_extents(0, x, 2) == 2 && sys_blk_revoke((long)x[0].id) == -E_PERM);
	CHECK_EQ("revoke-not-granter", sys_blk_revoke((long)x[0].id), -E_PERM);
	CHECK_EQ("revoke-bogus", sys_blk_revoke(12345), -E_NOENT);
	CHECK_EQ("child-extents-after-revoke", sys_blk_extents(idle, x, BLK_EXTENTS_MAX + 1), BLK_EXTENTS_MAX - 1);
	sys_env_destroy(idle);
	sys_env_wait(idle);
	CHECK_EQ("reclaimed-at-end", sys_blk_revoke(ids[0]), -E_NOENT);

	/* blk_child (tests/kernel/blk_child.c): status 63 when every one of its checks held */
	long nt = sys_ntfn_create();
	long c = spawn("blk_child", (uint64_t)nt);
	CHECK("spawn-child", c > 0);
	long a = sys_blk_grant(c, 0, 1000, 16, BLK_RW), b = sys_blk_grant(c, 1, 64, 8, BLK_R);
	CHECK("grant-child", a > 0 && b > 0);
	CHECK("child-granted-grandchild", sys_ntfn_wait(nt, TIMEOUT_FOREVER) > 0);
	CHECK_EQ("revoke-child", sys_blk_revoke(a), 0);
	long status = sys_env_wait(c), g = status >> 8;
	CHECK_EQ("child-status", status & 255, 63);
	CHECK_EQ("child-grants-reclaimed", sys_blk_revoke(b), -E_NOENT);
	/* what the child carved for its own child outlived it, now the root's grant to revoke */
	CHECK("grandchild-keeps-its-part", sys_blk_extents(g, x, 2) == 1 && x[0].disk == 1 && x[0].start == 64);
	CHECK_EQ("grandchild-part-revoked-by-root", sys_blk_revoke((long)x[0].id), 0);
	CHECK_EQ("grandchild-none-left", sys_blk_extents(g, x, 2), 0);
	sys_env_destroy(g);
	sys_env_wait(g);
	sys_ntfn_destroy(nt);
}

/* Frames freed while the device fills them, and an env that ends with requests in flight: no frame is lost or reused early. */
static void test_frames_in_flight(void)
{
	long fns[17];
	bool mapped = true;
	for (int i = 0; i < 17; i++)
		mapped = (fns[i] = page_alloc(0, BUF2_VA + (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX)) > 0 && mapped;
	CHECK("in-flight-pages", mapped);
	uint64_t before = KIP->frames_free + 17; /* the page tables made for them stay */
	CHECK_EQ("in-flight-submit", bt_submit(BLK_READ, 0, 0, BUF2_VA + 512, BLK_MAX_LEN, 40), 1);
	bool freed = true;
	for (int i = 0; i < 17; i++)
		freed = sys_unmap(0, BUF2_VA + (uint64_t)i * PAGE_SIZE) == 0 && sys_frame_free(0, fns[i]) == 0 && freed;
	CHECK("in-flight-freed", freed);
	CHECK_EQ("in-flight-completes", bt_wait(40), 0);
	CHECK("in-flight-frames-back", frames_back(before));

	before = KIP->frames_free;
	long c = spawn("blk_child", 0); /* submits and ends at once */
	CHECK("spawn-ender", c > 0 && sys_blk_grant(c, 0, 0, BT_DISK0_SECTORS, BLK_R) > 0);
	CHECK_EQ("ender-status", sys_env_wait(c), 4);
	CHECK("ender-frames-back", frames_back(before));
	CHECK_EQ("disk-fine-after", bt_io(BLK_READ, 0, BT_HOST_SECTOR, BUF_VA, 512, 41), 0);
}

/* Sequential read of disk 0, BENCH_DEPTH requests of BLK_MAX_LEN in flight: the rate, and TSC ticks per 4 KiB. */
static void bench_read(void)
{
	CHECK_EQ("bench-pages", bt_pages(BENCH_VA, BENCH_DEPTH * BLK_MAX_LEN / PAGE_SIZE, PTE_W | PTE_NX), 0);
	uint64_t total = (uint64_t)BT_DISK0_SECTORS * BLK_SECTOR, next = 0, done = 0;
	uint64_t t0 = rdtsc(), ns0 = clock_ns(), idle0 = KIP->idle_ns;
	bool ok = true;
	for (int k = 0; k < BENCH_DEPTH; k++, next += BLK_MAX_LEN)
		ok = bt_submit(BLK_READ, 0, next / BLK_SECTOR, BENCH_VA + (uint64_t)k * BLK_MAX_LEN, BLK_MAX_LEN,
			       100 + k) == 1 &&
		     ok;
	while (ok && done < total) {
		bt_drain();
		for (int k = 0; k < BENCH_DEPTH; k++) {
			if (!bt_seen[100 + k])
				continue;
			bt_seen[100 + k] = false;
			ok = ok && bt_status[100 + k] == 0;
			done += BLK_MAX_LEN;
			if (next < total) {
				ok = ok &&
				     bt_submit(BLK_READ, 0, next / BLK_SECTOR, BENCH_VA + (uint64_t)k * BLK_MAX_LEN,
					       BLK_MAX_LEN, 100 + (uint64_t)k) == 1;
				next += BLK_MAX_LEN;
			}
		}
		if (done < total && bt_ring->tail == bt_ring->head)
			ok = ok && sys_ntfn_wait(bt_nt, TIMEOUT_FOREVER) > 0;
	}
	uint64_t ticks = rdtsc() - t0, ns = clock_ns() - ns0, busy = ns - (KIP->idle_ns - idle0);
	CHECK("bench-read-all", ok && done == total);
	/* under -icount shift=0 a busy ns is a guest instruction, and idle time is the device's (QEMU's own work) */
	printf("bench: sequential read of %lu KiB, %d x %d KiB in flight: %lu ns (%lu busy), %lu MB/s, %lu TSC ticks "
	       "and %lu busy ns per 4 KiB\n",
	       (unsigned long)(total >> 10), BENCH_DEPTH, BLK_MAX_LEN >> 10, (unsigned long)ns, (unsigned long)busy,
	       (unsigned long)(ns ? total * 1000 / ns : 0), (unsigned long)(ticks / (total / 4096)),
	       (unsigned long)(busy / (total / 4096)));
}

int main(void)
{
	check_prog = "blk";
	CHECK("buffers", bt_pages(BUF_VA, 32, PTE_W | PTE_NX) == 0);
	test_info();
	test_ring();
	test_read_write();
	test_batch();
	test_room();
	test_refused();
	test_grants();
	test_frames_in_flight();
	bench_read();
	sys_poweroff(CHECK_DONE());
	return 1;
}
