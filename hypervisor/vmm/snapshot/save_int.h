/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a save (save.c) and a live migration (migrate.c) share. */
#ifndef HV_VMM_SAVE_INT_H
#define HV_VMM_SAVE_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include "kvm/vm.h"
#include "stream/stream.h"

struct vmm;

/*
 * Pages of one memory region, with the memfd's holes (never written, so
 * zero) found by SEEK_DATA/SEEK_HOLE and never read: reading them would
 * allocate them.  A restored domain maps runs of its RAM from the image
 * instead of the memfd (vm->mapped); their pages are read.  Initialise as
 * { vm, region, true } and ask for ascending offsets.
 */
struct save_pages {
	struct vm *vm;
	const struct mem_region *r;
	bool holes;
	off_t data, data_end;		/* the memfd's current data extent */
	size_t run;			/* first mapped run not below the page */
};

/* Whether the memfd page at @off is a hole (zero, never allocated). */
bool save_in_hole(struct save_pages *s, off_t off);

/* The CPU_POLICY and MEMORY_LAYOUT records of the domain. */
int save_cpu_policy(struct vm *vm, struct stream_writer *w);
int save_layout(struct vm *vm, struct stream_writer *w);
/* VM_STATE, each VCPU_STATE, DEVICE_STATE: the vCPUs are paused. */
int save_state(struct vmm *vmm, struct stream_writer *w, char *msg, size_t msg_len);

/*
 * A migration's memory digest (xl migrate --debug): an optional record of
 * hv-vmm's own (docs/save-stream.md), one CRC-32 per MiB of the memfd, the
 * sender's of its paused memory, checked by the destination against its
 * own before the domain may run.  Holes count as zero pages and are not
 * read (reading would allocate them).
 */
#define VMM_REC_MEM_DIGEST	0x100
/*
 * A local migration's memory: the record carries the RAM's size (u64) and
 * the memfd itself comes with its first byte over the Unix socket
 * (SCM_RIGHTS); the destination maps it in place of its own RAM.
 */
#define VMM_REC_MEMFD		0x101
int save_mem_digest(struct vm *vm, uint32_t **crcs_r, size_t *nr_r);

/* How long a pipe or socket reader may take nothing (HV_VMM_SAVE_STALL_MS). */
int save_stall_ms(void);

#endif
