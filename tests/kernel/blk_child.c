/* A helper of blktests: a child with extents carved for it (arg: its parent's notification), or one that ends mid-request (arg 0). */
#include "blk_test.h"

#define BUF_VA 0x41000000UL

/* Wait (polling, 20,000 naps of 1 ms at most) until the env holds want extents; whether it did. */
static bool extents_become(int want)
{
	struct blk_extent x[BLK_EXTENTS_MAX];
	for (int i = 0; i < 20000; i++) {
		if (sys_blk_extents(0, x, BLK_EXTENTS_MAX) == want)
			return true;
		sys_sleep(1000000);
	}
	return false;
}

/*
 * Submit four reads of BLK_MAX_LEN into fresh pages and end without
 * waiting. Status 4 when the first was queued and each of the others was
 * queued or refused with -E_AGAIN (a queue of 64 chained descriptors
 * holds three such requests at once, and whether a fourth fits depends on
 * how fast the first completes; with indirect descriptors all four fit).
 */
static int end_mid_request(void)
{
	if (!extents_become(1) || bt_setup() < 0 || bt_pages(BUF_VA, 4 * BLK_MAX_LEN / PAGE_SIZE, PTE_W | PTE_NX) < 0)
		return 1;
	bool ok = true;
	for (int k = 0; k < 4; k++) {
		long r = bt_submit(BLK_READ, 0, (uint64_t)k * 128, BUF_VA + (uint64_t)k * BLK_MAX_LEN, BLK_MAX_LEN, 0);
		ok = ok && (r == 1 || (k > 0 && r == -E_AGAIN));
	}
	return ok ? 4 : 2;
}

/*
 * Its parent grants it disk 0 [1000, 1016) read-write and disk 1 [64, 72)
 * read-only. Exit status: a bit per step that held: 1 both extents came,
 * 2 a write inside and its read back, 4 writes outside refused, 8 the
 * read-only extent read but not written, 16 a grandchild given a part and
 * its grants' errors, 32 after the parent revoked disk 0's extent: the
 * grandchild's part of it gone with it, and a write there refused. Above
 * the bits: the grandchild's id, which it leaves behind (never started),
 * holding a part of disk 1's extent.
 */
static int carved(long parent_nt)
{
	uint8_t *buf = (uint8_t *)BUF_VA;
	struct blk_extent x[2];
	int status = 0;
	if (!extents_become(2) || bt_setup() < 0 || bt_pages(BUF_VA, 2, PTE_W | PTE_NX) < 0)
		return status;
	status |= 1;
	bt_fill(0, 1000, buf, 4096);
	bool wrote = bt_io(BLK_WRITE, 0, 1000, BUF_VA, 4096, 1) == 0 && bt_io(BLK_FLUSH, 0, 0, 0, 0, 2) == 0;
	memset(buf, 0, 4096);
	status |= wrote && bt_io(BLK_READ, 0, 1000, BUF_VA, 4096, 3) == 0 && bt_holds(0, 1000, buf, 4096) ? 2 : 0;
	status |= bt_submit(BLK_WRITE, 0, 1016, BUF_VA, 512, 9) == -E_PERM &&
				  bt_submit(BLK_WRITE, 0, 996, BUF_VA, 4096, 9) == -E_PERM &&
				  bt_submit(BLK_READ, 0, 0, BUF_VA, 512, 9) == -E_PERM
			  ? 4
			  : 0;
	status |= bt_io(BLK_READ, 1, 64, BUF_VA, 4096, 4) == 0 && bt_submit(BLK_WRITE, 1, 64, BUF_VA, 512, 9) == -E_PERM
			  ? 8
			  : 0;
	long g = sys_env_create();
	long part = sys_blk_grant(g, 0, 1004, 4, BLK_R), kept = sys_blk_grant(g, 1, 64, 4, BLK_R);
	status |= part > 0 && kept > 0 && sys_blk_grant(g, 0, 1012, 8, BLK_R) == -E_PERM &&
				  sys_blk_grant(g, 1, 64, 8, BLK_RW) == -E_PERM && sys_blk_extents(g, x, 2) == 2
			  ? 16
			  : 0;
	sys_ntfn_signal(parent_nt, 1);
	bool revoked = extents_become(1);
	status |= revoked && sys_blk_extents(g, x, 2) == 1 && x[0].disk == 1 &&
				  bt_submit(BLK_WRITE, 0, 1000, BUF_VA, 512, 9) == -E_PERM
			  ? 32
			  : 0;
	return status | (int)(g << 8); /* g lives on, adopted by the root env, with its extent of disk 1 */
}

int main(void)
{
	long arg = (long)mica_start_info->arg;
	return arg ? carved(arg) : end_mid_request();
}
