/* Block storage inside the kernel: the virtio-blk driver and its requests (blk.c), extents bound to envs (extent.c). */
#ifndef KERNEL_BLK_H
#define KERNEL_BLK_H

#include <stdint.h>
#include <stdbool.h>

struct env;

/* ---- blk.c: the disks, completion rings and requests ---- */
bool blk_disk(uint32_t disk, uint64_t *sectors, bool *ro);
long blk_info(struct env *e, long disk, uint64_t out_va);
long blk_ring_bind(struct env *e, uint64_t va, long nt, uint64_t bits);
long blk_submit(struct env *e, uint64_t batch_va, long n);
void blk_env_gone(struct env *e);

/* ---- extent.c: which sectors each env may touch ---- */
void extent_root(struct env *root);
bool extent_allows(struct env *e, uint32_t disk, uint64_t sector, uint64_t count, uint32_t perm);
bool extent_allows_flush(struct env *e, uint32_t disk);
long blk_grant(struct env *e, long env, long disk, uint64_t start, uint64_t count, long perm);
long blk_revoke(struct env *e, long id);
long blk_extents(struct env *e, long env, uint64_t out_va, long n);
void extent_env_gone(struct env *e);

#endif
