/* System V semaphores: semget, semop and semtimedop (all of an array or none, SEM_UNDO undone at exit), semctl. */
#include "libos/lx/lx.h"

struct sem {
	int val;
	int pid; /* the last process to change it */
	int ncnt, zcnt; /* processes waiting for it to grow, to be zero */
};

/* One process's SEM_UNDO adjustments to a set, applied when it ends. */
struct undo {
	struct undo *next;
	int pid;
	int adj[];
};

/* A set; semop's waiters wait on waiters. */
struct semset {
	struct ipc_obj o;
	int nsems;
	int64_t otime;
	struct undo *undos;
	struct lx_waitq waiters;
	struct sem sems[];
};

static struct semset *set_find(long id)
{
	return (struct semset *)ipc_find(IPC_KIND_SEM, id);
}

long lx_sys_semget(long key, long nsems, long flg)
{
	if ((int)nsems < 0 || (int)nsems > SEMMSL)
		return -EINVAL;
	struct ipc_obj *o;
	long r = ipc_lookup_key(IPC_KIND_SEM, (int32_t)key, flg, &o);
	if (r == 0)
		return (int)nsems > ((struct semset *)o)->nsems ? -EINVAL : ipc_get_existing(o, flg);
	if (r < 0)
		return r;
	if ((int)nsems == 0)
		return -EINVAL;
	struct semset *s = lx_alloc(sizeof(*s) + (size_t)nsems * sizeof(struct sem));
	if (!s)
		return -ENOMEM;
	s->nsems = (int)nsems;
	r = ipc_add(IPC_KIND_SEM, &s->o, (int32_t)key, flg);
	if (r < 0)
		lx_free(s);
	else
		ipc_tables()->sem_count += (uint64_t)nsems;
	return r;
}

/* The calling process's undo record for s, made if need be; NULL when out of memory. */
static struct undo *undo_of(struct semset *s)
{
	for (struct undo *u = s->undos; u; u = u->next)
		if (u->pid == lx_pid)
			return u;
	struct undo *u = lx_alloc(sizeof(*u) + (size_t)s->nsems * sizeof(int));
	if (u) {
		u->pid = lx_pid;
		u->next = s->undos;
		s->undos = u;
	}
	return u;
}

/*
 * Try the n operations on s in order: 0 when all were done (undo takes
 * their SEM_UNDO adjustments), 1 when ops[*at] must wait (nothing done),
 * -ERANGE when a value or an adjustment would pass its bounds.
 */
static long sem_try(struct semset *s, const struct linux_sembuf *ops, int n, struct undo *undo, int *at)
{
	long r = 0;
	int i;
	for (i = 0; i < n && r == 0; i++) {
		struct sem *m = &s->sems[ops[i].sem_num];
		int v = m->val + ops[i].sem_op;
		if ((ops[i].sem_op == 0 && m->val != 0) || v < 0)
			r = 1;
		else if (v > SEMVMX)
			r = -ERANGE;
		else if ((ops[i].sem_flg & SEM_UNDO) &&
			 (undo->adj[ops[i].sem_num] - ops[i].sem_op < -SEMAEM - 1 || undo->adj[ops[i].sem_num] - ops[i].sem_op > SEMAEM))
			r = -ERANGE;
		else
			m->val = v;
	}
	*at = i - 1;
	for (int j = r ? i - 2 : -1; j >= 0; j--) /* undo what was done before the failing one */
		s->sems[ops[j].sem_num].val -= ops[j].sem_op;
	for (int j = 0; r == 0 && j < n; j++) {
		s->sems[ops[j].sem_num].pid = lx_pid;
		if (ops[j].sem_flg & SEM_UNDO)
			undo->adj[ops[j].sem_num] -= ops[j].sem_op;
	}
	return r;
}

/* Count the caller as waiting on op's semaphore (by +1), or no longer (-1). */
static void sem_count_waiter(struct semset *s, const struct linux_sembuf *op, int by)
{
	struct sem *m = &s->sems[op->sem_num];
	if (op->sem_op == 0)
		m->zcnt += by;
	else
		m->ncnt += by;
}

/* semop's checks of the operations: the largest sem_num; whether any changes a value (alter) or asks for SEM_UNDO. */
static int ops_scan(const struct linux_sembuf *ops, int n, bool *alter, bool *undo)
{
	int max = 0;
	*alter = *undo = false;
	for (int i = 0; i < n; i++) {
		max = ops[i].sem_num > max ? ops[i].sem_num : max;
		*alter |= ops[i].sem_op != 0;
		*undo |= (ops[i].sem_flg & SEM_UNDO) != 0;
	}
	return max;
}

/* Do ops on set s (checked), waiting as they need until deadline: 0, -EAGAIN, -ERANGE, -EINTR, -EIDRM, -ENOMEM. */
static long sem_do(struct semset *s, const struct linux_sembuf *ops, int n, bool want_undo, uint64_t deadline)
{
	int id = s->o.id, at;
	for (;;) {
		struct undo *undo = want_undo ? undo_of(s) : NULL;
		if (want_undo && !undo)
			return -ENOMEM;
		long r = sem_try(s, ops, n, undo, &at);
		if (r == 0) {
			s->otime = ipc_now();
			lx_waitq_wake(&s->waiters);
		}
		if (r <= 0)
			return r;
		if (ops[at].sem_flg & IPC_NOWAIT)
			return -EAGAIN;
		sem_count_waiter(s, &ops[at], 1);
		r = ipc_wait(IPC_KIND_SEM, id, &s->waiters, deadline);
		if (r != -EIDRM)
			sem_count_waiter(s, &ops[at], -1);
		if (r < 0)
			return r;
	}
}

long lx_sys_semtimedop(long semid, uint64_t usops, long nsops, long uts)
{
	if (nsops < 1 || (int)semid < 0)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	struct linux_sembuf ops[SEMOPM];
	if (copy_from_user(ops, usops, (size_t)nsops * sizeof(ops[0])) < 0)
		return -EFAULT;
	uint64_t ns = TIMEOUT_FOREVER;
	long r = uts ? lx_read_timespec(uts, &ns) : 0;
	if (r < 0)
		return r;
	bool alter, undo;
	int max = ops_scan(ops, (int)nsops, &alter, &undo);
	struct semset *s = set_find((int)semid);
	if (!s)
		return -EINVAL;
	if (max >= s->nsems)
		return -EFBIG;
	if (!ipc_may(&s->o, alter ? 0222 : 0444))
		return -EACCES;
	uint64_t now = clock_ns();
	return sem_do(s, ops, (int)nsops, undo, ns >= TIMEOUT_FOREVER - now ? TIMEOUT_FOREVER : now + ns);
}

long lx_sys_semop(long semid, uint64_t usops, long nsops)
{
	return lx_sys_semtimedop(semid, usops, nsops, 0);
}

/* Forget every process's adjustment of semaphore i of s (all of them when i < 0): SETVAL, SETALL. */
static void undo_clear(struct semset *s, int i)
{
	for (struct undo *u = s->undos; u; u = u->next)
		for (int j = 0; j < s->nsems; j++)
			if (i < 0 || i == j)
				u->adj[j] = 0;
}

/* Set semaphore i of s to v (in range): SETVAL and SETALL. */
static void sem_set(struct semset *s, int i, int v)
{
	s->sems[i].val = v;
	s->sems[i].pid = lx_pid;
	s->o.ctime = ipc_now();
	lx_waitq_wake(&s->waiters);
}

static long sem_setval(struct semset *s, int semnum, int v)
{
	if (semnum < 0 || semnum >= s->nsems)
		return -EINVAL;
	if (!ipc_may(&s->o, 0222))
		return -EACCES;
	undo_clear(s, semnum);
	sem_set(s, semnum, v);
	return 0;
}

/* SETALL from v (the program's values, n bytes at uarr): 0, -EFAULT, -ERANGE. */
static long sem_setall(struct semset *s, uint16_t *v, uint64_t uarr, size_t n)
{
	if (copy_from_user(v, uarr, n) < 0)
		return -EFAULT;
	for (int i = 0; i < s->nsems; i++)
		if (v[i] > SEMVMX)
			return -ERANGE;
	undo_clear(s, -1);
	for (int i = 0; i < s->nsems; i++)
		sem_set(s, i, v[i]);
	return 0;
}

/* GETALL and SETALL: the values as an array of unsigned short at uarr. */
static long sem_all(struct semset *s, long cmd, uint64_t uarr)
{
	if (!ipc_may(&s->o, cmd == SETALL ? 0222 : 0444))
		return -EACCES;
	size_t n = (size_t)s->nsems * sizeof(uint16_t);
	uint16_t *v = lx_alloc(n);
	if (!v)
		return -ENOMEM;
	long r = 0;
	if (cmd == SETALL) {
		r = sem_setall(s, v, uarr, n);
	} else {
		for (int i = 0; i < s->nsems; i++)
			v[i] = (uint16_t)s->sems[i].val;
		r = copy_to_user(uarr, v, n) < 0 ? -EFAULT : 0;
	}
	lx_free(v);
	return r;
}

/* GETVAL, GETPID, GETNCNT, GETZCNT of semaphore semnum. */
static long sem_get(struct semset *s, int semnum, long cmd)
{
	if (!ipc_may(&s->o, 0444))
		return -EACCES;
	if (semnum < 0 || semnum >= s->nsems)
		return -EINVAL;
	struct sem *m = &s->sems[semnum];
	return cmd == GETVAL ? m->val : cmd == GETPID ? m->pid : cmd == GETNCNT ? m->ncnt : m->zcnt;
}

/* IPC_RMID: the set goes; its waiters wake to EIDRM. */
static void set_remove(struct semset *s)
{
	ipc_remove(IPC_KIND_SEM, &s->o);
	ipc_tables()->sem_count -= (uint64_t)s->nsems;
	while (s->undos) {
		struct undo *u = s->undos;
		s->undos = u->next;
		lx_free(u);
	}
	lx_waitq_wake(&s->waiters);
	lx_free(s);
}

/* IPC_STAT, SEM_STAT, SEM_STAT_ANY (the id for these), to uds. */
static long set_stat(struct semset *s, long cmd, uint64_t uds)
{
	struct linux_semid64_ds ds = { .sem_perm = s->o.perm, .sem_otime = s->otime, .sem_ctime = s->o.ctime,
				       .sem_nsems = (uint64_t)s->nsems };
	return ipc_stat_out(&s->o, cmd, uds, &ds, sizeof(ds));
}

/* IPC_SET and IPC_RMID, for the owner, the creator or root. */
static long set_down(long semid, long cmd, uint64_t uds)
{
	struct linux_semid64_ds ds;
	if (cmd == IPC_SET && copy_from_user(&ds, uds, sizeof(ds)) < 0)
		return -EFAULT;
	struct semset *s = set_find(semid);
	if (!s)
		return -EINVAL;
	long r = ipc_owner_check(&s->o);
	if (r == 0 && cmd == IPC_SET)
		ipc_set_perm(&s->o, &ds.sem_perm);
	else if (r == 0)
		set_remove(s);
	return r;
}

/* IPC_INFO and SEM_INFO (which counts what is in use): the highest slot in use. */
static long sem_info(long cmd, uint64_t ubuf)
{
	struct linux_seminfo si = { .semmap = SEMMAP, .semmni = IPC_SLOTS, .semmns = SEMMNS, .semmnu = SEMMNU,
				    .semmsl = SEMMSL, .semopm = SEMOPM, .semume = SEMUME, .semusz = SEMUSZ,
				    .semvmx = SEMVMX, .semaem = SEMAEM };
	if (cmd == SEM_INFO) {
		si.semusz = ipc_count(IPC_KIND_SEM);
		si.semaem = LX_SH->sysvipc ? (int32_t)LX_SH->sysvipc->sem_count : 0;
	}
	return copy_to_user(ubuf, &si, sizeof(si)) < 0 ? -EFAULT : ipc_max_slot(IPC_KIND_SEM);
}

long lx_sys_semctl(long semid, long semnum, long cmd, long arg)
{
	if ((int)semid < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == SEM_INFO)
		return sem_info(cmd, (uint64_t)arg);
	if (cmd == IPC_SET || cmd == IPC_RMID)
		return set_down((int)semid, cmd, (uint64_t)arg);
	if (cmd == SETVAL && ((int)arg < 0 || (int)arg > SEMVMX))
		return -ERANGE;
	if (cmd != SEM_STAT && cmd != SEM_STAT_ANY && cmd != IPC_STAT && (cmd < GETPID || cmd > SETALL))
		return -EINVAL;
	struct ipc_obj *o = NULL;
	long r = ipc_ctl_find(IPC_KIND_SEM, (int)semid, cmd, SEM_STAT, SEM_STAT_ANY, &o);
	if (r < 0)
		return r;
	struct semset *s = (struct semset *)o;
	switch (cmd) {
	case SETVAL:
		return sem_setval(s, (int)semnum, (int)arg);
	case GETALL:
	case SETALL:
		return sem_all(s, cmd, (uint64_t)arg);
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
		return sem_get(s, (int)semnum, cmd);
	default:
		return set_stat(s, cmd, (uint64_t)arg);
	}
}

/* Apply and drop the ending process's adjustments in s, values kept within 0 .. SEMVMX. */
static void undo_apply(struct semset *s)
{
	for (struct undo **pp = &s->undos; *pp; pp = &(*pp)->next) {
		struct undo *u = *pp;
		if (u->pid != lx_pid)
			continue;
		for (int i = 0; i < s->nsems; i++) {
			int v = s->sems[i].val + u->adj[i];
			s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
			if (u->adj[i])
				s->sems[i].pid = lx_pid;
		}
		*pp = u->next;
		lx_free(u);
		lx_waitq_wake(&s->waiters);
		return;
	}
}

void lx_sem_exit(void)
{
	for (int i = 0; i < IPC_SLOTS; i++)
		if (ipc_at(IPC_KIND_SEM, i))
			undo_apply((struct semset *)ipc_at(IPC_KIND_SEM, i));
}

/* One set's line of /proc/sysvipc/sem. */
static int set_line(struct ipc_obj *o, char *buf, size_t n)
{
	struct semset *s = (struct semset *)o;
	return fmt_snprintf(buf, n, "%10d %10d  %4o %10d %5u %5u %5u %5u %10ld %10ld\n", o->perm.key, o->id, o->perm.mode,
			     s->nsems, o->perm.uid, o->perm.gid, o->perm.cuid, o->perm.cgid, s->otime, o->ctime);
}

long lx_sysvipc_proc_sem(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	return ipc_proc_text(IPC_KIND_SEM, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n",
			     set_line, buf, len);
}
