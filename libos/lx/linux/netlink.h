/* The Linux x86-64 ABI, network interfaces: netlink and rtnetlink messages, and the SIOCGIF* ioctls. */
#ifndef LX_LINUX_NETLINK_H
#define LX_LINUX_NETLINK_H

#include <stdint.h>

/* netlink */
#define NETLINK_ROUTE 0
#define NETLINK_PROTOS 32 /* MAX_LINKS: protocols are 0..31 */
#define SOL_NETLINK 270
#define NETLINK_ADD_MEMBERSHIP 1
#define NETLINK_DROP_MEMBERSHIP 2
#define NETLINK_PKTINFO 3
#define NETLINK_BROADCAST_ERROR 4
#define NETLINK_NO_ENOBUFS 5
#define NETLINK_LISTEN_ALL_NSID 8
#define NETLINK_CAP_ACK 10
#define NETLINK_EXT_ACK 11
#define NETLINK_GET_STRICT_CHK 12
struct linux_sockaddr_nl {
	uint16_t family;
	uint16_t pad;
	uint32_t pid;
	uint32_t groups;
};
struct linux_nlmsghdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t pid;
};
#define NLMSG_ALIGN4(n) (((n) + 3) & ~(uint32_t)3)
#define NLMSG_NOOP 1
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLMSG_MIN_TYPE 0x10
#define NLM_F_REQUEST 1
#define NLM_F_MULTI 2
#define NLM_F_ACK 4
#define NLM_F_ROOT 0x100
#define NLM_F_MATCH 0x200
#define NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
#define NLM_F_EXCL 0x200 /* in a new-object request: fail if it exists */
#define NLM_F_CREATE 0x400 /* in a new-object request: make it if it does not exist */
#define NLM_F_CAPPED 0x100 /* in an ack: the request's payload is left out */
#define NLMSG_GOODSIZE 3776 /* the most a dump puts in one datagram (a page less the kernel's overheads) */

/* rtnetlink */
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define RTM_MAX 127 /* the last message type rtnetlink knows: others are EOPNOTSUPP */
struct linux_rtattr {
	uint16_t len;
	uint16_t type;
};
struct linux_ifinfomsg {
	uint8_t family, pad;
	uint16_t type; /* ARPHRD_* */
	int32_t index;
	uint32_t flags; /* IFF_* */
	uint32_t change;
};
#define IFLA_ADDRESS 1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFLA_STATS 7
#define IFLA_TXQLEN 13
#define IFLA_OPERSTATE 16
#define IFLA_LINKMODE 17
#define IFLA_GROUP 27
#define IF_OPER_UNKNOWN 0
#define IF_OPER_DOWN 2
#define IF_OPER_UP 6
struct linux_link_stats { /* struct rtnl_link_stats: 24 counters */
	uint32_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped, tx_dropped;
	uint32_t more[16];
};
struct linux_ifaddrmsg {
	uint8_t family, prefixlen, flags, scope;
	uint32_t index;
};
#define IFA_ADDRESS 1
#define IFA_LOCAL 2
#define IFA_LABEL 3
#define IFA_BROADCAST 4
#define IFA_CACHEINFO 6
#define IFA_FLAGS 8
#define IFA_F_PERMANENT 0x80
struct linux_ifa_cacheinfo {
	uint32_t prefered, valid, cstamp, tstamp;
};
struct linux_rtmsg {
	uint8_t family, dst_len, src_len, tos, table, protocol, scope, type;
	uint32_t flags;
};
#define RTA_DST 1
#define RTA_OIF 4
#define RTA_GATEWAY 5
#define RTA_PRIORITY 6
#define RTA_PREFSRC 7
#define RTA_TABLE 15
#define RT_TABLE_MAIN 254
#define RTPROT_KERNEL 2
#define RTPROT_BOOT 3
#define RTPROT_RA 9
#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_SITE 200
#define RT_SCOPE_LINK 253
#define RT_SCOPE_HOST 254
#define RTN_UNICAST 1

/* interfaces */
#define IFNAMSIZ 16
#define IFF_UP 0x1
#define IFF_BROADCAST 0x2
#define IFF_DEBUG 0x4
#define IFF_LOOPBACK 0x8
#define IFF_NOTRAILERS 0x20
#define IFF_RUNNING 0x40
#define IFF_NOARP 0x80
#define IFF_PROMISC 0x100
#define IFF_ALLMULTI 0x200
#define IFF_MULTICAST 0x1000
#define IFF_PORTSEL 0x2000
#define IFF_AUTOMEDIA 0x4000
#define IFF_DYNAMIC 0x8000
#define IFF_LOWER_UP 0x10000
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772
#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMETRIC 0x891d
#define SIOCGIFMTU 0x8921
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define SIOCGIFTXQLEN 0x8942
struct linux_ifreq {
	char name[IFNAMSIZ];
	union {
		struct {
			uint16_t family;
			uint8_t data[14];
		} addr; /* a struct sockaddr: sockaddr_in for addresses, ARPHRD_* and the MAC for SIOCGIFHWADDR */
		int16_t flags;
		int32_t ivalue; /* index, MTU, metric, queue length */
		uint8_t pad[24];
	};
};
struct linux_ifconf {
	int32_t len;
	int32_t pad;
	uint64_t buf; /* the program's array of struct ifreq */
};

_Static_assert(sizeof(struct linux_sockaddr_nl) == 12 && sizeof(struct linux_nlmsghdr) == 16, "Linux's netlink");
_Static_assert(sizeof(struct linux_ifinfomsg) == 16 && sizeof(struct linux_ifaddrmsg) == 8 &&
		       sizeof(struct linux_rtmsg) == 12 && sizeof(struct linux_link_stats) == 96,
	       "Linux's rtnetlink messages");
_Static_assert(sizeof(struct linux_ifreq) == 40 && sizeof(struct linux_ifconf) == 16, "Linux's ifreq and ifconf");

#endif
