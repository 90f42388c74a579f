/* PVH entry: from 32-bit protected mode to the kernel's C code in the upper half, in long mode. */
#include <mica/memlayout.h>
#include "kernel/x86.h"

#define PHYS(x) ((x) - KERNBASE)
#define CR0_PE 0x1
#define CR0_MP 0x2
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define CR4_PGE 0x80
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define EFER_SCE 0x1
#define EFER_LME 0x100
#define EFER_NXE 0x800

/* The Xen ELF note that tells QEMU and Firecracker where the 32-bit PVH entry is. */
	.section .note.pvh, "a"
	.p2align 2
	.long 4                 /* name size */
	.long 8                 /* desc size: a 64-bit word, as QEMU reads it */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.quad pvh_start

	.section .boot, "ax"
	.code32
	.globl pvh_start
/* ebx = physical address of struct hvm_start_info; paging is off. */
pvh_start:
	cli
	cld
	movl %ebx, %edi                         /* keep the start info for kmain */
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	lgdt gdt32_desc

	/* The boot page tables: low 4 GiB identity-mapped and at PHYSMAP, 2 MiB
	 * pages; the first 1 GiB again at KERNBASE. The last GiB (MMIO) uncached. */
	movl $PHYS(boot_pd), %esi
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                         /* P | W | PS */
	cmpl $1536, %ecx
	jb 2f
	orl $0x18, %eax                         /* PCD | PWT above 3 GiB */
2:	movl %eax, (%esi,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, 4(%esi,%ecx,8)               /* bits 32+ of the address */
	incl %ecx
	cmpl $2048, %ecx
	jb 1b

	/* boot_pdpt[i] = boot_pd + i*4096 for i < 4 */
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $12, %eax
	addl $PHYS(boot_pd) + 3, %eax
	movl %eax, PHYS(boot_pdpt)(,%ecx,8)
	incl %ecx
	cmpl $4, %ecx
	jb 3b
	movl $PHYS(boot_pd) + 3, %eax
	movl %eax, PHYS(boot_pdpt_high) + 510 * 8

	movl $PHYS(boot_pdpt) + 3, %eax
	movl %eax, PHYS(boot_pml4)
	movl %eax, PHYS(boot_pml4) + 256 * 8
	movl $PHYS(boot_pdpt_high) + 3, %eax
	movl %eax, PHYS(boot_pml4) + 511 * 8

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE | EFER_SCE), %eax
	wrmsr
	movl %cr0, %eax
	andl $~0x4, %eax                        /* EM off: the FPU is real */
	orl $(CR0_PG | CR0_PE | CR0_WP | CR0_MP), %eax
	movl %eax, %cr0
	ljmp $0x08, $start64

	.code64
start64:
	movabsq $high64, %rax
	jmp *%rax

	.text
high64:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	/* rdi still holds the start info's physical address */
	call kmain
4:	hlt
	jmp 4b

	.section .boot, "ax"
	.p2align 3
gdt32:
	.quad 0
	.quad 0x00AF9A000000FFFF                /* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF                /* 0x10: data */
gdt32_end:
gdt32_desc:
	.word gdt32_end - gdt32 - 1
	.long gdt32

	.data
	.globl boot_tsc
	.p2align 3
boot_tsc:
	.quad 0

	.bss
	.p2align 12
	.globl boot_pml4
boot_pml4:
	.space 4096
boot_pdpt:
	.space 4096
boot_pdpt_high:
	.space 4096
boot_pd:
	.space 4 * 4096
	.globl boot_stack_top
boot_stack:
	.space 16384
boot_stack_top:
