/* What n_net and its helper agree on: addresses, ports, where the ring lives, how long to wait. */
#ifndef KERNEL_TESTS_NET_TEST_H
#define KERNEL_TESTS_NET_TEST_H

#define NT_SRC 0x0A000201U /* 10.0.2.1: the sender (inside the VM; the frames loop back through the device) */
#define NT_DST 0x0A00020FU /* 10.0.2.15 */
#define NT_SPORT 4000
#define NT_PORT_A 5001
#define NT_PORT_B 5002
#define NT_PORT_STALL 5003
#define NT_PORT_NONE 5004
#define NT_RING_VA 0x50000000UL
#define NT_RING_PAGES 9 /* 16 slots */
#define NT_FOREIGN_PAGE 32 /* pages above NT_RING_VA: past every ring n_net binds */
#define NT_WAIT_NS 3000000000UL /* 3 s for a packet that should come */

#endif
