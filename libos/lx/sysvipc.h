/* System V IPC: the ids, keys and permissions the three kinds share (sysvipc.c); message queues (sysvmsg.c), semaphores (sysvsem.c), shared memory (sysvshm.c). */
#ifndef LX_SYSVIPC_H
#define LX_SYSVIPC_H

enum { IPC_KIND_MSG, IPC_KIND_SEM, IPC_KIND_SHM, IPC_KINDS };
#define IPC_SLOTS 256 /* objects of one kind at once (lx's MSGMNI, SEMMNI, SHMMNI) */

/* The head of every object, in the heap all processes share. */
struct ipc_obj {
	struct linux_ipc64_perm perm; /* key, owner, creator, mode; seq as in the id */
	int id; /* seq * IPCMNI + its slot */
	int64_t ctime; /* last change (creation, IPC_SET...) */
};

/* Every object of every kind, reached from struct lx_shared's sysvipc. */
struct ipc_tables {
	struct ipc_obj *slot[IPC_KINDS][IPC_SLOTS];
	uint16_t seq[IPC_KINDS][IPC_SLOTS]; /* the seq of the slot's next object */
	uint64_t sem_count; /* semaphores in all sets (SEM_INFO) */
	uint64_t shm_pages; /* pages of all segments (SHM_INFO) */
};

/* sysvipc.c: the common part. */
struct ipc_tables *ipc_tables(void); /* made at the first use; NULL when out of memory */
/* A get's lookup of key: 0 with *o found (not for IPC_PRIVATE), 1 when one must be made, -EEXIST, -ENOENT, -ENOMEM. */
long ipc_lookup_key(int kind, int32_t key, long flg, struct ipc_obj **o);
long ipc_get_existing(struct ipc_obj *o, long flg); /* a get of an object found: its id, or -EACCES */
long ipc_add(int kind, struct ipc_obj *o, int32_t key, long flg); /* a new object o (zeroed) in the table: its id, or -ENOSPC */
struct ipc_obj *ipc_find(int kind, long id); /* the live object with this id, or NULL (EINVAL) */
struct ipc_obj *ipc_at(int kind, int slot); /* the object in a slot, or NULL */
void ipc_remove(int kind, struct ipc_obj *o); /* out of its table (the caller frees it) */
bool ipc_may(const struct ipc_obj *o, int flg); /* may the caller use o for flg's 0444/0222/0111 bits? */
long ipc_owner_check(const struct ipc_obj *o); /* IPC_SET, IPC_RMID: 0, or -EPERM when neither owner, creator nor root */
void ipc_set_perm(struct ipc_obj *o, const struct linux_ipc64_perm *p); /* IPC_SET: owner and mode bits */
int ipc_max_slot(int kind); /* the highest slot in use, or 0 (IPC_INFO's answer) */
int ipc_count(int kind); /* objects in use */
/* MSG_STAT, SEM_STAT, SHM_STAT and their _ANY forms: the object in slot, readable unless any; -EINVAL, -EACCES. */
long ipc_stat_slot(int kind, long slot, bool any, struct ipc_obj **o);
/* The object a ctl command names: by slot for stat and stat_any (its _STAT forms), else by id: 0, -EINVAL, -EACCES. */
long ipc_ctl_find(int kind, long id, long cmd, long stat, long stat_any, struct ipc_obj **o);
/* A _STAT answer, o's *_ds (size bytes at ds) to ubuf: 0 for IPC_STAT, else o's id; -EACCES (IPC_STAT needs read), -EFAULT. */
long ipc_stat_out(const struct ipc_obj *o, long cmd, uint64_t ubuf, const void *ds, size_t size);
int64_t ipc_now(void);
#define IPC_PROC_LINE 256 /* at most this many bytes in one line of /proc/sysvipc's files */
/* /proc/sysvipc/'s text for kind: header, then one line per object, in slot order, from line (snprintf's answer). */
long ipc_proc_text(int kind, const char *header, int (*line)(struct ipc_obj *o, char *buf, size_t n), char **buf,
		   size_t *len); /* seconds since the epoch, for the times in the *_ds */
/* Wait for a change announced on q, up to deadline (ns of clock_ns, TIMEOUT_FOREVER): 0 to look again,
 * -EIDRM when the object (kind, id) is gone, -EINTR for a signal, -EAGAIN past the deadline. */
long ipc_wait(int kind, int id, struct lx_waitq *q, uint64_t deadline);

/* The kinds' files in /proc/sysvipc (their gen_fn). */
long lx_sysvipc_proc_msg(struct inode *n, char **buf, size_t *len);
long lx_sysvipc_proc_sem(struct inode *n, char **buf, size_t *len);
long lx_sysvipc_proc_shm(struct inode *n, char **buf, size_t *len);

/* The kinds' own parts, for the ends of processes and their programs. */
void lx_sem_exit(void); /* the process ends: its SEM_UNDO adjustments are applied */
void lx_shm_reap(void); /* segments removed whose last attach is gone (after exit, exec, shmdt) go */
void lx_sysvipc_exit(void); /* the process ends (its areas already gone) */
void lx_sysvipc_exec(void); /* after exec dropped the old program's areas */

#endif
