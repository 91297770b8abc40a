/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include "boot/boot.h"
#include "log.h"
#include "platform.h"

int boot_put_cmdline(struct vm *vm, const char *cmdline, size_t max)
{
	size_t len = strlen(cmdline);
	char *p;

	if (max > PLAT_CMDLINE_MAX)
		max = PLAT_CMDLINE_MAX;
	if (len + 1 > max) {
		err("--cmdline is %zu bytes; this kernel accepts at most %zu", len, max - 1);
		return -E2BIG;
	}
	p = vm_gpa(vm, PLAT_BOOT_CMDLINE, len + 1);
	if (!p)
		return -EFAULT;
	memcpy(p, cmdline, len + 1);
	return 0;
}

/* The initrd goes page-aligned at the top of low RAM, below @max_addr. */
int boot_place_initrd(struct vm *vm, const struct boot_args *a, uint64_t max_addr,
		      uint64_t kernel_end, uint64_t *addr_r)
{
	uint64_t top = vm->regions[0].size, addr;
	void *p;

	*addr_r = 0;
	if (!a->initrd)
		return 0;
	if (max_addr && top > max_addr + 1)
		top = max_addr + 1;
	if (a->initrd_len > top || ((top - a->initrd_len) & ~0xfffull) < kernel_end) {
		err("--initrd: %zu bytes do not fit in guest memory below 0x%llx above the kernel (give the domain more --memory)",
		    a->initrd_len, (unsigned long long)top);
		return -ENOSPC;
	}
	addr = (top - a->initrd_len) & ~0xfffull;
	p = vm_gpa(vm, addr, a->initrd_len);
	if (!p)
		return -EFAULT;
	memcpy(p, a->initrd, a->initrd_len);
	*addr_r = addr;
	return 0;
}
