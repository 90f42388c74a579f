/* Credentials: the user and group ids of a process (real, effective, saved, file system) and its groups. */
#include "libos/lx/lx.h"

/*
 * Every process starts as root. The ids are the process's own (kept in its
 * memory, so a fork copies them and an exec keeps them) and change as
 * Linux's do: a process whose effective uid is 0 may set any id, another
 * only to one of its real, effective and saved ids. lx checks no file
 * permissions against them; they are what the program is told.
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
	if (user)
		lx_me->uid = uid.r; /* for RLIMIT_NPROC, counted across the processes */
	if (e != KEEP)
		id[1] = id[3] = e;
	if (s != KEEP)
		id[2] = s;
	return 0;
}

#define ID_CALL(name, expr) \
	long lx_sys_##name(long a1, long a2, long a3, long a4, long a5, long a6) \
	{ (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6; return (expr); }
ID_CALL(getuid, uid.r)
ID_CALL(geteuid, uid.e)
ID_CALL(getgid, gid.r)
ID_CALL(getegid, gid.e)
ID_CALL(setresuid, set_res(true, (uint32_t)a1, (uint32_t)a2, (uint32_t)a3))
ID_CALL(setresgid, set_res(false, (uint32_t)a1, (uint32_t)a2, (uint32_t)a3))
/* setreuid: a new real id (or a new effective one differing from the old real) also sets the saved one */
ID_CALL(setreuid, set_res(true, (uint32_t)a1, (uint32_t)a2,
			  (uint32_t)a1 != KEEP || ((uint32_t)a2 != KEEP && (uint32_t)a2 != uid.r) ? ((uint32_t)a2 != KEEP ? (uint32_t)a2 : uid.e) : KEEP))
ID_CALL(setregid, set_res(false, (uint32_t)a1, (uint32_t)a2,
			  (uint32_t)a1 != KEEP || ((uint32_t)a2 != KEEP && (uint32_t)a2 != gid.r) ? ((uint32_t)a2 != KEEP ? (uint32_t)a2 : gid.e) : KEEP))
/* setuid: privileged, all three ids; else only the effective one, to the real or saved */
ID_CALL(setuid, (uint32_t)a1 == KEEP ? -EINVAL : privileged() ? set_res(true, (uint32_t)a1, (uint32_t)a1, (uint32_t)a1)
								: set_res(true, KEEP, (uint32_t)a1, KEEP))
ID_CALL(setgid, (uint32_t)a1 == KEEP ? -EINVAL : privileged() ? set_res(false, (uint32_t)a1, (uint32_t)a1, (uint32_t)a1)
								: set_res(false, KEEP, (uint32_t)a1, KEEP))

/* getresuid/getresgid: the three ids to three user addresses. */
static long get_res(const uint32_t *id, long ur, long ue, long us)
{
	if (!mem_user_ok((uint64_t)ur, 4, true) || !mem_user_ok((uint64_t)ue, 4, true) || !mem_user_ok((uint64_t)us, 4, true))
		return -EFAULT;
	*(uint32_t *)ur = id[0];
	*(uint32_t *)ue = id[1];
	*(uint32_t *)us = id[2];
	return 0;
}
ID_CALL(getresuid, get_res(&uid.r, a1, a2, a3))
ID_CALL(getresgid, get_res(&gid.r, a1, a2, a3))

/* setfsuid/setfsgid: the old file-system id; the new one when allowed (privileged, or one of r, e, s). */
static long set_fs(uint32_t *id, uint32_t v)
{
	uint32_t old = id[3];
	if (v != KEEP && (privileged() || one_of(v, id[0], id[1], id[2]) || v == id[3]))
		id[3] = v;
	return old;
}
ID_CALL(setfsuid, set_fs(&uid.r, (uint32_t)a1))
ID_CALL(setfsgid, set_fs(&gid.r, (uint32_t)a1))

long lx_sys_getgroups(long size, long list, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
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

long lx_sys_setgroups(long size, long list, long a3, long a4, long a5, long a6)
{
	(void)a3, (void)a4, (void)a5, (void)a6;
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
