/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands of Xen's xl that hv does not have, each with the reason: a
 * script written for Xen learns why, and fails as Xen's xl fails an
 * operation its platform lacks (exit status 1), instead of meeting an
 * unknown command.  A command hv gains leaves this table for xl.c's.
 */
#include <stdio.h>
#include <string.h>
#include "xl.h"

static const struct {
	const char *name;
	const char *why;
} unsupported[] = {
	/* domains */
	{ "suspend", "hv has no guest suspend-to-RAM; xl save keeps a domain in a file" },
	{ "resume", "hv has no guest suspend-to-RAM; xl restore brings a saved domain back" },
	{ "remus", "hv has no Remus or COLO replication" },
	{ "cd-insert", "hv cannot change a CD-ROM's medium while the domain runs "
	  "(block-detach the drive and block-attach it with the new image)" },
	{ "cd-eject", "hv cannot change a CD-ROM's medium while the domain runs "
	  "(block-detach the drive)" },
	{ "vncviewer", "hv's domains have no graphical display: xl console attaches to "
	  "their serial console" },
	{ "channel-list", "hv's domains have no channels (only their console)" },
	{ "claims", "hv has no memory claims: a domain's memory is allocated as the "
	  "guest touches it" },
	{ "sharing", "hv has no page sharing between domains" },
	/* vCPUs and scheduling */
	{ "vcpu-set", "vCPU hotplug is not implemented yet (a domain has the vCPUs it was "
	  "created with)" },
	{ "sched-rtds", "hv has no scheduler of its own: vCPUs are host threads that "
	  "Linux schedules" },
	{ "cpupool-create", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-list", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-destroy", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-rename", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-cpu-add", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-cpu-remove", "hv has no CPU pools: every domain is in Pool-0, all host "
	  "CPUs" },
	{ "cpupool-migrate", "hv has no CPU pools: every domain is in Pool-0, all host CPUs" },
	{ "cpupool-numa-split", "hv has no CPU pools: every domain is in Pool-0, all host "
	  "CPUs" },
	/* the hypervisor itself */
	{ "debug-keys", "hv has no hypervisor debug keys: hvd's log (xl dmesg) and each "
	  "domain's vmm-NAME.log say what happened" },
	{ "set-parameters", "hv has no hypervisor boot parameters to change" },
	{ "getenforce", "hv has no Xen security module (FLASK): hv-vmm's sandbox is fixed" },
	{ "setenforce", "hv has no Xen security module (FLASK): hv-vmm's sandbox is fixed" },
	{ "loadpolicy", "hv has no Xen security module (FLASK): hv-vmm's sandbox is fixed" },
	{ "devd", "hv has no driver domains: hvd and hv-vmm run every device backend" },
	{ "xenstore-quota-get", "hv has no xenstore" },
	{ "xenstore-quota-set", "hv has no xenstore" },
	{ "dt-overlay", "hv runs x86 guests, which have no device tree" },
	{ "qemu-monitor-command", "hv's domains run in hv-vmm, which has no QEMU monitor" },
	/* transcendent memory, gone from Xen since 4.13 */
	{ "tmem-list", "hv has no transcendent memory (tmem)" },
	{ "tmem-freeze", "hv has no transcendent memory (tmem)" },
	{ "tmem-thaw", "hv has no transcendent memory (tmem)" },
	{ "tmem-set", "hv has no transcendent memory (tmem)" },
	{ "tmem-shared-auth", "hv has no transcendent memory (tmem)" },
	{ "tmem-freeable", "hv has no transcendent memory (tmem)" },
	/* cache and memory bandwidth allocation (Intel RDT) */
	{ "psr-hwinfo", "hv does not manage Intel RDT (cache and memory bandwidth "
	  "monitoring or allocation); the host's resctrl file system does" },
	{ "psr-cmt-attach", "hv does not manage Intel RDT cache monitoring; the host's "
	  "resctrl file system does" },
	{ "psr-cmt-detach", "hv does not manage Intel RDT cache monitoring; the host's "
	  "resctrl file system does" },
	{ "psr-cmt-show", "hv does not manage Intel RDT cache monitoring; the host's "
	  "resctrl file system does" },
	{ "psr-cat-set", "hv does not manage Intel RDT cache allocation; the host's "
	  "resctrl file system does" },
	{ "psr-cat-show", "hv does not manage Intel RDT cache allocation; the host's "
	  "resctrl file system does" },
	{ "psr-mba-set", "hv does not manage Intel RDT memory bandwidth allocation; the "
	  "host's resctrl file system does" },
	{ "psr-mba-show", "hv does not manage Intel RDT memory bandwidth allocation; the "
	  "host's resctrl file system does" },
	/* devices hv-vmm does not have */
	{ "pci-attach", "hv has no PCI passthrough (hv-vmm gives domains virtio devices "
	  "only)" },
	{ "pci-detach", "hv has no PCI passthrough (hv-vmm gives domains virtio devices "
	  "only)" },
	{ "pci-list", "hv has no PCI passthrough (hv-vmm gives domains virtio devices "
	  "only)" },
	{ "pci-assignable-add", "hv has no PCI passthrough (hv-vmm gives domains virtio "
	  "devices only)" },
	{ "pci-assignable-remove", "hv has no PCI passthrough (hv-vmm gives domains virtio "
	  "devices only)" },
	{ "pci-assignable-list", "hv has no PCI passthrough (hv-vmm gives domains virtio "
	  "devices only)" },
	{ "usbctrl-attach", "hv's domains have no USB controllers" },
	{ "usbctrl-detach", "hv's domains have no USB controllers" },
	{ "usbdev-attach", "hv has no USB passthrough" },
	{ "usbdev-detach", "hv has no USB passthrough" },
	{ "usb-list", "hv's domains have no USB controllers" },
	{ "vtpm-attach", "hv's domains have no virtual TPM" },
	{ "vtpm-list", "hv's domains have no virtual TPM" },
	{ "vtpm-detach", "hv's domains have no virtual TPM" },
	{ "vkb-attach", "hv's domains have no virtual keyboard device (their console is "
	  "a serial port)" },
	{ "vkb-list", "hv's domains have no virtual keyboard device" },
	{ "vkb-detach", "hv's domains have no virtual keyboard device" },
	{ "vdispl-attach", "hv's domains have no virtual display" },
	{ "vdispl-list", "hv's domains have no virtual display" },
	{ "vdispl-detach", "hv's domains have no virtual display" },
	{ "vsnd-attach", "hv's domains have no virtual sound device" },
	{ "vsnd-list", "hv's domains have no virtual sound device" },
	{ "vsnd-detach", "hv's domains have no virtual sound device" },
};

#define NR_UNSUPPORTED (sizeof(unsupported) / sizeof(unsupported[0]))

const char *xl_unsupported_why(const char *name)
{
	for (size_t i = 0; i < NR_UNSUPPORTED; i++)
		if (!strcmp(unsupported[i].name, name))
			return unsupported[i].why;
	return NULL;
}

const char *xl_unsupported_name(size_t i)
{
	return i < NR_UNSUPPORTED ? unsupported[i].name : NULL;
}

int xl_unsupported(const char *name)
{
	fprintf(stderr, "xl: %s: not supported by hv: %s\n", name, xl_unsupported_why(name));
	return XL_FAIL;
}
