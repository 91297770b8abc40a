/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI PCI hotplug, as the DSDT's \_SB.PCI0 slot devices see it: three
 * 32-bit registers at PLAT_PORT_PCIHP, one bit per slot.
 *   +0 UP     slots with a new function: read by PCNT, which notifies
 *             the slot (device check); cleared when read
 *   +4 DOWN   slots whose function the host wants removed: PCNT sends an
 *             eject request; the guest's driver lets go and calls _EJ0
 *   +8 EJECT  written by _EJ0: the guest has let go of these slots
 * Each change raises GPE PLAT_GPE_PCIHP.  The registers live in struct pm
 * (pcihp_up, pcihp_down) and are saved with it.
 */
#ifndef HV_VMM_PCIHP_H
#define HV_VMM_PCIHP_H

#include <stdint.h>

struct pm;

#define PCIHP_PORTS 12

struct pcihp {
	struct pm *pm;
	/* the guest ejected @slot (called with the VM's io_lock held) */
	void (*eject)(void *opaque, unsigned int slot);
	void *opaque;
};

void pcihp_read(void *opaque, uint64_t off, void *data, unsigned int size);
void pcihp_write(void *opaque, uint64_t off, const void *data, unsigned int size);
/* A function was put in @slot: tell the guest. */
void pcihp_plugged(struct pcihp *hp, unsigned int slot);
/* Ask the guest to let go of @slot's function. */
void pcihp_request_eject(struct pcihp *hp, unsigned int slot);

#endif
