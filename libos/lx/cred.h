/* Credentials. (cred.c) */
#ifndef LX_CRED_H
#define LX_CRED_H

bool lx_cred_privileged(void); /* is the effective uid 0 (not held to RLIMIT_NPROC)? */
struct inode;
struct lx_proc;
/* May this process use n for want (R_OK, W_OK, X_OK or'ed), by its file-system ids (its real ones with real)? */
bool lx_cred_may(const struct inode *n, int want, bool real);
bool lx_cred_owns(const struct inode *n); /* its owner, or privileged: chmod, utimes to a time */
bool lx_cred_in_group(uint32_t gid); /* its file-system gid or one of its groups */
bool lx_cred_may_signal(const struct lx_proc *p, int sig); /* may it send sig to p, as Linux's kill decides */
/* Its real, effective, saved and file-system uids and gids, its groups (*grps) and how many (the result). */
int lx_cred_ids(uint32_t uids[4], uint32_t gids[4], const uint32_t **grps);
uint32_t lx_cred_fsuid(void); /* the owner of what it makes */
uint32_t lx_cred_fsgid(void);

#endif
