/* Syscall sites rewritten into jumps to lx's entry, and put back when their stubs go. (rewrite.c) */
#ifndef LX_REWRITE_H
#define LX_REWRITE_H

extern int lx_rewrite_countdown; /* reflected syscalls until lx looks at the next one's site (entry.S) */
/* [start, end) of the program's address space goes or changes its protection (moving: its bytes move elsewhere, as
 * mremap's): put back every site whose stub is there, and every site there if moving, and forget them. */
void lx_rewrite_release(uint64_t start, uint64_t end, bool moving);
void lx_rewrite_reset(void); /* exec: a new program, nothing rewritten */
int lx_rewrite_count(void); /* sites rewritten in this process */

#endif
