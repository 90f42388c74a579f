/* Byte streams to the host inside the kernel: the virtio-console driver and its kernel calls (stream.c). */
#ifndef KERNEL_STREAM_H
#define KERNEL_STREAM_H

#include <stdint.h>

struct env;

long stream_bind(struct env *e, long port, long nt, uint64_t bits);
long stream_read(struct env *e, long port, uint64_t va, long len);
long stream_write(struct env *e, long port, uint64_t va, long len);
long stream_poll(struct env *e, long port);
void stream_env_gone(struct env *e);
void stream_drain(uint64_t limit_ns);

#endif
