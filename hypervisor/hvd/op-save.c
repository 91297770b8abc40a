/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SAVE: hv-vmm writes the domain to the client's descriptor, with the
 * domain's description (or the client's replacement) as the image's
 * DOMAIN_CONFIG.  Progress goes to the client and keeps the save alive
 * (none for HVD_STALL_MS: the client is told, hv-vmm may yet finish).  A
 * failed save leaves the domain as it was; a successful one ends it,
 * pauses it or lets it run on, as asked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

/* A save's failure, from hv-vmm's errno, as the client's status. */
static int save_status(int vmm_status)
{
	switch (-vmm_status) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
	case EPIPE:
	case ECONNRESET:
	case EIO:
	case ETIMEDOUT:		/* its reader stopped reading: abandoned */
		return -HV_HC_EIO;	/* writing the image failed */
	case EBADF:
	case EACCES:
		return -HV_HC_EBADF;
	case ENOMEM:
		return -HV_HC_ENOMEM;
	case EOPNOTSUPP:
		return -HV_HC_ENOTSUP;	/* an hv-vmm that cannot save */
	case ECANCELED:
		return -HV_HC_ECANCELED;	/* the client cancelled it */
	default:
		return -HV_HC_EVMM;
	}
}

/* hv-vmm answered the SAVE. */
static void save_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		       const void *data, size_t len)
{
	struct hv_vmm_save_result vr;
	struct hv_hc_save_result res;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		if (vmsg[0])
			snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg);
		else
			snprintf(msg, sizeof(msg), "hv-vmm could not save the domain: %s",
				 strerror(-status));
		if (status == -ECANCELED)
			hvd_info(hvd, "domain %u (%s): save cancelled; the domain is left as it "
				 "was", d->domid, d->cfg->name);
		else
			hvd_err(hvd, "domain %u (%s): save failed: %s; the domain is left as it "
				"was", d->domid, d->cfg->name, msg);
		op_fail(hvd, d, op, save_status(status), msg);
		return;
	}
	memset(&vr, 0, sizeof(vr));
	memcpy(&vr, data, len < sizeof(vr) ? len : sizeof(vr));
	memset(&res, 0, sizeof(res));
	res.bytes = vr.bytes;
	res.pages = vr.pages;
	res.zero_pages = vr.zero_pages;
	hvd_info(hvd, "domain %u (%s): saved, %llu bytes, %llu pages (%llu zero)", d->domid,
		 d->cfg->name, (unsigned long long)res.bytes, (unsigned long long)res.pages,
		 (unsigned long long)res.zero_pages);
	if (op->flags & HV_HC_SAVE_PAUSED) {
		d->state = HV_HC_STATE_PAUSED;
		d->want_running = false;
		store_save(hvd, d);
	} else if (!(op->flags & HV_HC_SAVE_CONTINUE)) {
		struct hvd_op done = *op;

		/* the image is the domain now: it goes, as by DESTROY, before the reply */
		op_end(d, op);
		d->end_why = "saved";
		domain_remove(hvd, d);
		server_reply(hvd, done.conn_id, done.op, done.seq, 0, &res, sizeof(res), -1);
		return;
	}
	op_reply(hvd, d, op, 0, &res, sizeof(res));
}

static void save_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "hv-vmm closed its control channel during the save");
}

static void save_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		      pid_t pid)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm ended during the save");
}

static void save_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	char msg[HV_HC_ERRMSG_MAX];

	hvd_err(hvd, "domain %u (%s): hv-vmm reported no progress saving for %d s; no longer "
		"waiting for it", d->domid, d->cfg->name, HVD_STALL_MS / 1000);
	snprintf(msg, sizeof(msg), "the save made no progress for %d s (does the image's "
		 "reader still read?); hv-vmm may yet finish it, see hvd's log",
		 HVD_STALL_MS / 1000);
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

/*
 * hv-vmm looks for a CANCEL between chunks of memory and then fails the
 * SAVE with ECANCELED, the domain as it was: its reply answers the client.
 */
static int save_cancel(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	hvd_info(hvd, "domain %u (%s): the client cancels its save", d->domid, d->cfg->name);
	return vmm_call(hvd, d, HV_VMM_OP_CANCEL, NULL) ? -HV_HC_EVMM : 0;
}

const struct hvd_op_type op_save_type = {
	.name = "save",
	.reply = save_reply,
	.closed = save_closed,
	.gone = save_gone,
	.expire = save_expire,
	.cancel = save_cancel,
};

int op_stream_begin(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		    struct hvd_domain *d, int fd, const char *json, size_t json_len,
		    const void *head, size_t head_len, uint8_t **body_r, size_t *len_r)
{
	char *usage_json = NULL;
	uint8_t *body;

	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is neither running nor paused", d->domid);
	if (!domain_live(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is starting or stopping; try again", d->domid);
	if (domain_busy(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is being saved or migrated already", d->domid);
	if (!domain_fd_open_for(fd, true))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the descriptor to write the stream to (%s) is not open for writing",
					domain_fd_kind(fd));
	if (!json_len) {
		/*
		 * the stream carries the domain's description as it is now, with
		 * what it has used so far, which a restore counts on from
		 * (docs/metering.md); a client's own description carries none
		 */
		if (meter_save_json(hvd, d, &usage_json, &json_len) == 0) {
			json = usage_json;
		} else {
			json = d->json;
			json_len = d->json_len;
		}
	}
	body = malloc(head_len + json_len);
	if (!body || sizeof(struct hv_vmm_msg) + head_len + json_len > HV_VMM_MSG_MAX) {
		server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ENOMEM,
				 body ? "the configuration (%zu bytes) is too long to send to hv-vmm" :
				 "hvd is out of memory (%zu bytes of configuration)", json_len);
		free(body);
		free(usage_json);
		return HVD_REPLIED;
	}
	memcpy(body, head, head_len);
	memcpy(body + head_len, json, json_len);
	/* the configuration's length ends the head (struct hv_vmm_save, hv_vmm_migrate) */
	*body_r = body;
	*len_r = head_len + json_len;
	free(usage_json);
	return 0;
}

int op_save(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	    struct hvd_domain *d, int fd)
{
	const struct hv_hc_save *sv = &req->u.save;
	struct hv_vmm_save vs = { 0 };
	/* the struct, then a sealed image's key */
	uint8_t head[sizeof(vs) + HV_VMM_KEY_SIZE];
	size_t head_len = sizeof(vs) + (req->key ? HV_VMM_KEY_SIZE : 0);
	struct hvd_op *op;
	uint8_t *body = NULL;
	size_t len = 0;
	uint32_t seq;
	int r, rc;

	_Static_assert(HV_VMM_KEY_SIZE == HV_HC_KEY_SIZE, "hvd passes the key on as it came");
	vs.flags = (sv->flags & HV_HC_SAVE_COMPRESS ? HV_VMM_SAVE_COMPRESS : 0) |
		   (sv->flags & HV_HC_SAVE_CONTINUE ? HV_VMM_SAVE_RESUME : 0) |
		   (req->key ? HV_VMM_SAVE_SEALED : 0);
	memset(head, 0, sizeof(head));
	if (req->key)
		memcpy(head + sizeof(vs), req->key, HV_VMM_KEY_SIZE);
	rc = op_stream_begin(hvd, c, req, d, fd, req->json, req->json_len, head, head_len,
			     &body, &len);
	explicit_bzero(head, sizeof(head));
	if (rc)
		return rc;
	vs.config_len = (uint32_t)(len - head_len);
	memcpy(body, &vs, sizeof(vs));
	rc = HVD_REPLIED;
	op = op_start(d, &op_save_type, c, req, HVD_STALL_MS);
	if (!op) {
		rc = -HV_HC_ENOMEM;
		goto out;
	}
	r = vmm_send(hvd, d, HV_VMM_OP_SAVE, body, len, fd, &seq);
	if (r) {
		char msg[HV_HC_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "cannot send the save request to domain %u's hv-vmm: %s",
			 d->domid, strerror(-r));
		op_fail(hvd, d, op, -HV_HC_EVMM, msg);
		goto out;
	}
	op->vmm_op = HV_VMM_OP_SAVE;
	op->vmm_seq = seq;
	op->flags = sv->flags;
	op->stall_ms = HVD_STALL_MS;
	op->progress = true;
	hvd_info(hvd, "domain %u (%s): saving%s%s%s", d->domid, d->cfg->name,
		 sv->flags & HV_HC_SAVE_COMPRESS ? ", compressed" : "",
		 req->key ? ", sealed" : "",
		 sv->flags & HV_HC_SAVE_CONTINUE ? ", to run on" :
		 sv->flags & HV_HC_SAVE_PAUSED ? ", to stay paused" : ", to be destroyed");
	rc = HVD_DEFERRED;
out:
	if (body && req->key)
		explicit_bzero(body, len);
	free(body);
	return rc;
}
