/* The Linux x86-64 ABI, readiness: poll, epoll, eventfd. */
#ifndef LX_LINUX_POLL_H
#define LX_LINUX_POLL_H

#include <stdint.h>
#include <stddef.h>

/* poll */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDHUP 0x2000
/* epoll */
#define EPOLLIN 0x001
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLEXCLUSIVE (1U << 28)
#define EPOLLWAKEUP (1U << 29)
#define EPOLLONESHOT (1U << 30)
#define EPOLLET (1U << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
/* eventfd */
#define EFD_SEMAPHORE 1
struct linux_epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_epoll_event) == 12, "struct epoll_event is packed on x86-64");
struct linux_pollfd {
	int32_t fd;
	int16_t events, revents;
};

#endif
