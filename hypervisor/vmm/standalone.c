/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A standalone run: the same BUILD or RESTORE request hvd would send, made
 * from the options, with the files they name opened here (disks as libhv
 * opens them: disk/target.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config/config_int.h"
#include "disk/target.h"
#include "stream/stream-record.h"
#include "wire/fdpass.h"
#include "wire/vmmmsg.h"
#include "log.h"
#include "standalone.h"
#include "start.h"
#include "virtio/blk.h"

/* --disk ...,serial=NAME: the serials start.c gives the disks instead of their vdevs */
static char standalone_serials[HV_DOMAIN_MAX_DISKS][VIRTIO_BLK_SERIAL_MAX + 1];

static void standalone_log(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == HV_LOG_ERROR)
		err("%s", buf);
	else
		dbg("%s", buf);
}

static int standalone_open(const char *opt, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		err("%s %s: %s", opt, path, strerror(errno));
	return fd;
}

int standalone_disk_option(struct options *o, const char *arg)
{
	if (o->nr_disks == HV_DOMAIN_MAX_DISKS) {
		err("--disk %s: at most %d disks", arg, HV_DOMAIN_MAX_DISKS);
		return -EINVAL;
	}
	o->disks[o->nr_disks++] = arg;
	return 0;
}

/*
 * --disk PATH[,ro][,direct][,serial=NAME][,queues=N][,iops=N][,iops-burst=N]
 * [,bps=SIZE][,bps-burst=SIZE], the @index-th: as the DISKSPEC
 * "...,vdev=xvdX,target=PATH" into a new spec in *disk_r; the serial, if
 * given, to standalone_serials[@index].
 */
static int standalone_disk_spec(hv_ctx *ctx, const char *arg, unsigned int index,
				hv_disk_spec **disk_r)
{
	static const char *const passed[] = { "queues=", "iops=", "iops-burst=", "bps=",
					      "bps-burst=" };
	const char *comma = strchr(arg, ','), *p;
	struct hv__buf spec = { 0 };
	char vdev[8], where[32], *text;
	hv_disk_spec *disk = NULL;
	int rc;

	*disk_r = NULL;
	standalone_serials[index][0] = '\0';
	for (p = comma; p; p = strchr(p, ',')) {
		const char *item = ++p;
		size_t n = strcspn(item, ",");
		bool known = false;

		if (n == 2 && !memcmp(item, "ro", 2)) {
			hv__buf_adds(&spec, "access=ro,");
			continue;
		}
		if (n == 6 && !memcmp(item, "direct", 6)) {
			hv__buf_adds(&spec, "direct-io-safe,");
			continue;
		}
		if (n > 7 && !memcmp(item, "serial=", 7)) {
			bool ok = n - 7 <= VIRTIO_BLK_SERIAL_MAX;

			for (size_t i = 7; i < n && ok; i++)
				ok = item[i] > 0x20 && item[i] < 0x7f;
			if (!ok) {
				err("--disk %s: serial=%.*s: at most %d printable characters, no spaces",
				    arg, (int)(n - 7), item + 7, VIRTIO_BLK_SERIAL_MAX);
				hv__buf_free(&spec);
				return -EINVAL;
			}
			snprintf(standalone_serials[index], sizeof(standalone_serials[index]),
				 "%.*s", (int)(n - 7), item + 7);
			continue;
		}
		for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
			known |= !strncmp(item, passed[i], strlen(passed[i]));
		if (!known) {
			err("--disk %s: \"%.*s\" is not ro, direct, serial=NAME, queues=N, iops=N, iops-burst=N, bps=SIZE or bps-burst=SIZE",
			    arg, (int)n, item);
			hv__buf_free(&spec);
			return -EINVAL;
		}
		hv__buf_add(&spec, item, n);
		hv__buf_addc(&spec, ',');
	}
	/* xvda, xvdb...: the disks in the order given */
	snprintf(vdev, sizeof(vdev), "xvd%c", 'a' + index);
	hv__buf_adds(&spec, "vdev=");
	hv__buf_adds(&spec, vdev);
	hv__buf_adds(&spec, ",target=");
	hv__buf_add(&spec, arg, comma ? (size_t)(comma - arg) : strlen(arg));
	text = hv__buf_steal(&spec);
	if (!text)
		return -ENOMEM;
	snprintf(where, sizeof(where), "--disk %u", index + 1);
	disk = hv__obj_new(&hv__disk_desc);
	rc = disk ? hv__disk_spec_parse(ctx, where, text, disk) : HV_ERROR_NOMEM;
	free(text);
	if (rc) {
		hv_disk_spec_free(disk);
		return rc == HV_ERROR_NOMEM ? -ENOMEM : -EINVAL;
	}
	*disk_r = disk;
	return 0;
}

/* The --disk options as @cfg's disks (replacing any it has), their serials in @st. */
static int standalone_disks(hv_ctx *ctx, const struct options *o, hv_domain_config *cfg,
			    struct vmm_start *st)
{
	for (size_t i = 0; i < cfg->nr_disks; i++)
		hv_disk_spec_free(cfg->disks[i]);
	free(cfg->disks);
	cfg->disks = NULL;
	cfg->nr_disks = 0;
	for (unsigned int i = 0; i < o->nr_disks; i++) {
		hv_disk_spec *disk;
		int rc = standalone_disk_spec(ctx, o->disks[i], i, &disk);

		if (rc)
			return rc;
		if (hv_domain_config_add_disk(cfg, disk)) {
			hv_disk_spec_free(disk);
			return -ENOMEM;
		}
		if (standalone_serials[i][0])
			st->disk_serial[i] = standalone_serials[i];
	}
	return 0;
}

/* Opens and locks @cfg's disks into @fds (after *nfds_r of them), as libhv does. */
static int standalone_open_disks(const hv_domain_config *cfg, int *fds, size_t *nfds_r)
{
	for (size_t i = 0; i < cfg->nr_disks; i++) {
		char why[600];
		int fd;

		if (!cfg->disks[i]->target)
			continue;
		fd = disk_target_open(cfg->disks[i], NULL, why, sizeof(why));
		if (fd < 0) {
			err("disk %s: %s%s", cfg->disks[i]->vdev, why, fd == -EBUSY ?
			    " by another process (which has it locked: a domain, or another hv-vmm)" : "");
			/* said: no second message */
			return -EINVAL;
		}
		fds[(*nfds_r)++] = fd;
	}
	return 0;
}

/* RESTORE of --restore FILE, with the image's description and its disks (or --disk's). */
static int standalone_restore(struct vmm *vmm, hv_ctx *ctx, const struct options *o,
			      struct vmm_start *st, int *fds, size_t *nfds)
{
	struct hv_vmm_restore r = {
		.flags = (o->paused ? HV_VMM_RESTORE_PAUSED : 0) |
			 (o->lazy ? HV_VMM_RESTORE_LAZY : 0),
		.vcpus = o->vcpus_set ? (uint32_t)o->vcpus : 0,
		.memory_mib = o->memory_set ? o->memory_mib : 0,
	};
	hv_domain_config cfg;
	char *json = NULL, msg[256];
	void *body = NULL;
	uint32_t flags;
	size_t len;
	int rc;

	hv_domain_config_init(&cfg);
	fds[(*nfds)++] = standalone_open("--restore", o->restore);
	if (fds[0] < 0)
		return -EINVAL;
	rc = stream_read_config(fds[0], NULL, &json, &flags, msg, sizeof(msg));
	if (rc) {
		err("--restore %s: %s", o->restore, msg);
		return -EINVAL;
	}
	if (hv_config_from_json(ctx, json, &cfg)) {
		rc = -EINVAL;
		goto out;
	}
	free(json);
	json = NULL;
	rc = o->nr_disks ? standalone_disks(ctx, o, &cfg, st) : 0;
	if (!rc)
		rc = standalone_open_disks(&cfg, fds, nfds);
	if (!rc && hv_config_to_json(ctx, &cfg, &json))
		rc = -ENOMEM;
	if (!rc && !(body = vmmmsg_restore_body(&r, NULL, json, strlen(json), &len)))
		rc = -ENOMEM;
	if (!rc) {
		rc = start_request(vmm, HV_VMM_OP_RESTORE, body, len, fds, *nfds, st);
		*nfds = 0;
	}
out:
	free(body);
	free(json);
	hv_domain_config_dispose(&cfg);
	return rc;
}

int standalone_start(struct vmm *vmm, const struct options *o, struct vmm_start *st)
{
	hv_domain_config cfg;
	hv_ctx ctx;
	char *json = NULL;
	uint8_t *body = NULL;
	int fds[2 + HV_DOMAIN_MAX_DISKS];
	size_t nfds = 0, len;
	int rc = -EINVAL;

	_Static_assert(2 + HV_DOMAIN_MAX_DISKS <= WIRE_MAX_FDS, "as many as hvd passes");
	hv__ctx_init(&ctx);
	hv_ctx_set_logger(&ctx, standalone_log, NULL, HV_LOG_DEBUG);
	hv_domain_config_init(&cfg);
	if (o->restore) {
		rc = standalone_restore(vmm, &ctx, o, st, fds, &nfds);
		goto out;
	}
	cfg.memory_mib = o->memory_mib;
	cfg.maxmem_mib = o->maxmem_mib;	/* 0: memory_mib; less is refused by the checks */
	cfg.vcpus = (unsigned int)o->vcpus;
	cfg.name = strdup(o->name ? o->name : "domain");
	cfg.kernel = strdup(o->kernel);
	cfg.ramdisk = o->initrd ? strdup(o->initrd) : NULL;
	cfg.cmdline = *o->cmdline ? strdup(o->cmdline) : NULL;
	if (!cfg.name || !cfg.kernel || (o->initrd && !cfg.ramdisk) ||
	    (*o->cmdline && !cfg.cmdline)) {
		rc = -ENOMEM;
		goto out;
	}
	rc = standalone_disks(&ctx, o, &cfg, st);
	if (rc)
		goto out;
	if (hv_config_to_json(&ctx, &cfg, &json)) {
		rc = -ENOMEM;
		goto out;
	}
	body = vmmmsg_build_body((o->paused ? HV_VMM_BUILD_PAUSED : 0) |
				 (o->initrd ? HV_VMM_BUILD_RAMDISK : 0), json, strlen(json), &len);
	if (!body) {
		rc = -ENOMEM;
		goto out;
	}
	rc = -EINVAL;
	fds[nfds++] = standalone_open("--kernel", o->kernel);
	if (o->initrd)
		fds[nfds++] = standalone_open("--initrd", o->initrd);
	if (fds[0] < 0 || (o->initrd && fds[1] < 0))
		goto out;
	rc = standalone_open_disks(&cfg, fds, &nfds);
	if (rc)
		goto out;
	st->dump_acpi = o->dump_acpi;
	rc = start_request(vmm, HV_VMM_OP_BUILD, body, len, fds, nfds, st);
	nfds = 0;
out:
	wire_close_fds(fds, nfds);
	free(body);
	free(json);
	hv_domain_config_dispose(&cfg);
	hv__ctx_fini(&ctx);
	return rc;
}
