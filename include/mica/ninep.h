/* The host-folder ABI: virtio-9p shares bound to environments, one request at a time from own frames, a completion ring. */
#ifndef MICA_NINEP_H
#define MICA_NINEP_H

#include <stdint.h>
#include <stddef.h>
#include <mica/abi.h>

/*
 * A share is one virtio-9p device (a host folder QEMU exports), numbered
 * from 0 in the order the kernel found them. The kernel moves 9P messages
 * only: it never reads them, so the protocol (9P2000.L) is the libOS's.
 *
 * Binding. p9_claim binds a share to the caller and its descendants; the
 * first claim wins, and an env that is neither the holder nor one of its
 * descendants gets E_BUSY from p9_claim and E_PERM from p9_submit. When
 * the holder ends the share is free again (requests in flight complete
 * unseen).
 *
 * Requests. p9_submit takes one struct p9_req: out_len bytes at out_va
 * (a T-message) go to the device, and the device writes its answer (an
 * R-message) into in_len bytes at in_va. Both lengths lie in
 * [P9_MIN_LEN, P9_MAX_LEN]; every page of both is mapped in the caller (the
 * answer's writable) and holds a frame the caller owns or its group shares
 * (frame_share). The device reads and writes those frames directly; the
 * kernel holds a reference on each until the request completes, so a
 * frame freed meanwhile never goes to someone else while the device may
 * write it. A refused request changes nothing.
 *
 * Completions. Each env binds one page of its own as its ring
 * (p9_ring_bind); at completion the kernel writes a struct p9_done at slot
 * head % nslots, advances head and signals the ring's bits. The env reads
 * from tail and advances tail. A request is admitted only while the env's
 * requests in flight plus its unread completions fit the ring, and while
 * the device has room (P9_INFLIGHT requests at once): otherwise -E_AGAIN,
 * and the ring is signalled at the next completion of that share.
 */
#define P9_NSHARES 8 /* shares driven at most */
#define P9_MIN_LEN 7 /* a 9P header: size[4] type[1] tag[2] */
#define P9_MAX_LEN (128 * 1024) /* bytes each way of one request at most */
#define P9_INFLIGHT 16 /* requests of one share the device holds at once, at most */
#define P9_TAG_MAX 63 /* bytes of a mount tag the kernel keeps */

/* What p9_info says of a share: its mount tag (QEMU's mount_tag), NUL-terminated, and the largest request. */
struct p9_info {
	uint32_t max_len; /* P9_MAX_LEN */
	uint32_t tag_len;
	char tag[P9_TAG_MAX + 1];
};
ABI_SIZE(struct p9_info, 72);
ABI_OFFSET(struct p9_info, max_len, 0);
ABI_OFFSET(struct p9_info, tag_len, 4);
ABI_OFFSET(struct p9_info, tag, 8);

/* One request: a message out, room for the answer in. */
struct p9_req {
	uint64_t cookie; /* the env's, returned in its completion */
	uint32_t share;
	uint32_t out_len;
	uint64_t out_va;
	uint64_t in_va;
	uint32_t in_len;
	uint32_t pad;
};
ABI_SIZE(struct p9_req, 40);
ABI_OFFSET(struct p9_req, cookie, 0);
ABI_OFFSET(struct p9_req, share, 8);
ABI_OFFSET(struct p9_req, out_len, 12);
ABI_OFFSET(struct p9_req, out_va, 16);
ABI_OFFSET(struct p9_req, in_va, 24);
ABI_OFFSET(struct p9_req, in_len, 32);

/* One completion. */
struct p9_done {
	uint64_t cookie;
	int32_t status; /* 0, or -E_IO (the device answered nothing) */
	uint32_t len; /* bytes the device wrote at in_va */
};
ABI_SIZE(struct p9_done, 16);
ABI_OFFSET(struct p9_done, cookie, 0);
ABI_OFFSET(struct p9_done, status, 8);
ABI_OFFSET(struct p9_done, len, 12);

/* The completion ring: one page, this header and then P9_RING_SLOTS completions. */
struct p9_ring_hdr {
	volatile uint32_t head; /* kernel: completions written, in total */
	volatile uint32_t tail; /* env: completions consumed, in total */
	uint32_t nslots; /* kernel, at bind */
	uint32_t pad;
	struct p9_done slot[];
};
ABI_SIZE(struct p9_ring_hdr, 16);
ABI_OFFSET(struct p9_ring_hdr, head, 0);
ABI_OFFSET(struct p9_ring_hdr, tail, 4);
ABI_OFFSET(struct p9_ring_hdr, nslots, 8);
ABI_OFFSET(struct p9_ring_hdr, slot, 16);
#define P9_RING_SLOTS ((PAGE_SIZE - sizeof(struct p9_ring_hdr)) / sizeof(struct p9_done))

#endif
