/* Futexes and robust futex lists (futex.c); priority-inheritance futexes (pifutex.c). */
#ifndef LX_FUTEX_H
#define LX_FUTEX_H

long lx_futex_wake(uint64_t addr, long n, uint64_t bits); /* wake up to n of this process's waiters on addr */
void lx_futex_fork_child(void); /* a forked child: no thread of it waits (only the forking one lives on) */
void lx_robust_exit(struct lx_thread *t); /* t ends or execs: the futexes on its robust list are released */
void lx_robust_exit_all(void); /* the process ends or execs: every thread's robust list */
uint64_t lx_sleep_deadline(uint64_t timeout_ns); /* when a wait of timeout_ns from now ends */
uint64_t lx_sleep_left(uint64_t deadline); /* how long is left until it */

/* How a thread waits on its futex_addr (struct lx_thread's pi_wait). */
enum { LX_PI_NONE, LX_PI_LOCK /* to own the PI futex there */, LX_PI_REQUEUE /* FUTEX_WAIT_REQUEUE_PI */ };
/* The PI commands of futex (FUTEX_LOCK_PI ... FUTEX_CMP_REQUEUE_PI): the result or -errno. */
long lx_futex_pi(uint64_t uaddr, long op, long val, long uts, uint64_t uaddr2, long val3);
bool lx_pi_waits_on(uint64_t addr); /* a thread here waits for a PI futex, or to be requeued to one, at addr */
void lx_pi_owner_died(uint64_t addr, uint32_t keep); /* hand the PI futex at addr on to a waiter, bits keep kept */
void lx_pi_thread_exit(int tid); /* thread tid ends: PI futexes it still owns go to their waiters */

#endif
