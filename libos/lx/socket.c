/* The socket calls: descriptors, arguments, options and control messages; each family does the rest (unix.c). */
#include "libos/lx/vfs.h"
#include "libos/lx/net.h"

/*
 * A socket is an open file whose priv is a struct sock in the shared heap,
 * so that it lives on through fork and exec and passes between processes
 * over SCM_RIGHTS. The family's operations (struct sock_ops) do the
 * protocol; this file checks the descriptor, copies the program's
 * arguments in and the results out, keeps the options every family shares,
 * and turns -EPIPE into SIGPIPE unless MSG_NOSIGNAL.
 */

/* The family behind a domain, or NULL. AF_INET and AF_INET6 reach only this machine's loopback until lwIP is built in. */
static const struct sock_family *family_of(int domain)
{
	switch (domain) {
	case AF_UNIX:
		return &unix_family;
	case AF_INET:
		return &loopback_inet_family;
	case AF_INET6:
		return &loopback_inet6_family;
	case AF_NETLINK:
		return &netlink_family;
	default:
		return NULL;
	}
}

/* ---- for the families ---- */

void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol)
{
	s->ops = ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->uid = lx_cred_fsuid();
	s->sndbuf = s->rcvbuf = SOCK_DEFAULT_BUF;
	s->rcvlowat = 1;
	s->keep_idle = TCP_KEEPALIVE_TIME, s->keep_intvl = TCP_KEEPALIVE_INTVL, s->keep_cnt = TCP_KEEPALIVE_PROBES;
}

void sock_inherit(struct sock *s, const struct sock *from)
{
	s->uid = from->uid; /* until it is accepted: a TCP socket is its listener's clone */
	s->sndbuf = from->sndbuf, s->rcvbuf = from->rcvbuf;
	s->sndtimeo = from->sndtimeo, s->rcvtimeo = from->rcvtimeo;
	s->flags = from->flags;
	s->linger_on = from->linger_on, s->linger_s = from->linger_s;
	s->rcvlowat = from->rcvlowat;
	s->keep_idle = from->keep_idle, s->keep_intvl = from->keep_intvl, s->keep_cnt = from->keep_cnt;
}

long sock_keep_set(struct sock *s, int name, int v)
{
	int most = name == TCP_KEEPCNT ? MAX_TCP_KEEPCNT : MAX_TCP_KEEPIDLE;
	int *at = name == TCP_KEEPIDLE ? &s->keep_idle : name == TCP_KEEPINTVL ? &s->keep_intvl : &s->keep_cnt;
	if (name != TCP_KEEPIDLE && name != TCP_KEEPINTVL && name != TCP_KEEPCNT)
		return 1;
	if (v < 1 || v > most)
		return -EINVAL;
	*at = v;
	return 0;
}

bool sock_keep_get(const struct sock *s, int name, int *v)
{
	if (name != TCP_KEEPIDLE && name != TCP_KEEPINTVL && name != TCP_KEEPCNT)
		return false;
	*v = name == TCP_KEEPIDLE ? s->keep_idle : name == TCP_KEEPINTVL ? s->keep_intvl : s->keep_cnt;
	return true;
}

void sock_wake(struct sock *s)
{
	lx_waitq_wake(&s->wq);
}

uint64_t sock_deadline(uint64_t timeo)
{
	return timeo ? clock_ns() + timeo : ~0UL;
}

/*
 * How many bytes a blocking read of a stream socket waits for before it
 * returns, as Linux's sock_rcvlowat: all it asks for with MSG_WAITALL,
 * else SO_RCVLOWAT's (at most what it asks for; at least 1). A peek takes
 * what is there (Linux would wait for SO_RCVLOWAT's there too).
 */
size_t sock_recv_target(const struct sock *s, const struct sock_msg *m)
{
	if (m->flags & MSG_PEEK)
		return 1;
	size_t v = (m->flags & MSG_WAITALL) ? m->len : (size_t)s->rcvlowat < m->len ? (size_t)s->rcvlowat : m->len;
	return v ? v : 1;
}

long sock_wait(struct sock *s, struct sock *also, uint64_t deadline)
{
	if (lx_signal_interrupts())
		return -EINTR;
	uint64_t now = clock_ns();
	if (now >= deadline)
		return -EAGAIN;
	lx_waitq_add(&s->wq);
	if (also)
		lx_waitq_add(&also->wq);
	uint64_t ns = deadline - now;
	lx_thread_wait(ns < LX_RECHECK_NS ? ns : LX_RECHECK_NS);
	return lx_signal_interrupts() ? -EINTR : 0;
}

struct linux_ucred sock_cred(void)
{
	return (struct linux_ucred){ lx_pid, (uint32_t)lx_sys_getuid(), (uint32_t)lx_sys_getgid() };
}

/* Copy between src/dst in lx and m's bytes [at, at+n) in the program's memory. */
static long msg_copy(const struct sock_msg *m, size_t at, void *lx, size_t n, bool out)
{
	for (long i = 0; i < m->iovlen && n; i++) {
		size_t len = m->iov[i].len;
		if (at >= len) {
			at -= len;
			continue;
		}
		size_t k = len - at < n ? len - at : n;
		uint64_t u = (uint64_t)m->iov[i].base + at;
		if (m->present && !out)
			memcpy(lx, (const void *)u, k);
		else if ((out ? copy_to_user(u, lx, k) : copy_from_user(lx, u, k)) < 0)
			return -EFAULT;
		lx = (char *)lx + k;
		n -= k;
		at = 0;
	}
	return 0;
}

long sock_copy_in(const struct sock_msg *m, size_t at, void *dst, size_t n)
{
	return msg_copy(m, at, dst, n, false);
}

long sock_copy_out(const struct sock_msg *m, size_t at, const void *src, size_t n)
{
	return msg_copy(m, at, (void *)src, n, true);
}

/* ---- the socket as an open file ---- */

static long sock_read(struct file *f, void *buf, size_t n);
static long sock_write(struct file *f, const void *buf, size_t n);
static void sock_close(struct file *f);
static short sock_poll(struct file *f);
static struct lx_waitq *sock_waitq(struct file *f);
static long sock_ioctl(struct file *f, unsigned long req, unsigned long arg);
static const struct file_ops sock_file_ops = { .read = sock_read,
					       .write = sock_write,
					       .pread = lx_no_pread,
					       .pwrite = lx_no_pwrite,
					       .ioctl = sock_ioctl,
					       .close = sock_close,
					       .poll = sock_poll,
					       .waitq = sock_waitq };

/* A send through s (file f), with SIGPIPE for -EPIPE unless MSG_NOSIGNAL. */
static long do_send(struct file *f, struct sock_msg *m)
{
	struct sock *s = f->priv;
	m->nonblock = (f->flags & O_NONBLOCK) || (m->flags & MSG_DONTWAIT);
	long r = s->ops->send(s, m);
	if (r == -EPIPE && !(m->flags & MSG_NOSIGNAL))
		lx_signal_send(NULL, SIGPIPE, SI_USER);
	return r;
}

static long do_recv(struct file *f, struct sock_msg *m)
{
	struct sock *s = f->priv;
	m->nonblock = (f->flags & O_NONBLOCK) || (m->flags & MSG_DONTWAIT);
	return s->ops->recv(s, m);
}

/* Drop the files a receive took and left undelivered. */
static void msg_drop_files(struct sock_msg *m)
{
	for (int i = 0; i < m->nfiles; i++)
		if (m->files[i])
			file_put(m->files[i]);
	lx_free(m->files);
	m->files = NULL;
	m->nfiles = 0;
}

static long sock_read(struct file *f, void *buf, size_t n)
{
	struct linux_iovec iov = { (uint64_t)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .len = n };
	long r = do_recv(f, &m);
	msg_drop_files(&m);
	return r;
}

static long sock_write(struct file *f, const void *buf, size_t n)
{
	struct linux_iovec iov = { (uint64_t)buf, n };
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .len = n, .present = true };
	return do_send(f, &m);
}

/* FIONREAD (SIOCINQ), and the interface requests (netif.c) any socket may make; every other request: -ENOTTY. */
static long sock_ioctl(struct file *f, unsigned long req, unsigned long arg)
{
	struct sock *s = f->priv;
	if (req != FIONREAD)
		return lx_netif_ioctl(s->family, req, arg);
	long n = s->ops->inq(s);
	int v = (int)n;
	return n < 0 ? n : copy_to_user(arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

static void sock_close(struct file *f)
{
	struct sock *s = f->priv;
	s->ops->release(s);
}

static short sock_poll(struct file *f)
{
	struct sock *s = f->priv;
	return s->ops->poll(s);
}

static struct lx_waitq *sock_waitq(struct file *f)
{
	return &((struct sock *)f->priv)->wq;
}

/* A descriptor for s (whose release the caller runs if this fails): the fd, or -errno. */
static long sock_install(struct sock *s, int type_flags)
{
	struct inode *n = inode_new(S_IFSOCK | 0777);
	struct file *f =
		n ? file_new(&sock_file_ops, n, O_RDWR | ((type_flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0)) : NULL;
	if (!f) {
		s->ops->release(s);
		return -ENOMEM; /* (a made inode is left to the heap, as pipes do) */
	}
	f->priv = s;
	s->ino = n->ino;
	s->uid = lx_cred_fsuid(); /* the file's owner, as Linux's sock_graft gives an accepted socket */
	return fd_new(f, (type_flags & SOCK_CLOEXEC) != 0);
}

/* The socket behind fd, its file held in *fp (file_put it); NULL with *err: -EBADF or -ENOTSOCK. */
static struct sock *sock_get(int fd, struct file **fp, long *err)
{
	struct file *f = file_get(fd);
	*err = !f ? -EBADF : f->ops != &sock_file_ops ? -ENOTSOCK : 0;
	if (f && *err)
		file_put(f);
	*fp = *err ? NULL : f;
	return *err ? NULL : f->priv;
}

/* ---- socket, socketpair ---- */

/* Check socket()'s type and domain as Linux does: the family, or NULL with *err. */
static const struct sock_family *socket_args(long domain, long type, long *err)
{
	int kind = (int)type & SOCK_TYPE_MASK;
	*err = 0;
	if ((int)type & ~(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		*err = -EINVAL;
	else if ((int)domain < 0 || (int)domain >= AF_MAX)
		*err = -EAFNOSUPPORT;
	else if (kind < 1 || kind >= SOCK_MAX)
		*err = -EINVAL;
	else if (!family_of((int)domain))
		*err = -EAFNOSUPPORT;
	return *err ? NULL : family_of((int)domain);
}

long lx_sys_socket(long domain, long type, long protocol)
{
	long err;
	const struct sock_family *fam = socket_args(domain, type, &err);
	struct sock *s;
	if (fam)
		err = fam->create((int)type & SOCK_TYPE_MASK, (int)protocol, &s);
	return err < 0 ? err : sock_install(s, (int)type);
}

long lx_sys_socketpair(long domain, long type, long protocol, uint64_t ufds)
{
	long err;
	if ((int)domain == AF_INET || (int)domain == AF_INET6)
		return -EOPNOTSUPP; /* as Linux: internet sockets do not pair */
	const struct sock_family *fam = socket_args(domain, type, &err);
	struct sock *a = NULL, *b = NULL;
	if (!fam)
		return err;
	if (!fam->pair)
		return -EOPNOTSUPP;
	if (!mem_user_ok(ufds, 2 * sizeof(int), true))
		return -EFAULT;
	err = fam->create((int)type & SOCK_TYPE_MASK, (int)protocol, &a);
	if (err == 0 && (err = fam->create((int)type & SOCK_TYPE_MASK, (int)protocol, &b)) < 0)
		a->ops->release(a);
	if (err == 0)
		fam->pair(a, b);
	long fa = err < 0 ? err : sock_install(a, (int)type);
	long fb = fa < 0 ? fa : sock_install(b, (int)type);
	if (fa >= 0 && fb < 0)
		fd_close((int)fa);
	if (err == 0 && fa < 0)
		b->ops->release(b);
	if (fb < 0)
		return fb;
	((int *)ufds)[0] = (int)fa;
	((int *)ufds)[1] = (int)fb;
	return 0;
}

/* ---- addresses ---- */

/* The program's address (uaddr, len) into buf[SOCK_ADDR_MAX]: 0, -EINVAL, -EFAULT. */
static long addr_in(uint64_t uaddr, long len, void *buf)
{
	if (len < 0 || len > SOCK_ADDR_MAX)
		return -EINVAL;
	memset(buf, 0, SOCK_ADDR_MAX);
	return len && copy_from_user(buf, uaddr, (size_t)len) < 0 ? -EFAULT : 0;
}

/* An address of len bytes out to the program's (uaddr, *ulen), cut to fit; *ulen becomes len. */
static long addr_out(const void *addr, int len, uint64_t uaddr, uint64_t ulen)
{
	int room;
	if (!ulen)
		return 0;
	if (copy_from_user(&room, ulen, sizeof(room)) < 0)
		return -EFAULT;
	if (room < 0)
		return -EINVAL;
	size_t n = (size_t)(room < len ? room : len);
	if (n && copy_to_user(uaddr, addr, n) < 0)
		return -EFAULT;
	return copy_to_user(ulen, &len, sizeof(len)) < 0 ? -EFAULT : 0;
}

long lx_sys_bind(int fd, uint64_t uaddr, long len)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	uint8_t addr[SOCK_ADDR_MAX];
	if (s && (err = addr_in(uaddr, (int)len, addr)) == 0)
		err = s->ops->bind(s, addr, (int)len);
	if (f)
		file_put(f);
	return err;
}

long lx_sys_connect(int fd, uint64_t uaddr, long len)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	uint8_t addr[SOCK_ADDR_MAX];
	uint8_t ip[16];
	uint32_t scope;
	uint16_t port;
	bool nonblock = f && (f->flags & O_NONBLOCK);
	if (s && (err = addr_in(uaddr, (int)len, addr)) == 0)
		err = s->ops->connect(s, addr, (int)len, nonblock);
	/* the loopback cannot reach it: an outside address goes to lwIP, the socket becomes inet.c's */
	if (err == -ENETUNREACH && s->type == SOCK_STREAM &&
	    loopback_outside(s->family, addr, (int)len, ip, &scope, &port))
		err = net_connect((struct sock **)&f->priv, ip, scope, port, nonblock);
	if (f)
		file_put(f);
	return err;
}

long lx_sys_listen(int fd, long backlog)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	if (s) {
		if ((unsigned)backlog > SOMAXCONN)
			backlog = SOMAXCONN;
		err = s->ops->listen(s, (int)backlog);
		file_put(f);
	}
	return err;
}

/* getsockname (peer false) and getpeername. */
static long sock_name(int fd, bool peer, uint64_t uaddr, uint64_t ulen)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	uint8_t addr[SOCK_ADDR_MAX];
	int len = 0;
	if (s && (err = s->ops->name(s, peer, addr, &len)) == 0)
		err = ulen ? addr_out(addr, len, uaddr, ulen) : -EFAULT;
	if (f)
		file_put(f);
	return err;
}

long lx_sys_getsockname(int fd, uint64_t uaddr, uint64_t ulen)
{
	return sock_name(fd, false, uaddr, ulen);
}

long lx_sys_getpeername(int fd, uint64_t uaddr, uint64_t ulen)
{
	return sock_name(fd, true, uaddr, ulen);
}

long lx_sys_accept4(int fd, uint64_t uaddr, uint64_t ulen, long flags)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err), *n = NULL;
	uint8_t addr[SOCK_ADDR_MAX];
	int len = 0;
	if (s && (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		err = -EINVAL;
	else if (s)
		err = s->ops->accept(s, (f->flags & O_NONBLOCK) != 0, &n);
	if (f)
		file_put(f);
	if (err < 0)
		return err;
	if (uaddr && (n->ops->name(n, true, addr, &len) < 0 || addr_out(addr, len, uaddr, ulen) < 0)) {
		n->ops->release(n);
		return -EFAULT;
	}
	return sock_install(n, (int)flags);
}

long lx_sys_accept(int fd, uint64_t uaddr, uint64_t ulen)
{
	return lx_sys_accept4(fd, uaddr, ulen, 0);
}

long lx_sys_shutdown(int fd, long how)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	if (s) {
		err = how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR ? -EINVAL : s->ops->shutdown(s, (int)how);
		file_put(f);
	}
	return err;
}

/* ---- messages ---- */

/* The program's iovecs into m (an lx copy in m->iov, lx_free it): 0, -EINVAL, -EMSGSIZE, -EFAULT, -ENOMEM. */
static long msg_iov(struct sock_msg *m, uint64_t uiov, uint64_t cnt)
{
	if (cnt > IOV_MAX)
		return -EMSGSIZE;
	m->iov = lx_alloc(cnt ? cnt * sizeof(struct linux_iovec) : 1);
	if (!m->iov)
		return -ENOMEM;
	m->iovlen = (long)cnt;
	if (copy_from_user(m->iov, uiov, cnt * sizeof(struct linux_iovec)) < 0)
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((int64_t)m->iov[i].len < 0)
			return -EINVAL;
		if (m->iov[i].len > LINUX_MAX_RW - m->len)
			m->iov[i].len = LINUX_MAX_RW - m->len;
		m->len += m->iov[i].len;
	}
	return 0;
}

/* One control message of a sendmsg (in lx at c, its data n bytes): SCM_RIGHTS or SCM_CREDENTIALS into m. */
static long cmsg_take(struct sock_msg *m, const struct linux_cmsghdr *c, const uint8_t *data, size_t n)
{
	if (c->level != SOL_SOCKET)
		return -EINVAL;
	if (c->type == SCM_CREDENTIALS) {
		struct linux_ucred me = sock_cred(), want;
		if (n != sizeof(want))
			return -EINVAL;
		memcpy(&want, data, sizeof(want));
		if (!lx_cred_privileged() &&
		    (want.pid != me.pid || (want.uid != me.uid && want.uid != (uint32_t)lx_sys_geteuid()) ||
		     (want.gid != me.gid && want.gid != (uint32_t)lx_sys_getegid())))
			return -EPERM;
		m->has_cred = true;
		m->cred = want;
		return 0;
	}
	if (c->type != SCM_RIGHTS || n % sizeof(int) || m->files)
		return -EINVAL;
	int count = (int)(n / sizeof(int));
	if (count == 0)
		return 0;
	if (count > SCM_MAX_FD)
		return -EINVAL;
	if (!(m->files = lx_alloc((size_t)count * sizeof(struct file *))))
		return -ENOMEM;
	for (int i = 0; i < count; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(fd));
		if (!(m->files[i] = file_get(fd)))
			return -EBADF;
		m->nfiles = i + 1;
	}
	return 0;
}

/* A sendmsg's control messages (the program's, at uctl) into m. */
static long msg_control_in(struct sock_msg *m, uint64_t uctl, uint64_t len)
{
	if (len == 0)
		return 0;
	if (len > SOCK_DEFAULT_BUF)
		return -ENOBUFS;
	uint8_t *buf = lx_alloc(len);
	long r = !buf ? -ENOMEM : copy_from_user(buf, uctl, len) < 0 ? -EFAULT : 0;
	for (size_t at = 0; r == 0 && at + sizeof(struct linux_cmsghdr) <= len;) {
		struct linux_cmsghdr c;
		memcpy(&c, buf + at, sizeof(c));
		if (c.len < sizeof(c) || c.len > len - at)
			r = -EINVAL;
		else
			r = cmsg_take(m, &c, buf + at + sizeof(c), c.len - sizeof(c));
		at += CMSG_ALIGN_8(c.len);
	}
	lx_free(buf);
	return r;
}

/* One control message out at the program's uctl + *at (room: len): false (and MSG_CTRUNC) if it did not fit whole. */
static bool cmsg_put(struct sock_msg *m, uint64_t uctl, size_t len, size_t *at, int type, const void *data, size_t n)
{
	struct linux_cmsghdr c = { sizeof(c) + n, SOL_SOCKET, type };
	if (*at + sizeof(c) > len) {
		m->out_flags |= MSG_CTRUNC;
		return false;
	}
	if (*at + c.len > len) {
		m->out_flags |= MSG_CTRUNC;
		c.len = len - *at;
		n = c.len - sizeof(c);
	}
	if (copy_to_user(uctl + *at, &c, sizeof(c)) < 0 || copy_to_user(uctl + *at + sizeof(c), data, n) < 0)
		return false;
	*at += CMSG_ALIGN_8(c.len) < len - *at ? CMSG_ALIGN_8(c.len) : len - *at;
	return !(m->out_flags & MSG_CTRUNC);
}

/* The files a receive took, installed as descriptors as far as the control buffer holds them; the rest dropped. */
static void put_rights(struct sock_msg *m, uint64_t uctl, size_t len, size_t *at)
{
	size_t room = len > *at + sizeof(struct linux_cmsghdr) ? len - *at - sizeof(struct linux_cmsghdr) : 0;
	int fit = (int)(room / sizeof(int)) < m->nfiles ? (int)(room / sizeof(int)) : m->nfiles;
	int fds[SCM_MAX_FD];
	int n = 0;
	for (; n < fit; n++) {
		fds[n] = fd_install(m->files[n], 0, (m->flags & MSG_CMSG_CLOEXEC) != 0);
		if (fds[n] < 0)
			break;
		m->files[n] = NULL; /* the descriptor has it now */
	}
	if (n < m->nfiles)
		m->out_flags |= MSG_CTRUNC;
	if (n)
		cmsg_put(m, uctl, len, at, SCM_RIGHTS, fds, (size_t)n * sizeof(int));
	msg_drop_files(m);
}

/* A receive's control messages out to the program's (uctl, len): credentials, then rights; the bytes used. */
static size_t msg_control_out(struct sock_msg *m, uint64_t uctl, size_t len)
{
	size_t at = 0;
	if (m->has_cred)
		cmsg_put(m, uctl, len, &at, SCM_CREDENTIALS, &m->cred, sizeof(m->cred));
	if (m->nfiles)
		put_rights(m, uctl, len, &at);
	return at;
}

/* sendmsg of the program's msghdr h (in lx): bytes sent or -errno. */
static long send_hdr(int fd, struct linux_msghdr *h, int flags)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	struct sock_msg m = { .flags = flags };
	if (s && h->namelen && h->name)
		err = addr_in(h->name, (int)h->namelen, m.addr);
	m.addrlen = h->name ? (int)h->namelen : 0;
	if (s && err == 0)
		err = msg_iov(&m, h->iov, h->iovlen);
	if (s && err == 0)
		err = msg_control_in(&m, h->control, h->controllen);
	if (s && err == 0)
		err = do_send(f, &m);
	for (int i = 0; i < m.nfiles; i++)
		file_put(m.files[i]);
	lx_free(m.files);
	lx_free(m.iov);
	if (f)
		file_put(f);
	return err;
}

/* recvmsg into the program's msghdr at uh (h its copy in lx): bytes received or -errno; h's lengths and flags updated. */
static long recv_hdr(int fd, struct linux_msghdr *h, int flags, uint64_t uh)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	struct sock_msg m = { .flags = flags };
	if (s)
		err = msg_iov(&m, h->iov, h->iovlen);
	if (s && err == 0)
		err = do_recv(f, &m);
	if (err >= 0) {
		int room = (int)h->namelen;
		if (h->name && room > 0 && m.addrlen)
			copy_to_user(h->name, m.addr, (size_t)(room < m.addrlen ? room : m.addrlen));
		if (h->name)
			h->namelen = (uint32_t)m.addrlen;
		h->controllen = h->control ? msg_control_out(&m, h->control, h->controllen) : 0;
		if (m.nfiles || (m.has_cred && !h->control))
			m.out_flags |= MSG_CTRUNC;
		h->flags = m.out_flags;
		if (uh && copy_to_user(uh, h, sizeof(*h)) < 0)
			err = -EFAULT;
	}
	msg_drop_files(&m);
	lx_free(m.iov);
	if (f)
		file_put(f);
	return err;
}

long lx_sys_sendto(int fd, uint64_t buf, long len, long flags, uint64_t uaddr, long alen)
{
	struct linux_iovec iov = { buf, (uint64_t)len };
	struct linux_msghdr h = { .name = uaddr, .namelen = uaddr ? (uint32_t)alen : 0, .iov = 0, .iovlen = 1 };
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .len = (size_t)len, .flags = (int)flags };
	if (s && h.namelen)
		err = (int)alen < 0 ? -EINVAL : addr_in(uaddr, (int)alen, m.addr);
	m.addrlen = (int)h.namelen;
	if (s && err == 0)
		err = do_send(f, &m);
	if (f)
		file_put(f);
	return err;
}

long lx_sys_recvfrom(int fd, uint64_t buf, long len, long flags, uint64_t uaddr, uint64_t ulen)
{
	struct linux_iovec iov = { buf, (uint64_t)len };
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	struct sock_msg m = { .iov = &iov, .iovlen = 1, .len = (size_t)len, .flags = (int)flags };
	if (s)
		err = do_recv(f, &m);
	if (err >= 0 && uaddr && ulen) {
		if (m.addrlen)
			err = addr_out(m.addr, m.addrlen, uaddr, ulen) < 0 ? -EFAULT : err;
		else if (copy_to_user(ulen, &m.addrlen, sizeof(int)) < 0)
			err = -EFAULT;
	}
	msg_drop_files(&m);
	if (f)
		file_put(f);
	return err;
}

long lx_sys_sendmsg(int fd, uint64_t umsg, long flags)
{
	struct linux_msghdr h;
	if (copy_from_user(&h, umsg, sizeof(h)) < 0)
		return -EFAULT;
	return send_hdr(fd, &h, (int)flags);
}

long lx_sys_recvmsg(int fd, uint64_t umsg, long flags)
{
	struct linux_msghdr h;
	if (copy_from_user(&h, umsg, sizeof(h)) < 0)
		return -EFAULT;
	return recv_hdr(fd, &h, (int)flags, umsg);
}

/* sendmmsg (recv false) and recvmmsg: vlen messages in turn, until one fails or (receiving) the deadline passes; how many, or -errno for the first. */
static long mmsg(int fd, uint64_t uvec, long vlen, long flags, uint64_t deadline, bool recv)
{
	long n = 0, err = 0;
	if ((unsigned long)vlen > IOV_MAX)
		vlen = IOV_MAX;
	for (; n < vlen; n++) {
		struct linux_mmsghdr mh;
		uint64_t u = uvec + (uint64_t)n * sizeof(mh);
		if (copy_from_user(&mh, u, sizeof(mh)) < 0) {
			err = -EFAULT;
			break;
		}
		err = recv ? recv_hdr(fd, &mh.hdr, (int)flags, u) : send_hdr(fd, &mh.hdr, (int)flags);
		if (err < 0)
			break;
		mh.len = (uint32_t)err;
		copy_to_user(u + offsetof(struct linux_mmsghdr, len), &mh.len, sizeof(mh.len));
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (recv && clock_ns() >= deadline)
			return n + 1;
	}
	return n ? n : err;
}

long lx_sys_sendmmsg(int fd, uint64_t uvec, long vlen, long flags)
{
	return mmsg(fd, uvec, vlen, flags & ~(long)MSG_WAITFORONE, ~0UL, false);
}

long lx_sys_recvmmsg(int fd, uint64_t uvec, long vlen, long flags, uint64_t uts)
{
	uint64_t ns;
	long err = uts ? lx_read_timespec((long)uts, &ns) : 0;
	return err < 0 ? err : mmsg(fd, uvec, vlen, flags, uts ? clock_ns() + ns : ~0UL, true);
}

/* ---- options ---- */

long sock_opt_int(uint64_t uval, long len, int *v)
{
	if ((int)len < (int)sizeof(int))
		return -EINVAL;
	return copy_from_user(v, uval, sizeof(*v)) < 0 ? -EFAULT : 0;
}

/* A struct timeval option into ns (0: no limit): 0, -EINVAL, -EDOM, -EFAULT. */
static long opt_time(uint64_t uval, long len, uint64_t *ns)
{
	struct linux_timeval tv;
	if ((size_t)len < sizeof(tv))
		return -EINVAL;
	if (copy_from_user(&tv, uval, sizeof(tv)) < 0)
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	*ns = tv.tv_sec < 0 ? 0 : (uint64_t)tv.tv_sec * 1000000000UL + (uint64_t)tv.tv_usec * 1000UL;
	return 0;
}

/* A buffer size as Linux keeps it: doubled, at least its minimum, at most twice net.core's maximum. */
static int buf_size(int v)
{
	unsigned u = (unsigned)v > SOCK_MAX_BUF ? SOCK_MAX_BUF : (unsigned)v;
	return (int)(u * 2 < 2 * SOCK_MIN_BUF ? 2 * SOCK_MIN_BUF : u * 2);
}

/* setsockopt at SOL_SOCKET on s. */
static long set_option(struct sock *s, int name, uint64_t uval, long len)
{
	int v = 0;
	long r = 0;
	if (name == SO_RCVTIMEO || name == SO_SNDTIMEO)
		return opt_time(uval, len, name == SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo);
	if (name == SO_LINGER) {
		int l[2];
		if ((size_t)len < sizeof(l))
			return -EINVAL;
		if (copy_from_user(l, uval, sizeof(l)) < 0)
			return -EFAULT;
		s->linger_on = l[0] != 0, s->linger_s = l[1];
		return 0;
	}
	if ((r = sock_opt_int(uval, len, &v)) < 0)
		return r;
	switch (name) {
	case SO_SNDBUF:
		s->sndbuf = buf_size(v);
		sock_wake(s);
		return 0;
	case SO_RCVBUF:
		s->rcvbuf = buf_size(v);
		return 0;
	case SO_PASSCRED:
		s->passcred = v != 0;
		return 0;
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_DEBUG:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_OOBINLINE:
		/* kept for getsockopt; SO_REUSEPORT and SO_REUSEADDR change what the loopback's bind does, SO_KEEPALIVE
		 * what lwIP's TCP does (the family hears of it; one that cannot act on it says so, ignored) */
		s->flags = v ? s->flags | sock_flag_bit(name) : s->flags & ~sock_flag_bit(name);
		if (name == SO_KEEPALIVE)
			s->ops->setopt(s, SOL_SOCKET, name, uval, len);
		return 0;
	case SO_RCVLOWAT:
		s->rcvlowat = v > 0 ? v : 1; /* as Linux: 0 means 1 */
		return 0;
	case SO_SNDLOWAT: /* (Linux's cannot be changed) */
	case SO_TYPE:
	case SO_ERROR:
	case SO_DOMAIN:
	case SO_ACCEPTCONN:
	case SO_PROTOCOL:
	case SO_PEERCRED:
	default:
		return -ENOPROTOOPT;
	}
}

long lx_sys_setsockopt(int fd, long level, long name, uint64_t uval, long len)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	if (!s)
		return err;
	err = (int)level != SOL_SOCKET ? s->ops->setopt(s, (int)level, (int)name, uval, len)
				       : set_option(s, (int)name, uval, len);
	file_put(f);
	return err;
}

/* The value of option name of s into buf (room for 16 bytes): its length, or -ENOPROTOOPT. */
static long get_option(struct sock *s, int name, void *buf)
{
	int v;
	switch (name) {
	case SO_TYPE:
		v = s->type;
		break;
	case SO_DOMAIN:
		v = s->family;
		break;
	case SO_PROTOCOL:
		v = s->protocol;
		break;
	case SO_ERROR:
		v = s->error;
		s->error = 0;
		break;
	case SO_SNDBUF:
		v = s->sndbuf;
		break;
	case SO_RCVBUF:
		v = s->rcvbuf;
		break;
	case SO_ACCEPTCONN:
		v = s->listening;
		break;
	case SO_PASSCRED:
		v = s->passcred;
		break;
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_DEBUG:
	case SO_DONTROUTE:
	case SO_BROADCAST:
	case SO_OOBINLINE:
		v = sock_flag(s, name);
		break;
	case SO_SNDLOWAT:
		v = 1; /* as Linux: fixed at 1 */
		break;
	case SO_RCVLOWAT:
		v = s->rcvlowat;
		break;
	case SO_PEERCRED:
		memcpy(buf, &s->peercred, sizeof(s->peercred));
		return sizeof(s->peercred);
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		uint64_t ns = name == SO_RCVTIMEO ? s->rcvtimeo : s->sndtimeo;
		struct linux_timeval tv = { (int64_t)(ns / 1000000000UL), (int64_t)(ns % 1000000000UL / 1000) };
		memcpy(buf, &tv, sizeof(tv));
		return sizeof(tv);
	}
	case SO_LINGER: {
		int l[2] = { s->linger_on, s->linger_s };
		memcpy(buf, l, sizeof(l));
		return sizeof(l);
	}
	default:
		return -ENOPROTOOPT;
	}
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

long lx_sys_getsockopt(int fd, long level, long name, uint64_t uval, uint64_t ulen)
{
	long err;
	struct file *f;
	struct sock *s = sock_get(fd, &f, &err);
	uint8_t buf[16];
	int len;
	if (!s)
		return err;
	file_put(f);
	if (copy_from_user(&len, ulen, sizeof(len)) < 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	long n = (int)level != SOL_SOCKET ? s->ops->getopt(s, (int)level, (int)name, buf)
					  : get_option(s, (int)name, buf);
	if (n < 0)
		return n;
	if ((size_t)len > (size_t)n)
		len = (int)n;
	if (copy_to_user(uval, buf, (size_t)len) < 0 || copy_to_user(ulen, &len, sizeof(len)) < 0)
		return -EFAULT;
	return 0;
}
