/* How long the machine's CPU has been idle (halted), on Linux and on Mica: for busy time = clock - idle. */
#ifndef BENCH_IDLE_H
#define BENCH_IDLE_H

#include <stdio.h>

/*
 * The idle time in ns as the kernel keeps it precisely: the idle_sleeptime
 * and iowait_sleeptime lines of every CPU in /proc/timer_list (Linux's
 * tick, or Mica's kernel count, which lx shows there). -1 where there is
 * no such file.
 */
static inline long long timer_list_idle_ns(void)
{
	unsigned long long v;
	long long idle = 0;
	char line[256];
	FILE *f = fopen("/proc/timer_list", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " .idle_sleeptime : %llu nsecs", &v) == 1 ||
		    sscanf(line, " .iowait_sleeptime: %llu nsecs", &v) == 1)
			idle += (long long)v;
	fclose(f);
	return idle;
}

/* The idle time in seconds: /proc/timer_list's, else the second figure of /proc/uptime (10 ms steps). -1 if
 * neither can be read. */
static inline double idle_seconds(void)
{
	long long ns = timer_list_idle_ns();
	double up, idle;
	if (ns >= 0)
		return (double)ns / 1e9;
	FILE *f = fopen("/proc/uptime", "r");
	int n = f ? fscanf(f, "%lf %lf", &up, &idle) : 0;
	if (f)
		fclose(f);
	return n == 2 ? idle : -1;
}

#endif
