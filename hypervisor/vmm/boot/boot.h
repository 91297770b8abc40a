/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel loaders: each fills guest memory and says how to enter it. */
#ifndef HV_VMM_BOOT_H
#define HV_VMM_BOOT_H

#include <stdint.h>
#include "kvm/vm.h"

enum boot_mode {
	BOOT_PVH32,		/* 32-bit protected mode, paging off, %ebx = start_info */
	BOOT_LINUX64,		/* 64-bit mode, identity-mapped, %rsi = boot_params */
};

struct boot_entry {
	enum boot_mode mode;
	uint64_t rip;
	uint64_t arg;		/* %ebx or %rsi */
};

struct boot_args {
	const uint8_t *kernel;	/* the whole image, read into memory */
	size_t kernel_len;
	const uint8_t *initrd;
	size_t initrd_len;
	const char *cmdline;
	uint64_t rsdp;
};

/* Returns 0, or -ENOEXEC when the image is not of this format (try the next
 * loader), or another -errno after saying what is wrong. */
int boot_pvh_load(struct vm *vm, const struct boot_args *a, struct boot_entry *e);
int boot_bzimage_load(struct vm *vm, const struct boot_args *a, struct boot_entry *e);

/* Shared helpers. */
int boot_place_initrd(struct vm *vm, const struct boot_args *a, uint64_t max_addr,
		      uint64_t kernel_end, uint64_t *addr_r);
int boot_put_cmdline(struct vm *vm, const char *cmdline, size_t max);

#endif
