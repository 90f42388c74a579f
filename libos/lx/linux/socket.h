/* The Linux x86-64 ABI, sockets. */
#ifndef LX_LINUX_SOCKET_H
#define LX_LINUX_SOCKET_H

#include <stdint.h>
#include <stddef.h>

/* families */
#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_MAX 46
/* types, and the flags socket() takes with them */
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_RDM 4
#define SOCK_SEQPACKET 5
#define SOCK_MAX 11
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
/* options */
#define SOL_SOCKET 1
#define SO_DEBUG 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_DONTROUTE 5
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_OOBINLINE 10
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define SOCK_MIN_BUF 2304 /* half the least SO_SNDBUF/SO_RCVBUF Linux keeps (it doubles what it is given) */
#define SOCK_DEFAULT_BUF 212992 /* net.core.wmem_default and rmem_default */
#define SOCK_MAX_BUF 4194304 /* net.core.wmem_max */
#define SOMAXCONN 4096
#define UNIX_MAX_DGRAM_QLEN 10 /* net.unix.max_dgram_qlen */
/* message flags */
#define MSG_OOB 1
#define MSG_PEEK 2
#define MSG_CTRUNC 8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000
/* control messages */
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253

/* struct sockaddr_un */
#define UNIX_PATH_MAX 108
struct linux_sockaddr_un {
	uint16_t sun_family;
	char sun_path[UNIX_PATH_MAX];
};
#define SUN_PATH_OFFSET 2
struct linux_ucred {
	int32_t pid;
	uint32_t uid, gid;
};
struct linux_msghdr {
	uint64_t name;
	uint32_t namelen;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
};
struct linux_mmsghdr {
	struct linux_msghdr hdr;
	uint32_t len;
};
struct linux_cmsghdr {
	uint64_t len;
	int32_t level, type;
};
#define CMSG_ALIGN_8(n) (((n) + 7) & ~(size_t)7)
_Static_assert(sizeof(struct linux_msghdr) == 56 && sizeof(struct linux_mmsghdr) == 64, "Linux's msghdr and mmsghdr");
_Static_assert(sizeof(struct linux_cmsghdr) == 16 && sizeof(struct linux_ucred) == 12, "Linux's cmsghdr and ucred");
_Static_assert(sizeof(struct linux_sockaddr_un) == 110, "Linux's sockaddr_un");

/* Internet sockets: protocols, their options, addresses */
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IP_TOS 1
#define IP_TTL 2
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK 12
#define TCP_USER_TIMEOUT 18
#define TCP_FASTOPEN 23
#define TCP_KEEPALIVE_TIME 7200 /* net.ipv4.tcp_keepalive_time, seconds */
#define TCP_KEEPALIVE_INTVL 75 /* net.ipv4.tcp_keepalive_intvl, seconds */
#define TCP_KEEPALIVE_PROBES 9 /* net.ipv4.tcp_keepalive_probes */
#define MAX_TCP_KEEPIDLE 32767 /* and MAX_TCP_KEEPINTVL */
#define MAX_TCP_KEEPCNT 127
#define IPV6_V6ONLY 26
/* TCP's states as /proc/net/tcp numbers them (the "st" column) */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_FIN_WAIT2 5
#define TCP_TIME_WAIT 6
#define TCP_CLOSE 7
#define TCP_CLOSE_WAIT 8
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11
#define IP_PORT_FIRST 32768 /* net.ipv4.ip_local_port_range */
#define IP_PORT_LAST 60999
struct linux_sockaddr_in {
	uint16_t family;
	uint16_t port; /* big-endian */
	uint8_t addr[4];
	uint8_t zero[8];
};
struct linux_sockaddr_in6 {
	uint16_t family;
	uint16_t port; /* big-endian */
	uint32_t flowinfo;
	uint8_t addr[16];
	uint32_t scope_id;
};
_Static_assert(sizeof(struct linux_sockaddr_in) == 16 && sizeof(struct linux_sockaddr_in6) == 28,
	       "Linux's sockaddr_in, _in6");

#endif
