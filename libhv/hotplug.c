/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disks attached to and detached from a running domain (DISK_ATTACH,
 * DISK_DETACH).  The target is opened and locked here with the caller's
 * privileges, as for a create (disk.c), and hvd gets only its descriptor;
 * the domain's disks are its description's (hv_domain_config_get()).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config_int.h"
#include "client.h"
#include "domain_int.h"
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

HV__EXPORT int hv_domain_disk_attach(hv_ctx *ctx, uint32_t domid, const hv_disk_spec *disk)
{
	struct hv_hc_disk_attach head = { .domid = domid };
	char what[HV__WHAT_MAX], name[HV_DOMAIN_NAME_MAX + 1], *json = NULL;
	const char *bad;
	uint8_t *body = NULL;
	size_t len;
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
	len = strlen(json);
	if (len > HV_HC_CONFIG_MAX) {
		HV__ERR(ctx, "%s: the disk's description is too long (%zu bytes)", what, len);
		rc = HV_ERROR_CONFIG;
		goto out;
	}
	/* with the caller's privileges, locked: "in use read-write by domain 'x'" */
	fd = hv__disk_open(ctx, name, disk, true);
	if (fd < 0) {
		rc = fd;
		fd = -1;
		goto out;
	}
	head.config_len = (uint32_t)len;
	body = hv__join(&head, sizeof(head), json, len);
	if (!body) {
		rc = HV_ERROR_NOMEM;
		goto out;
	}
	{
		struct hv__req req = {
			.op = HV_HC_DOMCTL_DISK_ATTACH, .body = body,
			.body_len = sizeof(head) + len, .fds = &fd, .nr_fds = 1,
		};

		rc = hv__request(ctx, &req, what);
	}
out:
	/* hvd keeps its own duplicate, and so the lock, once attached */
	if (fd >= 0)
		close(fd);
	free(body);
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
	if (flags & ~HV_DISK_DETACH_FORCE) {
		HV__ERR(ctx, "%s: unknown flags", what);
		return HV_ERROR_INVAL;
	}
	if (timeout_ms > HV_HC_DISK_TIMEOUT_MAX_MS) {
		HV__ERR(ctx, "%s: a timeout of %u s is too long (at most %d s)", what,
			timeout_ms / 1000, HV_HC_DISK_TIMEOUT_MAX_MS / 1000);
		return HV_ERROR_INVAL;
	}
	strcpy(body.vdev, vdev);
	if (flags & HV_DISK_DETACH_FORCE)
		body.flags |= HV_HC_DISK_DETACH_FORCE;
	/* hvd answers when the guest has ejected the disk, or when it gave up */
	req.wait_ms = (long)(timeout_ms ? timeout_ms : HV_HC_DISK_TIMEOUT_DEFAULT_MS) +
		      HOTPLUG_SLACK_MS;
	return hv__request(ctx, &req, what);
}
