/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_I8042_H
#define HV_VMM_I8042_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/irq.h"

#define I8042_QUEUE 16

struct state_io;

struct i8042 {
	uint8_t cmd_byte;	/* controller configuration byte */
	uint8_t pending_cmd;	/* controller command waiting for its data byte */
	uint8_t kbd_cmd;	/* keyboard command waiting for its argument */
	bool kbd_enabled;	/* scanning enabled (F4/F5) */
	uint8_t queue[I8042_QUEUE];
	uint32_t q_head, q_count;
	struct irq_line irq;
	/* called when the guest pulses the reset line (command 0xfe) */
	void (*reset)(void *opaque);
	void *reset_opaque;
};

void i8042_init(struct i8042 *k);
void i8042_read(void *opaque, uint64_t off, void *data, unsigned int size);
void i8042_write(void *opaque, uint64_t off, const void *data, unsigned int size);
/* Types Ctrl-Alt-Del (press and release), as a translating i8042 delivers it. */
void i8042_ctrl_alt_del(struct i8042 *k);
void i8042_state(struct state_io *io, struct i8042 *k);

#endif
