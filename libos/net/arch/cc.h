/* lwIP's compiler and platform glue for Mica: types, byte order, diagnostics, randomness. */
#ifndef MICA_ARCH_CC_H
#define MICA_ARCH_CC_H

#include <stdint.h>
#include <stddef.h>

/* No C library: the printf formats and limits lwIP needs are named here; it brings its own ctype. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 1
#define INT_MAX __INT_MAX__
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define BYTE_ORDER LITTLE_ENDIAN
#define lwip_htons(x) __builtin_bswap16(x)
#define lwip_htonl(x) __builtin_bswap32(x)

/* The native runtime's console and its end (libos/native/mica.h). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		printf x;     \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) die("lwip: %s (%s:%d)", x, __FILE__, __LINE__)

uint32_t micanet_rand(void);
#define LWIP_RAND() micanet_rand()

#endif
