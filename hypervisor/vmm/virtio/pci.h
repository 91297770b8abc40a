/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio 1.x PCI transport (modern only); the split virtqueues it
 * carries are virtio/queue.h, the devices beside it.  Everything the
 * guest writes here is untrusted: a broken ring or a bad register value
 * puts the device into NEEDS_RESET and stops it; it never stops hv-vmm.
 */
#ifndef HV_VMM_VIRTIO_PCI_H
#define HV_VMM_VIRTIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/pci.h"
#include "virtio/queue.h"

/* virtio-net with 4 queue pairs and its control queue; the saved state has nr_queues of them */
#define VIRTIO_MAX_QUEUES 9

#define VIRTIO_F_VERSION_1		(1ull << 32)
#define VIRTIO_STATUS_ACK		0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80
#define VIRTIO_NO_VECTOR		0xffff

struct vm;
struct state_io;

struct virtio_pci;

struct virtio_dev_ops {
	const char *name;
	uint16_t device_id;		/* virtio device type */
	uint32_t pci_class;		/* 0: 0xff0000 (other) */
	uint8_t pci_slot;		/* 0: the first free one */
	uint16_t nr_queues;
	uint16_t queue_max;		/* largest queue size */
	uint64_t features;		/* offered; VERSION_1 is added */
	uint32_t config_len;
	void (*config_read)(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size);
	void (*config_write)(struct virtio_pci *vp, uint32_t off, const void *data, unsigned int size);
	void (*queue_notify)(struct virtio_pci *vp, unsigned int q);
	/*
	 * The driver reset the device (and once at init): called first, before
	 * the transport forgets its queues, so a device that serves them from
	 * threads of its own stops those here.
	 */
	void (*reset)(struct virtio_pci *vp);
	/* Optional: the driver set DRIVER_OK (the device was not broken). */
	void (*driver_ok)(struct virtio_pci *vp);
	void (*state)(struct state_io *io, struct virtio_pci *vp);
};

struct virtio_pci {
	struct pci_dev pci;
	struct pci_msix msix;
	const struct virtio_dev_ops *ops;
	void *dev;			/* the device model */
	struct vm *vm;
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t msix_config;
	uint16_t queue_select;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	bool kicks_registered;
	uint64_t deferred;		/* queues notified while I/O was quiesced */
};

struct loop;

/* @vm and @loop are NULL in unit tests: no KVM, no ioeventfds. */
int virtio_pci_init(struct virtio_pci *vp, struct pci_bus *bus, struct vm *vm,
		    struct loop *loop, const struct virtio_dev_ops *ops, void *dev);
/* Undoes virtio_pci_init()'s notifications (the PCI function stays). */
void virtio_pci_fini(struct virtio_pci *vp, struct loop *loop);
/*
 * While the VM's I/O is quiesced (vm->io_quiesced): true, and queue @q's
 * notification is kept for virtio_pci_resume(); the device takes nothing
 * from it now.  io_lock held.
 */
bool virtio_pci_defer(struct virtio_pci *vp, unsigned int q);
/* The notifications kept while quiesced, delivered now; io_lock held. */
void virtio_pci_resume(struct virtio_pci *vp);
/* Marks the device broken (NEEDS_RESET) and tells the driver. */
void virtio_pci_fail(struct virtio_pci *vp, const char *why);
bool virtio_pci_running(const struct virtio_pci *vp);
void virtio_pci_config_changed(struct virtio_pci *vp);

/*
 * Queue @q of a running device (virtio/queue.c does the ring work):
 * 1 = got a request, 0 = queue empty, -1 = the ring is broken (device failed).
 */
int virtio_pci_pop(struct virtio_pci *vp, unsigned int q, struct virtq_elem *e);
/*
 * Returns a request with @len bytes written; _push_only() leaves the
 * interrupt to one virtio_pci_notify() for a whole batch, which interrupts
 * if the driver asked for it (EVENT_IDX's used_event, or no NO_INTERRUPT).
 */
void virtio_pci_push_only(struct virtio_pci *vp, unsigned int q, const struct virtq_elem *e,
			  uint32_t len);
void virtio_pci_notify(struct virtio_pci *vp, unsigned int q);
void virtio_pci_push(struct virtio_pci *vp, unsigned int q, const struct virtq_elem *e,
		     uint32_t len);

void virtio_pci_state(struct state_io *io, struct virtio_pci *vp);
/* After load: validate queues, map BARs, register kicks; -EINVAL if broken. */
int virtio_pci_post_load(struct virtio_pci *vp);

#endif
