/* A stand-in for the packet filters until the filter branch lands: a linear list, the most atoms wins. */
#include "kernel.h"
#include "kernel/dpf.h"
#include <mica/dpf.h>

#define NFILTER 64

static struct {
	uint64_t owner, cookie;
	int dir;
	struct dpf_filter f;
} filters[NFILTER];

static bool atom_ok(const struct dpf_atom *a)
{
	return (a->width == 1 || a->width == 2 || a->width == 4) && (a->value & ~a->mask) == 0 &&
	       (a->width == 4 || (a->mask >> (8 * a->width)) == 0);
}

/* See kernel/dpf.h. */
long dpf_install(int dir, uint64_t owner, const struct dpf_filter *f, uint64_t cookie)
{
	long slot = -1;
	if ((dir != DPF_RX && dir != DPF_TX) || f->natoms > DPF_MAX_ATOMS)
		return -E_INVAL;
	for (uint32_t i = 0; i < f->natoms; i++)
		if (!atom_ok(&f->atoms[i]))
			return -E_INVAL;
	for (long i = 0; i < NFILTER; i++) {
		if (!filters[i].owner) {
			slot = slot < 0 ? i : slot;
			continue;
		}
		if (filters[i].dir == dir && filters[i].f.natoms == f->natoms &&
		    memcmp(filters[i].f.atoms, f->atoms, f->natoms * sizeof(f->atoms[0])) == 0)
			return -E_EXIST;
	}
	if (slot < 0)
		return -E_NOMEM;
	filters[slot].owner = owner;
	filters[slot].cookie = cookie;
	filters[slot].dir = dir;
	filters[slot].f = *f;
	return slot;
}

/* See kernel/dpf.h. */
long dpf_remove(uint64_t owner, long id)
{
	if (id < 0 || id >= NFILTER || !filters[id].owner)
		return -E_NOENT;
	if (filters[id].owner != owner)
		return -E_PERM;
	filters[id].owner = 0;
	return 0;
}

void dpf_owner_gone(uint64_t owner)
{
	for (int i = 0; i < NFILTER; i++)
		if (filters[i].owner == owner)
			filters[i].owner = 0;
}

static bool atom_match(const struct dpf_atom *a, const uint8_t *pkt, size_t len)
{
	uint32_t v = 0;
	if ((size_t)a->off + a->width > len)
		return false;
	for (int i = 0; i < a->width; i++)
		v = v << 8 | pkt[a->off + i];
	return (v & a->mask) == a->value;
}

/* See kernel/dpf.h. */
uint64_t dpf_match(int dir, const uint8_t *pkt, size_t len, uint64_t *owner)
{
	long best = -1;
	for (long i = 0; i < NFILTER; i++) {
		if (!filters[i].owner || filters[i].dir != dir)
			continue;
		uint32_t k = 0;
		while (k < filters[i].f.natoms && atom_match(&filters[i].f.atoms[k], pkt, len))
			k++;
		if (k == filters[i].f.natoms && (best < 0 || k > filters[best].f.natoms))
			best = i;
	}
	*owner = best < 0 ? 0 : filters[best].owner;
	return best < 0 ? 0 : filters[best].cookie;
}
