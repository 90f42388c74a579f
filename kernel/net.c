/* The virtio-net driver: one device, a receive and a transmit queue of kernel buffers, no offloads. */
#include "kernel.h"
#include "kernel/virtio.h"
#include "kernel/net.h"
#include <mica/net.h>

/*
 * Every frame comes with struct virtio_net_hdr, 12 bytes in virtio 1.x
 * (num_buffers included). No offload is negotiated (no checksum, no
 * segmentation, no mergeable buffers), so the device delivers whole frames
 * of at most 1514 bytes (1518 with a VLAN tag): one buffer of NET_BUF_SIZE
 * holds the header and any frame it can deliver.
 */
#define NET_HDR_LEN 12
#define NET_BUF_SIZE 2048
#define NET_BUFS_PER_PAGE (PAGE_SIZE / NET_BUF_SIZE)
#define VIRTIO_NET_F_MAC (1ULL << 5)
#define VIRTIO_NET_F_STATUS (1ULL << 16)
#define VIRTIO_NET_S_LINK_UP 1
#define CONFIG_MAC 0
#define CONFIG_STATUS 6
#define RXQ 0
#define TXQ 1
_Static_assert(NET_BUF_SIZE >= NET_HDR_LEN + NET_FRAME_MAX, "a buffer holds any frame");

static struct {
	struct virtio_dev *dev;
	uint64_t features;
	struct virtq rx, tx;
	uint64_t rx_pa[VIRTQ_MAX], tx_pa[VIRTQ_MAX];
	uint16_t tx_free[VIRTQ_MAX]; /* transmit descriptors not with the device */
	int ntx_free;
	bool kick_tx; /* descriptors pushed since the last kick */
	uint8_t mac[6];
} nic;

/* Physical addresses of n buffers of NET_BUF_SIZE in kernel pages. 0, -E_NOMEM. */
static int alloc_bufs(uint64_t *pa, int n)
{
	for (int i = 0; i < n; i += NET_BUFS_PER_PAGE) {
		uint64_t page = kalloc_page();
		if (!page)
			return -E_NOMEM;
		for (int k = 0; k < (int)NET_BUFS_PER_PAGE && i + k < n; k++)
			pa[i + k] = page + (uint64_t)k * NET_BUF_SIZE;
	}
	return 0;
}

/* Give receive buffer i back to the device. */
static void rx_post(uint16_t i)
{
	nic.rx.desc[i] = (struct virtq_desc){ .addr = nic.rx_pa[i], .len = NET_BUF_SIZE, .flags = VIRTQ_DESC_F_WRITE };
	virtq_push(&nic.rx, i);
}

/* Take back the transmit buffers the device has sent. */
static void tx_reclaim(void)
{
	uint32_t id, len;
	while (virtq_pop(&nic.tx, &id, &len))
		if (id < nic.tx.size)
			nic.tx_free[nic.ntx_free++] = (uint16_t)id;
}

/* Hand every received buffer to the demultiplexer and give it back to the device; how many there were. */
static int rx_drain(void)
{
	uint32_t id, len;
	int n = 0;
	while (virtq_pop(&nic.rx, &id, &len)) {
		if (id >= nic.rx.size)
			continue;
		uint32_t flen = len > NET_HDR_LEN ? len - NET_HDR_LEN : 0;
		if (flen > NET_BUF_SIZE - NET_HDR_LEN)
			flen = NET_BUF_SIZE - NET_HDR_LEN;
		netring_receive((const uint8_t *)P2V(nic.rx_pa[id]) + NET_HDR_LEN, flen);
		rx_post((uint16_t)id);
		n++;
	}
	return n;
}

/*
 * The interrupt: acknowledge it first (a later packet raises it again), then
 * take every finished buffer. With event indexes the device is asked for an
 * interrupt at the next received buffer only (none for transmit: netdev_send
 * and this handler reclaim sent buffers as they go).
 */
static void net_irq(void)
{
	int n = 0;
	virtio_irq_ack(nic.dev);
	do
		n += rx_drain();
	while (virtq_rearm(&nic.rx));
	if (n)
		virtq_kick(nic.dev, &nic.rx);
	tx_reclaim();
}

/* Set up queues and buffers of a virtio-net device (features negotiated). 0, -E_NOMEM, -E_INVAL, -E_BUSY. */
static int net_start(struct virtio_dev *d)
{
	int err;
	if ((err = virtq_setup(d, &nic.rx, RXQ)) < 0 || (err = virtq_setup(d, &nic.tx, TXQ)) < 0)
		return err;
	if ((err = alloc_bufs(nic.rx_pa, nic.rx.size)) < 0 || (err = alloc_bufs(nic.tx_pa, nic.tx.size)) < 0)
		return err;
	if ((err = netring_init()) < 0 || (err = irq_claim(d->irq, net_irq)) < 0)
		return err;
	for (uint16_t i = 0; i < nic.rx.size; i++)
		rx_post(i);
	for (uint16_t i = 0; i < nic.tx.size; i++)
		nic.tx_free[nic.ntx_free++] = i;
	return 0;
}

/* Take a virtio-net device: the first one only. 0, -E_BUSY (one is driven already), -E_INVAL, -E_NOMEM. */
int net_probe(struct virtio_dev *d)
{
	if (nic.dev)
		return -E_BUSY;
	nic.features = virtio_negotiate(d, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | VIRTIO_NET_F_MAC |
						   VIRTIO_NET_F_STATUS);
	if (!nic.features)
		return -E_INVAL;
	for (int i = 0; i < 6; i++)
		nic.mac[i] =
			nic.features & VIRTIO_NET_F_MAC ? virtio_config8(d, CONFIG_MAC + i) : (uint8_t)(i == 0 ? 2 : i);
	int err = net_start(d);
	if (err < 0)
		return err;
	nic.dev = d;
	virtio_ready(d);
	virtq_kick(d, &nic.rx);
	kprintf("net: virtio-net at %#lx, irq %d, mac %02x:%02x:%02x:%02x:%02x:%02x%s\n", d->pa, d->irq, nic.mac[0],
		nic.mac[1], nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5],
		nic.features & VIRTIO_RING_F_EVENT_IDX ? ", event index" : "");
	return 0;
}

bool netdev_present(void)
{
	return nic.dev != NULL;
}

/* The device's address and link state. */
void netdev_info(uint8_t mac[6], bool *link_up)
{
	memcpy(mac, nic.mac, sizeof(nic.mac));
	*link_up = nic.dev && (!(nic.features & VIRTIO_NET_F_STATUS) ||
			       (virtio_config16(nic.dev, CONFIG_STATUS) & VIRTIO_NET_S_LINK_UP));
}

/* Queue frame[0..len) for sending (netdev_flush tells the device). 0, -E_NOENT (no device), -E_AGAIN (queue full). */
int netdev_send(const uint8_t *frame, size_t len)
{
	if (!nic.dev)
		return -E_NOENT;
	if (nic.ntx_free == 0)
		tx_reclaim();
	if (nic.ntx_free == 0)
		return -E_AGAIN;
	uint16_t i = nic.tx_free[--nic.ntx_free];
	uint8_t *buf = P2V(nic.tx_pa[i]);
	memset(buf, 0, NET_HDR_LEN);
	memcpy(buf + NET_HDR_LEN, frame, len);
	nic.tx.desc[i] = (struct virtq_desc){ .addr = nic.tx_pa[i], .len = (uint32_t)(NET_HDR_LEN + len) };
	virtq_push(&nic.tx, i);
	nic.kick_tx = true;
	return 0;
}

void netdev_flush(void)
{
	if (nic.dev && nic.kick_tx)
		virtq_kick(nic.dev, &nic.tx);
	nic.kick_tx = false;
}
