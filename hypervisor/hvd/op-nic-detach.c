/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NIC_DETACH: hv-vmm asks the guest to eject the vif (ACPI), or removes it
 * at once when forced, and reports NET_EJECTED once the device is gone and
 * its taps closed.  Only that event takes the vif out of the description
 * and closes hvd's duplicates: the last holder gone, the kernel removes
 * the tap and its bridge port.  Whenever it comes (while a detach waits,
 * after one gave up, or unprompted) it is handled the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

const struct hvd_op_type op_nic_detach_type = {
	.name = "nic detach",
	.reply = op_hotplug_detach_reply,
	.closed = op_hotplug_closed,
	.gone = op_hotplug_gone,
	.expire = op_hotplug_expire,
	.dispose = op_hotplug_free,
};

int op_nic_detach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d)
{
	const struct hv_hc_nic_detach *rq = &req->u.nic_detach;
	struct hv_vmm_net_detach vd = { 0 };
	struct op_hotplug *h;
	int r;

	r = op_hotplug_check_state(hvd, c, req, d);
	if (r)
		return r;
	if (net_find(d->cfg, rq->devid) < 0)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOENT,
					"domain %s has no vif %u (xl network-list %s shows its "
					"vifs)", d->cfg->name, rq->devid, d->cfg->name);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -HV_HC_ENOMEM;
	snprintf(h->name, sizeof(h->name), "%u", rq->devid);
	snprintf(h->what, sizeof(h->what), "vif %u", rq->devid);
	snprintf(h->force_cmd, sizeof(h->force_cmd), "xl network-detach %s %u --force",
		 d->cfg->name, rq->devid);
	h->force = rq->flags & HV_HC_NIC_DETACH_FORCE;
	h->timeout_ms = rq->timeout_ms;
	vd.flags = h->force ? HV_VMM_NET_DETACH_FORCE : 0;
	vd.devid = rq->devid;
	h->detach = true;
	return op_hotplug_send(hvd, c, req, d, &op_nic_detach_type, h,
				      HV_VMM_OP_NET_DETACH, &vd, sizeof(vd), NULL, 0);
}

void op_nic_ejected(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len)
{
	struct hv_vmm_net_ejected e;
	const char *why = NULL;
	char name[16];
	int i;

	if (vmmmsg_net_ejected(body, len, &e, &why)) {
		hvd_err(hvd, "domain %u (%s): malformed NET_EJECTED from hv-vmm (%s); ignored",
			d->domid, d->cfg->name, why ? why : "?");
		return;
	}
	i = net_find(d->cfg, e.devid);
	if (i < 0) {
		hvd_err(hvd, "domain %u (%s): hv-vmm reports vif %u ejected, which the "
			"description does not have; ignored", d->domid, d->cfg->name, e.devid);
	} else {
		/* the taps first: their place among the others comes from the description */
		net_remove_fds(d, (size_t)i);
		if (desc_remove_vif(hvd, d, (size_t)i))
			hvd_err(hvd, "domain %u (%s): vif %u is gone but could not leave the "
				"stored description", d->domid, d->cfg->name, e.devid);
		hvd_info(hvd, "domain %u (%s): vif %u detached", d->domid, d->cfg->name, e.devid);
	}
	snprintf(name, sizeof(name), "%u", e.devid);
	op_hotplug_ejected(hvd, d, &op_nic_detach_type, name);
}
