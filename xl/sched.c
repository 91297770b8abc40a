/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl sched-credit and sched-credit2: a domain's CPU weight and cap, as
 * Xen's credit schedulers have them.  A domain's vCPUs are threads Linux
 * schedules; hvd turns the weight and cap into the domain's cgroup's
 * (xl.cfg(5): cpu_weight, cap).  Both commands show and set the same two
 * values; the scheduler-wide parameters (time slice, rate limit) are
 * Linux's and refused with the reason.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xl.h"

static int sched_number(const char *cmd, const char *what, const char *s, unsigned long max,
			unsigned long *v)
{
	char *end;

	*v = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || *v > max)
		return xl_usage(cmd, "%s \"%s\": give a whole number from %s to %lu", what, s,
				strcmp(what, "weight") ? "0" : "1", max);
	return XL_OK;
}

static void sched_row(const char *name, uint32_t domid, unsigned int weight, unsigned int cap)
{
	printf("%-33s %4" PRIu32 " %6u %4u\n", name, domid, weight, cap);
}

static int sched_show(const char *cmd, const char *dom)
{
	struct xl_domains ds;
	char *argv[1] = { (char *)dom };
	int rc = XL_OK;

	if (xl_domains_get_flags(&ds, dom ? 1 : 0, argv, 0, XL_DOMAINS_DOM0))
		return XL_FAIL;
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	for (size_t i = 0; i < ds.nr; i++) {
		const hv_dominfo *d = ds.d[i];
		unsigned int weight, cap;
		int r;

		if (d->domid == 0) {
			/* the host's own processes: the cgroup default, no cap */
			sched_row(d->name, 0, HV_SCHED_WEIGHT_DEFAULT, 0);
			continue;
		}
		xl_error_mark();
		r = hv_domain_sched_get(xl_ctx, d->domid, &weight, &cap);
		if (r) {
			rc = xl_error(r, "%s: domain %s", cmd, d->name);
			continue;
		}
		sched_row(d->name, d->domid, weight, cap);
	}
	xl_domains_free(&ds);
	return rc;
}

static int main_sched(const char *cmd, int argc, char **argv)
{
	const char *dom = NULL, *w = NULL, *cap = NULL;
	unsigned long weight = 0, capv = 0;
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "d:w:c:p:st:r:m:")) != -1) {
		switch (c) {
		case 'd':
			dom = optarg;
			break;
		case 'w':
			w = optarg;
			break;
		case 'c':
			cap = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "Pool-0"))
				return xl_usage(cmd, "hv has no CPU pools but Pool-0, which every "
						"domain is in");
			break;
		case 's':
		case 't':
		case 'r':
		case 'm':
			fprintf(stderr, "xl: %s -%c: not supported by hv: the time slice, rate "
				"limit and migration delay are Linux's scheduler's, not hv's "
				"(see sched(7))\n", cmd, c);
			return XL_FAIL;
		case XL_HELP:
			return xl_help(cmd);
		default:
			return XL_USAGE;
		}
	}
	if (optind < argc)
		return xl_usage(cmd, "unexpected argument \"%s\" (the domain goes with -d)",
				argv[optind]);
	if ((w || cap) && !dom)
		return xl_usage(cmd, "-w and -c set one domain's weight and cap: name it with -d");
	if (w && sched_number(cmd, "weight", w, HV_SCHED_WEIGHT_MAX, &weight))
		return XL_USAGE;
	if (w && !weight)
		return xl_usage(cmd, "a weight of 0: give 1 to %d (256 is the default)",
				HV_SCHED_WEIGHT_MAX);
	if (cap && sched_number(cmd, "cap", cap, HV_SCHED_CAP_MAX, &capv))
		return XL_USAGE;
	if (!w && !cap)
		return sched_show(cmd, dom);
	if (xl_is_dom0(dom)) {
		fprintf(stderr, "xl: %s: Domain-0 is the host: weigh host processes with "
			"their own cgroups (systemd's CPUWeight=)\n", cmd);
		return XL_FAIL;
	}
	if (xl_lookup(dom, &domid))
		return XL_FAIL;
	{
		char what[96] = "";

		if (w)
			snprintf(what, sizeof(what), " weight to %lu", weight);
		if (cap)
			snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s cap to %lu%%",
				 w ? " and" : "", capv);
		if (xl_dry("set domain %s (%" PRIu32 ")'s%s", dom, domid, what))
			return XL_OK;
	}
	xl_error_mark();
	rc = hv_domain_sched_set(xl_ctx, domid, w ? (int)weight : -1, cap ? (int)capv : -1);
	if (rc)
		return xl_error(rc, "%s: domain %s", cmd, dom);
	return XL_OK;
}

int main_sched_credit(int argc, char **argv)
{
	return main_sched("sched-credit", argc, argv);
}

int main_sched_credit2(int argc, char **argv)
{
	return main_sched("sched-credit2", argc, argv);
}
