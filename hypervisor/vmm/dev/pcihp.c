/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ACPI PCI hotplug registers: see pcihp.h and the DSDT's PCNT method. */
#include <string.h>
#include "dev/pcihp.h"
#include "dev/pm.h"
#include "log.h"
#include "platform.h"

void pcihp_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct pcihp *hp = opaque;
	uint64_t v = 0;

	/* PCNT reads each register whole; UP is cleared once seen */
	if (off == 0 && size == 4) {
		v = hp->pm->pcihp_up;
		hp->pm->pcihp_up = 0;
	} else if (off == 4 && size == 4) {
		v = hp->pm->pcihp_down;
	}
	memcpy(data, &v, size);
}

void pcihp_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pcihp *hp = opaque;
	uint32_t v = 0;

	if (off != 8 || size != 4) {
		guest_warn("guest: PCI hotplug: write to offset %u (size %u) ignored",
			   (unsigned int)off, size);
		return;
	}
	memcpy(&v, data, 4);
	for (unsigned int slot = 1; slot < 32; slot++)
		if (v & (1u << slot)) {
			hp->pm->pcihp_down &= ~(1u << slot);
			if (hp->eject)
				hp->eject(hp->opaque, slot);
		}
}

void pcihp_plugged(struct pcihp *hp, unsigned int slot)
{
	hp->pm->pcihp_up |= 1u << slot;
	hp->pm->pcihp_down &= ~(1u << slot);
	pm_gpe_raise(hp->pm, PLAT_GPE_PCIHP);
}

void pcihp_request_eject(struct pcihp *hp, unsigned int slot)
{
	hp->pm->pcihp_down |= 1u << slot;
	pm_gpe_raise(hp->pm, PLAT_GPE_PCIHP);
}
