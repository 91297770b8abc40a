/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NIC_ATTACH: a vif for a running domain.  The client made its tap (named,
 * addressed and on its bridge) with its own privileges; hvd checks the vif
 * against the domain's description (its devid and MAC free, room for it,
 * the description with it runnable), keeps duplicates of the tap's
 * descriptors and hands them to hv-vmm, which puts a virtio-net device in
 * slot 24 + devid and tells the guest.  Only when hv-vmm says so does the
 * description gain the vif; a refusal changes nothing, and the tap goes
 * with the client's descriptors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config_int.h"
#include "wire/vmmmsg.h"
#include "hvd.h"

struct nic_attach {
	struct op_hotplug hp;	/* first: op-hotplug.c reads it */
	hv_vif_spec *vif;
	int fds[HV_VIF_MAX_QUEUES];	/* hvd's duplicates, -1 once kept */
	unsigned int nr_fds;
};

static void attach_dispose(void *data)
{
	struct nic_attach *a = data;

	hv_vif_spec_free(a->vif);
	for (unsigned int i = 0; i < a->nr_fds; i++)
		if (a->fds[i] >= 0)
			close(a->fds[i]);
	free(a);
}

static void attach_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 const void *data, size_t len)
{
	struct nic_attach *a = op->data;
	hv_domain_config *cfg;
	char msg[HV_HC_ERRMSG_MAX], *json;

	if (status) {
		op_hotplug_refused(hvd, d, op, status, data, len);
		return;
	}
	/* the guest has the vif: the description gains it, as it is now */
	if (desc_with_vif(hvd, d, a->vif, &cfg, &json, msg, sizeof(msg))) {
		hvd_err(hvd, "domain %u (%s): vif %u is attached but the description cannot "
			"have it: %s", d->domid, d->cfg->name, a->vif->devid, msg);
	} else {
		desc_set(hvd, d, cfg, json);
		net_add_fds(d, a->fds, a->nr_fds);
	}
	hvd_info(hvd, "domain %u (%s): vif %u attached (bridge %s)", d->domid, d->cfg->name,
		 a->vif->devid, a->vif->bridge ? a->vif->bridge : HV_VIF_DEFAULT_BRIDGE);
	op_reply(hvd, d, op, 0, NULL, 0);
}

const struct hvd_op_type op_nic_attach_type = {
	.name = "nic attach",
	.reply = attach_reply,
	.closed = op_hotplug_closed,
	.gone = op_hotplug_gone,
	.expire = op_hotplug_expire,
	.dispose = attach_dispose,
};

/* Refusals by the domain's description: 0, or the status with why in @why. */
static int attach_check(const struct hvd_domain *d, const hv_vif_spec *vif, char *why,
			size_t why_size)
{
	int i;

	if (vif->devid >= HV_DOMAIN_MAX_VIFS || !vif->has_mac) {
		snprintf(why, why_size, "the vif has no devid below %d or no MAC (the client "
			 "gives both)", HV_DOMAIN_MAX_VIFS);
		return -HV_HC_EINVAL;
	}
	i = net_find(d->cfg, vif->devid);
	if (i >= 0) {
		snprintf(why, why_size, "domain %s has a vif %u already (choose another devid, "
			 "or detach that one first)", d->cfg->name, vif->devid);
		return -HV_HC_EEXIST;
	}
	if (d->cfg->nr_vifs >= HV_DOMAIN_MAX_VIFS) {
		snprintf(why, why_size, "domain %s has %d vifs already, the most it can have "
			 "(detach one first)", d->cfg->name, HV_DOMAIN_MAX_VIFS);
		return -HV_HC_ENOMEM;
	}
	for (size_t k = 0; k < d->cfg->nr_vifs; k++)
		if (d->cfg->vifs[k]->has_mac && !memcmp(d->cfg->vifs[k]->mac, vif->mac, 6)) {
			snprintf(why, why_size, "domain %s's vif %u has that MAC already (give "
				 "this one another)", d->cfg->name, d->cfg->vifs[k]->devid);
			return -HV_HC_EEXIST;
		}
	return 0;
}

int op_nic_attach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d, const int *fds, unsigned int nfds)
{
	struct nic_attach *a = NULL;
	hv_vif_spec *vif = NULL;
	hv_domain_config *cfg = NULL;
	char why[HV_HC_ERRMSG_MAX], *json = NULL;
	void *body = NULL, *dev;
	size_t len;
	int rc;

	rc = op_hotplug_read(hvd, c, req, d, true, &dev);
	if (rc)
		return rc;
	vif = dev;
	rc = attach_check(d, vif, why, sizeof(why));
	if (!rc)
		rc = desc_with_vif(hvd, d, vif, &cfg, &json, why, sizeof(why));
	if (!rc)
		rc = net_check_vif(vif, fds, nfds, why, sizeof(why));
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
		goto out;
	}
	rc = -HV_HC_ENOMEM;
	body = vmmmsg_net_attach_body((uint32_t)(cfg->nr_vifs - 1), json, strlen(json), &len);
	a = calloc(1, sizeof(*a));
	if (!body || !a)
		goto out;
	if (sizeof(struct hv_vmm_msg) + len > HV_VMM_MSG_MAX) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
				      "the description with this vif (%zu bytes) is too long to "
				      "send to hv-vmm", strlen(json));
		goto out;
	}
	/* hvd's own, above 10 like every descriptor it keeps: the tap outlives hv-vmm */
	for (a->nr_fds = 0; a->nr_fds < nfds; a->nr_fds++) {
		a->fds[a->nr_fds] = fcntl(fds[a->nr_fds], F_DUPFD_CLOEXEC, 10);
		if (a->fds[a->nr_fds] < 0) {
			rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
					      "hvd cannot keep the tap's descriptors: %s",
					      strerror(errno));
			goto out;
		}
	}
	snprintf(a->hp.what, sizeof(a->hp.what), "vif %u", vif->devid);
	a->vif = vif;
	vif = NULL;
	rc = op_hotplug_send(hvd, c, req, d, &op_nic_attach_type, &a->hp, HV_VMM_OP_NET_ATTACH,
			     body, len, fds, nfds);
	a = NULL;
out:
	if (a)
		attach_dispose(a);
	hv_vif_spec_free(vif);
	if (cfg) {
		hv_domain_config_dispose(cfg);
		free(cfg);
	}
	free(json);
	free(body);
	return rc;
}
