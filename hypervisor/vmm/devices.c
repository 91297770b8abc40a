/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The platform's devices, in one table: the order here is the order they
 * are created in and the order their state is saved in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
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
	err("guest reported a panic through pvpanic (event 0x%x)", event);
	vm_request_exit(opaque, VM_EXIT_CRASH);
}

static void irq_wire(struct vmm *vmm, struct irq_line *l, unsigned int gsi)
{
	l->set = irq_to_vm;
	l->opaque = &vmm->vm;
	l->gsi = gsi;
	l->level = 0;
}

static int uart_create(struct vmm *vmm, unsigned int i)
{
	struct io_range r = { PLAT_PORT_COM1, 8, &vmm->uart, uart_read, uart_write, "com1" };

	uart_init(&vmm->uart);
	irq_wire(vmm, &vmm->uart.irq, PLAT_IRQ_COM1);
	vmm->uart.out = uart_to_console;
	vmm->uart.out_opaque = vmm->con;
	return vm_add_pio(&vmm->vm, &r);
}

static int i8042_create(struct vmm *vmm, unsigned int i)
{
	struct io_range r = { PLAT_PORT_I8042_DATA, 5, &vmm->kbd, i8042_read, i8042_write, "i8042" };

	i8042_init(&vmm->kbd);
	irq_wire(vmm, &vmm->kbd.irq, PLAT_IRQ_KBD);
	vmm->kbd.reset = on_reset;
	vmm->kbd.reset_opaque = &vmm->vm;
	return vm_add_pio(&vmm->vm, &r);
}

static int pm_create(struct vmm *vmm, unsigned int i)
{
	struct io_range r = { PLAT_PORT_PM1A_EVT, PM_PORTS, &vmm->pm, pm_read, pm_write, "acpi-pm" };
	struct io_range gpe = { PLAT_PORT_GPE0, PM_GPE_PORTS, &vmm->pm, pm_gpe_read, pm_gpe_write,
				"acpi-gpe0" };
	struct io_range hp = { PLAT_PORT_PCIHP, PCIHP_PORTS, &vmm->hp, pcihp_read, pcihp_write,
			       "pci-hotplug" };
	int rc;

	pm_init(&vmm->pm);
	irq_wire(vmm, &vmm->pm.sci, PLAT_IRQ_SCI);
	vmm->pm.poweroff = on_poweroff;
	vmm->pm.reset = on_reset;
	vmm->pm.opaque = &vmm->vm;
	rc = vm_add_pio(&vmm->vm, &r);
	if (!rc)
		rc = vm_add_pio(&vmm->vm, &gpe);
	if (!rc)
		rc = vm_add_pio(&vmm->vm, &hp);
	return rc ? rc : vmm_hotplug_init(vmm);
}

static int pvpanic_create(struct vmm *vmm, unsigned int i)
{
	struct io_range r = { PLAT_PORT_PVPANIC, 1, &vmm->panic, pvpanic_read, pvpanic_write,
			      "pvpanic" };

	vmm->panic.panic = on_panic;
	vmm->panic.opaque = &vmm->vm;
	return vm_add_pio(&vmm->vm, &r);
}

static int pci_create(struct vmm *vmm, unsigned int i)
{
	struct io_range r = { PLAT_PORT_PCI_ADDR, 8, &vmm->pci, pci_config_io_read,
			      pci_config_io_write, "pci-config" };
	int rc = pci_bus_init(&vmm->pci, &vmm->vm);

	return rc ? rc : vm_add_pio(&vmm->vm, &r);
}

static int vcon_create(struct vmm *vmm, unsigned int i)
{
	vmm->vcon.out = vcon_to_console;
	vmm->vcon.out_opaque = vmm->con;
	return virtio_console_init(&vmm->vcon, &vmm->pci, &vmm->vm, vmm->loop);
}

static int blk_create(struct vmm *vmm, unsigned int i)
{
	struct vmm_disk *d = &vmm->disks[i];

	int rc;

	d->conf.serial = d->serial;
	d->conf.stats = vmm_stats_disk(vmm->stats, d->vdev);
	rc = virtio_blk_create(&d->blk, &vmm->pci, &vmm->vm, vmm->loop, &d->conf);
	if (rc)
		vmm_stats_disk_free(d->conf.stats);
	d->conf.fd = -1;	/* the device's now, or closed */
	return rc;
}

static void uart_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	uart_state(io, &vmm->uart);
}

static void i8042_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	i8042_state(io, &vmm->kbd);
}

static void pm_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	pm_state(io, &vmm->pm);
}

static void pci_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	pci_bus_state(io, &vmm->pci);
}

static void vcon_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	virtio_console_state(io, &vmm->vcon);
}

static int vcon_post_load(struct vmm *vmm, unsigned int i)
{
	return virtio_pci_post_load(&vmm->vcon.vp);
}

static void blk_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	virtio_blk_state(io, vmm->disks[i].blk);
}

static int blk_post_load(struct vmm *vmm, unsigned int i)
{
	return virtio_blk_post_load(vmm->disks[i].blk);
}

static void blk_quiesce(struct vmm *vmm, unsigned int i)
{
	virtio_blk_quiesce(vmm->disks[i].blk);
}

static void blk_destroy(struct vmm *vmm, unsigned int i)
{
	virtio_blk_destroy(vmm->disks[i].blk);	/* closes the descriptor */
	vmm->disks[i].blk = NULL;
	/* the counters stay: hvd reads them once more when the domain ends */
}

static unsigned int nr_disks(const struct vmm *vmm)
{
	return vmm->nr_disks;
}

static int net_create(struct vmm *vmm, unsigned int i)
{
	struct vmm_vif *v = &vmm->vifs[i];
	int rc = virtio_net_create(&v->net, &vmm->pci, &vmm->vm, vmm->loop, &v->conf);

	for (unsigned int q = 0; q < VIRTIO_NET_MAX_QUEUE_PAIRS; q++)
		v->conf.tap_fds[q] = -1;	/* the device's now, or closed */
	return rc;
}

static void net_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	virtio_net_state(io, vmm->vifs[i].net);
}

static int net_post_load(struct vmm *vmm, unsigned int i)
{
	return virtio_net_post_load(vmm->vifs[i].net);
}

static void net_quiesce(struct vmm *vmm, unsigned int i)
{
	virtio_net_quiesce(vmm->vifs[i].net);
}

static void net_destroy(struct vmm *vmm, unsigned int i)
{
	virtio_net_destroy(vmm->vifs[i].net);	/* closes the taps */
	vmm->vifs[i].net = NULL;
}

static unsigned int nr_vifs(const struct vmm *vmm)
{
	return vmm->nr_vifs;
}

static void balloon_to_ctl(void *opaque, const struct hv_vmm_balloon *ev)
{
	ctl_event_balloon(opaque, ev);
}

static int balloon_create(struct vmm *vmm, unsigned int i)
{
	vmm->balloon_conf.pci_slot = PLAT_PCI_SLOT_BALLOON;
	vmm->balloon_conf.event = balloon_to_ctl;
	vmm->balloon_conf.event_opaque = vmm;
	return virtio_balloon_init(&vmm->balloon, &vmm->pci, &vmm->vm, vmm->loop,
				   &vmm->balloon_conf);
}

static void balloon_st(struct state_io *io, struct vmm *vmm, unsigned int i)
{
	/* the last device: an image from before the balloon ends here */
	if (io->loading && state_at_end(io)) {
		virtio_balloon_load_absent(&vmm->balloon);
		return;
	}
	virtio_balloon_state(io, &vmm->balloon);
}

static int balloon_post_load(struct vmm *vmm, unsigned int i)
{
	return virtio_balloon_post_load(&vmm->balloon);
}

/*
 * Each entry is a device model and how many instances of it the domain
 * has (NULL: one); instance N is named "<model>.N" ("virtio-console.0",
 * the second disk "virtio-blk.1"): the name in messages and, as the prefix
 * of its sections, in the saved device state.  Instances are created in
 * this order, which is also their order on the PCI bus.
 */
static const struct device_entry {
	const char *model;
	unsigned int (*count)(const struct vmm *vmm);
	int (*create)(struct vmm *vmm, unsigned int i);
	void (*state)(struct state_io *io, struct vmm *vmm, unsigned int i);	/* NULL: stateless */
	int (*post_load)(struct vmm *vmm, unsigned int i);	/* after every state: check, apply */
	void (*quiesce)(struct vmm *vmm, unsigned int i);	/* before a save: finish I/O */
	void (*destroy)(struct vmm *vmm, unsigned int i);	/* NULL: lives with the VMM */
} devices[] = {
	{ .model = "uart", .create = uart_create, .state = uart_st },
	{ .model = "i8042", .create = i8042_create, .state = i8042_st },
	{ .model = "acpi-pm", .create = pm_create, .state = pm_st },
	{ .model = "pvpanic", .create = pvpanic_create },
	{ .model = "pci", .create = pci_create, .state = pci_st },
	{ .model = "virtio-console", .create = vcon_create, .state = vcon_st,
	  .post_load = vcon_post_load },
	{ .model = "virtio-blk", .count = nr_disks, .create = blk_create, .state = blk_st,
	  .post_load = blk_post_load, .quiesce = blk_quiesce, .destroy = blk_destroy },
	{ .model = "virtio-net", .count = nr_vifs, .create = net_create, .state = net_st,
	  .post_load = net_post_load, .quiesce = net_quiesce, .destroy = net_destroy },
	/* last, so that an image saved before it existed still loads */
	{ .model = "virtio-balloon", .create = balloon_create, .state = balloon_st,
	  .post_load = balloon_post_load },
};

#define NR_DEVICES (sizeof(devices) / sizeof(devices[0]))

static unsigned int device_count(const struct device_entry *d, const struct vmm *vmm)
{
	return d->count ? d->count(vmm) : 1;
}

static const char *device_name(const struct device_entry *d, unsigned int i, char *buf,
			       size_t len)
{
	snprintf(buf, len, "%s.%u", d->model, i);
	return buf;
}

static void devices_on_unpause(void *arg);

int vmm_devices_init(struct vmm *vmm)
{
	char name[48];

	for (size_t i = 0; i < NR_DEVICES; i++)
		for (unsigned int n = 0; n < device_count(&devices[i], vmm); n++) {
			int rc = devices[i].create(vmm, n);

			if (rc) {
				err("cannot create device %s: %s",
				    device_name(&devices[i], n, name, sizeof(name)), strerror(-rc));
				/* the instances not made yet still own their descriptors */
				for (unsigned int k = devices[i].count == nr_disks ? n + 1 : 0;
				     k < vmm->nr_disks && vmm->disks[k].conf.fd >= 0; k++) {
					close(vmm->disks[k].conf.fd);
					vmm->disks[k].conf.fd = -1;
				}
				for (unsigned int k = devices[i].count == nr_vifs ? n + 1 : 0;
				     k < vmm->nr_vifs; k++)
					for (unsigned int q = 0; q < VIRTIO_NET_MAX_QUEUE_PAIRS; q++)
						if (vmm->vifs[k].conf.tap_fds[q] >= 0) {
							close(vmm->vifs[k].conf.tap_fds[q]);
							vmm->vifs[k].conf.tap_fds[q] = -1;
						}
				return rc;
			}
		}
	vmm->vm.on_unpause = devices_on_unpause;
	vmm->vm.on_unpause_arg = vmm;
	return 0;
}

void vmm_devices_fini(struct vmm *vmm)
{
	for (size_t i = NR_DEVICES; i-- > 0;)
		for (unsigned int n = 0; devices[i].destroy && n < device_count(&devices[i], vmm); n++)
			devices[i].destroy(vmm, n);
}

/*
 * The vCPUs are paused: from now until vm_unpause() no device takes a
 * request from the guest (a notification that comes meanwhile, from a
 * kick KVM took before the pause, is only noted), and what is in flight
 * completes.  So nothing writes guest memory while a save, migration or
 * core dump reads it, and the device state it then saves is final.
 */
void vmm_devices_quiesce(struct vmm *vmm)
{
	pthread_mutex_lock(&vmm->vm.io_lock);
	__atomic_store_n(&vmm->vm.io_quiesced, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vmm->vm.io_lock);
	for (size_t i = 0; i < NR_DEVICES; i++)
		for (unsigned int n = 0; devices[i].quiesce && n < device_count(&devices[i], vmm); n++)
			devices[i].quiesce(vmm, n);
	console_flush(vmm->con);	/* output the guest wrote is out before it is saved */
}

/*
 * vm_unpause()'s hook, and a restored domain's start: the notifications
 * noted while quiesced (restored: one for each queue) are taken now.
 */
void vmm_devices_resume(struct vmm *vmm)
{
	if (!__atomic_load_n(&vmm->vm.io_quiesced, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&vmm->vm.io_lock);
	__atomic_store_n(&vmm->vm.io_quiesced, false, __ATOMIC_RELEASE);
	virtio_pci_resume(&vmm->vcon.vp);
	for (unsigned int i = 0; i < vmm->nr_disks; i++)
		if (vmm->disks[i].blk)
			virtio_pci_resume(virtio_blk_pci(vmm->disks[i].blk));
	for (unsigned int i = 0; i < vmm->nr_vifs; i++)
		if (vmm->vifs[i].net)
			virtio_pci_resume(virtio_net_pci(vmm->vifs[i].net));
	virtio_pci_resume(&vmm->balloon.vp);
	pthread_mutex_unlock(&vmm->vm.io_lock);
}

static void devices_on_unpause(void *arg)
{
	vmm_devices_resume(arg);
}

int vmm_devices_state(struct state_io *io, struct vmm *vmm)
{
	char name[48];

	/* an image from before instance names: its sections have bare names */
	if (io->loading)
		io->bare_names = !state_next_named(io);
	for (size_t i = 0; i < NR_DEVICES && !io->err; i++)
		for (unsigned int n = 0; devices[i].state && n < device_count(&devices[i], vmm) &&
		     !io->err; n++) {
			io->instance = device_name(&devices[i], n, name, sizeof(name));
			devices[i].state(io, vmm, n);
			io->instance = NULL;
		}
	for (size_t i = 0; i < NR_DEVICES && !io->err && io->loading; i++)
		for (unsigned int n = 0; devices[i].post_load && n < device_count(&devices[i], vmm) &&
		     !io->err; n++)
			if (devices[i].post_load(vmm, n))
				state_fail(io, "%s: its state does not fit this domain",
					   device_name(&devices[i], n, name, sizeof(name)));
	/*
	 * restored, the devices are as a quiesced source left them: they take
	 * requests once the domain first runs (vmm_devices_resume()), each
	 * queue looked at then (virtio_pci_post_load())
	 */
	if (io->loading && !io->err)
		__atomic_store_n(&vmm->vm.io_quiesced, true, __ATOMIC_RELEASE);
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
