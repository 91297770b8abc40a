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
#include "virtio/console.h"
#include "kvm/vm.h"

struct vmm {
	struct vm vm;
	struct loop *loop;
	struct console *con;
	struct uart uart;
	struct i8042 kbd;
	struct pm pm;
	struct pvpanic panic;
	struct pci_bus pci;
	struct virtio_console vcon;
	int ctl_fd;		/* the current control connection, or -1 */
	int ctl_listen_fd;
	char *ctl_path;
};

/* Creates every device of the platform table, in order. */
int vmm_devices_init(struct vmm *vmm);
/* Saves or loads every device's state, in the table's order. */
int vmm_devices_state(struct state_io *io, struct vmm *vmm);

/* Graceful requests, from a signal or the control channel. */
void vmm_power_button(struct vmm *vmm);
void vmm_ctrl_alt_del(struct vmm *vmm);

#endif
