/* Environments: address spaces with an id, a parent, upcall entries, and the frames they own. */
#include "kernel.h"
#include "lib/elf.h"
#include "kernel/net.h"
#include "kernel/stream.h"
#include "kernel/blk.h"
#include "kernel/ninep.h"

struct env envs[NENV];
static uint64_t env_generation = 1;
static uint64_t kip_fn;

/* Map the kernel info page; called once the KIP exists. */
void env_init(void)
{
	kip_fn = V2P(kip) / PAGE_SIZE;
}

/* The env with this id, live or zombie, or NULL. */
struct env *env_lookup(uint64_t id)
{
	struct env *e = &envs[id & (NENV - 1)];
	return id != 0 && e->id == id ? e : NULL;
}

/*
 * The env that id names for caller: 0 is the caller itself, otherwise the
 * caller or one of its children, live. Sets *err to -E_NOENT for no such
 * live env and -E_PERM for an env the caller did not create.
 */
struct env *env_get(struct env *caller, long id, int *err)
{
	struct env *e = id == 0 ? caller : env_lookup((uint64_t)id);

	if (!e || e->state != ENV_LIVE) {
		*err = -E_NOENT;
		return NULL;
	}
	if (e != caller && e->parent != caller->id) {
		*err = -E_PERM;
		return NULL;
	}
	return e;
}

/* Give e its read-only KIP and env info pages. */
static int env_map_info(struct env *e)
{
	uint64_t pa = kalloc_page();
	if (!pa)
		return -E_NOMEM;
	e->info_fn = pa / PAGE_SIZE;
	e->info = P2V(pa);
	e->info->id = e->id;
	e->info->parent = e->parent;
	e->info->group = e->group;
	int r = pt_map(e->pml4, UENV, e->info_fn, PTE_NX);
	if (r == 0)
		r = pt_map(e->pml4, UKIP, kip_fn, PTE_NX);
	return r;
}

/*
 * A new live env with an empty address space, child of parent (NULL for the
 * root), with its limits (quota.c) and counted as parent's. -E_NOMEM: no free
 * slot or frame, or parent or an ancestor at its limit of envs.
 */
struct env *env_alloc(struct env *parent, int *err)
{
	struct env *e = NULL;
	for (int i = 1; i < NENV && !e; i++)
		if (envs[i].state == ENV_FREE)
			e = &envs[i];
	if (!e) {
		*err = -E_NOMEM;
		return NULL;
	}
	if (parent && (*err = res_check(parent, RES_ENV)) < 0)
		return NULL;
	uint64_t pml4 = pt_create();
	if (!pml4) {
		*err = -E_NOMEM;
		return NULL;
	}
	*e = (struct env){ .id = (env_generation++ << 8) | (uint64_t)(e - envs),
			   .parent = parent ? parent->id : 0, .state = ENV_LIVE, .pml4 = pml4 };
	e->group = parent ? parent->group : e->id;
	list_init(&e->threads);
	if ((*err = env_map_info(e)) < 0) {
		pt_destroy(pml4);
		if (e->info)
			kfree_page(e->info_fn * PAGE_SIZE);
		e->state = ENV_FREE;
		e->id = 0;
		return NULL;
	}
	res_init(e, parent);
	if (parent)
		res_take(parent, RES_ENV);
	return e;
}

/* Free a zombie's slot (no longer counted as its parent's) and return its exit status. */
long env_reap(struct env *caller, struct env *child)
{
	struct env *parent = env_lookup(child->parent);
	(void)caller;
	for (int k = 0; k < RES_NKINDS; k++)
		assert(child->held[k] == 0); /* env_exit gave back all it and its subtree held */
	if (parent)
		res_give(parent, RES_ENV);
	long status = child->status;
	child->state = ENV_FREE;
	child->id = 0;
	return status;
}

/* Children of a dying env: zombies are freed, live ones adopted by the root env with all they hold. */
static void env_orphan_children(struct env *e)
{
	for (int i = 1; i < NENV; i++) {
		struct env *c = &envs[i];
		if (c->state == ENV_FREE || c->parent != e->id)
			continue;
		if (c->state == ENV_ZOMBIE) {
			env_reap(e, c);
		} else {
			struct env *root = envs[1].state == ENV_LIVE ? &envs[1] : NULL;
			res_adopt(c, e, root);
			c->parent = root ? root->id : 0;
		}
	}
}

/* Wake a parent thread waiting for e (it reaps e), if there is one. */
static void env_notify_parent(struct env *e)
{
	struct env *parent = e->parent ? env_lookup(e->parent) : NULL;
	struct list *l;
	if (parent && parent->state == ENV_LIVE)
		list_for_each(l, &parent->threads) {
			struct thread *t = list_entry(l, struct thread, env_link);
			if (t->state == TH_WAITENV && t->wait_env == e->id) {
				thread_wake(t, env_reap(parent, e));
				return;
			}
		}
	if (!parent)
		env_reap(NULL, e);
}

/*
 * End env e with status: kill its threads, drop its objects, tear down its
 * address space and release its frames. It stays a zombie until its parent
 * waits for it. The root env's end powers the machine off with its status.
 */
void env_exit(struct env *e, long status, const char *why)
{
	if (e->state != ENV_LIVE)
		return;
	if (why)
		kprintf("env %lx: %s\n", e->id, why);
	while (!list_empty(&e->threads))
		thread_kill(list_entry(e->threads.next, struct thread, env_link));
	ipc_env_gone(e);
	net_env_gone(e); /* its filters, rings and the kernel's hold on their frames */
	stream_env_gone(e); /* the streams it claimed are free again */
	extent_env_gone(e); /* its extents, and those carved from them */
	blk_env_gone(e); /* its completion ring; its requests in flight hold their frames until they complete */
	ninep_env_gone(e); /* its 9p ring and the shares it held */
	for (int i = 0; i < NSLICE; i++)
		if (cpu.slices[i] == e->id) {
			cpu.slices[i] = 0;
			res_give(e, RES_SLICE);
		}
	if (cpu.space == e) {
		lcr3(V2P(boot_pml4));
		cpu.space = NULL;
	}
	pt_destroy(e->pml4);
	frame_release_owned(e); /* before the info page it reports in goes */
	kfree_page(e->info_fn * PAGE_SIZE);
	e->info = NULL;
	e->state = ENV_ZOMBIE;
	e->status = status;
	revoke_forget(e);
	if (e == &envs[1])
		poweroff((int)status);
	env_orphan_children(e);
	env_notify_parent(e);
}

/* Load a validated ELF image into e: frames owned by e, mapped with the segments' permissions. */
int env_load_elf(struct env *e, const void *data, size_t size, uint64_t *entry)
{
	struct elf_image img;
	int r = elf_parse(&img, data, size, USER_LIMIT);
	if (r < 0)
		return r;
	int cursor = 0;
	const Elf64_Phdr *ph;
	while ((ph = elf_load_next(&img, &cursor)) != NULL) {
		uint64_t perm = ((ph->p_flags & PF_W) ? PTE_W : 0) | ((ph->p_flags & PF_X) ? 0 : PTE_NX);
		for (uint64_t va = PGROUNDDOWN(ph->p_vaddr); va < ph->p_vaddr + ph->p_memsz; va += PAGE_SIZE) {
			uint64_t *pte = pt_lookup(e->pml4, va);
			long fn;
			if (pte && (*pte & PTE_P)) {
				fn = (*pte & PTE_ADDR) / PAGE_SIZE; /* shared with the previous segment */
				if ((r = pt_protect(e->pml4, va, (*pte & PTE_USER_PERMS) | (perm & PTE_W))) < 0)
					return r;
			} else {
				if ((fn = frame_alloc(e, -1)) < 0)
					return (int)fn;
				if ((r = pt_map(e->pml4, va, fn, perm)) < 0)
					return r;
			}
			uint64_t lo = va > ph->p_vaddr ? va : ph->p_vaddr;
			uint64_t hi = va + PAGE_SIZE < ph->p_vaddr + ph->p_filesz ? va + PAGE_SIZE : ph->p_vaddr + ph->p_filesz;
			if (lo < hi)
				memcpy((uint8_t *)P2V(fn * PAGE_SIZE) + (lo - va), (const uint8_t *)data + ph->p_offset + (lo - ph->p_vaddr), hi - lo);
		}
	}
	*entry = img.entry;
	return 0;
}
