/* lx's protection key: the key its memory is under, the PKRU that closes it, the exit area. (pkey.c) */
#ifndef LX_PKEY_H
#define LX_PKEY_H

/* Plain numbers: entry.S uses them too (asserted against abi.h's PKRU_KEY and lx.h's slot layout in pkey.c). */
#define LX_PKEY 1 /* lx's text, data, stacks, thread slots and shared heap; the program's memory is key 0 */
#define LX_PKRU_CLOSED 0xC /* PKRU_KEY(LX_PKEY): what the program runs with (no access to key 1) */
#define LX_EXIT_BELOW 0x80000 /* a thread's exit area (key 0) ends this far below the top of its lx stack (gs:0) */

#ifndef __ASSEMBLER__
/* The PTE bits of lx's own pages: its key, writable, not executable. Harmless where the CPU has no keys. */
#define LX_OWN_PERM (PTE_W | PTE_NX | PTE_PKEY(LX_PKEY))
extern bool lx_pkey_on; /* lx's memory is under LX_PKEY and the program runs with it closed */
void lx_pkey_init(void); /* after lx mapped itself: ask the kernel for the key and put lx's memory under it */
void lx_pkey_child(long child); /* fork: the child env guarded the same way (before it starts) */
#endif

#endif
