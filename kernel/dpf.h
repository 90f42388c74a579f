/* Packet filters (DPF): the kernel-internal interface between the filters and the network driver. */
#ifndef KERNEL_DPF_H
#define KERNEL_DPF_H

#include <stddef.h>
#include <stdint.h>

struct dpf_filter; /* the filter language: include/mica/dpf.h */

#define DPF_RX 0 /* a filter that claims incoming packets */
#define DPF_TX 1 /* a filter that says what its owner may send */

/*
 * Check f (once, at install) and merge it into the structure for direction
 * dir, owned by env id owner, with an opaque cookie that dpf_match returns.
 * The filter's id (>= 0), or -E_INVAL (malformed, or dir unknown, or owner
 * 0), -E_EXIST (an identical filter is held already), -E_NOMEM (no room).
 * Changes nothing on error. f must be kernel memory (copy a user's first).
 * Ids are unique across both directions; a removed filter's id is reused.
 */
long dpf_install(int dir, uint64_t owner, const struct dpf_filter *f, uint64_t cookie);

/* Remove filter id, which owner must hold. 0, -E_NOENT, -E_PERM. */
long dpf_remove(uint64_t owner, long id);

/* Remove every filter owner holds (the env ended). */
void dpf_owner_gone(uint64_t owner);

/*
 * The most specific filter of direction dir that pkt[0..len) satisfies (the
 * most atoms; the lowest id on a tie): its cookie, with *owner set to its
 * owner; 0 (and *owner 0) when none does. A cookie may be 0 too, so *owner
 * (never 0 for a filter) is what tells. Never reads outside pkt[0..len).
 */
uint64_t dpf_match(int dir, const uint8_t *pkt, size_t len, uint64_t *owner);

#endif
