/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DUMP_CORE (public/vmm.h): the domain's memory and vCPU registers as an
 * ELF64 core file, the layout qemu's dump-guest-memory writes and gdb and
 * crash read: the ELF header, one PT_NOTE and one PT_LOAD per RAM region,
 * the notes (one NT_PRSTATUS per vCPU), then each region's memory at a
 * page-aligned offset.
 */
#ifndef HV_VMM_COREDUMP_H
#define HV_VMM_COREDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <public/vmm.h>
#include "snapshot/save.h"

struct vmm;

/* One RAM region of the core: its guest-physical address and size. */
struct coredump_region {
	uint64_t gpa, size;
};

/*
 * The core's head for @nr_regions regions and @nr_vcpus vCPUs whose
 * registers are @regs[i] and @sregs[i]: the ELF header, the program
 * headers and the notes, zero-padded to a page, in a malloc()ed buffer of
 * *@len_r bytes; each region's memory goes at the offset its PT_LOAD says,
 * the first right after the head, the next after it.  The core's whole
 * size in *@size_r.  NULL when out of memory.  No KVM needed: the unit
 * tests build one.
 */
void *coredump_head(const struct coredump_region *regions, unsigned int nr_regions,
		    const struct kvm_regs *regs, const struct kvm_sregs *sregs,
		    unsigned int nr_vcpus, size_t *len_r, uint64_t *size_r);

/*
 * Writes the domain's core to the regular file @fd (truncated to the
 * core's size, written with pwrite() from offset 0; the memfd's holes are
 * left as holes in the file), the vCPUs paused meanwhile and resumed after
 * unless they were paused.  0 with @res filled in, or -errno with the
 * reason in @msg; the domain is left as it was either way.  @pr is told
 * the progress between chunks of memory, and stops the dump (-ECANCELED)
 * by returning non-zero.  I/O thread.
 */
int vmm_dump_core(struct vmm *vmm, int fd, const struct save_progress *pr,
		  struct hv_vmm_dump_core_result *res, char *msg, size_t msg_len);

#endif
