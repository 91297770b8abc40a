/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's vifs on the host, for hv_domain_create() and
 * hv_domain_restore(): one tap per vif (net.c makes it and puts it on its
 * bridge, with the caller's privileges), whose descriptors go to hvd after
 * the disks', and the tap's final name once the domain has an id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "config/config_int.h"
#include "domain_int.h"
#include "net.h"

int hv__nets_open(hv_ctx *ctx, const hv_domain_config *cfg, const uint8_t uuid[16],
		  struct hv__nets *n, int *fds, size_t *nr_fds_r)
{
	hv_domain_config full;
	size_t nr = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	*nr_fds_r = 0;
	if (!cfg->nr_vifs)
		return 0;
	/* the vifs as the description has them: devids, MACs, bridges */
	hv_domain_config_init(&full);
	rc = hv_domain_config_copy(&full, cfg);
	if (!rc)
		rc = hv__vifs_complete(&full, uuid);
	for (size_t i = 0; !rc && i < full.nr_vifs; i++) {
		const hv_vif_spec *v = full.vifs[i];
		struct hv__tap *t = &n->taps[i];
		char what[96];

		snprintf(what, sizeof(what), "domain \"%s\": vif %u", cfg->name, v->devid);
		rc = hv__tap_open(ctx, what, v->vifname, v->bridge, v->mac, v->mtu,
				  v->queues ? v->queues : 1, t);
		if (rc)
			break;
		n->devid[i] = v->devid;
		n->named[i] = v->vifname != NULL;
		n->nr = i + 1;
		for (unsigned int q = 0; q < t->nr_fds; q++)
			fds[nr++] = t->fds[q];
	}
	hv_domain_config_dispose(&full);
	if (rc) {
		hv__nets_close(n);
		return rc;
	}
	*nr_fds_r = nr;
	return 0;
}

int hv__nets_name(hv_ctx *ctx, struct hv__nets *n, uint32_t domid)
{
	char name[16];

	for (size_t i = 0; i < n->nr; i++) {
		int rc;

		if (n->named[i])
			continue;
		snprintf(name, sizeof(name), "vif%" PRIu32 ".%u", domid, n->devid[i]);
		rc = hv__tap_rename(ctx, &n->taps[i], name);
		if (rc)
			return rc;
	}
	return 0;
}

void hv__nets_close(struct hv__nets *n)
{
	for (size_t i = 0; i < n->nr; i++)
		hv__tap_close(&n->taps[i]);
	n->nr = 0;
}
