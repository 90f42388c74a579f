/* Resource limits. (resource.c) */
#ifndef LX_RESOURCE_H
#define LX_RESOURCE_H

uint64_t lx_rlimit(int res); /* the soft limit RLIMIT_res of this process (RLIM_INFINITY: none) */

#endif
