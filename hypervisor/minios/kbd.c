// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * i8042 keyboard: only watches for Ctrl-Alt-Del (set-1 scancodes, as a
 * translating controller delivers them).
 */
#include "minios.h"

static int kbd_ctrl, kbd_alt, kbd_e0;

void kbd_init(void)
{
	int i;

	/* Drain anything pending, then take IRQ 1. */
	for (i = 0; i < 16 && (inb(0x64) & 1) && inb(0x64) != 0xff; i++)
		inb(0x60);
	ioapic_route(1, VEC_KBD, 0);
}

void kbd_irq(void)
{
	u8 sc;

	if (!(inb(0x64) & 1))
		return;
	sc = inb(0x60);
	if (sc == 0xe0) {
		kbd_e0 = 1;
		return;
	}
	switch (sc & 0x7f) {
	case 0x1d:
		kbd_ctrl = !(sc & 0x80);
		break;
	case 0x38:
		kbd_alt = !(sc & 0x80);
		break;
	case 0x53:
		if (!(sc & 0x80) && kbd_ctrl && kbd_alt) {
			con_puts("minios: ctrl-alt-del\n");
			main_do_action(ACTION_REBOOT);
		}
		break;
	}
	kbd_e0 = 0;
}
