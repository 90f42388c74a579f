/* The Linux x86-64 ABI, clocks, timers and time structures. */
#ifndef LX_LINUX_TIME_H
#define LX_LINUX_TIME_H

#include <stdint.h>
#include <stddef.h>

/* clocks */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
/* setitimer */
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

struct linux_timespec {
	int64_t tv_sec, tv_nsec;
};
struct linux_timeval {
	int64_t tv_sec, tv_usec;
};

/* times */
#define LINUX_USER_HZ 100 /* clock ticks a second (times, AT_CLKTCK) */
struct linux_tms {
	int64_t tms_utime, tms_stime, tms_cutime, tms_cstime;
};

#endif
