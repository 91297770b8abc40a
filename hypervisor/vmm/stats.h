/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics file hvd gives hv-vmm (--stats-fd, public/vmm.h): the
 * devices' counters, where hvd reads them without asking.
 */
#ifndef HV_VMM_STATS_H
#define HV_VMM_STATS_H

#include <stdint.h>
#include <public/vmm.h>

/* Maps @fd (a regular file of HV_VMM_STATS_SIZE bytes); 0 or -errno, said why. */
int vmm_stats_map(int fd, struct hv_vmm_stats **stats_r);
/*
 * A free slot for the disk @vdev, its counters zeroed; NULL without a
 * file (or, never with hvd's limits, a free slot).
 */
struct hv_vmm_diskstats *vmm_stats_disk(struct hv_vmm_stats *stats, const char *vdev);
/* @d (NULL is allowed) is free again: its vdev cleared. */
void vmm_stats_disk_free(struct hv_vmm_diskstats *d);

/* One writer: a plain store that a reader of the file never sees torn. */
static inline void vmm_stats_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

#endif
