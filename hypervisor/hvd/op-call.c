/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PAUSE, UNPAUSE, SHUTDOWN (the power button, Ctrl-Alt-Del) and TRIGGER
 * (reset, NMI, SysRq): one request to hv-vmm, answered to the client when
 * hv-vmm answers, or with EVMM when it does not within HVD_VMM_CALL_MS or
 * goes away.
 */
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

static void call_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		       const void *data, size_t len)
{
	if (status == 0 && (op->vmm_op == HV_VMM_OP_PAUSE || op->vmm_op == HV_VMM_OP_UNPAUSE)) {
		d->state = op->vmm_op == HV_VMM_OP_PAUSE ? HV_HC_STATE_PAUSED :
			   HV_HC_STATE_RUNNING;
		d->want_running = d->state == HV_HC_STATE_RUNNING;
		store_save(hvd, d);
	}
	if (status) {
		char why[256];

		/* hv-vmm's reason, for the log and the client */
		vmmmsg_reply_text(data, len, why, sizeof(why));
		hvd_err(hvd, "domain %u (%s): hv-vmm refused op %u: %s%s%s", d->domid,
			d->cfg->name, op->vmm_op, strerror(-status), why[0] ? ": " : "", why);
		if (why[0]) {
			op_fail(hvd, d, op, -HV_HC_EVMM, why);
			return;
		}
	}
	op_reply(hvd, d, op, status ? -HV_HC_EVMM : 0, NULL, 0);
}

static void call_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "hv-vmm closed its control channel before answering");
}

static void call_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	hvd_err(hvd, "domain %u (%s): hv-vmm did not answer op %u in %d s", d->domid,
		d->cfg->name, op->vmm_op, HVD_VMM_CALL_MS / 1000);
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm did not answer in time");
}

const struct hvd_op_type op_call_type = {
	.name = "call",
	.reply = call_reply,
	.closed = call_closed,
	.expire = call_expire,
};

int op_call(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	    struct hvd_domain *d, uint16_t vmm_op)
{
	return op_call_body(hvd, c, req, d, vmm_op, NULL, 0);
}

int op_call_body(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d, uint16_t vmm_op, const void *body, size_t len)
{
	struct hvd_op *op;
	uint32_t seq;

	if (!domain_live(d) || domain_busy(d))
		return -HV_HC_ESTATE;
	if (vmm_send(hvd, d, vmm_op, body, len, -1, &seq))
		return -HV_HC_EVMM;
	op = op_start(d, &op_call_type, c, req, HVD_VMM_CALL_MS);
	if (!op)
		return -HV_HC_ENOMEM;
	op->vmm_op = vmm_op;
	op->vmm_seq = seq;
	return HVD_DEFERRED;
}
