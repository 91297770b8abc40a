/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl block-attach, block-detach, block-list: the disks of a running
 * domain.  The list is the domain's description, as hvd keeps it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/domain.h>
#include "xl.h"

int main_block_attach(int argc, char **argv)
{
	hv_disk_spec *disk = NULL;
	size_t len = 0;
	char *spec = NULL;
	uint32_t domid;
	int c, rc, ret = XL_FAIL;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("block-attach");
		return XL_USAGE;
	}
	if (argc - optind < 2)
		return xl_usage("block-attach", "give a domain and a DISKSPEC");
	/* Xen's form: the spec's components may come as several arguments */
	for (int i = optind + 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	spec = calloc(1, len);
	if (!spec)
		return xl_error(HV_ERROR_NOMEM, "block-attach");
	for (int i = optind + 1; i < argc; i++) {
		if (i > optind + 1)
			strcat(spec, ",");
		strcat(spec, argv[i]);
	}
	if (xl_lookup(argv[optind], &domid))
		goto out;
	xl_error_mark();
	rc = hv_disk_spec_parse(xl_ctx, spec, &disk);
	if (rc) {
		xl_error(rc, "block-attach: DISKSPEC \"%s\"", spec);
		goto out;
	}
	xl_error_mark();
	rc = hv_domain_disk_attach(xl_ctx, domid, disk);
	if (rc) {
		xl_error(rc, "block-attach to domain %s", argv[optind]);
		goto out;
	}
	ret = XL_OK;
out:
	hv_disk_spec_free(disk);
	free(spec);
	return ret;
}

int main_block_detach(int argc, char **argv)
{
	unsigned int flags = 0;
	unsigned long timeout_ms = 0;
	uint32_t domid;
	int c, rc;

	while ((c = xl_getopt(argc, argv, "ft:")) != -1) {
		switch (c) {
		case 'f':
			flags |= HV_DISK_DETACH_FORCE;
			break;
		case 't':
			if (xl_timeout_arg("block-detach", optarg, &timeout_ms))
				return XL_USAGE;
			break;
		case XL_HELP:
			return xl_help("block-detach");
		default:
			return XL_USAGE;
		}
	}
	if (optind + 2 != argc)
		return xl_usage("block-detach", "give a domain and the vdev of its disk");
	if (xl_lookup(argv[optind], &domid))
		return XL_FAIL;
	xl_error_mark();
	rc = hv_domain_disk_detach(xl_ctx, domid, argv[optind + 1], flags,
				   (unsigned int)timeout_ms);
	if (rc)
		return xl_error(rc, "block-detach %s from domain %s", argv[optind + 1],
				argv[optind]);
	return XL_OK;
}

static const char *block_devtype(enum hv_disk_devtype t)
{
	return t == HV_DISK_DEVTYPE_CDROM ? "cdrom" : "disk";
}

int main_block_list(int argc, char **argv)
{
	int c, ret = XL_OK;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("block-list");
		return XL_USAGE;
	}
	if (optind + 1 != argc)
		return xl_usage("block-list", "give one domain");
	printf("%-8s %-7s %-6s %s\n", "Vdev", "Devtype", "Access", "Target");
	for (int i = optind; i < argc; i++) {
		hv_domain_config cfg;
		uint32_t domid;
		int rc = xl_config_of("block-list", argv[i], &domid, &cfg);

		if (rc)
			ret = XL_FAIL;
		for (size_t k = 0; !rc && k < cfg.nr_disks; k++) {
			const hv_disk_spec *d = cfg.disks[k];
			bool ro = d->access == HV_DISK_ACCESS_RO ||
				  d->devtype == HV_DISK_DEVTYPE_CDROM;

			printf("%-8s %-7s %-6s %s\n", d->vdev ? d->vdev : "-",
			       block_devtype(d->devtype), ro ? "ro" : "rw",
			       d->target ? d->target : "(empty)");
		}
		hv_domain_config_dispose(&cfg);
	}
	return ret;
}
