/* Sockets: the layer every address family plugs into (socket.c), and the families (unix.c, loopback.c, netlink.c). */
#ifndef LX_SOCKET_H
#define LX_SOCKET_H

#define SOCK_ADDR_MAX 128 /* bytes of any family's address (struct sockaddr_storage) */

/* One send or receive: the program's buffers and what goes with them, gathered into lx. */
struct sock_msg {
	struct linux_iovec *iov; /* in lx; the bases are the program's addresses */
	long iovlen;
	size_t len; /* the iovecs' total */
	uint8_t addr[SOCK_ADDR_MAX]; /* send: the destination; recv: the source */
	int addrlen; /* send: 0 for none; recv: what the family wrote, 0 when none */
	struct file **files; /* SCM_RIGHTS (held): the sender's, or what a receive took (lx_alloc'ed) */
	int nfiles;
	bool has_cred; /* send: cred was given (SCM_CREDENTIALS); recv: cred is to be delivered */
	struct linux_ucred cred;
	int flags; /* MSG_* asked */
	int out_flags; /* recv: MSG_TRUNC, MSG_CTRUNC as the family found */
	bool nonblock; /* O_NONBLOCK or MSG_DONTWAIT */
	bool present; /* send: the bytes are present for lx to read as they are (a write's chunk, perhaps lx's zeros) */
};

/* What a family does; the generic layer (socket.c) checks descriptors, copies arguments and results. */
struct sock;
struct sock_ops {
	long (*bind)(struct sock *s, const void *addr, int len);
	long (*listen)(struct sock *s, int backlog);
	long (*accept)(struct sock *s, bool nonblock, struct sock **out); /* a new connected socket */
	long (*connect)(struct sock *s, const void *addr, int len, bool nonblock);
	long (*send)(struct sock *s, struct sock_msg *m); /* bytes sent, or -errno (-EPIPE: SIGPIPE is the caller's) */
	long (*recv)(struct sock *s, struct sock_msg *m); /* bytes (or the record's length with MSG_TRUNC), or -errno */
	long (*shutdown)(struct sock *s, int how);
	long (*name)(struct sock *s, bool peer, void *addr, int *len); /* addr holds SOCK_ADDR_MAX bytes */
	short (*poll)(struct sock *s); /* POLL* bits */
	long (*inq)(struct sock *s); /* FIONREAD: the bytes a read would find, or -errno */
	long (*setopt)(struct sock *s, int level, int name, uint64_t uval, long len); /* levels but SOL_SOCKET */
	long (*getopt)(struct sock *s, int level, int name,
		       void *buf); /* buf: 16 bytes; the value's length, or -errno */
	void (*release)(struct sock *s); /* its last descriptor closed */
};

/* One address family: how its sockets are made. */
struct sock_family {
	long (*create)(int type, int protocol, struct sock **out);
	long (*pair)(struct sock *a, struct sock *b); /* connect two new ones; NULL: -EOPNOTSUPP */
};
extern const struct sock_family unix_family, loopback_inet_family, loopback_inet6_family, netlink_family;
/*
 * Is addr, for a socket of family, a unicast address outside the machine (not "any", loopback or the machine's
 * own)? Its address (16 bytes, IPv4 as ::ffff:a.b.c.d), its scope id (AF_INET6's; else 0) and port.
 */
bool loopback_outside(int family, const void *addr, int len, uint8_t ip[16], uint32_t *scope, uint16_t *port);
bool loopback_own(const uint8_t *ip); /* ip (IPv4 as ::ffff:a.b.c.d) is one of the machine's network addresses */

/* The state every socket has, first in its family's structure; in the shared heap, guarded by lx's lock. */
struct sock {
	const struct sock_ops *ops;
	int family, type, protocol;
	int error; /* SO_ERROR: pending until read */
	bool listening; /* SO_ACCEPTCONN */
	bool passcred; /* SO_PASSCRED */
	uint64_t ino; /* its file's inode number, as /proc/PID/fd and /proc/net tell it (0 until it has a descriptor) */
	uint32_t uid; /* its owner, as /proc/net tells it: its maker, or who accepted it (the file's fsuid, as Linux) */
	uint32_t flags; /* the on-off options set, bit n for option n: SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE... */
	int sndbuf, rcvbuf; /* SO_SNDBUF, SO_RCVBUF as getsockopt tells them */
	uint64_t sndtimeo, rcvtimeo; /* ns; 0: no limit */
	int linger_on, linger_s; /* SO_LINGER as set */
	int rcvlowat; /* SO_RCVLOWAT: a stream socket is readable, and a blocking read returns, from this many bytes */
	int keep_idle, keep_intvl,
		keep_cnt; /* TCP_KEEPIDLE, TCP_KEEPINTVL (seconds) and TCP_KEEPCNT, for TCP's families */
	struct linux_ucred peercred; /* SO_PEERCRED: the peer's when it connected (pid 0 until then) */
	struct lx_waitq wq; /* where a change to poll's answer is announced */
};

/* The bit of the on-off option name (SO_REUSEPORT, say) in struct sock's flags. */
static inline uint32_t sock_flag_bit(int name)
{
	return (uint32_t)1 << name;
}

/* Is the on-off option name set on s? */
static inline bool sock_flag(const struct sock *s, int name)
{
	return (s->flags & sock_flag_bit(name)) != 0;
}

/* For the families. */
void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol);
void sock_wake(struct sock *s); /* wake whoever waits on s */
void sock_inherit(struct sock *s, const struct sock *from); /* a TCP listener's options for a socket it accepted */
long sock_keep_set(struct sock *s, int name, int v); /* a TCP_KEEP* option: 0, -EINVAL (out of range); 1: not one */
bool sock_keep_get(const struct sock *s, int name, int *v); /* a TCP_KEEP* option's value; false: not one */
uint64_t sock_deadline(uint64_t timeo); /* when a wait of timeo ns (0: none) started now ends */
size_t sock_recv_target(const struct sock *s, const struct sock_msg *m); /* the bytes a stream read waits for */
/* Wait for a change to s (or also, if not NULL): 0; -EINTR for a signal; -EAGAIN once deadline passed. */
long sock_wait(struct sock *s, struct sock *also, uint64_t deadline);
struct linux_ucred sock_cred(void); /* this process's pid, uid and gid, as SCM_CREDENTIALS carries them */
long sock_copy_in(const struct sock_msg *m, size_t at, void *dst,
		  size_t n); /* m's bytes [at, at+n) to dst: 0, -EFAULT */
long sock_copy_out(const struct sock_msg *m, size_t at, const void *src, size_t n); /* src into m's bytes at at */
long sock_opt_int(uint64_t uval, long len,
		  int *v); /* an option's int from the program: 0, -EINVAL (too short), -EFAULT */

#endif
