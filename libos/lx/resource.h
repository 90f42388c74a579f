/* Resource limits. (resource.c) */
#ifndef LX_RESOURCE_H
#define LX_RESOURCE_H

void lx_rlimits_init(void); /* the first process's limits: Linux's defaults */
uint64_t lx_rlimit(int res); /* the soft limit RLIMIT_res of this process (RLIM_INFINITY: none) */

#endif
