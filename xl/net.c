/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl network-list: the vifs of a domain, as its description (kept by hvd)
 * says them, with the host interface each one has.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <hv/domain.h>
#include "xl.h"

static void net_mac(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int main_network_list(int argc, char **argv)
{
	int c, ret = XL_OK;

	while ((c = xl_getopt(argc, argv, "")) != -1) {
		if (c == XL_HELP)
			return xl_help("network-list");
		return XL_USAGE;
	}
	if (optind == argc)
		return xl_usage("network-list", "give one domain or more");
	printf("%-4s %-17s %-15s %-15s %-5s %s\n", "Idx", "Mac Addr.", "Bridge", "Vifname", "MTU",
	       "Rate");
	for (int i = optind; i < argc; i++) {
		hv_domain_config cfg;
		uint32_t domid;
		int rc = xl_config_of("network-list", argv[i], &domid, &cfg);

		if (rc)
			ret = XL_FAIL;
		for (size_t k = 0; !rc && k < cfg.nr_vifs; k++) {
			const hv_vif_spec *v = cfg.vifs[k];
			char mac[18], name[16], mtu[12];

			net_mac(v->mac, mac, sizeof(mac));
			if (v->vifname)
				snprintf(name, sizeof(name), "%s", v->vifname);
			else
				snprintf(name, sizeof(name), "vif%" PRIu32 ".%u", domid, v->devid);
			snprintf(mtu, sizeof(mtu), v->mtu ? "%u" : "-", v->mtu);
			printf("%-4u %-17s %-15s %-15s %-5s %s\n", v->devid, mac,
			       v->bridge ? v->bridge : "-", name, mtu, v->rate ? v->rate : "-");
		}
		hv_domain_config_dispose(&cfg);
	}
	return ret;
}
