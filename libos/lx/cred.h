/* Credentials. (cred.c) */
#ifndef LX_CRED_H
#define LX_CRED_H

bool lx_cred_privileged(void); /* is the effective uid 0 (not held to RLIMIT_NPROC)? */

#endif
