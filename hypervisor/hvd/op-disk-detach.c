/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DISK_DETACH: hv-vmm asks the guest to eject the disk (ACPI), or removes
 * it at once when forced, and reports DISK_EJECTED once the device is gone
 * and its descriptor closed.  Only that event takes the disk out of the
 * description and closes hvd's duplicate (and so, with the last holder,
 * its lock).  It may come while a detach waits for it, after the detach
 * gave up (the guest let go late), or unprompted (the guest ejected the
 * disk itself): it is handled the same way whenever it comes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

const struct hvd_op_type op_disk_detach_type = {
	.name = "disk detach",
	.reply = op_hotplug_detach_reply,
	.closed = op_hotplug_closed,
	.gone = op_hotplug_gone,
	.expire = op_hotplug_expire,
	.dispose = op_hotplug_free,
};

int op_disk_detach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		   struct hvd_domain *d)
{
	const struct hv_hc_disk_detach *rq = &req->u.disk_detach;
	struct hv_vmm_disk_detach vd = { 0 };
	struct op_hotplug *h;
	int i, r;

	r = op_hotplug_check_state(hvd, c, req, d);
	if (r)
		return r;
	i = disk_find(d->cfg, rq->vdev);
	if (i < 0)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOENT,
					"domain %s has no disk %s (xl block-list %s shows its "
					"disks)", d->cfg->name, rq->vdev, d->cfg->name);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -HV_HC_ENOMEM;
	/* as the description names it */
	snprintf(h->name, sizeof(h->name), "%s", d->cfg->disks[i]->vdev);
	snprintf(h->what, sizeof(h->what), "disk %s", h->name);
	snprintf(h->force_cmd, sizeof(h->force_cmd), "xl block-detach --force %s %s",
		 d->cfg->name, h->name);
	h->force = rq->flags & HV_HC_DISK_DETACH_FORCE;
	h->timeout_ms = rq->timeout_ms;
	vd.flags = h->force ? HV_VMM_DISK_DETACH_FORCE : 0;
	memcpy(vd.vdev, h->name, sizeof(vd.vdev));
	h->detach = true;
	return op_hotplug_send(hvd, c, req, d, &op_disk_detach_type, h,
				      HV_VMM_OP_DISK_DETACH, &vd, sizeof(vd), NULL, 0);
}

void op_disk_ejected(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len)
{
	struct hv_vmm_disk_ejected e;
	const char *why = NULL;
	int i;

	if (vmmmsg_disk_ejected(body, len, &e, &why)) {
		hvd_err(hvd, "domain %u (%s): malformed DISK_EJECTED from hv-vmm (%s); ignored",
			d->domid, d->cfg->name, why ? why : "?");
		return;
	}
	i = disk_find(d->cfg, e.vdev);
	if (i < 0) {
		hvd_err(hvd, "domain %u (%s): hv-vmm reports disk %s ejected, which the "
			"description does not have; ignored", d->domid, d->cfg->name, e.vdev);
	} else {
		/* the descriptor first: its place among the disks comes from the description */
		disk_remove_fd(d, (size_t)i);
		meter_forget_disk(d, e.vdev);	/* a disk attached as it later counts anew */
		if (desc_remove_disk(hvd, d, (size_t)i))
			hvd_err(hvd, "domain %u (%s): disk %s is gone but could not leave the "
				"stored description", d->domid, d->cfg->name, e.vdev);
		hvd_info(hvd, "domain %u (%s): disk %s detached", d->domid, d->cfg->name, e.vdev);
	}
	op_hotplug_ejected(hvd, d, &op_disk_detach_type, e.vdev);
}
