/*
 * System V semaphores as Linux keeps them: semget's sizes and keys, semop
 * doing all of an array or none, waiting for a value or for zero, IPC_NOWAIT,
 * semtimedop's timeout, SEM_UNDO undone at exit, a semaphore as a mutex
 * between processes, EIDRM and EINTR for a waiter, every semctl command,
 * permissions for another user, every errno. Every set it makes is removed
 * at exit, on the host too. Needs root.
 */
#define T_NAME "sems"
#include "check.h"
#include "sysvipc.h"

#include <sched.h>
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

static int made[16], nmade;

static void remove_all(void)
{
	for (int i = 0; i < nmade; i++)
		semctl(made[i], 0, IPC_RMID);
}

/* A set (remembered for removal at exit), or -1. */
static int set(key_t key, int n, int flags)
{
	int s = semget(key, n, flags);
	if (s >= 0 && nmade < 16)
		made[nmade++] = s;
	return s;
}

static int op(int s, unsigned short num, short by, short flags)
{
	struct sembuf b = { num, by, flags };
	return semop(s, &b, 1);
}

static int val(int s, int num)
{
	return semctl(s, num, GETVAL);
}

static int setval(int s, int num, int v)
{
	return semctl(s, num, SETVAL, (union semun){ .val = v });
}

/* Wait up to 10 s until semctl(s, num, cmd) is want. */
static int wait_count(int s, int num, int cmd, int want)
{
	for (int i = 0; i < 1000; i++) {
		if (semctl(s, num, cmd) == want)
			return 1;
		usleep(10000);
	}
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void keys(void)
{
	check_err("get-zero-new", semget(IPC_PRIVATE, 0, 0600), EINVAL);
	check_err("get-negative", semget(IPC_PRIVATE, -1, 0600), EINVAL);
	check_err("get-over-semmsl", semget(IPC_PRIVATE, 32001, 0600), EINVAL);
	key_t key = 0x4d530000 | (getpid() & 0xffff);
	int s;
	while ((s = set(key, 3, IPC_CREAT | IPC_EXCL | 0600)) < 0 && errno == EEXIST)
		key += 0x10000;
	CHECK("key-create", s >= 0, "errno %d", errno);
	CHECK("key-again", semget(key, 2, 0) == s && semget(key, 0, 0) == s, "errno %d", errno);
	check_err("key-more-sems", semget(key, 4, 0), EINVAL);
	check_err("key-excl", semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	check_err("key-missing", semget(key + 1, 3, 0), ENOENT);
	struct semid_ds ds;
	CHECK("stat", semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds }) == 0 && ds.sem_nsems == 3 &&
		(ds.sem_perm.mode & 0777) == 0600 && ds.sem_perm.__key == key && ds.sem_otime == 0 && ds.sem_ctime != 0,
	      "nsems %lu", (unsigned long)ds.sem_nsems);
	CHECK("rmid", semctl(s, 0, IPC_RMID) == 0, "errno %d", errno);
	check_err("removed", semctl(s, 0, GETVAL), EINVAL);
}

static void values(int s)
{
	CHECK("start-zero", val(s, 0) == 0 && val(s, 1) == 0, "%d %d", val(s, 0), val(s, 1));
	CHECK("setval", setval(s, 1, 7) == 0 && val(s, 1) == 7, "errno %d", errno);
	check_err("setval-over", setval(s, 0, 32768), ERANGE);
	check_err("setval-negative", setval(s, 0, -1), ERANGE);
	check_err("getval-range", semctl(s, 2, GETVAL), EINVAL);
	check_err("setval-range", setval(s, 2, 1), EINVAL);
	unsigned short all[2] = { 4, 9 }, got[2] = { 0, 0 };
	CHECK("setall-getall", semctl(s, 0, SETALL, (union semun){ .array = all }) == 0 &&
		semctl(s, 0, GETALL, (union semun){ .array = got }) == 0 && got[0] == 4 && got[1] == 9, "%d %d", got[0], got[1]);
	unsigned short bad[2] = { 1, 40000 };
	check_err("setall-over", semctl(s, 0, SETALL, (union semun){ .array = bad }), ERANGE);
	CHECK("setall-over-changes-nothing", val(s, 0) == 4, "%d", val(s, 0));
	check_err("getall-fault", semctl(s, 0, GETALL, (union semun){ .array = (void *)8 }), EFAULT);
	check_err("bad-cmd", semctl(s, 0, 99), EINVAL);
	CHECK("ncnt-zcnt-none", semctl(s, 0, GETNCNT) == 0 && semctl(s, 0, GETZCNT) == 0, "errno %d", errno);
}

static void ops(int s)
{
	setval(s, 0, 1);
	setval(s, 1, 0);
	struct sembuf two[2] = { { 0, -1, 0 }, { 1, -1, IPC_NOWAIT } };
	check_err("all-or-none", semop(s, two, 2), EAGAIN);
	CHECK("none-done", val(s, 0) == 1, "%d", val(s, 0));
	struct sembuf move[2] = { { 0, -1, 0 }, { 1, 2, 0 } };
	CHECK("all-done", semop(s, move, 2) == 0 && val(s, 0) == 0 && val(s, 1) == 2, "%d %d", val(s, 0), val(s, 1));
	CHECK("getpid", semctl(s, 1, GETPID) == getpid(), "%d", semctl(s, 1, GETPID));
	CHECK("zero-ok", op(s, 0, 0, IPC_NOWAIT) == 0, "errno %d", errno);
	check_err("zero-nowait", op(s, 1, 0, IPC_NOWAIT), EAGAIN);
	struct sembuf same[3] = { { 1, -2, 0 }, { 1, 3, 0 }, { 1, -1, 0 } };
	CHECK("same-sem-in-order", semop(s, same, 3) == 0 && val(s, 1) == 2, "%d", val(s, 1));
	setval(s, 0, 32767);
	check_err("erange", op(s, 0, 1, 0), ERANGE);
	struct sembuf many[501] = { { 0, 0, 0 } };
	check_err("e2big", semop(s, many, 501), E2BIG);
	check_err("nsops-zero", semop(s, many, 0), EINVAL);
	check_err("efbig", op(s, 2, 1, 0), EFBIG);
	check_err("efault", semop(s, (void *)8, 1), EFAULT);
	int gone = semget(IPC_PRIVATE, 1, 0600); /* an id that names nothing once removed */
	semctl(gone, 0, IPC_RMID);
	check_err("bad-id", op(gone, 0, 1, 0), EINVAL);
	check_err("negative-id", op(-1, 0, 1, 0), EINVAL);
	struct timespec t = { 0, 100000000 };
	setval(s, 0, 0);
	struct sembuf down = { 0, -1, 0 };
	check_err("timedop-timeout", semtimedop(s, &down, 1, &t), EAGAIN);
	struct timespec bad = { 0, 1000000000 };
	check_err("timedop-bad-time", semtimedop(s, &down, 1, &bad), EINVAL);
	struct semid_ds ds;
	CHECK("otime", semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds }) == 0 && ds.sem_otime != 0, "otime %ld", (long)ds.sem_otime);
}

static void undo(int s)
{
	setval(s, 0, 1);
	pid_t p = fork();
	if (p == 0)
		_exit(op(s, 0, -1, SEM_UNDO) == 0 && op(s, 1, 5, SEM_UNDO) == 0 && val(s, 0) == 0 ? 0 : 1);
	int r = reap(p);
	CHECK("undo-at-exit", r == 0 && val(s, 0) == 1 && val(s, 1) == 0, "child %d, values %d %d", r, val(s, 0), val(s, 1));
	p = fork();
	if (p == 0) {
		op(s, 0, 2, SEM_UNDO);
		setval(s, 0, 0); /* SETVAL forgets the adjustment */
		_exit(0);
	}
	reap(p);
	CHECK("setval-clears-undo", val(s, 0) == 0, "%d", val(s, 0));
	p = fork();
	if (p == 0) {
		op(s, 0, 3, SEM_UNDO);
		_exit(execl("/nonexistent", "x", (char *)NULL) == -1 ? 0 : 1);
	}
	reap(p);
	CHECK("undo-kept-not-inherited", val(s, 0) == 0, "%d", val(s, 0));
	setval(s, 0, 0);
	p = fork();
	if (p == 0) {
		op(s, 0, 2, SEM_UNDO);
		pid_t q = fork(); /* a fork's child has no adjustments of its own */
		if (q == 0)
			_exit(0);
		waitpid(q, NULL, 0);
		_exit(val(s, 0) == 2 ? 0 : 1);
	}
	r = reap(p);
	CHECK("undo-not-forked", r == 0 && val(s, 0) == 0, "child %d, value %d", r, val(s, 0));
}

/* Three processes add to a shared counter 30 times each under a semaphore used as a mutex. */
static void mutex(int s)
{
	volatile int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	setval(s, 0, 1);
	*counter = 0;
	pid_t kids[3];
	for (int k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			for (int i = 0; i < 30; i++) {
				if (op(s, 0, -1, SEM_UNDO) < 0)
					_exit(1);
				int v = *counter;
				sched_yield();
				*counter = v + 1;
				if (op(s, 0, 1, SEM_UNDO) < 0)
					_exit(2);
			}
			_exit(0);
		}
	}
	int bad = 0;
	for (int k = 0; k < 3; k++)
		bad += reap(kids[k]) != 0;
	CHECK("mutex", bad == 0 && *counter == 90 && val(s, 0) == 1, "%d failed, counter %d", bad, *counter);
	munmap((void *)counter, 4096);
}

static void waits(void)
{
	int s = set(IPC_PRIVATE, 2, 0600);
	pid_t p = fork();
	if (p == 0)
		_exit(op(s, 0, -2, 0) == 0 ? 0 : 1);
	CHECK("ncnt", wait_count(s, 0, GETNCNT, 1), "GETNCNT %d", semctl(s, 0, GETNCNT));
	op(s, 0, 1, 0);
	usleep(100000);
	CHECK("still-waiting", semctl(s, 0, GETNCNT) == 1 && val(s, 0) == 1, "ncnt %d", semctl(s, 0, GETNCNT));
	op(s, 0, 1, 0);
	CHECK("woken", reap(p) == 0 && val(s, 0) == 0 && semctl(s, 0, GETNCNT) == 0, "value %d", val(s, 0));
	setval(s, 1, 1);
	p = fork();
	if (p == 0)
		_exit(op(s, 1, 0, 0) == 0 ? 0 : 1);
	CHECK("zcnt", wait_count(s, 1, GETZCNT, 1), "GETZCNT %d", semctl(s, 1, GETZCNT));
	op(s, 1, -1, 0);
	CHECK("zero-woken", reap(p) == 0, "the child did not see zero");
	p = fork();
	if (p == 0)
		_exit(op(s, 0, -1, 0) == -1 && errno == EIDRM ? 0 : 1);
	wait_count(s, 0, GETNCNT, 1);
	semctl(s, 0, IPC_RMID);
	CHECK("eidrm", reap(p) == 0, "the waiting child did not get EIDRM");
	s = set(IPC_PRIVATE, 1, 0600);
	p = fork();
	if (p == 0) {
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		_exit(op(s, 0, -1, 0) == -1 && errno == EINTR ? 0 : 1);
	}
	CHECK("eintr-even-restart", reap(p) == 0, "semop was not interrupted");
	CHECK("eintr-uncounted", semctl(s, 0, GETNCNT) == 0, "ncnt %d", semctl(s, 0, GETNCNT));
}

/* Another user (nobody) and root's set of mode 0604: it may read and wait for zero, not change or remove. */
static void perms(int s)
{
	struct semid_ds ds;
	semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds });
	ds.sem_perm.mode = 0604;
	CHECK("set-mode", semctl(s, 0, IPC_SET, (union semun){ .buf = &ds }) == 0, "errno %d", errno);
	setval(s, 0, 0);
	pid_t p = fork();
	if (p == 0) {
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		int bad = 0;
		bad |= !(op(s, 0, 1, IPC_NOWAIT) == -1 && errno == EACCES) << 0;
		bad |= !(op(s, 0, 0, IPC_NOWAIT) == 0) << 1;
		bad |= !(val(s, 0) == 0) << 2;
		bad |= !(setval(s, 0, 1) == -1 && errno == EACCES) << 3;
		bad |= !(semctl(s, 0, IPC_RMID) == -1 && errno == EPERM) << 4;
		bad |= !(semctl(s, 0, IPC_SET, (union semun){ .buf = &ds }) == -1 && errno == EPERM) << 5;
		_exit(bad);
	}
	int r = reap(p);
	CHECK("other-user", r == 0, "failed checks %#x", r);
	ds.sem_perm.mode = 0600;
	semctl(s, 0, IPC_SET, (union semun){ .buf = &ds });
	p = fork();
	if (p == 0) {
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		_exit(val(s, 0) == -1 && errno == EACCES && semctl(s, 0, IPC_STAT, (union semun){ .buf = &ds }) == -1 &&
			      errno == EACCES ? 0 : 1);
	}
	CHECK("other-user-no-read", reap(p) == 0, "nobody could read a 0600 set");
}

static void info(int s)
{
	CHECK("proc-sysvipc", proc_sysvipc_has("sem", s, 0600), "no line for %d in /proc/sysvipc/sem", s);
	struct seminfo si;
	int top = semctl(0, 0, IPC_INFO, (union semun){ .info = &si });
	CHECK("ipc-info", top >= s % 32768 && si.semmsl == 32000 && si.semopm == 500 && si.semvmx == 32767, "top %d msl %d",
	      top, si.semmsl);
	top = semctl(0, 0, SEM_INFO, (union semun){ .info = &si });
	CHECK("sem-info", top >= s % 32768 && si.semusz >= 1 && si.semaem >= 2, "top %d usz %d", top, si.semusz);
	struct semid_ds ds;
	CHECK("sem-stat", semctl(s % 32768, 0, SEM_STAT, (union semun){ .buf = &ds }) == s && ds.sem_nsems == 2, "errno %d", errno);
	CHECK("sem-stat-any", semctl(s % 32768, 0, SEM_STAT_ANY, (union semun){ .buf = &ds }) == s, "errno %d", errno);
}

int main(void)
{
	atexit(remove_all);
	if (!CHECK("started-as-root", geteuid() == 0, "euid %d", (int)geteuid()))
		return t_done();
	keys();
	int s = set(IPC_PRIVATE, 2, 0600);
	CHECK("private", s >= 0, "errno %d", errno);
	values(s);
	ops(s);
	info(s);
	undo(set(IPC_PRIVATE, 2, 0600));
	mutex(set(IPC_PRIVATE, 1, 0600));
	waits();
	perms(set(IPC_PRIVATE, 1, 0600));
	return t_done();
}
