/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The statistics file (public/vmm.h): hvd made it, hv-vmm keeps the disks'
 * counters in it.  Nothing here is read back: hv-vmm only writes.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "log.h"
#include "stats.h"

_Static_assert(sizeof(struct hv_vmm_stats) <= HV_VMM_STATS_SIZE, "the statistics file");
_Static_assert(sizeof(struct hv_vmm_diskstats) % 8 == 0, "aligned counters");

int vmm_stats_map(int fd, struct hv_vmm_stats **stats_r)
{
	struct hv_vmm_stats *s;
	struct stat st;

	*stats_r = NULL;
	if (fstat(fd, &st) < 0) {
		err("--stats-fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != HV_VMM_STATS_SIZE) {
		err("--stats-fd %d: not a regular file of %d bytes", fd, HV_VMM_STATS_SIZE);
		return -EINVAL;
	}
	s = mmap(NULL, HV_VMM_STATS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s == MAP_FAILED) {
		err("--stats-fd %d: mmap: %s", fd, strerror(errno));
		return -errno;
	}
	memset(s, 0, HV_VMM_STATS_SIZE);
	s->version = HV_VMM_STATS_VERSION;
	s->nr_disks = HV_VMM_STATS_DISKS;
	__atomic_store_n(&s->magic, HV_VMM_STATS_MAGIC, __ATOMIC_RELEASE);
	*stats_r = s;
	return 0;
}

struct hv_vmm_diskstats *vmm_stats_disk(struct hv_vmm_stats *stats, const char *vdev)
{
	struct hv_vmm_diskstats *d;
	unsigned int i;

	if (!stats)
		return NULL;
	for (i = 0; i < HV_VMM_STATS_DISKS && stats->disks[i].vdev[0]; i++)
		;
	if (i == HV_VMM_STATS_DISKS) {
		warn("disk %s: no free slot in the statistics file; it is not counted", vdev);
		return NULL;
	}
	d = &stats->disks[i];
	memset((char *)d + sizeof(d->vdev), 0, sizeof(*d) - sizeof(d->vdev));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	strncpy(d->vdev, vdev, sizeof(d->vdev) - 1);
	return d;
}

void vmm_stats_disk_free(struct hv_vmm_diskstats *d)
{
	if (d)
		memset(d->vdev, 0, sizeof(d->vdev));
}
