// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Local APIC (x2APIC when the CPU has it, else xAPIC MMIO), its timer,
 * the I/O APIC, and starting the application processors with INIT/SIPI.
 */
#include "minios.h"

#define MSR_APIC_BASE	0x1b
#define APIC_ID		0x20
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ICR	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_TIMER_INIT	0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0

#define APIC_TIMER_ONESHOT	0
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_MASKED	(1u << 16)
#define APIC_TIMER_FIRST_US	50	/* first tick soon: "timer ok" */

volatile u64 apic_ticks;
u32 apic_bsp_id;
static u32 apic_timer_period;
static int apic_x2;
static u64 apic_base = 0xfee00000;
static volatile int apic_ap_up;
static volatile int apic_ap_index;
static u8 apic_ap_stacks[MAX_CPUS][8192] __stack;

static u32 apic_read(u32 reg)
{
	if (apic_x2)
		return rdmsr(0x800 + (reg >> 4));
	return mmio_read32(apic_base + reg);
}

static void apic_write(u32 reg, u32 v)
{
	if (apic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio_write32(apic_base + reg, v);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

u32 apic_id(void)
{
	return apic_x2 ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

static void apic_enable_local(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	base |= 1u << 11;
	if (apic_x2)
		base |= 1u << 10;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
}

static void apic_send_ipi(u32 dest, u32 low)
{
	int i;

	if (apic_x2) {
		wrmsr(0x830, (u64)dest << 32 | low);
		return;
	}
	mmio_write32(apic_base + APIC_ICR_HI, dest << 24);
	mmio_write32(apic_base + APIC_ICR, low);
	for (i = 0; i < 1000 && (mmio_read32(apic_base + APIC_ICR) & (1u << 12)); i++)
		cpu_relax();
}

static void ioapic_write(u32 reg, u32 v)
{
	mmio_write32(acpi.ioapic_addr, reg);
	mmio_write32(acpi.ioapic_addr + 0x10, v);
}

void ioapic_route_gsi(u32 gsi, int vector, int level, int low)
{
	u32 pin;

	if (!acpi.ioapic_addr || gsi < acpi.ioapic_gsi_base)
		return;
	pin = gsi - acpi.ioapic_gsi_base;
	ioapic_write(0x11 + 2 * pin, apic_bsp_id << 24);
	ioapic_write(0x10 + 2 * pin, vector | (level ? 1u << 15 : 0) |
				     (low ? 1u << 13 : 0));
}

/* ISA IRQ, with the MADT's override if any (ISA default: edge, high). */
void ioapic_route(int irq, int vector, int unused)
{
	u32 gsi = irq;
	int level = 0, low = 0;

	if (acpi.iso_flags[irq] & 0x8000) {
		u16 fl = acpi.iso_flags[irq];

		gsi = acpi.iso_gsi[irq];
		low = (fl & 3) == 3;
		level = ((fl >> 2) & 3) == 3;
	}
	ioapic_route_gsi(gsi, vector, level, low);
}

void apic_init(void)
{
	u32 a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	apic_x2 = !!(c & (1u << 21));
	if (acpi.lapic_addr)
		apic_base = acpi.lapic_addr;
	/* Mask the 8259s: everything goes through the I/O APIC. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	apic_enable_local();
	apic_bsp_id = apic_id();
	if (opt_verbose)
		con_printf("minios: apic %s id=%u\n",
			   apic_x2 ? "x2apic" : "xapic", apic_bsp_id);
}

/* The timer's input clock (divided by 16) in kHz: from CPUID or measured. */
static u32 apic_timer_clock_khz(void)
{
	u32 count;

	if (apic_timer_khz)
		return apic_timer_khz / 16;
	apic_write(APIC_LVT_TIMER, APIC_TIMER_MASKED | APIC_TIMER_ONESHOT);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	udelay(10000);
	count = 0xffffffff - apic_read(APIC_TIMER_CUR);
	apic_write(APIC_TIMER_INIT, 0);
	return count / 10;
}

/*
 * A periodic timer at hz, whose first interrupt comes after
 * APIC_TIMER_FIRST_US rather than a whole period: a one-shot first, then
 * apic_timer_irq() switches to periodic.
 */
void apic_timer_start(u32 hz)
{
	u32 khz, first;

	apic_write(APIC_TIMER_DIV, 0x3);		/* divide by 16 */
	khz = apic_timer_clock_khz();
	if (opt_verbose)
		con_printf("minios: apic timer %u kHz\n", khz * 16);
	apic_timer_period = (u64)khz * 1000 / hz;
	if (!apic_timer_period)
		apic_timer_period = 1;
	first = khz * APIC_TIMER_FIRST_US / 1000;
	apic_write(APIC_LVT_TIMER, VEC_TIMER | APIC_TIMER_ONESHOT);
	apic_write(APIC_TIMER_INIT, first ? first : 1);
}

void apic_timer_irq(void)
{
	trap_report_nmis();
	if (!apic_ticks++) {
		apic_write(APIC_LVT_TIMER, VEC_TIMER | APIC_TIMER_PERIODIC);
		apic_write(APIC_TIMER_INIT, apic_timer_period);
	}
	apic_eoi();
}

void apic_ap_main(void)
{
	int idx = apic_ap_index;

	trap_load_ap();
	apic_enable_local();
	con_printf("minios: cpu %d online apic=%u\n", idx, apic_id());
	__atomic_store_n(&apic_ap_up, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static int apic_wait_up(u64 us)
{
	u64 end = rdtsc() + tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		if (__atomic_load_n(&apic_ap_up, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

void apic_smp_boot(void)
{
	u32 self = apic_bsp_id;
	int i, up = 1;
	u64 t0 = rdtsc();

	if (acpi.nr_cpus <= 1)
		return;
	memcpy((void *)TRAMP_BASE, tramp_start, tramp_end - tramp_start);
	for (i = 0; i < acpi.nr_cpus; i++) {
		u32 id = acpi.cpu_apic_id[i];

		if (id == self)
			continue;
		apic_ap_index = i;
		apic_ap_up = 0;
		ap_stack_top = (u64)apic_ap_stacks[i] + sizeof(apic_ap_stacks[i]);
		barrier();
		apic_send_ipi(id, 0x4500);			/* INIT */
		udelay(1000);
		apic_send_ipi(id, 0x4600 | (TRAMP_BASE >> 12));	/* SIPI */
		if (!apic_wait_up(10000)) {
			apic_send_ipi(id, 0x4600 | (TRAMP_BASE >> 12));
			if (!apic_wait_up(1000000)) {
				con_printf("minios: cpu %d (apic %u) did not start\n",
					   i, id);
				continue;
			}
		}
		up++;
	}
	if (opt_verbose)
		con_printf("minios: smp %d/%d cpus up in %lu us\n", up,
			   acpi.nr_cpus, (rdtsc() - t0) / (tsc_hz / 1000000));
}
