/* A validating reader of cpio "newc" archives, such as an initial ramdisk. */
#ifndef LIB_CPIO_H
#define LIB_CPIO_H

#include <stddef.h>
#include <stdint.h>

/* One archive member; name and data point into the archive. */
struct cpio_entry {
	const char *name;   /* NUL-terminated */
	size_t namelen;     /* without the NUL */
	uint32_t mode;      /* file type and permission bits, as in st_mode */
	uint32_t uid, gid, nlink, mtime;
	const void *data;
	size_t size;
};

/*
 * Reads the member header at *offset (start with 0) of the archive of
 * size bytes. Returns 1 with *e filled in and *offset moved to the next
 * header; 0 at the "TRAILER!!!" member (with *e filled in and *offset
 * moved past it); -E_BADFMT if the magic is not "070701", a header field
 * has a non-hex digit, the header, name or data (with its padding) runs
 * past the end, the name size is 0, or the name is not a string ending
 * exactly at its NUL; then *e is unspecified and *offset unchanged.
 * Never reads outside archive[0, size).
 */
int cpio_next(const void *archive, size_t size, size_t *offset,
	      struct cpio_entry *e);

/*
 * Finds the member called name, comparing names after removing one
 * leading "./" or "/" from each. Returns 0 with *e filled in, -E_NOENT if
 * the trailer comes first, or -E_BADFMT if the archive is malformed
 * before the member is found.
 */
int cpio_find(const void *archive, size_t size, const char *name,
	      struct cpio_entry *e);

#endif
