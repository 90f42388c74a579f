/* Virtio over MMIO: find devices on the command line, negotiate features, set up split virtqueues. */
#include "kernel.h"
#include "kernel/virtio.h"

/* Registers of a version-2 (virtio 1.x) MMIO transport. */
#define VIRTIO_MAGIC 0x74726976 /* "virt" */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_DEVICE_FEATURES 0x010
#define R_DEVICE_FEATURES_SEL 0x014
#define R_DRIVER_FEATURES 0x020
#define R_DRIVER_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INTERRUPT_STATUS 0x060
#define R_INTERRUPT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC 0x080
#define R_QUEUE_DRIVER 0x090
#define R_QUEUE_DEVICE 0x0A0
#define R_CONFIG 0x100
#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_FAILED 128
#define MMIO_MIN_SIZE 0x200 /* registers and a little config space */
#define MAX_DEVICES 8
#define CMDLINE_KEY "virtio_mmio.device="

static struct virtio_dev devices[MAX_DEVICES];
static int ndevices;
static bool fences_hold; /* mfence orders our stores before our loads for the device too (virtio_init) */

static uint32_t rd(struct virtio_dev *d, int reg)
{
	return *(volatile uint32_t *)(d->regs + reg);
}

static void wr(struct virtio_dev *d, int reg, uint32_t v)
{
	*(volatile uint32_t *)(d->regs + reg) = v;
}

static void wr64(struct virtio_dev *d, int reg, uint64_t v)
{
	wr(d, reg, (uint32_t)v);
	wr(d, reg + 4, (uint32_t)(v >> 32));
}

uint8_t virtio_config8(struct virtio_dev *d, int off)
{
	return d->regs[R_CONFIG + off];
}

uint16_t virtio_config16(struct virtio_dev *d, int off)
{
	return *(volatile uint16_t *)(d->regs + R_CONFIG + off);
}

uint32_t virtio_config32(struct virtio_dev *d, int off)
{
	return *(volatile uint32_t *)(d->regs + R_CONFIG + off);
}

/*
 * Offer the device the features of wanted that it has, and check that it
 * accepts them. The features agreed on; 0 (and the device marked failed)
 * when it refuses or lacks VIRTIO_F_VERSION_1, which every driver here needs.
 */
uint64_t virtio_negotiate(struct virtio_dev *d, uint64_t wanted)
{
	uint64_t offered;
	wr(d, R_DEVICE_FEATURES_SEL, 1);
	offered = (uint64_t)rd(d, R_DEVICE_FEATURES) << 32;
	wr(d, R_DEVICE_FEATURES_SEL, 0);
	offered |= rd(d, R_DEVICE_FEATURES);
	uint64_t agreed = offered & wanted;
	if (!(agreed & VIRTIO_F_VERSION_1))
		goto fail;
	wr(d, R_DRIVER_FEATURES_SEL, 1);
	wr(d, R_DRIVER_FEATURES, (uint32_t)(agreed >> 32));
	wr(d, R_DRIVER_FEATURES_SEL, 0);
	wr(d, R_DRIVER_FEATURES, (uint32_t)agreed);
	wr(d, R_STATUS, rd(d, R_STATUS) | S_FEATURES_OK);
	if (rd(d, R_STATUS) & S_FEATURES_OK)
		return d->features = agreed;
fail:
	virtio_fail(d);
	return 0;
}

void virtio_fail(struct virtio_dev *d)
{
	wr(d, R_STATUS, rd(d, R_STATUS) | S_FAILED);
}

/* Allocate and register queue index of d with as many entries as both allow. 0, -E_NOMEM, -E_INVAL (no such queue). */
int virtq_setup(struct virtio_dev *d, struct virtq *q, int index)
{
	wr(d, R_QUEUE_SEL, (uint32_t)index);
	uint32_t max = rd(d, R_QUEUE_NUM_MAX);
	if (max == 0 || rd(d, R_QUEUE_READY))
		return -E_INVAL;
	uint64_t desc = kalloc_page(), avail = kalloc_page(), used = kalloc_page();
	if (!desc || !avail || !used)
		return -E_NOMEM; /* at boot: the few pages taken stay the kernel's */
	q->index = index;
	q->size = max < VIRTQ_MAX ? (uint16_t)max : VIRTQ_MAX;
	q->last_used = 0;
	q->kicked = 0;
	q->event_idx = (d->features & VIRTIO_RING_F_EVENT_IDX) != 0;
	q->dev = d;
	q->desc = P2V(desc);
	q->avail = P2V(avail);
	q->used = P2V(used);
	wr(d, R_QUEUE_NUM, q->size);
	wr64(d, R_QUEUE_DESC, desc);
	wr64(d, R_QUEUE_DRIVER, avail);
	wr64(d, R_QUEUE_DEVICE, used);
	wr(d, R_QUEUE_READY, 1);
	return 0;
}

void virtio_ready(struct virtio_dev *d)
{
	wr(d, R_STATUS, rd(d, R_STATUS) | S_DRIVER_OK);
}

/* Offer descriptor desc (already filled in) to the device; virtq_kick tells it. */
void virtq_push(struct virtq *q, uint16_t desc)
{
	q->avail->ring[q->avail->idx % q->size] = desc;
	__asm__ volatile("" ::: "memory"); /* the entry before the index (x86 keeps stores in order) */
	q->avail->idx++;
}

/* Where the device says which avail index it wants to be told of: after the used ring's q->size entries. */
static volatile uint16_t *avail_event(struct virtq *q)
{
	return (volatile uint16_t *)((uintptr_t)q->used + offsetof(struct virtq_used, ring) +
				     q->size * sizeof(struct virtq_used_elem));
}

/* Where the driver says which used index it wants an interrupt for: after the avail ring's q->size entries. */
static volatile uint16_t *used_event(struct virtq *q)
{
	return &q->avail->ring[q->size];
}

/*
 * Order the driver's last store to a ring (an index, or the event index it
 * wants) before its next load of what the device wrote, as event indexes
 * need (virtio 1.x, "Driver notifications"): each side stores, then loads
 * what the other stored, and one of them must see the other's store. On a
 * CPU, mfence does it. QEMU's TCG leaves mfence out when it runs one vCPU,
 * yet its device models run in another host thread: our store could wait in
 * the host's store buffer while the device read the old value, and a kick or
 * an interrupt was lost for good (virtio-net's receive queue filled up with
 * no interrupt to drain it, and the machine received nothing again). A read
 * of a device register takes QEMU's global lock, which the device model
 * holds while it fills or reads a ring, so unless mfence is known to hold
 * (no hypervisor, or KVM), that read follows it.
 */
static void device_mb(struct virtio_dev *d)
{
	__asm__ volatile("mfence" ::: "memory");
	if (!fences_hold)
		(void)rd(d, R_STATUS);
	__asm__ volatile("" ::: "memory");
}

/*
 * Tell the device of the buffers pushed since the last kick. With event
 * indexes, only if it asked to be told of one of them (its avail_event lies
 * among them); it reads the ring on its own otherwise.
 */
void virtq_kick(struct virtio_dev *d, struct virtq *q)
{
	device_mb(d); /* the new idx before reading avail_event */
	uint16_t now = q->avail->idx, before = q->kicked;
	uint16_t event = *avail_event(q);
	q->kicked = now;
	if (!q->event_idx || (uint16_t)(now - event - 1) < (uint16_t)(now - before))
		wr(d, R_QUEUE_NOTIFY, (uint32_t)q->index);
}

/*
 * After draining: with event indexes, ask for an interrupt when the next
 * buffer is used, and say whether one was used meanwhile (then the caller
 * drains again, since the device may have checked the old used_event).
 * Without, the device interrupts for every used buffer: false.
 */
bool virtq_rearm(struct virtq *q)
{
	if (!q->event_idx)
		return false;
	*used_event(q) = q->last_used;
	device_mb(q->dev); /* used_event before reading idx */
	return q->used->idx != q->last_used;
}

/* The next buffer the device has finished with: true with its descriptor *id and the bytes it wrote *len. */
bool virtq_pop(struct virtq *q, uint32_t *id, uint32_t *len)
{
	if (q->used->idx == q->last_used)
		return false;
	__asm__ volatile("" ::: "memory");
	const volatile struct virtq_used_elem *e = &q->used->ring[q->last_used % q->size];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	return true;
}

/* Acknowledge the device's pending interrupt causes; returns them. */
uint32_t virtio_irq_ack(struct virtio_dev *d)
{
	uint32_t s = rd(d, R_INTERRUPT_STATUS);
	if (s)
		wr(d, R_INTERRUPT_ACK, s);
	return s;
}

/* The value of hexadecimal digit c, or 99 for any other character. */
static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
}

/* A number at *p in C notation (0x.. hex, else decimal), with an optional K/M suffix; advances *p. */
static uint64_t parse_num(const char **p)
{
	const char *s = *p;
	uint64_t v = 0, base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		int d = digit(*s);
		if ((uint64_t)d >= base)
			break;
		v = v * base + (uint64_t)d;
	}
	if (*s == 'K' || *s == 'k')
		v <<= 10, s++;
	else if (*s == 'M' || *s == 'm')
		v <<= 20, s++;
	*p = s;
	return v;
}

/* The driver for a device id, or NULL. */
static virtio_probe_fn driver_for(uint32_t id)
{
	switch (id) {
	case VIRTIO_ID_NET:
		return net_probe;
	case VIRTIO_ID_BLOCK:
		return blk_probe;
	case VIRTIO_ID_CONSOLE:
		return stream_probe;
	case VIRTIO_ID_9P:
		return ninep_probe;
	default:
		return NULL;
	}
}

/* Check the transport at d, reset it and hand it to its driver; one console line when it is skipped. */
static void probe(struct virtio_dev *d, uint64_t size)
{
	if (size < MMIO_MIN_SIZE || d->pa + size > PHYSMAP_SIZE || d->pa & 3 || d->irq < 0 || d->irq >= NIRQ) {
		kprintf("virtio-mmio at %#lx (irq %d): bad address, size or irq; skipped\n", d->pa, d->irq);
		return;
	}
	d->regs = P2V(d->pa);
	uint32_t version = rd(d, R_VERSION);
	d->device_id = rd(d, R_DEVICE_ID);
	if (rd(d, R_MAGIC) != VIRTIO_MAGIC || version != 2) {
		kprintf("virtio-mmio at %#lx: %s; skipped\n", d->pa,
			rd(d, R_MAGIC) != VIRTIO_MAGIC ? "no virtio device"
			: version == 1                 ? "legacy (version 1) device"
						       : "unknown version");
		return;
	}
	if (d->device_id == 0)
		return; /* an empty slot */
	virtio_probe_fn fn = driver_for(d->device_id);
	if (!fn) {
		kprintf("virtio-mmio at %#lx: device type %u has no driver; skipped\n", d->pa, d->device_id);
		return;
	}
	wr(d, R_STATUS, 0);
	wr(d, R_STATUS, S_ACKNOWLEDGE);
	wr(d, R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	int err = fn(d);
	if (err < 0) {
		virtio_fail(d);
		kprintf("virtio-mmio at %#lx: device type %u: %s; skipped\n", d->pa, d->device_id, mica_strerror(err));
	}
}

/* Whether mfence is the CPU's own: on bare metal, or under KVM (CPUID's hypervisor leaf says "KVMKVMKVM"). */
static bool fences_are_real(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1U << 31)))
		return true; /* no hypervisor */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000), "c"(0));
	return b == 0x4b4d564b && c == 0x564b4d56 && d == 0x4d; /* "KVMK" "VMKV" "M\0\0\0" */
}

/* Find every "virtio_mmio.device=SIZE@ADDR:IRQ" entry of the kernel command line and probe it. */
void virtio_init(const char *cmdline)
{
	size_t keylen = strlen(CMDLINE_KEY);
	fences_hold = fences_are_real();
	for (const char *p = cmdline; p && *p; p++) {
		if (strncmp(p, CMDLINE_KEY, keylen) != 0 || (p != cmdline && p[-1] != ' '))
			continue;
		p += keylen;
		uint64_t size = parse_num(&p), pa = 0;
		long irq = -1;
		if (*p == '@' && (p++, pa = parse_num(&p), *p == ':'))
			p++, irq = (long)parse_num(&p);
		if (ndevices == MAX_DEVICES) {
			kprintf("virtio-mmio at %#lx: more than %d devices; skipped\n", pa, MAX_DEVICES);
			continue;
		}
		struct virtio_dev *d = &devices[ndevices++];
		d->pa = pa;
		d->irq = irq < 0 || irq > NIRQ ? -1 : (int)irq;
		probe(d, size);
		if (!*p)
			break;
	}
}
