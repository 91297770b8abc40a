/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DISK_ATTACH: a disk for a running domain.  The client opened and locked
 * its target; hvd checks the disk against the domain's description (its
 * vdev free, room for it, the description with it runnable), keeps a
 * duplicate of the descriptor and hands one to hv-vmm, which puts the
 * device in its PCI slot and tells the guest.  Only when hv-vmm says so
 * does the description gain the disk; a refusal changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config_int.h"
#include "disk/target.h"
#include "wire/vmmmsg.h"
#include "hvd.h"

struct disk_attach {
	struct op_hotplug hp;	/* first: op-hotplug.c reads it */
	hv_disk_spec *disk;
	int fd;			/* hvd's duplicate, -1 once kept */
};

static void attach_dispose(void *data)
{
	struct disk_attach *a = data;

	hv_disk_spec_free(a->disk);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

static void attach_reply(struct hvd *hvd, struct hvd_domain *d, struct hvd_op *op, int status,
			 const void *data, size_t len)
{
	struct disk_attach *a = op->data;
	hv_domain_config *cfg;
	char msg[HV_HC_ERRMSG_MAX], *json;

	if (status) {
		op_hotplug_refused(hvd, d, op, status, data, len);
		return;
	}
	/*
	 * The guest has the disk: the description gains it, as it is now (an
	 * unprompted eject may have changed it meanwhile).
	 */
	if (desc_with_disk(hvd, d, a->disk, &cfg, &json, msg, sizeof(msg))) {
		hvd_err(hvd, "domain %u (%s): disk %s is attached but the description cannot "
			"have it: %s", d->domid, d->cfg->name, a->disk->vdev, msg);
	} else {
		desc_set(hvd, d, cfg, json);
		if (a->disk->target) {
			disk_add_fd(d, a->fd);
			a->fd = -1;
		}
	}
	hvd_info(hvd, "domain %u (%s): disk %s attached (%s)", d->domid, d->cfg->name,
		 a->disk->vdev, a->disk->target ? a->disk->target : "empty");
	op_reply(hvd, d, op, 0, NULL, 0);
}

const struct hvd_op_type op_disk_attach_type = {
	.name = "disk attach",
	.reply = attach_reply,
	.closed = op_hotplug_closed,
	.gone = op_hotplug_gone,
	.expire = op_hotplug_expire,
	.dispose = attach_dispose,
};

/* Refusals by the domain's description: 0, or the status with why in @why. */
static int attach_check(const struct hvd_domain *d, const hv_disk_spec *disk, char *why,
			size_t why_size)
{
	int i;

	if (!disk->vdev) {
		snprintf(why, why_size, "the disk has no vdev (give one, e.g. vdev=xvdb)");
		return -HV_HC_EINVAL;
	}
	if (!disk->target) {
		snprintf(why, why_size, "disk %s: an empty drive cannot be attached (give a "
			 "target)", disk->vdev);
		return -HV_HC_EINVAL;
	}
	i = disk_find(d->cfg, disk->vdev);
	if (i >= 0) {
		const hv_disk_spec *old = d->cfg->disks[i];

		snprintf(why, why_size, "domain %s has a disk %s already%s%s%s (choose another "
			 "vdev, or detach that one first)", d->cfg->name, disk->vdev,
			 strcmp(old->vdev, disk->vdev) ? " (as " : "",
			 strcmp(old->vdev, disk->vdev) ? old->vdev : "",
			 strcmp(old->vdev, disk->vdev) ? ")" : "");
		return -HV_HC_EEXIST;
	}
	if (disk_count(d->cfg) >= HV_DOMAIN_MAX_DISKS) {
		snprintf(why, why_size, "domain %s has %d disks already, the most it can have "
			 "(detach one first)", d->cfg->name, HV_DOMAIN_MAX_DISKS);
		return -HV_HC_ENOMEM;
	}
	return 0;
}

int op_disk_attach(struct hvd *hvd, struct hvd_conn *c, const struct hvd_req *req,
		   struct hvd_domain *d, int fd)
{
	struct disk_attach *a = NULL;
	hv_disk_spec *disk = NULL;
	hv_domain_config *cfg = NULL;
	char why[HV_HC_ERRMSG_MAX], *json = NULL;
	void *body = NULL, *dev;
	size_t len;
	int rc;

	rc = op_hotplug_read(hvd, c, req, d, false, &dev);
	if (rc)
		return rc;
	disk = dev;
	rc = attach_check(d, disk, why, sizeof(why));
	if (!rc && disk_ensure(hvd, d)) {
		snprintf(why, sizeof(why), "hvd cannot hold the domain's other disks (see hvd's "
			 "log)");
		rc = -HV_HC_EIO;
	}
	if (!rc)
		rc = desc_with_disk(hvd, d, disk, &cfg, &json, why, sizeof(why));
	if (!rc && disk_target_check_fd(disk, fd, why, sizeof(why)))
		rc = -HV_HC_EBADF;
	if (rc) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, rc, "%s", why);
		goto out;
	}
	rc = -HV_HC_ENOMEM;
	body = vmmmsg_disk_attach_body((uint32_t)(cfg->nr_disks - 1), json, strlen(json), &len);
	a = calloc(1, sizeof(*a));
	if (a)
		a->fd = -1;
	if (!body || !a)
		goto out;
	if (sizeof(struct hv_vmm_msg) + len > HV_VMM_MSG_MAX) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EINVAL,
				      "the description with this disk (%zu bytes) is too long to "
				      "send to hv-vmm", strlen(json));
		goto out;
	}
	/* hvd's own, above 10 like every descriptor it keeps; it holds the lock too */
	a->fd = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (a->fd < 0) {
		rc = server_reply_err(hvd, c->id, req->hdr.op, req->hdr.seq, -HV_HC_EIO,
				      "hvd cannot keep the disk's descriptor: %s", strerror(errno));
		goto out;
	}
	snprintf(a->hp.what, sizeof(a->hp.what), "disk %s", disk->vdev);
	a->disk = disk;
	disk = NULL;
	rc = op_hotplug_send(hvd, c, req, d, &op_disk_attach_type, &a->hp,
			     HV_VMM_OP_DISK_ATTACH, body, len, &fd, 1);
	a = NULL;
out:
	if (a)
		attach_dispose(a);
	hv_disk_spec_free(disk);
	if (cfg) {
		hv_domain_config_dispose(cfg);
		free(cfg);
	}
	free(json);
	free(body);
	return rc;
}
