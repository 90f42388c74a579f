/* System V shared memory: shmget, shmat, shmdt, shmctl; a segment is a file in no directory, attached as a shared mapping of it. */
#include "libos/lx/vfs.h"

/*
 * A segment's pages are its file's (in the heap all processes share), so
 * every attach, in any process, maps the same frames, and a fork's copy of
 * an attach is one more: the file's count of shared mappings is the
 * segment's shm_nattch. A removed segment (SHM_DEST) keeps its slot, with
 * key IPC_PRIVATE, until no attach is left (lx_shm_reap).
 */
struct shmseg {
	struct ipc_obj o;
	uint64_t segsz;
	struct file *file; /* the segment's own file, open for reading and writing */
	int32_t cpid, lpid;
	int64_t atime, dtime;
};

static struct shmseg *seg_find(long id)
{
	return (struct shmseg *)ipc_find(IPC_KIND_SHM, id);
}

static struct shmseg *seg_at(int slot)
{
	return (struct shmseg *)ipc_at(IPC_KIND_SHM, slot);
}

/* A new segment of size bytes for key: its id, or -EINVAL, -ENOSPC, -ENOMEM. */
static long seg_new(int32_t key, uint64_t size, long flg)
{
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	struct shmseg *s = lx_alloc(sizeof(*s));
	if (!s || file_open_new((uint32_t)flg & 0777, &s->file) < 0 || reg_resize(s->file->inode, PGROUNDUP_U(size)) < 0) {
		if (s && s->file)
			file_put(s->file);
		lx_free(s);
		return -ENOMEM;
	}
	s->segsz = size;
	s->cpid = lx_pid;
	long r = ipc_add(IPC_KIND_SHM, &s->o, key, flg);
	if (r < 0) {
		file_put(s->file);
		lx_free(s);
	} else {
		ipc_tables()->shm_pages += PGROUNDUP_U(size) / PAGE_SIZE;
	}
	return r;
}

long lx_sys_shmget(long key, long size, long flg)
{
	struct ipc_obj *o;
	long r = ipc_lookup_key(IPC_KIND_SHM, (int32_t)key, flg, &o);
	if (r == 0)
		return (uint64_t)size > ((struct shmseg *)o)->segsz ? -EINVAL : ipc_get_existing(o, flg);
	return r < 0 ? r : seg_new((int32_t)key, (uint64_t)size, flg);
}

/* How many processes' areas map s now. */
static uint64_t seg_nattch(const struct shmseg *s)
{
	return (uint64_t)s->file->inode->maps;
}

long lx_sys_shmat(long shmid, long addr, long flg)
{
	if ((int)shmid < 0)
		return -EINVAL;
	if (addr & (SHMLBA - 1)) {
		if (!(flg & SHM_RND))
			return -EINVAL;
		addr &= ~(long)(SHMLBA - 1);
	}
	int prot = (flg & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE, want = (flg & SHM_RDONLY) ? 0444 : 0666;
	if (flg & SHM_EXEC) {
		prot |= PROT_EXEC;
		want |= 0111;
	}
	struct shmseg *s = seg_find((int)shmid);
	if (!s)
		return -EINVAL;
	if (!ipc_may(&s->o, want))
		return -EACCES;
	int how = MAP_SHARED | (!addr ? 0 : (flg & SHM_REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE);
	long r = mem_map((uint64_t)addr, PGROUNDUP_U(s->segsz), prot, how, s->file, 0);
	if (r == -EEXIST)
		return -EINVAL; /* a chosen address where something is mapped already */
	if (r >= 0) {
		s->lpid = lx_pid;
		s->atime = ipc_now();
	}
	return r;
}

/* The segment whose file's inode is n, or NULL. */
static struct shmseg *seg_of_inode(const struct inode *n)
{
	for (int i = 0; i < IPC_SLOTS; i++)
		if (seg_at(i) && seg_at(i)->file->inode == n)
			return seg_at(i);
	return NULL;
}

long lx_sys_shmdt(long addr)
{
	struct vma *v = (addr & (PAGE_SIZE - 1)) ? NULL : mem_area_at((uint64_t)addr);
	struct shmseg *s = v && v->start == (uint64_t)addr && v->file && v->offset == 0 ? seg_of_inode(v->file->inode) : NULL;
	if (!s || !(v->flags & MAP_SHARED))
		return -EINVAL;
	uint64_t end = (uint64_t)addr + PGROUNDUP_U(s->segsz);
	for (uint64_t a = (uint64_t)addr; a < end;) { /* every piece of this attach (mprotect may have split it) */
		v = mem_area_at(a);
		uint64_t next = !v ? a + PAGE_SIZE : v->end < end ? v->end : end;
		if (v && v->file && v->file->inode == s->file->inode)
			mem_unmap(a, next - a);
		a = next;
	}
	s->lpid = lx_pid;
	s->dtime = ipc_now();
	lx_shm_reap();
	return 0;
}

/* The segment's struct shmid64_ds. */
static void seg_stat(const struct shmseg *s, struct linux_shmid64_ds *ds)
{
	*ds = (struct linux_shmid64_ds){ .shm_perm = s->o.perm, .shm_segsz = s->segsz, .shm_atime = s->atime,
					 .shm_dtime = s->dtime, .shm_ctime = s->o.ctime, .shm_cpid = s->cpid,
					 .shm_lpid = s->lpid, .shm_nattch = seg_nattch(s) };
}

/* Drop s: out of the table, its file (and pages) gone with the last attach. */
static void seg_free(struct shmseg *s)
{
	ipc_remove(IPC_KIND_SHM, &s->o);
	ipc_tables()->shm_pages -= PGROUNDUP_U(s->segsz) / PAGE_SIZE;
	file_put(s->file);
	lx_free(s);
}

void lx_shm_reap(void)
{
	for (int i = 0; i < IPC_SLOTS; i++)
		if (seg_at(i) && (seg_at(i)->o.perm.mode & SHM_DEST) && seg_nattch(seg_at(i)) == 0)
			seg_free(seg_at(i));
}

/* IPC_INFO (the limits) and SHM_INFO (what is in use): the highest slot in use. */
static long shm_info(long cmd, uint64_t ubuf)
{
	if (cmd == IPC_INFO) {
		struct linux_shminfo64 si = { .shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = IPC_SLOTS, .shmseg = SHMSEG,
					      .shmall = SHMALL };
		return copy_to_user(ubuf, &si, sizeof(si)) < 0 ? -EFAULT : ipc_max_slot(IPC_KIND_SHM);
	}
	struct linux_shm_info si = { .used_ids = ipc_count(IPC_KIND_SHM) };
	si.shm_tot = LX_SH->sysvipc ? LX_SH->sysvipc->shm_pages : 0;
	for (int i = 0; i < IPC_SLOTS; i++) {
		struct inode *n = seg_at(i) ? seg_at(i)->file->inode : NULL;
		for (uint64_t p = 0; n && p < n->npages; p++)
			si.shm_rss += n->pages[p] != NULL;
	}
	return copy_to_user(ubuf, &si, sizeof(si)) < 0 ? -EFAULT : ipc_max_slot(IPC_KIND_SHM);
}

/* IPC_SET, IPC_RMID, SHM_LOCK, SHM_UNLOCK: for the owner, the creator or root. */
static long seg_change(struct shmseg *s, long cmd, uint64_t ubuf)
{
	struct linux_shmid64_ds ds;
	if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof(ds)) < 0)
		return -EFAULT;
	long r = ipc_owner_check(&s->o);
	if (r < 0)
		return r;
	if (cmd == IPC_SET) {
		ipc_set_perm(&s->o, &ds.shm_perm);
	} else if (cmd == IPC_RMID) {
		s->o.perm.mode |= SHM_DEST;
		s->o.perm.key = IPC_PRIVATE;
		lx_shm_reap();
	} else if (cmd == SHM_LOCK) {
		s->o.perm.mode |= SHM_LOCKED;
	} else {
		s->o.perm.mode &= ~(uint32_t)SHM_LOCKED;
	}
	return 0;
}

long lx_sys_shmctl(long shmid, long cmd, uint64_t ubuf)
{
	if ((int)shmid < 0 || (int)cmd < 0)
		return -EINVAL;
	if (cmd == IPC_INFO || cmd == SHM_INFO)
		return shm_info(cmd, ubuf);
	if (cmd != SHM_STAT && cmd != SHM_STAT_ANY && cmd != IPC_STAT && cmd != IPC_SET && cmd != IPC_RMID &&
	    cmd != SHM_LOCK && cmd != SHM_UNLOCK)
		return -EINVAL;
	struct ipc_obj *o = NULL;
	long r = ipc_ctl_find(IPC_KIND_SHM, (int)shmid, cmd, SHM_STAT, SHM_STAT_ANY, &o);
	if (r < 0)
		return r;
	struct shmseg *s = (struct shmseg *)o;
	if (cmd != IPC_STAT && cmd != SHM_STAT && cmd != SHM_STAT_ANY)
		return seg_change(s, cmd, ubuf);
	struct linux_shmid64_ds ds;
	seg_stat(s, &ds);
	return ipc_stat_out(o, cmd, ubuf, &ds, sizeof(ds));
}

/* One segment's line of /proc/sysvipc/shm (its rss in bytes). */
static int seg_line(struct ipc_obj *o, char *buf, size_t n)
{
	struct shmseg *s = (struct shmseg *)o;
	struct inode *f = s->file->inode;
	uint64_t rss = 0;
	for (uint64_t p = 0; p < f->npages; p++)
		rss += f->pages[p] ? PAGE_SIZE : 0;
	return fmt_snprintf(buf, n, "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
			     o->perm.key, o->id, o->perm.mode, s->segsz, s->cpid, s->lpid, seg_nattch(s), o->perm.uid,
			     o->perm.gid, o->perm.cuid, o->perm.cgid, s->atime, s->dtime, o->ctime, rss, 0UL);
}

long lx_sysvipc_proc_shm(struct inode *n, char **buf, size_t *len)
{
	(void)n;
	return ipc_proc_text(IPC_KIND_SHM,
			     "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n",
			     seg_line, buf, len);
}
