/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CREATE_DOMAIN: the description, checked by libhv's own code, becomes a
 * domain whose hv-vmm builds it; the reply waits until it runs (or is
 * paused).  Every failure takes the domain away, as if never created,
 * with the duplicates of its disks' descriptors hvd kept (disk.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "hvd.h"

static void create_ready(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	struct hv_hc_domid reply = { .domid = d->domid };

	d->state = d->want_running ? HV_HC_STATE_RUNNING : HV_HC_STATE_PAUSED;
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): built, %s", d->domid, d->cfg->name,
		 d->want_running ? "running" : "paused");
	op_reply(hvd, d, op, 0, &reply, sizeof(reply));
	domain_announce(hvd, d);
}

/* hv-vmm ended before the guest started: the build failed. */
static void create_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			pid_t pid)
{
	char msg[HV_HC_ERRMSG_MAX], stalled[96];

	hvd_err(hvd, "domain %u (%s): hv-vmm (pid %d) %s before the guest started: the "
		"build failed", d->domid, d->cfg->name, (int)pid,
		status < 0 ? "was killed" : "exited");
	snprintf(stalled, sizeof(stalled), "hv-vmm did not start the guest in %d s and was "
		 "stopped", HVD_BUILD_TIMEOUT_MS / 1000);
	op_vmm_ended(hvd, d, op, status, pid, stalled, msg, sizeof(msg));
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
	domain_remove(hvd, d);
}

/* No RUNNING in time: stop hv-vmm; its end answers the client. */
static void create_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	hvd_err(hvd, "domain %u (%s): hv-vmm did not start the guest in %d s; stopping it",
		d->domid, d->cfg->name, HVD_BUILD_TIMEOUT_MS / 1000);
	op->stalled = true;
	vmm_signal(d, SIGKILL);
}

const struct hvd_op_type op_create_type = {
	.name = "create",
	.ready = create_ready,
	.gone = create_gone,
	.expire = create_expire,
};

int op_create(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	      unsigned int nfds)
{
	const struct hv_hc_create_domain *cr = &req->u.create;
	bool ramdisk = cr->flags & HV_HC_CREATE_RAMDISK;
	/* the disks follow the kernel and ramdisk (request.c counted those) */
	unsigned int base = ramdisk ? 2 : 1;
	hv_domain_config *cfg;
	struct hvd_domain *d;
	struct hvd_op *op;
	char why[HV_HC_ERRMSG_MAX], *json;
	int rc;

	if (!domain_image_ok(fds[0]) || (ramdisk && !domain_image_ok(fds[1])))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the %s is not a regular file of at most 1 GiB",
					domain_image_ok(fds[0]) ? "ramdisk" : "kernel");
	rc = desc_parse(hvd, req->json, req->json_len, &cfg, &json, why, sizeof(why));
	if (!rc && meter_cfg_has_usage(cfg)) {
		/* only hvd writes usage, into save images: a new domain has used nothing */
		snprintf(why, sizeof(why), "the description says what the domain used "
			 "(usage_*): that is for save images; remove it to create a domain");
		hv_domain_config_dispose(cfg);
		free(cfg);
		free(json);
		rc = -HV_HC_EINVAL;
	} else if (!rc && (!cfg->ramdisk) != !ramdisk) {
		snprintf(why, sizeof(why), "the description %s a ramdisk but %s came with it",
			 cfg->ramdisk ? "names" : "does not name", ramdisk ? "one" : "none");
		hv_domain_config_dispose(cfg);
		free(cfg);
		free(json);
		rc = -HV_HC_EBADF;
	} else if (!rc && (rc = dev_check(cfg, fds + base, nfds - base, why, sizeof(why)))) {
		hv_domain_config_dispose(cfg);
		free(cfg);
		free(json);
	}
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	d = domain_make(hvd, cfg, json, &rc, why, sizeof(why));
	if (!d)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	/* from here on a failure takes the domain away, as if never there */
	rc = dev_take(hvd, d, fds + base, nfds - base, why, sizeof(why));
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
		goto fail;
	}
	rc = domain_keep_images(hvd, d, fds[0], ramdisk ? fds[1] : -1);
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc,
				      "cannot keep a copy of the kernel or ramdisk in %s/domains/%u "
				      "(see hvd's log)", hvd->rundir, d->domid);
		goto fail;
	}
	d->want_running = !(cr->flags & HV_HC_CREATE_PAUSED);
	op = op_start(d, &op_create_type, c, req, HVD_BUILD_TIMEOUT_MS);
	if (!op) {
		rc = -HV_HC_ENOMEM;
		goto fail;
	}
	if (vmm_spawn(hvd, d, !d->want_running, -1, false)) {
		snprintf(why, sizeof(why), "cannot start hv-vmm (see hvd's log in %s)", hvd->logdir);
		op_fail(hvd, d, op, -HV_HC_EIO, why);
		rc = HVD_REPLIED;
		goto fail;
	}
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): created, %llu MiB, %u vCPU(s)", d->domid, d->cfg->name,
		 (unsigned long long)d->cfg->memory_mib, d->cfg->vcpus);
	return HVD_DEFERRED;
fail:
	hvd_err(hvd, "domain %u (%s): create failed; removing the domain", d->domid,
		d->cfg->name);
	domain_remove(hvd, d);
	return rc;
}
