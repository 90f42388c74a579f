/* Tests of protection: what an env may not map, read, write or pass to the kernel. */
#include "check.h"
#include <mica/net.h>
#include <mica/dpf.h>

#define VA 0x30000000UL
#define VA_NET 0x31000000UL /* pages for the network calls */

static volatile uint64_t n_faults, last_trapno, last_err, last_addr;
static volatile uint64_t skip_to; /* a fault resumes there */

static void handler(struct exc_frame *f)
{
	n_faults++;
	last_trapno = f->trapno;
	last_err = f->err;
	last_addr = f->addr;
	if (!skip_to)
		die("protect: unexpected trap %lu at %#lx (addr %#lx)", f->trapno, f->rip, f->addr);
	f->rip = skip_to;
	skip_to = 0;
}

/* Read a word at va; *faulted says whether the read faulted (then the result is the marker). */
static uint64_t try_read(uint64_t va, bool *faulted)
{
	uint64_t n0 = n_faults, v = 0x5EAD;
	__asm__ volatile("leaq 1f(%%rip), %%rcx\n"
			 "movq %%rcx, %1\n"
			 "movq (%2), %0\n"
			 "1:"
			 : "+r"(v), "=m"(skip_to)
			 : "r"(va)
			 : "rcx", "memory");
	skip_to = 0;
	*faulted = n_faults == n0 + 1;
	return v;
}

/* Write a word at va; true when the write faulted. */
static bool try_write(uint64_t va, uint64_t val)
{
	uint64_t n0 = n_faults;
	__asm__ volatile("leaq 1f(%%rip), %%rcx\n"
			 "movq %%rcx, %0\n"
			 "movq %2, (%1)\n"
			 "1:"
			 : "=m"(skip_to)
			 : "r"(va), "r"(val)
			 : "rcx", "memory");
	skip_to = 0;
	return n_faults == n0 + 1;
}

/* Jump to va; true when fetching there faulted. */
static bool try_exec(uint64_t va)
{
	uint64_t n0 = n_faults;
	__asm__ volatile("leaq 1f(%%rip), %%rcx\n"
			 "movq %%rcx, %0\n"
			 "jmp *%1\n"
			 "1:"
			 : "=m"(skip_to)
			 : "r"(va)
			 : "rcx", "memory");
	skip_to = 0;
	return n_faults == n0 + 1;
}

static bool is_pf_or_gp(void)
{
	return last_trapno == T_PGFLT || last_trapno == T_GPFLT;
}

/* The network calls refuse what is not the caller's: addresses, pages, notifications, rings, filters. */
static void test_net_args(void)
{
	static struct dpf_filter bad = { .natoms = DPF_MAX_ATOMS + 1 };
	struct net_tx tx = { .va = KERNBASE, .len = 64 };
	long nt = sys_ntfn_create(), fn = page_alloc(0, VA_NET, PTE_W), fn2 = page_alloc(0, VA_NET + PAGE_SIZE, PTE_W);
	CHECK("net-setup", nt > 0 && fn >= 0 && fn2 >= 0);
	CHECK_EQ("ring-unaligned", sys_net_ring_bind(VA_NET + 8, 2, nt, 1), -E_INVAL);
	CHECK_EQ("ring-one-page", sys_net_ring_bind(VA_NET, 1, nt, 1), -E_INVAL);
	CHECK_EQ("ring-too-big", sys_net_ring_bind(VA_NET, NET_RING_MAX_PAGES + 1, nt, 1), -E_INVAL);
	CHECK_EQ("ring-kip", sys_net_ring_bind(UKIP, 2, nt, 1), -E_INVAL);
	CHECK_EQ("ring-kernel", sys_net_ring_bind(KERNBASE, 2, nt, 1), -E_INVAL);
	CHECK_EQ("ring-wraps", sys_net_ring_bind(USER_LIMIT - PAGE_SIZE, 2, nt, 1), -E_INVAL);
	CHECK_EQ("ring-no-bits", sys_net_ring_bind(VA_NET, 2, nt, 0), -E_INVAL);
	CHECK_EQ("ring-bad-ntfn", sys_net_ring_bind(VA_NET, 2, 12345, 1), -E_NOENT);
	CHECK_EQ("ring-unmapped-page", sys_net_ring_bind(VA_NET, 3, nt, 1), -E_FAULT);
	CHECK_EQ("ring-read-only-page", sys_protect(0, VA_NET + PAGE_SIZE, 0), 0);
	CHECK_EQ("ring-read-only", sys_net_ring_bind(VA_NET, 2, nt, 1), -E_FAULT);
	CHECK_EQ("ring-image-page", sys_net_ring_bind(mica_start_info->image & ~(PAGE_SIZE - 1), 2, nt, 1), -E_INVAL);
	CHECK_EQ("filter-no-ring", sys_net_filter(12345, &bad), -E_NOENT);
	CHECK_EQ("filter-unreadable", sys_net_filter(NET_TX, (void *)KERNBASE), -E_FAULT);
	CHECK_EQ("filter-malformed", sys_net_filter(NET_TX, &bad), -E_INVAL);
	CHECK_EQ("filter-remove-none", sys_net_filter_remove(-1), -E_NOENT);
	CHECK_EQ("send-none", sys_net_send(&tx, 0), -E_INVAL);
	CHECK_EQ("send-too-many", sys_net_send(&tx, NET_TX_BATCH + 1), -E_INVAL);
	CHECK_EQ("send-batch-kernel", sys_net_send((void *)KERNBASE, 1), -E_FAULT);
	CHECK_EQ("send-packet-kernel", sys_net_send(&tx, 1), -E_FAULT);
	CHECK_EQ("info-kernel", sys_net_info((void *)KERNBASE), -E_FAULT);
	CHECK_EQ("info-kip", sys_net_info((void *)UKIP), -E_FAULT);
	CHECK("net-cleanup", sys_unmap(0, VA_NET) == 0 && sys_unmap(0, VA_NET + PAGE_SIZE) == 0 &&
				     sys_frame_free(0, fn) == 0 && sys_frame_free(0, fn2) == 0 && sys_ntfn_destroy(nt) == 0);
}

int main(void)
{
	check_prog = "protect";
	bool f;
	CHECK_EQ("set-upcall", set_upcall(UPCALL_EXCEPTION, handler), 0);

	/* user access to kernel memory faults and reads nothing */
	uint64_t v = try_read(KERNBASE + 0x100000, &f);
	CHECK("read-kernel-image-faults", f && is_pf_or_gp());
	CHECK_EQ("read-kernel-image-pf-user-present", last_err & (PFERR_U | PFERR_P), PFERR_U | PFERR_P);
	CHECK_EQ("read-kernel-image-no-data", v, 0x5EAD);
	v = try_read(PHYSMAP + 0x100000, &f);
	CHECK("read-physmap-faults", f && is_pf_or_gp());
	CHECK_EQ("read-physmap-no-data", v, 0x5EAD);
	v = try_read(0x8000000000000000UL, &f);
	CHECK("read-noncanonical-faults", f && last_trapno == T_GPFLT);
	CHECK("write-kernel-faults", try_write(KERNBASE + 0x100000, 1) && is_pf_or_gp());
	CHECK("exec-kernel-faults", try_exec(KERNBASE + 0x100000) && is_pf_or_gp());

	/* the shared pages are readable, not writable, not executable */
	uint64_t magic = KIP->magic;
	CHECK_EQ("kip-readable", magic, KIP_MAGIC);
	CHECK("kip-write-faults", try_write(UKIP, 0) && last_trapno == T_PGFLT);
	CHECK_EQ("kip-write-err", last_err & (PFERR_U | PFERR_W | PFERR_P), PFERR_U | PFERR_W | PFERR_P);
	CHECK_EQ("kip-write-addr", last_addr, UKIP);
	CHECK_EQ("kip-unchanged", KIP->magic, KIP_MAGIC);
	CHECK("kip-exec-faults", try_exec(UKIP) && last_trapno == T_PGFLT && (last_err & PFERR_I));
	uint64_t id = ENVINFO->id;
	CHECK("uenv-write-faults", try_write(UENV, 0) && last_trapno == T_PGFLT);
	CHECK_EQ("uenv-unchanged", ENVINFO->id, id);
	CHECK("uvpt-readable", (*uvpt_pml4e(UKIP) & PTE_P) != 0);
	CHECK("uvpt-write-faults", try_write((uint64_t)uvpt_pml4e(UKIP), 0) && last_trapno == T_PGFLT);
	CHECK("uvpt-pte-write-faults", try_write((uint64_t)uvpt_pte(UKIP), 0) && last_trapno == T_PGFLT);
	CHECK("uvpt-unchanged", (*uvpt_pte(UKIP) & PTE_P) && !(*uvpt_pte(UKIP) & PTE_W));
	CHECK("boot-image-write-faults", try_write(mica_start_info->image & ~(PAGE_SIZE - 1), 0));

	/* mapping outside user memory */
	long fn = sys_frame_alloc(0, -1);
	CHECK("alloc", fn > 0);
	CHECK_EQ("map-kernbase", sys_map(0, KERNBASE, fn, 0), -E_INVAL);
	CHECK_EQ("map-physmap", sys_map(0, PHYSMAP, fn, 0), -E_INVAL);
	CHECK_EQ("map-noncanonical", sys_map(0, 0x8000000000000000UL, fn, 0), -E_INVAL);
	CHECK_EQ("map-uvpt", sys_map(0, UVPT, fn, 0), -E_INVAL);
	CHECK_EQ("map-kip", sys_map(0, UKIP, fn, 0), -E_INVAL);
	CHECK_EQ("map-uenv", sys_map(0, UENV, fn, 0), -E_INVAL);
	CHECK_EQ("map-boot-window-writable", sys_map(0, UENV - PAGE_SIZE, fn, PTE_W), -E_INVAL);
	CHECK_EQ("map-bad-perm-user", sys_map(0, VA, fn, PTE_U), -E_INVAL);
	CHECK_EQ("map-bad-perm-pcd", sys_map(0, VA, fn, PTE_PCD), -E_INVAL);
	CHECK_EQ("protect-kip", sys_protect(0, UKIP, PTE_W), -E_INVAL);
	CHECK_EQ("protect-uenv", sys_protect(0, UENV, 0), -E_INVAL);
	CHECK_EQ("unmap-kip", sys_unmap(0, UKIP), -E_INVAL);
	CHECK_EQ("unmap-uenv", sys_unmap(0, UENV), -E_INVAL);
	CHECK_EQ("unmap-kernel", sys_unmap(0, KERNBASE), -E_INVAL);
	CHECK_EQ("map-copy-from-kip", sys_map_copy(0, UKIP, 0, VA, 0), -E_INVAL);
	CHECK_EQ("map-copy-to-kip", sys_map_copy(0, mica_start_info->image & ~(PAGE_SIZE - 1), 0, UKIP, 0), -E_INVAL);
	CHECK_EQ("map-copy-unaligned", sys_map_copy(0, VA + 8, 0, VA, 0), -E_INVAL);
	CHECK_EQ("map-copy-unmapped", sys_map_copy(0, VA, 0, VA + PAGE_SIZE, 0), -E_NOENT);
	CHECK_EQ("kip-still-there", KIP->magic, KIP_MAGIC);

	/* frames the env does not control */
	CHECK_EQ("map-kernel-frame", sys_map(0, VA, 1, 0), -E_PERM);
	long freefn = sys_frame_alloc(0, -1);
	CHECK("free-frame", freefn > 0 && sys_frame_free(0, freefn) == 0);
	CHECK_EQ("map-free-frame", sys_map(0, VA, freefn, 0), -E_PERM);
	CHECK_EQ("map-frame-beyond-ram", sys_map(0, VA, 1L << 40, 0), -E_INVAL);
	CHECK_EQ("map-frame-negative", sys_map(0, VA, -1, 0), -E_INVAL);
	CHECK_EQ("child-cannot-use-parent-frame", run("child", 8 | (uint64_t)fn << 4), 0);

	/* write access to a read-only page of a frame the caller does not control */
	uint64_t img = mica_start_info->image & ~(PAGE_SIZE - 1);
	CHECK_EQ("map-copy-ro-image", sys_map_copy(0, img, 0, VA, 0), 0);
	CHECK_EQ("map-copy-add-write", sys_map_copy(0, img, 0, VA + PAGE_SIZE, PTE_W), -E_PERM);
	CHECK_EQ("protect-add-write-image", sys_protect(0, VA, PTE_W), -E_PERM);
	CHECK_EQ("protect-add-write-orig", sys_protect(0, img, PTE_W), -E_INVAL);
	CHECK("image-copy-write-faults", try_write(VA, 0) && last_trapno == T_PGFLT);
	CHECK_EQ("unmap-image-copy", sys_unmap(0, VA), 0);
	/* ... allowed for a frame it owns */
	CHECK_EQ("map-own-ro", sys_map(0, VA, fn, 0), 0);
	CHECK_EQ("map-copy-own-add-write", sys_map_copy(0, VA, 0, VA + PAGE_SIZE, PTE_W), 0);
	CHECK("own-copy-writable", !try_write(VA + PAGE_SIZE, 77));
	v = try_read(VA, &f);
	CHECK("own-ro-sees-write", !f && v == 77);
	CHECK("own-ro-write-faults", try_write(VA, 1));
	CHECK_EQ("protect-own-add-write", sys_protect(0, VA, PTE_W), 0);
	CHECK("own-now-writable", !try_write(VA, 78));

	/* kernel calls given bad pointers */
	CHECK_EQ("cputs-kernel", sys_cputs((const char *)(KERNBASE + 0x100000), 4), -E_FAULT);
	CHECK_EQ("cputs-physmap", sys_cputs((const char *)PHYSMAP, 4), -E_FAULT);
	CHECK_EQ("cputs-unmapped", sys_cputs((const char *)(VA + 16 * PAGE_SIZE), 4), -E_FAULT);
	CHECK_EQ("cputs-null", sys_cputs(NULL, 4), -E_FAULT);
	CHECK_EQ("cputs-noncanonical", sys_cputs((const char *)0x8000000000000000UL, 4), -E_FAULT);
	CHECK_EQ("cputs-wraps", sys_cputs((const char *)-2L, 4), -E_FAULT);
	CHECK_EQ("cputs-uvpt", sys_cputs((const char *)UVPT, 4), -E_FAULT);
	char *end = (char *)(VA + 2 * PAGE_SIZE - 2);
	end[0] = '#';
	end[1] = '\n';
	CHECK_EQ("cputs-crosses-into-unmapped", sys_cputs(end, 4), -E_FAULT);
	CHECK_EQ("cputs-negative-len", sys_cputs("x", -1), -E_INVAL);
	CHECK_EQ("cputs-huge-len", sys_cputs("x", 1L << 40), -E_INVAL);
	CHECK_EQ("cputs-zero-len", sys_cputs(NULL, 0), 0);
	CHECK_EQ("cputs-ok", sys_cputs("#\n", 2), 2);

	/* out-of-range numbers */
	CHECK_EQ("slice-alloc-too-big", sys_slice_alloc(1000, 0), -E_INVAL);
	CHECK_EQ("slice-alloc-negative", sys_slice_alloc(-2, 0), -E_INVAL);
	CHECK_EQ("slice-free-negative", sys_slice_free(-1), -E_INVAL);
	CHECK_EQ("slice-free-too-big", sys_slice_free(1000), -E_INVAL);
	long nt = sys_ntfn_create();
	CHECK("ntfn-create", nt > 0);
	CHECK_EQ("irq-bind-negative", sys_irq_bind(-1, nt, 1), -E_INVAL);
	CHECK_EQ("irq-bind-too-big", sys_irq_bind(1000, nt, 1), -E_INVAL);
	CHECK_EQ("irq-bind-no-bits", sys_irq_bind(5, nt, 0), -E_INVAL);
	CHECK_EQ("ntfn-destroy", sys_ntfn_destroy(nt), 0);
	CHECK_EQ("ntfn-destroy-again", sys_ntfn_destroy(nt), -E_NOENT);
	CHECK_EQ("revoke-ask-self", sys_revoke_ask(0, 1), -E_INVAL);
	CHECK_EQ("frame-info-beyond-ram", sys_frame_info(1L << 40), -E_INVAL);
	CHECK_EQ("thread-set-bad-what", sys_thread_set(0, 0, 0), -E_INVAL);

	/* limits: only a creator sets them, of a kind that exists, within its own */
	long kid = sys_env_create();
	CHECK("limit-child", kid > 0);
	CHECK_EQ("env-limit-kind-negative", sys_env_limit(kid, -1, 1), -E_INVAL);
	CHECK_EQ("env-limit-kind-too-big", sys_env_limit(kid, RES_NKINDS, 1), -E_INVAL);
	CHECK_EQ("env-limit-kind-huge", sys_env_limit(kid, 1L << 40, 1), -E_INVAL);
	CHECK_EQ("env-limit-negative", sys_env_limit(kid, RES_THREAD, -1), -E_INVAL);
	CHECK_EQ("env-limit-above-mine", sys_env_limit(kid, RES_THREAD, (long)ENVINFO->limit[RES_THREAD] + 1), -E_PERM);
	CHECK_EQ("env-limit-huge", sys_env_limit(kid, RES_THREAD, 1L << 40), -E_PERM);
	CHECK_EQ("env-limit-self", sys_env_limit(0, RES_THREAD, 1), -E_PERM);
	CHECK_EQ("env-limit-parent", sys_env_limit((long)ENVINFO->parent, RES_THREAD, 1), -E_PERM);
	CHECK_EQ("env-limit-unknown", sys_env_limit(0x7FFF00 | 5, RES_THREAD, 1), -E_NOENT);
	CHECK_EQ("env-limit-unchanged", sys_env_limit(kid, RES_THREAD, 0), (long)ENVINFO->limit[RES_THREAD]);
	CHECK_EQ("env-limit-zero-start", sys_env_start(kid, 0x1000, 0x1000, 0), -E_NOMEM);
	CHECK_EQ("limit-child-destroy", sys_env_destroy(kid), 0);

	test_net_args();

	/* kernel call numbers that do not exist */
	CHECK_EQ("nosys-999", kcall(999, 0, 0, 0, 0, 0), -E_NOSYS);
	CHECK_EQ("nosys-first-unused", kcall(SYS_NCALLS, 0, 0, 0, 0, 0), -E_NOSYS);
	CHECK_EQ("nosys-negative", kcall(-1, 0, 0, 0, 0, 0), -E_NOSYS);
	CHECK_EQ("nosys-huge", kcall(1L << 40, 0, 0, 0, 0, 0), -E_NOSYS);

	/* clean up */
	CHECK("cleanup", sys_unmap(0, VA) == 0 && sys_unmap(0, VA + PAGE_SIZE) == 0 && sys_frame_free(0, fn) == 0);
	CHECK_EQ("fault-count", n_faults, 13); /* one per try_* above that must fault */
	return CHECK_DONE();
}
