/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hv/config.h>
#include "config/config_int.h"
#include "wire/fdpass.h"
#include "wire/vmmmsg.h"
#include "dev/acpi.h"
#include "ctl.h"
#include "jail.h"
#include "log.h"
#include "platform.h"
#include "snapshot/save.h"
#include "start.h"
#include "kvm/vcpu.h"
#include "vmm.h"

#define START_IMAGE_MAX (1l << 30)	/* kernels and ramdisks */
#define START_MIN_MEMORY_MIB 16

/* The description's checks and decoding log through hv-vmm's log. */
static void start_log(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (level == HV_LOG_ERROR)
		err("domain description: %s", buf);
	else if (level == HV_LOG_WARN)
		warn("domain description: %s", buf);
	else
		dbg("domain description: %s", buf);
}

/* Reads a whole kernel or ramdisk from its descriptor (from offset 0). */
static int start_read_image(const char *what, int fd, uint8_t **buf_r, size_t *len_r)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > START_IMAGE_MAX) {
		err("the %s is not a regular file of at most 1 GiB", what);
		return -EINVAL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + done, st.st_size - done, done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err("the %s: %s", what, r ? strerror(errno) : "the file shrank while read");
			free(buf);
			return -EIO;
		}
		done += r;
	}
	*buf_r = buf;
	*len_r = done;
	return 0;
}

static int start_load_kernel(struct vmm *vmm, const hv_domain_config *cfg, const char *cmdline,
			     int kfd, int ifd, uint64_t rsdp, struct boot_entry *e)
{
	struct boot_args a = { .cmdline = cmdline ? cmdline : "", .rsdp = rsdp };
	uint8_t *kernel = NULL, *initrd = NULL;
	int rc;

	rc = start_read_image("kernel", kfd, &kernel, &a.kernel_len);
	if (!rc && ifd >= 0)
		rc = start_read_image("ramdisk", ifd, &initrd, &a.initrd_len);
	if (rc)
		goto out;
	a.kernel = kernel;
	a.initrd = initrd;
	rc = boot_pvh_load(&vmm->vm, &a, e);
	if (rc == -ENOEXEC)
		rc = boot_bzimage_load(&vmm->vm, &a, e);
	if (rc == -ENOEXEC)
		err("the kernel %s is neither a PVH ELF kernel nor a bzImage",
		    cfg->kernel ? cfg->kernel : "(descriptor)");
out:
	free(kernel);
	free(initrd);
	return rc;
}

static int start_acpi(struct vmm *vmm, const struct vmm_start *st, uint64_t *rsdp_r)
{
	struct acpi_config cfg = {
		.nr_vcpus = vmm->vm.nr_vcpus,
		.pci_mmio_base = PLAT_PCI_MMIO_BASE,
		.pci_mmio_size = PLAT_PCI_MMIO_SIZE,
	};
	void *buf = vm_gpa(&vmm->vm, PLAT_ACPI_BASE, PLAT_ACPI_SIZE);
	ssize_t used;
	int rc;

	if (!buf)
		return -EFAULT;
	used = acpi_build(buf, PLAT_ACPI_SIZE, PLAT_ACPI_BASE, &cfg);
	if (used < 0) {
		err("cannot build the ACPI tables: %s", strerror((int)-used));
		return (int)used;
	}
	if (st->dump_acpi) {
		rc = acpi_dump(buf, used, PLAT_ACPI_BASE, st->dump_acpi);
		if (rc) {
			err("--dump-acpi %s: %s", st->dump_acpi, strerror(-rc));
			return rc;
		}
	}
	*rsdp_r = PLAT_ACPI_BASE;
	return 0;
}

/* The guest's RAM: maxmem, or memory without it (the balloon holds the difference). */
static uint64_t start_ram_mib(const hv_domain_config *cfg)
{
	return cfg->maxmem_mib ? cfg->maxmem_mib : cfg->memory_mib;
}

/* The balloon as the description says: the target, and its features. */
static void start_balloon(struct vmm *vmm, const hv_domain_config *cfg)
{
	vmm->balloon_conf.target_bytes = cfg->memory_mib << 20;
	vmm->balloon_conf.deflate_on_oom = cfg->balloon_deflate_on_oom != 0;
	vmm->balloon_conf.free_page_reporting = cfg->balloon_free_page_reporting != 0;
}

/* What this hv-vmm can run of a runnable description; 0 or -errno after saying why. */
static int start_check(const hv_domain_config *cfg)
{
	/* what hv cannot run at all hv_config_validate() has refused; these are the VM's limits */
	if (start_ram_mib(cfg) < START_MIN_MEMORY_MIB || start_ram_mib(cfg) > (1ull << 30) ||
	    !cfg->memory_mib || cfg->memory_mib > start_ram_mib(cfg)) {
		err("domain %s: memory %llu MiB (maxmem %llu MiB) is out of range (%d MiB to 1 TiB, memory at most maxmem)",
		    cfg->name, (unsigned long long)cfg->memory_mib,
		    (unsigned long long)cfg->maxmem_mib, START_MIN_MEMORY_MIB);
		return -EINVAL;
	}
	if (cfg->vcpus < 1 || cfg->vcpus > VM_MAX_VCPUS) {
		err("domain %s: %u vCPUs is out of range (1 to %u)", cfg->name, cfg->vcpus,
		    VM_MAX_VCPUS);
		return -EINVAL;
	}
	return 0;
}

_Static_assert(VMM_MAX_DISKS == HV_DOMAIN_MAX_DISKS &&
	       VIRTIO_BLK_MAX_QUEUES == HV_DISK_MAX_QUEUES &&
	       VIRTIO_BLK_SERIAL_MAX >= 10,
	       "a domain's disks as its description gives them (a vdev has at most 10 bytes)");

void start_disk_conf(struct vmm_disk *vd, const hv_disk_spec *d, int fd, const char *serial,
		     unsigned int vcpus)
{
	unsigned int disk = 0, part;

	hv__vdev_number(d->vdev, &disk, &part);
	memset(vd, 0, sizeof(*vd));
	snprintf(vd->serial, sizeof(vd->serial), "%s", serial ? serial : d->vdev);
	snprintf(vd->vdev, sizeof(vd->vdev), "%s", d->vdev);
	vd->conf = (struct virtio_blk_conf){
		.fd = fd,
		.read_only = d->access == HV_DISK_ACCESS_RO || d->devtype == HV_DISK_DEVTYPE_CDROM,
		.discard = d->discard != 0,	/* on unless no-discard */
		.direct = d->direct_io_safe,
		.serial = vd->serial,
		.nr_queues = hv__disk_queues(d, vcpus),
		.pci_slot = PLAT_PCI_SLOT_DISK0 + disk,
		.iops = d->iops,
		.iops_burst = d->iops_burst,
		.bps = d->bps,
		.bps_burst = d->bps_burst,
	};
}

/*
 * The domain's disks, from its description and the @nfds descriptors that
 * came for them (one for each disk with a target, in the description's
 * order), into vmm->disks in the order the guest sees them (by vdev
 * number: config_int.h), before vmm_devices_init() makes the devices.
 * The descriptors move into vmm->disks (their slots in @fds become -1).
 */
static int start_disks(struct vmm *vmm, const hv_domain_config *cfg, int *fds, size_t nfds,
		       const struct vmm_start *st)
{
	size_t order[VMM_MAX_DISKS], n, with_target = 0;

	for (size_t i = 0; i < cfg->nr_disks; i++)
		with_target += cfg->disks[i]->target != NULL;
	n = hv__disk_guest_order(cfg, order, VMM_MAX_DISKS);
	if (n != nfds || with_target != nfds) {
		err("domain %s: its description has %zu disk%s with a target, but %zu descriptor%s "
		    "came for them", cfg->name, with_target, with_target == 1 ? "" : "s", nfds,
		    nfds == 1 ? "" : "s");
		return -EBADF;
	}
	for (size_t k = 0; k < n; k++) {
		const hv_disk_spec *d = cfg->disks[order[k]];
		struct vmm_disk *vd = &vmm->disks[k];
		const char *serial = order[k] < HV_DOMAIN_MAX_DISKS &&
				     st->disk_serial[order[k]] ? st->disk_serial[order[k]] : d->vdev;
		size_t j = 0;

		/* its descriptor: the how-manieth disk with a target it is */
		for (size_t i = 0; i < order[k]; i++)
			j += cfg->disks[i]->target != NULL;

		start_disk_conf(vd, d, fds[j], serial, cfg->vcpus);
		fds[j] = -1;
		dbg("disk %zu: %s (%s)%s%s, %u queue(s)", k, vd->serial, d->target,
		    vd->conf.read_only ? ", read-only" : "", vd->conf.direct ? ", O_DIRECT" : "",
		    vd->conf.nr_queues);
	}
	vmm->nr_disks = (unsigned int)n;
	return 0;
}

_Static_assert(VMM_MAX_VIFS == HV_DOMAIN_MAX_VIFS &&
	       VIRTIO_NET_MAX_QUEUE_PAIRS == HV_VIF_MAX_QUEUES,
	       "a domain's vifs as its description gives them");

void start_vif_conf(struct vmm_vif *vv, const hv_vif_spec *n, const int *fds)
{
	unsigned int q = n->queues ? n->queues : 1;

	memset(vv, 0, sizeof(*vv));
	snprintf(vv->name, sizeof(vv->name), "vif%u", n->devid);
	vv->devid = n->devid;
	vv->conf.nr_queue_pairs = q;
	for (unsigned int i = 0; i < VIRTIO_NET_MAX_QUEUE_PAIRS; i++)
		vv->conf.tap_fds[i] = i < q ? fds[i] : -1;
	memcpy(vv->conf.mac, n->mac, 6);
	vv->conf.mtu = n->mtu;
	vv->conf.pci_slot = PLAT_PCI_SLOT_VIF0 + n->devid;
	if (n->rate && hv__rate_parse(n->rate, &vv->conf.rate_bytes, &vv->conf.rate_interval_us))
		vv->conf.rate_bytes = vv->conf.rate_interval_us = 0;	/* validated before */
	vv->conf.name = vv->name;
}

/*
 * The domain's vifs, from its description and the @nfds tap descriptors
 * that came for them (one per queue pair, in the description's order),
 * into vmm->vifs in PCI slot (devid) order.  The descriptors move into
 * vmm->vifs (their slots in @fds become -1).
 */
static int start_vifs(struct vmm *vmm, const hv_domain_config *cfg, int *fds, size_t nfds)
{
	size_t want = 0, k = 0;

	for (size_t i = 0; i < cfg->nr_vifs; i++)
		want += cfg->vifs[i]->queues ? cfg->vifs[i]->queues : 1;
	if (want != nfds || cfg->nr_vifs > VMM_MAX_VIFS) {
		err("domain %s: its description has %zu vif%s taking %zu tap descriptor%s, but "
		    "%zu came", cfg->name, cfg->nr_vifs, cfg->nr_vifs == 1 ? "" : "s", want,
		    want == 1 ? "" : "s", nfds);
		return -EBADF;
	}
	for (unsigned int devid = 0; devid < HV_DOMAIN_MAX_VIFS; devid++) {
		size_t j = 0;

		for (size_t i = 0; i < cfg->nr_vifs; i++) {
			const hv_vif_spec *n = cfg->vifs[i];
			unsigned int q = n->queues ? n->queues : 1;

			if (n->devid == devid) {
				start_vif_conf(&vmm->vifs[k++], n, fds + j);
				for (unsigned int m = 0; m < q; m++)
					fds[j + m] = -1;
			}
			j += q;
		}
	}
	if (k != cfg->nr_vifs) {
		err("domain %s: its vifs have no devids of their own", cfg->name);
		for (size_t i = 0; i < k; i++)
			for (unsigned int m = 0; m < vmm->vifs[i].conf.nr_queue_pairs; m++)
				close(vmm->vifs[i].conf.tap_fds[m]);
		return -EINVAL;
	}
	vmm->nr_vifs = (unsigned int)k;
	return 0;
}

/* The disks' descriptors, then the taps'. */
static int start_devices(struct vmm *vmm, const hv_domain_config *cfg, int *fds, size_t nfds,
			 const struct vmm_start *st)
{
	size_t disks = 0;
	int rc;

	for (size_t i = 0; i < cfg->nr_disks; i++)
		disks += cfg->disks[i]->target != NULL;
	if (disks > nfds)
		disks = nfds;
	rc = start_disks(vmm, cfg, fds, disks, st);
	return rc ? rc : start_vifs(vmm, cfg, fds + disks, nfds - disks);
}

/* The description @text, @len bytes: decoded, checked as libhv and hvd check it, runnable. */
static int start_description(hv_ctx *ctx, const char *text, size_t len, hv_domain_config *cfg)
{
	char *json = strndup(text, len);
	int rc = 0;

	if (!json)
		return -ENOMEM;
	if (hv_config_from_json(ctx, json, cfg) ||
	    hv_config_validate(ctx, cfg, HV_CONFIG_VALIDATE_CREATE))
		rc = -EINVAL;
	free(json);
	return rc ? rc : start_check(cfg);
}

int start_decode(const char *text, size_t len, hv_domain_config *cfg)
{
	hv_ctx ctx;
	int rc;

	hv__ctx_init(&ctx);
	hv_ctx_set_logger(&ctx, start_log, NULL, HV_LOG_DEBUG);
	rc = start_description(&ctx, text, len, cfg);
	hv__ctx_fini(&ctx);
	return rc;
}

/* BUILD: the description, then memory, devices, ACPI tables, the kernel, vCPUs. */
static int start_build(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		       struct vmm_start *st)
{
	struct hv_vmm_build b;
	hv_domain_config cfg;
	hv_ctx ctx;
	char *cmdline = NULL;
	const char *text, *why;
	uint64_t rsdp = 0;
	size_t text_len, base;
	int rc;

	hv__ctx_init(&ctx);
	hv_ctx_set_logger(&ctx, start_log, NULL, HV_LOG_DEBUG);
	hv_domain_config_init(&cfg);
	rc = vmmmsg_build(body, len, nfds, &b, &text, &text_len, &why);
	if (rc) {
		err("%s", why);
		goto out;
	}
	rc = start_description(&ctx, text, text_len, &cfg);
	if (rc)
		goto out;
	/* the kernel, the ramdisk, then the disks and the taps */
	base = b.flags & HV_VMM_BUILD_RAMDISK ? 2 : 1;
	rc = start_devices(vmm, &cfg, fds + base, nfds - base, st);
	if (rc)
		goto out;
	if (hv_domain_config_kernel_cmdline(&ctx, &cfg, &cmdline)) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(st->name, sizeof(st->name), "%s", cfg.name);
	st->paused = b.flags & HV_VMM_BUILD_PAUSED;
	start_balloon(vmm, &cfg);
	rc = vm_create(&vmm->vm, start_ram_mib(&cfg), cfg.vcpus);
	if (!rc)
		rc = vmm_devices_init(vmm);
	if (!rc)
		rc = start_acpi(vmm, st, &rsdp);
	if (!rc)
		rc = start_load_kernel(vmm, &cfg, cmdline, fds[0],
				       b.flags & HV_VMM_BUILD_RAMDISK ? fds[1] : -1, rsdp, &st->entry);
	if (!rc)
		rc = vm_vcpus_init(&vmm->vm);
	if (!rc)
		rc = vcpu_set_boot_regs(&vmm->vm.vcpus[0], &st->entry);
out:
	free(cmdline);
	hv_domain_config_dispose(&cfg);
	hv__ctx_fini(&ctx);
	return rc;
}

static int start_progress(void *opaque, uint64_t done, uint64_t total)
{
	/* a restore is cancelled by stopping hv-vmm: nothing runs yet */
	ctl_event_progress(opaque, done, total);
	return 0;
}

/* RESTORE: the domain as its image has it, checked before any vCPU exists. */
static int start_restore(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
			 struct vmm_start *st)
{
	struct hv_vmm_restore r;
	struct restore_options o = { .what = "the save image" };
	const char *why, *text;
	const uint8_t *key;
	size_t text_len;
	int rc = vmmmsg_restore(body, len, nfds, &r, &key, &text, &text_len, &why);

	if (rc) {
		err("%s", why);
		return rc;
	}
	if (text) {
		/* the domain's description now: its disks, before restore_layout() makes the devices */
		hv_domain_config cfg;
		hv_ctx ctx;

		hv__ctx_init(&ctx);
		hv_ctx_set_logger(&ctx, start_log, NULL, HV_LOG_DEBUG);
		hv_domain_config_init(&cfg);
		rc = start_description(&ctx, text, text_len, &cfg);
		if (!rc)
			rc = start_devices(vmm, &cfg, fds + 1, nfds - 1, st);
		if (!rc) {
			start_balloon(vmm, &cfg);
			/* the image holds the RAM the domain booted with: from the
			 * description's memory (saved before maxmem was the RAM) to its
			 * maxmem (which mem-max may have raised since) */
			if (r.memory_mib == cfg.memory_mib || r.memory_mib == start_ram_mib(&cfg)) {
				r.memory_mib = start_ram_mib(&cfg);
				o.memory_min_mib = cfg.memory_mib;
				o.memory_max_mib = start_ram_mib(&cfg);
			}
		}
		hv_domain_config_dispose(&cfg);
		hv__ctx_fini(&ctx);
		if (rc)
			return rc;
	}
	st->restoring = true;
	st->paused = r.flags & HV_VMM_RESTORE_PAUSED;
	o.fd = fds[0];
	o.lazy = r.flags & HV_VMM_RESTORE_LAZY;
	o.memory_mib = r.memory_mib;
	o.vcpus = r.vcpus;
	o.progress = (struct save_progress){ start_progress, vmm };
	o.key = key;
	rc = vmm_restore(vmm, &o) ? -EINVAL : 0;
	if (key)	/* the request's buffer: the key goes now */
		explicit_bzero((uint8_t *)key, HV_VMM_KEY_SIZE);
	return rc;
}

int start_request(struct vmm *vmm, uint16_t op, const void *body, size_t len, int *fds,
		  size_t nfds, struct vmm_start *st)
{
	int rc;

	log_clear_error();
	/* before a byte of the domain is looked at */
	if (vmm->jail && !jail_active() && (rc = jail_enter(vmm->jail))) {
		wire_close_fds(fds, nfds);
		return rc;
	}
	if (op == HV_VMM_OP_BUILD)
		rc = start_build(vmm, body, len, fds, nfds, st);
	else if (op == HV_VMM_OP_RESTORE)
		rc = start_restore(vmm, body, len, fds, nfds, st);
	else {
		err("the first request must be BUILD or RESTORE, not op %u", op);
		rc = -EPROTO;
	}
	wire_close_fds(fds, nfds);
	return rc;
}

static void start_reply(struct vmm *vmm, const struct hv_vmm_msg *req, int status,
			const char *msg)
{
	struct hv_vmm_reply r = { .status = status };
	struct hv_vmm_msg h;
	size_t n = status ? strnlen(msg, 255) : 0;
	char text[256];
	struct iovec iov[3] = { { &h, sizeof(h) }, { &r, sizeof(r) }, { text, 0 } };

	if (n) {
		memcpy(text, msg, n);
		text[n] = '\0';
		iov[2].iov_len = n + 1;
	}
	if (vmmmsg_header(&h, req->op, HV_VMM_F_REPLY, req->seq, sizeof(r) + iov[2].iov_len))
		return;
	if (wire_send(vmm->ctl_fd, iov, 3, NULL, 0, MSG_DONTWAIT) < 0)
		info("control channel: %s", strerror(errno));
}

int start_from_control(struct vmm *vmm, struct vmm_start *st)
{
	uint8_t *buf = malloc(HV_VMM_MSG_MAX);
	struct hv_vmm_msg m = { 0 };
	int fds[WIRE_MAX_FDS];
	size_t nfds = 0;
	char why[256];
	unsigned int trunc;
	ssize_t n;
	int rc;

	if (!buf)
		return -ENOMEM;
	do
		n = wire_recv(vmm->ctl_fd, buf, HV_VMM_MSG_MAX, fds, WIRE_MAX_FDS, &nfds, &trunc, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		err("the control channel %s before the first request", n ? strerror(errno) :
		    "closed");
		free(buf);
		return n ? -errno : -ECONNRESET;
	}
	if (trunc || vmmmsg_check(buf, n, &m) || m.flags) {
		wire_close_fds(fds, nfds);
		err("the first request is malformed");
		start_reply(vmm, &m, -EPROTO, "malformed request");
		free(buf);
		return -EPROTO;
	}
	rc = start_request(vmm, m.op, buf + sizeof(m), n - sizeof(m), fds, nfds, st);
	log_last_error(why, sizeof(why));
	start_reply(vmm, &m, rc, why[0] ? why : strerror(-rc));
	free(buf);
	return rc;
}
