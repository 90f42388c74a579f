/* lx's start: fill the file system from the boot image, read the run's settings there, load the program, enter it. */
#include "libos/lx/lx.h"
#include "libos/lx/vfs.h"
#include "libos/lx/net.h"
#include "libos/lx/volume.h"

/*
 * `mica run` puts the program and its files in the boot image with lx as
 * init, and a few settings beside them:
 *   .mica/argv   the arguments, each ending in a NUL; argv[0] is the program's path
 *   .mica/env    the environment, the same way (optional)
 *   .mica/time   the wall-clock time at launch, seconds since 1970, in decimal (optional)
 *   .mica/trace  present: print one line per syscall
 *   .mica/streams  the descriptors (of 0, 1, 2) that are the host's byte streams, not the console (optional)
 *   .mica/volumes  host folders to mount, a line each: "TAG rw|ro GUESTDIR" (optional; volume.c)
 *   .mica/cwd      the working directory (optional)
 *   .mica/ip       eth0's IPv4 address, taken without asking DHCP (optional; mica run --wire --ip)
 */
#define XSTACK_PAGES (XSTACK_SIZE / PAGE_SIZE)
#define LX_STACK_PAGES 16
#define LX_XSTACK (LX_STACKS + LX_SLOT_XSTACK) /* thread 1's exception stack: the 16 KiB below */
#define LX_KSTACK (LX_STACKS + LX_SLOT_KSTACK) /* thread 1's lx stack for syscalls: the 64 KiB below */

extern char lx_text_start[], lx_end[], lx_syscall_entry[];
void lx_fault(struct exc_frame *f);
uint64_t lx_boot_time;

/* Split a NUL-separated list of size bytes into a new NULL-terminated vector (entries point into data); NULL when out of memory. */
static char **split(const char *data, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < size; n++)
		i += strnlen(data + i, size - i) + 1;
	char **v = lx_alloc((n + 1) * sizeof(char *));
	for (size_t i = 0, k = 0; v && k < n; k++) {
		v[k] = (char *)data + i;
		i += strnlen(data + i, size - i) + 1;
	}
	return v;
}

/* A setting of the run, the image's file .mica/NAME (in lx's tree by now), as a copy in lx's heap (NUL-terminated), or NULL. */
static const char *setting(const char *name, size_t *size)
{
	struct dentry *d = dir_find(vfs_root, ".mica");
	struct inode *n = d && ISDIR(d->inode) && (d = dir_find(d->inode, name)) ? d->inode : NULL;
	if (!n || (n->mode & S_IFMT) != S_IFREG)
		return NULL;
	char *copy = lx_alloc(n->size + 1);
	if (copy)
		copy[reg_read(n, copy, n->size, 0)] = 0;
	*size = n->size;
	return copy;
}

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* The console's window size from .mica/winsize ("ROWS COLS", the host terminal's), if mica run wrote it. */
static void winsize_setting(void)
{
	size_t n;
	const char *s = setting("winsize", &n);
	if (!s)
		return;
	const char *cols = s;
	while (*cols >= '0' && *cols <= '9')
		cols++;
	while (*cols == ' ')
		cols++;
	console_set_size(parse_u64(s), parse_u64(cols));
}

/* Map n zeroed pages below top for lx's own use, with the extra PTE bits given. */
static void map_stack(uint64_t top, int n, uint64_t bits)
{
	for (int i = 1; i <= n; i++)
		if (page_alloc(0, top - (uint64_t)i * PAGE_SIZE, PTE_W | PTE_NX | bits) < 0)
			die("lx: out of memory for its stacks");
}

/* Stacks, the gs area, the fault handler, and the code range whose syscalls are kernel calls. */
static void setup_self(void)
{
	map_stack(LX_KSTACK, LX_STACK_PAGES, PTE_PKEY(LX_PKEY));
	map_stack(LX_XSTACK, XSTACK_PAGES, PTE_PKEY(LX_PKEY) | PTE_NOCOPY); /* a forked child gets fresh ones */
	map_stack(LX_STACKS + LX_SLOT_EXIT, 1, 0); /* thread 1's exit area: key 0 (entry.S) */
	lx_threads_init();
	set_upcall(UPCALL_EXCEPTION, lx_fault);
	set_upcall(UPCALL_REVOKE, lx_revoke);
	long r = sys_env_set_libos(0, (uint64_t)lx_text_start, (uint64_t)lx_end, (uint64_t)lx_syscall_entry);
	if (r < 0)
		die("lx: cannot register the libOS range: %s", mica_strerror((int)r));
	lx_pkey_init();
}

int main(void)
{
	size_t n = 0;
	lx_shared_init(); /* before anything allocates */
	lx_process_init(); /* pid 1's entry, which the file system and the threads fill in */
	if (!vfs_fds_init())
		die("lx: out of memory for the descriptor table");
	vfs_init((const void *)mica_start_info->image, mica_start_info->image_size); /* the settings are in it */
	const char *args = setting("argv", &n);
	char **argv = args ? split(args, n) : NULL;
	if (!argv || !argv[0])
		die("lx: no program to run (.mica/argv is missing or empty)");
	const char *env = setting("env", &n);
	char **envp = split(env ? env : "", env ? n : 0);
	if (!envp)
		die("lx: out of memory for the environment");
	lx_boot_time = parse_u64(setting("time", &n));
	lx_modes.trace = setting("trace", &n) != NULL;
	stream_init(setting("streams", &n));

	vfs_devices_init(); /* the standard descriptors are streams or the console, as the settings say */
	lx_hostname_init();
	winsize_setting();
	setup_self();
	stream_start(); /* a resize of the host's terminal is taken from now on */
	volume_init(setting("volumes", &n), setting("cwd", &n));
	net_init(setting("ip", &n)); /* before any fork: the stack's pages are shared from here on */
	uint64_t entry, sp;
	long r = lx_load(argv[0], argv, envp, &entry, &sp);
	if (r < 0) {
		printf("lx: cannot run %s: %s\n", argv[0], lx_load_why(r));
		lx_exit(r == -ENOENT ? 127 : 126);
	}
	lx_proc_exec_record(argv[0], argv, envp);
	lx_start(entry, sp);
}
