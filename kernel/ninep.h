/* Host folders inside the kernel: the virtio-9p transport, shares bound to envs, completion rings (ninep.c). */
#ifndef KERNEL_NINEP_H
#define KERNEL_NINEP_H

#include <stdint.h>

struct env;

long p9_info(struct env *e, long share, uint64_t out_va);
long p9_claim(struct env *e, long share);
long p9_ring_bind(struct env *e, uint64_t va, long nt, uint64_t bits);
long p9_submit(struct env *e, uint64_t req_va);
void ninep_env_gone(struct env *e);

#endif
