/*
 * /proc as Linux writes it, in the fields that do not depend on the system:
 * the self links, stat's fields and status's keys for this process, a child
 * and a thread, comm and PR_SET_NAME, cmdline and environ byte for byte, the
 * descriptor links of known files (a path, pipe:[ino], socket:[ino],
 * anon_inode:[eventfd]), maps naming the program and [stack], cwd, limits,
 * the task directory of a thread, /proc listing a child's pid and dropping it
 * once reaped, and the format of the system's files.
 */
#define T_NAME "procfs"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

extern char **environ;

/* The whole of file path into buf (NUL added); its length, or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	size_t used = 0;
	for (;;) {
		ssize_t n = read(fd, buf + used, size - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = 0;
	return (long)used;
}

/* The link at path, or "" (in a static buffer of its own per slot). */
static const char *link_of(const char *path, char buf[4096])
{
	ssize_t n = readlink(path, buf, 4095);
	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* The value after "key:" in a status text, up to the line's end, into out; 1 if found. */
static int status_value(const char *text, const char *key, char *out, size_t size)
{
	size_t k = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, k) == 0 && l[k] == ':') {
			const char *v = l + k + 1;
			while (*v == '\t' || *v == ' ')
				v++;
			size_t n = strcspn(v, "\n");
			snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
			return 1;
		}
	}
	return 0;
}

/* stat's fields of path: comm into comm, the others (from field 3, the state) into f[0..]; how many. */
static int stat_fields(const char *path, char *comm, char f[64][32])
{
	char buf[4096];
	if (slurp(path, buf, sizeof(buf)) <= 0)
		return 0;
	char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	if (!open || !close)
		return 0;
	snprintf(comm, 32, "%.*s", (int)(close - open - 1), open + 1);
	int n = 2;
	for (char *tok = strtok(close + 1, " \n"); tok && n < 64; tok = strtok(NULL, " \n"))
		snprintf(f[n++ - 2], 32, "%s", tok);
	return n;
}

static void check_self_links(void)
{
	char buf[4096], want[64];
	snprintf(want, sizeof(want), "%d", getpid());
	CHECK("self-link", strcmp(link_of("/proc/self", buf), want) == 0, "/proc/self -> %s, pid %s", buf, want);
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	CHECK("thread-self-link", strcmp(link_of("/proc/thread-self", buf), want) == 0, "-> %s, want %s", buf, want);
	char cwd[4096];
	CHECK("cwd-link", getcwd(cwd, sizeof(cwd)) && strcmp(link_of("/proc/self/cwd", buf), cwd) == 0, "cwd -> %s",
	      buf);
	CHECK("cwd-link-after-chdir", chdir("/tmp") == 0 && strcmp(link_of("/proc/self/cwd", buf), "/tmp") == 0,
	      "after chdir /tmp: cwd -> %s", buf);
	CHECK("root-link", strcmp(link_of("/proc/self/root", buf), "/") == 0, "root -> %s", buf);
}

static void check_stat(const char *argv0)
{
	char comm[32], f[64][32], want[16];
	int n = stat_fields("/proc/self/stat", comm, f);
	snprintf(want, sizeof(want), "%.15s", base_name(argv0));
	CHECK("stat-fields", n == 52, "%d fields", n);
	CHECK("stat-comm", strcmp(comm, want) == 0, "comm %s, want %s", comm, want);
	CHECK("stat-state", strcmp(f[0], "R") == 0, "state %s", f[0]);
	CHECK("stat-ppid", atoi(f[1]) == getppid(), "ppid %s", f[1]);
	CHECK("stat-pgrp", atoi(f[2]) == getpgrp(), "pgrp %s", f[2]);
	CHECK("stat-session", atoi(f[3]) == getsid(0), "session %s", f[3]);
	CHECK("stat-threads", atoi(f[17]) == 1, "num_threads %s", f[17]);
	CHECK("stat-exit-signal", atoi(f[35]) == SIGCHLD, "exit_signal %s", f[35]);
	CHECK("stat-vsize", strtoull(f[20], NULL, 10) > 0, "vsize %s", f[20]);
}

static void on_usr2(int sig)
{
	(void)sig;
}

static void check_status(const char *argv0)
{
	static const char *const keys[] = { "Name",      "Umask",
					    "State",     "Tgid",
					    "Pid",       "PPid",
					    "TracerPid", "Uid",
					    "Gid",       "FDSize",
					    "Groups",    "VmSize",
					    "VmRSS",     "VmStk",
					    "Threads",   "SigPnd",
					    "ShdPnd",    "SigBlk",
					    "SigIgn",    "SigCgt",
					    "CapEff",    "Cpus_allowed_list" };
	char text[8192], v[256], want[256];
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, on_usr2);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	slurp("/proc/self/status", text, sizeof(text));
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char name[64];
		snprintf(name, sizeof(name), "status-has-%s", keys[i]);
		CHECK(name, status_value(text, keys[i], v, sizeof(v)), "no %s", keys[i]);
	}
	snprintf(want, sizeof(want), "%.15s", base_name(argv0));
	CHECK("status-name", status_value(text, "Name", v, sizeof(v)) && strcmp(v, want) == 0, "Name %s", v);
	CHECK("status-state", status_value(text, "State", v, sizeof(v)) && strcmp(v, "R (running)") == 0, "State %s",
	      v);
	CHECK("status-pid", status_value(text, "Pid", v, sizeof(v)) && atoi(v) == getpid(), "Pid %s", v);
	CHECK("status-tgid", status_value(text, "Tgid", v, sizeof(v)) && atoi(v) == getpid(), "Tgid %s", v);
	CHECK("status-ppid", status_value(text, "PPid", v, sizeof(v)) && atoi(v) == getppid(), "PPid %s", v);
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", getuid(), geteuid(), getuid(), geteuid());
	CHECK("status-uid", status_value(text, "Uid", v, sizeof(v)) && strcmp(v, want) == 0, "Uid %s", v);
	CHECK("status-threads", status_value(text, "Threads", v, sizeof(v)) && atoi(v) == 1, "Threads %s", v);
	unsigned long long ign = 0, cgt = 0, blk = 0;
	if (status_value(text, "SigIgn", v, sizeof(v)))
		ign = strtoull(v, NULL, 16);
	if (status_value(text, "SigCgt", v, sizeof(v)))
		cgt = strtoull(v, NULL, 16);
	if (status_value(text, "SigBlk", v, sizeof(v)))
		blk = strtoull(v, NULL, 16);
	CHECK("status-sigign", (ign >> (SIGUSR1 - 1)) & 1, "SigIgn %llx", ign);
	CHECK("status-sigcgt", (cgt >> (SIGUSR2 - 1)) & 1, "SigCgt %llx", cgt);
	CHECK("status-sigblk", (blk >> (SIGHUP - 1)) & 1, "SigBlk %llx", blk);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static void check_comm(const char *argv0)
{
	char buf[64], want[64];
	snprintf(want, sizeof(want), "%.15s\n", base_name(argv0));
	CHECK("comm", slurp("/proc/self/comm", buf, sizeof(buf)) > 0 && strcmp(buf, want) == 0, "comm \"%s\"", buf);
	prctl(PR_SET_NAME, "renamed-by-prctl-long");
	CHECK("comm-prctl", slurp("/proc/self/comm", buf, sizeof(buf)) > 0 && strcmp(buf, "renamed-by-prct\n") == 0,
	      "comm \"%s\"", buf);
	char copy[16];
	snprintf(copy, sizeof(copy), "%.15s", base_name(argv0));
	prctl(PR_SET_NAME, copy);
}

/* The strings of v joined with their NULs into out; the length. */
static size_t joined(char *const v[], char *out, size_t size)
{
	size_t used = 0;
	for (int i = 0; v[i]; i++) {
		size_t n = strlen(v[i]) + 1;
		if (used + n > size)
			break;
		memcpy(out + used, v[i], n);
		used += n;
	}
	return used;
}

static void check_cmdline_environ(char **argv)
{
	static char got[65536], want[65536];
	long n = slurp("/proc/self/cmdline", got, sizeof(got));
	size_t w = joined(argv, want, sizeof(want));
	CHECK("cmdline-bytes", n == (long)w && memcmp(got, want, w) == 0, "%ld bytes, want %zu", n, w);
	n = slurp("/proc/self/environ", got, sizeof(got));
	w = joined(environ, want, sizeof(want));
	CHECK("environ-bytes", n == (long)w && memcmp(got, want, w) == 0, "%ld bytes, want %zu", n, w);
}

/* Is descriptor fd in the listing of /proc/self/fd? */
static int fd_listed(int fd)
{
	DIR *d = opendir("/proc/self/fd");
	int found = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		found |= e->d_name[0] != '.' && atoi(e->d_name) == fd;
	if (d)
		closedir(d);
	return found;
}

static void check_fd_links(void)
{
	char path[64], buf[4096], want[64], name[64];
	snprintf(path, sizeof(path), "/tmp/procfs-test-%d", getpid());
	int file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int p[2], s[2];
	int pr = pipe(p), sr = socketpair(AF_UNIX, SOCK_STREAM, 0, s);
	int efd = eventfd(0, 0), null = open("/dev/null", O_RDONLY);
	CHECK("fd-setup", file >= 0 && pr == 0 && sr == 0 && efd >= 0 && null >= 0, "open/pipe/socketpair/eventfd");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", file);
	CHECK("fd-link-file", strcmp(link_of(name, buf), path) == 0, "-> %s, want %s", buf, path);
	struct stat st;
	fstat(p[0], &st);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", p[1]);
	CHECK("fd-link-pipe", strcmp(link_of(name, buf), want) == 0, "-> %s, want %s", buf, want);
	fstat(s[0], &st);
	snprintf(want, sizeof(want), "socket:[%lu]", (unsigned long)st.st_ino);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", s[0]);
	CHECK("fd-link-socket", strcmp(link_of(name, buf), want) == 0, "-> %s, want %s", buf, want);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", efd);
	CHECK("fd-link-eventfd", strcmp(link_of(name, buf), "anon_inode:[eventfd]") == 0, "-> %s", buf);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", null);
	CHECK("fd-link-devnull", strcmp(link_of(name, buf), "/dev/null") == 0, "-> %s", buf);
	CHECK("fd-listed", fd_listed(0) && fd_listed(file) && fd_listed(p[0]) && fd_listed(s[1]) && fd_listed(efd),
	      "a descriptor is missing from /proc/self/fd");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", file);
	struct stat a, b;
	CHECK("fd-stat-follows", stat(name, &a) == 0 && fstat(file, &b) == 0 && a.st_ino == b.st_ino,
	      "stat through the link");
	int high = fcntl(efd, F_DUPFD, 200); /* above what opendir takes */
	CHECK("fd-dup-listed", high >= 200 && fd_listed(high), "the duplicate %d is not listed", high);
	close(high);
	CHECK("fd-closed-unlisted", !fd_listed(high), "a closed descriptor is listed");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", high);
	CHECK("fd-closed-gone", readlink(name, buf, sizeof(buf)) < 0 && errno == ENOENT, "readlink of a closed one");
	close(file), close(p[0]), close(p[1]), close(s[0]), close(s[1]), close(efd), close(null);
	unlink(path);
}

static void check_maps(void)
{
	static char text[65536];
	char exe[4096];
	link_of("/proc/self/exe", exe);
	slurp("/proc/self/maps", text, sizeof(text));
	int has_exe = 0, has_exec_exe = 0, has_stack = 0, well_formed = 1;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		unsigned long lo, hi, off;
		char perms[8], dev[16];
		unsigned long ino;
		int name_at = 0;
		if (sscanf(l, "%lx-%lx %7s %lx %15s %lu %n", &lo, &hi, perms, &off, dev, &ino, &name_at) < 6 ||
		    lo >= hi)
			well_formed = 0;
		const char *name = name_at ? l + name_at : "";
		has_exe |= strcmp(name, exe) == 0;
		has_exec_exe |= strcmp(name, exe) == 0 && perms[2] == 'x';
		has_stack |= strcmp(name, "[stack]") == 0;
	}
	CHECK("maps-format", well_formed, "a line is not start-end perms offset dev inode");
	CHECK("maps-exe", has_exe && has_exec_exe, "no executable line of %s", exe);
	CHECK("maps-stack", has_stack, "no [stack]");
}

static volatile int thread_go;
static long thread_tid;

static void *sleeper(void *arg)
{
	(void)arg;
	thread_tid = syscall(SYS_gettid);
	while (!thread_go)
		usleep(1000);
	return NULL;
}

/* The numeric names in directory path, counted; *has set if want is one of them. */
static int count_pids(const char *path, long want, int *has)
{
	DIR *d = opendir(path);
	int n = 0;
	*has = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n++;
		*has |= atol(e->d_name) == want;
	}
	if (d)
		closedir(d);
	return n;
}

static void check_task(void)
{
	pthread_t t;
	thread_go = 0;
	thread_tid = 0;
	if (!CHECK("task-thread", pthread_create(&t, NULL, sleeper, NULL) == 0, "pthread_create"))
		return;
	while (!thread_tid)
		usleep(1000);
	int has, has_main;
	int n = count_pids("/proc/self/task", thread_tid, &has);
	count_pids("/proc/self/task", getpid(), &has_main);
	CHECK("task-lists-threads", n == 2 && has && has_main, "%d entries, thread %d, main %d", n, has, has_main);
	char path[128], comm[32], f[64][32], text[8192], v[64];
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", thread_tid);
	int nf = stat_fields(path, comm, f);
	CHECK("task-stat", nf == 52 && atoi(f[17]) == 2, "%d fields, num_threads %s", nf, nf > 17 ? f[17] : "-");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", thread_tid);
	slurp(path, text, sizeof(text));
	CHECK("task-status-pid", status_value(text, "Pid", v, sizeof(v)) && atol(v) == thread_tid, "Pid %s", v);
	CHECK("task-status-tgid", status_value(text, "Tgid", v, sizeof(v)) && atoi(v) == getpid(), "Tgid %s", v);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", thread_tid);
	CHECK("task-comm", slurp(path, text, sizeof(text)) > 1, "no comm");
	char statpath[64];
	snprintf(statpath, sizeof(statpath), "/proc/%d/stat", getpid());
	nf = stat_fields(statpath, comm, f);
	CHECK("stat-two-threads", nf == 52 && atoi(f[17]) == 2, "num_threads %s", nf > 17 ? f[17] : "-");
	thread_go = 1;
	pthread_join(t, NULL);
	for (int i = 0; i < 100 && count_pids("/proc/self/task", thread_tid, &has) != 1; i++)
		usleep(10000);
	n = count_pids("/proc/self/task", thread_tid, &has);
	CHECK("task-thread-gone", n == 1 && !has, "%d entries after the join", n);
}

static void check_child(char **argv)
{
	int go[2];
	if (pipe(go) != 0)
		return;
	pid_t c = fork();
	if (c == 0) {
		char b;
		close(go[1]);
		read(go[0], &b, 1);
		_exit(7);
	}
	close(go[0]);
	int has;
	count_pids("/proc", c, &has);
	CHECK("proc-lists-child", has, "pid %d not in /proc", c);
	CHECK("proc-lists-self", (count_pids("/proc", getpid(), &has), has), "own pid not in /proc");
	char path[64], comm[32], f[64][32], buf[65536], want[65536];
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	for (int i = 0; i < 200; i++) { /* until it waits in read */
		if (stat_fields(path, comm, f) == 52 && strcmp(f[0], "S") == 0)
			break;
		usleep(10000);
	}
	CHECK("child-stat", stat_fields(path, comm, f) == 52 && strcmp(f[0], "S") == 0 && atoi(f[1]) == getpid(),
	      "state %s ppid %s", f[0], f[1]);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", c);
	long n = slurp(path, buf, sizeof(buf));
	size_t w = joined(argv, want, sizeof(want));
	CHECK("child-cmdline", n == (long)w && memcmp(buf, want, w) == 0, "%ld bytes, want %zu", n, w);
	snprintf(path, sizeof(path), "/proc/%d/fd", c);
	DIR *d = opendir(path);
	int fds = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		fds += e->d_name[0] != '.';
	if (d)
		closedir(d);
	CHECK("child-fd-dir", fds >= 1, "%d descriptors listed", fds);
	close(go[1]);
	siginfo_t si;
	waitid(P_PID, (id_t)c, &si, WEXITED | WNOWAIT);
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	CHECK("zombie-stat", stat_fields(path, comm, f) == 52 && strcmp(f[0], "Z") == 0, "state %s", f[0]);
	int st;
	waitpid(c, &st, 0);
	struct stat sb;
	CHECK("reaped-gone", stat(path, &sb) != 0 && errno == ENOENT, "/proc/%d/stat after the wait", c);
	count_pids("/proc", c, &has);
	CHECK("reaped-unlisted", !has, "pid %d still in /proc", c);
}

static void check_limits(void)
{
	char text[8192];
	slurp("/proc/self/limits", text, sizeof(text));
	CHECK("limits-header",
	      strncmp(text, "Limit                     Soft Limit           Hard Limit           Units     \n", 78) ==
		      0,
	      "header \"%.80s\"", text);
	struct rlimit r;
	getrlimit(RLIMIT_NOFILE, &r);
	char want[128];
	snprintf(want, sizeof(want), "Max open files            %-20lu %-20lu files     \n", (unsigned long)r.rlim_cur,
		 (unsigned long)r.rlim_max);
	CHECK("limits-nofile", strstr(text, want) != NULL, "no line \"%s\"", want);
}

static void check_system(void)
{
	char text[16384], v[256];
	double up, idle;
	slurp("/proc/uptime", text, sizeof(text));
	CHECK("uptime-format", sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0, "\"%s\"", text);
	double l1, l5, l15;
	int run, total, last;
	slurp("/proc/loadavg", text, sizeof(text));
	CHECK("loadavg-format",
	      sscanf(text, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &total, &last) == 6 && run >= 1 &&
		      total >= run,
	      "\"%s\"", text);
	unsigned long long c[10];
	slurp("/proc/stat", text, sizeof(text));
	CHECK("stat-cpu-line",
	      sscanf(text, "cpu  %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &c[0], &c[1], &c[2], &c[3], &c[4],
		     &c[5], &c[6], &c[7], &c[8], &c[9]) == 10 &&
		      strstr(text, "\nbtime ") && strstr(text, "\nprocesses "),
	      "\"%.60s\"", text);
	slurp("/proc/meminfo", text, sizeof(text));
	CHECK("meminfo-keys",
	      status_value(text, "MemTotal", v, sizeof(v)) && status_value(text, "MemFree", v, sizeof(v)) &&
		      status_value(text, "MemAvailable", v, sizeof(v)) && status_value(text, "SwapTotal", v, sizeof(v)),
	      "a key is missing");
	struct utsname u;
	uname(&u);
	snprintf(v, sizeof(v), "%s\n", u.release);
	CHECK("sys-osrelease", slurp("/proc/sys/kernel/osrelease", text, sizeof(text)) > 0 && strcmp(text, v) == 0,
	      "%s", text);
	snprintf(v, sizeof(v), "%s\n", u.nodename);
	CHECK("sys-hostname", slurp("/proc/sys/kernel/hostname", text, sizeof(text)) > 0 && strcmp(text, v) == 0, "%s",
	      text);
	CHECK("sys-ostype", slurp("/proc/sys/kernel/ostype", text, sizeof(text)) > 0 && strcmp(text, "Linux\n") == 0,
	      "%s", text);
	CHECK("sys-pid-max", slurp("/proc/sys/kernel/pid_max", text, sizeof(text)) > 0 && atol(text) > getpid(), "%s",
	      text);
	slurp("/proc/self/statm", text, sizeof(text));
	unsigned long m[7];
	CHECK("statm-format",
	      sscanf(text, "%lu %lu %lu %lu %lu %lu %lu", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &m[6]) == 7 &&
		      m[0] > 0,
	      "\"%s\"", text);
	slurp("/proc/filesystems", text, sizeof(text));
	CHECK("filesystems-proc", strstr(text, "nodev\tproc\n") != NULL, "no proc in /proc/filesystems");
	slurp("/proc/mounts", text, sizeof(text));
	CHECK("mounts-proc", strstr(text, "proc /proc proc ") != NULL, "no /proc in /proc/mounts");
}

int main(int argc, char **argv)
{
	(void)argc;
	check_stat(argv[0]);
	check_status(argv[0]);
	check_comm(argv[0]);
	check_cmdline_environ(argv);
	check_self_links();
	check_fd_links();
	check_maps();
	check_task();
	check_child(argv);
	check_limits();
	check_system();
	return t_done();
}
