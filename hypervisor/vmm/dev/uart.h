/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_VMM_UART_H
#define HV_VMM_UART_H

#include <stddef.h>
#include <stdint.h>
#include "dev/irq.h"
#include "io.h"

#define UART_RX_SIZE 1024

struct state_io;

struct uart {
	uint8_t ier, lcr, mcr, lsr, scr, dll, dlm, fcr;
	bool thr_ipending;
	uint8_t rx[UART_RX_SIZE];
	uint32_t rx_head, rx_count;
	/*
	 * 1 + the place in the receive FIFO of the NUL a break put there
	 * (uart_break()), 0: none.  Not saved: a restore delivers a break
	 * that was pending as a plain NUL.
	 */
	uint32_t break_at;
	struct irq_line irq;
	void (*out)(void *opaque, const void *buf, size_t len);
	void *out_opaque;
};

void uart_init(struct uart *u);
void uart_read(void *opaque, uint64_t off, void *data, unsigned int size);
void uart_write(void *opaque, uint64_t off, const void *data, unsigned int size);
void uart_receive(struct uart *u, const uint8_t *buf, size_t len);
/*
 * A break on the line, as a 16550 receives one: a NUL in the receive FIFO
 * that the line status reports with its break bit (BI) while it is next
 * to be read.  Lost when the FIFO is full or in loopback, as on hardware.
 */
void uart_break(struct uart *u);
void uart_state(struct state_io *io, struct uart *u);

#endif
