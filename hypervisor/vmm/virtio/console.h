/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_VIRTIO_CONSOLE_H
#define HV_VMM_VIRTIO_CONSOLE_H

#include "virtio/pci.h"

#define VCON_RX_BUF 4096

struct virtio_console {
	struct virtio_pci vp;
	uint8_t rx[VCON_RX_BUF];	/* input waiting for guest buffers */
	uint32_t rx_head, rx_count;
	void (*out)(void *opaque, const void *buf, size_t len);
	void *out_opaque;
};

int virtio_console_init(struct virtio_console *c, struct pci_bus *bus, struct vm *vm,
			struct loop *loop);
/* Console input; called with the VM's io_lock held. */
void virtio_console_receive(struct virtio_console *c, const uint8_t *buf, size_t len);
void virtio_console_state(struct state_io *io, struct virtio_console *c);

#endif
