/* Clocks. (time.c) */
#ifndef LX_TIME_H
#define LX_TIME_H

extern uint64_t lx_boot_time; /* main.c: wall-clock seconds since 1970 at launch */
long lx_read_timespec(long uts, uint64_t *ns); /* a program's struct timespec as ns; -EFAULT, -EINVAL */
long clock_ns_of(long clk, uint64_t *ns); /* clock clk's reading in ns; 0 or -EINVAL */
long lx_clock_id(long clk); /* the caller's encoded CPU-time clocks as CLOCK_*_CPUTIME_ID */

#endif
