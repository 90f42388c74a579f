/*
 * System V message queues as Linux keeps them: keys and IPC_PRIVATE, picking
 * by type (0, >0, <0, MSG_EXCEPT), IPC_NOWAIT, MSG_NOERROR and E2BIG, a full
 * queue, waiting on both sides between processes, EIDRM and EINTR for a
 * waiter, msgctl's commands, permissions for another user, every errno.
 * Every queue it makes is removed at exit, on the host too. Needs root.
 */
#define T_NAME "msgq"
#include "check.h"
#include "sysvipc.h"

#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000 /* Linux's, which musl does not name */
#endif

#define NOBODY 65534

struct m {
	long type;
	char text[64];
};

static int made[16], nmade;

static void remove_all(void)
{
	for (int i = 0; i < nmade; i++)
		msgctl(made[i], IPC_RMID, NULL);
}

/* A new queue (remembered for removal at exit), or -1. */
static int queue(key_t key, int flags)
{
	int q = msgget(key, flags);
	if (q >= 0 && nmade < 16)
		made[nmade++] = q;
	return q;
}

static int send(int q, long type, const char *text, int flags)
{
	struct m m = { .type = type };
	snprintf(m.text, sizeof(m.text), "%s", text);
	return msgsnd(q, &m, strlen(text) + 1, flags);
}

/* Receive into *m: the size, or -1. */
static long recv(int q, struct m *m, size_t size, long type, int flags)
{
	memset(m, 0, sizeof(*m));
	return msgrcv(q, m, size, type, flags);
}

/* Fork a child that tells the parent (through a pipe) it is about to wait, and wait until it has, a little more. */
static pid_t child_ready(int *fds)
{
	if (pipe(fds) < 0)
		return -1;
	pid_t p = fork();
	if (p > 0) {
		char c;
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			return -1;
		close(fds[0]);
		usleep(300000); /* it is in the call by now */
	}
	return p;
}

static void say_ready(int *fds)
{
	close(fds[0]);
	if (write(fds[1], "r", 1) != 1)
		_exit(90);
	close(fds[1]);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void keys(void)
{
	key_t key = 0x4d490000 | (getpid() & 0xffff);
	int q;
	while ((q = queue(key, IPC_CREAT | IPC_EXCL | 0600)) < 0 && errno == EEXIST)
		key += 0x10000; /* someone's: another */
	CHECK("key-create", q >= 0, "errno %d", errno);
	CHECK("key-again", msgget(key, 0600) == q, "errno %d", errno);
	CHECK("key-creat-existing", msgget(key, IPC_CREAT | 0600) == q, "errno %d", errno);
	check_err("key-excl", msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	check_err("key-missing", msgget(key + 1, 0600), ENOENT);
	int p1 = queue(IPC_PRIVATE, 0600), p2 = queue(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600);
	CHECK("private-new-each", p1 >= 0 && p2 >= 0 && p1 != p2 && p1 != q, "%d %d %d", p1, p2, q);
	struct msqid_ds ds;
	CHECK("stat-key", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_perm.__key == key && (ds.msg_perm.mode & 0777) == 0600 &&
		ds.msg_perm.uid == 0 && ds.msg_perm.cuid == 0 && ds.msg_qnum == 0,
	      "key %#x mode %o", ds.msg_perm.__key, ds.msg_perm.mode);
	CHECK("rmid", msgctl(q, IPC_RMID, NULL) == 0, "errno %d", errno);
	check_err("key-gone", msgget(key, 0600), ENOENT);
	check_err("removed-id", msgctl(q, IPC_STAT, &ds), EINVAL);
}

static void types(int q)
{
	struct m m;
	send(q, 5, "five", 0);
	send(q, 3, "three-a", 0);
	send(q, 7, "seven", 0);
	send(q, 3, "three-b", 0);
	send(q, 1, "one", 0);
	struct msqid_ds ds;
	CHECK("stat-counts", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 5 && ds.msg_cbytes == 5 + 8 + 6 + 8 + 4 &&
		ds.msg_lspid == getpid() && ds.msg_lrpid == 0 && ds.msg_stime != 0,
	      "qnum %lu cbytes %lu", (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);
	CHECK("type-exact", recv(q, &m, sizeof(m.text), 3, 0) == 8 && m.type == 3 && !strcmp(m.text, "three-a"), "%s", m.text);
	CHECK("type-lowest-below", recv(q, &m, sizeof(m.text), -4, 0) == 4 && m.type == 1, "type %ld", m.type);
	CHECK("type-except", recv(q, &m, sizeof(m.text), 5, MSG_EXCEPT) == 6 && m.type == 7, "type %ld", m.type);
	CHECK("type-any-oldest", recv(q, &m, sizeof(m.text), 0, 0) == 5 && m.type == 5, "type %ld", m.type);
	check_err("type-missing-nowait", recv(q, &m, sizeof(m.text), 9, IPC_NOWAIT), ENOMSG);
	check_err("e2big", recv(q, &m, 3, 0, 0), E2BIG);
	CHECK("e2big-kept", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 1, "qnum %lu", (unsigned long)ds.msg_qnum);
	CHECK("noerror-truncates", recv(q, &m, 3, 0, MSG_NOERROR) == 3 && !memcmp(m.text, "thr", 3) && m.text[3] == 0,
	      "%s", m.text);
	check_err("empty-nowait", recv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), ENOMSG);
	CHECK("stat-received", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0 && ds.msg_cbytes == 0 &&
		ds.msg_lrpid == getpid(), "qnum %lu", (unsigned long)ds.msg_qnum);
	m.type = 2;
	CHECK("zero-length", msgsnd(q, &m, 0, 0) == 0 && recv(q, &m, 0, 0, 0) == 0 && m.type == 2, "errno %d", errno);
}

/* MSG_COPY: the message at an index, copied and left in the queue. */
static void copy(int q)
{
	struct m m;
	send(q, 5, "a", 0);
	send(q, 6, "bb", 0);
	CHECK("copy-by-index", recv(q, &m, sizeof(m.text), 1, MSG_COPY | IPC_NOWAIT) == 3 && m.type == 6 && !strcmp(m.text, "bb"),
	      "type %ld", m.type);
	check_err("copy-past-end", recv(q, &m, sizeof(m.text), 2, MSG_COPY | IPC_NOWAIT), ENOMSG);
	check_err("copy-needs-nowait", recv(q, &m, sizeof(m.text), 0, MSG_COPY), EINVAL);
	check_err("copy-except", recv(q, &m, sizeof(m.text), 0, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT), EINVAL);
	check_err("copy-too-small", recv(q, &m, 1, 0, MSG_COPY | IPC_NOWAIT | MSG_NOERROR), EINVAL);
	check_err("copy-e2big", recv(q, &m, 1, 0, MSG_COPY | IPC_NOWAIT), E2BIG);
	struct msqid_ds ds;
	CHECK("copy-leaves", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 2, "qnum %lu", (unsigned long)ds.msg_qnum);
}

static void errors(int q)
{
	struct m m = { .type = 0 };
	check_err("snd-type-zero", msgsnd(q, &m, 4, 0), EINVAL);
	m.type = 1;
	static char big[8192 + 64];
	((struct m *)big)->type = 1;
	check_err("snd-too-long", msgsnd(q, big, 8193, 0), EINVAL);
	int gone = msgget(IPC_PRIVATE, 0600); /* an id that names nothing once removed */
	msgctl(gone, IPC_RMID, NULL);
	check_err("snd-bad-id", msgsnd(gone, &m, 4, 0), EINVAL);
	check_err("snd-negative-id", msgsnd(-1, &m, 4, 0), EINVAL);
	check_err("snd-fault", msgsnd(q, (void *)8, 4, 0), EFAULT);
	check_err("rcv-bad-id", msgrcv(gone, &m, 4, 0, IPC_NOWAIT), EINVAL);
	check_err("rcv-negative-size", msgrcv(q, &m, (size_t)-1, 0, IPC_NOWAIT), EINVAL);
	check_err("ctl-bad-cmd", msgctl(q, 99, NULL), EINVAL);
	check_err("ctl-stat-fault", msgctl(q, IPC_STAT, (struct msqid_ds *)8), EFAULT);
	check_err("ctl-negative-id", msgctl(-1, IPC_STAT, &(struct msqid_ds){ 0 }), EINVAL);
	send(q, 1, "x", 0);
	check_err("rcv-fault", msgrcv(q, (void *)8, 4, 0, IPC_NOWAIT), EFAULT);
	struct msqid_ds ds;
	CHECK("rcv-fault-loses-it", msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 0, "qnum %lu", (unsigned long)ds.msg_qnum);
}

/* A queue of 10 bytes: a full one waits, or says EAGAIN. */
static void full(int q)
{
	struct msqid_ds ds;
	msgctl(q, IPC_STAT, &ds);
	ds.msg_qbytes = 10;
	CHECK("set-qbytes", msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qbytes == 10,
	      "qbytes %lu", (unsigned long)ds.msg_qbytes);
	CHECK("fill", send(q, 1, "123456789", 0) == 0, "errno %d", errno);
	check_err("full-nowait", send(q, 1, "a", IPC_NOWAIT), EAGAIN);
	int fds[2];
	pid_t p = child_ready(fds);
	if (p == 0) {
		say_ready(fds);
		_exit(send(q, 2, "later", 0) == 0 ? 0 : 1);
	}
	struct m m;
	CHECK("full-then-room", recv(q, &m, sizeof(m.text), 1, 0) == 10 && reap(p) == 0, "errno %d", errno);
	CHECK("waiting-sender-sent", recv(q, &m, sizeof(m.text), 0, IPC_NOWAIT) == 6 && m.type == 2, "errno %d", errno);
}

/* A parent and a child exchanging messages: requests of type 1, answers of type 2. */
static void ping_pong(int q)
{
	pid_t p = fork();
	if (p == 0) {
		struct m m;
		for (int i = 0; i < 50; i++) {
			if (recv(q, &m, sizeof(m.text), 1, 0) < 0)
				_exit(1);
			m.type = 2;
			m.text[0]++;
			if (msgsnd(q, &m, strlen(m.text) + 1, 0) < 0)
				_exit(2);
		}
		_exit(0);
	}
	int good = 0;
	for (int i = 0; i < 50; i++) {
		struct m m;
		char t[2] = { (char)('a' + i % 20), 0 };
		send(q, 1, t, 0);
		good += recv(q, &m, sizeof(m.text), 2, 0) == 2 && m.text[0] == t[0] + 1;
	}
	CHECK("ping-pong", good == 50 && reap(p) == 0, "%d answers right", good);
}

static void waits(void)
{
	int q = queue(IPC_PRIVATE, 0600), fds[2];
	struct m m;
	pid_t p = child_ready(fds);
	if (p == 0) {
		say_ready(fds);
		_exit(recv(q, &m, sizeof(m.text), 4, 0) == 3 && !strcmp(m.text, "hi") ? 0 : 1);
	}
	send(q, 3, "no", 0);
	send(q, 4, "hi", 0);
	CHECK("rcv-waits-for-type", reap(p) == 0, "the child did not get it");
	p = child_ready(fds);
	if (p == 0) {
		say_ready(fds);
		_exit(recv(q, &m, sizeof(m.text), 9, 0) == -1 && errno == EIDRM ? 0 : 1);
	}
	msgctl(q, IPC_RMID, NULL);
	CHECK("rcv-eidrm", reap(p) == 0, "the waiting child did not get EIDRM");
	q = queue(IPC_PRIVATE, 0600);
	p = fork();
	if (p == 0) {
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
		sigaction(SIGALRM, &sa, NULL);
		alarm(1);
		_exit(recv(q, &m, sizeof(m.text), 0, 0) == -1 && errno == EINTR ? 0 : 1);
	}
	CHECK("rcv-eintr-even-restart", reap(p) == 0, "msgrcv was not interrupted");
}

/* What another user (nobody) may do with root's queue of mode 0600, and with one of mode 0622. */
static void perms(int q)
{
	send(q, 1, "x", 0);
	int open_q = queue(IPC_PRIVATE, 0622);
	pid_t p = fork();
	if (p == 0) {
		struct m m;
		struct msqid_ds ds;
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		int bad = 0;
		bad |= !(msgsnd(q, &m, 1, IPC_NOWAIT) == -1 && errno == EACCES) << 0;
		bad |= !(msgrcv(q, &m, 8, 0, IPC_NOWAIT) == -1 && errno == EACCES) << 1;
		bad |= !(msgctl(q, IPC_STAT, &ds) == -1 && errno == EACCES) << 2;
		bad |= !(msgctl(q, IPC_RMID, NULL) == -1 && errno == EPERM) << 3;
		bad |= !(msgctl(q, IPC_SET, &ds) == -1 && errno == EPERM) << 4;
		m.type = 1;
		bad |= !(msgsnd(open_q, &m, 1, IPC_NOWAIT) == 0) << 5;
		_exit(bad);
	}
	int r = reap(p);
	CHECK("other-user", r == 0, "failed checks %#x", r);
	struct msqid_ds ds;
	msgctl(q, IPC_STAT, &ds);
	ds.msg_perm.uid = NOBODY;
	ds.msg_perm.mode = 0640;
	CHECK("set-owner", msgctl(q, IPC_SET, &ds) == 0 && msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_perm.uid == NOBODY &&
		ds.msg_perm.cuid == 0 && (ds.msg_perm.mode & 0777) == 0640, "uid %d", (int)ds.msg_perm.uid);
	p = fork();
	if (p == 0) {
		struct m m;
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(99);
		_exit(msgrcv(q, &m, 8, 0, IPC_NOWAIT) == 2 && msgctl(q, IPC_STAT, &ds) == 0 ? 0 : 1);
	}
	CHECK("new-owner-may", reap(p) == 0, "the new owner could not receive");
}

static void info(int q)
{
	CHECK("proc-sysvipc", proc_sysvipc_has("msg", q, 0600), "no line for %d in /proc/sysvipc/msg", q);
	struct msginfo mi;
	int top = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	CHECK("ipc-info", top >= q % 32768 && mi.msgmax > 0 && mi.msgmnb > 0 && mi.msgmni > 0, "top %d", top);
	top = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
	CHECK("msg-info", top >= q % 32768 && mi.msgpool >= 1, "top %d pool %d", top, mi.msgpool);
	struct msqid_ds ds;
	CHECK("msg-stat", msgctl(q % 32768, MSG_STAT, &ds) == q, "errno %d", errno);
	CHECK("msg-stat-any", msgctl(q % 32768, MSG_STAT_ANY, &ds) == q, "errno %d", errno);
}

int main(void)
{
	atexit(remove_all);
	if (!CHECK("started-as-root", geteuid() == 0, "euid %d", (int)geteuid()))
		return t_done();
	keys();
	int q = queue(IPC_PRIVATE, 0600);
	CHECK("private", q >= 0, "errno %d", errno);
	types(q);
	copy(queue(IPC_PRIVATE, 0600));
	errors(q);
	info(q);
	ping_pong(queue(IPC_PRIVATE, 0600));
	full(queue(IPC_PRIVATE, 0600));
	waits();
	perms(queue(IPC_PRIVATE, 0600));
	return t_done();
}
