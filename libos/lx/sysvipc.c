/* System V IPC, the part its three kinds share: ids and keys, permissions, waiting, the hooks for exit and exec. */
#include "libos/lx/lx.h"

/*
 * Each kind has a table of IPC_SLOTS objects in the heap all processes
 * share; an object's id is seq * IPCMNI + its slot, seq counting the objects
 * the slot has held, so a removed object's id never finds its successor.
 * lx's lock serialises every use; a waiter sleeps on its object's wait
 * queue and looks its object up again by id when it wakes.
 */

struct ipc_tables *ipc_tables(void)
{
	if (!LX_SH->sysvipc)
		LX_SH->sysvipc = lx_alloc(sizeof(struct ipc_tables));
	return LX_SH->sysvipc;
}

struct ipc_obj *ipc_at(int kind, int slot)
{
	struct ipc_tables *t = LX_SH->sysvipc;
	return t && slot >= 0 && slot < IPC_SLOTS ? t->slot[kind][slot] : NULL;
}

struct ipc_obj *ipc_find(int kind, long id)
{
	if (id < 0)
		return NULL;
	struct ipc_obj *o = ipc_at(kind, (int)(id % IPCMNI));
	return o && o->id == id ? o : NULL;
}

long ipc_lookup_key(int kind, int32_t key, long flg, struct ipc_obj **o)
{
	*o = NULL;
	if (!ipc_tables())
		return -ENOMEM;
	for (int i = 0; key != IPC_PRIVATE && i < IPC_SLOTS && !*o; i++)
		if (ipc_at(kind, i) && ipc_at(kind, i)->perm.key == key)
			*o = ipc_at(kind, i);
	if (*o)
		return (flg & IPC_CREAT) && (flg & IPC_EXCL) ? -EEXIST : 0;
	return key == IPC_PRIVATE || (flg & IPC_CREAT) ? 1 : -ENOENT;
}

long ipc_get_existing(struct ipc_obj *o, long flg)
{
	return ipc_may(o, (int)(flg & 0777)) ? o->id : -EACCES;
}

long ipc_add(int kind, struct ipc_obj *o, int32_t key, long flg)
{
	struct ipc_tables *t = ipc_tables();
	int i = 0;
	while (i < IPC_SLOTS && t->slot[kind][i])
		i++;
	if (i == IPC_SLOTS)
		return -ENOSPC;
	uint32_t uid = (uint32_t)lx_sys_geteuid(), gid = (uint32_t)lx_sys_getegid();
	o->perm = (struct linux_ipc64_perm){ .key = key, .uid = uid, .gid = gid, .cuid = uid, .cgid = gid,
					     .mode = (uint32_t)flg & 0777, .seq = t->seq[kind][i] };
	o->id = t->seq[kind][i] * IPCMNI + i;
	t->seq[kind][i] = (uint16_t)((t->seq[kind][i] + 1) % (INT32_MAX / IPCMNI));
	o->ctime = ipc_now();
	t->slot[kind][i] = o;
	return o->id;
}

void ipc_remove(int kind, struct ipc_obj *o)
{
	LX_SH->sysvipc->slot[kind][o->id % IPCMNI] = NULL;
}

bool ipc_may(const struct ipc_obj *o, int flg)
{
	uint32_t want = (uint32_t)(flg >> 6 | flg >> 3 | flg) & 7, granted = o->perm.mode;
	uint32_t euid = (uint32_t)lx_sys_geteuid();
	if (euid == 0)
		return true;
	if (euid == o->perm.uid || euid == o->perm.cuid)
		granted >>= 6;
	else if (lx_cred_in_group(o->perm.gid) || lx_cred_in_group(o->perm.cgid))
		granted >>= 3;
	return (want & ~granted & 7) == 0;
}

long ipc_owner_check(const struct ipc_obj *o)
{
	uint32_t euid = (uint32_t)lx_sys_geteuid();
	return euid == 0 || euid == o->perm.uid || euid == o->perm.cuid ? 0 : -EPERM;
}

void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p)
{
	o->perm.uid = p->uid;
	o->perm.gid = p->gid;
	o->perm.mode = (o->perm.mode & ~0777U) | (p->mode & 0777);
	o->ctime = ipc_now();
}

int ipc_max_slot(int kind)
{
	int top = 0;
	for (int i = 0; i < IPC_SLOTS; i++)
		if (ipc_at(kind, i))
			top = i;
	return top;
}

int ipc_count(int kind)
{
	int n = 0;
	for (int i = 0; i < IPC_SLOTS; i++)
		n += ipc_at(kind, i) != NULL;
	return n;
}

long ipc_stat_slot(int kind, long slot, bool any, struct ipc_obj **o)
{
	*o = slot >= 0 && slot < IPC_SLOTS ? ipc_at(kind, (int)slot) : NULL;
	if (!*o)
		return -EINVAL;
	return any || ipc_may(*o, 0444) ? 0 : -EACCES;
}

long ipc_ctl_find(int kind, long id, long cmd, long stat, long stat_any, struct ipc_obj **o)
{
	if (cmd == stat || cmd == stat_any)
		return ipc_stat_slot(kind, id, cmd == stat_any, o);
	return (*o = ipc_find(kind, id)) ? 0 : -EINVAL;
}

long ipc_stat_out(const struct ipc_obj *o, long cmd, uint64_t ubuf, const void *ds, size_t size)
{
	if (cmd == IPC_STAT && !ipc_may(o, 0444))
		return -EACCES;
	if (copy_to_user(ubuf, ds, size) < 0)
		return -EFAULT;
	return cmd == IPC_STAT ? 0 : o->id;
}

int64_t ipc_now(void)
{
	return vfs_now().tv_sec;
}

long ipc_proc_text(int kind, const char *header, int (*line)(struct ipc_obj *o, char *buf, size_t n), char **buf,
		   size_t *len)
{
	size_t cap = strlen(header) + 1 + (size_t)ipc_count(kind) * IPC_PROC_LINE, n = strlen(header);
	char *b = lx_alloc(cap);
	if (!b)
		return -ENOMEM;
	memcpy(b, header, n);
	for (int i = 0; i < IPC_SLOTS; i++) {
		int w = ipc_at(kind, i) ? line(ipc_at(kind, i), b + n, cap - n) : 0;
		n += w < 0 ? 0 : (size_t)w < cap - n ? (size_t)w : cap - n - 1;
	}
	*buf = b;
	*len = n;
	return 0;
}

long ipc_wait(int kind, int id, struct lx_waitq *q, uint64_t deadline)
{
	if (lx_signal_interrupts())
		return -EINTR;
	uint64_t now = clock_ns(), left = deadline == TIMEOUT_FOREVER ? TIMEOUT_FOREVER : deadline > now ? deadline - now : 0;
	if (left == 0)
		return -EAGAIN;
	lx_waitq_add(q);
	lx_thread_wait(left < LX_RECHECK_NS ? left : LX_RECHECK_NS); /* look again now and then, whatever happened */
	if (!ipc_find(kind, id))
		return -EIDRM;
	return lx_signal_interrupts() ? -EINTR : 0; /* past the deadline: the caller looks once more, then EAGAIN */
}

void lx_sysvipc_exit(void)
{
	if (!LX_SH->sysvipc)
		return;
	lx_sem_exit();
	lx_shm_reap();
}

void lx_sysvipc_exec(void)
{
	if (LX_SH->sysvipc)
		lx_shm_reap();
}
