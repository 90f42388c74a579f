/* The address space of every environment, as the kernel lays it out; shared by kernel and libOS. */
#ifndef MICA_MEMLAYOUT_H
#define MICA_MEMLAYOUT_H

/*
 *  Virtual address                         kernel  user   what
 *  0xFFFF_FFFF_FFFF_FFFF ┬───────────────┐
 *                        │ kernel image  │  RWX    --     text, data, bss, per-CPU stacks
 *  0xFFFF_FFFF_8000_0000 ┼───────────────┤  KERNBASE (= physical 0)
 *                        │   (unused)    │
 *  0xFFFF_8001_0000_0000 ┼───────────────┤
 *                        │ physical map  │  RW     --     all RAM (first 4 GiB), 2 MiB pages
 *  0xFFFF_8000_0000_0000 ┼───────────────┤  PHYSMAP (= physical 0)
 *                        │ non-canonical │
 *  0x0000_8000_0000_0000 ┼───────────────┤
 *                        │ page tables   │  R      R      UVPT: the env's own page tables, read-only
 *  0x0000_7F80_0000_0000 ┼───────────────┤  USER_TOP
 *                        │ kernel info   │  RW     R      UKIP: clock, free frames (one page for all)
 *  0x0000_7F7F_FFFF_F000 ┼───────────────┤
 *                        │ env info      │  RW     R      UENV: this env's id, revocation record
 *  0x0000_7F7F_FFFF_E000 ┼───────────────┤
 *                        │ boot image    │  --     R      UBOOT: the boot image (first env only)
 *  0x0000_7F00_0000_0000 ┼───────────────┤  USER_LIMIT
 *                        │               │
 *                        │  user memory  │  as the env maps it, with map/unmap/protect
 *                        │               │
 *  0x0000_0000_0000_0000 ┴───────────────┘
 */
#define KERNBASE 0xFFFFFFFF80000000UL
#define PHYSMAP 0xFFFF800000000000UL
#define PHYSMAP_SIZE (4UL << 30)

#define USER_TOP 0x00007F8000000000UL
#define UVPT USER_TOP
#define UKIP (USER_TOP - 0x1000)
#define UENV (USER_TOP - 0x2000)
#define UBOOT 0x00007F0000000000UL
#define USER_LIMIT UBOOT /* env mappings live in [0, USER_LIMIT) */

/* The root env starts with a stack of ROOT_STACK_PAGES pages below ROOT_STACK_TOP. */
#define ROOT_STACK_TOP 0x00007E0000000000UL
#define ROOT_STACK_PAGES 16

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* Slot of the page-table window in the top-level table. */
#define UVPT_SLOT ((UVPT >> 39) & 511)

/*
 * The read-only window maps each page-table level of the env itself:
 * uvpt_pte(va) is the address of the last-level entry that maps va.
 * An upper level must be present before a lower one can be read.
 */
#define uvpt_pte(va) ((const volatile unsigned long *)(UVPT + ((((unsigned long)(va)) & 0x0000FFFFFFFFF000UL) >> 9)))
#define uvpt_pde(va) uvpt_pte(uvpt_pte(va))
#define uvpt_pdpte(va) uvpt_pte(uvpt_pde(va))
#define uvpt_pml4e(va) uvpt_pte(uvpt_pdpte(va))

#endif
