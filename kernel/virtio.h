/* The virtio-mmio transport (virtio 1.x, split virtqueues): what a device driver in the kernel uses. */
#ifndef KERNEL_VIRTIO_H
#define KERNEL_VIRTIO_H

#include <stdint.h>
#include <stdbool.h>

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_9P 9
#define VIRTIO_F_VERSION_1 (1ULL << 32)
#define VIRTIO_RING_F_INDIRECT_DESC (1ULL << 28) /* a descriptor may point at a table of descriptors */
#define VIRTIO_RING_F_EVENT_IDX (1ULL << 29) /* used_event and avail_event: each side says when to be told */
#define VIRTQ_DESC_F_NEXT 1 /* the chain goes on at next */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer */
#define VIRTQ_DESC_F_INDIRECT 4 /* the buffer is a table of descriptors */
#define VIRTQ_MAX 64 /* entries per queue at most: every queue fits in one page per part */

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct virtq_avail {
	uint16_t flags, idx;
	uint16_t ring[VIRTQ_MAX + 1]; /* ring[size]: used_event, with VIRTIO_RING_F_EVENT_IDX */
};
struct virtq_used_elem {
	uint32_t id, len;
};
struct virtq_used {
	uint16_t flags, idx;
	struct virtq_used_elem
		ring[VIRTQ_MAX]; /* then avail_event (after ring[size - 1]), with VIRTIO_RING_F_EVENT_IDX */
};

/* A split virtqueue: descriptor table, driver (avail) and device (used) rings, each in a kernel page. */
struct virtq {
	int index;
	uint16_t size;
	uint16_t last_used; /* used entries taken so far */
	uint16_t kicked; /* avail idx at the last virtq_kick */
	bool event_idx; /* VIRTIO_RING_F_EVENT_IDX agreed */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
	struct virtio_dev *dev; /* the device the queue belongs to */
};

struct virtio_dev {
	volatile uint8_t *regs;
	uint64_t pa;
	int irq;
	uint32_t device_id;
	uint64_t features; /* agreed by virtio_negotiate */
};

typedef int (*virtio_probe_fn)(struct virtio_dev *dev);

void virtio_init(const char *cmdline);
uint64_t virtio_negotiate(struct virtio_dev *dev, uint64_t wanted);
int virtq_setup(struct virtio_dev *dev, struct virtq *q, int index);
void virtio_ready(struct virtio_dev *dev);
void virtio_fail(struct virtio_dev *dev);
void virtq_push(struct virtq *q, uint16_t desc);
void virtq_kick(struct virtio_dev *dev, struct virtq *q);
bool virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len);
bool virtq_rearm(struct virtq *q);
uint32_t virtio_irq_ack(struct virtio_dev *dev);
uint8_t virtio_config8(struct virtio_dev *dev, int off);
uint16_t virtio_config16(struct virtio_dev *dev, int off);
uint32_t virtio_config32(struct virtio_dev *dev, int off);

/* The drivers: each says whether it takes a device (0) or why not (-E_*). */
int net_probe(struct virtio_dev *dev);
int stream_probe(struct virtio_dev *dev);
int blk_probe(struct virtio_dev *dev);
int ninep_probe(struct virtio_dev *dev);

/* For drivers whose devices move data to and from envs' frames (blk.c, ninep.c). */
struct env;
/* The frame mapped at va in e, if e owns it or its group shares it, and e may write it when write: its number; -E_FAULT, -E_PERM. */
long dma_frame(struct env *e, uint64_t va, bool write);
/*
 * The frame of the page at va, e's own and mapped writable, fit to be a
 * completion ring signalling bits on e's notification nt: its number;
 * -E_INVAL (va unaligned or out of range, bits 0 or with bit 63), -E_FAULT,
 * -E_PERM (not e's frame or nt), -E_NOENT (no such nt).
 */
long dma_ring_frame(struct env *e, uint64_t va, long nt, uint64_t bits);

#endif
