/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-pci modern transport.  BAR0 holds the common configuration,
 * ISR, device configuration and notification areas; BAR1 the MSI-X table.
 * Notifications arrive on ioeventfds (no exit to userspace) and are handled
 * in the I/O thread; interrupts leave through irqfds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "io.h"
#include "log.h"
#include "loop.h"
#include "snapshot/state.h"
#include "virtio/pci.h"
#include "kvm/vm.h"

#define VP_COMMON_OFF	0x0000
#define VP_COMMON_LEN	0x38
#define VP_ISR_OFF	0x1000
#define VP_DEVICE_OFF	0x2000
#define VP_NOTIFY_OFF	0x3000
#define VP_NOTIFY_MULT	4
#define VP_BAR0_SIZE	0x4000

#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4
#define VIRTIO_PCI_CAP_PCI_CFG	5

/* Ring features the transport offers for every device (queue.c does them). */
#define VIRTIO_RING_F_INDIRECT_DESC	(1ull << 28)
#define VIRTIO_RING_F_EVENT_IDX		(1ull << 29)
#define VP_RING_FEATURES (VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX)

static uint64_t vp_offered(const struct virtio_pci *vp)
{
	return vp->ops->features | VIRTIO_F_VERSION_1 | VP_RING_FEATURES;
}

/* Tells each queue which ring features the driver accepted. */
static void vp_ring_features(struct virtio_pci *vp)
{
	bool ok = vp->status & VIRTIO_STATUS_FEATURES_OK;

	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		vp->vq[q].indirect = ok && (vp->driver_features & VIRTIO_RING_F_INDIRECT_DESC);
		vp->vq[q].event_idx = ok && (vp->driver_features & VIRTIO_RING_F_EVENT_IDX);
	}
}

static void vp_reset(struct virtio_pci *vp)
{
	if (vp->ops->reset)
		vp->ops->reset(vp);
	vp->dfselect = vp->gfselect = 0;
	vp->driver_features = 0;
	vp->msix_config = VIRTIO_NO_VECTOR;
	vp->queue_select = 0;
	vp->status = 0;
	vp->isr = 0;
	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		struct virtq *vq = &vp->vq[q];

		vq->size = vp->ops->queue_max;
		vq->msix_vector = VIRTIO_NO_VECTOR;
		vq->enabled = false;
		vq->desc = vq->avail = vq->used = 0;
		vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	}
	vp_ring_features(vp);
}

bool virtio_pci_running(const struct virtio_pci *vp)
{
	return (vp->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vp->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->config_generation++;
	vp->isr |= 2;
	pci_msix_notify(&vp->pci, vp->msix_config);
}

void virtio_pci_fail(struct virtio_pci *vp, const char *why)
{
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	guest_warn("guest: %s: %s; the device needs a reset", vp->ops->name, why);
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vp->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_pci_config_changed(vp);
}

static void vp_set_status(struct virtio_pci *vp, uint8_t v)
{
	bool started = (v & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DRIVER_OK);

	if (v == 0) {
		vp_reset(vp);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
		uint64_t offered = vp_offered(vp);

		if ((vp->driver_features & ~offered) ||
		    !(vp->driver_features & VIRTIO_F_VERSION_1)) {
			guest_warn("guest: %s: driver asked for features 0x%llx, offered 0x%llx; refused",
				   vp->ops->name, (unsigned long long)vp->driver_features,
				   (unsigned long long)offered);
			v &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* NEEDS_RESET is the device's to set; only a reset clears it */
	vp->status = (v & ~VIRTIO_STATUS_NEEDS_RESET) |
		     (vp->status & VIRTIO_STATUS_NEEDS_RESET);
	vp_ring_features(vp);
	if (started && virtio_pci_running(vp) && vp->ops->driver_ok)
		vp->ops->driver_ok(vp);
}

static void common_read(struct virtio_pci *vp, uint64_t off, void *data, unsigned int size)
{
	struct virtq *vq = vp->queue_select < vp->ops->nr_queues ?
			   &vp->vq[vp->queue_select] : NULL;
	uint64_t features = vp_offered(vp), v = 0;

	switch (off) {
	case 0x00: v = vp->dfselect; break;
	case 0x04: v = vp->dfselect < 2 ? (uint32_t)(features >> (32 * vp->dfselect)) : 0; break;
	case 0x08: v = vp->gfselect; break;
	case 0x0c: v = vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0; break;
	case 0x10: v = vp->msix_config; break;
	case 0x12: v = vp->ops->nr_queues; break;
	case 0x14: v = vp->status; break;
	case 0x15: v = vp->config_generation; break;
	case 0x16: v = vp->queue_select; break;
	case 0x18: v = vq ? vq->size : 0; break;
	case 0x1a: v = vq ? vq->msix_vector : VIRTIO_NO_VECTOR; break;
	case 0x1c: v = vq ? vq->enabled : 0; break;
	case 0x1e: v = vq ? vp->queue_select : 0; break;
	case 0x20: v = vq ? vq->desc : 0; break;
	case 0x24: v = vq ? vq->desc >> 32 : 0; break;
	case 0x28: v = vq ? vq->avail : 0; break;
	case 0x2c: v = vq ? vq->avail >> 32 : 0; break;
	case 0x30: v = vq ? vq->used : 0; break;
	case 0x34: v = vq ? vq->used >> 32 : 0; break;
	default: v = 0; break;
	}
	io_put(data, size, v);
}

static void set_lo(uint64_t *p, uint32_t v)
{
	*p = (*p & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *p, uint32_t v)
{
	*p = (*p & 0xffffffffull) | ((uint64_t)v << 32);
}

static void common_write(struct virtio_pci *vp, uint64_t off, const void *data, unsigned int size)
{
	struct virtq *vq = vp->queue_select < vp->ops->nr_queues ?
			   &vp->vq[vp->queue_select] : NULL;
	uint32_t v = io_get(data, size);

	if (off >= 0x16 && off < VP_COMMON_LEN && off != 0x16 && !vq) {
		guest_warn("guest: %s: queue register 0x%llx written with queue_select %u out of range",
			   vp->ops->name, (unsigned long long)off, vp->queue_select);
		return;
	}
	if (vq && vq->enabled && off >= 0x18 && off != 0x1a && off != 0x1c && off != 0x1e) {
		guest_warn("guest: %s: queue %u changed while enabled", vp->ops->name,
			   vp->queue_select);
		virtio_pci_fail(vp, "queue registers written while the queue is enabled");
		return;
	}
	switch (off) {
	case 0x00: vp->dfselect = v; break;
	case 0x08: vp->gfselect = v; break;
	case 0x0c:
		if (vp->status & VIRTIO_STATUS_FEATURES_OK)
			break;	/* features are fixed once accepted */
		if (vp->gfselect == 0)
			set_lo(&vp->driver_features, v);
		else if (vp->gfselect == 1)
			set_hi(&vp->driver_features, v);
		break;
	case 0x10:
		vp->msix_config = v < vp->msix.nr ? v : VIRTIO_NO_VECTOR;
		break;
	case 0x14: vp_set_status(vp, v); break;
	case 0x16: vp->queue_select = v; break;
	case 0x18: vq->size = v; break;
	case 0x1a: vq->msix_vector = v < vp->msix.nr ? v : VIRTIO_NO_VECTOR; break;
	case 0x1c:
		if (v != 1 || vq->enabled)
			break;
		if (!virtq_valid(vq, vp->vm, vp->ops->queue_max)) {
			virtio_pci_fail(vp, "queue enabled with a bad size or ring address");
			break;
		}
		vq->enabled = true;
		vq->last_avail = vq->used_idx = vq->signalled_used = 0;
		break;
	case 0x20: set_lo(&vq->desc, v); break;
	case 0x24: set_hi(&vq->desc, v); break;
	case 0x28: set_lo(&vq->avail, v); break;
	case 0x2c: set_hi(&vq->avail, v); break;
	case 0x30: set_lo(&vq->used, v); break;
	case 0x34: set_hi(&vq->used, v); break;
	default:
		guest_warn("guest: %s: write to read-only common config 0x%llx ignored",
			   vp->ops->name, (unsigned long long)off);
		break;
	}
}

static void vp_notify(struct virtio_pci *vp, unsigned int q)
{
	if (q >= vp->ops->nr_queues) {
		guest_warn("guest: %s: notify for queue %u, which does not exist",
			   vp->ops->name, q);
		return;
	}
	if (!virtio_pci_running(vp) || !vp->vq[q].enabled || virtio_pci_defer(vp, q))
		return;
	vp->ops->queue_notify(vp, q);
}

bool virtio_pci_defer(struct virtio_pci *vp, unsigned int q)
{
	if (!vp->vm || !__atomic_load_n(&vp->vm->io_quiesced, __ATOMIC_ACQUIRE))
		return false;
	vp->deferred |= 1ull << q;
	return true;
}

void virtio_pci_resume(struct virtio_pci *vp)
{
	uint64_t d = vp->deferred;

	vp->deferred = 0;
	for (unsigned int q = 0; d; q++)
		if (d & (1ull << q)) {
			d &= ~(1ull << q);
			vp_notify(vp, q);
		}
}

static void bar0_read(struct pci_dev *d, uint64_t off, void *data, unsigned int size)
{
	struct virtio_pci *vp = d->opaque;

	if (off < VP_COMMON_LEN) {
		common_read(vp, off, data, size);
	} else if (off == VP_ISR_OFF) {
		io_put(data, size, vp->isr);
		vp->isr = 0;
	} else if (off >= VP_DEVICE_OFF && off - VP_DEVICE_OFF < vp->ops->config_len &&
		   size <= vp->ops->config_len - (off - VP_DEVICE_OFF)) {
		memset(data, 0, size);
		if (vp->ops->config_read)
			vp->ops->config_read(vp, off - VP_DEVICE_OFF, data, size);
	} else {
		io_put(data, size, 0);
	}
}

static void bar0_write(struct pci_dev *d, uint64_t off, const void *data, unsigned int size)
{
	struct virtio_pci *vp = d->opaque;

	if (off < VP_COMMON_LEN) {
		common_write(vp, off, data, size);
	} else if (off >= VP_NOTIFY_OFF && off < VP_NOTIFY_OFF + VP_NOTIFY_MULT * (uint64_t)vp->ops->nr_queues) {
		/* a notification KVM did not take through the ioeventfd */
		vp_notify(vp, (off - VP_NOTIFY_OFF) / VP_NOTIFY_MULT);
	} else if (off >= VP_DEVICE_OFF && off - VP_DEVICE_OFF < vp->ops->config_len &&
		   size <= vp->ops->config_len - (off - VP_DEVICE_OFF)) {
		if (vp->ops->config_write)
			vp->ops->config_write(vp, off - VP_DEVICE_OFF, data, size);
	} else {
		guest_warn("guest: %s: write to BAR0 offset 0x%llx ignored", vp->ops->name,
			   (unsigned long long)off);
	}
}

static void vp_kick_cb(void *opaque, int fd, unsigned int events)
{
	struct virtq *vq = opaque;
	struct virtio_pci *vp = vq->vp;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&vp->vm->io_lock);
	vp_notify(vp, vq->index);
	pthread_mutex_unlock(&vp->vm->io_lock);
}

static void vp_bar_mapped(struct pci_dev *d, unsigned int bar, bool mapped)
{
	struct virtio_pci *vp = d->opaque;

	if (bar != 0 || !vp->vm)
		return;
	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		uint64_t addr = d->bar[0].addr + VP_NOTIFY_OFF + q * VP_NOTIFY_MULT;

		if (vp->vq[q].kick_fd < 0)
			continue;
		if (vm_ioeventfd(vp->vm, vp->vq[q].kick_fd, addr, 2, mapped) && mapped)
			warn("%s: no ioeventfd for queue %u; notifications will exit", vp->ops->name, q);
	}
}

/* The VIRTIO_PCI_CAP_PCI_CFG window: config-space access to the BARs. */
static void vp_cfg_window(struct virtio_pci *vp, unsigned int cap, bool write)
{
	struct pci_dev *d = &vp->pci;
	uint8_t bar = d->cfg[cap + 4];
	uint32_t off, len;

	memcpy(&off, &d->cfg[cap + 8], 4);
	memcpy(&len, &d->cfg[cap + 12], 4);
	if (bar != 0 || (len != 1 && len != 2 && len != 4) || off >= VP_BAR0_SIZE ||
	    len > VP_BAR0_SIZE - off)
		return;
	if (write)
		bar0_write(d, off, &d->cfg[cap + 16], len);
	else
		bar0_read(d, off, &d->cfg[cap + 16], len);
}

static uint8_t vp_cfg_cap(const struct virtio_pci *vp)
{
	return vp->pci.cap_last;	/* the PCI_CFG capability is added last */
}

static void vp_config_read(struct pci_dev *d, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = d->opaque;
	uint8_t cap = vp_cfg_cap(vp);

	if (off >= cap + 16u && off < cap + 20u)
		vp_cfg_window(vp, cap, false);
}

static void vp_config_written(struct pci_dev *d, unsigned int off, unsigned int size)
{
	struct virtio_pci *vp = d->opaque;
	uint8_t cap = vp_cfg_cap(vp);

	if (off >= cap + 16u && off < cap + 20u)
		vp_cfg_window(vp, cap, true);
}

static uint8_t vp_add_cap(struct virtio_pci *vp, uint8_t type, uint32_t off,
			  uint32_t len, unsigned int cap_len)
{
	struct pci_dev *d = &vp->pci;
	uint8_t c = pci_cap_add(d, 0x09, cap_len);

	if (!c)
		return 0;
	d->cfg[c + 2] = cap_len;
	d->cfg[c + 3] = type;
	d->cfg[c + 4] = 0;		/* BAR0 */
	memcpy(&d->cfg[c + 8], &off, 4);
	memcpy(&d->cfg[c + 12], &len, 4);
	return c;
}

int virtio_pci_init(struct virtio_pci *vp, struct pci_bus *bus, struct vm *vm,
		    struct loop *loop, const struct virtio_dev_ops *ops, void *dev)
{
	struct pci_dev *d = &vp->pci;
	uint32_t mult = VP_NOTIFY_MULT;
	uint8_t c;
	int rc;

	if (ops->nr_queues > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	memset(vp, 0, sizeof(*vp));
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->vq[q].kick_fd = -1;
	vp->ops = ops;
	vp->dev = dev;
	vp->vm = vm;
	d->name = ops->name;
	d->opaque = vp;
	rc = pci_dev_add_at(bus, d, ops->pci_slot, 0x1af4, 0x1040 + ops->device_id,
			 ops->pci_class ? ops->pci_class : 0xff0000, 0x1af4,
			 ops->device_id);
	if (rc)
		return rc;
	rc = pci_bar_add(d, 0, VP_BAR0_SIZE);
	if (!rc)
		rc = pci_bar_add(d, 1, 0x1000);
	if (rc)
		return rc;
	d->bar[0].read = bar0_read;
	d->bar[0].write = bar0_write;
	rc = pci_msix_init(d, &vp->msix, ops->nr_queues + 1, 1);
	if (rc)
		return rc;
	if (!vp_add_cap(vp, VIRTIO_PCI_CAP_COMMON, VP_COMMON_OFF, VP_COMMON_LEN, 16) ||
	    !(c = vp_add_cap(vp, VIRTIO_PCI_CAP_NOTIFY, VP_NOTIFY_OFF,
			     VP_NOTIFY_MULT * ops->nr_queues, 20)) ||
	    !vp_add_cap(vp, VIRTIO_PCI_CAP_ISR, VP_ISR_OFF, 1, 16) ||
	    (ops->config_len &&
	     !vp_add_cap(vp, VIRTIO_PCI_CAP_DEVICE, VP_DEVICE_OFF, ops->config_len, 16)))
		return -ENOSPC;
	memcpy(&d->cfg[c + 16], &mult, 4);
	c = vp_add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
	if (!c)
		return -ENOSPC;
	d->wmask[c + 4] = 0xff;
	memset(&d->wmask[c + 8], 0xff, 12);	/* offset, length, data */
	d->config_read = vp_config_read;
	d->config_written = vp_config_written;
	d->bar_mapped = vp_bar_mapped;

	for (unsigned int q = 0; q < ops->nr_queues; q++) {
		vp->vq[q].vp = vp;
		vp->vq[q].index = q;
		vp->vq[q].kick_fd = -1;
		if (!vm)
			continue;
		vp->vq[q].kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->vq[q].kick_fd < 0)
			return -errno;
		rc = loop_add(loop, vp->vq[q].kick_fd, vp_kick_cb, &vp->vq[q]);
		if (rc)
			return rc;
	}
	vp_reset(vp);
	if (d->bar[0].mapped)
		vp_bar_mapped(d, 0, true);
	return 0;
}

void virtio_pci_fini(struct virtio_pci *vp, struct loop *loop)
{
	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		int fd = vp->vq[q].kick_fd;

		if (fd < 0)
			continue;
		if (vp->pci.bar[0].mapped)
			vm_ioeventfd(vp->vm, fd, vp->pci.bar[0].addr + VP_NOTIFY_OFF +
				     q * VP_NOTIFY_MULT, 2, false);
		if (loop)
			loop_del(loop, fd);
		close(fd);
		vp->vq[q].kick_fd = -1;
	}
}

/* --- queues ------------------------------------------------------------- */

int virtio_pci_pop(struct virtio_pci *vp, unsigned int q, struct virtq_elem *e)
{
	const char *why = NULL;
	int r;

	if (!virtio_pci_running(vp) || !vp->vq[q].enabled)
		return 0;
	r = virtq_pop(&vp->vq[q], vp->vm, e, &why);
	if (r < 0)
		virtio_pci_fail(vp, why);
	return r;
}

void virtio_pci_push_only(struct virtio_pci *vp, unsigned int q, const struct virtq_elem *e,
			  uint32_t len)
{
	virtq_push_only(&vp->vq[q], vp->vm, e, len);
}

void virtio_pci_notify(struct virtio_pci *vp, unsigned int q)
{
	struct virtq *vq = &vp->vq[q];

	if (virtq_should_notify(vq, vp->vm)) {
		vp->isr |= 1;
		pci_msix_notify(&vp->pci, vq->msix_vector);
	}
}

void virtio_pci_push(struct virtio_pci *vp, unsigned int q, const struct virtq_elem *e,
		     uint32_t len)
{
	virtio_pci_push_only(vp, q, e, len);
	virtio_pci_notify(vp, q);
}

/* --- state --------------------------------------------------------------- */

void virtio_pci_state(struct state_io *io, struct virtio_pci *vp)
{
	char name[48];

	pci_dev_state(io, &vp->pci);
	snprintf(name, sizeof(name), "virtio-%s", vp->ops->name);
	if (state_begin(io, name, 1))
		return;
	state_u32(io, "dfselect", &vp->dfselect);
	state_u32(io, "gfselect", &vp->gfselect);
	state_u64(io, "driver_features", &vp->driver_features);
	state_u16(io, "msix_config", &vp->msix_config);
	state_u16(io, "queue_select", &vp->queue_select);
	state_u8(io, "status", &vp->status);
	state_u8(io, "config_generation", &vp->config_generation);
	state_u8(io, "isr", &vp->isr);
	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		struct virtq *vq = &vp->vq[q];
		uint16_t enabled = vq->enabled;

		state_u16f(io, &vq->size, "q%u.size", q);
		state_u16f(io, &vq->msix_vector, "q%u.msix_vector", q);
		state_u16f(io, &enabled, "q%u.enabled", q);
		state_u64f(io, &vq->desc, "q%u.desc", q);
		state_u64f(io, &vq->avail, "q%u.avail", q);
		state_u64f(io, &vq->used, "q%u.used", q);
		state_u16f(io, &vq->last_avail, "q%u.last_avail", q);
		state_u16f(io, &vq->used_idx, "q%u.used_idx", q);
		vq->enabled = enabled;
		if (io->loading && enabled > 1)
			state_fail(io, "queue %u: enabled is %u", q, enabled);
	}
	state_end(io);
	if (vp->ops->state)
		vp->ops->state(io, vp);
}

int virtio_pci_post_load(struct virtio_pci *vp)
{
	if (vp->driver_features & ~vp_offered(vp))
		return -EINVAL;
	vp_ring_features(vp);
	if (vp->msix_config >= vp->msix.nr)
		vp->msix_config = VIRTIO_NO_VECTOR;
	for (unsigned int q = 0; q < vp->ops->nr_queues; q++) {
		struct virtq *vq = &vp->vq[q];

		if (vq->msix_vector >= vp->msix.nr)
			vq->msix_vector = VIRTIO_NO_VECTOR;
		if (vq->enabled && !virtq_valid(vq, vp->vm, vp->ops->queue_max))
			return -EINVAL;
		/* the driver may wait for an interrupt the save came between */
		vq->signalled_used = vq->used_idx - 1;
		/*
		 * and for a request it kicked while the source was quiesced:
		 * that kick was only noted there, not saved; each queue is
		 * looked at once when the domain first runs (an empty one is
		 * left as it is)
		 */
		if (vq->enabled && q < 64)
			vp->deferred |= 1ull << q;
	}
	pci_dev_post_load(&vp->pci);
	return 0;
}
