/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl trigger, button-press, sysrq: what Xen's xl sends a domain from
 * outside, where hv's platform has it (hv_domain_trigger()); what it lacks
 * is refused with the reason.  As in Xen's xl, a bad trigger or button
 * name fails with status 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xl.h"

static const struct {
	const char *name;
	hv_trigger trigger;	/* 0: refused with @why */
	const char *why;
} triggers[] = {
	{ "power", HV_TRIGGER_POWER, NULL },
	{ "reset", HV_TRIGGER_RESET, NULL },
	{ "nmi", HV_TRIGGER_NMI, NULL },
	{ "sleep", 0, "hv's platform has no ACPI sleep button (its FADT says so) and no "
	  "sleep state but S5 (poweroff)" },
	{ "init", 0, "KVM gives hv no way to send an INIT to a vCPU (reset resets the "
	  "whole domain)" },
	{ "s3resume", 0, "hv's guests have no S3 (suspend to RAM) to resume from" },
};

/* Sends @name to @domid (vCPU @vcpu for nmi); an exit status. */
static int send_trigger(const char *cmd, const char *dom, const char *name, unsigned int vcpu)
{
	uint32_t domid;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(triggers) / sizeof(triggers[0]); i++)
		if (!strcmp(triggers[i].name, name))
			break;
	if (i == sizeof(triggers) / sizeof(triggers[0])) {
		fprintf(stderr, "xl: %s: \"%s\" is not a trigger (give power, reset, nmi, init, "
			"s3resume or sleep)\n", cmd, name);
		return XL_FAIL;
	}
	if (!triggers[i].trigger) {
		fprintf(stderr, "xl: %s %s: not supported by hv: %s\n", cmd, name,
			triggers[i].why);
		return XL_FAIL;
	}
	if (xl_lookup(dom, &domid))
		return XL_FAIL;
	if (triggers[i].trigger == HV_TRIGGER_NMI ?
	    xl_dry("send an NMI to vCPU %u of domain %s (%" PRIu32 ")", vcpu, dom, domid) :
	    xl_dry("send %s to domain %s (%" PRIu32 ")", name, dom, domid))
		return XL_OK;
	xl_error_mark();
	rc = hv_domain_trigger(xl_ctx, domid, triggers[i].trigger,
			       triggers[i].trigger == HV_TRIGGER_NMI ? vcpu : 0);
	if (rc)
		return xl_error(rc, "%s %s: domain %s", cmd, name, dom);
	return XL_OK;
}

int main_trigger(int argc, char **argv)
{
	unsigned long vcpu = 0;
	char *end;
	int c;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("trigger");
		return XL_USAGE;
	}
	if (argc - optind < 2 || argc - optind > 3)
		return xl_usage("trigger", "give a domain, a trigger and, for nmi, a vCPU");
	if (optind + 2 < argc) {
		vcpu = strtoul(argv[optind + 2], &end, 10);
		if (!*argv[optind + 2] || *end || vcpu > 4096)
			return xl_usage("trigger", "\"%s\" is not a vCPU number (xl vcpu-list "
					"lists them)", argv[optind + 2]);
		if (strcmp(argv[optind + 1], "nmi"))
			return xl_usage("trigger", "only nmi takes a vCPU");
	}
	return send_trigger("trigger", argv[optind], argv[optind + 1], (unsigned int)vcpu);
}

int main_button_press(int argc, char **argv)
{
	int c;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("button-press");
		return XL_USAGE;
	}
	if (optind + 2 != argc)
		return xl_usage("button-press", "give a domain and a button, power or sleep");
	/* Xen's xl warns so too: trigger does the same */
	fprintf(stderr, "xl: warning: button-press is deprecated; use xl trigger %s %s\n",
		argv[optind], argv[optind + 1]);
	if (strcmp(argv[optind + 1], "power") && strcmp(argv[optind + 1], "sleep")) {
		fprintf(stderr, "xl: button-press: \"%s\" is not a button (give power or "
			"sleep)\n", argv[optind + 1]);
		return XL_FAIL;
	}
	return send_trigger("button-press", argv[optind], argv[optind + 1], 0);
}

int main_sysrq(int argc, char **argv)
{
	const char *key;
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("sysrq");
		return XL_USAGE;
	}
	if (optind + 2 != argc)
		return xl_usage("sysrq", "give a domain and one key");
	key = argv[optind + 1];
	/* Xen's xl: one character, or it fails */
	if (strlen(key) != 1 || key[0] < 0x21 || key[0] > 0x7e) {
		fprintf(stderr, "xl: sysrq: \"%s\" is not one printable character (e.g. h: "
			"the guest's SysRq help)\n", key);
		return XL_FAIL;
	}
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	if (xl_dry("send SysRq '%c' (a serial break and the key on its console) to domain "
		   "%s (%" PRIu32 ")", key[0], argv[optind], domid))
		return XL_OK;
	xl_error_mark();
	rc = hv_domain_trigger(xl_ctx, domid, HV_TRIGGER_SYSRQ, (unsigned char)key[0]);
	if (rc)
		return xl_error(rc, "sysrq %c: domain %s", key[0], argv[optind]);
	return XL_OK;
}
