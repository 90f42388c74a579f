/* lx's 9P2000.L client: messages built and read here, carried by the kernel's virtio-9p transport (mica/ninep.h). */
#include "libos/lx/ninep.h"
#include "libos/lx/volume.h"
#include <mica/ninep.h>

/*
 * One request at a time, under lx's lock (which every process of the
 * application takes): the message goes out of, and the answer comes into,
 * two buffers of P9_MAX_LEN in lx's shared heap (frames the group shares,
 * which the kernel lets the device use), so fids, which the server knows
 * per connection, are good in every process. Each process binds its own
 * completion ring, a private page at RING_VA, at its first request.
 */
#define RING_VA (LX_FILL_PAGE - 2 * PAGE_SIZE)
#define HDR 7 /* size[4] type[1] tag[2] */
#define IO_HDR 24 /* room for a Tread/Twrite's header, or an Rread's */
#define T_LERROR 7
#define T_STATFS 8
#define T_LOPEN 12
#define T_LCREATE 14
#define T_SYMLINK 16
#define T_READLINK 22
#define T_GETATTR 24
#define T_SETATTR 26
#define T_READDIR 40
#define T_FSYNC 50
#define T_LINK 70
#define T_MKDIR 72
#define T_RENAMEAT 74
#define T_UNLINKAT 76
#define T_VERSION 100
#define T_ATTACH 104
#define T_WALK 110
#define T_READ 116
#define T_WRITE 118
#define T_CLUNK 120
#define GETATTR_BASIC 0x7FFull

struct p9_shared {
	uint8_t *out, *in; /* P9_MAX_LEN each, page-aligned */
	uint32_t next_fid;
	uint64_t cookie;
	uint32_t msize; /* agreed with the server */
};
static struct p9_shared *sh; /* in the shared heap: the same for every process */
static uint64_t ring_env; /* the env whose ring is bound at RING_VA */
static long ring_nt;
static struct p9_ring_hdr *const ring = (struct p9_ring_hdr *)RING_VA;

/* A message being built in sh->out, or read from sh->in. */
struct msg {
	uint8_t *p;
	size_t len, cap;
	bool bad; /* read past the end, or too long to build */
};

static void put(struct msg *m, uint64_t v, int bytes)
{
	if (m->len + (size_t)bytes > m->cap) {
		m->bad = true;
		return;
	}
	for (int i = 0; i < bytes; i++)
		m->p[m->len++] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct msg *m, const char *s)
{
	size_t n = strlen(s);
	put(m, n, 2);
	if (n > 0xFFFF || m->len + n > m->cap) {
		m->bad = true;
		return;
	}
	memcpy(m->p + m->len, s, n);
	m->len += n;
}

static uint64_t get(struct msg *m, int bytes)
{
	uint64_t v = 0;
	if (m->len + (size_t)bytes > m->cap) {
		m->bad = true;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)m->p[m->len++] << (8 * i);
	return v;
}

/* A string of the answer into buf[size] (NUL-terminated); its length. */
static size_t get_str(struct msg *m, char *buf, size_t size)
{
	size_t n = (size_t)get(m, 2);
	if (m->bad || m->len + n > m->cap || n >= size) {
		m->bad = true;
		return 0;
	}
	memcpy(buf, m->p + m->len, n);
	buf[n] = 0;
	m->len += n;
	return n;
}

/* Start a T-message of type in sh->out. */
static struct msg begin(uint8_t type)
{
	struct msg m = { sh->out, 0, sh->msize, false };
	put(&m, 0, 4);
	put(&m, type, 1);
	put(&m, type == T_VERSION ? 0xFFFF : 1, 2);
	return m;
}

/* This process's completion ring, bound once: 0 or -EIO / -ENOMEM. */
static long ring_ready(void)
{
	if (ring_env == ENVINFO->id)
		return 0;
	long nt = lx_dev_ring(RING_VA, sys_p9_ring_bind);
	if (nt < 0)
		return nt;
	ring_nt = nt;
	ring_env = ENVINFO->id;
	return 0;
}

/* Make the pages of [p, p + len) present and writable in this process. */
static void touch(uint8_t *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE)
		((volatile uint8_t *)p)[off] = ((volatile uint8_t *)p)[off];
}

/* Wait for the completion of request c: the answer's length, or -EIO. */
static long ring_wait(uint64_t c)
{
	for (;;) {
		while (ring->tail != ring->head) {
			struct p9_done d = ring->slot[ring->tail % ring->nslots];
			ring->tail++;
			if (d.cookie == c)
				return d.status < 0 ? -EIO : (long)d.len;
		}
		sys_ntfn_wait(ring_nt, TIMEOUT_FOREVER);
	}
}

/*
 * Send message m (built in sh->out) on share and read the answer's header:
 * *a positioned after it. 0, -errno of an Rlerror, -EIO (transport, or an
 * answer of the wrong type), -ENAMETOOLONG (m did not fit).
 */
static long rpc(uint32_t share, struct msg *m, struct msg *a)
{
	if (m->bad)
		return -ENAMETOOLONG;
	long r = ring_ready();
	if (r < 0)
		return r;
	uint8_t type = m->p[4];
	size_t len = m->len;
	m->len = 0;
	put(m, len, 4);
	touch(sh->out, len);
	touch(sh->in, sh->msize);
	struct p9_req q = { ++sh->cookie, share, (uint32_t)len, (uint64_t)sh->out, (uint64_t)sh->in, sh->msize, 0 };
	while ((r = sys_p9_submit(&q)) == -E_AGAIN)
		sys_ntfn_wait(ring_nt, TIMEOUT_FOREVER);
	if (r < 0 || (r = ring_wait(q.cookie)) < HDR)
		return -EIO;
	*a = (struct msg){ sh->in, 0, (size_t)r, false };
	size_t size = (size_t)get(a, 4);
	uint8_t rtype = (uint8_t)get(a, 1);
	get(a, 2);
	if (size < HDR || size > (size_t)r)
		return -EIO;
	a->cap = size;
	if (rtype == T_LERROR) {
		long e = (long)get(a, 4);
		return e > 0 && e < 4096 ? -e : -EIO;
	}
	return rtype == type + 1 ? 0 : -EIO;
}

/* Send m and expect an answer with nothing lx needs. 0 or -errno. */
static long rpc_plain(uint32_t share, struct msg *m)
{
	struct msg a;
	return rpc(share, m, &a);
}

static size_t p9_io_max(void)
{
	return sh->msize - IO_HDR;
}

uint32_t p9_fid_new(uint32_t share)
{
	(void)share; /* one fid space for every share: fids are numbers the client picks */
	return sh->next_fid++;
}

/* The shared buffers and the agreed message size, once: 0 or -ENOMEM / -EIO. */
static long session_init(uint32_t share)
{
	if (!sh) {
		sh = lx_alloc(sizeof(*sh));
		uint8_t *p = lx_alloc(2 * P9_MAX_LEN + PAGE_SIZE);
		if (!sh || !p)
			return -ENOMEM;
		sh->out = (uint8_t *)PGROUNDUP_U(p);
		sh->in = sh->out + P9_MAX_LEN;
		sh->next_fid = 1;
	}
	sh->msize = P9_MAX_LEN;
	struct msg m = begin(T_VERSION), a;
	put(&m, P9_MAX_LEN, 4);
	put_str(&m, "9P2000.L");
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	uint32_t msize = (uint32_t)get(&a, 4);
	char version[16];
	get_str(&a, version, sizeof(version));
	if (a.bad || strcmp(version, "9P2000.L") != 0 || msize < 4096)
		return -EIO;
	sh->msize = msize < P9_MAX_LEN ? msize : P9_MAX_LEN;
	return 0;
}

/* Claim share, agree on the protocol, attach its root as a new fid in *root. 0 or -errno. */
long p9_attach(uint32_t share, uint32_t *root)
{
	if (sys_p9_claim(share) < 0)
		return -EIO;
	long r = session_init(share);
	if (r < 0)
		return r;
	*root = p9_fid_new(share);
	struct msg m = begin(T_ATTACH);
	put(&m, *root, 4);
	put(&m, P9_NOFID, 4);
	put_str(&m, "root");
	put_str(&m, "");
	put(&m, 0, 4);
	return rpc_plain(share, &m);
}

long p9_walk(uint32_t share, uint32_t fid, uint32_t newfid, const char *name)
{
	struct msg m = begin(T_WALK), a;
	put(&m, fid, 4);
	put(&m, newfid, 4);
	put(&m, name ? 1 : 0, 2);
	if (name)
		put_str(&m, name);
	long r = rpc(share, &m, &a);
	if (r == 0 && name && get(&a, 2) != 1)
		r = -ENOENT;
	return r;
}

long p9_walk_names(uint32_t share, uint32_t fid, uint32_t newfid, const char *const *names, int n, uint8_t *types)
{
	if (n < 1 || n > P9_WALK_MAX)
		return -EINVAL;
	struct msg m = begin(T_WALK), a;
	put(&m, fid, 4);
	put(&m, newfid, 4);
	put(&m, (uint64_t)n, 2);
	for (int i = 0; i < n; i++)
		put_str(&m, names[i]);
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	long got = (long)get(&a, 2);
	for (long i = 0; i < got && i < n; i++) {
		types[i] = (uint8_t)get(&a, 1);
		get(&a, 4 + 8); /* version, path */
	}
	return a.bad || got > n ? -EIO : got;
}

void p9_clunk(uint32_t share, uint32_t fid)
{
	struct msg m = begin(T_CLUNK);
	put(&m, fid, 4);
	rpc_plain(share, &m);
}

long p9_lopen(uint32_t share, uint32_t fid, uint32_t flags)
{
	struct msg m = begin(T_LOPEN);
	put(&m, fid, 4);
	put(&m, flags, 4);
	return rpc_plain(share, &m);
}

long p9_lcreate(uint32_t share, uint32_t fid, const char *name, uint32_t flags, uint32_t mode)
{
	struct msg m = begin(T_LCREATE);
	put(&m, fid, 4);
	put_str(&m, name);
	put(&m, flags, 4);
	put(&m, mode, 4);
	put(&m, 0, 4);
	return rpc_plain(share, &m);
}

/* Read up to n bytes (at most p9_io_max) at off of fid into buf (lx memory): the count, or -errno. */
long p9_read(uint32_t share, uint32_t fid, void *buf, size_t n, uint64_t off)
{
	struct msg m = begin(T_READ), a;
	put(&m, fid, 4);
	put(&m, off, 8);
	put(&m, n < p9_io_max() ? n : p9_io_max(), 4);
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	size_t got = (size_t)get(&a, 4);
	if (a.bad || got > n || a.len + got > a.cap)
		return -EIO;
	memcpy(buf, a.p + a.len, got);
	return (long)got;
}

/* Write up to n bytes (at most p9_io_max) of buf at off of fid: the count, or -errno. */
long p9_write(uint32_t share, uint32_t fid, const void *buf, size_t n, uint64_t off)
{
	struct msg m = begin(T_WRITE), a;
	if (n > p9_io_max())
		n = p9_io_max();
	put(&m, fid, 4);
	put(&m, off, 8);
	put(&m, n, 4);
	memcpy(m.p + m.len, buf, n);
	m.len += n;
	long r = rpc(share, &m, &a);
	return r < 0 ? r : (long)get(&a, 4);
}

static struct linux_timespec get_time(struct msg *a)
{
	struct linux_timespec t;
	t.tv_sec = (int64_t)get(a, 8);
	t.tv_nsec = (int64_t)get(a, 8);
	return t;
}

long p9_getattr(uint32_t share, uint32_t fid, struct p9_attr *at)
{
	struct msg m = begin(T_GETATTR), a;
	put(&m, fid, 4);
	put(&m, GETATTR_BASIC, 8);
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	get(&a, 8 + 1 + 4); /* valid, the qid's type and version */
	at->ino = get(&a, 8);
	at->mode = (uint32_t)get(&a, 4);
	at->uid = (uint32_t)get(&a, 4);
	at->gid = (uint32_t)get(&a, 4);
	at->nlink = get(&a, 8);
	at->rdev = get(&a, 8);
	at->size = get(&a, 8);
	at->blksize = get(&a, 8);
	at->blocks = get(&a, 8);
	at->atime = get_time(&a);
	at->mtime = get_time(&a);
	at->ctime = get_time(&a);
	return a.bad ? -EIO : 0;
}

/* Tsetattr: valid bits, then mode, uid, gid, size and the times. */
static long setattr_msg(uint32_t share, uint32_t fid, uint32_t valid, uint32_t mode, uint32_t uid, uint32_t gid,
			uint64_t size, const uint64_t times[4])
{
	struct msg m = begin(T_SETATTR);
	put(&m, fid, 4);
	put(&m, valid, 4);
	put(&m, mode, 4);
	put(&m, uid, 4);
	put(&m, gid, 4);
	put(&m, size, 8);
	for (int i = 0; i < 4; i++)
		put(&m, times ? times[i] : 0, 8);
	return rpc_plain(share, &m);
}

long p9_setattr(uint32_t share, uint32_t fid, uint32_t valid, uint32_t mode, uint64_t size, const uint64_t times[4])
{
	return setattr_msg(share, fid, valid, mode, 0, 0, size, times);
}

long p9_chown(uint32_t share, uint32_t fid, uint32_t uid, uint32_t gid)
{
	uint32_t valid = P9_SET_CTIME | (uid != (uint32_t)-1 ? P9_SET_UID : 0) | (gid != (uint32_t)-1 ? P9_SET_GID : 0);
	return setattr_msg(share, fid, valid, 0, uid, gid, 0, NULL);
}

/* Entries of the open directory fid from offset off, at most max into out: 0 with their number in *n, or -errno. */
long p9_readdir(uint32_t share, uint32_t fid, uint64_t off, struct p9_dirent *out, size_t max, size_t *n)
{
	struct msg m = begin(T_READDIR), a;
	put(&m, fid, 4);
	put(&m, off, 8);
	put(&m, max * 32 < p9_io_max() ? max * 32 : p9_io_max(),
	    4); /* about 32 bytes an entry: a few more than max come back */
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	size_t count = (size_t)get(&a, 4);
	if (a.len + count < a.cap)
		a.cap = a.len + count;
	for (*n = 0; *n < max && a.len < a.cap && !a.bad; (*n)++) {
		struct p9_dirent *d = &out[*n];
		get(&a, 1 + 4);
		d->ino = get(&a, 8);
		d->next = get(&a, 8);
		d->type = (uint8_t)get(&a, 1);
		get_str(&a, d->name, sizeof(d->name));
	}
	if (a.bad && *n > 0)
		(*n)--;
	return a.bad && *n == 0 ? -EIO : 0;
}

long p9_mkdir(uint32_t share, uint32_t dfid, const char *name, uint32_t mode)
{
	struct msg m = begin(T_MKDIR);
	put(&m, dfid, 4);
	put_str(&m, name);
	put(&m, mode, 4);
	put(&m, 0, 4);
	return rpc_plain(share, &m);
}

long p9_symlink(uint32_t share, uint32_t dfid, const char *name, const char *target)
{
	struct msg m = begin(T_SYMLINK);
	put(&m, dfid, 4);
	put_str(&m, name);
	put_str(&m, target);
	put(&m, 0, 4);
	return rpc_plain(share, &m);
}

long p9_link(uint32_t share, uint32_t dfid, uint32_t fid, const char *name)
{
	struct msg m = begin(T_LINK);
	put(&m, dfid, 4);
	put(&m, fid, 4);
	put_str(&m, name);
	return rpc_plain(share, &m);
}

long p9_renameat(uint32_t share, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname)
{
	struct msg m = begin(T_RENAMEAT);
	put(&m, odfid, 4);
	put_str(&m, oname);
	put(&m, ndfid, 4);
	put_str(&m, nname);
	return rpc_plain(share, &m);
}

long p9_unlinkat(uint32_t share, uint32_t dfid, const char *name, uint32_t flags)
{
	struct msg m = begin(T_UNLINKAT);
	put(&m, dfid, 4);
	put_str(&m, name);
	put(&m, flags, 4);
	return rpc_plain(share, &m);
}

long p9_fsync(uint32_t share, uint32_t fid)
{
	struct msg m = begin(T_FSYNC);
	put(&m, fid, 4);
	put(&m, 0, 4);
	return rpc_plain(share, &m);
}

/* The target of symlink fid into buf[size], NUL-terminated: its length, or -errno. */
long p9_readlink(uint32_t share, uint32_t fid, char *buf, size_t size)
{
	struct msg m = begin(T_READLINK), a;
	put(&m, fid, 4);
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	size_t n = get_str(&a, buf, size);
	return a.bad ? -ENAMETOOLONG : (long)n;
}

long p9_statfs(uint32_t share, uint32_t fid, struct linux_statfs *s)
{
	struct msg m = begin(T_STATFS), a;
	put(&m, fid, 4);
	long r = rpc(share, &m, &a);
	if (r < 0)
		return r;
	memset(s, 0, sizeof(*s));
	s->f_type = (int64_t)get(&a, 4);
	s->f_bsize = s->f_frsize = (int64_t)get(&a, 4);
	s->f_blocks = get(&a, 8);
	s->f_bfree = get(&a, 8);
	s->f_bavail = get(&a, 8);
	s->f_files = get(&a, 8);
	s->f_ffree = get(&a, 8);
	get(&a, 8);
	s->f_namelen = (int64_t)get(&a, 4);
	return a.bad ? -EIO : 0;
}

const struct vol_ops p9_vol_ops = {
	.fid_new = p9_fid_new,
	.walk = p9_walk,
	.walk_names = p9_walk_names,
	.clunk = p9_clunk,
	.lopen = p9_lopen,
	.lcreate = p9_lcreate,
	.read = p9_read,
	.write = p9_write,
	.getattr = p9_getattr,
	.setattr = p9_setattr,
	.chown = p9_chown,
	.readdir = p9_readdir,
	.mkdir = p9_mkdir,
	.symlink = p9_symlink,
	.link = p9_link,
	.renameat = p9_renameat,
	.unlinkat = p9_unlinkat,
	.fsync = p9_fsync,
	.readlink = p9_readlink,
	.statfs = p9_statfs,
};
