/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disks and vifs attached to and detached from a running domain
 * (DISK_ATTACH, DISK_DETACH, NIC_ATTACH, NIC_DETACH).  A disk's target is
 * opened and locked here with the caller's privileges, as for a create
 * (disk.c), a vif's tap made and put on its bridge (net.c); hvd gets only
 * the descriptors.  The domain's devices are its description's
 * (hv_domain_config_get()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config_int.h"
#include "client.h"
#include "domain_int.h"
#include "net.h"
#include "wire/hcmsg.h"

/* What a detach waits for besides the guest: hvd's own answer. */
#define HOTPLUG_SLACK_MS 5000

/* @domid's name into @name, for messages; the domain's number if hvd cannot say. */
static int hotplug_name(hv_ctx *ctx, uint32_t domid, char *name, size_t size)
{
	hv_dominfo info;
	int rc;

	hv_dominfo_init(&info);
	rc = hv_domain_info(ctx, domid, &info);
	if (rc)
		return rc;
	snprintf(name, size, "%s", info.name);
	return 0;
}

/*
 * DISK_ATTACH or NIC_ATTACH (@op): @head (@head_size bytes, its config_len
 * set here) and the device's @json, with @nfds descriptors.
 */
static int hotplug_attach_send(hv_ctx *ctx, uint16_t op, void *head, size_t head_size,
			       uint32_t *config_len, const char *json, const int *fds,
			       unsigned int nfds, const char *what)
{
	size_t len = strlen(json);
	uint8_t *body;
	int rc;

	if (len > HV_HC_CONFIG_MAX) {
		HV__ERR(ctx, "%s: the device's description is too long (%zu bytes)", what, len);
		return HV_ERROR_CONFIG;
	}
	*config_len = (uint32_t)len;
	body = hv__join(head, head_size, json, len);
	if (!body)
		return HV_ERROR_NOMEM;
	{
		struct hv__req req = {
			.op = op, .body = body, .body_len = head_size + len,
			.fds = fds, .nr_fds = nfds,
		};

		rc = hv__request(ctx, &req, what);
	}
	free(body);
	return rc;
}

/* A detach's @flags (of @known) and @timeout_ms: 0 or HV_ERROR_INVAL (logged). */
static int hotplug_detach_check(hv_ctx *ctx, const char *what, unsigned int flags,
				unsigned int known, unsigned int timeout_ms)
{
	if (flags & ~known) {
		HV__ERR(ctx, "%s: unknown flags", what);
		return HV_ERROR_INVAL;
	}
	if (timeout_ms > HV_HC_DISK_TIMEOUT_MAX_MS) {
		HV__ERR(ctx, "%s: a timeout of %u s is too long (at most %d s)", what,
			timeout_ms / 1000, HV_HC_DISK_TIMEOUT_MAX_MS / 1000);
		return HV_ERROR_INVAL;
	}
	return 0;
}

HV__EXPORT int hv_domain_disk_attach(hv_ctx *ctx, uint32_t domid, const hv_disk_spec *disk)
{
	struct hv_hc_disk_attach head = { .domid = domid };
	char what[HV__WHAT_MAX], name[HV_DOMAIN_NAME_MAX + 1], *json = NULL;
	const char *bad;
	int fd = -1, rc;

	if (!disk || !disk->vdev || !disk->target) {
		HV__ERR(ctx, "attach a disk to domain %" PRIu32 ": %s", domid,
			!disk ? "no disk given" : !disk->vdev ?
			"the disk has no vdev (give one, e.g. vdev=xvdb)" :
			"the disk has no target (an empty drive cannot be attached; give target=PATH)");
		return disk ? HV_ERROR_CONFIG : HV_ERROR_INVAL;
	}
	bad = hv__check_vdev(disk->vdev);
	if (bad) {
		HV__ERR(ctx, "attach a disk to domain %" PRIu32 ": vdev \"%s\": %s", domid,
			disk->vdev, bad);
		return HV_ERROR_CONFIG;
	}
	/* a domain that is not there is said so before its disk is opened */
	rc = hotplug_name(ctx, domid, name, sizeof(name));
	if (rc)
		return rc;
	snprintf(what, sizeof(what), "attach disk %s to domain \"%s\"", disk->vdev, name);
	rc = hv__disk_to_json(ctx, disk, &json);
	if (rc)
		goto out;
	/* with the caller's privileges, locked: "in use read-write by domain 'x'" */
	fd = hv__disk_open(ctx, name, disk, true);
	if (fd < 0) {
		rc = fd;
		fd = -1;
		goto out;
	}
	rc = hotplug_attach_send(ctx, HV_HC_DOMCTL_DISK_ATTACH, &head, sizeof(head),
				 &head.config_len, json, &fd, 1, what);
out:
	/* hvd keeps its own duplicate, and so the lock, once attached */
	if (fd >= 0)
		close(fd);
	free(json);
	return rc;
}

HV__EXPORT int hv_domain_disk_detach(hv_ctx *ctx, uint32_t domid, const char *vdev,
				     unsigned int flags, unsigned int timeout_ms)
{
	struct hv_hc_disk_detach body = { .domid = domid, .timeout_ms = timeout_ms };
	char what[HV__WHAT_MAX];
	struct hv__req req = {
		.op = HV_HC_DOMCTL_DISK_DETACH, .body = &body, .body_len = sizeof(body),
	};

	snprintf(what, sizeof(what), "detach disk %.31s from domain %" PRIu32,
		 vdev ? vdev : "", domid);
	if (!vdev || !vdev[0] || strlen(vdev) >= sizeof(body.vdev) ||
	    !hcmsg_string_ok(vdev, sizeof(body.vdev))) {
		HV__ERR(ctx, "%s: not a disk name (give its vdev, e.g. xvdb)", what);
		return HV_ERROR_INVAL;
	}
	if (hotplug_detach_check(ctx, what, flags, HV_DISK_DETACH_FORCE, timeout_ms))
		return HV_ERROR_INVAL;
	strcpy(body.vdev, vdev);
	if (flags & HV_DISK_DETACH_FORCE)
		body.flags |= HV_HC_DISK_DETACH_FORCE;
	/* hvd answers when the guest has ejected the disk, or when it gave up */
	req.wait_ms = (long)(timeout_ms ? timeout_ms : HV_HC_DISK_TIMEOUT_DEFAULT_MS) +
		      HOTPLUG_SLACK_MS;
	return hv__request(ctx, &req, what);
}

/* @vif's MAC as text, for messages. */
static void hotplug_mac(const uint8_t m[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/*
 * @cfg (the domain's description, @name's) with a copy of @vif at the end
 * of its vifs, completed as a create completes them (the lowest free
 * devid, the MAC that devid gets, the default bridge) and checked.
 */
static int hotplug_vif_add(hv_ctx *ctx, hv_domain_config *cfg, const char *name,
			   const uint8_t uuid[16], const hv_vif_spec *vif)
{
	hv_vif_spec *copy = NULL;
	const hv_vif_spec *n;
	char mac[18];
	int rc;

	if (vif->devid != HV_VIF_DEVID_AUTO && vif->devid >= HV_DOMAIN_MAX_VIFS) {
		HV__ERR(ctx, "attach a vif to domain \"%s\": devid %u is out of range (0 to %d)",
			name, vif->devid, HV_DOMAIN_MAX_VIFS - 1);
		return HV_ERROR_CONFIG;
	}
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		const hv_vif_spec *o = cfg->vifs[i];

		if (vif->devid != HV_VIF_DEVID_AUTO && o->devid == vif->devid) {
			HV__ERR(ctx, "attach vif %u to domain \"%s\": the domain has a vif %u "
				"already (choose another devid, or leave it out for the lowest "
				"free one)", vif->devid, name, vif->devid);
			return HV_ERROR_EXISTS;
		}
		if (vif->has_mac && o->has_mac && !memcmp(o->mac, vif->mac, 6)) {
			hotplug_mac(vif->mac, mac, sizeof(mac));
			HV__ERR(ctx, "attach a vif to domain \"%s\": its vif %u has MAC %s already "
				"(give another, or leave it out)", name, o->devid, mac);
			return HV_ERROR_EXISTS;
		}
	}
	if (cfg->nr_vifs >= HV_DOMAIN_MAX_VIFS) {
		HV__ERR(ctx, "attach a vif to domain \"%s\": it has %d vifs already, the most "
			"it can have (detach one first)", name, HV_DOMAIN_MAX_VIFS);
		return HV_ERROR_NOMEM;
	}
	rc = hv_vif_spec_new(&copy);
	if (!rc && hv__obj_copy(&hv__vif_desc, copy, vif, sizeof(*copy)))
		rc = HV_ERROR_NOMEM;
	if (!rc)
		rc = hv_domain_config_add_vif(cfg, copy);
	if (rc) {
		hv_vif_spec_free(copy);
		return rc;
	}
	rc = hv__vifs_complete(cfg, uuid);
	if (rc)
		return rc;
	n = cfg->vifs[cfg->nr_vifs - 1];
	/* what a create would refuse (a vifname in use, a bad rate...) */
	rc = hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE);
	if (rc)
		HV__ERR(ctx, "attach vif %u to domain \"%s\": refused (see above)", n->devid,
			name);
	return rc;
}

HV__EXPORT int hv_domain_nic_attach(hv_ctx *ctx, uint32_t domid, hv_vif_spec *vif)
{
	struct hv_hc_nic_attach head = { .domid = domid };
	struct hv__tap tap = { .nr_fds = 0, .fds = { -1, -1, -1, -1 } };
	char what[HV__WHAT_MAX], ifname[16], *json = NULL;
	hv_domain_config cfg;
	const hv_vif_spec *n;
	hv_dominfo info;
	int rc;

	hv_domain_config_init(&cfg);
	if (!vif) {
		HV__ERR(ctx, "attach a vif to domain %" PRIu32 ": no vif given", domid);
		return HV_ERROR_INVAL;
	}
	/* a domain that is not there is said so before a tap is made */
	hv_dominfo_init(&info);
	rc = hv_domain_info(ctx, domid, &info);
	if (!rc)
		rc = hv_domain_config_get(ctx, domid, &cfg);
	if (!rc)
		rc = hotplug_vif_add(ctx, &cfg, info.name, info.uuid, vif);
	if (rc)
		goto out;
	n = cfg.vifs[cfg.nr_vifs - 1];
	snprintf(what, sizeof(what), "attach vif %u to domain \"%s\"", n->devid, info.name);
	if (n->vifname)
		snprintf(ifname, sizeof(ifname), "%s", n->vifname);
	else
		snprintf(ifname, sizeof(ifname), "vif%" PRIu32 ".%u", domid, n->devid);
	rc = hv__vif_to_json(ctx, n, &json);
	if (rc)
		goto out;
	/* with the caller's privileges: named, addressed, on its bridge, up */
	rc = hv__tap_open(ctx, what, ifname, n->bridge, n->mac, n->mtu,
			  n->queues ? n->queues : 1, &tap);
	if (!rc)
		rc = hotplug_attach_send(ctx, HV_HC_DOMCTL_NIC_ATTACH, &head, sizeof(head),
					 &head.config_len, json, tap.fds, tap.nr_fds, what);
	if (rc)
		goto out;
	/* what the vif got, for the caller to say */
	vif->devid = n->devid;
	memcpy(vif->mac, n->mac, 6);
	vif->has_mac = 1;
	if (!vif->bridge && n->bridge && !(vif->bridge = strdup(n->bridge)))
		rc = HV_ERROR_NOMEM;
out:
	/* hvd and hv-vmm keep their own once attached; otherwise the tap goes here */
	hv__tap_close(&tap);
	hv_domain_config_dispose(&cfg);
	free(json);
	return rc;
}

/* "0".."7", or a MAC of @cfg's vifs: the devid in *devid_r, else HV_ERROR_*. */
static int hotplug_vif_find(hv_ctx *ctx, const char *what, hv_domain_config *cfg,
			    const char *name, const char *devid_or_mac, unsigned int *devid_r)
{
	unsigned int m[6];
	char end;

	if (devid_or_mac[0] >= '0' && devid_or_mac[0] <= '9' && !devid_or_mac[1]) {
		*devid_r = (unsigned int)(devid_or_mac[0] - '0');
		if (*devid_r < HV_DOMAIN_MAX_VIFS)
			return 0;
	}
	if (sscanf(devid_or_mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &end) != 6 || strlen(devid_or_mac) != 17) {
		HV__ERR(ctx, "%s: \"%s\" is neither a devid (0 to %d) nor a MAC "
			"(xx:xx:xx:xx:xx:xx)", what, devid_or_mac, HV_DOMAIN_MAX_VIFS - 1);
		return HV_ERROR_INVAL;
	}
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		const uint8_t *v = cfg->vifs[i]->mac;

		if (v[0] == m[0] && v[1] == m[1] && v[2] == m[2] && v[3] == m[3] &&
		    v[4] == m[4] && v[5] == m[5]) {
			*devid_r = cfg->vifs[i]->devid;
			return 0;
		}
	}
	HV__ERR(ctx, "%s: domain \"%s\" has no vif with MAC %s (xl network-list %s shows "
		"its vifs)", what, name, devid_or_mac, name);
	return HV_ERROR_NOTFOUND;
}

HV__EXPORT int hv_domain_nic_detach(hv_ctx *ctx, uint32_t domid, const char *devid_or_mac,
				    unsigned int flags, unsigned int timeout_ms)
{
	struct hv_hc_nic_detach body = { .domid = domid, .timeout_ms = timeout_ms };
	char what[HV__WHAT_MAX], name[HV_DOMAIN_NAME_MAX + 1];
	hv_domain_config cfg;
	struct hv__req req = {
		.op = HV_HC_DOMCTL_NIC_DETACH, .body = &body, .body_len = sizeof(body),
	};
	unsigned int devid = 0;
	int rc;

	hv_domain_config_init(&cfg);
	snprintf(what, sizeof(what), "detach vif %.17s from domain %" PRIu32,
		 devid_or_mac ? devid_or_mac : "", domid);
	if (!devid_or_mac || !devid_or_mac[0]) {
		HV__ERR(ctx, "%s: no vif named (give its devid or MAC)", what);
		return HV_ERROR_INVAL;
	}
	if (hotplug_detach_check(ctx, what, flags, HV_NIC_DETACH_FORCE, timeout_ms))
		return HV_ERROR_INVAL;
	rc = hotplug_name(ctx, domid, name, sizeof(name));
	if (!rc)
		rc = hv_domain_config_get(ctx, domid, &cfg);
	if (!rc)
		rc = hotplug_vif_find(ctx, what, &cfg, name, devid_or_mac, &devid);
	hv_domain_config_dispose(&cfg);
	if (rc)
		return rc;
	body.devid = devid;
	if (flags & HV_NIC_DETACH_FORCE)
		body.flags |= HV_HC_NIC_DETACH_FORCE;
	/* hvd answers when the guest has ejected the vif, or when it gave up */
	req.wait_ms = (long)(timeout_ms ? timeout_ms : HV_HC_DISK_TIMEOUT_DEFAULT_MS) +
		      HOTPLUG_SLACK_MS;
	return hv__request(ctx, &req, what);
}
