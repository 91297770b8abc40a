/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside restore: what restore.c (reading, checking and applying an image)
 * hands to restore_bg.c (what goes on once the domain runs).
 */
#ifndef HV_VMM_RESTORE_INT_H
#define HV_VMM_RESTORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kvm/vm.h"
#include "snapshot/save.h"
#include "stream/stream.h"

/* A copied record body (state records are applied after the whole read). */
struct blob {
	uint8_t *data;
	size_t len;
};

/* A batch whose page data's CRC is checked apart from the read. */
struct deferred {
	struct stream_batch bt;		/* pfns/data pointers are not kept */
	uint64_t data_offset;		/* into the mapping of the image */
	uint32_t index;			/* record, for the message */
};

struct placer;

struct restore {
	struct vmm *vmm;
	const struct restore_options *o;
	struct blob config, policy, vm_state, devices;
	struct blob digest;		/* a migration's memory digest (--debug), or none */
	bool local;			/* the RAM is the sender's memfd (a local migration) */
	struct blob vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpu_states;
	bool have_layout;
	const uint8_t *map;		/* the image, read-only */
	size_t map_len;
	uint64_t base;			/* file offset of the stream */
	uint64_t image_dev, image_ino;
	struct placer *pl;		/* for pages placed as they are read */
	struct deferred *deferred;
	size_t nr_deferred, cap_deferred;
};

/* Checks deferred[first], deferred[first + step], ...; returns a bad one or -1. */
long restore_verify_batches(const uint8_t *map, const struct deferred *d, size_t nr,
			    size_t first, size_t step, volatile bool *stop);

/*
 * Writes @len bytes into the memfd at @off, which allocates its pages
 * without first clearing them, as a fault on the mapping would.  Returns
 * how much it wrote (less on an error, with errno set).
 */
size_t restore_ram_write(struct vm *vm, const uint8_t *src, size_t len, uint64_t off);

/*
 * Prepares what goes on once an eager restore's domain runs
 * (vmm_restore_start()): the copy of its memory out of the image.  A lazy
 * restore has nothing left to do (its page data was checked before).
 */
int restore_bg_prepare(struct restore *r);

#endif
