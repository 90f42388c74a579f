/* Block storage calls on a machine without disks, from a child of the root env: every call says so and changes nothing. */
#include "check.h"
#include "blk_test.h"

int main(void)
{
	check_prog = "blk-none";
	struct blk_info info;
	struct blk_extent x[2];
	CHECK_EQ("info", sys_blk_info(0, &info), -E_NOENT);
	CHECK_EQ("no-extents", sys_blk_extents(0, x, 2), 0);
	CHECK_EQ("submit-without-ring", bt_submit(BLK_READ, 0, 0, BT_RING_VA, 512, 0), -E_INVAL);
	CHECK_EQ("ring", bt_setup(), 0);
	CHECK_EQ("submit-no-disk", bt_submit(BLK_READ, 0, 0, BT_RING_VA, 512, 0), -E_NOENT);
	CHECK_EQ("grant-to-parent", sys_blk_grant((long)ENVINFO->parent, 0, 0, 1, BLK_R), -E_PERM);
	long c = sys_env_create();
	CHECK_EQ("grant-no-disk", sys_blk_grant(c, 0, 0, 1, BLK_R), -E_NOENT);
	sys_env_destroy(c);
	sys_env_wait(c);
	return CHECK_DONE();
}
