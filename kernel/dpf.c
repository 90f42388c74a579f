/* Packet filters (DPF): the install-time verifier, one merged decision trie per direction, and the match. */
#include <stdbool.h>
#include <mica/dpf.h>
#include <mica/error.h>
#include "kernel/dpf.h"

/*
 * Each direction's filters form one trie. A filter becomes a path of steps
 * in canonical order (sorted): its absolute atoms, its indirection, its
 * relative atoms. Filters that begin with the same steps share nodes.
 *
 *   node --edge (offset, width, mask)--> children keyed by value
 *   node --edge (indirection)----------> one child (value 0), base set
 *
 * A node lists its edges (the distinct tests filters make there); the
 * children of every edge live in one hash table keyed by (edge, value), so
 * 1,000 port filters under one edge cost one lookup, not 1,000 compares.
 * A node where a filter's path ends accepts for that filter. Matching
 * follows every edge whose test holds (usually one per node), so its cost
 * grows with the depth of the trie, not with the number of filters.
 *
 * The most specific filter wins: the most atoms; on a tie, the lowest id.
 * Pools are static and fixed; index 0 is "none" in every link.
 */

#define DPF_NODES 4096
#define DPF_EDGES 1536
#define DPF_FILTERS 1024
#define DPF_HASH 2048 /* buckets of the (edge, value) table: a power of two */
#define DPF_NIL 0
#define DPF_ROOT(dir) ((uint16_t)(1 + (dir))) /* nodes 1 and 2: the roots of DPF_RX and DPF_TX */
#define DPF_FIRST_FREE_NODE 3
#define DPF_MAX_STEPS (DPF_MAX_ATOMS + 1)

enum dpf_kind { DPF_STEP_ABS, DPF_STEP_IND, DPF_STEP_REL }; /* the canonical order of steps */

/* One step of a path: an atom (absolute or relative) or the indirection. */
struct dpf_step {
	uint8_t kind; /* enum dpf_kind */
	uint8_t width; /* an atom's width; the indirection's shift */
	uint16_t offset;
	uint32_t mask; /* an atom's mask; the indirection's mask | add << 8 */
	uint32_t value; /* an atom's value; 0 for the indirection */
};

/* The test a step makes: a step without its value. */
struct dpf_key {
	uint8_t kind;
	uint8_t width;
	uint16_t offset;
	uint32_t mask;
};

/* A test made at a node; its children are in dpf_hash under its index. */
struct dpf_edge {
	struct dpf_key key;
	uint16_t node; /* the node it leaves */
	uint16_t next; /* that node's next edge; the free list's link when free */
	uint16_t nchild;
};

struct dpf_node {
	uint16_t edges; /* first edge leaving it */
	uint16_t parent; /* the edge it hangs from (NIL for a root) */
	uint16_t hnext; /* next node in its hash bucket; the free list's link when free */
	uint16_t accept; /* 1 + id of the filter ending here, or 0 */
	uint32_t value; /* the value its parent edge's test gave */
};

struct dpf_slot {
	uint64_t owner; /* env id, 0 when the slot is free */
	uint64_t cookie;
	uint16_t leaf; /* the node accepting for it */
	uint8_t dir;
	uint8_t natoms; /* its specificity */
};

/* All of DPF's state; one CPU runs the kernel, so no lock. Zero is "not yet set up". */
static struct dpf_node dpf_nodes[DPF_NODES];
static struct dpf_edge dpf_edges[DPF_EDGES];
static struct dpf_slot dpf_slots[DPF_FILTERS];
static uint16_t dpf_hash[DPF_HASH];
static uint16_t dpf_node_list, dpf_edge_list; /* free lists */
static unsigned dpf_nfree_nodes, dpf_nfree_edges;
static bool dpf_ready;

static unsigned dpf_held; /* filters installed, of every owner */

/* Sets up empty tries and full free lists (discarding every filter). */
static void dpf_reset(void)
{
	dpf_held = 0;
	for (unsigned i = 0; i < DPF_NODES; i++)
		dpf_nodes[i] = (struct dpf_node){ .hnext = i + 1 < DPF_NODES ? i + 1 : DPF_NIL };
	for (unsigned i = 0; i < DPF_EDGES; i++)
		dpf_edges[i] = (struct dpf_edge){ .next = i + 1 < DPF_EDGES ? i + 1 : DPF_NIL };
	for (unsigned i = 0; i < DPF_FILTERS; i++)
		dpf_slots[i] = (struct dpf_slot){ 0 };
	for (unsigned i = 0; i < DPF_HASH; i++)
		dpf_hash[i] = DPF_NIL;
	dpf_nodes[DPF_NIL].hnext = DPF_NIL;
	dpf_edges[DPF_NIL].next = DPF_NIL;
	dpf_nodes[DPF_ROOT(DPF_RX)].hnext = DPF_NIL;
	dpf_nodes[DPF_ROOT(DPF_TX)].hnext = DPF_NIL;
	dpf_node_list = DPF_FIRST_FREE_NODE;
	dpf_nfree_nodes = DPF_NODES - DPF_FIRST_FREE_NODE;
	dpf_edge_list = 1;
	dpf_nfree_edges = DPF_EDGES - 1;
	dpf_ready = true;
}

/* ---- the verifier ---- */

/* Whether atom a is well formed (width, mask, value, offset, flags). */
static bool dpf_atom_ok(const struct dpf_atom *a)
{
	if (a->width != 1 && a->width != 2 && a->width != 4)
		return false;
	if (a->width < 4 && (a->mask >> (8 * a->width)) != 0)
		return false;
	if (a->mask == 0 || (a->value & ~a->mask) != 0 || (a->flags & ~DPF_REL) != 0)
		return false;
	return (unsigned)a->offset + a->width <= DPF_OFFSET_MAX;
}

/* Whether f's indirection is well formed and used exactly when some atom needs it. */
static bool dpf_ind_ok(const struct dpf_filter *f)
{
	const struct dpf_ind *ind = &f->ind;
	bool rel = false;
	for (unsigned i = 0; i < f->natoms; i++)
		rel |= (f->atoms[i].flags & DPF_REL) != 0;
	if (!(f->flags & DPF_F_IND))
		return !rel && ind->offset == 0 && ind->mask == 0 && ind->shift == 0 && ind->add == 0 &&
		       ind->reserved == 0;
	return rel && ind->mask != 0 && ind->shift <= DPF_IND_SHIFT_MAX && ind->offset < DPF_OFFSET_MAX &&
	       ind->add <= DPF_OFFSET_MAX && ind->reserved == 0;
}

/* Whether atoms a and b test the same field (same base, offset, width and mask). */
static bool dpf_same_field(const struct dpf_atom *a, const struct dpf_atom *b)
{
	return (a->flags & DPF_REL) == (b->flags & DPF_REL) && a->offset == b->offset && a->width == b->width &&
	       a->mask == b->mask;
}

/* Whether f obeys every rule in include/mica/dpf.h. */
static bool dpf_verify(const struct dpf_filter *f)
{
	if (f->natoms > DPF_MAX_ATOMS || (f->flags & ~DPF_F_IND) != 0 || f->reserved != 0)
		return false;
	for (unsigned i = 0; i < f->natoms; i++) {
		if (!dpf_atom_ok(&f->atoms[i]))
			return false;
		for (unsigned j = 0; j < i; j++)
			if (dpf_same_field(&f->atoms[i], &f->atoms[j]))
				return false;
	}
	return dpf_ind_ok(f);
}

/* ---- canonical paths ---- */

/* Whether step a sorts before step b: by kind, offset, width, mask. */
static bool dpf_step_before(const struct dpf_step *a, const struct dpf_step *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind;
	if (a->offset != b->offset)
		return a->offset < b->offset;
	if (a->width != b->width)
		return a->width < b->width;
	return a->mask < b->mask;
}

/* Whether edge key a makes step b's test. */
static bool dpf_same_key(const struct dpf_key *a, const struct dpf_step *b)
{
	return a->kind == b->kind && a->offset == b->offset && a->width == b->width && a->mask == b->mask;
}

/* Fills s with the path of verified filter f, in canonical order; returns its length. */
static unsigned dpf_canon(const struct dpf_filter *f, struct dpf_step *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->natoms; i++) {
		const struct dpf_atom *a = &f->atoms[i];
		s[n++] = (struct dpf_step){ a->flags & DPF_REL ? DPF_STEP_REL : DPF_STEP_ABS, a->width, a->offset,
					    a->mask, a->value };
	}
	if (f->flags & DPF_F_IND)
		s[n++] = (struct dpf_step){ DPF_STEP_IND, f->ind.shift, f->ind.offset,
					    f->ind.mask | (uint32_t)f->ind.add << 8, 0 };
	for (unsigned i = 1; i < n; i++) { /* insertion sort: n <= DPF_MAX_STEPS */
		struct dpf_step t = s[i];
		unsigned j = i;
		for (; j > 0 && dpf_step_before(&t, &s[j - 1]); j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
	return n;
}

/* ---- the trie ---- */

/* The bucket of (edge e, value v). */
static unsigned dpf_bucket(uint16_t e, uint32_t v)
{
	uint32_t h = (uint32_t)e * 0x9E3779B1u ^ v * 0x85EBCA6Bu;
	h ^= h >> 15;
	h *= 0x2C1B3C6Du;
	h ^= h >> 13;
	return h & (DPF_HASH - 1);
}

/* The child of edge e for value v, or NIL. */
static uint16_t dpf_child(uint16_t e, uint32_t v)
{
	uint16_t n = dpf_hash[dpf_bucket(e, v)];
	while (n != DPF_NIL && (dpf_nodes[n].parent != e || dpf_nodes[n].value != v))
		n = dpf_nodes[n].hnext;
	return n;
}

/* The edge of node n that makes step s's test, or NIL. */
static uint16_t dpf_find_edge(uint16_t n, const struct dpf_step *s)
{
	uint16_t e = dpf_nodes[n].edges;
	while (e != DPF_NIL && !dpf_same_key(&dpf_edges[e].key, s))
		e = dpf_edges[e].next;
	return e;
}

/* A new edge from node n making step s's test (the pool must have one). */
static uint16_t dpf_new_edge(uint16_t n, const struct dpf_step *s)
{
	uint16_t e = dpf_edge_list;
	dpf_edge_list = dpf_edges[e].next;
	dpf_nfree_edges--;
	dpf_edges[e] = (struct dpf_edge){ .key = { s->kind, s->width, s->offset, s->mask },
					  .node = n,
					  .next = dpf_nodes[n].edges };
	dpf_nodes[n].edges = e;
	return e;
}

/* A new child of edge e for value v (the pool must have one). */
static uint16_t dpf_new_node(uint16_t e, uint32_t v)
{
	uint16_t n = dpf_node_list;
	unsigned b = dpf_bucket(e, v);
	dpf_node_list = dpf_nodes[n].hnext;
	dpf_nfree_nodes--;
	dpf_nodes[n] = (struct dpf_node){ .parent = e, .value = v, .hnext = dpf_hash[b] };
	dpf_hash[b] = n;
	dpf_edges[e].nchild++;
	return n;
}

/* Takes edge e off its node's list and frees it. */
static void dpf_release_edge(uint16_t e)
{
	uint16_t *p = &dpf_nodes[dpf_edges[e].node].edges;
	while (*p != e)
		p = &dpf_edges[*p].next;
	*p = dpf_edges[e].next;
	dpf_edges[e] = (struct dpf_edge){ .next = dpf_edge_list };
	dpf_edge_list = e;
	dpf_nfree_edges++;
}

/* Takes node n (not a root) out of the hash table and frees it; returns its parent edge. */
static uint16_t dpf_release_node(uint16_t n)
{
	uint16_t e = dpf_nodes[n].parent;
	uint16_t *p = &dpf_hash[dpf_bucket(e, dpf_nodes[n].value)];
	while (*p != n)
		p = &dpf_nodes[*p].hnext;
	*p = dpf_nodes[n].hnext;
	dpf_nodes[n] = (struct dpf_node){ .hnext = dpf_node_list };
	dpf_node_list = n;
	dpf_nfree_nodes++;
	dpf_edges[e].nchild--;
	return e;
}

/* Frees node n and its ancestors while they accept for no filter and lead nowhere. */
static void dpf_prune(uint16_t n)
{
	while (dpf_nodes[n].parent != DPF_NIL && dpf_nodes[n].accept == 0 && dpf_nodes[n].edges == DPF_NIL) {
		uint16_t e = dpf_release_node(n);
		n = dpf_edges[e].node;
		if (dpf_edges[e].nchild == 0)
			dpf_release_edge(e);
	}
}

/* ---- install and remove ---- */

/* A free filter slot, or -1. */
static long dpf_free_slot(void)
{
	for (long i = 0; i < DPF_FILTERS; i++)
		if (dpf_slots[i].owner == 0)
			return i;
	return -1;
}

/*
 * Follows path s[0 .. n) from root as far as the trie holds it: sets *node to
 * the last node reached and *edge to the edge of the first missing step if
 * the trie has that edge (else NIL); returns how many steps were found.
 */
static unsigned dpf_follow(uint16_t root, const struct dpf_step *s, unsigned n, uint16_t *node, uint16_t *edge)
{
	unsigned i = 0;
	*node = root;
	*edge = DPF_NIL;
	for (; i < n; i++) {
		uint16_t e = dpf_find_edge(*node, &s[i]);
		uint16_t c = e == DPF_NIL ? DPF_NIL : dpf_child(e, s[i].value);
		if (c == DPF_NIL) {
			*edge = e;
			break;
		}
		*node = c;
	}
	return i;
}

/* Adds steps s[i .. n) below node (edge: the existing edge for s[i], or NIL); returns the last node. */
static uint16_t dpf_extend(uint16_t node, uint16_t edge, const struct dpf_step *s, unsigned i, unsigned n)
{
	for (; i < n; i++) {
		uint16_t e = edge != DPF_NIL ? edge : dpf_new_edge(node, &s[i]);
		node = dpf_new_node(e, s[i].value);
		edge = DPF_NIL;
	}
	return node;
}

long dpf_install(int dir, uint64_t owner, const struct dpf_filter *f, uint64_t cookie)
{
	struct dpf_step s[DPF_MAX_STEPS];
	uint16_t node, edge;
	if ((dir != DPF_RX && dir != DPF_TX) || owner == 0 || !dpf_verify(f))
		return -E_INVAL;
	if (!dpf_ready)
		dpf_reset();
	unsigned n = dpf_canon(f, s);
	unsigned have = dpf_follow(DPF_ROOT(dir), s, n, &node, &edge);
	if (have == n && dpf_nodes[node].accept != 0)
		return -E_EXIST;
	long id = dpf_free_slot();
	unsigned new_edges = n - have - (edge != DPF_NIL ? 1 : 0);
	if (id < 0 || dpf_nfree_nodes < n - have || dpf_nfree_edges < new_edges)
		return -E_NOMEM;
	node = dpf_extend(node, edge, s, have, n);
	dpf_nodes[node].accept = (uint16_t)(id + 1);
	dpf_slots[id] = (struct dpf_slot){ owner, cookie, node, (uint8_t)dir, f->natoms };
	dpf_held++;
	return id;
}

/* Removes held filter id: its node no longer accepts and its unshared steps go. */
static void dpf_drop(long id)
{
	uint16_t leaf = dpf_slots[id].leaf;
	dpf_nodes[leaf].accept = 0;
	dpf_slots[id] = (struct dpf_slot){ 0 };
	dpf_held--;
	dpf_prune(leaf);
}

long dpf_remove(uint64_t owner, long id)
{
	if (id < 0 || id >= DPF_FILTERS || dpf_slots[id].owner == 0)
		return -E_NOENT;
	if (dpf_slots[id].owner != owner)
		return -E_PERM;
	dpf_drop(id);
	return 0;
}

void dpf_owner_gone(uint64_t owner)
{
	for (long i = 0; owner != 0 && dpf_held > 0 && i < DPF_FILTERS; i++) /* every env's end: cheap with none */
		if (dpf_slots[i].owner == owner)
			dpf_drop(i);
}

/* ---- the match ---- */

/* The best filter found so far: 1 + its id (0: none) and its specificity. */
struct dpf_best {
	uint16_t accept;
	unsigned natoms;
};

/* Reads width bytes at pkt[at] big-endian into *v; false if any lies outside pkt[0 .. len). */
static bool dpf_load(const uint8_t *pkt, size_t len, size_t at, unsigned width, uint32_t *v)
{
	if (at >= len || len - at < width)
		return false;
	const uint8_t *p = pkt + at;
	if (width == 1)
		*v = p[0];
	else if (width == 2)
		*v = (uint32_t)p[0] << 8 | p[1];
	else
		*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

/* Makes the filter accepting at node n the best if it is more specific (or as specific, with a lower id). */
static void dpf_consider(uint16_t n, struct dpf_best *b)
{
	uint16_t a = dpf_nodes[n].accept;
	unsigned k = a ? dpf_slots[a - 1].natoms : 0;
	if (a && (b->accept == 0 || k > b->natoms || (k == b->natoms && a < b->accept))) {
		b->accept = a;
		b->natoms = k;
	}
}

/* Where edge e leads for the packet (base: the indirection's, once set), or NIL; updates *base. */
static uint16_t dpf_edge_leads(uint16_t e, const uint8_t *pkt, size_t len, size_t *base)
{
	const struct dpf_key *k = &dpf_edges[e].key;
	uint32_t v;
	if (k->kind == DPF_STEP_IND) {
		if (!dpf_load(pkt, len, k->offset, 1, &v))
			return DPF_NIL;
		*base = (k->mask >> 8) + ((v & k->mask & 0xFF) << k->width);
		return dpf_child(e, 0);
	}
	if (!dpf_load(pkt, len, (k->kind == DPF_STEP_REL ? *base : 0) + k->offset, k->width, &v))
		return DPF_NIL;
	return dpf_child(e, v & k->mask);
}

/* Visits every node below n whose path the packet satisfies, keeping the best accepting one in *b. */
static void dpf_walk(uint16_t n, const uint8_t *pkt, size_t len, size_t base, struct dpf_best *b)
{
	if (dpf_nodes[n].accept != 0)
		dpf_consider(n, b);
	for (uint16_t e = dpf_nodes[n].edges; e != DPF_NIL; e = dpf_edges[e].next) {
		size_t nbase = base;
		uint16_t c = dpf_edge_leads(e, pkt, len, &nbase);
		if (c != DPF_NIL)
			dpf_walk(c, pkt, len, nbase, b);
	}
}

uint64_t dpf_match(int dir, const uint8_t *pkt, size_t len, uint64_t *owner)
{
	struct dpf_best b = { 0, 0 };
	*owner = 0;
	if ((dir != DPF_RX && dir != DPF_TX) || !dpf_ready)
		return 0;
	dpf_walk(DPF_ROOT(dir), pkt, len, 0, &b);
	if (b.accept == 0)
		return 0;
	*owner = dpf_slots[b.accept - 1].owner;
	return dpf_slots[b.accept - 1].cookie;
}
