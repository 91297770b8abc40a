/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "dev/pm.h"
#include "log.h"
#include "platform.h"
#include "snapshot/state.h"

#define PM_OFF_STS	0
#define PM_OFF_EN	2
#define PM_OFF_CNT	(PLAT_PORT_PM1A_CNT - PLAT_PORT_PM1A_EVT)
#define PM_OFF_SLEEP	(PLAT_PORT_SLEEP_CNT - PLAT_PORT_PM1A_EVT)
#define PM_OFF_SLPSTS	(PLAT_PORT_SLEEP_STS - PLAT_PORT_PM1A_EVT)
#define PM_OFF_RESET	(PLAT_PORT_RESET - PLAT_PORT_PM1A_EVT)
#define PM1_WAK_STS	(1u << 15)

void pm_init(struct pm *pm)
{
	pm->pm1_sts = pm->pm1_en = 0;
	pm->pm1_cnt = PLAT_PM1_SCI_EN;	/* no SMM: always in ACPI mode */
	pm->sleep_sts = 0;
	pm->gpe_sts = pm->gpe_en = 0;
	pm->pcihp_up = pm->pcihp_down = 0;
}

static void pm_update_sci(struct pm *pm)
{
	irq_line_set(&pm->sci, !!(pm->pm1_sts & pm->pm1_en & PLAT_PM1_PWRBTN) ||
			       !!(pm->gpe_sts & pm->gpe_en));
}

void pm_power_button(struct pm *pm)
{
	pm->pm1_sts |= PLAT_PM1_PWRBTN;
	pm_update_sci(pm);
}

static void pm_sleep(struct pm *pm, unsigned int typ)
{
	if (typ == PLAT_SLP_TYP_S5) {
		if (pm->poweroff)
			pm->poweroff(pm->opaque);
		return;
	}
	guest_warn("guest: ACPI sleep type %u requested; only S5 (poweroff) exists", typ);
}

void pm_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct pm *pm = opaque;
	uint8_t regs[PM_PORTS] = { 0 };
	uint64_t v = 0;

	memcpy(&regs[PM_OFF_STS], &pm->pm1_sts, 2);
	memcpy(&regs[PM_OFF_EN], &pm->pm1_en, 2);
	memcpy(&regs[PM_OFF_CNT], &pm->pm1_cnt, 2);
	regs[PM_OFF_SLPSTS] = pm->sleep_sts;
	if (off < PM_PORTS)
		memcpy(&v, &regs[off], size <= PM_PORTS - off ? size : PM_PORTS - off);
	memcpy(data, &v, size);
}

void pm_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pm *pm = opaque;
	uint64_t v = 0;

	memcpy(&v, data, size);
	/* a wide write covers the following registers too */
	for (unsigned int i = 0; i < size; i++, off++) {
		uint8_t b = v >> (8 * i);

		switch (off) {
		case PM_OFF_STS:
		case PM_OFF_STS + 1:	/* write 1 to clear */
			pm->pm1_sts &= ~((uint16_t)b << (8 * (off - PM_OFF_STS)));
			break;
		case PM_OFF_EN:
		case PM_OFF_EN + 1:
			pm->pm1_en = (pm->pm1_en & ~(0xffu << (8 * (off - PM_OFF_EN)))) |
				     ((uint16_t)b << (8 * (off - PM_OFF_EN)));
			break;	/* kept as written: Linux reads GBL_EN back */
		case PM_OFF_CNT:
			pm->pm1_cnt = (pm->pm1_cnt & 0xff00) | b | PLAT_PM1_SCI_EN;
			break;
		case PM_OFF_CNT + 1: {
			uint16_t cnt = (pm->pm1_cnt & 0x00ff) | ((uint16_t)b << 8);

			if (cnt & PLAT_PM1_SLP_EN) {
				cnt &= ~PLAT_PM1_SLP_EN;	/* SLP_EN reads as 0 */
				pm->pm1_cnt = cnt;
				pm_sleep(pm, (cnt >> 10) & 7);
			}
			pm->pm1_cnt = cnt;
			break;
		}
		case PM_OFF_SLEEP:
			if (b & PLAT_SLEEP_SLP_EN)
				pm_sleep(pm, (b >> 2) & 7);
			break;
		case PM_OFF_SLPSTS:	/* write 1 to clear WAK_STS */
			pm->sleep_sts &= ~b;
			break;
		case PM_OFF_RESET:
			if (b == PLAT_RESET_VALUE && pm->reset)
				pm->reset(pm->opaque);
			break;
		default:
			break;
		}
	}
	pm_update_sci(pm);
}

void pm_gpe_raise(struct pm *pm, unsigned int gpe)
{
	pm->gpe_sts |= 1u << gpe;
	pm_update_sci(pm);
}

void pm_gpe_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct pm *pm = opaque;
	uint8_t regs[PM_GPE_PORTS];
	uint64_t v = 0;

	memcpy(&regs[0], &pm->gpe_sts, 2);
	memcpy(&regs[2], &pm->gpe_en, 2);
	if (off < PM_GPE_PORTS)
		memcpy(&v, &regs[off], size <= PM_GPE_PORTS - off ? size : PM_GPE_PORTS - off);
	memcpy(data, &v, size);
}

void pm_gpe_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct pm *pm = opaque;
	uint64_t v = 0;

	memcpy(&v, data, size);
	for (unsigned int i = 0; i < size; i++, off++) {
		uint16_t b = (uint8_t)(v >> (8 * i));

		if (off < 2)		/* status: write 1 to clear */
			pm->gpe_sts &= ~(b << (8 * off));
		else if (off < 4)
			pm->gpe_en = (pm->gpe_en & ~(0xffu << (8 * (off - 2)))) | b << (8 * (off - 2));
	}
	pm_update_sci(pm);
}

void pm_state(struct state_io *io, struct pm *pm)
{
	if (state_begin(io, "acpi-pm", 2))
		return;
	state_u16(io, "pm1_sts", &pm->pm1_sts);
	state_u16(io, "pm1_en", &pm->pm1_en);
	state_u16(io, "pm1_cnt", &pm->pm1_cnt);
	state_u8(io, "sleep_sts", &pm->sleep_sts);
	if (!io->loading || io->version >= 2) {
		state_u16(io, "gpe_sts", &pm->gpe_sts);
		state_u16(io, "gpe_en", &pm->gpe_en);
		state_u32(io, "pcihp_up", &pm->pcihp_up);
		state_u32(io, "pcihp_down", &pm->pcihp_down);
	}
	state_end(io);
	if (io->loading && !io->err)
		pm_update_sci(pm);
}
