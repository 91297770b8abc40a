/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What domains use (STATS, docs/metering.md): hvd samples the counters
 * when asked; libhv turns its entries, whose size hvd states, into
 * hv_domstats.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "domain_int.h"
#include "private.h"

/* The smallest entry libhv accepts: up to the vifs' count, the rest zero. */
#define STATS_ENTRY_MIN offsetof(struct hv_hc_domstats, vifs)

static void stats_from_hc(const struct hv_hc_domstats *in, hv_domstats *out)
{
	memset(out, 0, sizeof(*out));
	out->struct_size = sizeof(*out);
	out->domid = in->domid;
	out->state = in->state <= HV_HC_STATE_DYING ? (hv_domain_state)in->state :
		     HV_STATE_DYING;
	/* hvd's name is NUL-terminated in its field; be sure of it */
	memcpy(out->name, in->name, sizeof(in->name) < sizeof(out->name) ?
	       sizeof(in->name) : sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
	out->valid = in->valid & (HV_STATS_CPU | HV_STATS_VCPU | HV_STATS_MEM |
				  HV_STATS_MEM_PEAK | HV_STATS_MEM_CGROUP | HV_STATS_NET |
				  HV_STATS_DISK | HV_STATS_MIGRATION);
	out->sample_time_ns = in->sample_time_ns;
	out->start_time = (time_t)in->start_time;
	out->uptime_ns = in->uptime_ns;
	out->cpu_ns = in->cpu_ns;
	out->vcpu_ns = in->vcpu_ns;
	out->mem_current_bytes = in->mem_current_bytes;
	out->mem_peak_bytes = in->mem_peak_bytes;
	out->memory_mib = in->memory_mib;
	out->maxmem_mib = in->maxmem_mib;
	out->vcpus = in->vcpus;
	out->nr_disks = in->nr_disks < HV_DOMAIN_MAX_DISKS ? in->nr_disks : HV_DOMAIN_MAX_DISKS;
	for (unsigned int i = 0; i < out->nr_disks; i++) {
		const struct hv_hc_diskstats *k = &in->disks[i];
		hv_vbdstats *o = &out->disks[i];

		memcpy(o->vdev, k->vdev, sizeof(o->vdev));
		o->vdev[sizeof(o->vdev) - 1] = '\0';
		o->valid = k->valid != 0;
		o->rd_reqs = k->rd_reqs;
		o->rd_bytes = k->rd_bytes;
		o->wr_reqs = k->wr_reqs;
		o->wr_bytes = k->wr_bytes;
		o->flush_reqs = k->flush_reqs;
		o->discard_reqs = k->discard_reqs;
		o->err_reqs = k->err_reqs;
		o->throttled_reqs = k->throttled_reqs;
	}
	out->nr_vifs = in->nr_vifs < HV_DOMAIN_MAX_VIFS ? in->nr_vifs : HV_DOMAIN_MAX_VIFS;
	for (unsigned int i = 0; i < out->nr_vifs; i++) {
		const struct hv_hc_vifstats *v = &in->vifs[i];

		out->vifs[i].devid = v->devid;
		out->vifs[i].valid = v->valid != 0;
		out->vifs[i].rx_bytes = v->rx_bytes;
		out->vifs[i].rx_packets = v->rx_packets;
		out->vifs[i].tx_bytes = v->tx_bytes;
		out->vifs[i].tx_packets = v->tx_packets;
	}
	if (out->valid & HV_STATS_MIGRATION)
		hv__migstats_from_hc(&in->migration, &out->migration);
}

/*
 * One STATS request: its entries appended to *list (grown), *nr_r updated,
 * *more_r whether hvd has more after them.
 */
static int stats_request(hv_ctx *ctx, uint32_t domid, uint32_t first, const char *what,
			 hv_domstats ***list, size_t *nr_r, bool *more_r)
{
	struct hv_hc_stats body = { .domid = domid, .first_domid = first };
	struct hv_hc_stats_reply reply;
	void *tail = NULL;
	size_t tail_len = 0, n, esize, nr = *nr_r;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_STATS, .body = &body, .body_len = sizeof(body),
		.reply = &reply, .reply_len = sizeof(reply), .tail_r = &tail,
		.tail_len_r = &tail_len, .retry_safe = true,
	};
	hv_domstats **grown;
	int rc;

	rc = hv__request(ctx, &req, what);
	if (rc)
		return rc;
	n = reply.count;
	esize = reply.entry_size;
	if (esize < STATS_ENTRY_MIN || esize > HV_HC_MSG_MAX || n > tail_len / esize ||
	    (reply.more && !n) || (domid != HV_HC_DOMID_INVALID && n != 1)) {
		HV__ERR(ctx, "%s: hvd's reply announces %zu entries of %zu bytes but carries "
			"%zu bytes (restart hvd; an hvd older than libhv 1.8 has no STATS)",
			what, n, esize, tail_len);
		rc = HV_ERROR_PROTOCOL;
		goto out;
	}
	grown = realloc(*list, (nr + n + 1) * sizeof(**list));
	if (!grown) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	*list = grown;
	for (size_t i = 0; i < n; i++) {
		struct hv_hc_domstats e;

		/* an entry shorter than libhv's struct leaves the rest zero */
		memset(&e, 0, sizeof(e));
		memcpy(&e, (uint8_t *)tail + i * esize, esize < sizeof(e) ? esize : sizeof(e));
		(*list)[nr] = malloc(sizeof(hv_domstats));
		if (!(*list)[nr]) {
			rc = HV_ERROR_NOMEM;
			goto out;
		}
		stats_from_hc(&e, (*list)[nr]);
		if (nr > 0 && (*list)[nr]->domid <= (*list)[nr - 1]->domid) {
			nr++;
			HV__ERR(ctx, "%s: hvd's reply is out of order (restart hvd)", what);
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		nr++;
	}
	*more_r = reply.more;
out:
	*nr_r = nr;
	free(tail);
	return rc;
}

HV__EXPORT void hv_domstats_free(hv_domstats *stats)
{
	free(stats);
}

HV__EXPORT void hv_domstats_list_free(hv_domstats **list, size_t nr)
{
	if (!list)
		return;
	for (size_t i = 0; i < nr; i++)
		free(list[i]);
	free(list);
}

HV__EXPORT int hv_domain_stats(hv_ctx *ctx, uint32_t domid, hv_domstats **stats_r)
{
	hv_domstats **list = NULL;
	char what[HV__WHAT_MAX];
	size_t nr = 0;
	bool more = false;
	int rc;

	if (!stats_r)
		return HV_ERROR_INVAL;
	*stats_r = NULL;
	if (domid == HV_DOMID_INVALID) {
		HV__ERR(ctx, "domain stats: no domain given (hv_domain_stats_all() gives all)");
		return HV_ERROR_INVAL;
	}
	snprintf(what, sizeof(what), "get the usage of domain %" PRIu32, domid);
	rc = stats_request(ctx, domid, 0, what, &list, &nr, &more);
	if (rc == 0)
		*stats_r = list[0];
	else
		hv_domstats_list_free(list, nr);
	if (rc == 0)
		free(list);
	return rc;
}

HV__EXPORT int hv_domain_stats_all(hv_ctx *ctx, hv_domstats ***list_r, size_t *nr_r)
{
	hv_domstats **list = NULL;
	size_t nr = 0;
	uint32_t first = 0;
	int rc;

	if (!list_r || !nr_r)
		return HV_ERROR_INVAL;
	*list_r = NULL;
	*nr_r = 0;
	for (;;) {
		bool more = false;

		rc = stats_request(ctx, HV_HC_DOMID_INVALID, first, "get the usage of the domains",
				   &list, &nr, &more);
		if (rc)
			goto out;
		if (!more)
			break;
		if (list[nr - 1]->domid < first || list[nr - 1]->domid == HV_DOMID_INVALID) {
			HV__ERR(ctx, "get the usage of the domains: hvd's reply is out of order "
				"(restart hvd)");
			rc = HV_ERROR_PROTOCOL;
			goto out;
		}
		first = list[nr - 1]->domid + 1;
	}
	if (!list) {
		/* no domains: an empty list, not NULL, so callers need no special case */
		list = calloc(1, sizeof(*list));
		if (!list) {
			rc = HV_ERROR_NOMEM;
			goto out;
		}
	}
	*list_r = list;
	*nr_r = nr;
	list = NULL;
out:
	if (list)
		hv_domstats_list_free(list, nr);
	return rc;
}
