/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MIGRATE_SEND: hv-vmm writes the running domain to the client's
 * descriptor as a live migration stream, in a thread of its own, and
 * reports its rounds; the client gets them as progress (which keeps the
 * operation alive).  Success leaves the domain paused for the client: it
 * destroys it once the destination runs the domain, or unpauses it (the
 * protocol around the stream is libhv's, docs/migration.md).  A failure
 * leaves the domain as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

/* op->flags: the domain was paused when its migration began */
#define MIGRATE_WAS_PAUSED	0x80000000u

static void migrate_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			  const void *data, size_t len)
{
	struct hv_vmm_migrate_result vr;
	struct hv_hc_migrate_result res;
	char vmsg[256], msg[HV_HC_ERRMSG_MAX];

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		snprintf(msg, sizeof(msg), "hv-vmm: %s", vmsg[0] ? vmsg : strerror(-status));
		hvd_err(hvd, "domain %u (%s): migration failed: %s; the domain is left as it was",
			d->domid, d->cfg->name, msg);
		op_fail(hvd, d, op,
			status == -ECANCELED ? -HV_HC_ECANCELED :
			status == -ETIMEDOUT || status == -ETIME ? -HV_HC_ETIMEDOUT :
			status == -EPIPE || status == -ECONNRESET ? -HV_HC_EIO : -HV_HC_EVMM, msg);
		return;
	}
	memset(&vr, 0, sizeof(vr));
	memcpy(&vr, data, len < sizeof(vr) ? len : sizeof(vr));
	_Static_assert(sizeof(res) == sizeof(vr), "hv-vmm's result is the client's");
	memcpy(&res, &vr, sizeof(res));
	hvd_info(hvd, "domain %u (%s): migration stream sent, %llu bytes in %llu rounds; paused "
		 "until the destination runs it", d->domid, d->cfg->name,
		 (unsigned long long)res.bytes, (unsigned long long)res.rounds);
	if (!server_conn(hvd, op->conn_id)) {
		/* the stream is whole, but the client that would say go is gone */
		char why[600];

		hvd_err(hvd, "domain %u (%s): its migration's client went away before the hand-over: "
			"the domain runs on here", d->domid, d->cfg->name);
		if (!(op->flags & MIGRATE_WAS_PAUSED) &&
		    (disk_relock(hvd, d, true, why, sizeof(why)) ||
		     vmm_call(hvd, d, HV_VMM_OP_UNPAUSE, NULL))) {
			hvd_err(hvd, "domain %u (%s): cannot resume it; it stays paused", d->domid,
				d->cfg->name);
			d->state = HV_HC_STATE_PAUSED;
			d->want_running = false;
			store_save(hvd, d);
		}
		op_end(d, op);
		return;
	}
	d->state = HV_HC_STATE_PAUSED;
	d->want_running = false;
	store_save(hvd, d);
	/*
	 * its writes have reached the images (hv-vmm flushed them while
	 * paused): the destination may take the disks' locks; an unpause here
	 * takes them back, or fails if the destination has them
	 */
	disk_relock(hvd, d, false, vmsg, sizeof(vmsg));
	op_reply(hvd, d, op, 0, &res, sizeof(res));
}

static void migrate_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "hv-vmm closed its control channel during the migration");
}

static void migrate_gone(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 pid_t pid)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm ended during the migration");
}

static void migrate_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	char msg[HV_HC_ERRMSG_MAX];

	hvd_err(hvd, "domain %u (%s): hv-vmm reported nothing of its migration for %d s; "
		"cancelling it", d->domid, d->cfg->name, HVD_STALL_MS / 1000);
	vmm_call(hvd, d, HV_VMM_OP_CANCEL, NULL);
	snprintf(msg, sizeof(msg), "the migration made no progress for %d s and is cancelled; "
		 "see hvd's log", HVD_STALL_MS / 1000);
	op_fail(hvd, d, op, -HV_HC_EVMM, msg);
}

static int migrate_cancel(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	hvd_info(hvd, "domain %u (%s): the client cancels its migration", d->domid,
		 d->cfg->name);
	return vmm_call(hvd, d, HV_VMM_OP_CANCEL, NULL) ? -HV_HC_EVMM : 0;
}

const struct hvd_op_type op_migrate_type = {
	.name = "migrate",
	.reply = migrate_reply,
	.closed = migrate_closed,
	.gone = migrate_gone,
	.expire = migrate_expire,
	.cancel = migrate_cancel,
};

void op_migrate_client_gone(struct hvd *hvd, struct hvd_domain *d, uint64_t conn_id)
{
	for (struct hvd_op *op = d->ops; op; op = op->next)
		if (op->type == &op_migrate_type && op->conn_id == conn_id) {
			hvd_info(hvd, "domain %u (%s): the client migrating it went away; cancelling the "
				 "migration", d->domid, d->cfg->name);
			vmm_call(hvd, d, HV_VMM_OP_CANCEL, NULL);
			return;
		}
}

void op_migrate_progress(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len)
{
	struct hv_vmm_migrate_progress v = { 0 };
	struct hv_hc_migrate_progress p;

	memcpy(&v, body, len < sizeof(v) ? len : sizeof(v));
	for (struct hvd_op *op = d->ops; op; op = op->next) {
		if (op->type != &op_migrate_type)
			continue;
		op->deadline = hvd_now_ms() + op->stall_ms;
		p = (struct hv_hc_migrate_progress){
			.done = v.phase >= HV_VMM_MIGRATE_PHASE_ROUNDS ? v.memory_bytes :
				v.sent_bytes < v.memory_bytes ? v.sent_bytes : v.memory_bytes,
			.total = v.memory_bytes,
			.phase = v.phase,
			.round = v.round,
			.sent_bytes = v.sent_bytes,
			.remaining_bytes = v.remaining_bytes,
			.dirty_rate = v.dirty_rate,
			.bandwidth = v.bandwidth,
			.expected_downtime_ns = v.expected_downtime_ns,
			.elapsed_ns = v.elapsed_ns,
		};
		server_progress_body(hvd, op->conn_id, op->op, op->seq, &p, sizeof(p));
		return;
	}
}

int op_migrate(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	       struct hvd_domain *d, int fd)
{
	const struct hv_hc_migrate *mg = &req->u.migrate;
	struct hv_vmm_migrate vm = {
		.flags = (mg->flags & HV_HC_MIGRATE_COMPRESS ? HV_VMM_MIGRATE_COMPRESS : 0) |
			 (mg->flags & HV_HC_MIGRATE_AUTO_CONVERGE ? HV_VMM_MIGRATE_AUTO_CONVERGE : 0) |
			 (mg->flags & HV_HC_MIGRATE_DIGEST ? HV_VMM_MIGRATE_DIGEST : 0) |
			 (mg->flags & HV_HC_MIGRATE_LOCAL ? HV_VMM_MIGRATE_LOCAL : 0) |
			 (req->key ? HV_VMM_MIGRATE_SEALED : 0),
		.downtime_ms = mg->downtime_ms,
		.ceiling_ms = mg->ceiling_ms,
		.bandwidth = mg->bandwidth,
		.timeout_ms = mg->timeout_ms,
		.overhead_ns = mg->overhead_ns,
	};
	/* the struct, then a sealed stream's key (as SAVE's) */
	uint8_t head[sizeof(vm) + HV_VMM_KEY_SIZE];
	size_t head_len = sizeof(vm) + (req->key ? HV_VMM_KEY_SIZE : 0);
	struct hvd_op *op;
	uint8_t *body = NULL;
	size_t len = 0;
	uint32_t seq;
	int r, rc;

	memset(head, 0, sizeof(head));
	if (req->key)
		memcpy(head + sizeof(vm), req->key, HV_VMM_KEY_SIZE);
	rc = op_stream_begin(hvd, c, req, d, fd, req->json, req->json_len, head, head_len,
			     &body, &len);
	explicit_bzero(head, sizeof(head));
	if (rc)
		return rc;
	vm.config_len = (uint32_t)(len - head_len);
	memcpy(body, &vm, sizeof(vm));
	rc = HVD_REPLIED;
	op = op_start(d, &op_migrate_type, c, req, HVD_STALL_MS);
	if (!op) {
		rc = -HV_HC_ENOMEM;
		goto out;
	}
	r = vmm_send(hvd, d, HV_VMM_OP_MIGRATE, body, len, fd, &seq);
	if (r) {
		char msg[HV_HC_ERRMSG_MAX];

		snprintf(msg, sizeof(msg), "cannot send the migration request to domain %u's "
			 "hv-vmm: %s", d->domid, strerror(-r));
		op_fail(hvd, d, op, -HV_HC_EVMM, msg);
		goto out;
	}
	op->vmm_op = HV_VMM_OP_MIGRATE;
	op->vmm_seq = seq;
	op->flags = mg->flags | (d->state == HV_HC_STATE_PAUSED ? MIGRATE_WAS_PAUSED : 0);
	op->stall_ms = HVD_STALL_MS;
	hvd_info(hvd, "domain %u (%s): migrating (downtime %u ms, ceiling %u ms%s)", d->domid,
		 d->cfg->name, mg->downtime_ms, mg->ceiling_ms, req->key ? ", sealed" : "");
	rc = HVD_DEFERRED;
out:
	if (body && req->key)	/* a sealed stream's key: sent, and kept nowhere */
		explicit_bzero(body, len);
	free(body);
	return rc;
}

/*
 * MIGRATED: the receiving libhv tells how the migration that brought @d
 * here went, once it runs.  Numbers only: kept with the domain (and in its
 * state file, so a restarted hvd still shows them) and shown by STATS.
 */
int op_migrated(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d)
{
	const struct hv_hc_migstats *m = &req->u.migrated.m;

	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is neither running nor paused",
					d->domid, d->cfg->name);
	d->migration = *m;
	d->has_migration = true;
	/* the pre-copy rounds' usage: the description it came with had the totals at the start */
	if (req->u.migrated.flags & HV_HC_MIGRATED_USAGE)
		meter_carry_migrated(d, &req->u.migrated.usage);
	store_save(hvd, d);
	hvd_info(hvd, "domain %u (%s): migrated here in %.1f ms, downtime %.1f ms",
		 d->domid, d->cfg->name, m->total_ns / 1e6, m->downtime_ns / 1e6);
	return 0;
}
