/* The system and the process's place in it: uname, reboot, prctl, arch_prctl, rseq, capabilities, sync. */
#include "libos/lx/vfs.h"
#include "libos/lx/volume.h"

/* reboot: as the only process of its VM, the program may power it off (status 0). */
long lx_sys_reboot(long magic1, long magic2, long cmd, long arg)
{
	(void)arg;
	uint32_t m2 = (uint32_t)magic2;
	if ((uint32_t)magic1 != LINUX_REBOOT_MAGIC1 || (m2 != LINUX_REBOOT_MAGIC2 && m2 != LINUX_REBOOT_MAGIC2A &&
							m2 != LINUX_REBOOT_MAGIC2B && m2 != LINUX_REBOOT_MAGIC2C))
		return -EINVAL;
	switch ((uint32_t)cmd) {
	case LINUX_REBOOT_CMD_POWER_OFF:
	case LINUX_REBOOT_CMD_HALT:
	case LINUX_REBOOT_CMD_RESTART:
		lx_exit(0);
	default:
		return -EINVAL;
	}
}

/* rseq: not offered; glibc goes on without it. */
long lx_sys_rseq(void)
{
	return -ENOSYS;
}


long lx_sys_prctl(long op, long arg)
{
	switch (op) {
	case 15: { /* PR_SET_NAME: at most 15 bytes of it */
		char name[sizeof(lx_me->comm)] = { 0 };
		if (strncpy_from_user(name, (uint64_t)arg, sizeof(name) - 1) < 0)
			return -EFAULT;
		memcpy(lx_me->comm, name, sizeof(name));
		return 0;
	}
	case 16: /* PR_GET_NAME */
		return copy_to_user((uint64_t)arg, lx_me->comm, sizeof(lx_me->comm));
	case 3: /* PR_GET_DUMPABLE */
		return 1;
	case 4: /* PR_SET_DUMPABLE */
		return arg == 0 || arg == 1 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}


/* Takes the host name from the first line of the root's /etc/hostname, as a Linux system's start-up does; else "mica". */
void lx_hostname_init(void)
{
	char *name = LX_SH->hostname;
	size_t size = sizeof(LX_SH->hostname);
	strlcpy(name, "mica", size);
	struct dentry *etc = dir_find(vfs_root, "etc");
	struct dentry *d = etc && ISDIR(etc->inode) ? dir_find(etc->inode, "hostname") : NULL;
	if (!d || !ISREG(d->inode))
		return;
	char text[65];
	long n = reg_read(d->inode, text, sizeof(text) - 1, 0);
	size_t len = 0;
	while (n > 0 && len < (size_t)n && text[len] != '\n' && text[len] != ' ' && text[len] != '\t')
		len++;
	if (len == 0)
		return;
	text[len] = 0;
	strlcpy(name, text, size);
}

const char *lx_hostname(void)
{
	return LX_SH->hostname;
}

long lx_sys_uname(long buf)
{
	struct linux_utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, lx_hostname(), sizeof(u.nodename));
	strlcpy(u.release, "6.1.0-mica", sizeof(u.release));
	strlcpy(u.version, "#1 SMP Mica lx", sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domainname, "(none)", sizeof(u.domainname));
	return copy_to_user((uint64_t)buf, &u, sizeof(u));
}

long lx_sys_arch_prctl(long code, long addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if ((uint64_t)addr >= USER_TOP)
			return -EPERM;
		lx_self()->fs = (uint64_t)addr;
		return lx_errno(sys_thread_set(0, THREAD_FSBASE, (uint64_t)addr));
	case ARCH_GET_FS:
		return copy_to_user((uint64_t)addr, &lx_self()->fs, sizeof(uint64_t));
	default:
		return -EINVAL; /* gs belongs to lx */
	}
}

/*
 * Capabilities: every process of lx runs as root, with all of them (those
 * up to CAP_CHECKPOINT_RESTORE, 40), and none inheritable; capset accepts
 * what it is given without enforcing anything, as nothing here checks them.
 */

/* The words of capability data a header's version asks for (1 or 2), or 0 for an unknown version (then set to v3). */
static int cap_words(long uhdr)
{
	if (!mem_user_ok((uint64_t)uhdr, 8, true))
		return -EFAULT;
	uint32_t v = *(uint32_t *)uhdr;
	if (v == CAP_V1)
		return 1;
	if (v == CAP_V2 || v == CAP_V3)
		return 2;
	*(uint32_t *)uhdr = CAP_V3;
	return 0;
}

long lx_sys_capget(uint64_t uhdr, uint64_t udata)
{
	int words = cap_words(uhdr);
	if (words <= 0)
		return words < 0 ? words : udata ? -EINVAL : 0;
	if (*(int32_t *)(uhdr + 4) < 0)
		return -EINVAL;
	if (!udata)
		return 0;
	uint32_t data[2][3] = { { 0xFFFFFFFFu, 0xFFFFFFFFu, 0 }, { 0x1FF, 0x1FF, 0 } };
	return copy_to_user((uint64_t)udata, data, (size_t)words * 12);
}

long lx_sys_capset(uint64_t uhdr, uint64_t udata)
{
	int words = cap_words(uhdr);
	if (words <= 0)
		return words < 0 ? words : -EINVAL;
	if (*(int32_t *)(uhdr + 4) != 0 && *(int32_t *)(uhdr + 4) != lx_pid)
		return -EPERM;
	return mem_user_ok((uint64_t)udata, (size_t)words * 12, false) ? 0 : -EFAULT;
}

/* sync: the volumes' servers write back what they keep, then lx's disk caches go to the disks (lx's own files
 * live in memory). syncfs is fsync's twin, in vfs_io.c, or the volume's in volume_fd.c. */
long lx_sys_sync(void)
{
	volume_sync_all();
	blkdev_sync(); /* sync(2) reports nothing */
	return 0;
}
