/* The Linux x86-64 ABI as lx sees it: errno values, flags, numbers and the structures programs pass in, by subject in linux/. */
#ifndef LX_LINUX_H
#define LX_LINUX_H

#include <stdint.h>
#include <stddef.h>

/* The top of a program's address space (the highest user address + 1, less a guard page). */
#define LINUX_TASK_SIZE 0x00007FFFFFFFF000UL
/* The most bytes one read- or write-family call moves (MAX_RW_COUNT: INT_MAX rounded down to a page). */
#define LINUX_MAX_RW 0x7FFFF000UL

#include "libos/lx/linux/errno.h"
#include "libos/lx/linux/time.h"
#include "libos/lx/linux/fcntl.h"
#include "libos/lx/linux/mman.h"
#include "libos/lx/linux/signal.h"
#include "libos/lx/linux/sched.h"
#include "libos/lx/linux/poll.h"
#include "libos/lx/linux/tty.h"
#include "libos/lx/linux/blkdev.h"
#include "libos/lx/linux/socket.h"
#include "libos/lx/linux/netlink.h"
#include "libos/lx/linux/system.h"
#include "libos/lx/linux/ipc.h"

#endif
