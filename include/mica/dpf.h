/* Packet filters: a stand-in for the filter language until the filter branch lands (a list of masked comparisons). */
#ifndef MICA_DPF_H
#define MICA_DPF_H

#include <stdint.h>

#define DPF_MAX_ATOMS 16

/* The packet matches when (the width-byte big-endian word at off) & mask == value. */
struct dpf_atom {
	uint16_t off;
	uint8_t width; /* 1, 2 or 4 */
	uint8_t pad;
	uint32_t mask;
	uint32_t value;
};

/* Every atom must hold. */
struct dpf_filter {
	uint32_t natoms;
	uint32_t pad;
	struct dpf_atom atoms[DPF_MAX_ATOMS];
};

#endif
