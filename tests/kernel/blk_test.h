/* Helpers shared by the block storage tests (blktests, blk_child, t_blk): a completion ring and one-request submissions. */
#ifndef KERNEL_TESTS_BLK_TEST_H
#define KERNEL_TESTS_BLK_TEST_H

#include "mica.h"
#include <mica/blk.h>

#define BT_RING_VA 0x40000000UL /* the completion ring's page */
#define BT_COOKIES 128 /* cookies 0 .. BT_COOKIES - 1 are tracked */

static struct blk_ring_hdr *const bt_ring = (struct blk_ring_hdr *)BT_RING_VA;
static long bt_nt;
static bool bt_seen[BT_COOKIES];
static int32_t bt_status[BT_COOKIES];
static uint32_t
	bt_order[BT_COOKIES]; /* where each tracked cookie's completion came, counting every completion from 1 */
static uint32_t bt_completions;

/* Map a page at BT_RING_VA and bind it as the completion ring, signalling bit 1 on a new notification. 0 or -E_*. */
static inline long bt_setup(void)
{
	bt_nt = sys_ntfn_create();
	long fn = page_alloc(0, BT_RING_VA, PTE_W | PTE_NX);
	if (bt_nt < 0 || fn < 0)
		return bt_nt < 0 ? bt_nt : fn;
	return sys_blk_ring_bind(BT_RING_VA, bt_nt, 1);
}

/* Submit one request. What blk_submit returns: 1 or -E_*. */
static inline long bt_submit(uint32_t op, uint32_t disk, uint64_t sector, uint64_t va, uint32_t len, uint64_t cookie)
{
	struct blk_req q = { cookie, op, disk, sector, va, len, 0 };
	return sys_blk_submit(&q, 1);
}

/* Take every completion the ring holds, recording each tracked cookie's status. */
static inline void bt_drain(void)
{
	while (bt_ring->tail != bt_ring->head) {
		struct blk_done d = bt_ring->slot[bt_ring->tail % bt_ring->nslots];
		bt_completions++;
		if (d.cookie < BT_COOKIES) {
			bt_seen[d.cookie] = true;
			bt_status[d.cookie] = d.status;
			bt_order[d.cookie] = bt_completions;
		}
		bt_ring->tail++;
	}
}

/*
 * Wait for cookie's completion: its status. The wait has no deadline: under
 * -icount with sleep=off an idle guest's clock jumps to its next deadline
 * while the host is still busy with the request, so any deadline could pass
 * before a completion that is on its way; a lost one is tools/boot's
 * timeout.
 */
static inline long bt_wait(uint64_t cookie)
{
	for (;;) {
		bt_drain();
		if (bt_seen[cookie]) {
			bt_seen[cookie] = false;
			return bt_status[cookie];
		}
		sys_ntfn_wait(bt_nt, TIMEOUT_FOREVER);
	}
}

/* Submit one request and wait for it: its status, or the submission's error. */
static inline long bt_io(uint32_t op, uint32_t disk, uint64_t sector, uint64_t va, uint32_t len, uint64_t cookie)
{
	long r = bt_submit(op, disk, sector, va, len, cookie);
	return r < 0 ? r : bt_wait(cookie);
}

/* The test pattern's byte at offset off of disk (tests/blk.sh computes the same on the host). */
static inline uint8_t bt_pattern(uint32_t disk, uint64_t off)
{
	return (uint8_t)(off * 131 + off / BLK_SECTOR * 17 + disk * 29);
}

/* Fill len bytes at va with the pattern of disk from sector on. */
static inline void bt_fill(uint32_t disk, uint64_t sector, uint8_t *va, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		va[i] = bt_pattern(disk, sector * BLK_SECTOR + i);
}

/* Do the len bytes at va hold the pattern of disk from sector on? */
static inline bool bt_holds(uint32_t disk, uint64_t sector, const uint8_t *va, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (va[i] != bt_pattern(disk, sector * BLK_SECTOR + i))
			return false;
	return true;
}

/* Map n fresh pages from va, with perm; 0 or -E_*. */
static inline long bt_pages(uint64_t va, int n, long perm)
{
	for (int i = 0; i < n; i++) {
		long fn = page_alloc(0, va + (uint64_t)i * PAGE_SIZE, (uint64_t)perm);
		if (fn < 0)
			return fn;
	}
	return 0;
}

#endif
