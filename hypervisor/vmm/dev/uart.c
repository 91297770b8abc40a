/* SPDX-License-Identifier: GPL-2.0-or-later */
/* COM1: a 16550A UART whose transmitter is always ready. */
#include <string.h>
#include "dev/uart.h"
#include "log.h"
#include "snapshot/state.h"

#define UART_LSR_DR	0x01
#define UART_LSR_BI	0x10
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IER_RLSI	0x04
#define UART_IIR_NONE	0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_FIFO	0xc0
#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02

void uart_init(struct uart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->fcr = 0;
	u->dll = 12;	/* 9600 baud, as firmware would leave it */
	u->dlm = 0;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	u->thr_ipending = false;
	u->rx_head = u->rx_count = 0;
	u->break_at = 0;
}

/* The line status: a break at the head of the FIFO shows as BI. */
static uint8_t uart_lsr(const struct uart *u)
{
	return UART_LSR_THRE | UART_LSR_TEMT | (u->rx_count ? UART_LSR_DR : 0) |
	       (u->rx_count && u->break_at == 1 ? UART_LSR_BI : 0);
}

static uint8_t uart_iir(const struct uart *u)
{
	uint8_t fifo = (u->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0;

	if ((u->ier & UART_IER_RLSI) && u->rx_count && u->break_at == 1)
		return fifo | UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count)
		return fifo | UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_ipending)
		return fifo | UART_IIR_THRI;
	return fifo | UART_IIR_NONE;
}

static void uart_update_irq(struct uart *u)
{
	/* OUT2 gates the interrupt line on PC hardware; Linux relies on it */
	irq_line_set(&u->irq, !(uart_iir(u) & UART_IIR_NONE) && (u->mcr & 0x08));
}

static void uart_push_rx(struct uart *u, uint8_t c)
{
	if (u->rx_count == UART_RX_SIZE)
		return;		/* overrun: the byte is lost, as on hardware */
	u->rx[(u->rx_head + u->rx_count) % UART_RX_SIZE] = c;
	u->rx_count++;
}

void uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	if (u->mcr & UART_MCR_LOOP)
		return;
	for (size_t i = 0; i < len; i++)
		uart_push_rx(u, buf[i]);
	uart_update_irq(u);
}

void uart_break(struct uart *u)
{
	if ((u->mcr & UART_MCR_LOOP) || u->rx_count == UART_RX_SIZE)
		return;
	uart_push_rx(u, 0);
	u->break_at = u->rx_count;
	uart_update_irq(u);
}

static uint8_t uart_msr(const struct uart *u)
{
	if (u->mcr & UART_MCR_LOOP)
		return ((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) |
		       ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4);
	return 0xb0;	/* DCD, DSR, CTS */
}

void uart_read(void *opaque, uint64_t off, void *data, unsigned int size)
{
	struct uart *u = opaque;
	uint8_t v = 0xff;

	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			v = u->dll;
		} else if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % UART_RX_SIZE;
			u->rx_count--;
			if (u->break_at)
				u->break_at--;
		} else {
			v = 0;
		}
		break;
	case 1:
		v = (u->lcr & UART_LCR_DLAB) ? u->dlm : u->ier;
		break;
	case 2:
		v = uart_iir(u);
		if ((v & 0x0f) == UART_IIR_THRI)
			u->thr_ipending = false;
		break;
	case 3:
		v = u->lcr;
		break;
	case 4:
		v = u->mcr;
		break;
	case 5:
		v = uart_lsr(u);
		break;
	case 6:
		v = uart_msr(u);
		break;
	case 7:
		v = u->scr;
		break;
	}
	memset(data, 0, size);
	*(uint8_t *)data = v;
	uart_update_irq(u);
}

void uart_write(void *opaque, uint64_t off, const void *data, unsigned int size)
{
	struct uart *u = opaque;
	uint8_t v = *(const uint8_t *)data;

	switch (off) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = v;
			break;
		}
		if (u->mcr & UART_MCR_LOOP)
			uart_push_rx(u, v);
		else if (u->out)
			u->out(u->out_opaque, &v, 1);
		u->thr_ipending = true;
		break;
	case 1:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* enabling THRI with an empty transmitter raises it at once */
		if ((v & UART_IER_THRI) && !(u->ier & UART_IER_THRI))
			u->thr_ipending = true;
		u->ier = v & 0x0f;
		break;
	case 2:
		if (v & UART_FCR_CLR_RX)
			u->rx_head = u->rx_count = u->break_at = 0;
		u->fcr = v & 0xc9;
		break;
	case 3:
		u->lcr = v;
		break;
	case 4:
		u->mcr = v & 0x1f;
		break;
	case 7:
		u->scr = v;
		break;
	default:
		break;	/* LSR and MSR are read-only */
	}
	uart_update_irq(u);
}

void uart_state(struct state_io *io, struct uart *u)
{
	uint8_t rx[UART_RX_SIZE];

	if (state_begin(io, "uart", 1))
		return;
	/* the receive FIFO is saved linearised, oldest byte first */
	memset(rx, 0, sizeof(rx));
	if (!io->loading)
		for (uint32_t i = 0; i < u->rx_count; i++)
			rx[i] = u->rx[(u->rx_head + i) % UART_RX_SIZE];
	state_u8(io, "ier", &u->ier);
	state_u8(io, "lcr", &u->lcr);
	state_u8(io, "mcr", &u->mcr);
	state_u8(io, "scr", &u->scr);
	state_u8(io, "dll", &u->dll);
	state_u8(io, "dlm", &u->dlm);
	state_u8(io, "fcr", &u->fcr);
	state_bool(io, "thr_ipending", &u->thr_ipending);
	state_u32(io, "rx_count", &u->rx_count);
	state_bytes(io, "rx", rx, sizeof(rx));
	if (io->loading && !io->err) {
		if (u->rx_count > UART_RX_SIZE || u->ier > 0x0f)
			state_fail(io, "receive FIFO count or IER out of range");
		memcpy(u->rx, rx, sizeof(rx));
		u->rx_head = 0;
		u->break_at = 0;
	}
	state_end(io);
	if (io->loading && !io->err)
		uart_update_irq(u);
}
