/* The network inside the kernel: the device driver (net.c) and the rings and calls (netring.c). */
#ifndef KERNEL_NET_H
#define KERNEL_NET_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

struct env;
struct net_info;

/* ---- net.c: the device ---- */
bool netdev_present(void);
void netdev_info(uint8_t mac[6], bool *link_up);
int netdev_send(const uint8_t *frame, size_t len);
void netdev_flush(void);

/* ---- netring.c: demultiplexing into rings, and the kernel calls ---- */
int netring_init(void);
void netring_receive(const uint8_t *pkt, size_t len);
long net_ring_bind(struct env *e, uint64_t va, long npages, long nt, uint64_t bits);
long net_filter(struct env *e, long ring, uint64_t filter_va);
long net_filter_remove(struct env *e, long id);
long net_send(struct env *e, uint64_t batch_va, long n);
long net_info(struct env *e, uint64_t out_va);
void net_env_gone(struct env *e);

#endif
