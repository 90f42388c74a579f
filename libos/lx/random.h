/* Random bytes. (random.c) */
#ifndef LX_RANDOM_H
#define LX_RANDOM_H

void lx_random_bytes(void *buf, size_t n);

#endif
