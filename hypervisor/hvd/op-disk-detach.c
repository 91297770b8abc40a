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

struct disk_detach {
	char vdev[HV_VMM_VDEV_MAX];	/* as the description names it */
	uint32_t timeout_ms;
	bool force;
	bool asked;			/* hv-vmm has asked the guest (or removed it) */
};

static void detach_dispose(void *data)
{
	free(data);
}

static void detach_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 const void *data, size_t len)
{
	struct disk_detach *x = op->data;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		if (vmsg[0])
			snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg);
		else
			snprintf(msg, sizeof(msg), "hv-vmm could not detach disk %s: %s", x->vdev,
				 strerror(-status));
		hvd_err(hvd, "domain %u (%s): detaching disk %s failed: %s", d->domid,
			d->cfg->name, x->vdev, msg);
		op_fail(hvd, d, op, status == -ENOENT ? -HV_HC_ENOENT :
			status == -EBUSY ? -HV_HC_ESTATE : -HV_HC_EVMM, msg);
		return;
	}
	/* now the guest's turn: DISK_EJECTED answers the client */
	x->asked = true;
	op->vmm_op = 0;
	op->vmm_seq = 0;
	op->deadline = hvd_now_ms() + (x->force ? HVD_VMM_CALL_MS : (int64_t)x->timeout_ms);
	hvd_info(hvd, "domain %u (%s): %s disk %s", d->domid, d->cfg->name,
		 x->force ? "removed" : "the guest was asked to eject", x->vdev);
}

static void detach_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM,
		"hv-vmm closed its control channel before detaching the disk");
}

static void detach_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			pid_t pid)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm ended before the disk was detached; "
		"the disk stays in the domain's description");
}

static void detach_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	struct disk_detach *x = op->data;
	char msg[HV_HC_ERRMSG_MAX];

	if (!x->asked || x->force) {
		hvd_err(hvd, "domain %u (%s): hv-vmm did not %s disk %s in %d s", d->domid,
			d->cfg->name, x->asked ? "report the removal of" : "answer DISK_DETACH of",
			x->vdev, HVD_VMM_CALL_MS / 1000);
		op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm did not answer in time; the "
			"disk stays in the domain's description (see hvd's log)");
		return;
	}
	hvd_info(hvd, "domain %u (%s): the guest did not eject disk %s within %u s; it stays",
		 d->domid, d->cfg->name, x->vdev, x->timeout_ms / 1000);
	snprintf(msg, sizeof(msg), "the guest did not let go of %s within %u s (it may not "
		 "support PCI hotplug, or have the disk mounted); the disk stays attached; `xl "
		 "block-detach --force %s %s` removes it anyway", x->vdev,
		 (x->timeout_ms + 999) / 1000, d->cfg->name, x->vdev);
	op_fail(hvd, d, op, -HV_HC_ETIMEDOUT, msg);
}

const struct hvd_op_type op_disk_detach_type = {
	.name = "disk detach",
	.reply = detach_reply,
	.closed = detach_closed,
	.gone = detach_gone,
	.expire = detach_expire,
	.dispose = detach_dispose,
};

int op_disk_detach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		   struct hvd_domain *d)
{
	const struct hv_hc_disk_detach *rq = &req->u.disk_detach;
	struct hv_vmm_disk_detach vd = { 0 };
	struct disk_detach *x;
	struct hvd_op *op;
	char why[HV_HC_ERRMSG_MAX];
	uint32_t seq;
	int i, r;

	r = op_disk_check_state(hvd, c, req, d);
	if (r)
		return r;
	i = disk_find(d->cfg, rq->vdev);
	if (i < 0)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOENT,
					"domain %s has no disk %s (xl block-list %s shows its "
					"disks)", d->cfg->name, rq->vdev, d->cfg->name);
	x = calloc(1, sizeof(*x));
	if (!x)
		return -HV_HC_ENOMEM;
	snprintf(x->vdev, sizeof(x->vdev), "%s", d->cfg->disks[i]->vdev);
	x->force = rq->flags & HV_HC_DISK_DETACH_FORCE;
	x->timeout_ms = rq->timeout_ms ? rq->timeout_ms : HV_HC_DISK_TIMEOUT_DEFAULT_MS;
	op = op_start(d, &op_disk_detach_type, c, req, HVD_VMM_CALL_MS);
	if (!op) {
		free(x);
		return -HV_HC_ENOMEM;
	}
	op->data = x;
	vd.flags = x->force ? HV_VMM_DISK_DETACH_FORCE : 0;
	memcpy(vd.vdev, x->vdev, sizeof(vd.vdev));
	r = vmm_send(hvd, d, HV_VMM_OP_DISK_DETACH, &vd, sizeof(vd), -1, &seq);
	if (r) {
		snprintf(why, sizeof(why), "cannot send the request to domain %u's hv-vmm: %s",
			 d->domid, strerror(-r));
		op_fail(hvd, d, op, -HV_HC_EVMM, why);
		return HVD_REPLIED;
	}
	op->vmm_op = HV_VMM_OP_DISK_DETACH;
	op->vmm_seq = seq;
	hvd_info(hvd, "domain %u (%s): detaching disk %s%s", d->domid, d->cfg->name, x->vdev,
		 x->force ? " by force" : "");
	return HVD_DEFERRED;
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
		if (desc_remove_disk(hvd, d, (size_t)i))
			hvd_err(hvd, "domain %u (%s): disk %s is gone but could not leave the "
				"stored description", d->domid, d->cfg->name, e.vdev);
		hvd_info(hvd, "domain %u (%s): disk %s detached", d->domid, d->cfg->name, e.vdev);
	}
	for (struct hvd_op *op = d->ops; op; op = op->next) {
		struct disk_detach *x = op->data;

		if (op->type == &op_disk_detach_type && !strcmp(x->vdev, e.vdev)) {
			op_reply(hvd, d, op, 0, NULL, 0);
			break;
		}
	}
}
