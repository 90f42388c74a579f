/* Interval and POSIX timers. (itimer.c) */
#ifndef LX_ITIMER_H
#define LX_ITIMER_H

void lx_itimer_fork_child(void);
void lx_itimer_exec(void); /* exec: POSIX timers are deleted, interval timers kept */

#endif
