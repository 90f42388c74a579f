/* Devices: the console. (dev.c) */
#ifndef LX_DEV_H
#define LX_DEV_H

void dev_fork_child(void); /* the console interrupt stays with the first process */
void console_wait(uint64_t ns); /* sleep until console input may be there, or ns pass */
void console_start_helper(void); /* pid 1, before its first fork: a thread wakes console readers of every process */
void console_scan(void); /* pid 1, waiting: act on Ctrl-C typed while nobody reads the console */

void dev_init(void); /* /dev's nodes */
void console_set_size(uint64_t rows, uint64_t cols); /* the window size TIOCGWINSZ reports: the host terminal's */
void console_resize(uint64_t rows, uint64_t cols); /* the host terminal's new size: set, SIGWINCH if it changed */
/* A new page of lx's at va bound as this process's completion ring of a device (bind: sys_blk_ring_bind,
 * sys_p9_ring_bind), signalled on bit 0 of a new notification: the notification; -ENOMEM, -EIO (refused). */
long lx_dev_ring(uint64_t va, long (*bind)(unsigned long va, long nt, unsigned long bits));
void vfs_stdio_init(void); /* descriptors 0, 1 and 2: the host's streams or the console */

#endif
