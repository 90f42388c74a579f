/* Credentials: the user and group ids of a process (real, effective, saved, file system) and its groups. */
#include "libos/lx/lx.h"

/*
 * Every process starts as root. The ids are the process's own (kept in its
 * memory, so a fork copies them and an exec keeps them) and change as
 * Linux's do: a process whose effective uid is 0 may set any id, another
 * only to one of its real, effective and saved ids. They decide, as on
 * Linux, what it may do to files (the mode bits of their owner, group or
 * others; root passes every check but running a file no one may run) and
 * to which processes it may send signals.
 */
#define NGROUPS 64
#define KEEP ((uint32_t)-1)

static struct {
	uint32_t r, e, s, fs;
} uid, gid;
static uint32_t groups[NGROUPS];
static int ngroups;

static bool privileged(void)
{
	return uid.e == 0;
}

bool lx_cred_privileged(void)
{
	return privileged();
}

bool lx_cred_in_group(uint32_t g)
{
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == g)
			return true;
	return g == gid.fs;
}

int lx_cred_ids(uint32_t uids[4], uint32_t gids[4], const uint32_t **grps)
{
	uids[0] = uid.r, uids[1] = uid.e, uids[2] = uid.s, uids[3] = uid.fs;
	gids[0] = gid.r, gids[1] = gid.e, gids[2] = gid.s, gids[3] = gid.fs;
	*grps = groups;
	return ngroups;
}

uint32_t lx_cred_fsuid(void)
{
	return uid.fs;
}

uint32_t lx_cred_fsgid(void)
{
	return gid.fs;
}

bool lx_cred_may(const struct inode *n, int want, bool real)
{
	uint32_t u = real ? uid.r : uid.fs, mode = n->mode;
	if (u == 0) /* root: everything, but running a file needs some execute bit */
		return !(want & X_OK) || ISDIR(n) || (mode & S_IXUGO);
	uint32_t bits = u == n->uid ? mode >> 6 : (real ? n->gid == gid.r : lx_cred_in_group(n->gid)) ? mode >> 3 : mode;
	return ((uint32_t)want & ~bits & (R_OK | W_OK | X_OK)) == 0;
}

bool lx_cred_owns(const struct inode *n)
{
	return uid.fs == 0 || uid.fs == n->uid;
}

bool lx_cred_may_signal(const struct lx_proc *p, int sig)
{
	if (privileged() || p == lx_me)
		return true;
	if (uid.r == p->uid || uid.r == p->suid || uid.e == p->uid || uid.e == p->suid)
		return true;
	return sig == SIGCONT && p->sid == lx_me->sid;
}

/* May an unprivileged process take id v, given its real, effective and saved ids? */
static bool one_of(uint32_t v, uint32_t r, uint32_t e, uint32_t s)
{
	return v == r || v == e || v == s;
}

/* setresuid/setresgid on ids: each of r, e, s unless KEEP; fs follows e. 0 or -EPERM. */
static long set_res(bool user, uint32_t r, uint32_t e, uint32_t s)
{
	uint32_t *id = user ? &uid.r : &gid.r; /* r, e, s, fs in order */
	if (!privileged())
		for (int i = 0; i < 3; i++) {
			uint32_t v = i == 0 ? r : i == 1 ? e : s;
			if (v != KEEP && !one_of(v, id[0], id[1], id[2]))
				return -EPERM;
		}
	if (r != KEEP)
		id[0] = r;
	if (user) {
		lx_me->uid = uid.r; /* for RLIMIT_NPROC and kill, which look at other processes' ids */
		lx_me->suid = uid.s;
	}
	if (e != KEEP)
		id[1] = id[3] = e;
	if (s != KEEP)
		id[2] = s;
	return 0;
}

long lx_sys_getuid(void) { return uid.r; }
long lx_sys_geteuid(void) { return uid.e; }
long lx_sys_getgid(void) { return gid.r; }
long lx_sys_getegid(void) { return gid.e; }
long lx_sys_setresuid(uint32_t r, uint32_t e, uint32_t s) { return set_res(true, r, e, s); }
long lx_sys_setresgid(uint32_t r, uint32_t e, uint32_t s) { return set_res(false, r, e, s); }

/* setreuid, setregid: a new real id (or a new effective one differing from the old real) also sets the saved one */
static long set_re(bool is_uid, uint32_t r, uint32_t e)
{
	const uint32_t *id = is_uid ? &uid.r : &gid.r;
	bool saved = r != KEEP || (e != KEEP && e != id[0]);
	return set_res(is_uid, r, e, saved ? (e != KEEP ? e : id[1]) : KEEP);
}
long lx_sys_setreuid(uint32_t r, uint32_t e) { return set_re(true, r, e); }
long lx_sys_setregid(uint32_t r, uint32_t e) { return set_re(false, r, e); }

/* setuid, setgid: privileged, all three ids; else only the effective one, to the real or saved */
static long set_one(bool is_uid, uint32_t v)
{
	if (v == KEEP)
		return -EINVAL;
	return privileged() ? set_res(is_uid, v, v, v) : set_res(is_uid, KEEP, v, KEEP);
}
long lx_sys_setuid(uint32_t id) { return set_one(true, id); }
long lx_sys_setgid(uint32_t id) { return set_one(false, id); }

/* getresuid/getresgid: the three ids to three user addresses. */
static long get_res(const uint32_t *id, uint64_t ur, uint64_t ue, uint64_t us)
{
	if (!mem_user_ok(ur, 4, true) || !mem_user_ok(ue, 4, true) || !mem_user_ok(us, 4, true))
		return -EFAULT;
	*(uint32_t *)ur = id[0];
	*(uint32_t *)ue = id[1];
	*(uint32_t *)us = id[2];
	return 0;
}
long lx_sys_getresuid(uint64_t ur, uint64_t ue, uint64_t us) { return get_res(&uid.r, ur, ue, us); }
long lx_sys_getresgid(uint64_t ur, uint64_t ue, uint64_t us) { return get_res(&gid.r, ur, ue, us); }

/* setfsuid/setfsgid: the old file-system id; the new one when allowed (privileged, or one of r, e, s). */
static long set_fs(uint32_t *id, uint32_t v)
{
	uint32_t old = id[3];
	if (v != KEEP && (privileged() || one_of(v, id[0], id[1], id[2]) || v == id[3]))
		id[3] = v;
	return old;
}
long lx_sys_setfsuid(uint32_t id) { return set_fs(&uid.r, id); }
long lx_sys_setfsgid(uint32_t id) { return set_fs(&gid.r, id); }

long lx_sys_getgroups(long size, long list)
{
	if ((int)size < 0)
		return -EINVAL;
	if ((int)size == 0)
		return ngroups;
	if ((int)size < ngroups)
		return -EINVAL;
	if (!mem_user_ok((uint64_t)list, (uint64_t)ngroups * 4, true))
		return -EFAULT;
	memcpy((void *)list, groups, (size_t)ngroups * 4);
	return ngroups;
}

long lx_sys_setgroups(long size, long list)
{
	if ((int)size < 0 || (int)size > NGROUPS)
		return -EINVAL;
	if (!privileged())
		return -EPERM;
	if (size && !mem_user_ok((uint64_t)list, (uint64_t)size * 4, false))
		return -EFAULT;
	memcpy(groups, (const void *)list, (size_t)size * 4);
	ngroups = (int)size;
	return 0;
}
