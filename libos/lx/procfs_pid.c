/* /proc/PID: a process's files (stat, status, cmdline, maps, fd/, task/, ...), made from its entry in the process table. */
#include "libos/lx/vfs.h"

/*
 * Every node under /proc/PID carries the pid (inode->pid) and, under fd/ and
 * task/, the descriptor or thread (inode->id); its text is made from the
 * process's entry (struct lx_proc), which holds what lives with the process:
 * its descriptor table, area list, break, cwd, arguments and environment,
 * name, thread ids and limits. What only the process itself can see (its
 * page tables, signal handlers, credentials but the uids) is shown for the
 * calling process and left at zero for the others.
 */


/* What the areas of a process add up to, in bytes (rss in pages). */
struct vm_sum {
	uint64_t size, stack, exec, data, rss, code_start, code_end;
};

/* Where area v begins as Linux shows it: the stack's from the lowest page touched (it grows down to there). */
static uint64_t area_start(const struct lx_proc *p, const struct vma *v)
{
	return v->end == LX_STACK_TOP && v->start < p->stack_low ? p->stack_low : v->start;
}

static struct vm_sum vm_of(const struct lx_proc *p)
{
	struct vm_sum s = { 0 };
	for (const struct vma *v = p->vmas; v; v = v->next) {
		uint64_t n = v->end - area_start(p, v);
		s.size += n;
		if (v->end == LX_STACK_TOP)
			s.stack += n;
		else if (v->prot & PROT_EXEC)
			s.exec += n;
		else if ((v->prot & PROT_WRITE) && !(v->flags & MAP_SHARED))
			s.data += n;
		if ((v->prot & PROT_EXEC) && v->file && !s.code_end) {
			s.code_start = v->start;
			s.code_end = v->end;
		}
	}
	s.rss = p == lx_me ? mem_resident_pages() : 0;
	return s;
}

/* The state letter of p (tid 0) or its thread tid: R for the one reading, Z, T, and S (waiting) for the others. */
static char state_of(const struct lx_proc *p, int tid)
{
	if (p->state == LX_PROC_ZOMBIE)
		return 'Z';
	if (p->stopped)
		return 'T';
	return p == lx_me && (!tid || tid == lx_self()->tid) ? 'R' : 'S';
}

static const char *state_name(char c)
{
	return c == 'R' ? "R (running)" : c == 'Z' ? "Z (zombie)" : c == 'T' ? "T (stopped)" : "S (sleeping)";
}

/*
 * CPU time of p (tid 0) or of its thread tid, in ns: the kernel's count for
 * its environment or thread. Of another process's threads only the first is
 * known (the kernel ids of the others are in that process's memory): it shows
 * the whole process's time.
 */
static uint64_t cpu_ns(const struct lx_proc *p, int tid)
{
	if (p->state == LX_PROC_ZOMBIE)
		return !tid || tid == p->pid ? p->cpu_ns - p->children_ns : 0;
	struct lx_thread *t = p == lx_me && tid ? lx_thread_by_tid(tid) : NULL;
	long r = t ? sys_cpu_time(0, t->kernel_tid) : !tid || tid == p->pid ? sys_cpu_time(1, (long)p->env) : 0;
	return r > 0 ? (uint64_t)r : 0;
}

static int nthreads(const struct lx_proc *p)
{
	int n = 0;
	for (int i = 0; i < p->ntids; i++)
		n += p->tids[i] != 0;
	return n ? n : 1;
}

/* The terminal of its standard descriptors (a character device that takes ioctls), as Linux's tty_nr; 0 if none. */
static uint32_t tty_of(const struct lx_proc *p)
{
	for (int fd = 0; fd < 3 && p->fds; fd++) {
		const struct file *f = p->fds[fd].f;
		if (f && f->inode && (f->inode->mode & S_IFMT) == S_IFCHR && f->ops->ioctl)
			return f->inode->rdev;
	}
	return 0;
}

/* Signals pending, blocked, ignored and handled (bit sig-1); the last three only for the calling process. */
static void signals_of(const struct lx_proc *p, int tid, uint64_t s[4])
{
	s[0] = p->pending;
	s[1] = s[2] = s[3] = 0;
	if (p != lx_me)
		return;
	struct lx_thread *t = lx_thread_by_tid(tid ? tid : p->pid);
	if (t) {
		s[0] |= t->sigpending;
		s[1] = t->sigmask;
	}
	lx_signal_dispositions(&s[2], &s[3]);
}

/* /proc/PID/stat: the 52 fields of Linux's, in its order. */
static void write_stat(struct procfs_text *t, struct lx_proc *p, int tid)
{
	struct vm_sum vm = vm_of(p);
	uint64_t sig[4];
	signals_of(p, tid, sig);
	uint32_t tty = tty_of(p);
	int exit_code = p->state == LX_PROC_ZOMBIE ? p->wstatus : 0;
	procfs_printf(t, "%d (%s) %c %d %d %d %u %d %u 0 0 0 0 %lu 0 %lu 0 20 0 %d 0 %lu %lu %lu %lu %lu %lu %lu 0 0 ",
		      tid ? tid : p->pid, p->comm, state_of(p, tid), p->ppid, p->pgid, p->sid, tty,
		      tty ? LX_SH->fg_pgrp : -1, PF_RANDOMIZE, procfs_ticks(cpu_ns(p, tid)),
		      procfs_ticks(p->children_ns), nthreads(p), procfs_ticks(p->start_ns), vm.size, vm.rss,
		      RLIM_INFINITY, vm.code_start, vm.code_end, vm.stack ? LX_STACK_TOP : 0);
	procfs_printf(t, "%lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 0 0 %lu 0 0 0 0 %d\n", sig[0], sig[1], sig[2], sig[3],
		      SIGCHLD, p->brk_base, exit_code);
}

/* The uid and gid lines' ids and the groups: the caller's own, or another's real and saved uids. */
static int ids_of(const struct lx_proc *p, uint32_t uids[4], uint32_t gids[4], const uint32_t **grps)
{
	if (p == lx_me)
		return lx_cred_ids(uids, gids, grps);
	uids[0] = uids[1] = uids[3] = p->uid;
	uids[2] = p->suid;
	gids[0] = gids[1] = gids[2] = gids[3] = 0;
	*grps = NULL;
	return 0;
}

static void write_status_ids(struct procfs_text *t, const struct lx_proc *p)
{
	uint32_t u[4], g[4];
	const uint32_t *grps;
	int ng = ids_of(p, u, g, &grps);
	procfs_printf(t, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t", u[0], u[1], u[2], u[3],
		      g[0], g[1], g[2], g[3], p->fd_cap);
	for (int i = 0; i < ng; i++)
		procfs_printf(t, "%u ", grps[i]);
	procfs_printf(t, "\n");
}

static void write_status_vm(struct procfs_text *t, const struct lx_proc *p)
{
	struct vm_sum vm = vm_of(p);
	procfs_printf(t,
		      "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t%8d kB\nVmPin:\t%8d kB\nVmHWM:\t%8lu kB\n"
		      "VmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8d kB\nRssShmem:\t%8d kB\nVmData:\t%8lu kB\n"
		      "VmStk:\t%8lu kB\nVmExe:\t%8lu kB\nVmLib:\t%8d kB\nVmPTE:\t%8d kB\nVmSwap:\t%8d kB\n",
		      vm.size / 1024, vm.size / 1024, 0, 0, vm.rss * 4, vm.rss * 4, vm.rss * 4, 0, 0, vm.data / 1024,
		      vm.stack / 1024, vm.exec / 1024, 0, 0, 0);
}

/* /proc/PID/status: Linux's keys, in its order. */
static void write_status(struct procfs_text *t, struct lx_proc *p, int tid)
{
	char st = state_of(p, tid);
	procfs_printf(t,
		      "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		      p->comm, p == lx_me ? vfs_umask : 022, state_name(st), p->pid, tid ? tid : p->pid, p->ppid);
	write_status_ids(t, p);
	procfs_printf(t, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", p->pid, tid ? tid : p->pid, p->pgid,
		      p->sid);
	if (p->state != LX_PROC_ZOMBIE)
		write_status_vm(t, p);
	uint64_t sig[4];
	signals_of(p, tid, sig);
	procfs_printf(t,
		      "Threads:\t%d\nSigQ:\t0/%lu\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\n"
		      "SigCgt:\t%016lx\n",
		      nthreads(p), p->rlimits[RLIMIT_SIGPENDING].cur, sig[0] & ~p->pending, p->pending, sig[1], sig[2],
		      sig[3]);
	procfs_printf(t,
		      "CapInh:\t0000000000000000\nCapPrm:\t%016lx\nCapEff:\t%016lx\nCapBnd:\t000001ffffffffff\n"
		      "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
		      "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
		      "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n",
		      p->uid == 0 ? 0x1ffffffffffUL : 0, p->uid == 0 ? 0x1ffffffffffUL : 0);
}

/* /proc/PID/cmdline and environ: the strings exec gave, each with its NUL (none for a zombie). */
static void write_cmdline(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	if (p->args && p->state != LX_PROC_ZOMBIE)
		procfs_bytes(t, p->args, p->argv_len);
}

static void write_environ(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	if (p->args && p->state != LX_PROC_ZOMBIE)
		procfs_bytes(t, p->args + p->argv_len, p->env_len);
}

static void write_comm(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	procfs_printf(t, "%s\n", p->comm);
}

/* /proc/PID/statm: sizes in pages (size resident shared text lib data dt). */
static void write_statm(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	struct vm_sum vm = vm_of(p);
	procfs_printf(t, "%lu %lu 0 %lu 0 %lu 0\n", vm.size / PAGE_SIZE, vm.rss, vm.exec / PAGE_SIZE,
		      (vm.data + vm.stack) / PAGE_SIZE);
}

/* One line of maps, as Linux's: the name (if any) starts at column 74. */
static void write_map(struct procfs_text *t, const struct lx_proc *p, const struct vma *v, char *path)
{
	const struct inode *n = v->file ? v->file->inode : NULL;
	const char *name = "";
	if (n && procfs_path((struct inode *)n, path, LX_PATH_MAX) > 0)
		name = path;
	else if (!n && v->start >= p->brk_base && v->start < p->brk_cur && p->brk_base)
		name = "[heap]";
	else if (!n && v->end == LX_STACK_TOP)
		name = "[stack]";
	else if (v->lx_calls)
		name = "[lx-calls]";
	size_t before = t->len;
	procfs_printf(t, "%08lx-%08lx %c%c%c%c %08lx 00:00 %lu ", area_start(p, v), v->end,
		      (v->prot & PROT_READ) ? 'r' : '-', (v->prot & PROT_WRITE) ? 'w' : '-',
		      (v->prot & PROT_EXEC) ? 'x' : '-', (v->flags & MAP_SHARED) ? 's' : 'p', v->offset,
		      n ? n->ino : 0);
	size_t w = t->len - before;
	if (*name)
		procfs_printf(t, "%*s%s", w < 73 ? (int)(73 - w) : 0, "", name);
	procfs_printf(t, "\n");
}

static void write_maps(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	char *path = lx_alloc(LX_PATH_MAX);
	if (!path) {
		t->ok = false;
		return;
	}
	for (const struct vma *v = p->vmas; v; v = v->next)
		if (area_start(p, v) < v->end) /* (a stack not touched yet shows nothing) */
			write_map(t, p, v, path);
	lx_free(path);
}

/* /proc/PID/limits: as Linux prints them. */
static void write_limits(struct procfs_text *t, struct lx_proc *p, int tid)
{
	static const char *const names[RLIMIT_NLIMITS][2] = {
		{ "Max cpu time", "seconds" },     { "Max file size", "bytes" },
		{ "Max data size", "bytes" },      { "Max stack size", "bytes" },
		{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
		{ "Max processes", "processes" },  { "Max open files", "files" },
		{ "Max locked memory", "bytes" },  { "Max address space", "bytes" },
		{ "Max file locks", "locks" },     { "Max pending signals", "signals" },
		{ "Max msgqueue size", "bytes" },  { "Max nice priority", "" },
		{ "Max realtime priority", "" },   { "Max realtime timeout", "us" },
	};
	(void)tid;
	procfs_printf(t, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIMIT_NLIMITS; i++) {
		char v[2][24];
		for (int k = 0; k < 2; k++) {
			uint64_t x = k ? p->rlimits[i].max : p->rlimits[i].cur;
			if (x == RLIM_INFINITY)
				strlcpy(v[k], "unlimited", sizeof(v[k]));
			else
				fmt_snprintf(v[k], sizeof(v[k]), "%lu", x);
		}
		procfs_printf(t, "%-25s %-20s %-20s %-10s\n", names[i][0], v[0], v[1], names[i][1]);
	}
}

/* ---- the generated files ---- */

typedef void (*pid_writer)(struct procfs_text *t, struct lx_proc *p, int tid);

/* Node n's text by w, for its process and thread (0 for the process's own files); -ESRCH if it has gone. */
static long pid_gen(struct inode *n, char **buf, size_t *len, pid_writer w)
{
	struct lx_proc *p = lx_proc_of(n->pid);
	if (!p)
		return -ESRCH;
	struct procfs_text t = { .ok = true };
	w(&t, p, n->id);
	return procfs_done(&t, buf, len);
}

static long gen_stat(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_stat);
}

static long gen_status(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_status);
}

static long gen_cmdline(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_cmdline);
}

static long gen_environ(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_environ);
}

static long gen_comm(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_comm);
}

static long gen_statm(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_statm);
}

/* /proc/PID/lx-calls (Mica's own): how its syscalls reached lx, and how many of its sites are rewritten (rewrite.c). */
static void write_lx_calls(struct procfs_text *t, struct lx_proc *p, int tid)
{
	(void)tid;
	const struct lx_calls *c = &LX_SH->calls[p - LX_SH->procs];
	procfs_printf(t, "reflected %lu\ndirect %lu\nsites %lu\n", c->reflected, c->direct, c->sites);
}

static long gen_lx_calls(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_lx_calls);
}

static long gen_maps(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_maps);
}

static long gen_limits(struct inode *n, char **buf, size_t *len)
{
	return pid_gen(n, buf, len, write_limits);
}

/* ---- links ---- */

/* What descriptor n->id of process n->pid names, as Linux's links do: a path, pipe:[ino], socket:[ino], anon_inode:[...]. */
static const char *fd_link(struct inode *n)
{
	struct lx_proc *p = lx_proc_of(n->pid);
	struct file *f = p && p->fds && n->id >= 0 && n->id < p->fd_end ? p->fds[n->id].f : NULL;
	char *path = lx_alloc(LX_PATH_MAX);
	if (!f || !path) {
		lx_free(path);
		return NULL;
	}
	uint32_t type = f->inode ? f->inode->mode & S_IFMT : 0;
	if (!f->inode)
		strlcpy(path, f->anon ? f->anon : "anon_inode:[unknown]", LX_PATH_MAX);
	else if ((type == S_IFIFO || type == S_IFSOCK) && !f->inode->nlink)
		fmt_snprintf(path, LX_PATH_MAX, "%s:[%lu]", type == S_IFIFO ? "pipe" : "socket", f->inode->ino);
	else if (procfs_path(f->inode, path, LX_PATH_MAX) < 0)
		strlcpy(path, "(deleted)", LX_PATH_MAX); /* unlinked since: its name is not known */
	const char *r = procfs_link_set(n, path);
	lx_free(path);
	return r;
}

static const char *exe_link(struct inode *n)
{
	struct lx_proc *p = lx_proc_of(n->pid);
	return p && p->exe && p->state == LX_PROC_LIVE ? procfs_link_set(n, p->exe) : NULL;
}

static const char *cwd_link(struct inode *n)
{
	struct lx_proc *p = lx_proc_of(n->pid);
	char *path = p && p->cwd && p->state == LX_PROC_LIVE ? lx_alloc(LX_PATH_MAX) : NULL;
	const char *r = path && path_of_cwd(p, path, LX_PATH_MAX) > 0 ? procfs_link_set(n, path) : NULL;
	lx_free(path);
	return r;
}

static const char *root_link(struct inode *n)
{
	return procfs_link_set(n, "/");
}

/* ---- directories ---- */

static bool listed(struct inode *dir, int id)
{
	for (struct dentry *d = dir->entries; d; d = d->next)
		if (d->inode->id == id)
			return true;
	return false;
}

/* /proc/PID/fd: a link for every open descriptor. */
static void fd_refresh(struct inode *dir)
{
	struct lx_proc *p = lx_proc_of(dir->pid);
	struct fdent *fds = p ? p->fds : NULL;
	for (struct dentry *d = dir->entries, *next; d; d = next) {
		next = d->next;
		if (!fds || d->inode->id >= p->fd_end || !fds[d->inode->id].f)
			procfs_remove(dir, d);
	}
	for (int fd = 0; fds && fd < p->fd_end; fd++) {
		if (fds[fd].f && !listed(dir, fd)) {
			char name[12];
			fmt_snprintf(name, sizeof(name), "%d", fd);
			struct inode *n = procfs_add_link(dir, name, fd_link, p->pid, fd);
			if (n)
				n->mode = S_IFLNK | 0700;
		}
	}
}

/* The files of a process (tid 0) or of one of its threads. */
static void add_files(struct inode *dir, int pid, int tid)
{
	procfs_add_gen(dir, "stat", gen_stat, pid, tid);
	procfs_add_gen(dir, "status", gen_status, pid, tid);
	procfs_add_gen(dir, "comm", gen_comm, pid, tid);
	procfs_add_gen(dir, "cmdline", gen_cmdline, pid, tid);
	procfs_add_gen(dir, "statm", gen_statm, pid, tid);
	procfs_add_gen(dir, "maps", gen_maps, pid, tid);
	procfs_add_gen(dir, "lx-calls", gen_lx_calls, pid, tid);
	procfs_add_gen(dir, "limits", gen_limits, pid, tid);
	struct inode *env = procfs_add_gen(dir, "environ", gen_environ, pid, tid);
	if (env)
		env->mode = S_IFREG | 0400;
}

/* /proc/PID/task: a directory for every thread. */
static void task_refresh(struct inode *dir)
{
	struct lx_proc *p = lx_proc_of(dir->pid);
	for (struct dentry *d = dir->entries, *next; d; d = next) {
		next = d->next;
		bool live = p && d->inode->id == p->pid && (!p->tids || p->state == LX_PROC_ZOMBIE);
		for (int i = 0; p && i < p->ntids && !live; i++)
			live = p->tids[i] == d->inode->id;
		if (!live)
			procfs_remove(dir, d);
	}
	for (int i = 0; p && i < (p->tids ? p->ntids : 1); i++) {
		int tid = p->tids ? p->tids[i] : p->pid;
		if (tid && !listed(dir, tid)) {
			char name[12];
			fmt_snprintf(name, sizeof(name), "%d", tid);
			struct inode *t = procfs_add(dir, name, S_IFDIR | 0555, p->pid, tid);
			if (t)
				add_files(t, p->pid, tid);
		}
	}
}

void procfs_pid_dir(struct inode *proc, struct lx_proc *p)
{
	char name[12];
	fmt_snprintf(name, sizeof(name), "%d", p->pid);
	struct inode *dir = procfs_add(proc, name, S_IFDIR | 0555, p->pid, 0);
	if (!dir)
		return;
	add_files(dir, p->pid, 0);
	procfs_add_link(dir, "exe", exe_link, p->pid, 0);
	procfs_add_link(dir, "cwd", cwd_link, p->pid, 0);
	procfs_add_link(dir, "root", root_link, p->pid, 0);
	procfs_add_gen(dir, "mountinfo", mount_gen_info, p->pid, 0);
	procfs_add_gen(dir, "mounts", mount_gen, p->pid, 0);
	struct inode *fd = procfs_add(dir, "fd", S_IFDIR | 0500, p->pid, 0);
	struct inode *task = procfs_add(dir, "task", S_IFDIR | 0555, p->pid, 0);
	if (fd)
		fd->refresh = fd_refresh;
	if (task)
		task->refresh = task_refresh;
}
