/* Advisory locks on files: record locks and flock (filelock.c) */
#ifndef LX_FILELOCK_H
#define LX_FILELOCK_H

long lock_fcntl(struct file *f, long cmd, long arg); /* F_GETLK, F_SETLK, F_SETLKW and the F_OFD_ forms */
void lock_close(struct file *f, bool last); /* a descriptor of f closes (last: f's final reference) */
void lock_free(struct inode *n); /* the inode goes: its lock list too */

#endif
