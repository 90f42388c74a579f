/* Reading cpio "newc" archives without trusting any of their fields. */
#include "lib/cpio.h"

#include <stdbool.h>

#include <mica/error.h>

#include "lib/string.h"

#define CPIO_MAGIC "070701"
#define CPIO_HDR_SIZE 110
#define CPIO_TRAILER "TRAILER!!!"

/* The header fields after the magic, each eight hex digits, in order. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
	F_COUNT
};

/* Returns the value of hex digit c, or -1 if it is not one. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses the eight hex digits at s into *v; returns false on a non-digit. */
static bool parse_hex8(const char *s, uint32_t *v)
{
	uint32_t x = 0;

	for (int i = 0; i < 8; i++) {
		int d = hex_value(s[i]);
		if (d < 0)
			return false;
		x = x << 4 | (uint32_t)d;
	}
	*v = x;
	return true;
}

/* Parses all fields of the header at hdr (CPIO_HDR_SIZE bytes); returns
 * false on a bad magic or digit. */
static bool parse_header(const char *hdr, uint32_t f[F_COUNT])
{
	if (memcmp(hdr, CPIO_MAGIC, 6) != 0)
		return false;
	for (int i = 0; i < F_COUNT; i++) {
		if (!parse_hex8(hdr + 6 + 8 * i, &f[i]))
			return false;
	}
	return true;
}

/* Advances *pos by n bytes plus the padding to a multiple of 4, if all
 * of them lie within size; returns false otherwise. */
static bool skip_padded(size_t *pos, size_t n, size_t size)
{
	size_t pad;

	if (*pos > size || n > size - *pos)
		return false;
	*pos += n;
	pad = (4 - (*pos & 3)) & 3;
	if (pad > size - *pos)
		return false;
	*pos += pad;
	return true;
}

/* Copies the file attributes from the parsed header fields f into e. */
static void copy_attributes(struct cpio_entry *e, const uint32_t f[F_COUNT])
{
	e->mode = f[F_MODE];
	e->uid = f[F_UID];
	e->gid = f[F_GID];
	e->nlink = f[F_NLINK];
	e->mtime = f[F_MTIME];
}

/* Reads the member at *offset as lib/cpio.h describes; returns 1, 0 at
 * the trailer, or -E_BADFMT. */
int cpio_next(const void *archive, size_t size, size_t *offset,
	      struct cpio_entry *e)
{
	const char *base = archive;
	size_t pos = *offset;
	uint32_t f[F_COUNT];

	if (pos > size || size - pos < CPIO_HDR_SIZE || !parse_header(base + pos, f))
		return -E_BADFMT;
	pos += CPIO_HDR_SIZE;
	e->name = base + pos;
	e->namelen = f[F_NAMESIZE] ? f[F_NAMESIZE] - 1 : 0;
	if (f[F_NAMESIZE] == 0 || !skip_padded(&pos, f[F_NAMESIZE], size) ||
	    strnlen(e->name, f[F_NAMESIZE]) != e->namelen)
		return -E_BADFMT;
	e->data = base + pos;
	e->size = f[F_FILESIZE];
	if (!skip_padded(&pos, f[F_FILESIZE], size))
		return -E_BADFMT;
	copy_attributes(e, f);
	*offset = pos;
	return strcmp(e->name, CPIO_TRAILER) == 0 ? 0 : 1;
}

/* Returns name without one leading "./" or "/". */
static const char *strip_root(const char *name)
{
	if (name[0] == '.' && name[1] == '/')
		return name + 2;
	if (name[0] == '/')
		return name + 1;
	return name;
}

/* Looks name up as lib/cpio.h describes; returns 0, -E_NOENT or
 * -E_BADFMT. */
int cpio_find(const void *archive, size_t size, const char *name,
	      struct cpio_entry *e)
{
	const char *want = strip_root(name);
	size_t offset = 0;
	int r;

	while ((r = cpio_next(archive, size, &offset, e)) == 1) {
		if (strcmp(strip_root(e->name), want) == 0)
			return 0;
	}
	return r == 0 ? -E_NOENT : r;
}
