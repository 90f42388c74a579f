/* many: a folder of many files: made, listed, looked up, a tenth removed, listed again; the same checks on any Linux. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* usage: many DIR N   (DIR exists and is empty; the files stay) */

static int failed;

static void check(const char *name, int cond, const char *why, long v)
{
	if (cond)
		printf("ok many/%s\n", name);
	else {
		printf("not ok many/%s: %s %ld\n", name, why, v);
		failed = 1;
	}
}

/* The entries of dir other than "." and "..", counted; -1 if it cannot be read. */
static long count(const char *dir)
{
	DIR *d = opendir(dir);
	long n = 0;
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3 || chdir(argv[1]) < 0) {
		printf("not ok many/usage: many DIR N\n");
		return 1;
	}
	long n = atol(argv[2]), made = 0, found = 0, gone = 0;
	char name[64];
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "file-%06ld", i);
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		made += fd >= 0 && write(fd, name, strlen(name)) == (ssize_t)strlen(name) && close(fd) == 0;
	}
	check("create", made == n, "made", made);
	long c = count(".");
	check("list", c == n, "listed", c);
	for (long i = 0; i < n; i += 97) {
		struct stat st;
		snprintf(name, sizeof(name), "file-%06ld", i);
		found += stat(name, &st) == 0 && st.st_size == (off_t)strlen(name);
	}
	check("lookup", found == (n + 96) / 97, "found", found);
	snprintf(name, sizeof(name), "file-%06ld", n);
	check("lookup-missing", access(name, F_OK) < 0 && errno == ENOENT, "errno", errno);
	for (long i = 0; i < n; i += 10) {
		snprintf(name, sizeof(name), "file-%06ld", i);
		gone += unlink(name) == 0;
	}
	check("unlink-tenth", gone == (n + 9) / 10, "removed", gone);
	c = count(".");
	check("list-after", c == n - gone, "listed", c);
	return failed;
}
