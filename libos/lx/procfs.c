/* lx's minimal /proc: self/exe, self/maps, meminfo, cpuinfo and mounts, their text made when opened. */
#include "libos/lx/vfs.h"

/* A growable text buffer; a failed allocation leaves ok false. */
struct text {
	char *buf;
	size_t len, cap;
	bool ok;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends formatted text to t. */
static void text_add(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int w = fmt_vsnprintf(t->buf ? t->buf + t->len : NULL, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (!t->ok || w < 0)
			return;
		if ((size_t)w < t->cap - t->len) {
			t->len += (size_t)w;
			return;
		}
		size_t cap = (t->cap + (size_t)w + 1) * 2;
		char *p = lx_realloc(t->buf, cap);
		if (!p) {
			t->ok = false;
			return;
		}
		t->buf = p;
		t->cap = cap;
	}
}

/* Hands t's text over as a generated file's contents. */
static long text_done(struct text *t, char **buf, size_t *len)
{
	if (!t->ok) {
		lx_free(t->buf);
		return -ENOMEM;
	}
	*buf = t->buf;
	*len = t->len;
	return 0;
}

void vfs_mem_frames(uint64_t *total, uint64_t *avail)
{
	*total = KIP->frames_total;
	*avail = KIP->frames_free;
}

static long gen_meminfo(char **buf, size_t *len)
{
	uint64_t total, avail;
	vfs_mem_frames(&total, &avail);
	struct text t = { .ok = true };
	const char *names[] = { "MemTotal:", "MemFree:", "MemAvailable:", "Buffers:", "Cached:",
				"SwapCached:", "SwapTotal:", "SwapFree:" };
	uint64_t kb[] = { total * 4, avail * 4, avail * 4, 0, 0, 0, 0, 0 };
	for (size_t i = 0; i < sizeof(kb) / sizeof(kb[0]); i++)
		text_add(&t, "%-16s%8lu kB\n", names[i], kb[i]);
	return text_done(&t, buf, len);
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Leaf 1's feature bits that /proc/cpuinfo names: edx bits, then ecx bits. */
static const struct {
	uint8_t ecx, bit;
	const char *name;
} cpu_flags[] = {
	{ 0, 0, "fpu" }, { 0, 4, "tsc" }, { 0, 5, "msr" }, { 0, 6, "pae" }, { 0, 8, "cx8" }, { 0, 9, "apic" },
	{ 0, 11, "sep" }, { 0, 13, "pge" }, { 0, 15, "cmov" }, { 0, 16, "pat" }, { 0, 19, "clflush" },
	{ 0, 23, "mmx" }, { 0, 24, "fxsr" }, { 0, 25, "sse" }, { 0, 26, "sse2" }, { 1, 0, "pni" },
	{ 1, 1, "pclmulqdq" }, { 1, 9, "ssse3" }, { 1, 12, "fma" }, { 1, 13, "cx16" }, { 1, 19, "sse4_1" },
	{ 1, 20, "sse4_2" }, { 1, 22, "movbe" }, { 1, 23, "popcnt" }, { 1, 25, "aes" }, { 1, 26, "xsave" },
	{ 1, 28, "avx" }, { 1, 29, "f16c" }, { 1, 30, "rdrand" }, { 1, 31, "hypervisor" },
};

static long gen_cpuinfo(char **buf, size_t *len)
{
	uint32_t r[4], v[4];
	char vendor[13], model[49];
	cpuid(0, r);
	uint32_t max_leaf = r[0];
	memcpy(vendor, &r[1], 4);
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	vendor[12] = 0;
	cpuid(0x80000000, r);
	strlcpy(model, "unknown", sizeof(model));
	if (r[0] >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, r);
			memcpy(model + 16 * i, r, 16);
		}
		model[48] = 0;
	}
	cpuid(1, v);
	uint32_t family = (v[0] >> 8) & 0xF, mod = (v[0] >> 4) & 0xF;
	if (family == 0xF)
		family += (v[0] >> 20) & 0xFF;
	if (family == 6 || family >= 0xF)
		mod |= ((v[0] >> 16) & 0xF) << 4;
	uint64_t khz = KIP->tsc_hz / 1000;
	struct text t = { .ok = true };
	text_add(&t, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n"
		     "stepping\t: %u\ncpu MHz\t\t: %lu.%03lu\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
		     "cpu cores\t: 1\napicid\t\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
		 vendor, family, mod, model, v[0] & 0xF, khz / 1000, khz % 1000, max_leaf);
	for (size_t i = 0; i < sizeof(cpu_flags) / sizeof(cpu_flags[0]); i++)
		if ((cpu_flags[i].ecx ? v[2] : v[3]) >> cpu_flags[i].bit & 1)
			text_add(&t, " %s", cpu_flags[i].name);
	text_add(&t, "\nbogomips\t: %lu.%02lu\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n",
		 khz / 500, (khz / 5) % 100);
	return text_done(&t, buf, len);
}

static long gen_maps(char **buf, size_t *len)
{
	for (size_t cap = 4096;; cap *= 2) {
		char *p = lx_alloc(cap);
		if (!p)
			return -ENOMEM;
		size_t used = mem_format_maps(p, cap);
		if (used + 256 < cap) { /* every line fitted */
			*buf = p;
			*len = used;
			return 0;
		}
		lx_free(p);
	}
}

static long gen_mounts(char **buf, size_t *len)
{
	struct text t = { .ok = true };
	text_add(&t, "rootfs / rootfs rw 0 0\nproc /proc proc rw 0 0\n");
	return text_done(&t, buf, len);
}

/* /proc/self/exe's target: the calling process's program, or "/" before it has one. */
static const char *exe_target(void)
{
	return lx_me && lx_me->exe ? lx_me->exe : "/";
}

/* The directory name in dir, made if missing; NULL if something else has that name. */
static struct inode *subdir(struct inode *dir, const char *name)
{
	struct dentry *d = dir ? dir_find(dir, name) : NULL;
	struct inode *n = d ? d->inode : dir ? vfs_mknode(dir, name, S_IFDIR | 0555) : NULL;
	return n && (n->mode & S_IFMT) == S_IFDIR ? n : NULL;
}

/* Adds node name to dir, replacing what the archive put there. */
static struct inode *add_node(struct inode *dir, const char *name, uint32_t mode)
{
	if (!dir)
		return NULL;
	struct dentry *d = dir_find(dir, name);
	if (d && (d->inode->mode & S_IFMT) == S_IFDIR)
		return NULL;
	if (d)
		dir_remove(dir, d);
	return vfs_mknode(dir, name, mode);
}

/* Adds a generated file to dir. */
static void add_gen(struct inode *dir, const char *name, gen_fn gen)
{
	struct inode *n = add_node(dir, name, S_IFREG | 0444);
	if (n)
		n->gen = gen;
}

/* Fills /proc (made if the archive has none). */
void procfs_init(void)
{
	struct inode *proc = subdir(vfs_root, "proc");
	struct inode *self = subdir(proc, "self");
	add_gen(proc, "meminfo", gen_meminfo);
	add_gen(proc, "cpuinfo", gen_cpuinfo);
	add_gen(proc, "mounts", gen_mounts);
	add_gen(self, "maps", gen_maps);
	struct inode *sysvipc = subdir(proc, "sysvipc");
	add_gen(sysvipc, "msg", lx_sysvipc_proc_msg);
	add_gen(sysvipc, "sem", lx_sysvipc_proc_sem);
	add_gen(sysvipc, "shm", lx_sysvipc_proc_shm);
	struct inode *exe = add_node(self, "exe", S_IFLNK | 0777);
	if (exe)
		exe->link = exe_target;
}

/*
 * Points this process's /proc/self/exe at the file path names (relative to
 * the cwd), as an absolute path with every link resolved (the directory
 * holding it, then its name there), so that an exec of
 * "/proc/self/exe" records the program itself. Left as it was if path cannot
 * be resolved or lx is out of memory.
 */
void vfs_set_exe(const char *path)
{
	struct lookup lk;
	char *abs = lx_alloc(LX_PATH_MAX);
	long len = abs && path_lookup(AT_FDCWD, path, LOOK_FOLLOW, &lk) == 0 && lk.node ?
		   path_of(lk.dir, abs, LX_PATH_MAX) : -ENOENT;
	if (len > 0 && (size_t)len + strlen(lk.name) + 2 <= LX_PATH_MAX) {
		fmt_snprintf(abs + len, LX_PATH_MAX - (size_t)len, "%s%s", len > 1 ? "/" : "", lk.name);
		char *copy = lx_strdup(abs);
		if (copy) {
			lx_free(lx_me->exe);
			lx_me->exe = copy;
		}
	}
	lx_free(abs);
}
