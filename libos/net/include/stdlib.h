/* <stdlib.h> for lwIP's own files: the one function they use (libos/net/sys_arch.c). */
#ifndef MICA_LWIP_STDLIB_H
#define MICA_LWIP_STDLIB_H
int atoi(const char *s);
#endif
