/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The minios bzImage: a real-mode setup part (boot sector, setup header,
 * setup code) followed by the flat kernel image (MINIOS_BIN, the ELF
 * minios turned into a binary), which loads at 1 MiB:
 *   +0x000  32-bit entry, %esi = boot_params
 *   +0x200  64-bit entry, %rsi = boot_params (XLF_KERNEL_64)
 * Boot loaders that run the real-mode part (QEMU, SeaBIOS, qboot) enter
 * setup_start; it builds boot_params (e820 from int 0x15) and jumps to the
 * 32-bit entry.
 */
#define BP		0x9000		/* new boot_params, offset in the setup segment */
#define INIT_SIZE	0x100000	/* minios.ld keeps the image below 2 MiB */

	.code16
	.text
	.globl _start
_start:
	/* Not a boot sector: say so if a BIOS tries. */
	ljmp	$0x07c0, $1f - _start
1:	cli
	hlt
	jmp	1b

	.org	0x1f1
	.byte	(setup_end - _start) / 512 - 1	/* setup_sects */
	.word	0				/* root_flags */
	.long	(kernel_end - kernel_start + 15) / 16	/* syssize */
	.word	0				/* ram_size */
	.word	0xffff				/* vid_mode */
	.word	0				/* root_dev */
	.word	0xaa55				/* boot_flag */
	/* 0x200 */
	.byte	0xeb, setup_start - _start - 0x202	/* jump */
	.ascii	"HdrS"				/* 0x202 */
	.word	0x020f				/* 0x206 version 2.15 */
	.long	0				/* 0x208 realmode_swtch */
	.word	0x1000				/* 0x20c start_sys_seg */
	.word	0				/* 0x20e kernel_version */
	.byte	0				/* 0x210 type_of_loader */
	.byte	0x01				/* 0x211 loadflags: LOADED_HIGH */
	.word	0				/* 0x212 setup_move_size */
	.long	0x100000			/* 0x214 code32_start */
	.long	0				/* 0x218 ramdisk_image */
	.long	0				/* 0x21c ramdisk_size */
	.long	0				/* 0x220 bootsect_kludge */
	.word	0				/* 0x224 heap_end_ptr */
	.byte	0				/* 0x226 ext_loader_ver */
	.byte	0				/* 0x227 ext_loader_type */
	.long	0				/* 0x228 cmd_line_ptr */
	.long	0x7fffffff			/* 0x22c initrd_addr_max */
	.long	0x200000			/* 0x230 kernel_alignment */
	.byte	0				/* 0x234 relocatable_kernel */
	.byte	12				/* 0x235 min_alignment */
	.word	0x0001				/* 0x236 xloadflags: XLF_KERNEL_64 */
	.long	4095				/* 0x238 cmdline_size */
	.long	0				/* 0x23c hardware_subarch */
	.quad	0				/* 0x240 hardware_subarch_data */
	.long	0				/* 0x248 payload_offset */
	.long	0				/* 0x24c payload_length */
	.quad	0				/* 0x250 setup_data */
	.quad	0x100000			/* 0x258 pref_address */
	.long	INIT_SIZE			/* 0x260 init_size */
	.long	0				/* 0x264 handover_offset */
	.long	0				/* 0x268 kernel_info_offset */
hdr_end:

setup_start:
	cli
	cld
	movw	%ds, %ax
	movw	%ax, %es
	movw	%ax, %ss
	movw	$BP - 16, %sp
	movzwl	%ax, %ebp
	shll	$4, %ebp			/* %ebp = linear base of the setup */
	/* a zeroed boot_params with a copy of the setup header */
	movw	$BP, %di
	movw	$0x800, %cx
	xorw	%ax, %ax
	rep stosw
	movw	$0x1f1, %si
	movw	$BP + 0x1f1, %di
	movw	$hdr_end - _start - 0x1f1, %cx
	rep movsb
	/* e820 from the BIOS */
	movw	$BP + 0x2d0, %di
	xorl	%ebx, %ebx
	xorw	%si, %si
2:	movl	$0xe820, %eax
	movl	$0x534d4150, %edx
	movl	$20, %ecx
	int	$0x15
	jc	3f
	cmpl	$0x534d4150, %eax
	jne	3f
	incw	%si
	addw	$20, %di
	cmpw	$128, %si
	jae	3f
	testl	%ebx, %ebx
	jnz	2b
3:	movw	%si, %ax
	movb	%al, BP + 0x1e8
	/* protected mode, flat segments, to code32_start */
	leal	gdt(%ebp), %eax
	movl	%eax, gdt_desc + 2
	leal	pm32(%ebp), %eax
	movl	%eax, pm32_ptr
	lgdtl	gdt_desc
	movl	%cr0, %eax
	orb	$1, %al
	movl	%eax, %cr0
	ljmpl	*pm32_ptr

	.code32
pm32:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leal	BP(%ebp), %esi
	movl	0x214(%esi), %eax
	jmp	*%eax

	.balign	8
gdt:
	.quad	0
	.quad	0
	.quad	0x00cf9a000000ffff		/* 0x10 code */
	.quad	0x00cf92000000ffff		/* 0x18 data */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	0
pm32_ptr:
	.long	0
	.word	0x10

	.balign	512
setup_end:
kernel_start:
	.incbin	MINIOS_BIN
kernel_end:

	.section .note.GNU-stack, "", @progbits
