/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DUMP_CORE: hv-vmm writes the domain's memory and vCPU registers to the
 * client's file as an ELF core (public/vmm.h), pausing the vCPUs while it
 * does and resuming them after unless they were paused.  Progress goes to
 * the client and keeps the dump alive (none for HVD_STALL_MS: the client
 * is told).  The domain's state in hvd does not change either way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

static void dump_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		       const void *data, size_t len)
{
	struct hv_vmm_dump_core_result vr;
	struct hv_hc_dump_core_result res;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		if (vmsg[0])
			snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg);
		else
			snprintf(msg, sizeof(msg), "hv-vmm could not dump the domain's core: %s",
				 strerror(-status));
		hvd_err(hvd, "domain %u (%s): core dump failed: %s; the domain is left as it was",
			d->domid, d->cfg->name, msg);
		op_fail(hvd, d, op,
			status == -ENOSPC || status == -EDQUOT || status == -EFBIG ||
			status == -EIO ? -HV_HC_EIO :
			status == -EBADF || status == -EACCES ? -HV_HC_EBADF :
			status == -EOPNOTSUPP ? -HV_HC_ENOTSUP :
			status == -EBUSY ? -HV_HC_ESTATE : -HV_HC_EVMM, msg);
		return;
	}
	memset(&vr, 0, sizeof(vr));
	memcpy(&vr, data, len < sizeof(vr) ? len : sizeof(vr));
	memset(&res, 0, sizeof(res));
	res.bytes = vr.bytes;
	res.memory_bytes = vr.memory_bytes;
	res.vcpus = vr.vcpus;
	hvd_info(hvd, "domain %u (%s): core dumped, %llu bytes, %llu bytes of RAM, %u vCPUs",
		 d->domid, d->cfg->name, (unsigned long long)res.bytes,
		 (unsigned long long)res.memory_bytes, res.vcpus);
	op_reply(hvd, d, op, 0, &res, sizeof(res));
}

static void dump_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "hv-vmm closed its control channel during the core dump");
}

static void dump_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		      pid_t pid)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm ended during the core dump");
}

static void dump_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	char msg[HV_HC_ERRMSG_MAX];

	hvd_err(hvd, "domain %u (%s): hv-vmm reported no progress dumping its core for %d s; "
		"no longer waiting for it", d->domid, d->cfg->name, HVD_STALL_MS / 1000);
	snprintf(msg, sizeof(msg), "the core dump made no progress for %d s; hv-vmm may yet "
		 "finish it, see hvd's log", HVD_STALL_MS / 1000);
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

const struct hvd_op_type op_dump_core_type = {
	.name = "core dump",
	.reply = dump_reply,
	.closed = dump_closed,
	.gone = dump_gone,
	.expire = dump_expire,
};

int op_dump_core(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		 struct hvd_domain *d, int fd)
{
	struct hv_vmm_dump_core body = { 0 };
	struct hvd_op *op;
	struct stat st;
	uint32_t seq;
	int r;

	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is neither running nor paused", d->domid);
	if (!domain_live(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is starting or stopping; try again", d->domid);
	if (domain_busy(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u is being saved, migrated or dumped already",
					d->domid);
	/* the core is written with pwrite() at its offsets: a file, not a stream */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !domain_fd_open_for(fd, true))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EBADF,
					"the descriptor to write the core to (%s) is not a regular "
					"file open for writing", domain_fd_kind(fd));
	op = op_start(d, &op_dump_core_type, c, req, HVD_STALL_MS);
	if (!op)
		return -HV_HC_ENOMEM;
	r = vmm_send(hvd, d, HV_VMM_OP_DUMP_CORE, &body, sizeof(body), fd, &seq);
	if (r) {
		char msg[HV_HC_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "cannot send the core dump request to domain %u's "
			 "hv-vmm: %s", d->domid, strerror(-r));
		op_fail(hvd, d, op, -HV_HC_EVMM, msg);
		return HVD_REPLIED;
	}
	op->vmm_op = HV_VMM_OP_DUMP_CORE;
	op->vmm_seq = seq;
	op->stall_ms = HVD_STALL_MS;
	op->progress = true;
	hvd_info(hvd, "domain %u (%s): dumping its core", d->domid, d->cfg->name);
	return HVD_DEFERRED;
}
