// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TSS, IDT, user pages, interrupt dispatch and system calls.
 */
#include "minios.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

static struct tss tss __attribute__((aligned(16)));
extern u8 idt[256 * 16];		/* built by head.S */
static u8 kstack[16384] __stack;
static u8 ist_stack[8192] __stack;

static const struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) idt_desc = { sizeof(idt) - 1, (u64)idt };

/*
 * The APs' IDT: the same gates, but NMI, #DF and #MC on the current stack
 * (IST 0): an AP loads no TSS (the one TSS is the BSP's), and only ever
 * halts in ring 0, so it needs no stack switch.
 */
static u8 idt_ap[256 * 16] __attribute__((aligned(16)));
static const struct {
	u16 limit;
	u64 base;
} __attribute__((packed)) idt_ap_desc = { sizeof(idt_ap) - 1, (u64)idt_ap };

void trap_load(void)
{
	__asm__ volatile("lidt %0" : : "m"(idt_desc));
}

void trap_load_ap(void)
{
	__asm__ volatile("lidt %0" : : "m"(idt_ap_desc));
}

/*
 * NMIs the host sent (xl trigger nmi), a bit per APIC id: taken on any
 * CPU, even one that holds the console lock, so they are only noted there
 * and reported by the BSP's timer interrupt (trap_report_nmis()).
 */
static volatile u64 nmi_pending;

void trap_report_nmis(void)
{
	u64 m = __atomic_exchange_n(&nmi_pending, 0, __ATOMIC_SEQ_CST);

	for (u32 id = 0; m; id++, m >>= 1)
		if (m & 1)
			con_printf("minios: nmi apic=%u\n", id);
}

void trap_init(void)
{
	u64 base = (u64)&tss, *desc = (u64 *)(gdt + SEL_TSS);
	u64 a;

	tss.rsp[0] = (u64)kstack + sizeof(kstack);
	tss.ist[0] = (u64)ist_stack + sizeof(ist_stack);
	tss.iomap_base = sizeof(tss);
	desc[0] = (sizeof(tss) - 1) | (base & 0xffffff) << 16 |
		  (u64)0x89 << 40 | ((base >> 24) & 0xff) << 56;
	desc[1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));

	trap_load();
	memcpy(idt_ap, idt, sizeof(idt_ap));
	for (int v = 0; v < 256; v++)
		if (v == 2 || v == 8 || v == 18)
			idt_ap[16 * v + 4] &= ~7;	/* the gate's IST field */

	/*
	 * The shared library and the workloads' code and data (ring 0 used
	 * the library already: drop the old translations).
	 */
	for (a = (u64)__user_start; a < (u64)__user_end; a += 4096) {
		pt0[a >> 12] |= 4;
		__asm__ volatile("invlpg (%0)" : : "r"(a) : "memory");
	}
}

static int trap_user_ptr(u64 p, u64 n)
{
	if (p + n < p)
		return 0;
	if (p >= (u64)__user_start && p + n <= (u64)__user_end)
		return 1;
	return p >= USER_MEM_BASE && p + n <= ram_low_top &&
	       p + n <= USER_MEM_END;
}

/*
 * After a restore: say so, and verify the dirty pages (the workload loop
 * learns it through EV_VERIFY).
 */
static void trap_check_resume(void)
{
	static u64 seen;
	u64 g;

	if (!on_hv)
		return;
	g = *(volatile u64 *)GENID_PAGE;
	if (g == seen)
		return;
	seen = g;
	con_printf("minios: resumed generation=%lu\n", g);
	__atomic_or_fetch(&con_events, EV_VERIFY, __ATOMIC_SEQ_CST);
}

static void trap_syscall(struct trap_frame *f)
{
	switch (f->rax) {
	case SYS_WRITE:
		if (trap_user_ptr(f->rdi, f->rsi) && f->rsi < 4096)
			con_write_raw((const char *)f->rdi, f->rsi);
		f->rax = 0;
		break;
	case SYS_SLEEP:
		for (;;) {
			con_poll_input();
			trap_check_resume();
			if (con_events || rdtsc() >= f->rdi)
				break;
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		}
		f->rax = __atomic_exchange_n(&con_events, 0, __ATOMIC_SEQ_CST);
		break;
	case SYS_EVENTS:
		con_poll_input();
		trap_check_resume();
		f->rax = __atomic_exchange_n(&con_events, 0, __ATOMIC_SEQ_CST);
		break;
	case SYS_EXIT:
		main_do_action(opt_action);
	default:
		f->rax = (u64)-1;
		break;
	}
}

void trap_handle(struct trap_frame *f)
{
	u64 cr2;

	switch (f->vector) {
	case 2:
		/* an NMI the host sent (xl trigger nmi): noted, minios goes on */
		__atomic_or_fetch(&nmi_pending, 1ull << (apic_id() & 63), __ATOMIC_SEQ_CST);
		return;
	case 6:
		/* ud2 from ring 3 is the system call (see user.c) */
		if ((f->cs & 3) == 3 && trap_user_ptr(f->rip, 2) &&
		    *(const u16 *)f->rip == 0x0b0f) {
			f->rip += 2;
			trap_syscall(f);
			return;
		}
		break;
	case VEC_TIMER:
		apic_timer_irq();
		return;
	case VEC_KBD:
		kbd_irq();
		apic_eoi();
		return;
	case VEC_COM1:
		con_poll_input();
		apic_eoi();
		return;
	case VEC_SCI:
		acpi_sci();
		apic_eoi();
		return;
	case VEC_VIRTIO_CFG:
	case VEC_VIRTIO_RX:
	case VEC_VIRTIO_TX:
		virtio_con_irq();
		apic_eoi();
		return;
	case VEC_SYSCALL:
		trap_syscall(f);
		return;
	case VEC_SPURIOUS:
		return;
	}
	if (f->vector >= 32) {
		apic_eoi();
		return;
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	con_printf("minios: exception %lu err=0x%lx rip=0x%lx cs=0x%lx cr2=0x%lx rsp=0x%lx\n",
		   f->vector, f->error, f->rip, f->cs, cr2, f->rsp);
	main_do_action(ACTION_CRASH);
}
