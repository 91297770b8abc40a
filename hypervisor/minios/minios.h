/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * minios: the bundled test guest. Shared declarations.
 *
 * Ring 0 here is emulated instruction by instruction on some hosts (PVM), so
 * the kernel part stays small and does as little looping as it can; the
 * workloads run in ring 3 (user.c), which runs natively.
 */
#ifndef MINIOS_H
#define MINIOS_H

/* Constants, also for head.S. */

/* Segment selectors; the GDT is in head.S. */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_UDATA	0x1b
#define SEL_UCODE	0x23
#define SEL_KCODE32	0x28
#define SEL_TSS		0x30

/* Where the trampoline for the application processors is copied. */
#define TRAMP_BASE	0x1000

/* Interrupt vectors. */
#define VEC_TIMER	0x20
#define VEC_KBD		0x21
#define VEC_COM1	0x24
#define VEC_SCI		0x29
#define VEC_VIRTIO_CFG	0x30
#define VEC_VIRTIO_RX	0x31
#define VEC_VIRTIO_TX	0x32
#define VEC_SYSCALL	0x80
#define VEC_SPURIOUS	0xff

/* Boot protocols. */
#define BOOT_PVH	1
#define BOOT_BZIMAGE	2

/*
 * minios.ld places the interrupt stubs (head.S) here, so that the
 * assembler can build the IDT: no ring-0 loop at boot.
 */
#define ISR_STUBS	0x101000

#ifndef __ASSEMBLER__

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long s64;
typedef unsigned long size_t;

#define NULL ((void *)0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Stacks: left out of the image and never cleared (see minios.ld). */
#define __stack __attribute__((section(".stacks"), aligned(16)))

/*
 * System calls: ring 3 executes ud2 with the number in %rax and arguments
 * in %rdi, %rsi; the result comes back in %rax. Neither `syscall` nor
 * `int $0x80` from ring 3 reaches the guest kernel correctly on PVM hosts,
 * while exceptions do, on every KVM.
 */
#define SYS_WRITE	0	/* (buf, len): bytes as they are ("\r\n") */
#define SYS_SLEEP	1	/* (until_tsc) -> events */
#define SYS_EXIT	2	/* () -> runs the action, does not return */
#define SYS_EVENTS	3	/* () -> events, cleared */

#define EV_VERIFY	(1u << 0)

/*
 * hv-vmm's generation page (docs/platform.md): a u64 that each restore
 * raises.  Watched only on hv-vmm (on_hv), elsewhere the page is firmware's.
 */
#define GENID_PAGE	0xff000UL
extern int on_hv;

/* Actions at the end of the run. */
enum action {
	ACTION_POWEROFF,
	ACTION_REBOOT,
	ACTION_CRASH,
	ACTION_HALT,
};

/* User memory: 2 MiB pages from here up to 3 GiB are user-accessible. */
#define USER_MEM_BASE	0x400000UL
#define USER_MEM_END	0xc0000000UL

#define MAX_WORKLOADS	16
#define MAX_CPUS	64

enum workload_kind {
	WL_COUNTER,
	WL_DIRTY,
	WL_IDLE,
	WL_BLK,
	WL_NET,
	WL_BALLOON,
};

#define WL_SPEC_MAX	64

struct workload {
	int kind;
	u32 arg1;		/* counter: Hz; dirty: MiB */
	u32 arg2;		/* dirty: MiB/s */
	u64 base;		/* dirty: working set address */
	char spec[WL_SPEC_MAX];	/* blk, net: the text after "blk-" or "net-",
				   balloon: after "balloon"; parsed by ring 3 */
};

/*
 * A virtio-pci function as the kernel found it (pci_virtio_user()): where
 * its virtio-pci structures are. Their pages are user-accessible, so that
 * the drivers (ublk.c, unet.c, through uvirtio.c) run in ring 3.
 */
#define MAX_BLK		12
#define MAX_NET		4

struct user_pci {
	u8 dev, fn;
	u8 ok;			/* the structures were found and mapped */
	u64 common, notify, isr, device;
	u32 common_len, notify_mult, device_len;
};

#define MAX_PCI_FNS	32

/*
 * What the kernel found at boot, for ring 3 to print: formatting is pure
 * computation, native in ring 3 and emulated in ring 0 on PVM hosts.
 */
struct boot_report {
	int acpi_tables;	/* "acpi ok tables=N"; -1: no such line */
	int nr_cpus;
	u64 mem_mib;
	int virtio_ok;
	u64 timer_ticks;
	int nr_pci;
	struct {
		u8 dev, fn;
		u32 id;		/* device << 16 | vendor */
		u32 class;
	} pci[MAX_PCI_FNS];
};

/* What the kernel tells the ring-3 part; lives in a user page. */
struct user_config {
	struct boot_report boot;
	u64 tsc_hz;
	u64 start_tsc;
	u64 runtime_s;		/* 0: none */
	int verify_at_end;
	int nr_workloads;
	struct workload wl[MAX_WORKLOADS];
	u64 initrd_addr;	/* user-accessible initrd, or 0 */
	u64 initrd_size;
	u64 ram_top;		/* end of RAM below 4 GiB */
	int nr_blk;
	struct user_pci blk[MAX_BLK];
	int nr_net;
	struct user_pci net[MAX_NET];
	int nr_balloon;			/* 0 or 1: the first virtio-balloon */
	struct user_pci balloon;
	u64 ram_bytes;			/* all RAM (the e820 map's) */
	char net_ip[40];	/* net-ip=, net-ip6=: parsed by ring 3 */
	char net_ip6[64];
	u64 dma_mem, dma_mem_end;	/* user memory for the devices' rings, buffers */
	char hostile3[128];	/* hostile=blk-, net-, balloon-...: run by ring 3 */
};

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

/*
 * virtio-pci 1.x (virtio.c, ublk.c): the common configuration structure,
 * device status bits, split-ring descriptors.
 */
#define VC_DFSELECT	0x00
#define VC_DF		0x04
#define VC_GFSELECT	0x08
#define VC_GF		0x0c
#define VC_MSIX		0x10
#define VC_NUMQ		0x12
#define VC_STATUS	0x14
#define VC_CFGGEN	0x15
#define VC_QSELECT	0x16
#define VC_QSIZE	0x18
#define VC_QMSIX	0x1a
#define VC_QENABLE	0x1c
#define VC_QNOFF	0x1e
#define VC_QDESC	0x20
#define VC_QDRIVER	0x28
#define VC_QDEVICE	0x30

#define ST_ACK		0x01
#define ST_DRIVER	0x02
#define ST_DRIVER_OK	0x04
#define ST_FEATURES_OK	0x08
#define ST_NEEDS_RESET	0x40
#define ST_FAILED	0x80

#define DESC_NEXT	1
#define DESC_WRITE	2
#define DESC_INDIRECT	4

struct vring_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/* Port and MMIO access. */
static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u8 mmio_read8(u64 a)
{
	return *(volatile u8 *)a;
}

static inline u16 mmio_read16(u64 a)
{
	return *(volatile u16 *)a;
}

static inline u32 mmio_read32(u64 a)
{
	return *(volatile u32 *)a;
}

static inline void mmio_write8(u64 a, u8 v)
{
	*(volatile u8 *)a = v;
}

static inline void mmio_write16(u64 a, u16 v)
{
	*(volatile u16 *)a = v;
}

static inline void mmio_write32(u64 a, u32 v)
{
	*(volatile u32 *)a = v;
}

static inline void mmio_write64(u64 a, u64 v)
{
	*(volatile u64 *)a = v;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void barrier(void)
{
	__asm__ volatile("" ::: "memory");
}

/* lib.c: shared by both rings (it lives in user pages). */
int lib_vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list ap);
int lib_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t lib_strlen(const char *s);
int lib_strncmp(const char *a, const char *b, size_t n);
int lib_hexdigit(char c);
u64 lib_strtou(const char *s, const char **end);
u32 lib_crc32(u32 crc, const void *buf, size_t len);

/* console.c */
void con_init(int always_ready);
void con_write(const char *s, size_t n);
void con_write_raw(const char *s, size_t n);
#define con_puts(s) con_write(s, sizeof(s) - 1)	/* a literal, no formatting */
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_poll_input(void);
void con_input_char(u8 c);
extern volatile u32 con_events;

/* main.c */
extern char boot_cmdline[4096];		/* in a user page (user.c) */
extern struct user_config *user_cfg;
extern u64 tsc_hz;
extern u32 apic_timer_khz;	/* from CPUID, 0: calibrate */
extern u64 ram_bytes;
extern u64 ram_low_top;
extern int opt_action;
extern int opt_acpi_method;	/* 0 auto, 1 pm1a, 2 sleepreg */
extern int opt_verbose;
void main_do_action(int action) __attribute__((noreturn));
void udelay(u64 us);

/* acpi.c */
struct acpi_info {
	int ok;
	int nr_cpus;
	u32 cpu_apic_id[MAX_CPUS];
	u64 lapic_addr;
	u64 ioapic_addr;
	u32 ioapic_gsi_base;
	u32 iso_gsi[16];	/* ISA IRQ -> GSI */
	u16 iso_flags[16];
	u32 fadt_flags;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable;
	u32 pm1a_evt, pm1a_cnt;
	u8 pm1_evt_len;
	u8 sleep_space, reset_space;
	u64 sleep_ctl;
	u64 reset_reg;
	u8 reset_value;
	u8 s5_typ;
	u16 pvpanic_port;
};
extern struct acpi_info acpi;
void acpi_init(u64 rsdp_hint);
void acpi_poweroff(void);
void acpi_reboot(void);
void acpi_enable_power_button(void);
void acpi_sci(void);
u16 acpi_pvpanic_port(void);

/* pci.c */
u32 pci_read32(int bus, int dev, int fn, int off);
u16 pci_read16(int bus, int dev, int fn, int off);
u8 pci_read8(int bus, int dev, int fn, int off);
void pci_write32(int bus, int dev, int fn, int off, u32 v);
void pci_write16(int bus, int dev, int fn, int off, u16 v);
void pci_scan(void);
u64 pci_bar_addr(int bus, int dev, int fn, int bar);
/* A virtio-pci function's structures (virtio 1.x capabilities), and MSI-X. */
struct pci_virtio_caps {
	u64 common, notify, isr, device;
	u32 common_len, notify_mult, device_len;
	u64 msix_table;
	u16 msix_size;
	u8 msix_cap;		/* config offset of the MSI-X capability, 0: none */
	u16 msix_ctl;		/* its message control word as found */
};
void pci_virtio_caps(int dev, int fn, struct pci_virtio_caps *c);
void pci_virtio_user(struct user_pci *u, int dev, int fn, const char *what);
int pci_virtio_probe(u16 type, struct user_pci *u, int max, const char *what);
#define VIRTIO_ID_NET	1
#define VIRTIO_ID_BLK	2
#define VIRTIO_ID_BALLOON 5
int pci_find(u16 vendor, u16 device, int *dev_r, int *fn_r);
int pci_addr_in_bar(u64 addr);

/* apic.c */
void apic_init(void);
void apic_eoi(void);
u32 apic_id(void);
void apic_timer_start(u32 hz);
void apic_timer_irq(void);
void apic_smp_boot(void);
void apic_ap_main(void);
void ioapic_route(int isa_irq, int vector, int level_default);
void ioapic_route_gsi(u32 gsi, int vector, int level, int low);
extern volatile u64 apic_ticks;
extern u32 apic_bsp_id;	/* the boot CPU's APIC id */

/* trap.c */
void trap_init(void);
void trap_load(void);
void trap_load_ap(void);
void trap_report_nmis(void);
void trap_handle(struct trap_frame *f);
void user_enter(u64 rip, u64 rsp) __attribute__((noreturn));

/* kbd.c */
void kbd_init(void);
void kbd_irq(void);

/* virtio.c */
int virtio_con_init(void);
void virtio_con_write(const char *s, size_t n);
void virtio_con_irq(void);
int virtio_con_present(void);
u8 virtio_con_status(void);
int virtio_hostile(const char *name);

/* hostile.c */
void hostile_run(const char *name);

/* user.c (ring 3) */
void user_main(void) __attribute__((noreturn));
long user_syscall(long nr, long a, long b);
void user_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *user_alloc(u64 size, u64 align);
u64 user_alloc_mark(void);
void user_alloc_release(u64 mark);
int user_alloc_limit(u64 end);
u64 user_us(u64 tsc_delta);
u64 user_tsc_after_us(u64 us);
extern struct user_config user_config_page;
extern u8 user_stack[16384];

/* head.S */
extern char tramp_start[], tramp_end[];
extern u64 ap_stack_top;
extern u8 gdt[];
extern u64 pt0[];
extern u64 pd[];		/* 2048 entries: 2 MiB pages of the low 4 GiB */
extern char __user_start[], __user_end[];
extern char __image_end[];

#endif /* __ASSEMBLER__ */

#endif
