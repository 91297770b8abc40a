/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console: one port (hvc0), no multiport, emergency write. */
#include <string.h>
#include "io.h"
#include "log.h"
#include "snapshot/state.h"
#include "virtio/console.h"

#define VCON_RXQ 0
#define VCON_TXQ 1
#define VIRTIO_CONSOLE_F_EMERG_WRITE (1ull << 2)
#define VCON_CONFIG_LEN 12	/* cols, rows, max_nr_ports, emerg_wr */

static struct virtio_console *vcon(struct virtio_pci *vp)
{
	return vp->dev;
}

static void vcon_fill_rx(struct virtio_console *c)
{
	struct virtq_elem e;

	/* quiesced for a save: input waits in rx[] until the domain resumes */
	if (virtio_pci_defer(&c->vp, VCON_RXQ))
		return;
	while (c->rx_count && virtio_pci_pop(&c->vp, VCON_RXQ, &e) == 1) {
		uint32_t done = 0;

		for (unsigned int i = 0; i < e.nr_in && c->rx_count; i++) {
			uint8_t *p = e.in[i].base;

			for (uint32_t j = 0; j < e.in[i].len && c->rx_count; j++) {
				p[j] = c->rx[c->rx_head];
				c->rx_head = (c->rx_head + 1) % VCON_RX_BUF;
				c->rx_count--;
				done++;
			}
		}
		virtio_pci_push(&c->vp, VCON_RXQ, &e, done);
	}
}

static void vcon_drain_tx(struct virtio_console *c)
{
	struct virtq_elem e;

	while (virtio_pci_pop(&c->vp, VCON_TXQ, &e) == 1) {
		for (unsigned int i = 0; i < e.nr_out; i++)
			if (c->out)
				c->out(c->out_opaque, e.out[i].base, e.out[i].len);
		virtio_pci_push(&c->vp, VCON_TXQ, &e, 0);
	}
}

static void vcon_notify(struct virtio_pci *vp, unsigned int q)
{
	if (q == VCON_TXQ)
		vcon_drain_tx(vcon(vp));
	else
		vcon_fill_rx(vcon(vp));
}

void virtio_console_receive(struct virtio_console *c, const uint8_t *buf, size_t len)
{
	if (!virtio_pci_running(&c->vp))
		return;
	for (size_t i = 0; i < len && c->rx_count < VCON_RX_BUF; i++) {
		c->rx[(c->rx_head + c->rx_count) % VCON_RX_BUF] = buf[i];
		c->rx_count++;
	}
	vcon_fill_rx(c);
}

static void vcon_config_read(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size)
{
	uint8_t cfg[VCON_CONFIG_LEN] = { 80, 0, 25, 0, 1, 0, 0, 0 };

	memcpy(data, cfg + off, size);
}

static void vcon_config_write(struct virtio_pci *vp, uint32_t off, const void *data,
			      unsigned int size)
{
	struct virtio_console *c = vcon(vp);

	if (off == 8 && c->out)		/* emerg_wr */
		c->out(c->out_opaque, data, 1);
}

static void vcon_reset(struct virtio_pci *vp)
{
	struct virtio_console *c = vcon(vp);

	c->rx_head = c->rx_count = 0;
}

static void vcon_state(struct state_io *io, struct virtio_pci *vp)
{
	struct virtio_console *c = vcon(vp);
	uint8_t rx[VCON_RX_BUF];

	if (state_begin(io, "virtio-console-dev", 1))
		return;
	memset(rx, 0, sizeof(rx));
	if (!io->loading)
		for (uint32_t i = 0; i < c->rx_count; i++)
			rx[i] = c->rx[(c->rx_head + i) % VCON_RX_BUF];
	state_u32(io, "rx_count", &c->rx_count);
	state_bytes(io, "rx", rx, sizeof(rx));
	if (io->loading && !io->err) {
		if (c->rx_count > VCON_RX_BUF)
			state_fail(io, "input count %u out of range", c->rx_count);
		memcpy(c->rx, rx, sizeof(rx));
		c->rx_head = 0;
	}
	state_end(io);
}

static const struct virtio_dev_ops vcon_ops = {
	.name = "virtio-console",
	.device_id = 3,
	.nr_queues = 2,
	.queue_max = 256,
	.features = VIRTIO_CONSOLE_F_EMERG_WRITE,
	.config_len = VCON_CONFIG_LEN,
	.config_read = vcon_config_read,
	.config_write = vcon_config_write,
	.queue_notify = vcon_notify,
	.reset = vcon_reset,
	.state = vcon_state,
};

int virtio_console_init(struct virtio_console *c, struct pci_bus *bus, struct vm *vm,
			struct loop *loop)
{
	c->rx_head = c->rx_count = 0;
	return virtio_pci_init(&c->vp, bus, vm, loop, &vcon_ops, c);
}

void virtio_console_state(struct state_io *io, struct virtio_console *c)
{
	virtio_pci_state(io, &c->vp);
}
