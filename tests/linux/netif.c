/*
 * Network interfaces as programs find them: NETLINK_ROUTE sockets (port ids,
 * dumps of links, addresses and routes ending in NLMSG_DONE, a link by index,
 * NLMSG_ERROR for what is unknown), getifaddrs and if_nametoindex built on
 * them, and the SIOCGIF* ioctls on any socket. Only lo is assumed: the checks
 * hold on any Linux machine and on Mica.
 */
#define T_NAME "netif"
#include "check.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Netlink's ABI, as Linux's uapi headers give it (musl ships none of them). */
struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type, nlmsg_flags;
	uint32_t nlmsg_seq, nlmsg_pid;
};
struct nlmsgerr {
	int error;
	struct nlmsghdr msg;
};
struct sockaddr_nl {
	sa_family_t nl_family;
	unsigned short nl_pad;
	uint32_t nl_pid, nl_groups;
};
struct rtattr {
	unsigned short rta_len, rta_type;
};
struct ifinfomsg {
	unsigned char ifi_family, pad;
	unsigned short ifi_type;
	int ifi_index;
	unsigned ifi_flags, ifi_change;
};
struct ifaddrmsg {
	unsigned char ifa_family, ifa_prefixlen, ifa_flags, ifa_scope;
	uint32_t ifa_index;
};
#define NETLINK_ROUTE 0
#define NLMSG_ERROR 2
#define NLMSG_DONE 3
#define NLM_F_REQUEST 1
#define NLM_F_ACK 4
#define NLM_F_DUMP 0x300
#define RTM_NEWLINK 16
#define RTM_GETLINK 18
#define RTM_NEWADDR 20
#define RTM_GETADDR 22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26
#define IFLA_IFNAME 3
#define IFLA_MTU 4
#define IFA_LOCAL 2
#define RT_SCOPE_HOST 254
#define NL_ALIGN(n) (((n) + 3U) & ~3U)
#define NLMSG_HDRLEN NL_ALIGN(sizeof(struct nlmsghdr))
#define NLMSG_LENGTH(n) ((n) + NLMSG_HDRLEN)
#define NLMSG_DATA(h) ((void *)((char *)(h) + NLMSG_HDRLEN))
#define NLMSG_OK(h, len)                                                                       \
	((len) >= (int)sizeof(struct nlmsghdr) && (h)->nlmsg_len >= sizeof(struct nlmsghdr) && \
	 (int)(h)->nlmsg_len <= (len))
#define NLMSG_NEXT(h, len) \
	((len) -= NL_ALIGN((h)->nlmsg_len), (struct nlmsghdr *)((char *)(h) + NL_ALIGN((h)->nlmsg_len)))
#define RTA_OK(a, len) \
	((len) >= (int)sizeof(struct rtattr) && (a)->rta_len >= sizeof(struct rtattr) && (a)->rta_len <= (len))
#define RTA_NEXT(a, len) ((len) -= NL_ALIGN((a)->rta_len), (struct rtattr *)((char *)(a) + NL_ALIGN((a)->rta_len)))
#define RTA_DATA(a) ((void *)((char *)(a) + NL_ALIGN(sizeof(struct rtattr))))
/* the attributes after a message's fixed part of t bytes, and how many bytes they take */
#define ATTRS(h, t) ((struct rtattr *)((char *)NLMSG_DATA(h) + NL_ALIGN(sizeof(t))))
#define ATTRS_LEN(h, t) ((int)(h)->nlmsg_len - (int)NLMSG_LENGTH(NL_ALIGN(sizeof(t))))

static char buf[65536];

/* A netlink route socket, bound (port id chosen by the kernel). */
static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send a request of type with flags and a family (or an ifinfomsg's index when index is not 0). */
static int nl_request(int fd, int type, int flags, int family, int index, unsigned seq)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg m;
	} req = { 0 };
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = (unsigned short)type;
	req.h.nlmsg_flags = (unsigned short)flags;
	req.h.nlmsg_seq = seq;
	req.m.ifi_family = (unsigned char)family;
	req.m.ifi_index = index;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	return (int)sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k));
}

/* RTM_NEWLINK of the link index, its flags to flags where change says, asking for an ack; as sendto. */
static int nl_set_link(int fd, int index, unsigned flags, unsigned change, unsigned seq)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg m;
	} req = { 0 };
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_NEWLINK;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = seq;
	req.m.ifi_index = index;
	req.m.ifi_flags = flags;
	req.m.ifi_change = change;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	return (int)sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&k, sizeof(k));
}

/* What a dump brought: its messages checked as it reads them until NLMSG_DONE. */
struct dump {
	int msgs, done, bad_seq, bad_type, errors;
	int lo_link, lo_index, lo_flags, lo_type, lo_mtu; /* RTM_NEWLINK of lo */
	int lo_v4, lo_v4_prefix, lo_v4_scope; /* RTM_NEWADDR of 127.0.0.1 */
};

static void link_seen(struct dump *d, struct nlmsghdr *h)
{
	struct ifinfomsg *m = NLMSG_DATA(h);
	int len = ATTRS_LEN(h, struct ifinfomsg), mtu = 0;
	const char *name = NULL;
	for (struct rtattr *a = ATTRS(h, struct ifinfomsg); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME)
			name = RTA_DATA(a);
		if (a->rta_type == IFLA_MTU)
			mtu = *(int *)RTA_DATA(a);
	}
	if (name && strcmp(name, "lo") == 0) {
		d->lo_link = 1;
		d->lo_index = m->ifi_index;
		d->lo_flags = (int)m->ifi_flags;
		d->lo_type = m->ifi_type;
		d->lo_mtu = mtu;
	}
}

static void addr_seen(struct dump *d, struct nlmsghdr *h)
{
	struct ifaddrmsg *m = NLMSG_DATA(h);
	int len = ATTRS_LEN(h, struct ifaddrmsg);
	for (struct rtattr *a = ATTRS(h, struct ifaddrmsg); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFA_LOCAL && m->ifa_family == AF_INET &&
		    *(uint32_t *)RTA_DATA(a) == htonl(INADDR_LOOPBACK)) {
			d->lo_v4 = (int)m->ifa_index;
			d->lo_v4_prefix = m->ifa_prefixlen;
			d->lo_v4_scope = m->ifa_scope;
		}
}

/* Read the answer to sequence number seq, whose messages are of type want: a dump's until NLMSG_DONE, else one datagram. */
static struct dump read_dump(int fd, unsigned seq, int want, int dump)
{
	struct dump d = { 0 };
	for (int rounds = 0; !d.done && rounds < (dump ? 1000 : 1); rounds++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		int len = (int)n;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			d.msgs++;
			d.bad_seq += h->nlmsg_seq != seq;
			if (h->nlmsg_type == NLMSG_DONE)
				d.done = 1;
			else if (h->nlmsg_type == NLMSG_ERROR)
				d.errors++;
			else if (h->nlmsg_type != want)
				d.bad_type++;
			else if (want == RTM_NEWLINK)
				link_seen(&d, h);
			else if (want == RTM_NEWADDR)
				addr_seen(&d, h);
		}
	}
	return d;
}

/* The error an NLMSG_ERROR answer carries (0 for an ack), or 1 when the answer is not one. */
static int read_error(int fd)
{
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	struct nlmsghdr *h = (void *)buf;
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || h->nlmsg_type != NLMSG_ERROR)
		return 1;
	return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

static void netlink_sockets(void)
{
	check_err("socket-bad-protocol", socket(AF_NETLINK, SOCK_RAW, 31), EPROTONOSUPPORT);
	check_err("socket-stream", socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE), ESOCKTNOSUPPORT);
	int a = nl_open(), b = nl_open();
	struct sockaddr_nl na = { 0 }, nb = { 0 };
	socklen_t la = sizeof(na), lb = sizeof(nb);
	check_ok("open", a >= 0 && b >= 0 ? 0 : -1);
	getsockname(a, (struct sockaddr *)&na, &la);
	getsockname(b, (struct sockaddr *)&nb, &lb);
	CHECK("first-port-is-pid", la == sizeof(na) && na.nl_family == AF_NETLINK && na.nl_pid == (unsigned)getpid(),
	      "len %u family %d pid %u (getpid %d)", la, na.nl_family, na.nl_pid, getpid());
	CHECK("second-port-differs", nb.nl_pid != 0 && nb.nl_pid != na.nl_pid, "ports %u and %u", na.nl_pid, nb.nl_pid);
	int c = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct sockaddr_nl same = { .nl_family = AF_NETLINK, .nl_pid = na.nl_pid };
	check_err("bind-taken-port", bind(c, (struct sockaddr *)&same, sizeof(same)), EADDRINUSE);
	check_err("listen", listen(a, 1), EOPNOTSUPP);
	check_err("recv-empty-nonblocking", recv(a, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	struct sockaddr_nl user = { .nl_family = AF_NETLINK, .nl_pid = 0x7fff0001 };
	check_err("send-to-nobody", sendto(a, "x", 1, 0, (struct sockaddr *)&user, sizeof(user)), ECONNREFUSED);

	check_ok("dump-links-sent", nl_request(a, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, AF_UNSPEC, 0, 11));
	ssize_t peek = recv(a, buf, 0, MSG_PEEK | MSG_TRUNC);
	CHECK("peek-trunc-length", peek >= (ssize_t)NLMSG_LENGTH(sizeof(struct ifinfomsg)), "returned %zd", peek);
	struct dump d = read_dump(a, 11, RTM_NEWLINK, 1);
	CHECK("links-done", d.done && !d.errors && !d.bad_type && !d.bad_seq,
	      "done %d errors %d other types %d bad seq %d", d.done, d.errors, d.bad_type, d.bad_seq);
	CHECK("link-lo",
	      d.lo_link && d.lo_type == ARPHRD_LOOPBACK &&
		      (d.lo_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK),
	      "seen %d type %d flags %#x", d.lo_link, d.lo_type, d.lo_flags);
	CHECK("link-lo-mtu", d.lo_mtu == 65536, "mtu %d", d.lo_mtu);
	CHECK("link-lo-index", d.lo_index > 0 && d.lo_index == (int)if_nametoindex("lo"), "index %d, if_nametoindex %u",
	      d.lo_index, if_nametoindex("lo"));
	int lo = d.lo_index;

	check_ok("dump-addrs-sent", nl_request(a, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, AF_INET, 0, 12));
	d = read_dump(a, 12, RTM_NEWADDR, 1);
	CHECK("addrs-done", d.done && !d.errors && !d.bad_type && !d.bad_seq,
	      "done %d errors %d other types %d bad seq %d", d.done, d.errors, d.bad_type, d.bad_seq);
	CHECK("addr-lo-127.0.0.1", d.lo_v4 == lo && d.lo_v4_prefix == 8 && d.lo_v4_scope == RT_SCOPE_HOST,
	      "index %d (lo %d) prefix %d scope %d", d.lo_v4, lo, d.lo_v4_prefix, d.lo_v4_scope);

	check_ok("dump-routes-sent", nl_request(a, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, AF_INET, 0, 13));
	d = read_dump(a, 13, RTM_NEWROUTE, 1);
	CHECK("routes-done", d.done && !d.errors && !d.bad_type && !d.bad_seq,
	      "done %d errors %d other types %d bad seq %d", d.done, d.errors, d.bad_type, d.bad_seq);

	nl_request(b, RTM_GETLINK, NLM_F_REQUEST, AF_UNSPEC, lo, 14);
	d = read_dump(b, 14, RTM_NEWLINK, 0);
	CHECK("get-link-by-index", d.lo_link && d.lo_index == lo, "seen %d index %d", d.lo_link, d.lo_index);
	nl_request(b, RTM_GETLINK, NLM_F_REQUEST, AF_UNSPEC, 99999, 15);
	int e = read_error(b);
	CHECK("get-link-unknown-index", e == -ENODEV, "error %d", e);
	nl_request(b, 200, NLM_F_REQUEST | NLM_F_ACK, AF_UNSPEC, 0, 16);
	e = read_error(b);
	CHECK("unknown-type", e == -EOPNOTSUPP, "error %d", e);
	/* `ip link set lo up`, as an init brings lo up: root may (it is up already), others may not */
	int root = geteuid() == 0;
	nl_set_link(b, lo, IFF_UP, IFF_UP, 17);
	e = read_error(b);
	CHECK("set-link-lo-up", e == (root ? 0 : -EPERM), "error %d", e);
	nl_set_link(b, 99999, IFF_UP, IFF_UP, 18);
	e = read_error(b);
	CHECK("set-link-unknown-index", e == (root ? -ENODEV : -EPERM), "error %d", e);
	close(a);
	close(b);
	close(c);
}

static void libc_views(void)
{
	struct ifaddrs *list, *i;
	int v4 = 0, packet = 0;
	if (check_ok("getifaddrs", getifaddrs(&list))) {
		for (i = list; i; i = i->ifa_next) {
			if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr)
				continue;
			if (i->ifa_addr->sa_family == AF_PACKET)
				packet = 1;
			if (i->ifa_addr->sa_family == AF_INET &&
			    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
			    ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr == htonl(0xff000000))
				v4 = 1;
		}
		freeifaddrs(list);
	}
	CHECK("getifaddrs-lo-inet", v4, "no 127.0.0.1/255.0.0.0 on lo");
	CHECK("getifaddrs-lo-packet", packet, "no AF_PACKET entry for lo");
	unsigned lo = if_nametoindex("lo");
	char name[IF_NAMESIZE] = "";
	CHECK("if-indextoname", lo && if_indextoname(lo, name) && strcmp(name, "lo") == 0, "index %u name '%s'", lo,
	      name);
	errno = 0;
	CHECK("if-nametoindex-unknown", if_nametoindex("nosuchif0") == 0 && errno == ENODEV, "errno %d", errno);
}

/* SIOCSIFFLAGS on lo asking for it up, as an init brings it up: root may (it is up already), others may not. */
static void set_flags(int fd)
{
	struct ifreq q = { 0 };
	strcpy(q.ifr_name, "lo");
	int got = ioctl(fd, SIOCGIFFLAGS, &q);
	q.ifr_flags |= IFF_UP;
	if (geteuid() == 0) {
		int set = got == 0 ? ioctl(fd, SIOCSIFFLAGS, &q) : -1;
		CHECK("set-flags-up", set == 0, "get %d set %d errno %d", got, set, errno);
	} else
		check_err("set-flags-up", ioctl(fd, SIOCSIFFLAGS, &q), EPERM);
	strcpy(q.ifr_name, "nosuchif0");
	check_err("set-flags-unknown", ioctl(fd, SIOCSIFFLAGS, &q), geteuid() == 0 ? ENODEV : EPERM);
	strcpy(q.ifr_name, "lo");
	pid_t pid = fork();
	if (pid == 0) { /* no CAP_NET_ADMIN once the uids are not 0 */
		if (geteuid() == 0 && setuid(65534) != 0)
			_exit(2);
		_exit(ioctl(fd, SIOCSIFFLAGS, &q) < 0 && errno == EPERM ? 0 : 1);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	CHECK("set-flags-unprivileged", WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static void ioctls(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), other = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct ifreq q = { 0 };
	strcpy(q.ifr_name, "lo");
	CHECK("flags-any-socket", ioctl(other, SIOCGIFFLAGS, &q) == 0 && (q.ifr_flags & IFF_LOOPBACK),
	      "flags %#x errno %d", q.ifr_flags, errno);
	check_err("addr-not-inet", ioctl(other, SIOCGIFADDR, &q), ENOTTY); /* addresses are AF_INET's to tell */
	close(other);
	CHECK("flags",
	      ioctl(fd, SIOCGIFFLAGS, &q) == 0 && (q.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK),
	      "flags %#x errno %d", q.ifr_flags, errno);
	CHECK("addr",
	      ioctl(fd, SIOCGIFADDR, &q) == 0 && q.ifr_addr.sa_family == AF_INET &&
		      ((struct sockaddr_in *)&q.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK),
	      "errno %d", errno);
	CHECK("netmask",
	      ioctl(fd, SIOCGIFNETMASK, &q) == 0 &&
		      ((struct sockaddr_in *)&q.ifr_netmask)->sin_addr.s_addr == htonl(0xff000000),
	      "errno %d", errno);
	CHECK("mtu", ioctl(fd, SIOCGIFMTU, &q) == 0 && q.ifr_mtu == 65536, "mtu %d errno %d", q.ifr_mtu, errno);
	CHECK("hwaddr", ioctl(fd, SIOCGIFHWADDR, &q) == 0 && q.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK,
	      "family %d errno %d", q.ifr_hwaddr.sa_family, errno);
	CHECK("index", ioctl(fd, SIOCGIFINDEX, &q) == 0 && q.ifr_ifindex == (int)if_nametoindex("lo"),
	      "index %d errno %d", q.ifr_ifindex, errno);
	memset(q.ifr_name, 0, sizeof(q.ifr_name));
	CHECK("name", ioctl(fd, SIOCGIFNAME, &q) == 0 && strcmp(q.ifr_name, "lo") == 0, "name '%s' errno %d",
	      q.ifr_name, errno);
	struct ifreq all[64];
	struct ifconf c = { .ifc_len = sizeof(all), .ifc_req = all };
	int found = 0;
	if (check_ok("conf", ioctl(fd, SIOCGIFCONF, &c)))
		for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++)
			found |= strcmp(all[i].ifr_name, "lo") == 0 &&
				 ((struct sockaddr_in *)&all[i].ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	CHECK("conf-lo", found, "lo with 127.0.0.1 not among %d", c.ifc_len / (int)sizeof(struct ifreq));
	struct ifconf size = { .ifc_len = 0, .ifc_req = NULL };
	CHECK("conf-size",
	      ioctl(fd, SIOCGIFCONF, &size) == 0 && size.ifc_len > 0 && size.ifc_len % sizeof(struct ifreq) == 0,
	      "len %d", size.ifc_len);
	strcpy(q.ifr_name, "nosuchif0");
	check_err("flags-unknown", ioctl(fd, SIOCGIFFLAGS, &q), ENODEV);
	set_flags(fd);
	int p[2];
	pipe(p);
	strcpy(q.ifr_name, "lo");
	check_err("pipe-not-a-socket", ioctl(p[0], SIOCGIFFLAGS, &q), ENOTTY);
	close(p[0]);
	close(p[1]);
	close(fd);
}

int main(void)
{
	netlink_sockets();
	libc_views();
	ioctls();
	return t_done();
}
