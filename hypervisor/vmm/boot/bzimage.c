/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linux bzImage through the 64-bit boot protocol (Documentation/arch/x86/
 * boot.rst): the setup header goes into boot_params, the protected-mode
 * kernel is loaded and entered at its 64-bit entry, load address + 0x200.
 */
#include <errno.h>
#include <string.h>
#include "le.h"
#include "boot/boot.h"
#include "log.h"
#include "platform.h"

/* Offsets into boot_params / the image's first sector. */
#define BP_ACPI_RSDP		0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_SETUP_SECTS		0x1f1
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_RELOCATABLE		0x234
#define BP_XLOADFLAGS		0x236
#define BP_CMDLINE_SIZE		0x238
#define BP_PREF_ADDRESS		0x258
#define BP_INIT_SIZE		0x260
#define BP_E820_TABLE		0x2d0
#define BP_SIZE			0x1000
#define BP_E820_MAX		128

#define LOADED_HIGH		0x01
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01




int boot_bzimage_load(struct vm *vm, const struct boot_args *a, struct boot_entry *e)
{
	const uint8_t *k = a->kernel;
	uint8_t *bp;
	struct mem_map_entry map[8];
	uint64_t setup_size, pm_size, load, init_size, align, initrd = 0, low_top;
	uint32_t cmdline_size, initrd_max;
	uint16_t version;
	unsigned int setup_sects, hdr_end, n;
	int rc;

	if (a->kernel_len < BP_E820_TABLE || le_get32(k + BP_HEADER) != 0x53726448 /* HdrS */)
		return -ENOEXEC;
	if (k[BP_BOOT_FLAG] != 0x55 || k[BP_BOOT_FLAG + 1] != 0xaa) {
		err("--kernel: a bzImage without the 0xaa55 boot flag");
		return -EINVAL;
	}
	memcpy(&version, k + BP_VERSION, 2);
	if (version < 0x020c || !(k[BP_XLOADFLAGS] & XLF_KERNEL_64)) {
		err("--kernel: boot protocol %u.%02u without a 64-bit entry point; hv-vmm needs protocol 2.12 or later with XLF_KERNEL_64 (a 64-bit kernel)",
		    version >> 8, version & 0xff);
		return -EINVAL;
	}
	if (!(k[BP_LOADFLAGS] & LOADED_HIGH)) {
		err("--kernel: a zImage (loads below 1 MiB); hv-vmm boots bzImages");
		return -EINVAL;
	}
	setup_sects = k[BP_SETUP_SECTS] ? k[BP_SETUP_SECTS] : 4;
	setup_size = (uint64_t)(setup_sects + 1) * 512;
	if (setup_size >= a->kernel_len) {
		err("--kernel: the bzImage is truncated (setup of %llu bytes, file of %zu)",
		    (unsigned long long)setup_size, a->kernel_len);
		return -EINVAL;
	}
	pm_size = a->kernel_len - setup_size;
	init_size = le_get32(k + BP_INIT_SIZE);
	if (init_size < pm_size)
		init_size = pm_size;
	align = le_get32(k + BP_KERNEL_ALIGNMENT);
	if (align == 0 || (align & (align - 1)) || align > (1u << 30))
		align = 0x200000;
	low_top = vm->regions[0].size;

	load = le_get64(k + BP_PREF_ADDRESS);
	if (load < PLAT_HIMEM_START || load > low_top || init_size > low_top - load) {
		if (!k[BP_RELOCATABLE] && load >= PLAT_HIMEM_START) {
			err("--kernel: this kernel must load at 0x%llx and needs %llu MiB there; give the domain more --memory",
			    (unsigned long long)load, (unsigned long long)(init_size >> 20) + 1);
			return -ENOSPC;
		}
		load = (PLAT_HIMEM_START + align - 1) & ~(align - 1);
	}
	if (load > low_top || init_size > low_top - load) {
		err("--kernel: the kernel needs %llu MiB from 0x%llx; give the domain more --memory",
		    (unsigned long long)(init_size >> 20) + 1, (unsigned long long)load);
		return -ENOSPC;
	}
	memcpy(vm_gpa(vm, load, pm_size), k + setup_size, pm_size);

	bp = vm_gpa(vm, PLAT_BOOT_INFO, BP_SIZE);
	if (!bp)
		return -EFAULT;
	memset(bp, 0, BP_SIZE);
	hdr_end = BP_JUMP + 2 + k[BP_JUMP + 1];
	if (hdr_end > BP_E820_TABLE)
		hdr_end = BP_E820_TABLE;
	memcpy(bp + BP_SETUP_SECTS, k + BP_SETUP_SECTS, hdr_end - BP_SETUP_SECTS);

	cmdline_size = version >= 0x0206 ? le_get32(k + BP_CMDLINE_SIZE) + 1 : 256;
	rc = boot_put_cmdline(vm, a->cmdline, cmdline_size);
	if (rc)
		return rc;
	initrd_max = le_get32(k + BP_INITRD_ADDR_MAX);
	if (k[BP_XLOADFLAGS] & 0x02 /* XLF_CAN_BE_LOADED_ABOVE_4G */ || !initrd_max)
		initrd_max = PLAT_MMIO_HOLE - 1;
	rc = boot_place_initrd(vm, a, initrd_max, load + init_size, &initrd);
	if (rc)
		return rc;

	bp[BP_TYPE_OF_LOADER] = 0xff;
	bp[BP_LOADFLAGS] |= CAN_USE_HEAP;
	bp[BP_HEAP_END_PTR] = 0x00;
	bp[BP_HEAP_END_PTR + 1] = 0xfe;
	le_put32(bp + BP_CMD_LINE_PTR, PLAT_BOOT_CMDLINE);
	le_put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	le_put32(bp + BP_RAMDISK_IMAGE, (uint32_t)initrd);
	le_put32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	le_put32(bp + BP_RAMDISK_SIZE, initrd ? (uint32_t)a->initrd_len : 0);
	le_put32(bp + BP_EXT_RAMDISK_SIZE, initrd ? (uint32_t)((uint64_t)a->initrd_len >> 32) : 0);
	memcpy(bp + BP_ACPI_RSDP, &a->rsdp, 8);

	n = vm_memory_map(vm, map, 8);
	if (n > BP_E820_MAX)
		n = BP_E820_MAX;
	bp[BP_E820_ENTRIES] = n;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *ent = bp + BP_E820_TABLE + i * 20;

		memcpy(ent, &map[i].addr, 8);
		memcpy(ent + 8, &map[i].size, 8);
		memcpy(ent + 16, &map[i].type, 4);
	}
	e->mode = BOOT_LINUX64;
	e->rip = load + 0x200;
	e->arg = PLAT_BOOT_INFO;
	return 0;
}
