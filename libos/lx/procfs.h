/* /proc. (procfs.c) */
#ifndef LX_PROCFS_H
#define LX_PROCFS_H

void vfs_set_exe(const char *path); /* what this process's /proc/self/exe names: path, resolved */

#endif
