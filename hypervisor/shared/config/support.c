/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What this hv can create: hv_config_validate()'s HV_CONFIG_VALIDATE_CREATE
 * part.  libhv runs it before it creates or restores a domain and for
 * "xl create -n"; hvd and hv-vmm run it again on the description they get,
 * so that every refusal of a configuration is said in one place, the same
 * way, whichever program finds it.  Files (kernel, disk targets) are not
 * looked at here: opening them is the creating call's part.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_int.h"

static int serr(hv_ctx *ctx, int rc, const char *who, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int serr(hv_ctx *ctx, int rc, const char *who, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	HV__ERR(ctx, "%s: %s: %s", who, key, msg);
	return rc;
}

/* The kernel command line hv-vmm makes of @cfg, checked as it will be. */
static int support_cmdline(hv_ctx *ctx, const hv_domain_config *cfg, const char *who)
{
	char *cmdline = NULL;
	int rc = hv_domain_config_kernel_cmdline(ctx, cfg, &cmdline);

	if (rc || !cmdline)
		return rc;
	if (strlen(cmdline) >= HV__CMDLINE_MAX) {
		rc = serr(ctx, HV_ERROR_CONFIG, who, "cmdline",
			  "%zu bytes, longer than the %d hv passes (shorten cmdline, root or extra)",
			  strlen(cmdline), HV__CMDLINE_MAX - 1);
	} else {
		for (const char *p = cmdline; *p && !rc; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				rc = serr(ctx, HV_ERROR_CONFIG, who, "cmdline",
					  "control characters cannot be passed to the kernel (tabs and newlines included: separate words with spaces)");
	}
	free(cmdline);
	return rc;
}

static int support_disks(hv_ctx *ctx, const hv_domain_config *cfg, const char *who)
{
	size_t with_target = 0;
	unsigned int disk, part;
	char key[32];

	for (size_t i = 0; i < cfg->nr_disks; i++) {
		const hv_disk_spec *d = cfg->disks[i];

		snprintf(key, sizeof(key), "disks[%zu]", i);
		if (d->format != HV_DISK_FORMAT_RAW)
			return serr(ctx, HV_ERROR_NOSYS, who, key,
				    "vdev %s: format %s: hv supports only raw images (convert it, e.g. qemu-img convert -O raw %s %s.raw, and give format=raw)",
				    d->vdev, hv__enum_name(&hv__disk_format_names, d->format),
				    d->target ? d->target : "IMAGE",
				    d->target ? d->target : "IMAGE");
		with_target += d->target != NULL;
		if (hv__vdev_number(d->vdev, &disk, &part) == 0 && disk > HV__DISK_NUMBER_MAX)
			return serr(ctx, HV_ERROR_CONFIG, who, key,
				    "vdev %s is disk %u: hv gives disk numbers 0 to %d (xvda to xvdt), one PCI slot each",
				    d->vdev, disk, HV__DISK_NUMBER_MAX);
		for (size_t j = 0; j < i && d->target; j++) {
			unsigned int odisk, opart;

			if (cfg->disks[j]->target &&
			    hv__vdev_number(cfg->disks[j]->vdev, &odisk, &opart) == 0 && odisk == disk)
				return serr(ctx, HV_ERROR_CONFIG, who, key,
					    "vdev %s and %s are partitions of one disk (%u): hv's disks are whole virtio disks, one per disk number; give each its own (e.g. xvda, xvdb)",
					    cfg->disks[j]->vdev, d->vdev, disk);
		}
	}
	if (with_target > HV_DOMAIN_MAX_DISKS)
		return serr(ctx, HV_ERROR_CONFIG, who, "disk",
			    "%zu disks, more than the %d hv gives a domain (an empty CD-ROM drive does not count)",
			    with_target, HV_DOMAIN_MAX_DISKS);
	return 0;
}

static int support_vifs(hv_ctx *ctx, const hv_domain_config *cfg, const char *who)
{
	char key[32];

	if (cfg->nr_vifs > HV_DOMAIN_MAX_VIFS)
		return serr(ctx, HV_ERROR_CONFIG, who, "vif",
			    "%zu vifs, more than the %d hv gives a domain", cfg->nr_vifs,
			    HV_DOMAIN_MAX_VIFS);
	for (size_t i = 0; i < cfg->nr_vifs; i++) {
		const hv_vif_spec *n = cfg->vifs[i];

		snprintf(key, sizeof(key), "vifs[%zu]", i);
		if (n->model && strcmp(n->model, "virtio") && strcmp(n->model, "virtio-net"))
			return serr(ctx, HV_ERROR_NOSYS, who, key,
				    "model %s: hv's network device is virtio-net (use model=virtio, or leave model out)",
				    n->model);
		if (n->script)
			return serr(ctx, HV_ERROR_NOSYS, who, key,
				    "script %s: hv makes the tap and puts it on its bridge itself, with no script (leave script out; bridge= names the bridge)",
				    n->script);
	}
	return 0;
}

int hv__validate_create(hv_ctx *ctx, const hv_domain_config *cfg, const char *who)
{
	const enum hv_action acts[] = { cfg->on_poweroff, cfg->on_reboot, cfg->on_crash };
	static const char *const act_keys[] = { "on_poweroff", "on_reboot", "on_crash" };
	int rc;

	/* an "hvm" domain with a kernel boots it as a "pvh" one does */
	if (!cfg->kernel)
		return serr(ctx, HV_ERROR_NOSYS, who, "type",
			    "\"%s\" without a kernel boots firmware, which hv does not have yet (set kernel = \"/path/to/bzImage\")",
			    hv__enum_name(&hv__domain_type_names, cfg->type));
	if (cfg->memory_mib < HV__CREATE_MIN_MEMORY_MIB ||
	    cfg->memory_mib > HV__CREATE_MAX_MEMORY_MIB ||
	    cfg->maxmem_mib > HV__CREATE_MAX_MEMORY_MIB)
		return serr(ctx, HV_ERROR_CONFIG, who, "memory",
			    "%" PRIu64 " MiB is out of range (%d MiB to %" PRIu64 " MiB)",
			    cfg->memory_mib < HV__CREATE_MIN_MEMORY_MIB ||
			    cfg->memory_mib > HV__CREATE_MAX_MEMORY_MIB ?
			    cfg->memory_mib : cfg->maxmem_mib,
			    HV__CREATE_MIN_MEMORY_MIB, HV__CREATE_MAX_MEMORY_MIB);
	if (cfg->vcpus > HV__CREATE_MAX_VCPUS || cfg->maxvcpus > HV__CREATE_MAX_VCPUS)
		return serr(ctx, HV_ERROR_CONFIG, who, "vcpus", "at most %d (hv runs up to %d vCPUs)",
			    HV__CREATE_MAX_VCPUS, HV__CREATE_MAX_VCPUS);
	rc = support_disks(ctx, cfg, who);
	if (rc)
		return rc;
	rc = support_vifs(ctx, cfg, who);
	if (rc)
		return rc;
	for (size_t i = 0; i < 3; i++)
		if (acts[i] == HV_ACTION_COREDUMP_DESTROY || acts[i] == HV_ACTION_COREDUMP_RESTART)
			return serr(ctx, HV_ERROR_NOSYS, who, act_keys[i],
				    "core dumps are not supported yet (use destroy, restart, preserve or rename-restart)");
	rc = support_cmdline(ctx, cfg, who);
	if (rc)
		return rc;
	return 0;
}
