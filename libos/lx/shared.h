/* The memory lx's processes share: its header (struct lx_shared, at LX_SHARED) and its heap. (shared.c) */
#ifndef LX_SHARED_H
#define LX_SHARED_H

#define LX_TW_BUCKETS 256 /* lists of the loopback's TIME_WAIT records, by port */
#define LX_LOCK_SLEEPERS 8 /* threads that may sleep at once until lx's lock is let go */

#include "lib/list.h"

/* At LX_SHARED, mapped into every process: the lock, the heap's state, the processes. */
struct lx_shared {
	volatile uint64_t lock_owner; /* pid << 16 | tid, 0 when free */
	int lock_depth;
	volatile int lock_io; /* the owner waits for a disk, the lock held (blkdev.c): a waiter sleeps (thread.c) */
	volatile int lock_sleeping; /* how many of lock_sleepers are set */
	volatile long lock_sleepers[LX_LOCK_SLEEPERS]; /* the notifications of those waiters, 0 where free */
	uint64_t heap_top, heap_mapped;
	void *bins[40];
	void *free_pages; /* lx_page_free's list */
	uint8_t *blk_bounce; /* the disks' bounce buffer (blkdev.c): page-aligned, one for every process */
	uint64_t file_pages; /* pages lx_page_alloc has out: the files' data, at most half the machine */
	uint64_t next_ino;
	int next_pid;
	uint32_t vol_mounts; /* volumes mounted by a call (volume.c): a process that saw fewer routes its calls first */
	int fg_pgrp; /* the console's foreground process group (TIOCSPGRP) */
	uint8_t cin[256]; /* console bytes read ahead (by pid 1, looking for Ctrl-C) for whoever reads next */
	struct { /* threads of any process waiting on a futex in shared memory */
		uint64_t key; /* frame << 12 | offset, 0 when the entry is free */
		uint64_t bits;
		long ntfn;
	} sfutex[64];
	uint32_t cin_start, cin_len;
	bool cin_helper; /* pid 1's console thread drains the UART into cin and wakes cin_waiters */
	struct lx_waitq cin_waiters; /* readers of the console, in any process */
	struct linux_termios tty; /* the console's modes (one terminal: every process sees the same) */
	struct linux_winsize tty_size;
	bool stream_helper; /* pid 1's stream thread wakes stream_waiters at every change of a host stream */
	struct lx_waitq stream_waiters; /* readers and writers of the host streams, in any process */
	void *unix_abstract; /* AF_UNIX sockets bound to abstract names, a list (unix.c) */
	uint32_t unix_autobind; /* the next autobind name to try (unix.c) */
	void *loopback_bound; /* loopback internet sockets holding a port, a list (loopback.c) */
	uint32_t loopback_port; /* the next ephemeral port to try (loopback.c) */
	uint32_t loopback_turn; /* which of the sockets sharing a port by SO_REUSEPORT takes the next (loopback.c) */
	void *loopback_tw[LX_TW_BUCKETS]; /* the loopback's TCP ports held after their connection closed (TIME_WAIT):
					    lists by port (loopback.c) */
	int loopback_ntw; /* how many in all */
	struct list usocks; /* every AF_UNIX and loopback socket not yet freed (unix.c: /proc/net) */
	struct lx_proc procs[LX_MAX_PROCS];
	struct lx_calls calls[LX_MAX_PROCS]; /* procs[i]'s syscalls by the way they came (rewrite.c) */
	struct ipc_tables *sysvipc; /* System V IPC's objects (sysvipc.c); NULL until the first */
	struct inotify_watch *inotify; /* every inotify watch of every process, a list (inotify.c); NULL: none */
	uint32_t inotify_cookie; /* the last cookie that ties a rename's two events (inotify.c) */
	char hostname[65]; /* uname's nodename, from /etc/hostname at boot (system.c) */
	struct lx_netif *netifs; /* the interfaces after lo, LX_MAX_NETIFS - 1 (netif.c); NULL until the first */
	void *netlink_bound; /* netlink sockets holding a port id, a list (netlink.c) */
	struct lx_mount *mounts; /* lx's mounts, the newest first (mount.c); NULL: none */
	int mount_next_id; /* mountinfo's id of the next mount (mount.c) */
	void *volumes; /* the volumes' table (volume.c) */
	void *fuse; /* the FUSE connections' table (fuse.c); NULL until the first */
};
#define LX_SH ((struct lx_shared *)LX_SHARED)
void lx_shared_init(void); /* first thing lx does: the shared pages, for every later process */
bool lx_shared_fault(uint64_t addr); /* map a heap page another process made; true if it was one */
uint64_t lx_next_ino(void); /* inode numbers, unique across the processes */
void *lx_alloc(size_t n); /* zeroed; NULL when out of memory */
/* As lx_alloc, but bytes [head, n) keep what the heap had there: for a caller that writes them all at once. */
void *lx_alloc_unzeroed(size_t n, size_t head);
/* As lx_alloc, but nothing zeroed: for a buffer whose bytes are read only after being written; never lx_realloc'd. */
void *lx_alloc_raw(size_t n);
void *lx_realloc(void *p, size_t n);
size_t lx_alloc_room(const void *p); /* the bytes p's block holds (at least as many as were asked for) */
void lx_free(void *p);
void *lx_page_alloc(
	void); /* a zeroed, page-aligned page of the shared heap for file data; NULL when out of memory or over the files' share */
/* As lx_page_alloc, but not zeroed: for a page filled whole before it is read. */
void *lx_page_alloc_raw(void);
void lx_page_free(void *page);
/* A copy of s in lx's heap; NULL when out of memory. */
static inline char *lx_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = lx_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

#endif
