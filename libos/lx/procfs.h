/* /proc: the tree and the system's files (procfs.c), the processes' directories (procfs_pid.c). */
#ifndef LX_PROCFS_H
#define LX_PROCFS_H

void vfs_set_exe(const char *path); /* what this process's /proc/self/exe names: path, resolved */

void procfs_init(void); /* /proc's nodes */
void vfs_mem_frames(uint64_t *total, uint64_t *avail); /* frames of memory, for statfs */

/* ---- for procfs_pid.c ---- */
struct inode;
struct dentry;
struct lx_proc;
/* A growable text, a generated file's contents; a failed allocation leaves ok false. */
struct procfs_text {
	char *buf;
	size_t len, cap;
	bool ok;
};
void procfs_printf(struct procfs_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void procfs_bytes(struct procfs_text *t, const char *data, size_t n); /* n bytes as they are (NULs too) */
long procfs_done(struct procfs_text *t, char **buf, size_t *len); /* t's text handed over: 0, or -ENOMEM */
uint64_t procfs_ticks(uint64_t ns); /* ns in clock ticks (LINUX_USER_HZ) */
/* A node of /proc called name in dir (replacing what had that name) describing process pid (and thread or
 * descriptor id), owned by that process's user (root when pid is 0); NULL when out of memory or dir is NULL. */
struct inode *procfs_add(struct inode *dir, const char *name, uint32_t mode, int pid, int id);
struct inode *procfs_add_gen(struct inode *dir, const char *name, long (*gen)(struct inode *, char **, size_t *),
			     int pid, int id); /* a generated file */
struct inode *procfs_add_link(struct inode *dir, const char *name, const char *(*link)(struct inode *), int pid,
			      int id); /* a link whose target link makes */
void procfs_remove(struct inode *dir, struct dentry *d); /* d's node and, for a directory, all under it */
const char *procfs_link_set(struct inode *n, const char *target); /* link n's target now; n's text */
long procfs_path(struct inode *n, char *buf,
		 size_t size); /* a node's absolute path (found by a search): length or -errno */
void procfs_pid_dir(struct inode *proc, struct lx_proc *p); /* /proc/PID for p */

#endif
