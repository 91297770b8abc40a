/*
 * The device models without KVM, for unit tests and fuzz targets: every
 * device with state, set up as hv-vmm sets them up, but with no VM (no
 * interrupts are delivered, no guest memory unless the caller gives some).
 */
#ifndef HV_TEST_DEVICES_H
#define HV_TEST_DEVICES_H

#include <stdbool.h>
#include <string.h>
#include "dev/i8042.h"
#include "dev/pm.h"
#include "dev/uart.h"
#include "dev/pci.h"
#include "snapshot/state.h"
#include "virtio/balloon.h"
#include "virtio/console.h"

struct test_devs {
	struct uart uart;
	struct i8042 kbd;
	struct pm pm;
	struct pci_bus bus;
	struct virtio_console vcon;
	struct virtio_balloon balloon;
};

static inline int test_devs_init(struct test_devs *d)
{
	memset(d, 0, sizeof(*d));
	uart_init(&d->uart);
	i8042_init(&d->kbd);
	pm_init(&d->pm);
	if (pci_bus_init(&d->bus, NULL))
		return -1;
	if (virtio_console_init(&d->vcon, &d->bus, NULL, NULL))
		return -1;
	/* 64 MiB of RAM, 48 MiB of it the target */
	return virtio_balloon_init(&d->balloon, &d->bus, NULL, NULL,
				   &(struct virtio_balloon_conf){ .ram_bytes = 64u << 20,
								  .target_bytes = 48u << 20 });
}

/*
 * The same instances, names and order as hv-vmm's device table
 * (hypervisor/vmm/devices.c).  @named false saves sections with bare
 * names, as hv-vmm did before device instances were named.
 */
static inline void test_devs_state_as(struct state_io *io, struct test_devs *d, bool named)
{
	if (io->loading)
		io->bare_names = !state_next_named(io);
	io->instance = named ? "uart.0" : NULL;
	uart_state(io, &d->uart);
	io->instance = named ? "i8042.0" : NULL;
	i8042_state(io, &d->kbd);
	io->instance = named ? "acpi-pm.0" : NULL;
	pm_state(io, &d->pm);
	io->instance = named ? "pci.0" : NULL;
	pci_bus_state(io, &d->bus);
	io->instance = named ? "virtio-console.0" : NULL;
	virtio_console_state(io, &d->vcon);
	/* the last device: an image from before the balloon ends here */
	io->instance = named ? "virtio-balloon.0" : NULL;
	if (!(io->loading && state_at_end(io)))
		virtio_balloon_state(io, &d->balloon);
	io->instance = NULL;
}

static inline void test_devs_state(struct state_io *io, struct test_devs *d)
{
	test_devs_state_as(io, d, true);
}

#endif
