/* /proc. (procfs.c) */
#ifndef LX_PROCFS_H
#define LX_PROCFS_H

void vfs_set_exe(const char *path); /* what this process's /proc/self/exe names: path, resolved */

void procfs_init(void); /* /proc's nodes */
void vfs_mem_frames(uint64_t *total, uint64_t *avail); /* frames of memory, for statfs */

#endif
