/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RESTORE_DOMAIN: a new domain whose hv-vmm reads the save image; the
 * reply waits until it runs or is paused.  Its steps: hv-vmm reads and
 * checks the image (progress goes to the client; no progress for
 * HVD_STALL_MS stops it), then, unless the client wants it paused, hvd
 * asks it to start the vCPUs.  Every failure, and a cancel, takes the
 * domain away, leaving nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hvd.h"

/* The restore did not come to a running (or paused) domain: it goes. */
static void restore_fail(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 const char *msg)
{
	hvd_err(hvd, "domain %u (%s): restore failed: %s; removing the domain", d->domid,
		d->cfg->name, msg);
	op_fail(hvd, d, op, status, msg);
	domain_remove(hvd, d);
}

/* The domain is paused or running: the reply. */
static void restore_done(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	struct hv_hc_domid reply = { .domid = d->domid };

	d->state = op->flags & HV_HC_RESTORE_PAUSED ? HV_HC_STATE_PAUSED : HV_HC_STATE_RUNNING;
	d->want_running = d->state == HV_HC_STATE_RUNNING;
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): restored, %s", d->domid, d->cfg->name,
		 d->state == HV_HC_STATE_RUNNING ? "running" : "paused");
	op_reply(hvd, d, op, 0, &reply, sizeof(reply));
	domain_announce(hvd, d);
}

/* hv-vmm has read the image and parked the vCPUs: run them, unless asked not to. */
static void restore_ready(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	uint32_t seq;
	int r;

	if (op->flags & HV_HC_RESTORE_PAUSED) {
		restore_done(hvd, d, op);
		return;
	}
	r = vmm_call(hvd, d, HV_VMM_OP_UNPAUSE, &seq);
	if (r) {
		char msg[128];

		snprintf(msg, sizeof(msg), "cannot ask hv-vmm to start the restored domain: %s",
			 strerror(-r));
		restore_fail(hvd, d, op, -HV_HC_EVMM, msg);
		return;
	}
	op->vmm_op = HV_VMM_OP_UNPAUSE;
	op->vmm_seq = seq;
	op->progress = false;
	op->stall_ms = 0;
	op->deadline = hvd_now_ms() + HVD_VMM_CALL_MS;
}

static void restore_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			  const void *data, size_t len)
{
	if (status == 0)
		restore_done(hvd, d, op);
	else
		restore_fail(hvd, d, op, -HV_HC_EVMM,
			     "hv-vmm restored the domain but would not start its vCPUs");
}

static void restore_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	restore_fail(hvd, d, op, -HV_HC_EVMM,
		     "hv-vmm closed its control channel before starting the restored domain");
}

/* hv-vmm ended before the domain was ready. */
static void restore_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 pid_t pid)
{
	char msg[HV_HC_ERRMSG_MAX], stalled[96];

	snprintf(stalled, sizeof(stalled), "hv-vmm made no progress reading the save image for "
		 "%d s and was stopped", HVD_STALL_MS / 1000);
	op_vmm_ended(hvd, d, op, status, pid, stalled, msg, sizeof(msg));
	restore_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

static void restore_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	if (op->vmm_seq) {
		restore_fail(hvd, d, op, -HV_HC_EVMM,
			     "hv-vmm did not start the restored domain's vCPUs");
		return;
	}
	/* still reading the image: stop it; its end answers the client */
	hvd_err(hvd, "domain %u (%s): hv-vmm made no progress restoring for %d s; stopping it",
		d->domid, d->cfg->name, HVD_STALL_MS / 1000);
	op->stalled = true;
	vmm_signal(d, SIGKILL);
}

static int restore_cancel(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	hvd_info(hvd, "domain %u (%s): the client cancelled its restore", d->domid,
		 d->cfg->name);
	restore_fail(hvd, d, op, -HV_HC_ECANCELED, "the restore was cancelled");
	return 0;
}

const struct hvd_op_type op_restore_type = {
	.name = "restore",
	.ready = restore_ready,
	.reply = restore_reply,
	.closed = restore_closed,
	.gone = restore_gone,
	.expire = restore_expire,
	.cancel = restore_cancel,
};

int op_restore(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req, int *fds,
	       unsigned int nfds)
{
	const struct hv_hc_restore_domain *rs = &req->u.restore;
	bool kernel = rs->flags & HV_HC_RESTORE_KERNEL, initrd = rs->flags & HV_HC_RESTORE_INITRD;
	/* the disks follow the image, kernel and ramdisk (request.c counted those) */
	unsigned int base = 1 + kernel + initrd;
	hv_domain_config *cfg;
	struct hvd_domain *d;
	struct hvd_op *op;
	struct hv_hc_usage carried = { 0 };
	char why[HV_HC_ERRMSG_MAX], *json;
	struct stat st;
	int rc;

	if (fstat(fds[0], &st) < 0 ||
	    !(rs->flags & HV_HC_RESTORE_STREAM ? S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) :
	      S_ISREG(st.st_mode)))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					rs->flags & HV_HC_RESTORE_STREAM ?
					"the migration stream is %s, not a pipe or socket" :
					"the save image is %s, not a regular file: restore reads "
					"a file (copy a stream into one first)",
					domain_fd_kind(fds[0]));
	if (!domain_fd_open_for(fds[0], false))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the save image is not open for reading");
	if ((kernel && !domain_image_ok(fds[1])) || (initrd && !domain_image_ok(fds[2])))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the %s is not a regular file of at most 1 GiB",
					kernel && !domain_image_ok(fds[1]) ? "kernel" : "ramdisk");
	rc = desc_parse(hvd, req->json, req->json_len, &cfg, &json, why, sizeof(why));
	if (!rc && (rc = dev_check(cfg, fds + base, nfds - base, why, sizeof(why)))) {
		hv_domain_config_dispose(cfg);
		free(cfg);
		free(json);
	}
	if (rc)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	/* what it used before its save: counted on, not kept in its description */
	if (meter_cfg_has_usage(cfg)) {
		char *plain = NULL;

		meter_take_carried(cfg, &carried);
		if (hv_config_to_json(&hvd->ctx, cfg, &plain) == 0) {
			free(json);
			json = plain;
		} else {
			hvd_err(hvd, "restore: cannot encode the description without its usage: "
				"%s; its description keeps it", hvd->desc_error);
		}
	}
	d = domain_make(hvd, cfg, json, &rc, why, sizeof(why));
	if (!d)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
	d->carried = carried;
	/* from here on a failure takes the domain away, as if never there */
	rc = dev_take(hvd, d, fds + base, nfds - base, why, sizeof(why));
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
		goto fail;
	}
	rc = domain_keep_images(hvd, d, kernel ? fds[1] : -1, initrd ? fds[2] : -1);
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc,
				      "cannot keep a copy of the %s in %s/domains/%u (see hvd's log)",
				      rc == -HV_HC_EBADF ? "images" : "kernel or ramdisk",
				      hvd->rundir, d->domid);
		goto fail;
	}
	op = op_start(d, &op_restore_type, c, req, HVD_STALL_MS);
	if (!op) {
		rc = -HV_HC_ENOMEM;
		goto fail;
	}
	op->flags = rs->flags;
	op->stall_ms = HVD_STALL_MS;
	op->progress = true;
	if (rs->flags & HV_HC_RESTORE_STREAM) {
		d->incoming_conn = c->id;
		d->disks_unlocked = true;	/* the client opened them unlocked */
	}
	d->restore_key = req->key;	/* sent with RESTORE, never kept */
	rc = vmm_spawn(hvd, d, true, fds[0], rs->flags & HV_HC_RESTORE_LAZY);
	d->restore_key = NULL;
	if (rc) {
		snprintf(why, sizeof(why), "cannot start hv-vmm for the restore (see hvd's log in %s)",
			 hvd->logdir);
		op_fail(hvd, d, op, -HV_HC_EIO, why);
		rc = HVD_REPLIED;
		goto fail;
	}
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): restoring%s%s%s", d->domid, d->cfg->name,
		 rs->flags & HV_HC_RESTORE_LAZY ? " lazily" : "",
		 req->key ? " a sealed image" : "",
		 kernel ? ", kernel kept for restarts" : ", no kernel (no restarts)");
	return HVD_DEFERRED;
fail:
	hvd_err(hvd, "domain %u (%s): restore failed; removing the domain", d->domid, d->cfg->name);
	domain_remove(hvd, d);
	return rc;
}
