/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * minios entry points, GDT, static page tables, AP trampoline and
 * interrupt stubs.
 *
 * The image is linked at 1 MiB (physical = virtual). Offsets in .head are
 * fixed by the boot protocols:
 *   0x000  bzImage 32-bit entry (code32_start), %esi = boot_params
 *   0x200  bzImage 64-bit entry, %rsi = boot_params
 * The PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) has %ebx = hvm_start_info.
 *
 * The page tables are built by the assembler so that no ring-0 loop is
 * needed at boot: an identity map of 4 GiB, 4 KiB pages for the first
 * 2 MiB (so that the user pages inside the image can be marked user), then
 * 2 MiB pages; 4 MiB..3 GiB are user pages (workload memory), 3..4 GiB
 * uncached (MMIO, APICs).
 */
#include "minios.h"

#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define CR4_PAE		0x20
#define CR0_PE_PG	0x80000001

	.section .head, "ax"
	.code32
	.globl bz_start32
bz_start32:
	movl	%esi, %edi
	movl	$BOOT_BZIMAGE, %esi
	jmp	start32

	.org	0x200
	.code64
	.globl bz_start64
bz_start64:
	cli
	leaq	boot_stack_top(%rip), %rsp	/* the protocol gives no stack */
	movl	%esi, %edi
	movl	$BOOT_BZIMAGE, %esi
	lgdt	gdt_desc(%rip)
	movl	$pml4, %eax
	movq	%rax, %cr3
	pushq	$0x08
	leaq	start64(%rip), %rax
	pushq	%rax
	lretq

	.code32
	.globl pvh_start32
pvh_start32:
	movl	%ebx, %edi
	movl	$BOOT_PVH, %esi
start32:
	cli
	lgdt	gdt_desc
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PE_PG, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $start64

	.code64
start64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	boot_stack_top(%rip), %rsp
	/*
	 * No .bss to clear: minios.ld stores the zero-initialised data in
	 * the image, so the loader provides it (clearing it here took tens
	 * of milliseconds of emulated ring-0 code on PVM hosts).
	 */
	movq	%rdi, %r12
	rdtsc
	shlq	$32, %rdx
	orq	%rax, %rdx
	movq	%r12, %rdi
	cld
	call	main_start		/* (info, protocol, entry TSC) */
1:	cli
	hlt
	jmp	1b

	/* Application processors arrive here from the trampoline. */
	.globl ap_start64
ap_start64:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movq	ap_stack_top(%rip), %rsp
	call	apic_ap_main
1:	cli
	hlt
	jmp	1b

	/* Enter ring 3 at %rdi with stack %rsi, interrupts on, IOPL 0. */
	.globl user_enter
user_enter:
	pushq	$0x1b
	pushq	%rsi
	pushq	$0x202
	pushq	$0x23
	pushq	%rdi
	xorl	%eax, %eax
	movl	%eax, %ebx
	movl	%eax, %ecx
	movl	%eax, %edx
	movl	%eax, %ebp
	movl	%eax, %r8d
	movl	%eax, %r9d
	movl	%eax, %r10d
	movl	%eax, %r11d
	iretq

/*
 * Interrupt stubs, 16 bytes each: vector v is at isr_stubs + 16 * v, at
 * the fixed address ISR_STUBS (minios.ld), from which the IDT below is
 * built. The CPU pushes an error code for 8, 10-14, 17, 21, 29, 30.
 */
	.section .text.isr, "ax"
	.balign 4096
	.globl isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	.if (vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
	pushq	$vec
	.else
	pushq	$0
	pushq	$vec
	.endif
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_handle
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp
	iretq

/*
 * AP trampoline, copied to TRAMP_BASE (SIPI vector TRAMP_BASE >> 12):
 * real mode -> 32-bit protected mode -> long mode -> ap_start64.
 */
#define T(x)		((x) - tramp_start + TRAMP_BASE)
	.section .rodata
	.globl tramp_start, tramp_end
	.code16
tramp_start:
	cli
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	(tramp_gdt_desc - tramp_start)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x28, $T(tramp32)
	.code32
tramp32:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PE_PG, %eax
	movl	%eax, %cr0
	ljmp	$0x08, $ap_start64
	.balign	8
tramp_gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
tramp_end:
	.code64

	.data
	.balign	16
	.globl gdt
gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad	0x00cf92000000ffff	/* 0x10 kernel data */
	.quad	0x00cff2000000ffff	/* 0x18 user data */
	.quad	0x00affa000000ffff	/* 0x20 user code, 64-bit */
	.quad	0x00cf9a000000ffff	/* 0x28 kernel code, 32-bit */
	.quad	0, 0			/* 0x30 TSS, filled by trap_init */
gdt_end:
	.balign	8
	.word	0, 0, 0
	.globl gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.globl ap_stack_top
ap_stack_top:
	.quad	0

/*
 * IDT: interrupt gates to the stubs for the exceptions and the vectors in
 * use (minios.h), not present elsewhere; NMI, #DF and #MC on IST 1.
 */
#define GATE(v, ist)	((ISR_STUBS + 16 * (v)) & 0xffff) | \
			(SEL_KCODE << 16) | ((ist) << 32) | (0x8e << 40) | \
			(((ISR_STUBS + 16 * (v)) >> 16) << 48)
	.balign	16
	.globl idt
idt:
	.set	vec, 0
	.rept	256
	.if (vec == 2 || vec == 8 || vec == 18)
	.quad	GATE(vec, 1), 0
	.elseif (vec <= VEC_VIRTIO_TX || vec == VEC_SPURIOUS)
	.quad	GATE(vec, 0), 0
	.else
	.quad	0, 0
	.endif
	.set	vec, vec + 1
	.endr

#define P	0x001
#define RW	0x002
#define US	0x004
#define PWT	0x008
#define PCD	0x010
#define PS	0x080

	.balign	4096
	.globl pml4
pml4:
	.quad	pdpt + (P | RW | US)
	.fill	511, 8, 0
pdpt:
	.quad	pd + (P | RW | US)
	.quad	pd + 0x1000 + (P | RW | US)
	.quad	pd + 0x2000 + (P | RW | US)
	.quad	pd + 0x3000 + (P | RW | US)
	.fill	508, 8, 0
	.globl pd
pd:
	.quad	pt0 + (P | RW | US)
	.set	i, 1
	.rept	2047
	.if (i < 2)
	.quad	(i << 21) | (P | RW | PS)
	.elseif (i < 1536)
	.quad	(i << 21) | (P | RW | US | PS)
	.else
	.quad	(i << 21) | (P | RW | PS | PCD | PWT)
	.endif
	.set	i, i + 1
	.endr
	/* First 2 MiB in 4 KiB pages; trap_init marks the user pages. */
	.globl pt0
pt0:
	.set	i, 0
	.rept	512
	.quad	(i << 12) | (P | RW)
	.set	i, i + 1
	.endr

	.section .stacks, "aw", @nobits
	.balign	4096
	.space	16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.pvh, "a"
	.balign	4
	.long	4
	.long	4
	.long	18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz	"Xen"
	.long	pvh_start32

	.section .note.GNU-stack, "", @progbits
