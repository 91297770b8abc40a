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
 * The two kinds differ only in the table below; the rest is one code.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* One kind of hot-pluggable device: an array of struct vmm and its elements. */
struct hp_kind {
	size_t size;				/* of one element */
	size_t array, nr;			/* offsets in struct vmm */
	size_t slot;				/* offset of the PCI slot in an element */
	unsigned int max;
	struct virtio_pci *(*pci)(void *dev);	/* NULL: not made */
	/* Makes the device from its conf, which it owns from then on, also on failure. */
	int (*create)(struct vmm *vmm, void *dev);
	/* Closes the descriptors of one that was never made. */
	void (*drop)(void *dev);
	/* Points its conf at its own strings again (it moved). */
	void (*fix)(void *dev);
	/* Ends it: its I/O completes, its descriptors close; says so to hvd. */
	void (*end)(struct vmm *vmm, void *dev);
};

static void *hp_dev(const struct hp_kind *k, struct vmm *vmm, unsigned int i)
{
	return (uint8_t *)vmm + k->array + i * k->size;
}

static unsigned int *hp_nr(const struct hp_kind *k, struct vmm *vmm)
{
	return (unsigned int *)((uint8_t *)vmm + k->nr);
}

static unsigned int hp_slot(const struct hp_kind *k, const void *dev)
{
	unsigned int slot;

	memcpy(&slot, (const uint8_t *)dev + k->slot, sizeof(slot));
	return slot;
}

/* Takes element @i out of @k's array, which stays in slot order. */
static void hp_remove(const struct hp_kind *k, struct vmm *vmm, unsigned int i)
{
	unsigned int *nr = hp_nr(k, vmm);

	memmove(hp_dev(k, vmm, i), hp_dev(k, vmm, i + 1), (*nr - i - 1) * k->size);
	(*nr)--;
	for (unsigned int j = i; j < *nr; j++)
		k->fix(hp_dev(k, vmm, j));
}

/* Ends device @i of @k and takes it out; io_lock held. */
static void hp_gone(const struct hp_kind *k, struct vmm *vmm, unsigned int i)
{
	k->end(vmm, hp_dev(k, vmm, i));
	hp_remove(k, vmm, i);
}

/* Disks: vmm->disks. */

static struct virtio_pci *disk_pci(void *dev)
{
	struct vmm_disk *vd = dev;

	return vd->blk ? virtio_blk_pci(vd->blk) : NULL;
}

static int disk_create(struct vmm *vmm, void *dev)
{
	struct vmm_disk *vd = dev;
	int rc;

	vd->conf.serial = vd->serial;
	vd->conf.stats = vmm_stats_disk(vmm->stats, vd->vdev);
	rc = virtio_blk_create(&vd->blk, &vmm->pci, &vmm->vm, vmm->loop, &vd->conf);
	if (rc)
		vmm_stats_disk_free(vd->conf.stats);
	vd->conf.fd = -1;
	return rc;
}

static void disk_drop(void *dev)
{
	struct vmm_disk *vd = dev;

	if (vd->conf.fd >= 0)
		close(vd->conf.fd);
	vd->conf.fd = -1;
}

static void disk_fix(void *dev)
{
	struct vmm_disk *vd = dev;

	vd->conf.serial = vd->serial;
}

static void disk_end(struct vmm *vmm, void *dev)
{
	struct vmm_disk *vd = dev;

	virtio_blk_destroy(vd->blk);
	vmm_stats_disk_free(vd->conf.stats);
	info("disk %s detached", vd->vdev);
	ctl_event_disk_ejected(vmm, vd->vdev);
}

static int find_vdev(const struct vmm *vmm, const char *vdev)
{
	for (unsigned int i = 0; i < vmm->nr_disks; i++)
		if (!strcmp(vmm->disks[i].vdev, vdev))
			return (int)i;
	return -1;
}

/* Vifs: vmm->vifs. */

static struct virtio_pci *vif_pci(void *dev)
{
	struct vmm_vif *vv = dev;

	return vv->net ? virtio_net_pci(vv->net) : NULL;
}

static int vif_create(struct vmm *vmm, void *dev)
{
	struct vmm_vif *vv = dev;
	int rc = virtio_net_create(&vv->net, &vmm->pci, &vmm->vm, vmm->loop, &vv->conf);

	for (unsigned int q = 0; q < VIRTIO_NET_MAX_QUEUE_PAIRS; q++)
		vv->conf.tap_fds[q] = -1;
	return rc;
}

static void vif_drop(void *dev)
{
	struct vmm_vif *vv = dev;

	for (unsigned int q = 0; q < VIRTIO_NET_MAX_QUEUE_PAIRS; q++) {
		if (vv->conf.tap_fds[q] >= 0)
			close(vv->conf.tap_fds[q]);
		vv->conf.tap_fds[q] = -1;
	}
}

static void vif_fix(void *dev)
{
	struct vmm_vif *vv = dev;

	vv->conf.name = vv->name;
}

static void vif_end(struct vmm *vmm, void *dev)
{
	struct vmm_vif *vv = dev;

	virtio_net_destroy(vv->net);	/* its threads stop, its taps close */
	info("vif %u detached", vv->devid);
	ctl_event_net_ejected(vmm, vv->devid);
}

static int find_devid(const struct vmm *vmm, unsigned int devid)
{
	for (unsigned int i = 0; i < vmm->nr_vifs; i++)
		if (vmm->vifs[i].devid == devid)
			return (int)i;
	return -1;
}

static const struct hp_kind disk_kind = {
	.size = sizeof(struct vmm_disk), .array = offsetof(struct vmm, disks),
	.nr = offsetof(struct vmm, nr_disks), .max = VMM_MAX_DISKS,
	.slot = offsetof(struct vmm_disk, conf.pci_slot), .pci = disk_pci, .create = disk_create,
	.drop = disk_drop, .fix = disk_fix, .end = disk_end,
};

static const struct hp_kind vif_kind = {
	.size = sizeof(struct vmm_vif), .array = offsetof(struct vmm, vifs),
	.nr = offsetof(struct vmm, nr_vifs), .max = VMM_MAX_VIFS,
	.slot = offsetof(struct vmm_vif, conf.pci_slot), .pci = vif_pci, .create = vif_create,
	.drop = vif_drop, .fix = vif_fix, .end = vif_end,
};

static const struct hp_kind *const kinds[] = { &disk_kind, &vif_kind };

#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/*
 * Makes @dev (@what in messages, its conf filled in) in its slot, puts it
 * in @k's array in slot order and tells the guest.  @dev's descriptors are
 * taken over whatever happens.  0 or -errno with why in @msg.
 */
static int hp_plug(struct vmm *vmm, const struct hp_kind *k, void *dev, const char *what,
		   char *msg, size_t msg_len)
{
	unsigned int *nr = hp_nr(k, vmm), slot = hp_slot(k, dev), at;
	int rc;

	if (*nr == k->max) {
		k->drop(dev);
		snprintf(msg, msg_len, "the domain has %u %s, as many as hv gives one", k->max,
			 k == &disk_kind ? "disks" : "vifs");
		return -ENOSPC;
	}
	for (at = 0; at < *nr && hp_slot(k, hp_dev(k, vmm, at)) < slot; at++)
		;
	pthread_mutex_lock(&vmm->vm.io_lock);
	if (vmm->pci.devs[slot]) {
		pthread_mutex_unlock(&vmm->vm.io_lock);
		k->drop(dev);
		snprintf(msg, msg_len, "PCI slot %u for %s is in use (a device the guest has not let go of yet?)",
			 slot, what);
		return -EEXIST;
	}
	rc = k->create(vmm, dev);
	if (!rc) {
		memmove(hp_dev(k, vmm, at + 1), hp_dev(k, vmm, at), (*nr - at) * k->size);
		memcpy(hp_dev(k, vmm, at), dev, k->size);
		(*nr)++;
		for (unsigned int j = at; j < *nr; j++)
			k->fix(hp_dev(k, vmm, j));
		pcihp_plugged(&vmm->hp, slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
	if (rc) {
		snprintf(msg, msg_len, "cannot make %s: %s", what, strerror(-rc));
		return rc;
	}
	info("%s attached in PCI slot %u", what, slot);
	return 0;
}

/*
 * Asks the guest to eject device @i of @k, or with @force ends it at once
 * and tells the guest its slot is empty.
 */
static void hp_detach(struct vmm *vmm, const struct hp_kind *k, unsigned int i, bool force)
{
	unsigned int slot = hp_slot(k, hp_dev(k, vmm, i));

	pthread_mutex_lock(&vmm->vm.io_lock);
	if (force) {
		hp_gone(k, vmm, i);
		pcihp_plugged(&vmm->hp, slot);	/* "check this slot": it is empty */
	} else {
		pcihp_request_eject(&vmm->hp, slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

/* An attach's description (@json): decoded into @cfg, or -errno with why in @msg. */
static int hp_decode(const char *json, size_t json_len, hv_domain_config *cfg, char *msg,
		     size_t msg_len)
{
	int rc = start_decode(json, json_len, cfg);

	if (rc)
		log_last_error(msg, msg_len);
	return rc;
}

int vmm_disk_attach(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		    char *msg, size_t msg_len)
{
	struct hv_vmm_disk_attach a;
	hv_domain_config cfg;
	const hv_disk_spec *d;
	struct vmm_disk vd;
	const char *json, *why;
	char what[48];
	size_t json_len;
	int fd = nfds ? fds[0] : -1, rc;

	if (nfds)
		fds[0] = -1;
	hv_domain_config_init(&cfg);
	rc = vmmmsg_disk_attach(body, len, nfds, &a, &json, &json_len, &why);
	if (rc) {
		snprintf(msg, msg_len, "%s", why);
		goto out;
	}
	rc = hp_decode(json, json_len, &cfg, msg, msg_len);
	if (rc)
		goto out;
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
	start_disk_conf(&vd, d, fd, NULL, vmm->vm.nr_vcpus);
	fd = -1;	/* the device's from here on */
	snprintf(what, sizeof(what), "disk %s", d->vdev);
	rc = hp_plug(vmm, &disk_kind, &vd, what, msg, msg_len);
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
	hp_detach(vmm, &disk_kind, (unsigned int)i, d.flags & HV_VMM_DISK_DETACH_FORCE);
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
	char what[48];
	size_t json_len;
	int taps[HV_VMM_NET_MAX_QUEUES], rc;
	unsigned int q, ntaps = nfds <= HV_VMM_NET_MAX_QUEUES ? (unsigned int)nfds : 0;

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
	rc = hp_decode(json, json_len, &cfg, msg, msg_len);
	if (rc)
		goto out;
	if (a.vif >= cfg.nr_vifs || cfg.vifs[a.vif]->devid >= VMM_MAX_VIFS) {
		rc = -EINVAL;
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
	start_vif_conf(&vv, n, taps);
	ntaps = 0;	/* the device's from here on */
	snprintf(what, sizeof(what), "vif %u", n->devid);
	rc = hp_plug(vmm, &vif_kind, &vv, what, msg, msg_len);
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
	hp_detach(vmm, &vif_kind, (unsigned int)i, d.flags & HV_VMM_NET_DETACH_FORCE);
	return 0;
}

/* A vCPU thread, io_lock held: the guest's _EJ0 wrote the slot. */
static void on_eject(void *opaque, unsigned int slot)
{
	struct vmm *vmm = opaque;

	for (size_t k = 0; k < NR_KINDS; k++)
		for (unsigned int i = 0; i < *hp_nr(kinds[k], vmm); i++) {
			void *dev = hp_dev(kinds[k], vmm, i);
			struct virtio_pci *vp = kinds[k]->pci(dev);

			if (hp_slot(kinds[k], dev) != slot || !vp)
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
		for (unsigned int i = 0; i < *hp_nr(kinds[k], vmm);) {
			unsigned int slot = hp_slot(kinds[k], hp_dev(kinds[k], vmm, i));

			if (vmm->ejected & (1u << slot)) {
				vmm->ejected &= ~(1u << slot);
				hp_gone(kinds[k], vmm, i);
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
