/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl vcpu-pin: a vCPU's hard affinity, as Xen's xl sets it.  A vCPU is a
 * thread of the domain's hv-vmm that Linux schedules; Linux has hard
 * affinity only, so a soft one other than "all" (no preference) is
 * refused with the reason.  xl vcpu-list (list.c) shows the result.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xl.h"

int main_vcpu_pin(int argc, char **argv)
{
	const char *dom, *which, *hard, *soft = "-";
	unsigned long vcpu = 0;
	bool all;
	uint32_t domid;
	char *end;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "f")) != -1) {
		switch (c) {
		case 'f':
			/* Xen's: pin Domain-0's vCPUs past a check; nothing to force here */
			break;
		case XL_HELP:
			return xl_help("vcpu-pin");
		default:
			return XL_USAGE;
		}
	}
	if (argc - optind < 3 || argc - optind > 4)
		return xl_usage("vcpu-pin", "give a domain, a vCPU (or all) and the CPUs");
	dom = argv[optind];
	which = argv[optind + 1];
	hard = argv[optind + 2];
	if (optind + 3 < argc)
		soft = argv[optind + 3];
	all = !strcmp(which, "all");
	if (!all) {
		vcpu = strtoul(which, &end, 10);
		if (!*which || *end || vcpu > 4095)
			return xl_usage("vcpu-pin", "\"%s\" is not a vCPU number or \"all\" (xl "
					"vcpu-list lists them)", which);
	}
	if (strcmp(soft, "-") && strcmp(soft, "all")) {
		fprintf(stderr, "xl: vcpu-pin: soft affinity \"%s\": not supported by hv: Linux "
			"schedules vCPUs by hard affinity only (give the CPUs as the hard "
			"affinity, and - or all as the soft)\n", soft);
		return XL_FAIL;
	}
	if (!strcmp(hard, "-"))
		return XL_OK;	/* Xen's: leave the hard affinity as it is */
	if (!strcmp(dom, "0") || !strcmp(dom, "Domain-0")) {
		fprintf(stderr, "xl: vcpu-pin: Domain-0's vCPUs are the host's CPUs: pin host "
			"processes with taskset(1)\n");
		return XL_FAIL;
	}
	if (xl_lookup(dom, &domid))
		return XL_FAIL;
	if (all ? xl_dry("pin the vCPUs of domain %s (%" PRIu32 ") to CPUs %s", dom, domid, hard) :
	    xl_dry("pin vCPU %lu of domain %s (%" PRIu32 ") to CPUs %s", vcpu, dom, domid, hard))
		return XL_OK;
	xl_error_mark();
	rc = hv_domain_vcpu_pin(xl_ctx, domid, all ? -1 : (int)vcpu, hard);
	if (rc)
		return xl_error(rc, "vcpu-pin: domain %s", dom);
	return XL_OK;
}
