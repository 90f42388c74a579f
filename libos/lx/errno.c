/* Mica's errors as Linux errnos. */
#include "libos/lx/lx.h"

/* The one place Mica errors become Linux errnos; success passes through. */
int lx_errno(long err)
{
	if (err >= 0)
		return (int)err;
	switch (-err) {
	case E_INVAL:
		return -EINVAL;
	case E_NOMEM:
		return -ENOMEM;
	case E_PERM:
		return -EPERM;
	case E_NOENT:
		return -ENOENT;
	case E_FAULT:
		return -EFAULT;
	case E_BUSY:
		return -EBUSY;
	case E_AGAIN:
		return -EAGAIN;
	case E_TIMEOUT:
		return -ETIMEDOUT;
	case E_NOSYS:
		return -ENOSYS;
	case E_EXIST:
		return -EEXIST;
	case E_BADFMT:
		return -ENOEXEC;
	case E_RANGE:
		return -ERANGE;
	case E_CLOSED:
		return -EPIPE;
	case E_IO:
		return -EIO;
	default:
		return -EIO;
	}
}
