/* The Linux x86-64 ABI, files: open and *at flags, fcntl, flock, st_mode, lseek, stat, statx, getdents, statfs. */
#ifndef LX_LINUX_FCNTL_H
#define LX_LINUX_FCNTL_H

#include <stdint.h>
#include <stddef.h>
#include "libos/lx/linux/time.h"

/* open flags */
#define O_ACCMODE 3
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_ASYNC 020000 /* SIGIO to the owner when I/O is possible (FASYNC) */
#define O_DSYNC 010000 /* each write is on stable storage when it returns (its data) */
#define O_SYNC 04010000 /* ... and its metadata: O_DSYNC and a bit of its own */
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000

/* access, *at flags, renameat2, utimensat, statfs */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define AT_EACCESS 0x200
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)
#define S_IRWXUGO 0777
#define S_IALLUGO 07777
#define S_IXUGO 0111
#define S_ISVTX 01000
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0

/* fcntl */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
/* F_SETOWN_EX and F_GETOWN_EX: who gets a file's SIGIO */
struct linux_f_owner_ex {
	int type, pid;
};
#define F_OWNER_TID 0
#define F_OWNER_PID 1
#define F_OWNER_PGRP 2
/* fcntl's record locks */
struct linux_flock {
	short l_type, l_whence;
	int64_t l_start, l_len;
	int l_pid;
};
/* flock */
#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8
/* close_range */
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4
/* memfd_create */
#define MFD_CLOEXEC 1
#define MFD_ALLOW_SEALING 2
#define MFD_NAME_MAX 249 /* bytes of its name, with the NUL, after Linux's "memfd:" */
#define IOV_MAX 1024 /* iovecs in one readv, writev, preadv or pwritev */
#define FD_SETSIZE 1024 /* descriptors in select's fd_set */

/* ioctls every file takes */
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIOASYNC 0x5452

/* a device number (st_rdev): major and minor */
#define MKDEV(major, minor) ((uint32_t)(major) << 8 | (minor))
/* st_mode */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

/* lseek */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

struct linux_iovec {
	uint64_t base, len;
};

struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	struct linux_timespec st_atim, st_mtim, st_ctim;
	int64_t reserved[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes on x86-64");

struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct linux_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
#define STATX_BASIC_STATS 0x7FF

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10

/* inotify: events, watch flags, inotify_init1's flags (O_NONBLOCK's and O_CLOEXEC's values) */
#define IN_ACCESS 0x1
#define IN_MODIFY 0x2
#define IN_ATTRIB 0x4
#define IN_CLOSE_WRITE 0x8
#define IN_CLOSE_NOWRITE 0x10
#define IN_OPEN 0x20
#define IN_MOVED_FROM 0x40
#define IN_MOVED_TO 0x80
#define IN_CREATE 0x100
#define IN_DELETE 0x200
#define IN_DELETE_SELF 0x400
#define IN_MOVE_SELF 0x800
#define IN_ALL_EVENTS 0xfff
#define IN_Q_OVERFLOW 0x4000
#define IN_IGNORED 0x8000
#define IN_ONLYDIR 0x01000000
#define IN_DONT_FOLLOW 0x02000000
#define IN_EXCL_UNLINK 0x04000000
#define IN_MASK_CREATE 0x10000000
#define IN_MASK_ADD 0x20000000
#define IN_ISDIR 0x40000000
#define IN_ONESHOT 0x80000000
#define IN_NONBLOCK 04000
#define IN_CLOEXEC 02000000
/* What read returns for each event: this, then len bytes of the name (NUL-padded) */
struct linux_inotify_event {
	int32_t wd;
	uint32_t mask, cookie, len;
};

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

/* mount(2) flags and umount2(2) flags */
#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_REC 16384
#define MS_UNBINDABLE (1 << 17)
#define MS_PRIVATE (1 << 18)
#define MS_SLAVE (1 << 19)
#define MS_SHARED (1 << 20)
#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

#endif
