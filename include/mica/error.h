/* Mica's one error vocabulary, shared by the kernel, lib/ and every libOS. */
#ifndef MICA_ERROR_H
#define MICA_ERROR_H

/*
 * Kernel calls and lib/ functions return 0 (or a non-negative value) on
 * success and one of these, negated, on failure: return -E_NOMEM.
 * The Linux personality maps them to Linux errnos in one place.
 */
enum mica_error {
	E_OK = 0,
	E_INVAL = 1,   /* an argument is out of range or malformed */
	E_NOMEM = 2,   /* no free frame or kernel object, or a limit (RES_*, abi.h) reached */
	E_PERM = 3,    /* the caller does not own the object or frame */
	E_NOENT = 4,   /* no such environment, thread, endpoint or file */
	E_FAULT = 5,   /* a user pointer is not mapped or not accessible */
	E_BUSY = 6,    /* the object is in use (mapped frame, bound irq, taken slot; no slot within the limit) */
	E_AGAIN = 7,   /* nothing ready now; try again */
	E_TIMEOUT = 8, /* a blocking call reached its deadline */
	E_NOSYS = 9,   /* no such kernel call */
	E_EXIST = 10,  /* the object or mapping already exists */
	E_BADFMT = 11, /* a malformed image: ELF, cpio archive */
	E_RANGE = 12,  /* a result does not fit the space given */
	E_DEAD = 13,   /* the peer was destroyed while we waited */
	E_CLOSED = 14, /* the other end of a stream has closed: nothing more can be written */
	E_IO = 15,     /* a device failed a request */
	E_NERRORS
};

/* A short, constant name for an error code (positive or negated). */
const char *mica_strerror(int err);

#endif
