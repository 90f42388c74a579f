/* Futexes and robust futex lists. (futex.c) */
#ifndef LX_FUTEX_H
#define LX_FUTEX_H

long lx_futex_wake(uint64_t addr, long n, uint64_t bits); /* wake up to n of this process's waiters on addr */
void lx_robust_exit(struct lx_thread *t); /* t ends or execs: the futexes on its robust list are released */
void lx_robust_exit_all(void); /* the process ends or execs: every thread's robust list */

#endif
