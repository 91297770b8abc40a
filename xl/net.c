/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xl network-attach, network-detach, network-list: the vifs of a running
 * domain.  The list is the domain's description (kept by hvd), with the
 * host interface each one has.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
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

int main_network_attach(int argc, char **argv)
{
	hv_vif_spec *vif = NULL;
	char *spec = NULL, mac[18];
	uint32_t domid;
	int rc, ret;

	/* Xen's form: each key=value of the vif spec an argument of its own */
	ret = xl_hotplug_args("network-attach", argc, argv, 0,
			      "give a domain (and the vif's KEY=VALUE settings)", &domid, &spec);
	if (ret != XL_OK)
		return ret == XL_HELP ? XL_OK : ret;
	ret = XL_FAIL;
	xl_error_mark();
	rc = hv_vif_spec_parse(xl_ctx, spec, &vif);
	if (rc) {
		xl_error(rc, "network-attach: vif spec \"%s\"", spec);
		goto out;
	}
	if (xl_conf_vif(vif))
		goto out;
	if (xl_dry("attach a vif (%s) to domain %s (%" PRIu32 ")", *spec ? spec : "defaults",
		   argv[optind], domid)) {
		ret = XL_OK;
		goto out;
	}
	xl_error_mark();
	rc = hv_domain_nic_attach(xl_ctx, domid, vif);
	if (rc) {
		xl_error(rc, "network-attach to domain %s", argv[optind]);
		goto out;
	}
	net_mac(vif->mac, mac, sizeof(mac));
	printf("%u %s\n", vif->devid, mac);
	ret = XL_OK;
out:
	hv_vif_spec_free(vif);
	free(spec);
	return ret;
}

int main_network_detach(int argc, char **argv)
{
	return xl_hotplug_detach("network-detach", argc, argv, HV_NIC_DETACH_FORCE,
				 hv_domain_nic_detach, "the devid or MAC of its vif");
}
