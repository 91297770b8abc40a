/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The platform's devices, in one table: the order here is the order they
 * are created in and the order their state is saved in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "platform.h"
#include "snapshot/state.h"
#include "vmm.h"

static void irq_to_vm(void *opaque, unsigned int gsi, int level)
{
	vm_irq_line(opaque, gsi, level);
}

static void uart_to_console(void *opaque, const void *buf, size_t len)
{
	console_write(opaque, CONSOLE_UART, buf, len);
}

static void vcon_to_console(void *opaque, const void *buf, size_t len)
{
	console_write(opaque, CONSOLE_VIRTIO, buf, len);
}

static void on_reset(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_REBOOT);
}

static void on_poweroff(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_POWEROFF);
}

static void on_panic(void *opaque, uint8_t event)
{
	info("guest reported a panic through pvpanic (event 0x%x)", event);
	vm_request_exit(opaque, VM_EXIT_CRASH);
}

static void irq_wire(struct vmm *vmm, struct irq_line *l, unsigned int gsi)
{
	l->set = irq_to_vm;
	l->opaque = &vmm->vm;
	l->gsi = gsi;
	l->level = 0;
}

static int uart_create(struct vmm *vmm)
{
	struct io_range r = { PLAT_PORT_COM1, 8, &vmm->uart, uart_read, uart_write, "com1" };

	uart_init(&vmm->uart);
	irq_wire(vmm, &vmm->uart.irq, PLAT_IRQ_COM1);
	vmm->uart.out = uart_to_console;
	vmm->uart.out_opaque = vmm->con;
	return vm_add_pio(&vmm->vm, &r);
}

static int i8042_create(struct vmm *vmm)
{
	struct io_range r = { PLAT_PORT_I8042_DATA, 5, &vmm->kbd, i8042_read, i8042_write, "i8042" };

	i8042_init(&vmm->kbd);
	irq_wire(vmm, &vmm->kbd.irq, PLAT_IRQ_KBD);
	vmm->kbd.reset = on_reset;
	vmm->kbd.reset_opaque = &vmm->vm;
	return vm_add_pio(&vmm->vm, &r);
}

static int pm_create(struct vmm *vmm)
{
	struct io_range r = { PLAT_PORT_PM1A_EVT, PM_PORTS, &vmm->pm, pm_read, pm_write, "acpi-pm" };

	pm_init(&vmm->pm);
	irq_wire(vmm, &vmm->pm.sci, PLAT_IRQ_SCI);
	vmm->pm.poweroff = on_poweroff;
	vmm->pm.reset = on_reset;
	vmm->pm.opaque = &vmm->vm;
	return vm_add_pio(&vmm->vm, &r);
}

static int pvpanic_create(struct vmm *vmm)
{
	struct io_range r = { PLAT_PORT_PVPANIC, 1, &vmm->panic, pvpanic_read, pvpanic_write,
			      "pvpanic" };

	vmm->panic.panic = on_panic;
	vmm->panic.opaque = &vmm->vm;
	return vm_add_pio(&vmm->vm, &r);
}

static int pci_create(struct vmm *vmm)
{
	struct io_range r = { PLAT_PORT_PCI_ADDR, 8, &vmm->pci, pci_config_io_read,
			      pci_config_io_write, "pci-config" };
	int rc = pci_bus_init(&vmm->pci, &vmm->vm);

	return rc ? rc : vm_add_pio(&vmm->vm, &r);
}

static int vcon_create(struct vmm *vmm)
{
	vmm->vcon.out = vcon_to_console;
	vmm->vcon.out_opaque = vmm->con;
	return virtio_console_init(&vmm->vcon, &vmm->pci, &vmm->vm, vmm->loop);
}

static void uart_st(struct state_io *io, struct vmm *vmm)
{
	uart_state(io, &vmm->uart);
}

static void i8042_st(struct state_io *io, struct vmm *vmm)
{
	i8042_state(io, &vmm->kbd);
}

static void pm_st(struct state_io *io, struct vmm *vmm)
{
	pm_state(io, &vmm->pm);
}

static void pci_st(struct state_io *io, struct vmm *vmm)
{
	pci_bus_state(io, &vmm->pci);
}

static void vcon_st(struct state_io *io, struct vmm *vmm)
{
	virtio_console_state(io, &vmm->vcon);
}

static int vcon_post_load(struct vmm *vmm)
{
	return virtio_pci_post_load(&vmm->vcon.vp);
}

/*
 * Each entry is one instance of a device model, named "<model>.<index>"
 * ("virtio-console.0"; a second disk would be "virtio-blk.1"): the name in
 * messages and, as the prefix of its sections, in the saved device state.
 */
static const struct device_entry {
	const char *model;
	unsigned int index;
	int (*create)(struct vmm *vmm);
	void (*state)(struct state_io *io, struct vmm *vmm);	/* NULL: stateless */
	int (*post_load)(struct vmm *vmm);	/* after every state: check, apply */
} devices[] = {
	{ "uart", 0, uart_create, uart_st, NULL },
	{ "i8042", 0, i8042_create, i8042_st, NULL },
	{ "acpi-pm", 0, pm_create, pm_st, NULL },
	{ "pvpanic", 0, pvpanic_create, NULL, NULL },
	{ "pci", 0, pci_create, pci_st, NULL },
	{ "virtio-console", 0, vcon_create, vcon_st, vcon_post_load },
};

#define NR_DEVICES (sizeof(devices) / sizeof(devices[0]))

static const char *device_name(const struct device_entry *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s.%u", d->model, d->index);
	return buf;
}

int vmm_devices_init(struct vmm *vmm)
{
	char name[48];

	for (size_t i = 0; i < NR_DEVICES; i++) {
		int rc = devices[i].create(vmm);

		if (rc) {
			err("cannot create device %s: %s",
			    device_name(&devices[i], name, sizeof(name)), strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int vmm_devices_state(struct state_io *io, struct vmm *vmm)
{
	char name[48];

	/* an image from before instance names: its sections have bare names */
	if (io->loading)
		io->bare_names = !state_next_named(io);
	for (size_t i = 0; i < NR_DEVICES && !io->err; i++) {
		if (!devices[i].state)
			continue;
		io->instance = device_name(&devices[i], name, sizeof(name));
		devices[i].state(io, vmm);
		io->instance = NULL;
	}
	for (size_t i = 0; i < NR_DEVICES && !io->err && io->loading; i++)
		if (devices[i].post_load && devices[i].post_load(vmm))
			state_fail(io, "%s: queues do not fit guest memory",
				   device_name(&devices[i], name, sizeof(name)));
	return io->err;
}

void vmm_power_button(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->vm.io_lock);
	pm_power_button(&vmm->pm);
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

void vmm_ctrl_alt_del(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->vm.io_lock);
	i8042_ctrl_alt_del(&vmm->kbd);
	pthread_mutex_unlock(&vmm->vm.io_lock);
}
