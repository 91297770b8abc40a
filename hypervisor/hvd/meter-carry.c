/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The usage a live migration's source counted (DOMCTL_MIGRATED) merged
 * into the destination's carried totals (docs/metering.md): each counter
 * the larger of the two, a vif's matched by its devid and a disk's by its
 * vdev to the slot of that device in this domain's description.  Apart
 * from meter.c, which reads hosts' files, so that tests/unit/test-hvd-meter
 * checks it as it is.
 */
#include <stdio.h>
#include "hvd.h"

static uint64_t more(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

void meter_carry_migrated(struct hvd_domain *d, const struct hv_hc_usage *u)
{
	struct hv_hc_usage *c = &d->carried;

	c->cpu_ns = more(c->cpu_ns, u->cpu_ns);
	c->mem_peak_bytes = more(c->mem_peak_bytes, u->mem_peak_bytes);
	for (unsigned int i = 0; i < HV_HC_STATS_MAX_VIFS; i++) {
		const struct hv_hc_vifstats *v = &u->vifs[i];
		int k = v->valid ? net_find(d->cfg, v->devid) : -1;
		struct hv_hc_vifstats *cv;

		if (k < 0 || k >= HV_HC_STATS_MAX_VIFS)
			continue;
		cv = &c->vifs[k];
		cv->devid = v->devid;
		cv->valid = 1;
		cv->rx_bytes = more(cv->rx_bytes, v->rx_bytes);
		cv->rx_packets = more(cv->rx_packets, v->rx_packets);
		cv->tx_bytes = more(cv->tx_bytes, v->tx_bytes);
		cv->tx_packets = more(cv->tx_packets, v->tx_packets);
	}
	for (unsigned int i = 0; i < HV_HC_STATS_MAX_DISKS; i++) {
		const struct hv_hc_diskstats *k = &u->disks[i];
		int at = k->valid ? disk_find(d->cfg, k->vdev) : -1;
		struct hv_hc_diskstats *ck;

		if (at < 0 || at >= HV_HC_STATS_MAX_DISKS)
			continue;
		ck = &c->disks[at];
		/* under our name for it: a sample adds the carried totals by name */
		snprintf(ck->vdev, sizeof(ck->vdev), "%s", d->cfg->disks[at]->vdev);
		ck->valid = 1;
		ck->rd_reqs = more(ck->rd_reqs, k->rd_reqs);
		ck->rd_bytes = more(ck->rd_bytes, k->rd_bytes);
		ck->wr_reqs = more(ck->wr_reqs, k->wr_reqs);
		ck->wr_bytes = more(ck->wr_bytes, k->wr_bytes);
	}
}
