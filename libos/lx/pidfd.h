/* pidfds. (pidfd.c) */
#ifndef LX_PIDFD_H
#define LX_PIDFD_H

long lx_pidfd_new(int pid,
		  bool nonblock); /* a pidfd (close-on-exec) for process pid: the fd, -ESRCH, -ENOMEM, -EMFILE */
long lx_pidfd_pid(int fd, bool *nonblock); /* the pid fd names and whether it is O_NONBLOCK; -EBADF if no pidfd */

#endif
