/* The exception and revocation upcalls. (fault.c) */
#ifndef LX_FAULT_H
#define LX_FAULT_H

void lx_fault(struct exc_frame *f); /* registered with the kernel by main.c */
void lx_revoke(struct exc_frame *f); /* likewise: memory pressure asks for frames back */

#endif
