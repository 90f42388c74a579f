/* System V message queues: msgget, msgsnd, msgrcv (by type, waiting both ways), msgctl. */
#include "libos/lx/lx.h"

/* One message, in the shared heap: its type and text. */
struct msg {
	struct msg *next;
	long type;
	size_t size;
	char text[];
};

/* A queue: messages oldest first; senders and receivers wait on waiters. */
struct msq {
	struct ipc_obj o;
	struct msg *head;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	int64_t stime, rtime;
	struct lx_waitq waiters;
};

/* How msgrcv picks a message (Linux's convert_mode). */
enum { PICK_ANY, PICK_EQUAL, PICK_NOTEQUAL, PICK_LESSEQUAL, PICK_NUMBER };

static struct msq *msq_find(long id)
{
	return (struct msq *)ipc_find(IPC_KIND_MSG, id);
}

long lx_sys_msgget(long key, long flg)
{
	struct ipc_obj *o;
	long r = ipc_lookup_key(IPC_KIND_MSG, (int32_t)key, flg, &o);
	if (r <= 0)
		return r < 0 ? r : ipc_get_existing(o, flg);
	struct msq *q = lx_alloc(sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->qbytes = MSGMNB;
	r = ipc_add(IPC_KIND_MSG, &q->o, (int32_t)key, flg);
	if (r < 0)
		lx_free(q);
	return r;
}

/* Put m at the end of q. */
static void msq_append(struct msq *q, struct msg *m)
{
	struct msg **pp = &q->head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	q->cbytes += m->size;
	q->qnum++;
	q->lspid = lx_pid;
	q->stime = ipc_now();
	lx_waitq_wake(&q->waiters);
}

long lx_sys_msgsnd(long msqid, uint64_t umsg, long size, long flg)
{
	long type;
	if (copy_from_user(&type, umsg, sizeof(type)) < 0)
		return -EFAULT;
	if (size > MSGMAX || size < 0 || (int)msqid < 0 || type < 1)
		return -EINVAL;
	struct msg *m = lx_alloc(sizeof(*m) + (size_t)size);
	if (!m)
		return -ENOMEM;
	*m = (struct msg){ .type = type, .size = (size_t)size };
	long r = copy_from_user(m->text, umsg + sizeof(long), (size_t)size);
	struct msq *q = r < 0 ? NULL : msq_find((int)msqid);
	if (r == 0 && !q)
		r = -EINVAL;
	while (r == 0) {
		if (!ipc_may(&q->o, 0222)) {
			r = -EACCES;
		} else if (q->cbytes + m->size <= q->qbytes && q->qnum + 1 <= q->qbytes) {
			msq_append(q, m);
			return 0;
		} else if (flg & IPC_NOWAIT) {
			r = -EAGAIN;
		} else {
			r = ipc_wait(IPC_KIND_MSG, q->o.id, &q->waiters, TIMEOUT_FOREVER);
		}
	}
	lx_free(m);
	return r;
}

/* Does m match type under how (PICK_LESSEQUAL: type is the bound)? */
static bool msg_matches(const struct msg *m, long type, int how)
{
	switch (how) {
	case PICK_EQUAL:
		return m->type == type;
	case PICK_NOTEQUAL:
		return m->type != type;
	case PICK_LESSEQUAL:
		return m->type <= type;
	default:
		return true;
	}
}

/* The link that holds the message msgrcv takes from q, or NULL: the first match, the lowest type for PICK_LESSEQUAL, the type-th for PICK_NUMBER. */
static struct msg **msg_pick(struct msq *q, long type, int how)
{
	struct msg **best = NULL;
	long n = 0;
	for (struct msg **pp = &q->head; *pp; pp = &(*pp)->next) {
		if (how == PICK_NUMBER) {
			if (n++ == type)
				return pp;
		} else if (msg_matches(*pp, type, how) && (!best || (*pp)->type < (*best)->type)) {
			best = pp;
			if (how != PICK_LESSEQUAL)
				break;
		}
	}
	return best;
}

/* msgrcv's type and flags as how it picks; *type becomes the bound for PICK_LESSEQUAL. */
static int pick_mode(long *type, long flg)
{
	if (flg & MSG_COPY)
		return PICK_NUMBER;
	if (*type == 0)
		return PICK_ANY;
	if (*type < 0) {
		*type = *type == INT64_MIN ? INT64_MAX : -*type;
		return PICK_LESSEQUAL;
	}
	return (flg & MSG_EXCEPT) ? PICK_NOTEQUAL : PICK_EQUAL;
}

/* Copy m (at most size bytes of its text) to the program's umsg: the bytes, or -EFAULT. */
static long msg_deliver(uint64_t umsg, const struct msg *m, size_t size)
{
	size_t n = m->size < size ? m->size : size;
	if (copy_to_user(umsg, &m->type, sizeof(long)) < 0 || copy_to_user(umsg + sizeof(long), m->text, n) < 0)
		return -EFAULT;
	return (long)n;
}

/* Take the message at pp out of q (not for MSG_COPY) and give it to the program. */
static long msg_take(struct msq *q, struct msg **pp, uint64_t umsg, size_t size)
{
	struct msg *m = *pp;
	*pp = m->next;
	q->cbytes -= m->size;
	q->qnum--;
	q->lrpid = lx_pid;
	q->rtime = ipc_now();
	lx_waitq_wake(&q->waiters);
	long r = msg_deliver(umsg, m, size);
	lx_free(m);
	return r;
}

long lx_sys_msgrcv(long msqid, uint64_t umsg, long size, long type, long flg)
{
	if ((int)msqid < 0 || size < 0)
		return -EINVAL;
	if ((flg & MSG_COPY) && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT)))
		return -EINVAL;
	int how = pick_mode(&type, flg);
	struct msq *q = msq_find((int)msqid);
	if (!q)
		return -EINVAL;
	for (;;) {
		if (!ipc_may(&q->o, 0444))
			return -EACCES;
		struct msg **pp = msg_pick(q, type, how);
		if (pp && (size_t)size < (*pp)->size && !(flg & MSG_NOERROR))
			return -E2BIG;
		if (pp && (flg & MSG_COPY))
			return (size_t)size < (*pp)->size ? -EINVAL : msg_deliver(umsg, *pp, (size_t)size);
		if (pp)
			return msg_take(q, pp, umsg, (size_t)size);
		if (flg & IPC_NOWAIT)
			return -ENOMSG;
		long r = ipc_wait(IPC_KIND_MSG, q->o.id, &q->waiters, TIMEOUT_FOREVER);
		if (r < 0)
			return r;
	}
}

/* The queue's struct msqid64_ds. */
static void msq_stat(const struct msq *q, struct linux_msqid64_ds *ds)
{
	*ds = (struct linux_msqid64_ds){ .msg_perm = q->o.perm, .msg_stime = q->stime, .msg_rtime = q->rtime,
					 .msg_ctime = q->o.ctime, .msg_cbytes = q->cbytes, .msg_qnum = q->qnum,
					 .msg_qbytes = q->qbytes, .msg_lspid = q->lspid, .msg_lrpid = q->lrpid };
}

/* IPC_RMID: the queue and its messages go; its waiters wake to EIDRM. */
static void msq_remove(struct msq *q)
{
	ipc_remove(IPC_KIND_MSG, &q->o);
	while (q->head) {
		struct msg *m = q->head;
		q->head = m->next;
		lx_free(m);
	}
	lx_waitq_wake(&q->waiters);
	lx_free(q);
}

/* IPC_SET from the program's ubuf. */
static long msq_set(struct msq *q, uint64_t ubuf)
{
	struct linux_msqid64_ds ds;
	if (copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
		return -EFAULT;
	long r = ipc_owner_check(&q->o);
	if (r < 0)
		return r;
	if (ds.msg_qbytes > MSGMNB && !lx_cred_privileged())
		return -EPERM;
	ipc_set_perm(&q->o, &ds.msg_perm);
	q->qbytes = ds.msg_qbytes;
	lx_waitq_wake(&q->waiters); /* more room, perhaps */
	return 0;
}

/* IPC_INFO and MSG_INFO: the limits, or with MSG_INFO what is in use; the highest slot in use. */
static long msg_info(long cmd, uint64_t ubuf)
{
	struct linux_msginfo mi = { .msgpool = MSGMNI * MSGMNB / 1024, .msgmap = MSGMNB, .msgmax = MSGMAX,
				    .msgmnb = MSGMNB, .msgmni = IPC_SLOTS, .msgssz = MSGSSZ, .msgtql = MSGMNB,
				    .msgseg = MSGSEG };
	if (cmd == MSG_INFO) {
		mi.msgpool = ipc_count(IPC_KIND_MSG);
		mi.msgmap = mi.msgtql = 0;
		for (int i = 0; i < IPC_SLOTS; i++) {
			struct msq *q = (struct msq *)ipc_at(IPC_KIND_MSG, i);
			mi.msgmap += q ? (int32_t)q->qnum : 0;
			mi.msgtql += q ? (int32_t)q->cbytes : 0;
		}
	}
	return copy_to_user(ubuf, &mi, sizeof(mi)) < 0 ? -EFAULT : ipc_max_slot(IPC_KIND_MSG);
}

long lx_sys_msgctl(long msqid, long cmd, uint64_t ubuf)
{
	if ((int)msqid < 0 || (int)cmd < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == MSG_INFO)
		return msg_info(cmd, ubuf);
	if (cmd != MSG_STAT && cmd != MSG_STAT_ANY && cmd != IPC_STAT && cmd != IPC_SET && cmd != IPC_RMID)
		return -EINVAL;
	struct ipc_obj *o = NULL;
	long r = ipc_ctl_find(IPC_KIND_MSG, (int)msqid, cmd, MSG_STAT, MSG_STAT_ANY, &o);
	if (r < 0)
		return r;
	struct msq *q = (struct msq *)o;
	if (cmd == IPC_SET)
		return msq_set(q, ubuf);
	if (cmd == IPC_RMID) {
		if ((r = ipc_owner_check(o)) == 0)
			msq_remove(q);
		return r;
	}
	struct linux_msqid64_ds ds;
	msq_stat(q, &ds);
	return ipc_stat_out(o, cmd, ubuf, &ds, sizeof(ds));
}

/* One queue's line of /proc/sysvipc/msg. */
static int msq_line(struct ipc_obj *o, char *buf, size_t n)
{
	struct msq *q = (struct msq *)o;
	return fmt_snprintf(buf, n, "%10d %10d  %4o  %10lu %10lu %5d %5d %5u %5u %5u %5u %10ld %10ld %10ld\n", o->perm.key,
			     o->id, o->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid, o->perm.uid, o->perm.gid,
			     o->perm.cuid, o->perm.cgid, q->stime, q->rtime, o->ctime);
}

long lx_sysvipc_proc_msg(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	return ipc_proc_text(IPC_KIND_MSG,
			     "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n",
			     msq_line, buf, len);
}
