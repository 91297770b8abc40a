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
#define LSR_BI		0x10
#define LSR_THRE	0x20

/*
 * Ring 0 is slow on PVM hosts, so output goes out with one `rep outsb` per
 * chunk, each after the LSR says the transmitter is empty: a 16550's FIFO
 * then takes 16 bytes; hv-vmm's transmitter is always ready, so there a
 * chunk is a whole buffer (one status read per line). KVM still exits to
 * the VMM once per byte of `outs`: about 10 us a byte on PVM hosts.
 */
#define CON_FIFO	16
#define CON_BUF		256

volatile u32 con_events;
static volatile u32 con_lock;
static size_t con_chunk = CON_FIFO;

void con_init(int always_ready)
{
	if (always_ready)
		con_chunk = CON_BUF;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);
	outb(COM1 + 0, 1);		/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, 0x03);	/* 8N1 */
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x0b);	/* DTR, RTS, OUT2 (IRQ enable) */
	outb(COM1 + UART_IER, 0x01);	/* receive interrupt */
}

static void con_send(const char *p, size_t n)
{
	static int started;

	/* firmware may have left its last line unfinished */
	if (!started) {
		started = 1;
		con_send("\r\n", 2);
	}
	while (n) {
		size_t k = n < con_chunk ? n : con_chunk;
		int spin = 0;

		n -= k;
		while (!(inb(COM1 + UART_LSR) & LSR_THRE) && spin++ < 100000)
			cpu_relax();
		__asm__ volatile("rep outsb" : "+S"(p), "+c"(k)
			 : "d"((u16)(COM1 + UART_THR)) : "memory");
	}
}

/* Index of the first '\n' in s[0..n), or n; eight bytes per step. */
static size_t con_find_nl(const char *s, size_t n)
{
	const u64 ones = 0x0101010101010101UL;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		u64 w;

		__builtin_memcpy(&w, s + i, 8);
		w ^= 0x0a * ones;
		if ((w - ones) & ~w & (ones << 7))
			break;
	}
	for (; i < n; i++)
		if (s[i] == '\n')
			return i;
	return n;
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

/* Writes s with each "\n" as "\r\n". */
void con_write(const char *s, size_t n)
{
	char buf[CON_BUF];
	size_t len = 0;
	u64 flags = con_lock_take();

	while (n) {
		size_t run, room;

		if (len + 2 >= sizeof(buf)) {
			con_send(buf, len);
			len = 0;
		}
		room = sizeof(buf) - 2 - len;
		run = con_find_nl(s, n < room ? n : room);
		memcpy(buf + len, s, run);
		len += run;
		s += run;
		n -= run;
		if (n && *s == '\n') {
			buf[len++] = '\r';
			buf[len++] = '\n';
			s++;
			n--;
		}
	}
	con_send(buf, len);
	con_lock_drop(flags);
}

void con_write_raw(const char *s, size_t n)
{
	u64 flags = con_lock_take();

	con_send(s, n);
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

/* A serial break was received: the next byte is a SysRq key (xl sysrq). */
static volatile u32 con_break;

void con_poll_input(void)
{
	int n = 0;
	u8 lsr;

	while (((lsr = inb(COM1 + UART_LSR)) & LSR_DR) && n++ < 64) {
		u8 c = inb(COM1 + UART_RBR);

		if (lsr & LSR_BI) {
			/* the break's NUL: what Linux takes for the SysRq prefix */
			con_break = 1;
			con_printf("minios: serial break\n");
		} else if (__atomic_exchange_n(&con_break, 0, __ATOMIC_SEQ_CST)) {
			con_printf("minios: sysrq %c\n", c >= 0x21 && c <= 0x7e ? c : '?');
		} else {
			con_input_char(c);
		}
	}
}
