/* lx's /proc: its tree, the system's files (stat, uptime, loadavg, meminfo, cpuinfo, ...) and the self links. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"
#include "libos/lx/procnet.h"

/*
 * /proc is a part of lx's one file tree whose files are made when they are
 * used: a file's text when it is opened (inode->gen), a link's target when it
 * is read (inode->link), and the directories of processes, descriptors and
 * threads are brought up to date whenever a lookup or a listing passes
 * through them (inode->refresh). What /proc shows of a process is in its
 * entry of the process table (struct lx_proc, in the memory lx's processes
 * share), so any process reads any other's without asking it: procfs_pid.c.
 */

void procfs_printf(struct procfs_text *t, const char *fmt, ...)
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

void procfs_bytes(struct procfs_text *t, const char *data, size_t n)
{
	if (!t->ok || n == 0)
		return;
	if (t->len + n > t->cap) {
		char *p = lx_realloc(t->buf, t->len + n);
		if (!p) {
			t->ok = false;
			return;
		}
		t->buf = p;
		t->cap = t->len + n;
	}
	memcpy(t->buf + t->len, data, n);
	t->len += n;
}

long procfs_done(struct procfs_text *t, char **buf, size_t *len)
{
	if (!t->ok) {
		lx_free(t->buf);
		return -ENOMEM;
	}
	*buf = t->buf;
	*len = t->len;
	return 0;
}

uint64_t procfs_ticks(uint64_t ns)
{
	return ns / (1000000000UL / LINUX_USER_HZ);
}

/* ---- the system's files ---- */

void vfs_mem_frames(uint64_t *total, uint64_t *avail)
{
	*total = KIP->frames_total;
	*avail = KIP->frames_free;
}

/* Memory as the kernel counts its frames; the files' pages (lx's in-memory file system) are Shmem and Cached, as tmpfs's are. */
static long gen_meminfo(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	uint64_t total, avail, files = LX_SH->file_pages * 4;
	vfs_mem_frames(&total, &avail);
	struct procfs_text t = { .ok = true };
	const char *names[] = { "MemTotal:",   "MemFree:",   "MemAvailable:", "Buffers:", "Cached:",
				"SwapCached:", "SwapTotal:", "SwapFree:",     "Shmem:",   "SReclaimable:" };
	uint64_t kb[] = { total * 4, avail * 4, avail * 4, 0, files, 0, 0, 0, files, 0 };
	for (size_t i = 0; i < sizeof(kb) / sizeof(kb[0]); i++)
		procfs_printf(&t, "%-16s%8lu kB\n", names[i], kb[i]);
	return procfs_done(&t, buf, len);
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
	{ 0, 0, "fpu" },      { 0, 4, "tsc" },       { 0, 5, "msr" },    { 0, 6, "pae" },     { 0, 8, "cx8" },
	{ 0, 9, "apic" },     { 0, 11, "sep" },      { 0, 13, "pge" },   { 0, 15, "cmov" },   { 0, 16, "pat" },
	{ 0, 19, "clflush" }, { 0, 23, "mmx" },      { 0, 24, "fxsr" },  { 0, 25, "sse" },    { 0, 26, "sse2" },
	{ 1, 0, "pni" },      { 1, 1, "pclmulqdq" }, { 1, 9, "ssse3" },  { 1, 12, "fma" },    { 1, 13, "cx16" },
	{ 1, 19, "sse4_1" },  { 1, 20, "sse4_2" },   { 1, 22, "movbe" }, { 1, 23, "popcnt" }, { 1, 25, "aes" },
	{ 1, 26, "xsave" },   { 1, 28, "avx" },      { 1, 29, "f16c" },  { 1, 30, "rdrand" }, { 1, 31, "hypervisor" },
};

static long gen_cpuinfo(struct inode *n, char **buf, size_t *len)
{
	(void)n;
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
	struct procfs_text t = { .ok = true };
	procfs_printf(&t,
		      "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n"
		      "stepping\t: %u\ncpu MHz\t\t: %lu.%03lu\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
		      "cpu cores\t: 1\napicid\t\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: "
		      "yes\nflags\t\t:",
		      vendor, family, mod, model, v[0] & 0xF, khz / 1000, khz % 1000, max_leaf);
	for (size_t i = 0; i < sizeof(cpu_flags) / sizeof(cpu_flags[0]); i++)
		if ((cpu_flags[i].ecx ? v[2] : v[3]) >> cpu_flags[i].bit & 1)
			procfs_printf(&t, " %s", cpu_flags[i].name);
	procfs_printf(&t, "\nbogomips\t: %lu.%02lu\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n", khz / 500,
		      (khz / 5) % 100);
	return procfs_done(&t, buf, len);
}

/*
 * The CPU's time since boot, in ns: idle is what the kernel counts while it
 * halts with every thread blocked (KIP idle_ns); the rest is the programs'
 * and lx's, all of it in ring 3, so user time (the kernel's own is in it).
 */
static void cpu_times(uint64_t *busy, uint64_t *idle)
{
	uint64_t now = clock_ns();
	*idle = KIP->idle_ns < now ? KIP->idle_ns : now;
	*busy = now - *idle;
}

/* Live threads of every process, and the last pid given out. */
static int nthreads_all(void)
{
	int n = 0;
	for (int i = 0; i < LX_MAX_PROCS; i++)
		for (int s = 0; LX_SH->procs[i].state == LX_PROC_LIVE && s < LX_SH->procs[i].ntids; s++)
			n += LX_SH->procs[i].tids[s] != 0;
	return n;
}

static long gen_stat(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	uint64_t busy, idle;
	cpu_times(&busy, &idle);
	struct procfs_text t = { .ok = true };
	for (int cpu = -1; cpu < 1; cpu++) {
		procfs_printf(&t, cpu < 0 ? "cpu " : "cpu%d", cpu);
		procfs_printf(&t, " %lu 0 0 %lu 0 0 0 0 0 0\n", procfs_ticks(busy), procfs_ticks(idle));
	}
	procfs_printf(&t,
		      "intr 0\nctxt 0\nbtime %lu\nprocesses %d\nprocs_running 1\nprocs_blocked 0\n"
		      "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		      lx_boot_time, LX_SH->next_pid - 1);
	return procfs_done(&t, buf, len);
}

static long gen_uptime(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	uint64_t busy, idle;
	cpu_times(&busy, &idle);
	uint64_t up = (busy + idle) / 10000000, id = idle / 10000000; /* hundredths */
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, id / 100, id % 100);
	return procfs_done(&t, buf, len);
}

/* Of Linux's /proc/timer_list, what Mica keeps: the clock and the idle time in ns (one CPU; no wait is told apart as
 * I/O wait). Tools that measure busy time read the idle line (bench/idle.h). */
static long gen_timer_list(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	uint64_t busy, idle;
	cpu_times(&busy, &idle);
	struct procfs_text t = { .ok = true };
	procfs_printf(&t,
		      "Timer List Version: v0.9\nnow at %lu nsecs\n\ncpu: 0\n  .idle_sleeptime : %lu nsecs\n"
		      "  .iowait_sleeptime: 0 nsecs\n",
		      busy + idle, idle);
	return procfs_done(&t, buf, len);
}

/* The load averages are not kept (0.00); the running and total threads and the last pid are. */
static long gen_loadavg(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "0.00 0.00 0.00 1/%d %d\n", nthreads_all(), LX_SH->next_pid - 1);
	return procfs_done(&t, buf, len);
}

static long gen_filesystems(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	struct procfs_text t = { .ok = true };
	procfs_printf(&t, "nodev\trootfs\nnodev\tproc\nnodev\ttmpfs\n");
	return procfs_done(&t, buf, len);
}

/* /proc/sys/kernel's files: their names and values (the same uname gives). */
static const char *const kernel_values[][2] = {
	{ "hostname", NULL }, /* lx_hostname() */
	{ "osrelease", "6.1.0-mica" },
	{ "ostype", "Linux" },
	{ "pid_max", "4194304" },
};

static long gen_kernel_value(struct inode *n, char **buf, size_t *len)
{
	struct procfs_text t = { .ok = true };
	const char *value = kernel_values[n->id][1];
	procfs_printf(&t, "%s\n", value ? value : lx_hostname());
	return procfs_done(&t, buf, len);
}

/* ---- the tree ---- */

/* Sets link n's target to target, keeping the old text when it is the same (a walk may be reading it); n->data. */
const char *procfs_link_set(struct inode *n, const char *target)
{
	if (!n->data || strcmp(n->data, target) != 0)
		symlink_set(n, target); /* out of memory: the old target stays */
	return n->data;
}

/* /proc/self: the calling process's directory. */
static const char *self_link(struct inode *n)
{
	char target[16];
	fmt_snprintf(target, sizeof(target), "%d", lx_pid);
	return procfs_link_set(n, target);
}

/* /proc/thread-self: the calling thread's directory. */
static const char *thread_self_link(struct inode *n)
{
	char target[32];
	fmt_snprintf(target, sizeof(target), "%d/task/%d", lx_pid, lx_self()->tid);
	return procfs_link_set(n, target);
}

/* The directory name in dir, made if missing; NULL if something else has that name. */
static struct inode *subdir(struct inode *dir, const char *name)
{
	struct dentry *d = dir ? dir_find(dir, name) : NULL;
	struct inode *n = d ? d->inode : dir ? vfs_mknode(dir, name, S_IFDIR | 0555) : NULL;
	return n && (n->mode & S_IFMT) == S_IFDIR ? n : NULL;
}

struct inode *procfs_add(struct inode *dir, const char *name, uint32_t mode, int pid, int id)
{
	if (!dir)
		return NULL;
	struct dentry *d = dir_find(dir, name);
	if (d)
		procfs_remove(dir, d);
	struct inode *n = vfs_mknode(dir, name, mode);
	struct lx_proc *p = pid ? lx_proc_of(pid) : NULL;
	if (n) {
		n->pid = pid;
		n->id = id;
		n->uid = p ? p->uid : 0; /* a process's files are its own, the rest root's */
		n->gid = 0;
	}
	return n;
}

struct inode *procfs_add_gen(struct inode *dir, const char *name, gen_fn gen, int pid, int id)
{
	struct inode *n = procfs_add(dir, name, S_IFREG | 0444, pid, id);
	if (n)
		n->gen = gen;
	return n;
}

struct inode *procfs_add_link(struct inode *dir, const char *name, const char *(*link)(struct inode *), int pid, int id)
{
	struct inode *n = procfs_add(dir, name, S_IFLNK | 0777, pid, id);
	if (n)
		n->link = link;
	return n;
}

void procfs_remove(struct inode *dir, struct dentry *d)
{
	struct inode *n = d->inode;
	while (ISDIR(n) && n->entries)
		procfs_remove(n, n->entries);
	dir_remove(dir, d);
}

/* /proc itself: a directory for every process in the table, none for a process gone. */
static void proc_refresh(struct inode *dir)
{
	for (struct dentry *d = dir->entries, *next; d; d = next) {
		next = d->next;
		if (d->inode->pid && !lx_proc_of(d->inode->pid))
			procfs_remove(dir, d);
	}
	for (int i = 0; i < LX_MAX_PROCS; i++) {
		struct lx_proc *p = &LX_SH->procs[i];
		bool listed = false;
		for (struct dentry *d = dir->entries; d && p->state != LX_PROC_FREE && !listed; d = d->next)
			listed = d->inode->pid == p->pid && ISDIR(d->inode);
		if (p->state != LX_PROC_FREE && !listed)
			procfs_pid_dir(dir, p);
	}
}

/* Fills /proc (made if the archive has none). */
void procfs_init(void)
{
	struct inode *proc = subdir(vfs_root, "proc");
	procfs_add_gen(proc, "meminfo", gen_meminfo, 0, 0);
	procfs_add_gen(proc, "cpuinfo", gen_cpuinfo, 0, 0);
	procfs_add_gen(proc, "mounts", mount_gen, 0, 0);
	procfs_add_gen(proc, "filesystems", gen_filesystems, 0, 0);
	procfs_add_gen(proc, "stat", gen_stat, 0, 0);
	procfs_add_gen(proc, "uptime", gen_uptime, 0, 0);
	struct inode *timers = procfs_add_gen(proc, "timer_list", gen_timer_list, 0, 0);
	if (timers)
		timers->mode = S_IFREG | 0400; /* root's only, as Linux's */
	procfs_add_gen(proc, "loadavg", gen_loadavg, 0, 0);
	procfs_add_link(proc, "self", self_link, 0, 0);
	procfs_add_link(proc, "thread-self", thread_self_link, 0, 0);
	struct inode *kernel = subdir(subdir(proc, "sys"), "kernel");
	for (size_t i = 0; i < sizeof(kernel_values) / sizeof(kernel_values[0]); i++)
		procfs_add_gen(kernel, kernel_values[i][0], gen_kernel_value, 0, (int)i);

	struct inode *net = subdir(proc, "net");
	procfs_add_gen(net, "dev", lx_netif_proc_dev, 0, 0);
	procfs_add_gen(net, "route", lx_netif_proc_route, 0, 0);
	procfs_add_gen(net, "if_inet6", lx_netif_proc_if_inet6, 0, 0);
	procfs_add_gen(net, "tcp", procnet_inet, 0, 0);
	procfs_add_gen(net, "tcp6", procnet_inet, 0, PROCNET_V6);
	procfs_add_gen(net, "udp", procnet_inet, 0, PROCNET_UDP);
	procfs_add_gen(net, "udp6", procnet_inet, 0, PROCNET_UDP | PROCNET_V6);
	procfs_add_gen(net, "unix", procnet_unix, 0, 0);
	struct inode *sysvipc = subdir(proc, "sysvipc");
	procfs_add_gen(sysvipc, "msg", lx_sysvipc_proc_msg, 0, 0);
	procfs_add_gen(sysvipc, "sem", lx_sysvipc_proc_sem, 0, 0);
	procfs_add_gen(sysvipc, "shm", lx_sysvipc_proc_shm, 0, 0);
	if (proc)
		proc->refresh = proc_refresh;
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
	struct vpath vp;
	long in_volume = vpath_make(AT_FDCWD, path, &vp);
	if (in_volume == 0 || in_volume == 2) { /* a volume's file: its absolute path there */
		char *copy = in_volume == 0 ? lx_strdup(vp.path) : NULL;
		vpath_free(&vp);
		if (copy) {
			lx_free(lx_me->exe);
			lx_me->exe = copy;
			return;
		}
	}
	struct lookup lk;
	char *abs = lx_alloc(LX_PATH_MAX);
	long len = abs && path_lookup(AT_FDCWD, path, LOOK_FOLLOW, &lk) == 0 && lk.node
			   ? path_of(lk.dir, abs, LX_PATH_MAX)
			   : -ENOENT;
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

#define FIND_DEPTH 64 /* directories deep procfs_path looks for a file */

/* Finds n under dir (not under /proc), depth directories at most: the directory holding it and its name there. */
static struct inode *find_holder(struct inode *dir, const struct inode *n, const char **name, int depth)
{
	for (struct dentry *d = dir->entries; d; d = d->next) {
		if (d->inode == n) {
			*name = d->name;
			return dir;
		}
		struct inode *c = d->inode;
		if (ISDIR(c) && !c->refresh && depth > 0 && !(dir == vfs_root && strcmp(d->name, "proc") == 0)) {
			struct inode *h = find_holder(c, n, name, depth - 1);
			if (h)
				return h;
		}
	}
	return NULL;
}

long procfs_path(struct inode *n, char *buf, size_t size)
{
	if (ISDIR(n))
		return path_of(n, buf, size);
	const char *name;
	struct inode *dir = n->nlink ? find_holder(vfs_root, n, &name, FIND_DEPTH) : NULL;
	long len = dir ? path_of(dir, buf, size) : -ENOENT;
	if (len < 0)
		return len;
	int w = fmt_snprintf(buf + len, size - (size_t)len, "%s%s", len > 1 ? "/" : "", name);
	return w < 0 || (size_t)w >= size - (size_t)len ? -ERANGE : len + w;
}
