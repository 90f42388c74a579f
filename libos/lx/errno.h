/* Mica's errors as Linux errnos. (errno.c) */
#ifndef LX_ERRNO_H
#define LX_ERRNO_H

int lx_errno(long mica_err); /* a Mica E_* (negated) as a negated Linux errno */

#endif
