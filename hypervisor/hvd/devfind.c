/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A device of a domain's description, found by the name a message gives
 * it: a vif by its devid, a disk by its vdev.  Only the description is
 * read, so metering's unit test links this as it is.
 */
#include <string.h>
#include "config/config_int.h"
#include "hvd.h"

int net_find(const hv_domain_config *cfg, unsigned int devid)
{
	for (size_t i = 0; i < cfg->nr_vifs; i++)
		if (cfg->vifs[i]->devid == devid)
			return (int)i;
	return -1;
}

int disk_find(const hv_domain_config *cfg, const char *vdev)
{
	unsigned int want, part, n;

	for (size_t i = 0; i < cfg->nr_disks; i++)
		if (cfg->disks[i]->vdev && !strcmp(cfg->disks[i]->vdev, vdev))
			return (int)i;
	if (hv__vdev_number(vdev, &want, &part))
		return -1;
	for (size_t i = 0; i < cfg->nr_disks; i++)
		if (cfg->disks[i]->vdev && !hv__vdev_number(cfg->disks[i]->vdev, &n, &part) &&
		    n == want)
			return (int)i;
	return -1;
}
