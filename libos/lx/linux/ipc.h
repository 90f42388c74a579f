/* The Linux x86-64 ABI of System V IPC: keys and flags, commands, limits (Linux's defaults) and the *64_ds structures. */
#ifndef LX_LINUX_IPC_H
#define LX_LINUX_IPC_H

#include <stdint.h>

/* ipc.h: keys, flags, the commands every kind takes */
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPCMNI 32768 /* an id is seq * IPCMNI + index */

/* message queues */
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
#define MSGMNI 32000
#define MSGMAX 8192 /* bytes in one message */
#define MSGMNB 16384 /* bytes in one queue, by default */
#define MSGSSZ 16
#define MSGSEG 0xffff

/* semaphores */
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
#define SEMMNI 32000
#define SEMMSL 32000 /* semaphores in one set */
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500 /* operations in one semop */
#define SEMVMX 32767 /* a semaphore's largest value */
#define SEMAEM SEMVMX
#define SEMUME SEMOPM
#define SEMUSZ 20
#define SEMMAP SEMMNS
#define SEMMNU SEMMNS

/* shared memory */
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_DEST 01000 /* in shm_perm.mode: removed, gone at the last detach */
#define SHM_LOCKED 02000
#define SHMMIN 1
#define SHMMAX (~0UL - (1UL << 24))
#define SHMALL (~0UL - (1UL << 24))
#define SHMMNI 4096
#define SHMSEG SHMMNI
#define SHMLBA 4096 /* x86's: a page */

struct linux_ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};
_Static_assert(sizeof(struct linux_ipc64_perm) == 48, "ipc64_perm as on x86-64");

struct linux_msqid64_ds {
	struct linux_ipc64_perm msg_perm;
	int64_t msg_stime, msg_rtime, msg_ctime;
	uint64_t msg_cbytes, msg_qnum, msg_qbytes;
	int32_t msg_lspid, msg_lrpid;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct linux_msqid64_ds) == 120, "msqid64_ds as on x86-64");

struct linux_msginfo {
	int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	uint16_t msgseg;
};

struct linux_semid64_ds {
	struct linux_ipc64_perm sem_perm;
	int64_t sem_otime;
	uint64_t unused1;
	int64_t sem_ctime;
	uint64_t unused2;
	uint64_t sem_nsems, unused3, unused4;
};
_Static_assert(sizeof(struct linux_semid64_ds) == 104, "semid64_ds as on x86-64");

struct linux_seminfo {
	int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

struct linux_sembuf {
	uint16_t sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};

struct linux_shmid64_ds {
	struct linux_ipc64_perm shm_perm;
	uint64_t shm_segsz;
	int64_t shm_atime, shm_dtime, shm_ctime;
	int32_t shm_cpid, shm_lpid;
	uint64_t shm_nattch, unused4, unused5;
};
_Static_assert(sizeof(struct linux_shmid64_ds) == 112, "shmid64_ds as on x86-64");

struct linux_shminfo64 {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused1, unused2, unused3, unused4;
};

struct linux_shm_info {
	int32_t used_ids;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

#endif
