/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Disk hotplug: DISK_ATTACH makes a virtio-blk device in its slot and
 * tells the guest through ACPI PCI hotplug (dev/pcihp.c); DISK_DETACH asks
 * the guest to eject it, or with FORCE removes it at once.  The guest's
 * eject (a port write in a vCPU thread) takes the function off the bus at
 * once and leaves the device's end to the I/O thread, where its I/O
 * completions run: no callback of a freed device can be on its way.
 * vmm->disks stays in the guest's order (by slot), as a restore makes it.
 */
#include <errno.h>
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
#include "wire/vmmmsg.h"
#include "vmm.h"

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
	pthread_mutex_lock(&vmm->vm.io_lock);
	if (d.flags & HV_VMM_DISK_DETACH_FORCE) {
		unsigned int slot = vmm->disks[i].conf.pci_slot;

		disk_gone(vmm, (unsigned int)i);
		pcihp_plugged(&vmm->hp, slot);	/* "check this slot": it is empty */
	} else {
		pcihp_request_eject(&vmm->hp, vmm->disks[i].conf.pci_slot);
	}
	pthread_mutex_unlock(&vmm->vm.io_lock);
	return 0;
}

/* A vCPU thread, io_lock held: the guest's _EJ0 wrote the slot. */
static void on_eject(void *opaque, unsigned int slot)
{
	struct vmm *vmm = opaque;

	for (unsigned int i = 0; i < vmm->nr_disks; i++)
		if (vmm->disks[i].conf.pci_slot == slot && vmm->disks[i].blk) {
			pci_dev_remove(&virtio_blk_pci(vmm->disks[i].blk)->pci);
			vmm->ejected |= 1u << slot;
			if (eventfd_write(vmm->hp_fd, 1))
				warn("disk %s: cannot wake the I/O thread: %s", vmm->disks[i].vdev,
				     strerror(errno));
			return;
		}
	guest_warn("guest: ejected PCI slot %u, which holds no disk", slot);
}

/* The I/O thread: ends the devices the guest ejected. */
static void on_ejected(void *opaque, int fd, unsigned int events)
{
	struct vmm *vmm = opaque;
	eventfd_t n;

	if (eventfd_read(fd, &n))
		return;
	pthread_mutex_lock(&vmm->vm.io_lock);
	for (unsigned int i = 0; i < vmm->nr_disks;) {
		unsigned int slot = vmm->disks[i].conf.pci_slot;

		if (vmm->ejected & (1u << slot)) {
			vmm->ejected &= ~(1u << slot);
			disk_gone(vmm, i);
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
