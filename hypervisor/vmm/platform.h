/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The guest-visible platform: addresses, ports and interrupt lines.
 * docs/platform.md is the prose version of this file; keep them together.
 */
#ifndef HV_VMM_PLATFORM_H
#define HV_VMM_PLATFORM_H

/* Guest physical memory map. */
#define PLAT_LOWMEM_END		0x000a0000ULL	/* end of low 640 KiB */
#define PLAT_ACPI_BASE		0x000e0000ULL	/* RSDP, then the tables */
#define PLAT_ACPI_SIZE		0x0001f000ULL
/*
 * The generation page (reserved): u64 at offset 0 counts the restores of
 * this domain (0 after boot), so a guest can tell that it was saved and
 * brought back and recheck what it must (clocks, checksums, entropy).
 */
#define PLAT_GENID_PAGE		0x000ff000ULL
#define PLAT_HIMEM_START	0x00100000ULL
#define PLAT_MMIO_HOLE		0xc0000000ULL	/* 32-bit hole starts here */
#define PLAT_PCI_MMIO_BASE	0xc0000000ULL
#define PLAT_PCI_MMIO_SIZE	0x3ec00000ULL	/* up to the I/O APIC */
/* PCI slots: 0 the host bridge, 1 virtio-console, 2 + N the disk whose
 * vdev is disk N (HV__DISK_NUMBER_MAX: 19), 24 + D the vif with devid D
 * (HV_DOMAIN_MAX_VIFS: 8), also when hot-added; 23 the balloon (every
 * domain has one); 22 is kept */
#define PLAT_PCI_SLOT_DISK0	2
#define PLAT_PCI_SLOT_BALLOON	23
#define PLAT_PCI_SLOT_VIF0	24
#define PLAT_IOAPIC_BASE	0xfec00000ULL
#define PLAT_LAPIC_BASE		0xfee00000ULL
#define PLAT_HIGHMEM_START	0x100000000ULL

/* Boot structures in low memory. */
#define PLAT_BOOT_GDT		0x0500ULL
#define PLAT_BOOT_INFO		0x7000ULL	/* boot_params / hvm_start_info */
#define PLAT_BOOT_MEMMAP	0x8000ULL	/* PVH memory map */
#define PLAT_BOOT_PML4		0x9000ULL	/* then PDPT, 4 PDs */
#define PLAT_BOOT_CMDLINE	0x10000ULL
#define PLAT_CMDLINE_MAX	4096

/* I/O ports. */
#define PLAT_PORT_COM1		0x3f8
#define PLAT_PORT_I8042_DATA	0x60
#define PLAT_PORT_I8042_CMD	0x64
#define PLAT_PORT_PVPANIC	0x505
#define PLAT_PORT_PM1A_EVT	0x600	/* 4 bytes: status, enable */
#define PLAT_PORT_PM1A_CNT	0x604	/* 2 bytes */
#define PLAT_PORT_SLEEP_CNT	0x608	/* 1 byte */
#define PLAT_PORT_SLEEP_STS	0x609	/* 1 byte */
#define PLAT_PORT_RESET		0x60a	/* 1 byte */
#define PLAT_PORT_GPE0		0x620	/* 4 bytes: GPE0 status, enable */
#define PLAT_PORT_PCIHP		0x628	/* 12 bytes: PCI hotplug (dev/pcihp.h) */
#define PLAT_GPE_PCIHP		1	/* the GPE of PCI hotplug: \_GPE._E01 */
#define PLAT_RESET_VALUE	0x01
#define PLAT_PORT_PCI_ADDR	0xcf8
#define PLAT_PORT_PCI_DATA	0xcfc

/* Legacy interrupt lines (GSIs). */
#define PLAT_IRQ_PIT		0	/* routed to GSI 2 on the I/O APIC */
#define PLAT_IRQ_KBD		1
#define PLAT_IRQ_COM1		4
#define PLAT_IRQ_SCI		9

/* ACPI: S5 sleep type, and the PM1 bits the platform implements. */
#define PLAT_SLP_TYP_S5		5
#define PLAT_PM1_PWRBTN		(1u << 8)
#define PLAT_PM1_SLP_EN		(1u << 13)
#define PLAT_PM1_SCI_EN		(1u << 0)
#define PLAT_SLEEP_SLP_EN	(1u << 5)

#endif
