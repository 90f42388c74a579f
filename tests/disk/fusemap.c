/* FUSE_MICA_MAP with a server of its own on a disk: reads come from the disk's blocks the map names, not from READ. Mica only. */
#define T_NAME "fusemap"
#include "../linux/check.h"
#include <poll.h>
#include <stdbool.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "../volumes/fuse_server.h"
#include "libos/lx/fuse_mica.h"

/*
 * The disk (/dev/vda, attached with --disk) is 16 blocks of 4 KiB, block
 * k filled with the byte k + 1. The server answers READ with the byte
 * 0xee, so that what a read gives tells which way it went. Its files:
 *   f  10,000 bytes: block 3, a hole, block 5 (the last cut short)
 *   g  4,096 bytes: its first map is answered only after a truncate was
 *      sent meanwhile, and names block 7; every later one names block 8
 *   h  a malformed map (two extents said, one sent)
 *   k  a map of a disk lx does not hold
 *   n  EOPNOTSUPP (READ serves it)
 *   z  ENOSYS (READ serves it, and no map is asked for after)
 */
#define MNT "/mnt/fusemap"
#define BLK 4096
#define READ_BYTE 0xee

enum { ROOT = FUSE_ROOT_ID, F, G, H, K, N, Z, NODES };
static const char *const names[NODES] = { [F] = "f", [G] = "g", [H] = "h", [K] = "k", [N] = "n", [Z] = "z" };
static const uint64_t sizes[NODES] = { [F] = 10000, [G] = BLK, [H] = BLK, [K] = BLK, [N] = BLK, [Z] = BLK };

static int go[2]; /* go: the server tells the truncating client when to truncate */
static uint64_t disk_dev;
static int maps[NODES], reads[NODES];
static uint64_t held; /* the unique of g's first map while it waits for a truncate; 0: none */
static bool truncated;

static void attr_of(uint64_t node, struct fuse_attr *a)
{
	*a = (struct fuse_attr){ .ino = node, .nlink = 1, .size = node < NODES ? sizes[node] : 0, .blksize = BLK };
	a->mode = node == ROOT ? S_IFDIR | 0755 : S_IFREG | 0644;
}

/* Answer a map of node with extents x (n of them; count says how many the header claims). */
static void map_answer(uint64_t unique, uint64_t node, uint64_t disk, const struct fuse_map_extent *x, uint32_t n,
		       uint32_t count)
{
	struct {
		struct fuse_map_out h;
		struct fuse_map_extent x[4];
	} m = { { sizes[node], disk, count, 0 }, { { 0 } } };
	memcpy(m.x, x, n * sizeof(*x));
	fuse_answer(unique, 0, &m, sizeof(m.h) + n * sizeof(*x));
}

static void map(const struct fuse_in_header *h)
{
	uint64_t node = h->nodeid;
	maps[node < NODES ? node : 0]++;
	const struct fuse_map_extent one = { 0, BLK, 0 };
	struct fuse_map_extent x = one;
	switch (node) {
	case F: {
		const struct fuse_map_extent f[] = { { 0, BLK, 3 * BLK },
						     { BLK, BLK, FUSE_MAP_HOLE },
						     { 2 * BLK, BLK, 5 * BLK } };
		map_answer(h->unique, node, disk_dev, f, 3, 3);
		return;
	}
	case G:
		if (maps[G] == 1) { /* held: the truncating client is let go, and the answer waits for its SETATTR */
			held = h->unique;
			if (write(go[1], "t", 1) != 1)
				fuse_answer(h->unique, -EIO, NULL, 0);
			return;
		}
		x.addr = 8 * BLK;
		break;
	case H:
		x.addr = 2 * BLK;
		map_answer(h->unique, node, disk_dev, &x, 1, 2);
		return;
	case K:
		x.addr = 2 * BLK;
		map_answer(h->unique, node, makedev(major(disk_dev), minor(disk_dev) + 112), &x, 1, 1);
		return;
	case N:
		fuse_answer(h->unique, -EOPNOTSUPP, NULL, 0);
		return;
	default:
		fuse_answer(h->unique, -ENOSYS, NULL, 0);
		return;
	}
	map_answer(h->unique, node, disk_dev, &x, 1, 1);
}

/* Serve one request (false when none could be read). */
static bool serve(void)
{
	static char out[32 * 1024];
	const char *arg;
	struct fuse_in_header *h = fuse_request(&arg);
	if (!h)
		return false;
	union fuse_body o;
	memset(&o, 0, sizeof(o)); /* (every member, not only the first) */
	switch (h->opcode) {
	case FUSE_INIT:
		fuse_init_answer(h->unique, 0);
		break;
	case FUSE_LOOKUP:
		for (uint64_t i = F; i < NODES; i++)
			if (h->nodeid == ROOT && strcmp(arg, names[i]) == 0) {
				o.entry.nodeid = i;
				attr_of(i, &o.entry.attr);
				fuse_answer(h->unique, 0, &o.entry, sizeof(o.entry));
				return true;
			}
		fuse_answer(h->unique, -ENOENT, NULL, 0);
		break;
	case FUSE_SETATTR:
		if (held) { /* the map answered across the truncate names block 7, which the file no longer has */
			const struct fuse_map_extent stale = { 0, BLK, 7 * BLK };
			map_answer(held, G, disk_dev, &stale, 1, 1);
			held = 0;
			truncated = true;
		}
		/* fall through */
	case FUSE_GETATTR:
		attr_of(h->nodeid, &o.attr.attr);
		fuse_answer(h->unique, 0, &o.attr, sizeof(o.attr));
		break;
	case FUSE_OPEN:
		o.open.fh = h->nodeid;
		fuse_answer(h->unique, 0, &o.open, sizeof(o.open));
		break;
	case FUSE_READ: {
		const struct fuse_read_in *rd = (const void *)arg;
		uint64_t size = h->nodeid < NODES ? sizes[h->nodeid] : 0;
		size_t len = rd->offset >= size ? 0 : size - rd->offset < rd->size ? size - rd->offset : rd->size;
		reads[h->nodeid < NODES ? h->nodeid : 0]++;
		memset(out, READ_BYTE, len < sizeof(out) ? len : sizeof(out));
		fuse_answer(h->unique, 0, out, len < sizeof(out) ? len : sizeof(out));
		break;
	}
	case FUSE_MICA_MAP:
		map(h);
		break;
	case FUSE_RELEASE:
		fuse_answer(h->unique, 0, NULL, 0);
		break;
	case FUSE_FORGET:
		break; /* no answer */
	default:
		fuse_answer(h->unique, -ENOSYS, NULL, 0);
	}
	return true;
}

/* Serve until every one of the n children has ended; true when each exited 0. */
static bool serve_until(pid_t *kids, int n)
{
	bool good = true;
	for (int left = n; left > 0;) {
		struct pollfd p = { fuse_dev, POLLIN, 0 };
		if (poll(&p, 1, 50) > 0 && !serve())
			return false;
		for (int i = 0; i < n; i++) {
			int st;
			if (kids[i] > 0 && waitpid(kids[i], &st, WNOHANG) == kids[i]) {
				good = good && WIFEXITED(st) && WEXITSTATUS(st) == 0;
				kids[i] = 0;
				left--;
			}
		}
	}
	return good;
}

/* The first n bytes of the file name read whole into buf at off: how many (-1 and errno on a failure). */
static ssize_t get(const char *name, char *buf, size_t n, off_t off)
{
	char path[64];
	snprintf(path, sizeof(path), MNT "/%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t r = pread(fd, buf, n, off);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

/* Are the n bytes at p all b? */
static bool all(const char *p, size_t n, int b)
{
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)p[i] != b)
			return false;
	return true;
}

/* The reads of the first client: the map followed, its holes, its errors and its refusals. */
static int client_maps(void)
{
	static char buf[16384];
	ssize_t r = get("f", buf, sizeof(buf), 0);
	CHECK("map-read",
	      r == 10000 && all(buf, BLK, 4) && all(buf + BLK, BLK, 0) && all(buf + 2 * BLK, 10000 - 2 * BLK, 6),
	      "read %zd: bytes %#x %#x %#x (want 10000: 0x4, 0, 0x6)", r, buf[0] & 0xff, buf[BLK] & 0xff,
	      buf[2 * BLK] & 0xff);
	r = get("f", buf, 300, 4000);
	CHECK("map-offset", r == 300 && all(buf, 96, 4) && all(buf + 96, 204, 0), "read %zd: bytes %#x %#x", r,
	      buf[0] & 0xff, buf[96] & 0xff);
	errno = 0;
	r = get("h", buf, BLK, 0);
	CHECK("map-malformed", r == -1 && errno == EIO, "read %zd, errno %d (want EIO)", r, errno);
	r = get("k", buf, BLK, 0);
	CHECK("map-other-disk", r == BLK && all(buf, BLK, READ_BYTE), "read %zd: byte %#x (want READ's)", r,
	      buf[0] & 0xff);
	r = get("n", buf, BLK, 0);
	CHECK("map-unsupported", r == BLK && all(buf, BLK, READ_BYTE), "read %zd: byte %#x (want READ's)", r,
	      buf[0] & 0xff);
	r = get("f", buf, BLK, 0);
	CHECK("map-after-unsupported", r == BLK && all(buf, BLK, 4), "read %zd: byte %#x (want the map's 0x4)", r,
	      buf[0] & 0xff);
	return t_done();
}

int main(void)
{
	struct stat st;
	if (!CHECK("disk", stat("/dev/vda", &st) == 0 && S_ISBLK(st.st_mode), "errno %d", errno))
		return t_done();
	disk_dev = st.st_rdev;
	int m = fuse_mount(MNT, "fusemap");
	if (!CHECK("mounted", m == 0, "errno %d", errno) || pipe(go) != 0)
		return t_done();

	pid_t kids[2] = { fork(), 0 };
	if (kids[0] == 0)
		_exit(client_maps());
	CHECK("clients", serve_until(kids, 1), "a client failed");
	CHECK("map-asked", maps[F] >= 3 && reads[F] == 0, "%d maps, %d READs of f (want 3 or more, and 0)", maps[F],
	      reads[F]);

	/* a truncate sent while a map was on its way: the map is asked for again, and the new one read */
	kids[0] = fork();
	if (kids[0] == 0) {
		char c;
		_exit(read(go[0], &c, 1) == 1 && truncate(MNT "/g", BLK) == 0 ? 0 : 1);
	}
	kids[1] = fork();
	if (kids[1] == 0) {
		static char buf[BLK];
		ssize_t r = get("g", buf, BLK, 0);
		CHECK("map-again", r == BLK && all(buf, BLK, 9), "read %zd: byte %#x (want the second map's 0x9)", r,
		      buf[0] & 0xff);
		_exit(t_done());
	}
	CHECK("clients-truncate", serve_until(kids, 2), "a client failed");
	CHECK("map-asked-again", truncated && maps[G] == 2, "truncated %d, %d maps of g (want 2)", truncated, maps[G]);

	/* ENOSYS: READ from then on, for every file */
	int f_maps = maps[F];
	kids[0] = fork();
	if (kids[0] == 0) {
		static char buf[BLK];
		ssize_t r = get("z", buf, BLK, 0), r2 = get("f", buf + 1, BLK - 1, 0);
		CHECK("map-enosys", r == BLK && r2 == BLK - 1 && all(buf, BLK, READ_BYTE), "read %zd and %zd: byte %#x",
		      r, r2, buf[1] & 0xff);
		_exit(t_done());
	}
	CHECK("clients-enosys", serve_until(kids, 1), "a client failed");
	CHECK("map-not-asked", maps[Z] == 1 && maps[F] == f_maps && reads[F] == 1,
	      "%d maps of z, %d of f, %d READs of f", maps[Z], maps[F], reads[F]);
	CHECK("umount", umount2(MNT, 0) == 0, "errno %d", errno);
	return t_done();
}
