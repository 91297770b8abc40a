// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Console: COM1 16550, polled output, input by interrupt (IRQ 4) or by
 * polling. Lines from all CPUs are serialised by a spinlock.
 */
#include "minios.h"

#define COM1		0x3f8
#define UART_THR	0
#define UART_RBR	0
#define UART_IER	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define LSR_DR		0x01
#define LSR_THRE	0x20

volatile u32 con_events;
static volatile u32 con_lock;

void con_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);
	outb(COM1 + 0, 1);		/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x0b);	/* DTR, RTS, OUT2 (IRQ enable) */
	outb(COM1 + UART_IER, 0x01);	/* receive interrupt */
}

/*
 * The transmit FIFO holds 16 bytes: one status read per 16 bytes, since
 * each port access is an exit (and ring 0 is slow on PVM).
 */
static int con_fifo_room;

static void con_putc(char c)
{
	int spin = 0;

	if (!con_fifo_room) {
		while (!(inb(COM1 + UART_LSR) & LSR_THRE) && spin++ < 100000)
			cpu_relax();
		con_fifo_room = 16;
	}
	outb(COM1 + UART_THR, c);
	con_fifo_room--;
}

static u64 con_lock_take(void)
{
	u64 flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	while (__atomic_exchange_n(&con_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	return flags;
}

static void con_lock_drop(u64 flags)
{
	__atomic_store_n(&con_lock, 0, __ATOMIC_RELEASE);
	if (flags & 0x200)
		__asm__ volatile("sti" ::: "memory");
}

void con_write(const char *s, size_t n)
{
	u64 flags = con_lock_take();

	while (n--) {
		if (*s == '\n')
			con_putc('\r');
		con_putc(*s++);
	}
	con_lock_drop(flags);
}

void con_printf(const char *fmt, ...)
{
	char buf[256];
	__builtin_va_list ap;
	int n;

	__builtin_va_start(ap, fmt);
	n = lib_vsnprintf(buf, sizeof(buf), fmt, ap);
	__builtin_va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	con_write(buf, n);
}

void con_input_char(u8 c)
{
	if (c == 'v')
		__atomic_or_fetch(&con_events, EV_VERIFY, __ATOMIC_SEQ_CST);
}

void con_poll_input(void)
{
	int n = 0;

	while ((inb(COM1 + UART_LSR) & LSR_DR) && n++ < 64)
		con_input_char(inb(COM1 + UART_RBR));
}
