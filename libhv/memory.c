/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's memory: the balloon's target (MEM_TARGET), the cap hvd
 * enforces (MEM_MAX), and how both stand (MEM_INFO).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "client.h"
#include "domain_int.h"
#include "private.h"

#define MEMINFO_SIZE_1_5 HV__SIZE_UPTO(hv_meminfo, mem_flags)

static int mem_request(hv_ctx *ctx, uint32_t domid, uint16_t op, uint64_t mib)
{
	/* both bodies are { domid, flags, u64 } */
	struct hv_hc_mem_target body = { .domid = domid, .target_mib = mib };
	struct hv__req req = { .op = op, .body = &body, .body_len = sizeof(body) };
	char what[HV__WHAT_MAX];

	snprintf(what, sizeof(what), "set the %s of domain %" PRIu32 " to %" PRIu64 " MiB",
		 op == HV_HC_DOMCTL_MEM_MAX ? "maximum memory" : "memory target", domid, mib);
	if (mib < HV_MEMORY_MIN_MIB) {
		HV__ERR(ctx, "%s: %" PRIu64 " MiB is too little (at least %d MiB)", what, mib,
			HV_MEMORY_MIN_MIB);
		return HV_ERROR_INVAL;
	}
	return hv__request(ctx, &req, what);
}

HV__EXPORT int hv_domain_set_memory_target(hv_ctx *ctx, uint32_t domid, uint64_t target_mib)
{
	return mem_request(ctx, domid, HV_HC_DOMCTL_MEM_TARGET, target_mib);
}

HV__EXPORT int hv_domain_set_memory_max(hv_ctx *ctx, uint32_t domid, uint64_t max_mib)
{
	_Static_assert(sizeof(struct hv_hc_mem_max) == sizeof(struct hv_hc_mem_target) &&
		       offsetof(struct hv_hc_mem_max, max_mib) ==
		       offsetof(struct hv_hc_mem_target, target_mib), "MEM_MAX's body");
	return mem_request(ctx, domid, HV_HC_DOMCTL_MEM_MAX, max_mib);
}

HV__EXPORT int hv_domain_meminfo(hv_ctx *ctx, uint32_t domid, hv_meminfo *info_r)
{
	struct hv_hc_domid body = { .domid = domid };
	struct hv_hc_meminfo reply;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_MEM_INFO, .body = &body, .body_len = sizeof(body),
		.reply = &reply, .reply_len = sizeof(reply), .retry_safe = true,
	};
	char what[HV__WHAT_MAX];
	hv_meminfo info;
	int rc;

	rc = hv__sized_check(ctx, info_r, MEMINFO_SIZE_1_5, "hv_meminfo");
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "get the memory of domain %" PRIu32, domid);
	rc = hv__request(ctx, &req, what);
	if (rc)
		return rc;
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	info.ram_kib = reply.ram_kib;
	info.target_kib = reply.target_kib;
	info.current_kib = reply.current_kib;
	info.max_kib = reply.max_kib;
	info.allocated_kib = reply.allocated_kib;
	info.cgroup_limit_kib = reply.cgroup_limit_kib;
	info.cgroup_usage_kib = reply.cgroup_usage_kib;
	info.stats_valid = reply.stats_valid;
	memcpy(info.stats, reply.stats, sizeof(info.stats));
	info.stats_age_ms = reply.stats_age_ms;
	/* the VMM's feature bits are libhv's (vmm.h and domain.h agree) */
	info.features = reply.features;
	info.mem_flags = (reply.mem_flags & HV_HC_MEM_TARGET_MISSED ? HV_MEM_TARGET_MISSED : 0) |
			 (reply.mem_flags & HV_HC_MEM_CAPPED ? HV_MEM_CAPPED : 0);
	return hv__sized_out(ctx, info_r, &info, MEMINFO_SIZE_1_5, sizeof(info), "hv_meminfo");
}
