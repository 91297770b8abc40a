/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl block-attach, block-detach, block-list: the disks of a running
 * domain.  The list is the domain's description, as hvd keeps it.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/domain.h>
#include "xl.h"

int main_block_attach(int argc, char **argv)
{
	hv_disk_spec *disk = NULL;
	char *spec = NULL;
	uint32_t domid;
	int rc, ret;

	/* Xen's form: the spec's components may come as several arguments */
	ret = xl_hotplug_args("block-attach", argc, argv, 1, "give a domain and a DISKSPEC",
			      &domid, &spec);
	if (ret != XL_OK)
		return ret == XL_HELP ? XL_OK : ret;
	ret = XL_FAIL;
	xl_error_mark();
	rc = hv_disk_spec_parse(xl_ctx, spec, &disk);
	if (rc) {
		xl_error(rc, "block-attach: DISKSPEC \"%s\"", spec);
		goto out;
	}
	if (xl_dry("attach disk %s (%s) to domain %s (%" PRIu32 ")", disk->vdev ? disk->vdev : "-",
		   disk->target ? disk->target : "empty", argv[optind], domid)) {
		ret = XL_OK;
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
	return xl_hotplug_detach("block-detach", argc, argv, HV_DISK_DETACH_FORCE,
				 hv_domain_disk_detach, "the vdev of its disk");
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
