/*
 * System V shared memory as Linux keeps it: shmget's sizes and keys, shmat at
 * any address, at a chosen one (SHM_RND, SHM_REMAP) and read-only, shmdt,
 * shm_nattch through fork, exec and exit, IPC_RMID taking effect at the last
 * detach, data seen by every process attached, permissions for another user,
 * shmctl's commands and every errno. Every segment it makes is removed at
 * exit, on the host too. Needs root.
 */
#define T_NAME "shm"
#include "check.h"
#include "sysvipc.h"

#include <signal.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534
#define PAGE 4096

static int made[16], nmade;

static void remove_all(void)
{
	for (int i = 0; i < nmade; i++)
		shmctl(made[i], IPC_RMID, NULL);
}

/* A segment (remembered for removal at exit), or -1. */
static int seg(key_t key, size_t size, int flags)
{
	int s = shmget(key, size, flags);
	if (s >= 0 && nmade < 16)
		made[nmade++] = s;
	return s;
}

static long nattch(int s)
{
	struct shmid_ds ds;
	return shmctl(s, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1;
}

/* An address with len free bytes at it now. */
static char *free_place(size_t len)
{
	char *p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, len);
	return p;
}

static void keys(void)
{
	check_err("size-zero", shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	key_t key = 0x4d4d0000 | (getpid() & 0xffff);
	int s;
	while ((s = seg(key, 10000, IPC_CREAT | IPC_EXCL | 0600)) < 0 && errno == EEXIST)
		key += 0x10000;
	CHECK("key-create", s >= 0, "errno %d", errno);
	CHECK("key-again", shmget(key, 5000, 0600) == s && shmget(key, 0, 0) == s, "errno %d", errno);
	check_err("key-bigger", shmget(key, 10001, 0600), EINVAL);
	check_err("key-excl", shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	check_err("key-missing", shmget(key + 1, 100, 0600), ENOENT);
	struct shmid_ds ds;
	CHECK("stat", shmctl(s, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 0 &&
		ds.shm_cpid == getpid() && ds.shm_lpid == 0 && ds.shm_atime == 0 && (ds.shm_perm.mode & 0777) == 0600 &&
		ds.shm_perm.__key == key, "segsz %zu cpid %d", (size_t)ds.shm_segsz, (int)ds.shm_cpid);
	CHECK("rmid-unattached", shmctl(s, IPC_RMID, NULL) == 0, "errno %d", errno);
	check_err("rmid-gone", shmctl(s, IPC_STAT, &ds), EINVAL);
	check_err("key-gone", shmget(key, 100, 0600), ENOENT);
}

static void attach(int s)
{
	char *a = shmat(s, NULL, 0);
	CHECK("attach", a != (char *)-1 && ((uintptr_t)a & (PAGE - 1)) == 0, "errno %d", errno);
	CHECK("zeroed", a[0] == 0 && a[9999] == 0 && a[3 * PAGE - 1] == 0, "not zero");
	strcpy(a, "shared");
	a[PAGE + 5] = 'x';
	char *b = shmat(s, NULL, 0);
	CHECK("second-attach", b != (char *)-1 && b != a && !strcmp(b, "shared") && b[PAGE + 5] == 'x', "errno %d", errno);
	b[1] = 'H';
	CHECK("same-pages", a[1] == 'H' && nattch(s) == 2, "nattch %ld", nattch(s));
	struct shmid_ds ds;
	CHECK("stat-attached", shmctl(s, IPC_STAT, &ds) == 0 && ds.shm_lpid == getpid() && ds.shm_atime != 0, "lpid %d",
	      (int)ds.shm_lpid);
	CHECK("detach", shmdt(b) == 0 && nattch(s) == 1 && shmctl(s, IPC_STAT, &ds) == 0 && ds.shm_dtime != 0, "errno %d", errno);
	check_err("detach-again", shmdt(b), EINVAL);
	check_err("detach-unaligned", shmdt(a + 1), EINVAL);
	check_err("detach-inside", shmdt(a + PAGE), EINVAL);
	check_err("detach-not-shm", shmdt(free_place(PAGE)), EINVAL);

	char *at = free_place(4 * PAGE);
	CHECK("at-address", shmat(s, at, 0) == at && at[1] == 'H', "errno %d", errno);
	check_err("at-taken", (long)shmat(s, at, 0), EINVAL);
	CHECK("at-remap", shmat(s, at, SHM_REMAP) == at && nattch(s) == 2, "errno %d, nattch %ld", errno, nattch(s));
	shmdt(at);
	check_err("at-unaligned", (long)shmat(s, at + 100, 0), EINVAL);
	CHECK("at-rnd", shmat(s, at + 100, SHM_RND) == at && at[1] == 'H', "errno %d", errno);
	shmdt(at);
	char *ro = shmat(s, NULL, SHM_RDONLY);
	CHECK("rdonly-reads", ro != (char *)-1 && ro[1] == 'H', "errno %d", errno);
	pid_t p = fork();
	if (p == 0) {
		ro[0] = 'w';
		_exit(0);
	}
	CHECK("rdonly-write-segv", reap(p) == 128 + SIGSEGV && a[0] == 's', "child status %d", 128 + SIGSEGV);
	shmdt(ro);
	int gone = shmget(IPC_PRIVATE, PAGE, 0600); /* an id that names nothing once removed */
	shmctl(gone, IPC_RMID, NULL);
	check_err("bad-id", (long)shmat(gone, NULL, 0), EINVAL);
	check_err("negative-id", (long)shmat(-1, NULL, 0), EINVAL);
	check_err("ctl-bad-cmd", shmctl(s, 99, NULL), EINVAL);
	check_err("ctl-stat-fault", shmctl(s, IPC_STAT, (void *)8), EFAULT);
	CHECK("lock-unlock", shmctl(s, SHM_LOCK, NULL) == 0 && shmctl(s, SHM_UNLOCK, NULL) == 0, "errno %d", errno);
}

/* An attach inherited by fork, dropped by exec and exit. */
static void processes(int s, const char *self)
{
	char *a = shmat(s, NULL, 0);
	long before = nattch(s);
	pid_t p = fork();
	if (p == 0) {
		int ok = nattch(s) == 2 * before && !strcmp(a, "sHared"); /* every attach is inherited */
		strcpy(a, "child wrote");
		_exit(ok ? 0 : 1);
	}
	int r = reap(p);
	CHECK("fork-inherits", r == 0 && !strcmp(a, "child wrote"), "child %d, %s", r, a);
	CHECK("exit-detaches", nattch(s) == before, "nattch %ld, want %ld", nattch(s), before);
	p = fork();
	if (p == 0) {
		char id[16], want[16];
		snprintf(id, sizeof(id), "%d", s);
		snprintf(want, sizeof(want), "%ld", before);
		execl(self, self, "shm-exec", id, want, (char *)NULL);
		_exit(3);
	}
	r = reap(p);
	CHECK("exec-detaches", r == 0, "the exec'd child saw another count (%d)", r);
	/* 1 MiB written by a child, page by page, read here */
	int big = seg(IPC_PRIVATE, 1 << 20, 0600);
	char *m = shmat(big, NULL, 0);
	p = fork();
	if (p == 0) {
		for (int i = 0; i < 256; i++)
			m[i * PAGE + i] = (char)i;
		_exit(0);
	}
	reap(p);
	int good = 0;
	for (int i = 0; i < 256; i++)
		good += m[i * PAGE + i] == (char)i;
	CHECK("big-across-fork", good == 256, "%d pages right", good);
	shmdt(m);
	shmdt(a);
}

/* IPC_RMID while attached: the segment lives on, unnamed, until the last detach, in any process. */
static void removal(void)
{
	key_t key = 0x4d520000 | (getpid() & 0xffff);
	int s;
	while ((s = seg(key, PAGE, IPC_CREAT | IPC_EXCL | 0600)) < 0 && errno == EEXIST)
		key += 0x10000;
	char *a = shmat(s, NULL, 0);
	strcpy(a, "kept");
	int fds[2];
	if (pipe(fds) < 0)
		return;
	pid_t p = fork();
	if (p == 0) {
		char c;
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(2);
		_exit(!strcmp(a, "kept") ? 0 : 1); /* the parent removed and detached it by now */
	}
	close(fds[0]);
	struct shmid_ds ds;
	CHECK("rmid-attached", shmctl(s, IPC_RMID, NULL) == 0 && shmctl(s, IPC_STAT, &ds) == 0 &&
		(ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE && ds.shm_nattch == 2,
	      "mode %o key %d nattch %lu", ds.shm_perm.mode, ds.shm_perm.__key, (unsigned long)ds.shm_nattch);
	check_err("rmid-unnamed", shmget(key, PAGE, 0600), ENOENT);
	CHECK("rmid-data-kept", !strcmp(a, "kept") && shmdt(a) == 0 && nattch(s) == 1, "nattch %ld", nattch(s));
	if (write(fds[1], "g", 1) != 1)
		return;
	close(fds[1]);
	CHECK("rmid-child-still-sees", reap(p) == 0, "the child lost the data");
	check_err("rmid-gone-at-last-detach", shmctl(s, IPC_STAT, &ds), EINVAL);
}

static void perms(void)
{
	int s = seg(IPC_PRIVATE, PAGE, 0600), r4 = seg(IPC_PRIVATE, PAGE, 0604);
	pid_t p = fork();
	if (p == 0) {
		struct shmid_ds ds;
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		int bad = 0;
		bad |= !(shmat(s, NULL, SHM_RDONLY) == (void *)-1 && errno == EACCES) << 0;
		bad |= !(shmctl(s, IPC_STAT, &ds) == -1 && errno == EACCES) << 1;
		bad |= !(shmctl(s, IPC_RMID, NULL) == -1 && errno == EPERM) << 2;
		bad |= !(shmat(r4, NULL, 0) == (void *)-1 && errno == EACCES) << 3;
		bad |= !(shmat(r4, NULL, SHM_RDONLY) != (void *)-1) << 4;
		bad |= !(shmctl(r4, IPC_STAT, &ds) == 0) << 5;
		bad |= !(shmctl(r4, IPC_SET, &ds) == -1 && errno == EPERM) << 6;
		_exit(bad);
	}
	int r = reap(p);
	CHECK("other-user", r == 0, "failed checks %#x", r);
	CHECK("other-user-detached", nattch(r4) == 0, "nattch %ld", nattch(r4));
}

static void info(int s)
{
	CHECK("proc-sysvipc", proc_sysvipc_has("shm", s, 0600), "no line for %d in /proc/sysvipc/shm", s);
	struct shminfo si;
	int top = shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	CHECK("ipc-info", top >= s % 32768 && si.shmmin == 1 && si.shmmax >= (1UL << 30) && si.shmmni > 0, "top %d", top);
	struct shm_info su;
	top = shmctl(0, SHM_INFO, (struct shmid_ds *)&su);
	CHECK("shm-info", top >= s % 32768 && su.used_ids >= 1 && su.shm_tot >= 3, "top %d ids %d", top, su.used_ids);
	struct shmid_ds ds;
	CHECK("shm-stat", shmctl(s % 32768, SHM_STAT, &ds) == s && ds.shm_segsz == 10000, "errno %d", errno);
	CHECK("shm-stat-any", shmctl(s % 32768, SHM_STAT_ANY, &ds) == s, "errno %d", errno);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "shm-exec")) /* after exec: the parent's attaches only */
		return nattch(atoi(argv[2])) == atol(argv[3]) ? 0 : 1;
	atexit(remove_all);
	if (!CHECK("started-as-root", geteuid() == 0, "euid %d", (int)geteuid()))
		return t_done();
	keys();
	int s = seg(IPC_PRIVATE, 10000, 0600);
	CHECK("private", s >= 0, "errno %d", errno);
	attach(s);
	info(s);
	processes(s, "/proc/self/exe");
	removal();
	perms();
	return t_done();
}
