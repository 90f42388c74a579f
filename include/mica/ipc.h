/* The IPC kernel call: operations, message registers and page transfer. */
#ifndef MICA_IPC_H
#define MICA_IPC_H

#include <stdint.h>
#include <mica/abi.h>

/*
 * One kernel call (SYS_ipc) does every operation. Registers on entry:
 *   rdi  op | ep << 8     (ep: endpoint id; ignored by IPC_REPLY)
 *   rsi  tag              label in bits 0..31, IPC_PAGE flag
 *   rdx, r10, r8, r9      message words w[0..3]
 *   rbx  timeout in ns    (TIMEOUT_FOREVER blocks; 0 only polls)
 *   r12  receive window   page-aligned va that accepts a transferred page (0: none)
 * On return: rax the result (0 or -E_*), rdi the badge of the sender (its
 * thread id) for a receive, rsi the tag, rdx, r10, r8, r9 the words.
 *
 * A message with IPC_PAGE in its tag transfers the page mapped at w[3]
 * (page-aligned va | PTE_W to allow writing) from the sender's address space
 * into the receiver's window: the receiver maps the same frame (a share with
 * a reference, not a move). A receiver without a window gets E_RANGE-free
 * delivery of the words and no page; the tag then lacks IPC_PAGE.
 */
#define IPC_CALL 1       /* send, then wait for the reply */
#define IPC_SEND 2       /* send; wait only until a receiver takes it */
#define IPC_RECV 3       /* wait for a message */
#define IPC_REPLY 4      /* answer the last call received; never blocks */
#define IPC_REPLY_RECV 5 /* reply, then receive */

#define IPC_PAGE (1UL << 32)
#define IPC_LABEL(tag) ((uint32_t)(tag))

/* A message as the ipc() stub in include/mica/kcall.h carries it in registers. */
struct ipc_msg {
	uint64_t tag;
	uint64_t w[4];
};
ABI_SIZE(struct ipc_msg, 40);
ABI_OFFSET(struct ipc_msg, tag, 0);
ABI_OFFSET(struct ipc_msg, w, 8);

#endif
