/* The Linux x86-64 ABI, sockets. */
#ifndef LX_LINUX_SOCKET_H
#define LX_LINUX_SOCKET_H

#include <stdint.h>
#include <stddef.h>

/* sockets */
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOL_SOCKET 1
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_DOMAIN 39

#endif
