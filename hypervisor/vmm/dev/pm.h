/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_PM_H
#define HV_VMM_PM_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"

struct state_io;

/*
 * ACPI fixed hardware: PM1a event (status/enable) and control blocks, the
 * hardware-reduced sleep control/status registers and the reset register.
 * One range of ports starting at PLAT_PORT_PM1A_EVT.
 */
struct pm {
	uint16_t pm1_sts, pm1_en, pm1_cnt;
	uint8_t sleep_sts;
	uint16_t gpe_sts, gpe_en;	/* GPE0 block, at PLAT_PORT_GPE0 */
	uint32_t pcihp_up, pcihp_down;	/* PCI hotplug (dev/pcihp.h) */
	struct irq_line sci;
	void (*poweroff)(void *opaque);
	void (*reset)(void *opaque);
	void *opaque;
};

#define PM_PORTS 11	/* 0x600-0x60a */
#define PM_GPE_PORTS 4	/* PLAT_PORT_GPE0: status, enable (16 GPEs) */

void pm_init(struct pm *pm);
void pm_read(void *opaque, uint64_t off, void *data, unsigned int size);
void pm_write(void *opaque, uint64_t off, const void *data, unsigned int size);
void pm_gpe_read(void *opaque, uint64_t off, void *data, unsigned int size);
void pm_gpe_write(void *opaque, uint64_t off, const void *data, unsigned int size);
/* Raises general-purpose event @gpe: an SCI if the OS enabled it. */
void pm_gpe_raise(struct pm *pm, unsigned int gpe);
/* Presses the power button: a graceful shutdown request. */
void pm_power_button(struct pm *pm);
void pm_state(struct state_io *io, struct pm *pm);

#endif
