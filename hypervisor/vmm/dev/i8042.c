/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * i8042 keyboard controller with a keyboard and no mouse: enough for a
 * guest's driver to probe it, for the reset line (reboot) and for injecting
 * Ctrl-Alt-Del.  Offsets: 0 = data port (0x60), 4 = command/status (0x64).
 */
#include <string.h>
#include "dev/i8042.h"
#include "log.h"
#include "snapshot/state.h"

#define STS_OBF		0x01	/* output buffer full */
#define STS_SYS		0x04	/* self-test passed */
#define STS_CMD		0x08	/* last write was a command */
#define STS_UNLOCKED	0x10	/* keyboard not inhibited by the keylock */
#define CB_KBD_INT	0x01
#define CB_SYS		0x04
#define CB_KBD_DISABLE	0x10
#define CB_AUX_DISABLE	0x20
#define CB_XLATE	0x40

void i8042_init(struct i8042 *k)
{
	k->cmd_byte = CB_KBD_INT | CB_SYS | CB_XLATE | CB_AUX_DISABLE;
	k->pending_cmd = 0;
	k->kbd_cmd = 0;
	k->kbd_enabled = true;
	k->q_head = k->q_count = 0;
}

static void i8042_update_irq(struct i8042 *k)
{
	irq_line_set(&k->irq, k->q_count && (k->cmd_byte & CB_KBD_INT));
}

static void i8042_push(struct i8042 *k, uint8_t v)
{
	if (k->q_count == I8042_QUEUE)
		return;
	k->queue[(k->q_head + k->q_count) % I8042_QUEUE] = v;
	k->q_count++;
}

void i8042_ctrl_alt_del(struct i8042 *k)
{
	static const uint8_t seq[] = { 0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d };

	for (size_t i = 0; i < sizeof(seq); i++)
		i8042_push(k, seq[i]);
	i8042_update_irq(k);
}

void i8042_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct i8042 *k = opaque;
	uint8_t v;

	if (off != 0 && off != 4) {	/* 0x61-0x63 lie between the two ports */
		memset(data, 0xff, size);
		return;
	}
	if (off == 0) {
		v = 0;
		if (k->q_count) {
			v = k->queue[k->q_head];
			k->q_head = (k->q_head + 1) % I8042_QUEUE;
			k->q_count--;
		}
		/* deliver the next byte with a fresh edge */
		irq_line_set(&k->irq, 0);
	} else {
		v = STS_SYS | STS_UNLOCKED | (k->pending_cmd ? STS_CMD : 0) | (k->q_count ? STS_OBF : 0);
	}
	memset(data, 0, size);
	*(uint8_t *)data = v;
	i8042_update_irq(k);
}

static void i8042_kbd_command(struct i8042 *k, uint8_t v)
{
	if (k->kbd_cmd) {
		/* the argument of LEDs, typematic rate or scancode set */
		if (k->kbd_cmd == 0xf0 && v == 0) {
			i8042_push(k, 0xfa);
			i8042_push(k, 0x41);	/* set 2, as seen through translation */
		} else {
			i8042_push(k, 0xfa);
		}
		k->kbd_cmd = 0;
		return;
	}
	switch (v) {
	case 0xed:	/* LEDs */
	case 0xf3:	/* typematic */
	case 0xf0:	/* scancode set */
		k->kbd_cmd = v;
		i8042_push(k, 0xfa);
		break;
	case 0xee:	/* echo */
		i8042_push(k, 0xee);
		break;
	case 0xf2:	/* identify: an MF2 keyboard */
		i8042_push(k, 0xfa);
		i8042_push(k, 0xab);
		i8042_push(k, (k->cmd_byte & CB_XLATE) ? 0x41 : 0x83);
		break;
	case 0xf4:
		k->kbd_enabled = true;
		i8042_push(k, 0xfa);
		break;
	case 0xf5:
		k->kbd_enabled = false;
		i8042_push(k, 0xfa);
		break;
	case 0xf6:	/* set defaults */
		i8042_push(k, 0xfa);
		break;
	case 0xff:	/* reset and self-test */
		k->kbd_enabled = true;
		i8042_push(k, 0xfa);
		i8042_push(k, 0xaa);
		break;
	default:
		i8042_push(k, 0xfe);	/* resend: unknown command */
		break;
	}
}

void i8042_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct i8042 *k = opaque;
	uint8_t v = *(const uint8_t *)data;

	if (off != 0 && off != 4) {
		guest_warn("guest: write to port 0x%llx, between the i8042's ports, ignored",
			   (unsigned long long)(0x60 + off));
		return;
	}
	if (off == 0) {
		uint8_t cmd = k->pending_cmd;

		k->pending_cmd = 0;
		switch (cmd) {
		case 0x60:
			k->cmd_byte = v;
			break;
		case 0xd1:	/* output port: bit 0 low holds the CPU in reset */
			if (!(v & 1) && k->reset)
				k->reset(k->reset_opaque);
			break;
		case 0xd2:	/* as if the keyboard sent it */
			i8042_push(k, v);
			break;
		case 0xd3:	/* to the aux port: there is no mouse */
		case 0xd4:
			break;
		default:
			i8042_kbd_command(k, v);
			break;
		}
		i8042_update_irq(k);
		return;
	}

	switch (v) {
	case 0x20:
		i8042_push(k, k->cmd_byte);
		break;
	case 0x60:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4:
		k->pending_cmd = v;
		break;
	case 0xa7:
		k->cmd_byte |= CB_AUX_DISABLE;
		break;
	case 0xa8:
		k->cmd_byte &= ~CB_AUX_DISABLE;
		break;
	case 0xa9:	/* aux interface test: clock line stuck low (no mouse) */
		i8042_push(k, 0x01);
		break;
	case 0xaa:	/* controller self-test */
		i8042_push(k, 0x55);
		break;
	case 0xab:	/* keyboard interface test */
		i8042_push(k, 0x00);
		break;
	case 0xad:
		k->cmd_byte |= CB_KBD_DISABLE;
		break;
	case 0xae:
		k->cmd_byte &= ~CB_KBD_DISABLE;
		break;
	case 0xc0:	/* input port */
		i8042_push(k, 0x80);
		break;
	case 0xd0:	/* output port: A20 on, not in reset */
		i8042_push(k, 0x03);
		break;
	case 0xfe:	/* pulse the reset line */
		if (k->reset)
			k->reset(k->reset_opaque);
		break;
	default:
		if (v >= 0xf0 && !(v & 1) && k->reset)	/* pulse output bits incl. reset */
			k->reset(k->reset_opaque);
		break;
	}
	i8042_update_irq(k);
}

void i8042_state(struct state_io *io, struct i8042 *k)
{
	uint8_t q[I8042_QUEUE];

	if (state_begin(io, "i8042", 1))
		return;
	memset(q, 0, sizeof(q));
	if (!io->loading)
		for (uint32_t i = 0; i < k->q_count; i++)
			q[i] = k->queue[(k->q_head + i) % I8042_QUEUE];
	state_u8(io, "cmd_byte", &k->cmd_byte);
	state_u8(io, "pending_cmd", &k->pending_cmd);
	state_u8(io, "kbd_cmd", &k->kbd_cmd);
	state_bool(io, "kbd_enabled", &k->kbd_enabled);
	state_u32(io, "queue_count", &k->q_count);
	state_bytes(io, "queue", q, sizeof(q));
	if (io->loading && !io->err) {
		if (k->q_count > I8042_QUEUE)
			state_fail(io, "queue count %u out of range", k->q_count);
		memcpy(k->queue, q, sizeof(q));
		k->q_head = 0;
	}
	state_end(io);
	if (io->loading && !io->err)
		i8042_update_irq(k);
}
