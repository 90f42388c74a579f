/* The Linux x86-64 ABI, extended attributes: setxattr's flags and the limits on names, values and lists. */
#ifndef LX_LINUX_XATTR_H
#define LX_LINUX_XATTR_H

#define XATTR_CREATE 1 /* setxattr: fail if the attribute exists */
#define XATTR_REPLACE 2 /* setxattr: fail if it does not */
#define XATTR_NAME_MAX 255 /* bytes of a name, without its NUL */
#define XATTR_SIZE_MAX 65536 /* bytes of a value */
#define XATTR_LIST_MAX 65536 /* bytes of a list of names */

#endif
