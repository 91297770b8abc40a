/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xl mem-set, mem-max: a domain's balloon target and its cap. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xl.h"

/*
 * A size as Xen's xl reads one: a number and at most one unit letter, t,
 * g, m (the default), k or b, in either case.  Into whole MiB, rounded up
 * (hv keeps memory in MiB); -1 if it is not a size.
 */
static int64_t mem_size_mib(const char *s, bool *rounded)
{
	uint64_t v, kib, mul = 1024;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || strlen(end) > 1)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 't':
		mul <<= 20;
		break;
	case 'g':
		mul <<= 10;
		break;
	case '\0':
	case 'm':
		break;
	case 'k':
		mul = 1;
		break;
	case 'b':
		mul = 0;
		break;
	default:
		return -1;
	}
	if (!mul) {
		kib = v / 1024 + (v % 1024 != 0);
	} else {
		if (v > (UINT64_C(1) << 50) / mul)
			return -1;
		kib = v * mul;
	}
	*rounded = kib % 1024 != 0;
	return (int64_t)(kib / 1024 + *rounded);
}

static int mem_cmd(int argc, char **argv, const char *cmd, bool max)
{
	bool rounded = false;
	uint32_t domid;
	int64_t mib;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help(cmd);
		return XL_USAGE;
	}
	if (optind + 2 != argc)
		return xl_usage(cmd, "give a domain and a size");
	mib = mem_size_mib(argv[optind + 1], &rounded);
	if (mib < 0)
		return xl_usage(cmd, "\"%s\" is not a size: give a number with t, g, m (the "
				"default), k or b after it, e.g. 512m", argv[optind + 1]);
	if (rounded)
		fprintf(stderr, "%s: %s rounded up to %" PRId64 " MiB (hv counts memory in "
			"MiB)\n", cmd, argv[optind + 1], mib);
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (xl_dry("set the %s of domain %s (%" PRIu32 ") to %" PRId64 " MiB",
		   max ? "memory cap" : "memory target", argv[optind], domid, mib))
		return XL_OK;
	xl_error_mark();
	rc = max ? hv_domain_set_memory_max(xl_ctx, domid, (uint64_t)mib) :
		   hv_domain_set_memory_target(xl_ctx, domid, (uint64_t)mib);
	if (rc)
		return xl_error(rc, "%s %s %s", cmd, argv[optind], argv[optind + 1]);
	return XL_OK;
}

int main_mem_set(int argc, char **argv)
{
	return mem_cmd(argc, argv, "mem-set", false);
}

int main_mem_max(int argc, char **argv)
{
	return mem_cmd(argc, argv, "mem-max", true);
}
