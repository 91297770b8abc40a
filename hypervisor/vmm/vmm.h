/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One domain's VMM: the VM, its devices and its I/O thread. */
#ifndef HV_VMM_VMM_H
#define HV_VMM_VMM_H

#include "console.h"
#include "dev/i8042.h"
#include "dev/pm.h"
#include "dev/pvpanic.h"
#include "dev/uart.h"
#include "loop.h"
#include "dev/pci.h"
#include "dev/pcihp.h"
#include "virtio/balloon.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/net.h"
#include "kvm/vm.h"
#include "stats.h"

/*
 * A disk as the domain's description and its descriptor give it, filled in
 * by start.c before the devices are made (BUILD and RESTORE alike); devices.c
 * makes "virtio-blk.N" from disks[N] and the device owns conf.fd from then on.
 */
#define VMM_MAX_DISKS 12
struct vmm_disk {
	struct virtio_blk_conf conf;
	char vdev[16];		/* as the description names it */
	char serial[VIRTIO_BLK_SERIAL_MAX + 1];
	struct virtio_blk *blk;
};

/* A vif, the same way: devices.c makes "virtio-net.N" from vifs[N] (in
 * devid order), which owns the taps in conf.tap_fds from then on. */
#define VMM_MAX_VIFS 8
struct vmm_vif {
	struct virtio_net_conf conf;
	char name[16];		/* "vif<devid>" */
	unsigned int devid;
	struct virtio_net *net;
};

struct jail_conf;

struct vmm {
	struct vm vm;
	struct jail_conf *jail;		/* enter it before the first request */
	struct loop *loop;
	struct console *con;
	struct uart uart;
	struct i8042 kbd;
	struct pm pm;
	struct pvpanic panic;
	struct pci_bus pci;
	struct virtio_console vcon;
	unsigned int nr_disks;
	struct vmm_disk disks[VMM_MAX_DISKS];
	unsigned int nr_vifs;
	struct vmm_vif vifs[VMM_MAX_VIFS];
	struct pcihp hp;
	/* the balloon: start.c fills its conf from the description, devices.c
	 * makes "virtio-balloon.0" in PLAT_PCI_SLOT_BALLOON */
	struct virtio_balloon_conf balloon_conf;
	struct virtio_balloon balloon;
	uint32_t ejected;	/* slots the guest ejected, for the I/O thread */
	int hp_fd;		/* eventfd: the guest ejected a slot */
	struct hv_vmm_stats *stats;	/* the statistics file (--stats-fd), or NULL */
	struct migration *mig;	/* the MIGRATE in progress (snapshot/migrate.c), or NULL */
	int ctl_fd;		/* the current control connection, or -1 */
	int ctl_listen_fd;
	char *ctl_path;
};

/* Creates every device of the platform table, in order. */
int vmm_devices_init(struct vmm *vmm);
/* Destroys the devices made at build time (disks), closing their files. */
void vmm_devices_fini(struct vmm *vmm);
/* Completes the devices' I/O in flight; the vCPUs are stopped.  Before a save. */
void vmm_devices_quiesce(struct vmm *vmm);
/*
 * The devices take requests again (vm_unpause()'s hook, and a restored
 * domain's start): what was noted while quiesced is taken now.
 */
void vmm_devices_resume(struct vmm *vmm);
/* Saves or loads every device's state, in the table's order. */
int vmm_devices_state(struct state_io *io, struct vmm *vmm);

/*
 * Disk hotplug (hotplug.c), from the control channel in the I/O thread:
 * DISK_ATTACH and DISK_DETACH; 0 or -errno with the reason in @msg.
 * Takes the descriptor in fds[0] (set to -1) on success and failure.
 */
int vmm_disk_attach(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		    char *msg, size_t msg_len);
int vmm_disk_detach(struct vmm *vmm, const void *body, size_t len, char *msg, size_t msg_len);
/*
 * Vif hotplug, the same way: NET_ATTACH (takes the taps in @fds, each set
 * to -1, on success and failure) and NET_DETACH.
 */
int vmm_net_attach(struct vmm *vmm, const void *body, size_t len, int *fds, size_t nfds,
		   char *msg, size_t msg_len);
int vmm_net_detach(struct vmm *vmm, const void *body, size_t len, char *msg, size_t msg_len);
/* Sets up PCI hotplug's ejection path: the eventfd the I/O thread watches. */
int vmm_hotplug_init(struct vmm *vmm);

/* Graceful requests, from a signal or the control channel. */
void vmm_power_button(struct vmm *vmm);
void vmm_ctrl_alt_del(struct vmm *vmm);

#endif
