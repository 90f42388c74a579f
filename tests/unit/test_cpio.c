/* Host tests for lib/cpio.c: archives built here, damaged and cut, and one from the real cpio tool. */
#define CHECK_SUITE "cpio"
#include "tests/unit/check.h"

#include <mica/error.h>

#include "lib/cpio.h"
#include "lib/string.h"

#define HDR 110

/* An archive being built. */
struct arch {
	uint8_t buf[2048];
	size_t len;
};

/* Appends zero bytes until the length is a multiple of 4. */
static void pad4(struct arch *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

/* Appends a member with the given name, mode and contents. */
static void add(struct arch *a, const char *name, uint32_t mode,
		const char *data, size_t size)
{
	size_t namesize = strlen(name) + 1;

	a->len += (size_t)snprintf((char *)a->buf + a->len, HDR + 1,
		"070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		7u, mode, 1u, 2u, 3u, 0x5f5e100u, size, 0u, 0u, 0u, 0u, namesize, 0u);
	memcpy(a->buf + a->len, name, namesize);
	a->len += namesize;
	pad4(a);
	memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
}

/* Builds the sample archive the tests share; returns it. */
static struct arch *sample(void)
{
	static struct arch a;

	memset(&a, 0, sizeof(a));
	add(&a, "./hello.txt", 0100644, "hello\n", 6);
	add(&a, "dir", 040755, "", 0);
	add(&a, "/abs/name", 0100600, "12345", 5);
	add(&a, "empty", 0100644, "", 0);
	add(&a, "x", 0100755, "abc", 3);
	add(&a, "TRAILER!!!", 0, "", 0);
	return &a;
}

/* Returns a heap copy of the first n bytes of a, of exactly n bytes. */
static uint8_t *cut(const struct arch *a, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	memcpy(p, a->buf, n);
	return p;
}

/* Returns cpio_next at offset of the whole sample archive after damage. */
static int next_at(struct arch *a, size_t offset)
{
	struct cpio_entry e;

	return cpio_next(a->buf, a->len, &offset, &e);
}

TEST(iterates_members)
{
	struct arch *a = sample();
	struct cpio_entry e;
	size_t off = 0;

	REQUIRE(cpio_next(a->buf, a->len, &off, &e) == 1);
	CHECK(strcmp(e.name, "./hello.txt") == 0 && e.namelen == 11);
	CHECK(e.size == 6 && memcmp(e.data, "hello\n", 6) == 0);
	CHECK(e.mode == 0100644 && e.uid == 1 && e.gid == 2 && e.nlink == 3);
	CHECK(e.mtime == 0x5f5e100 && off % 4 == 0);
	REQUIRE(cpio_next(a->buf, a->len, &off, &e) == 1);
	CHECK(strcmp(e.name, "dir") == 0 && e.mode == 040755 && e.size == 0);
	REQUIRE(cpio_next(a->buf, a->len, &off, &e) == 1);
	CHECK(strcmp(e.name, "/abs/name") == 0 && memcmp(e.data, "12345", 5) == 0);
	REQUIRE(cpio_next(a->buf, a->len, &off, &e) == 1);
	CHECK(strcmp(e.name, "empty") == 0 && e.size == 0);
	REQUIRE(cpio_next(a->buf, a->len, &off, &e) == 1);
	CHECK(strcmp(e.name, "x") == 0 && e.namelen == 1 && e.size == 3);
	CHECK(memcmp(e.data, "abc", 3) == 0);
	CHECK(cpio_next(a->buf, a->len, &off, &e) == 0);
	CHECK(strcmp(e.name, "TRAILER!!!") == 0 && off == a->len);
	CHECK(cpio_next(a->buf, a->len, &off, &e) == -E_BADFMT);
	CHECK(off == a->len);
}

TEST(finds_with_or_without_root)
{
	struct arch *a = sample();
	struct cpio_entry e;

	CHECK(cpio_find(a->buf, a->len, "hello.txt", &e) == 0 && e.size == 6);
	CHECK(cpio_find(a->buf, a->len, "/hello.txt", &e) == 0 && e.size == 6);
	CHECK(cpio_find(a->buf, a->len, "./hello.txt", &e) == 0 && e.size == 6);
	CHECK(cpio_find(a->buf, a->len, "abs/name", &e) == 0 && e.size == 5);
	CHECK(cpio_find(a->buf, a->len, "./abs/name", &e) == 0);
	CHECK(cpio_find(a->buf, a->len, "dir", &e) == 0 && e.mode == 040755);
	CHECK(cpio_find(a->buf, a->len, "x", &e) == 0 && e.size == 3);
	CHECK(cpio_find(a->buf, a->len, "nope", &e) == -E_NOENT);
	CHECK(cpio_find(a->buf, a->len, "hello", &e) == -E_NOENT);
	CHECK(cpio_find(a->buf, a->len, "hello.txt2", &e) == -E_NOENT);
	CHECK(cpio_find(a->buf, a->len, "TRAILER!!!", &e) == -E_NOENT);
	CHECK(cpio_find(a->buf, a->len, "", &e) == -E_NOENT);
}

TEST(rejects_bad_magic)
{
	struct arch *a;

	for (int i = 0; i < 6; i++) {
		a = sample();
		a->buf[i] = 'x';
		CHECK(next_at(a, 0) == -E_BADFMT);
	}
	a = sample();
	a->buf[5] = '2'; /* the crc variant is not accepted */
	CHECK(next_at(a, 0) == -E_BADFMT);
	CHECK(next_at(sample(), 2) == -E_BADFMT);
}

TEST(rejects_non_hex_digits)
{
	static const char bad[] = { 'g', 'G', ' ', '-', 'x', '\0' };
	struct arch *a;

	for (int i = 6; i < HDR; i++) {
		for (size_t k = 0; k < sizeof(bad); k++) {
			a = sample();
			a->buf[i] = (uint8_t)bad[k];
			CHECK(next_at(a, 0) == -E_BADFMT);
		}
	}
	a = sample();
	memcpy(a->buf + 6 + 8, "000081a4", 8); /* lowercase hex is fine */
	CHECK(next_at(a, 0) == 1);
}

/* Overwrites header field i (0 = c_ino) of the first member of a. */
static void set_field(struct arch *a, int i, uint32_t v)
{
	char tmp[9];

	snprintf(tmp, sizeof(tmp), "%08X", v);
	memcpy(a->buf + 6 + 8 * i, tmp, 8);
}

TEST(rejects_bad_name)
{
	struct arch *a = sample();

	set_field(a, 11, 0); /* namesize 0 */
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	a->buf[HDR + 11] = 'x'; /* the name's NUL */
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	a->buf[HDR + 4] = '\0'; /* a NUL inside the name */
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	set_field(a, 11, (uint32_t)a->len);
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	set_field(a, 11, 0xffffffff);
	CHECK(next_at(a, 0) == -E_BADFMT);
}

TEST(rejects_data_beyond_end)
{
	struct arch *a = sample();

	set_field(a, 6, (uint32_t)a->len);
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	set_field(a, 6, 0xffffffff);
	CHECK(next_at(a, 0) == -E_BADFMT);
	a = sample();
	CHECK(next_at(a, a->len) == -E_BADFMT);
	CHECK(next_at(a, a->len + 1) == -E_BADFMT);
	CHECK(next_at(a, (size_t)-1) == -E_BADFMT);
}

TEST(missing_trailer_is_malformed)
{
	struct arch a = { .len = 0 };
	struct cpio_entry e;
	size_t off = 0;

	add(&a, "only", 0100644, "data", 4);
	CHECK(cpio_next(a.buf, a.len, &off, &e) == 1);
	CHECK(cpio_next(a.buf, a.len, &off, &e) == -E_BADFMT);
	CHECK(cpio_find(a.buf, a.len, "other", &e) == -E_BADFMT);
	CHECK(cpio_find(a.buf, a.len, "only", &e) == 0);
}

TEST(rejects_missing_padding)
{
	struct arch a = { .len = 0 };
	struct cpio_entry e;
	size_t off = 0;

	add(&a, "five", 0100644, "12345", 5); /* 3 bytes of padding follow */
	CHECK(cpio_next(a.buf, a.len, &off, &e) == 1 && off == a.len);
	off = 0;
	CHECK(cpio_next(a.buf, a.len - 1, &off, &e) == -E_BADFMT && off == 0);
	a.len = 0;
	add(&a, "name5", 0100644, "", 0); /* 110 + 6: 2 bytes of padding */
	CHECK(cpio_next(a.buf, a.len - 1, &off, &e) == -E_BADFMT);
}

/* Walks the first n bytes of a, in a block of exactly n bytes; returns
 * true if every member lay inside the block with a consistent name, the
 * walk ended cleanly, and the trailer was reached, or a lookup came up
 * empty, only when the whole archive was there. */
static bool walk_cut(const struct arch *a, size_t n)
{
	uint8_t *p = cut(a, n);
	struct cpio_entry e;
	size_t off = 0;
	int r, steps = 0;

	while ((r = cpio_next(p, n, &off, &e)) == 1 && steps < 100) {
		steps++;
		if ((const uint8_t *)e.data + e.size > p + n ||
		    e.namelen != strlen(e.name))
			r = 99;
	}
	if (r == 0 && n != a->len)
		r = 99;
	int f = cpio_find(p, n, "x", &e);
	free(p);
	return (r == 0 || r == -E_BADFMT) &&
	       (f == 0 || f == -E_BADFMT || (f == -E_NOENT && n == a->len));
}

TEST(every_truncation_is_clean)
{
	struct arch *a = sample();

	for (size_t n = 0; n <= a->len; n++)
		CHECK(walk_cut(a, n));
}

TEST(random_damage_is_clean)
{
	uint32_t seed = 777;

	for (int round = 0; round < 5000; round++) {
		struct arch *a = sample();
		for (int k = 0; k < 1 + round % 3; k++) {
			seed = seed * 1103515245u + 12345u;
			a->buf[(seed >> 8) % a->len] = (uint8_t)(seed >> 24);
		}
		CHECK(walk_cut(a, a->len));
	}
}

/* Reads the file at path into a heap block; returns it (NULL if it is
 * missing or empty) and its size in *size. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 16);
	size_t n = 0;

	if (f && buf)
		n = fread(buf, 1, 1 << 16, f);
	if (f)
		fclose(f);
	if (n == 0) {
		free(buf);
		return NULL;
	}
	*size = n;
	return buf;
}

TEST(archive_from_cpio_tool)
{
	const char *path = check_arg(1);
	struct cpio_entry e;
	size_t size = 0, off = 0;
	uint8_t *buf;
	int r, members = 0;

	if (!path || !(buf = read_file(path, &size)))
		SKIP("no archive made by cpio");
	REQUIRE(cpio_find(buf, size, "hello.txt", &e) == 0);
	CHECK(e.size == 6 && memcmp(e.data, "hello\n", 6) == 0);
	CHECK((e.mode & 0170000) == 0100000);
	CHECK(cpio_find(buf, size, "/sub", &e) == 0 && (e.mode & 0170000) == 040000);
	CHECK(cpio_find(buf, size, "sub/three.bin", &e) == 0 && e.size == 3);
	CHECK(memcmp(e.data, "abc", 3) == 0);
	while ((r = cpio_next(buf, size, &off, &e)) == 1)
		members++;
	CHECK(r == 0 && members >= 4);
	free(buf);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(iterates_members);
	RUN(finds_with_or_without_root);
	RUN(rejects_bad_magic);
	RUN(rejects_non_hex_digits);
	RUN(rejects_bad_name);
	RUN(rejects_data_beyond_end);
	RUN(missing_trailer_is_malformed);
	RUN(rejects_missing_padding);
	RUN(every_truncation_is_clean);
	RUN(random_damage_is_clean);
	RUN(archive_from_cpio_tool);
	return CHECK_END();
}
