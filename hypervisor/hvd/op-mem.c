/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's memory (docs/balloon.md): MEM_TARGET asks the guest's balloon
 * driver for a new size (an operation: hv-vmm answers), MEM_MAX changes
 * the cap hvd enforces through the domain's memory cgroup, MEM_INFO asks
 * hv-vmm how the balloon stands.  hv-vmm reports each move of the balloon
 * (EV_BALLOON); a guest that does not reach its target within
 * HV_HC_MEM_TARGET_MS is flagged and announced (HV_HC_EV_MEMORY), not
 * waited on.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wire/vmmmsg.h"
#include "hvd.h"

static uint64_t target_kib(const struct hvd_domain *d)
{
	return d->cfg->memory_mib << 10;
}

/* The guest should reach the description's target by HV_HC_MEM_TARGET_MS from now. */
static void mem_expect(struct hvd *hvd, struct hvd_domain *d)
{
	d->mem_flags &= ~HV_HC_MEM_TARGET_MISSED;
	d->mem_deadline = d->mem_current_kib == target_kib(d) ? 0 :
			  hvd_now_ms() + HV_HC_MEM_TARGET_MS;
	if (d->mem_deadline)
		hvd_dbg(hvd, "domain %u (%s): %" PRIu64 " KiB now; the guest has %d s to reach "
			"its target of %" PRIu64 " KiB", d->domid, d->cfg->name,
			d->mem_current_kib, HV_HC_MEM_TARGET_MS / 1000, target_kib(d));
}

void op_mem_ready(struct hvd *hvd, struct hvd_domain *d)
{
	/*
	 * a (re)built domain with memory < maxmem starts with its balloon to
	 * fill (hv-vmm's first BALLOON event, with the whole RAM, may come
	 * before this or after)
	 */
	if (d->cfg->memory_mib < desc_maxmem_mib(d) && d->mem_current_kib != target_kib(d))
		mem_expect(hvd, d);
}

void op_mem_balloon(struct hvd *hvd, struct hvd_domain *d, const void *body, size_t len)
{
	struct hv_vmm_balloon b;

	if (len < sizeof(b)) {
		hvd_err(hvd, "domain %u (%s): short BALLOON event from hv-vmm; ignored", d->domid,
			d->cfg->name);
		return;
	}
	memcpy(&b, body, sizeof(b));
	if (b.current_bytes > b.ram_bytes) {
		hvd_err(hvd, "domain %u (%s): BALLOON event with more memory (%" PRIu64 ") than "
			"RAM (%" PRIu64 "); ignored", d->domid, d->cfg->name, b.current_bytes,
			b.ram_bytes);
		return;
	}
	d->mem_ram_kib = b.ram_bytes >> 10;
	d->mem_current_kib = b.current_bytes >> 10;
	d->mem_features = b.features;
	hvd_dbg(hvd, "domain %u (%s): balloon: %" PRIu64 " KiB of %" PRIu64 " KiB (target %"
		PRIu64 " KiB)", d->domid, d->cfg->name, d->mem_current_kib, d->mem_ram_kib,
		target_kib(d));
	if (d->mem_current_kib != target_kib(d))
		return;
	if (d->mem_deadline || (d->mem_flags & HV_HC_MEM_TARGET_MISSED)) {
		hvd_info(hvd, "domain %u (%s): the guest reached its memory target, %" PRIu64
			 " MiB", d->domid, d->cfg->name, d->cfg->memory_mib);
		server_event(hvd, HV_HC_EV_MEMORY, d, 0);
	}
	d->mem_deadline = 0;
	d->mem_flags &= ~HV_HC_MEM_TARGET_MISSED;
}

int64_t op_mem_tick(struct hvd *hvd, struct hvd_domain *d, int64_t now)
{
	if (!d->mem_deadline)
		return 0;
	if (now < d->mem_deadline)
		return d->mem_deadline;
	d->mem_deadline = 0;
	if (!domain_live(d))
		return 0;
	d->mem_flags |= HV_HC_MEM_TARGET_MISSED;
	hvd_info(hvd, "domain %u (%s): the guest did not reach its memory target of %" PRIu64
		 " MiB within %d s (it has %" PRIu64 " MiB%s)", d->domid, d->cfg->name,
		 d->cfg->memory_mib, HV_HC_MEM_TARGET_MS / 1000, d->mem_current_kib >> 10,
		 d->mem_features & HV_VMM_BALLOON_F_DRIVER_OK ? "" :
		 "; it runs no balloon driver");
	server_event(hvd, HV_HC_EV_MEMORY, d, 1);
	return 0;
}

/* --- MEM_TARGET ----------------------------------------------------------- */

static void target_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 const void *data, size_t len)
{
	uint64_t *target = op->data;
	char vmsg[256];
	int rc;

	if (status) {
		vmmmsg_reply_text(data, len, vmsg, sizeof(vmsg));
		op_fail(hvd, d, op, status == -EINVAL ? -HV_HC_EINVAL :
			status == -EBUSY ? -HV_HC_ESTATE : status == -EOPNOTSUPP ?
			-HV_HC_ENOTSUP : -HV_HC_EVMM,
			vmsg[0] ? vmsg : "hv-vmm could not set the balloon's target");
		return;
	}
	/*
	 * maxmem unset means maxmem = memory as the domain was made: kept
	 * explicitly, or a lower target would lower the cap with it
	 */
	rc = desc_set_memory(hvd, d, *target, desc_maxmem_mib(d));
	if (rc) {
		op_fail(hvd, d, op, rc, "the guest was asked, but hvd could not store the new "
			"target in the domain's description (see hvd's log)");
		return;
	}
	mem_expect(hvd, d);
	hvd_info(hvd, "domain %u (%s): memory target %" PRIu64 " MiB", d->domid, d->cfg->name,
		 *target);
	op_reply(hvd, d, op, 0, NULL, 0);
}

static void target_closed(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "hv-vmm closed its control channel before answering");
}

static void target_expire(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op)
{
	op_fail(hvd, d, op, -HV_HC_EVMM, "the domain's hv-vmm did not answer in time");
}

static void mem_dispose(void *data)
{
	free(data);
}

const struct hvd_op_type op_mem_target_type = {
	.name = "memory target",
	.reply = target_reply,
	.closed = target_closed,
	.expire = target_expire,
	.dispose = mem_dispose,
};

static int mem_check_live(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
			  struct hvd_domain *d)
{
	if (d->state != HV_HC_STATE_RUNNING && d->state != HV_HC_STATE_PAUSED)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is not running", d->domid, d->cfg->name);
	if (!domain_live(d) || domain_busy(d))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is starting, stopping or being saved; "
					"try again", d->domid, d->cfg->name);
	return 0;
}

int op_mem_target(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		  struct hvd_domain *d)
{
	uint64_t target = req->u.mem_target.target_mib, max = desc_maxmem_mib(d);
	struct hv_vmm_mem_target body = { .target_bytes = target << 20 };
	struct hvd_op *op;
	uint64_t *data;
	uint32_t seq;
	int rc;

	rc = mem_check_live(hvd, c, req, d);
	if (rc)
		return rc;
	if (target > max)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
					"%" PRIu64 " MiB is above domain %s's maxmem of %" PRIu64
					" MiB (raise it first: xl mem-max %s %" PRIu64 "m)", target,
					d->cfg->name, max, d->cfg->name, target);
	if (d->mem_ram_kib && (target << 10) > d->mem_ram_kib)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
					"%" PRIu64 " MiB is more than the %" PRIu64 " MiB of RAM "
					"domain %s booted with (a larger maxmem takes effect when "
					"it reboots)", target, d->mem_ram_kib >> 10, d->cfg->name);
	if (op_find(d, &op_mem_target_type))
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %s has its memory target being set already; try "
					"again", d->cfg->name);
	data = malloc(sizeof(*data));
	if (!data)
		return -HV_HC_ENOMEM;
	*data = target;
	op = op_start(d, &op_mem_target_type, c, req, HVD_VMM_CALL_MS);
	if (!op) {
		free(data);
		return -HV_HC_ENOMEM;
	}
	op->data = data;
	rc = vmm_send(hvd, d, HV_VMM_OP_MEM_TARGET, &body, sizeof(body), -1, &seq);
	if (rc) {
		op_fail(hvd, d, op, -HV_HC_EVMM, "cannot send the target to the domain's hv-vmm");
		return HVD_REPLIED;
	}
	op->vmm_op = HV_VMM_OP_MEM_TARGET;
	op->vmm_seq = seq;
	return HVD_DEFERRED;
}

/* --- MEM_MAX -------------------------------------------------------------- */

int op_mem_max(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
	       struct hvd_domain *d)
{
	uint64_t max = req->u.mem_max.max_mib, usage = 0;
	int rc;

	if (d->state == HV_HC_STATE_DYING || d->state == HV_HC_STATE_BUILDING)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_ESTATE,
					"domain %u (%s) is being built or destroyed; try again",
					d->domid, d->cfg->name);
	if (max < d->cfg->memory_mib)
		return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
					"%" PRIu64 " MiB is below domain %s's memory target of %"
					PRIu64 " MiB (lower the target first: xl mem-set %s %"
					PRIu64 "m)", max, d->cfg->name, d->cfg->memory_mib,
					d->cfg->name, max);
	if (d->pid) {
		if (!hvd->cg_version || !d->capped)
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq,
						-HV_HC_ENOTSUP, "hvd cannot enforce a cap on "
						"domain %s: %s (see hvd's log)", d->cfg->name,
						hvd->cg_version ? "its hv-vmm is not in a memory "
						"cgroup" : "this host gives hvd no memory cgroup");
		rc = cgroup_set_limit(hvd, d, cgroup_limit(max));
		if (rc == -EBUSY) {
			cgroup_usage(hvd, d, &usage, NULL);
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq,
						-HV_HC_ENOMEM, "domain %s uses %" PRIu64 " MiB now, "
						"more than a cap of %" PRIu64 " MiB allows (%" PRIu64
						" MiB with hv-vmm's margin); lower its target with xl "
						"mem-set and let the guest give the memory back first",
						d->cfg->name, usage >> 20, max,
						cgroup_limit(max) >> 20);
		}
		if (rc)
			return server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
						"cannot set domain %s's memory cgroup limit: %s",
						d->cfg->name, strerror(-rc));
	}
	rc = desc_set_memory(hvd, d, d->cfg->memory_mib, max);
	if (rc)
		return rc;
	hvd_info(hvd, "domain %u (%s): maxmem %" PRIu64 " MiB (cgroup limit %" PRIu64 " MiB)",
		 d->domid, d->cfg->name, max, cgroup_limit(max) >> 20);
	return 0;
}

/* --- MEM_INFO ------------------------------------------------------------- */

static void info_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
		       const void *data, size_t len)
{
	struct hv_hc_meminfo mi = { 0 };
	struct hv_vmm_info vi = { 0 };
	uint64_t usage = 0, limit = 0;

	if (status || len < sizeof(vi)) {
		op_fail(hvd, d, op, status ? -HV_HC_EVMM : -HV_HC_ENOTSUP,
			status ? "hv-vmm could not say how its memory stands" :
			"the domain's hv-vmm has no balloon");
		return;
	}
	memcpy(&vi, data, sizeof(vi));
	mi.ram_kib = vi.memory_bytes >> 10;
	mi.target_kib = vi.balloon.target_bytes >> 10;
	mi.current_kib = vi.balloon.current_bytes >> 10;
	mi.max_kib = desc_maxmem_mib(d) << 10;
	mi.allocated_kib = vi.balloon.allocated_bytes >> 10;
	if (d->capped && !cgroup_usage(hvd, d, &usage, &limit)) {
		mi.cgroup_usage_kib = usage >> 10;
		mi.cgroup_limit_kib = limit >> 10;
	}
	mi.stats_valid = vi.balloon.stats_valid;
	memcpy(mi.stats, vi.balloon.stats, sizeof(mi.stats));
	mi.stats_age_ms = vi.balloon.stats_age_ms;
	mi.features = vi.balloon.features;
	mi.mem_flags = d->mem_flags | (d->capped ? HV_HC_MEM_CAPPED : 0);
	/* the freshest word on where the balloon is */
	d->mem_ram_kib = mi.ram_kib;
	d->mem_current_kib = mi.current_kib;
	op_reply(hvd, d, op, 0, &mi, sizeof(mi));
}

const struct hvd_op_type op_mem_info_type = {
	.name = "memory info",
	.reply = info_reply,
	.closed = target_closed,
	.expire = target_expire,
};

int op_mem_info(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		struct hvd_domain *d)
{
	struct hvd_op *op;
	uint32_t seq;
	int rc;

	rc = mem_check_live(hvd, c, req, d);
	if (rc)
		return rc;
	if (vmm_call(hvd, d, HV_VMM_OP_QUERY, &seq))
		return -HV_HC_EVMM;
	op = op_start(d, &op_mem_info_type, c, req, HVD_VMM_CALL_MS);
	if (!op)
		return -HV_HC_ENOMEM;
	op->vmm_op = HV_VMM_OP_QUERY;
	op->vmm_seq = seq;
	return HVD_DEFERRED;
}
