/* The exception and revocation upcalls. (fault.c) */
#ifndef LX_FAULT_H
#define LX_FAULT_H

void lx_fault(struct exc_frame *f); /* registered with the kernel by main.c */
void lx_revoke(struct exc_frame *f); /* likewise: memory pressure asks for frames back */
/* entry.S: exc_resume, with lx's key closed unless f is lx's own code interrupted with it open (pkey.h) */
__attribute__((noreturn)) void lx_resume(struct exc_frame *f);

#endif
