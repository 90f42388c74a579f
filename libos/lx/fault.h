/* The exception upcall. (fault.c) */
#ifndef LX_FAULT_H
#define LX_FAULT_H

void lx_fault(struct exc_frame *f); /* registered with the kernel by main.c */

#endif
