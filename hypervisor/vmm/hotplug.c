/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk and vif hotplug: DISK_ATTACH makes a virtio-blk device in its slot,
 * NET_ATTACH a virtio-net device, and each tells the guest through ACPI
 * PCI hotplug (dev/pcihp.c); DISK_DETACH and NET_DETACH ask the guest to
 * eject it, or with FORCE remove it at once.  The guest's eject (a port
 * write in a vCPU thread) takes the function off the bus at once and
 * leaves the device's end to the I/O thread, where its I/O completions
 * run: no callback of a freed device can be on its way.  vmm->disks and
 * vmm->vifs stay in the guest's order (by slot), as a restore makes them.
 * The two kinds differ only in the table below.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <hv/config.h>
#include "config/config_int.h"
#include "ctl.h"
#include "log.h"
#include "platform.h"
#include "start.h"
#include "virtio/pci.h"
#include "wire/vmmmsg.h"
#include "vmm.h"

/* One kind of hot-pluggable device: its array in struct vmm. */
struct hp_kind {
	unsigned int (*count)(const struct vmm *vmm);
	unsigned int (*slot)(const struct vmm *vmm, unsigned int i);
	struct virtio_pci *(*pci)(struct vmm *vmm, unsigned int i);	/* NULL: none yet */
	void (*gone)(struct vmm *vmm, unsigned int i);
};

static int find_vdev(const struct vmm *vmm, const char *vdev)
{
	for (unsigned int i = 0; i < vmm->nr_disks; i++)
		if (!strcmp(vmm->disks[i].vdev, vdev))
			return (int)i;
	return -1;
}

/* Takes disks[i] out of the array, which stays in slot order. */
static void disks_remove(struct vmm *vmm, unsigned int i)
{
	memmove(&vmm->disks[i], &vmm->disks[i + 1],
		(vmm->nr_disks - i - 1) * sizeof(vmm->disks[0]));
	vmm->nr_disks--;
}

/* Ends disks[i]: requests in flight complete, the descriptor closes; hvd hears. */
static void disk_gone(struct vmm *vmm, unsigned int i)
{
	char vdev[sizeof(vmm->disks[0].vdev)];

	snprintf(vdev, sizeof(vdev), "%s", vmm->disks[i].vdev);
	virtio_blk_destroy(vmm->disks[i].blk);
	disks_remove(vmm, i);
	info("disk %s detached", vdev);
	ctl_event_disk_ejected(vmm, vdev);
}

static unsigned int disk_count(const struct vmm *vmm)
{
	return vmm->nr_disks;
}

static unsigned int disk_slot(const struct vmm *vmm, unsigned int i)
{
	return vmm->disks[i].conf.pci_slot;
}

static struct virtio_pci *disk_pci(struct vmm *vmm, unsigned int i)
{
	return vmm->disks[i].blk ? virtio_blk_pci(vmm->disks[i].blk) : NULL;
}

static int find_devid(const struct vmm *vmm, unsigned int devid)
{
	for (unsigned int i = 0; i < vmm->nr_vifs; i++)
		if (vmm->vifs[i].devid == devid)
			return (int)i;
	return -1;
}

/* Ends vifs[i]: its queue pairs stop, its taps close; hvd hears. */
static void vif_gone(struct vmm *vmm, unsigned int i)
{
	unsigned int devid = vmm->vifs[i].devid;

	virtio_net_destroy(vmm->vifs[i].net);
	memmove(&vmm->vifs[i], &vmm->vifs[i + 1], (vmm->nr_vifs - i - 1) * sizeof(vmm->vifs[0]));
	vmm->nr_vifs--;
	for (unsigned int k = i; k < vmm->nr_vifs; k++)
		vmm->vifs[k].conf.name = vmm->vifs[k].name;
	info("vif %u detached", devid);
	ctl_event_net_ejected(vmm, devid);
}

static unsigned int vif_count(const struct vmm *vmm)
{
	return vmm->nr_vifs;
}

static unsigned int vif_slot(const struct vmm *vmm, unsigned int i)
{
	return vmm->vifs[i].conf.pci_slot;
}

static struct virtio_pci *vif_pci(struct vmm *vmm, unsigned int i)
{
	return vmm->vifs[i].net ? virtio_net_pci(vmm->vifs[i].net) : NULL;
}

static const struct hp_kind kinds[] = {
	{ .count = disk_count, .slot = disk_slot, .pci = disk_pci, .gone = disk_gone },
	{ .count = vif_count, .slot = vif_slot, .pci = vif_pci, .gone = vif_gone },
};

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/*
 * Asks the guest to eject device @i of @k, or with @force ends it at once
 * and tells the guest its slot is empty.
 */
static void hp_detach(struct vmm *vmm, const struct hp_kind *k, unsigned int i, bool force)
{
	unsigned int slot = k->slot(vmm, i);

	pthread_mutex_lock(&vmm->vm.io_lock);
	if (force) {
		k->gone(vmm, i);
		pcihp_plugged(&vmm->hp, slot);	/* "check this slot": it is empty */
	} else {
		pcihp_request_eject(&vmm->hp, slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

int vmm_disk_attach(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		    char *msg, size_t msg_len)
{
	struct hv_vmm_disk_attach a;
	hv_domain_config cfg;
	const hv_disk_spec *d;
	struct vmm_disk vd;
	const char *json, *why;
	size_t json_len;
	unsigned int at;
	int fd = nfds ? fds[0] : -1, rc;

	if (nfds)
		fds[0] = -1;
	hv_domain_config_init(&cfg);
	rc = vmmmsg_disk_attach(body, len, nfds, &a, &json, &json_len, &why);
	if (rc) {
		snprintf(msg, msg_len, "%s", why);
		goto out;
	}
	rc = start_decode(json, json_len, &cfg);
	if (rc) {
		log_last_error(msg, msg_len);
		goto out;
	}
	if (a.disk >= cfg.nr_disks || !cfg.disks[a.disk]->target) {
		rc = -EINVAL;
		snprintf(msg, msg_len, "DISK_ATTACH: disk %u is not one of the description's disks with a target",
			 a.disk);
		goto out;
	}
	d = cfg.disks[a.disk];
	if (find_vdev(vmm, d->vdev) >= 0) {
		rc = -EEXIST;
		snprintf(msg, msg_len, "the domain has a disk %s already", d->vdev);
		goto out;
	}
	if (vmm->nr_disks == VMM_MAX_DISKS) {
		rc = -ENOSPC;
		snprintf(msg, msg_len, "the domain has %d disks, as many as hv gives one",
			 VMM_MAX_DISKS);
		goto out;
	}
	start_disk_conf(&vd, d, fd, NULL, vmm->vm.nr_vcpus);
	fd = -1;	/* the device's from here on */
	for (at = 0; at < vmm->nr_disks && vmm->disks[at].conf.pci_slot < vd.conf.pci_slot; at++)
		;
	pthread_mutex_lock(&vmm->vm.io_lock);
	if (vmm->pci.devs[vd.conf.pci_slot]) {
		pthread_mutex_unlock(&vmm->vm.io_lock);
		close(vd.conf.fd);
		rc = -EEXIST;
		snprintf(msg, msg_len, "PCI slot %u for %s is in use (a disk the guest has not let go of yet?)",
			 vd.conf.pci_slot, d->vdev);
		goto out;
	}
	vd.conf.serial = vd.serial;
	rc = virtio_blk_create(&vd.blk, &vmm->pci, &vmm->vm, vmm->loop, &vd.conf);
	vd.conf.fd = -1;
	if (!rc) {
		memmove(&vmm->disks[at + 1], &vmm->disks[at],
			(vmm->nr_disks - at) * sizeof(vmm->disks[0]));
		vmm->disks[at] = vd;
		vmm->disks[at].conf.serial = vmm->disks[at].serial;
		vmm->nr_disks++;
		pcihp_plugged(&vmm->hp, vmm->disks[at].conf.pci_slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
	if (rc) {
		snprintf(msg, msg_len, "cannot make the disk %s: %s", d->vdev, strerror(-rc));
		goto out;
	}
	info("disk %s attached in PCI slot %u", d->vdev, vd.conf.pci_slot);
out:
	if (fd >= 0)
		close(fd);
	hv_domain_config_dispose(&cfg);
	return rc;
}

int vmm_disk_detach(struct vmm *vmm, const void *body, size_t len, char *msg, size_t msg_len)
{
	struct hv_vmm_disk_detach d;
	const char *why;
	int rc = vmmmsg_disk_detach(body, len, &d, &why), i;

	if (rc) {
		snprintf(msg, msg_len, "%s", why);
		return rc;
	}
	i = find_vdev(vmm, d.vdev);
	if (i < 0) {
		snprintf(msg, msg_len, "the domain has no disk %s", d.vdev);
		return -ENOENT;
	}
	hp_detach(vmm, &kinds[0], (unsigned int)i, d.flags & HV_VMM_DISK_DETACH_FORCE);
	return 0;
}

int vmm_net_attach(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		   char *msg, size_t msg_len)
{
	struct hv_vmm_net_attach a;
	hv_domain_config cfg;
	const hv_vif_spec *n;
	struct vmm_vif vv;
	const char *json, *why;
	size_t json_len;
	int taps[HV_VMM_NET_MAX_QUEUES], rc;
	unsigned int at, q, ntaps = nfds <= HV_VMM_NET_MAX_QUEUES ? (unsigned int)nfds : 0;

	/* ours from here on, whatever happens */
	for (unsigned int i = 0; i < ntaps; i++) {
		taps[i] = fds[i];
		fds[i] = -1;
	}
	hv_domain_config_init(&cfg);
	rc = vmmmsg_net_attach(body, len, nfds, &a, &json, &json_len, &why);
	if (rc) {
		snprintf(msg, msg_len, "%s", why);
		goto out;
	}
	rc = start_decode(json, json_len, &cfg);
	if (rc) {
		log_last_error(msg, msg_len);
		goto out;
	}
	rc = -EINVAL;
	if (a.vif >= cfg.nr_vifs || cfg.vifs[a.vif]->devid >= VMM_MAX_VIFS) {
		snprintf(msg, msg_len, "NET_ATTACH: vif %u is not one of the description's vifs with a devid",
			 a.vif);
		goto out;
	}
	n = cfg.vifs[a.vif];
	q = n->queues ? n->queues : 1;
	if (q != ntaps) {
		rc = -EBADF;
		snprintf(msg, msg_len, "vif %u has %u queue pair(s), but %zu tap descriptor(s) came",
			 n->devid, q, nfds);
		goto out;
	}
	if (find_devid(vmm, n->devid) >= 0) {
		rc = -EEXIST;
		snprintf(msg, msg_len, "the domain has a vif %u already", n->devid);
		goto out;
	}
	if (vmm->nr_vifs == VMM_MAX_VIFS) {
		rc = -ENOSPC;
		snprintf(msg, msg_len, "the domain has %d vifs, as many as hv gives one",
			 VMM_MAX_VIFS);
		goto out;
	}
	start_vif_conf(&vv, n, taps);
	ntaps = 0;	/* the device's from here on */
	for (at = 0; at < vmm->nr_vifs && vmm->vifs[at].conf.pci_slot < vv.conf.pci_slot; at++)
		;
	pthread_mutex_lock(&vmm->vm.io_lock);
	if (vmm->pci.devs[vv.conf.pci_slot]) {
		pthread_mutex_unlock(&vmm->vm.io_lock);
		for (unsigned int i = 0; i < vv.conf.nr_queue_pairs; i++)
			close(vv.conf.tap_fds[i]);
		rc = -EEXIST;
		snprintf(msg, msg_len, "PCI slot %u for vif %u is in use (a vif the guest has not let go of yet?)",
			 vv.conf.pci_slot, n->devid);
		goto out;
	}
	rc = virtio_net_create(&vv.net, &vmm->pci, &vmm->vm, vmm->loop, &vv.conf);
	for (unsigned int i = 0; i < VIRTIO_NET_MAX_QUEUE_PAIRS; i++)
		vv.conf.tap_fds[i] = -1;
	if (!rc) {
		memmove(&vmm->vifs[at + 1], &vmm->vifs[at],
			(vmm->nr_vifs - at) * sizeof(vmm->vifs[0]));
		vmm->vifs[at] = vv;
		vmm->nr_vifs++;
		for (unsigned int k = 0; k < vmm->nr_vifs; k++)
			vmm->vifs[k].conf.name = vmm->vifs[k].name;
		pcihp_plugged(&vmm->hp, vv.conf.pci_slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
	if (rc) {
		snprintf(msg, msg_len, "cannot make vif %u: %s", n->devid, strerror(-rc));
		goto out;
	}
	info("vif %u attached in PCI slot %u", n->devid, vv.conf.pci_slot);
out:
	for (unsigned int i = 0; i < ntaps; i++)
		close(taps[i]);
	hv_domain_config_dispose(&cfg);
	return rc;
}

int vmm_net_detach(struct vmm *vmm, const void *body, size_t len, char *msg, size_t msg_len)
{
	struct hv_vmm_net_detach d;
	const char *why;
	int rc = vmmmsg_net_detach(body, len, &d, &why), i;

	if (rc) {
		snprintf(msg, msg_len, "%s", why);
		return rc;
	}
	i = find_devid(vmm, d.devid);
	if (i < 0) {
		snprintf(msg, msg_len, "the domain has no vif %u", d.devid);
		return -ENOENT;
	}
	hp_detach(vmm, &kinds[1], (unsigned int)i, d.flags & HV_VMM_NET_DETACH_FORCE);
	return 0;
}

/* A vCPU thread, io_lock held: the guest's _EJ0 wrote the slot. */
static void on_eject(void *opaque, unsigned int slot)
{
	struct vmm *vmm = opaque;

	for (size_t k = 0; k < NR_KINDS; k++)
		for (unsigned int i = 0; i < kinds[k].count(vmm); i++) {
			struct virtio_pci *vp = kinds[k].pci(vmm, i);

			if (kinds[k].slot(vmm, i) != slot || !vp)
				continue;
			pci_dev_remove(&vp->pci);
			vmm->ejected |= 1u << slot;
			if (eventfd_write(vmm->hp_fd, 1))
				warn("PCI slot %u: cannot wake the I/O thread: %s", slot,
				     strerror(errno));
			return;
		}
	guest_warn("guest: ejected PCI slot %u, which holds no disk or vif", slot);
}

/* The I/O thread: ends the devices the guest ejected. */
static void on_ejected(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	eventfd_t n;

	if (eventfd_read(fd, &n))
		return;
	pthread_mutex_lock(&vmm->vm.io_lock);
	for (size_t k = 0; k < NR_KINDS; k++)
		for (unsigned int i = 0; i < kinds[k].count(vmm);) {
			unsigned int slot = kinds[k].slot(vmm, i);

			if (vmm->ejected & (1u << slot)) {
				vmm->ejected &= ~(1u << slot);
				kinds[k].gone(vmm, i);
			} else {
				i++;
			}
		}
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

int vmm_hotplug_init(struct vmm *vmm)
{
	vmm->hp.pm = &vmm->pm;
	vmm->hp.eject = on_eject;
	vmm->hp.opaque = vmm;
	vmm->hp_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vmm->hp_fd < 0)
		return -errno;
	return loop_add(vmm->loop, vmm->hp_fd, on_ejected, vmm);
}
