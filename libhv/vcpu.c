/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A domain's vCPUs as the host runs them (VCPU_INFO) and their hard
 * affinity (VCPU_PIN): docs/hypercall-abi.md.
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "domain_int.h"
#include "private.h"
#include "config/config_int.h"

/* The smallest entry libhv accepts: up to the CPU time, no affinity. */
#define VCPUINFO_ENTRY_MIN offsetof(struct hv_hc_vcpuinfo, affinity)

HV__EXPORT int hv_domain_vcpu_list(hv_ctx *ctx, uint32_t domid, hv_vcpuinfo **list_r,
				   size_t *nr_r, unsigned int *host_cpus_r)
{
	struct hv_hc_domid body = { .domid = domid };
	struct hv_hc_vcpu_info_reply reply;
	void *tail = NULL;
	size_t tail_len = 0, n, esize;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_VCPU_INFO, .body = &body, .body_len = sizeof(body),
		.reply = &reply, .reply_len = sizeof(reply), .tail_r = &tail,
		.tail_len_r = &tail_len, .retry_safe = true,
	};
	char what[HV__WHAT_MAX];
	hv_vcpuinfo *list = NULL;
	int rc;

	if (!list_r || !nr_r) {
		HV__ERR(ctx, "hv_domain_vcpu_list: list_r and nr_r must not be NULL");
		return HV_ERROR_INVAL;
	}
	*list_r = NULL;
	*nr_r = 0;
	snprintf(what, sizeof(what), "list the vCPUs of domain %" PRIu32, domid);
	rc = hv__request(ctx, &req, what);
	if (rc)
		return rc;
	n = reply.count;
	esize = reply.entry_size;
	if (esize < VCPUINFO_ENTRY_MIN || esize > HV_HC_MSG_MAX || n > tail_len / esize) {
		HV__ERR(ctx, "%s: hvd's reply announces %zu entries of %zu bytes but carries %zu "
			"bytes (restart hvd; an hvd older than libhv 1.11 has no VCPU_INFO)", what,
			n, esize, tail_len);
		rc = HV_ERROR_PROTOCOL;
		goto out;
	}
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct hv_hc_vcpuinfo e;
		hv_vcpuinfo *v = &list[i];
		cpu_set_t set;

		/* an entry shorter than libhv's struct leaves the rest zero */
		memset(&e, 0, sizeof(e));
		memcpy(&e, (uint8_t *)tail + i * esize, esize < sizeof(e) ? esize : sizeof(e));
		v->struct_size = sizeof(*v);
		v->vcpu = e.vcpu;
		v->cpu = e.cpu;
		v->running = !!(e.flags & HV_HC_VCPU_RUNNING);
		v->blocked = !!(e.flags & HV_HC_VCPU_BLOCKED);
		v->cpu_time_ns = e.cpu_time_ns;
		CPU_ZERO(&set);
		for (unsigned int c = 0; c < HV_HC_CPUMAP_BYTES * 8u && c < CPU_SETSIZE; c++)
			if (e.affinity[c / 8] & (1u << (c % 8)))
				CPU_SET(c, &set);
		if (hv__cpulist_format(&set, reply.host_cpus, v->affinity, sizeof(v->affinity)))
			snprintf(v->affinity, sizeof(v->affinity), "?");
	}
	*list_r = list;
	*nr_r = n;
	if (host_cpus_r)
		*host_cpus_r = reply.host_cpus;
	list = NULL;
out:
	free(list);
	free(tail);
	return rc;
}

HV__EXPORT int hv_domain_vcpu_pin(hv_ctx *ctx, uint32_t domid, int vcpu, const char *cpus)
{
	struct hv_hc_vcpu_pin body = { .domid = domid };
	struct hv__req req = { .op = HV_HC_DOMCTL_VCPU_PIN, .body = &body, .body_len = sizeof(body) };
	char what[HV__WHAT_MAX], buf[256];
	const char *why;

	if (vcpu < 0)
		snprintf(what, sizeof(what), "pin the vCPUs of domain %" PRIu32, domid);
	else
		snprintf(what, sizeof(what), "pin vCPU %d of domain %" PRIu32, vcpu, domid);
	if (!cpus || !cpus[0]) {
		HV__ERR(ctx, "%s: no CPU list (give one, e.g. \"2\", \"0-3\" or \"all\")", what);
		return HV_ERROR_INVAL;
	}
	if (strlen(cpus) >= sizeof(body.cpus)) {
		HV__ERR(ctx, "%s: the CPU list is longer than %zu characters", what,
			sizeof(body.cpus) - 1);
		return HV_ERROR_INVAL;
	}
	why = hv__check_cpus(cpus, buf, sizeof(buf));
	if (why) {
		HV__ERR(ctx, "%s: \"%s\" %s", what, cpus, why);
		return HV_ERROR_INVAL;
	}
	body.vcpu = vcpu < 0 ? HV_HC_VCPU_ALL : (uint32_t)vcpu;
	memcpy(body.cpus, cpus, strlen(cpus) + 1);
	return hv__request(ctx, &req, what);
}

HV__EXPORT int hv_domain_sched_get(hv_ctx *ctx, uint32_t domid, unsigned int *weight_r,
				   unsigned int *cap_r)
{
	hv_domain_config cfg;
	int rc;

	hv_domain_config_init(&cfg);
	rc = hv_domain_config_get(ctx, domid, &cfg);
	if (!rc) {
		if (weight_r)
			*weight_r = cfg.cpu_weight ? cfg.cpu_weight : HV_SCHED_WEIGHT_DEFAULT;
		if (cap_r)
			*cap_r = cfg.cpu_cap;
	}
	hv_domain_config_dispose(&cfg);
	return rc;
}

HV__EXPORT int hv_domain_sched_set(hv_ctx *ctx, uint32_t domid, int weight, int cap)
{
	struct hv_hc_sched body = { .domid = domid };
	struct hv__req req = { .op = HV_HC_DOMCTL_SCHED, .body = &body, .body_len = sizeof(body) };
	char what[HV__WHAT_MAX];

	snprintf(what, sizeof(what), "set the CPU weight and cap of domain %" PRIu32, domid);
	if (weight == 0 || weight > HV_SCHED_WEIGHT_MAX) {
		HV__ERR(ctx, "%s: a weight of %d is out of range (1 to %d; 256 is the default)",
			what, weight, HV_SCHED_WEIGHT_MAX);
		return HV_ERROR_INVAL;
	}
	if (cap > HV_SCHED_CAP_MAX) {
		HV__ERR(ctx, "%s: a cap of %d%% is out of range (0, no cap, to %d: percent of "
			"one host CPU)", what, cap, HV_SCHED_CAP_MAX);
		return HV_ERROR_INVAL;
	}
	if (weight < 0 && cap < 0) {
		HV__ERR(ctx, "%s: neither a weight nor a cap given", what);
		return HV_ERROR_INVAL;
	}
	if (weight > 0) {
		body.flags |= HV_HC_SCHED_WEIGHT;
		body.weight = (uint32_t)weight;
	}
	if (cap >= 0) {
		body.flags |= HV_HC_SCHED_CAP;
		body.cap = (uint32_t)cap;
	}
	return hv__request(ctx, &req, what);
}
