/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What disk and vif hotplug have in common (op-disk-*.c, op-nic-*.c): one
 * device coming or going on a domain at a time; an attach answered when
 * hv-vmm has told the guest; a detach answered when hv-vmm's EJECTED event
 * comes, or when the guest's time is up.  Each operation's data starts
 * with struct op_hotplug, which names the device in messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config/config_int.h"
#include "wire/vmmmsg.h"
#include "hvd.h"

bool op_hotplug_running(const struct hvd_domain *d)
{
	return op_find(d, &op_disk_attach_type) || op_find(d, &op_disk_detach_type) ||
	       op_find(d, &op_nic_attach_type) || op_find(d, &op_nic_detach_type);
}

int op_hotplug_check_state(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			   struct hvd_domain *d)
{
	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is not running", d->domid, d->cfg->name);
	if (!domain_live(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is starting or stopping; try again",
					d->domid, d->cfg->name);
	if (domain_busy(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is being saved; try again once the "
					"save is done", d->domid, d->cfg->name);
	if (op_hotplug_running(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) has another device being attached or "
					"detached; try again once that is done", d->domid,
					d->cfg->name);
	return 0;
}

int op_hotplug_read(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, bool vif, void **dev_r)
{
	char *text;
	int rc;

	*dev_r = NULL;
	rc = op_hotplug_check_state(hvd, c, req, d);
	if (rc)
		return rc;
	text = strndup(req->json, req->json_len);
	if (!text)
		return -HV_HC_ENOMEM;
	hvd->desc_error[0] = '\0';
	if (vif) {
		hv_vif_spec *v = NULL;

		rc = hv__vif_from_json(&hvd->ctx, text, &v);
		*dev_r = v;
	} else {
		hv_disk_spec *disk = NULL;

		rc = hv__disk_from_json(&hvd->ctx, text, &disk);
		*dev_r = disk;
	}
	free(text);
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
					"invalid %s: %s", vif ? "vif" : "disk",
					hvd->desc_error[0] ? hvd->desc_error :
					"hvd is out of memory");
	return 0;
}

/* hv-vmm's refusal of an attach as the client's status. */
static int attach_status(int vmm_status)
{
	switch (-vmm_status) {
	case EEXIST:
		return -HV_HC_EEXIST;
	case ENOSPC:
		return -HV_HC_ENOMEM;
	case EINVAL:
		return -HV_HC_EINVAL;
	case EBADF:
		return -HV_HC_EBADF;
	case EBUSY:
		return -HV_HC_ESTATE;
	case EOPNOTSUPP:
		return -HV_HC_ENOTSUP;
	default:
		return -HV_HC_EVMM;
	}
}

void op_hotplug_refused(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			const void *data, size_t len)
{
	const struct op_hotplug *h = op->data;
	bool attach = !h->detach;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
	if (vmsg[0])
		snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg);
	else
		snprintf(msg, sizeof(msg), "hv-vmm could not %s %s: %s",
			 attach ? "attach" : "detach", h->what, strerror(-status));
	hvd_err(hvd, "domain %u (%s): %s %s failed: %s", d->domid, d->cfg->name,
		attach ? "attaching" : "detaching", h->what, msg);
	if (attach)
		status = attach_status(status);
	else
		status = status == -ENOENT ? -HV_HC_ENOENT :
			 status == -EBUSY ? -HV_HC_ESTATE : -HV_HC_EVMM;
	op_fail(hvd, d, op, status, msg);
}

void op_hotplug_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	const struct op_hotplug *h = op->data;
	char msg[HV_HC_ERRMSG_MAX];

	snprintf(msg, sizeof(msg), "hv-vmm closed its control channel before %s %s",
		 h->detach ? "detaching" : "attaching", h->what);
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

void op_hotplug_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		     pid_t pid)
{
	const struct op_hotplug *h = op->data;
	char msg[HV_HC_ERRMSG_MAX];

	if (h->detach)
		snprintf(msg, sizeof(msg), "the domain's hv-vmm ended before %s was detached; "
			 "it stays in the domain's description", h->what);
	else
		snprintf(msg, sizeof(msg), "the domain's hv-vmm ended before attaching %s",
			 h->what);
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

void op_hotplug_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	struct op_hotplug *h = op->data;
	char msg[HV_HC_ERRMSG_MAX];

	if (!h->detach || !h->asked || h->force) {
		hvd_err(hvd, "domain %u (%s): hv-vmm did not %s %s in %d s", d->domid,
			d->cfg->name, h->asked ? "report the removal of" : "answer about", h->what,
			HVD_VMM_CALL_MS / 1000);
		snprintf(msg, sizeof(msg), "the domain's hv-vmm did not answer in time; %s %s in "
			 "the domain's description (see hvd's log)", h->what,
			 h->detach ? "stays" : "is not");
		op_fail(hvd, d, op, -HV_HC_EVMM, msg);
		return;
	}
	hvd_info(hvd, "domain %u (%s): the guest did not eject %s within %u s; it stays",
		 d->domid, d->cfg->name, h->what, h->timeout_ms / 1000);
	snprintf(msg, sizeof(msg), "the guest did not let go of %s within %u s (it may not "
		 "support PCI hotplug, or have the device in use); it stays attached; `%s` "
		 "removes it anyway", h->what, (h->timeout_ms + 999) / 1000, h->force_cmd);
	op_fail(hvd, d, op, -HV_HC_ETIMEDOUT, msg);
}

/* A detach's hv-vmm asked the guest (or removed the device): its wait starts. */
static void op_hotplug_asked(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	struct op_hotplug *h = op->data;

	/* now the guest's turn: the EJECTED event answers the client */
	h->asked = true;
	op->vmm_op = 0;
	op->vmm_seq = 0;
	op->deadline = hvd_now_ms() + (h->force ? HVD_VMM_CALL_MS : (int64_t)h->timeout_ms);
	hvd_info(hvd, "domain %u (%s): %s %s", d->domid, d->cfg->name,
		 h->force ? "removed" : "the guest was asked to eject", h->what);
}

int op_hotplug_send(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, const struct hvd_op_type *type, struct op_hotplug *h,
		    uint16_t vmm_op, const void *body, size_t len, const int *fds, size_t nfds)
{
	struct hvd_op *op;
	char why[HV_HC_ERRMSG_MAX];
	uint32_t seq;
	int r;

	if (h->detach && !h->timeout_ms)
		h->timeout_ms = HV_HC_DISK_TIMEOUT_DEFAULT_MS;
	op = op_start(d, type, c, req, HVD_VMM_CALL_MS);
	if (!op) {
		type->dispose(h);
		return -HV_HC_ENOMEM;
	}
	op->data = h;
	r = vmm_send_fds(hvd, d, vmm_op, body, len, fds, nfds, &seq);
	if (r) {
		snprintf(why, sizeof(why), "cannot send the request to domain %u's hv-vmm: %s",
			 d->domid, strerror(-r));
		op_fail(hvd, d, op, -HV_HC_EVMM, why);
		return HVD_REPLIED;
	}
	op->vmm_op = vmm_op;
	op->vmm_seq = seq;
	hvd_info(hvd, "domain %u (%s): %s %s%s", d->domid, d->cfg->name,
		 h->detach ? "detaching" : "attaching", h->what, h->force ? " by force" : "");
	return HVD_DEFERRED;
}

void op_hotplug_detach_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op,
			     int status, const void *data, size_t len)
{
	if (status)
		op_hotplug_refused(hvd, d, op, status, data, len);
	else
		op_hotplug_asked(hvd, d, op);
}

void op_hotplug_free(void *data)
{
	free(data);
}

void op_hotplug_ejected(struct hvd *hvd, struct hvd_domain *d, const struct hvd_op_type *type,
			const char *name)
{
	for (struct hvd_op *op = d->ops; op; op = op->next) {
		struct op_hotplug *h = op->data;

		if (op->type == type && !strcmp(h->name, name)) {
			op_reply(hvd, d, op, 0, NULL, 0);
			break;
		}
	}
}
