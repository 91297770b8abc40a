// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * minios start-up: read the boot protocol's information, check the
 * platform, start the other CPUs, devices and timer, then hand over to the
 * ring-3 workloads (user.c).
 */
#include "minios.h"

#define PVH_MAGIC	0x336ec578

#define HV_SIG		0x76687668	/* "hvhv": hv-vmm's own leaf 0x40000100 */
#define MAIN_MAX_E820	32
#define MAIN_MAX_PHASES	16

struct user_config *user_cfg = &user_config_page;
u64 tsc_hz;
u32 apic_timer_khz;
u64 ram_bytes;
u64 ram_low_top;
int opt_action = ACTION_POWEROFF;
int opt_acpi_method;
int opt_verbose;

static u64 boot_rsdp;
static u64 boot_initrd, boot_initrd_size;
static char opt_hostile[128];

static struct {
	u64 addr, size;
	u32 type;
} main_e820[MAIN_MAX_E820];
static u32 main_nr_e820;

/* Boot phases, by the TSC: where ring-0 time goes ("verbose" shows it). */
static u64 main_phase_tsc[MAIN_MAX_PHASES];
static const char *main_phase_name[MAIN_MAX_PHASES];
static int main_nr_phases;

static void main_phase(const char *name)
{
	if (main_nr_phases == MAIN_MAX_PHASES)
		return;
	main_phase_tsc[main_nr_phases] = rdtsc();
	main_phase_name[main_nr_phases++] = name;
}

static u64 main_us(u64 tsc_delta)
{
	return tsc_delta / (tsc_hz / 1000000);
}

/* One line: each phase's time since the one before, in microseconds. */
static void main_show_phases(void)
{
	char buf[256];
	int i, n;

	n = lib_snprintf(buf, sizeof(buf), "minios: phases us:");
	for (i = 1; i < main_nr_phases && n < (int)sizeof(buf); i++)
		n += lib_snprintf(buf + n, sizeof(buf) - n, " %s=%lu",
				  main_phase_name[i],
				  main_us(main_phase_tsc[i] -
					  main_phase_tsc[i - 1]));
	con_printf("%s\n", buf);
}

void udelay(u64 us)
{
	u64 end = rdtsc() + tsc_hz / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}

static void main_copy_cmdline(u64 addr)
{
	const char *s = (const char *)addr;
	size_t i;

	if (!addr)
		return;
	for (i = 0; i < sizeof(boot_cmdline) - 1 && s[i]; i++)
		boot_cmdline[i] = s[i];
	boot_cmdline[i] = '\0';
}

static void main_add_e820(u64 addr, u64 size, u32 type)
{
	if (!size || main_nr_e820 == MAIN_MAX_E820)
		return;
	main_e820[main_nr_e820].addr = addr;
	main_e820[main_nr_e820].size = size;
	main_e820[main_nr_e820++].type = type;
	if (type != 1)
		return;
	ram_bytes += size;
	if (addr < 0x100000000UL && addr + size > ram_low_top)
		ram_low_top = addr + size > 0x100000000UL ?
			0x100000000UL : addr + size;
}

struct pvh_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};

struct pvh_mod {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct pvh_memmap {
	u64 addr, size;
	u32 type, reserved;
};

static void main_parse_pvh(const struct pvh_start_info *si)
{
	const struct pvh_memmap *mm;
	u32 i;

	if (si->magic != PVH_MAGIC) {
		con_printf("minios: bad hvm_start_info magic %08x\n", si->magic);
		return;
	}
	main_copy_cmdline(si->cmdline_paddr);
	boot_rsdp = si->rsdp_paddr;
	if (si->nr_modules && si->modlist_paddr) {
		const struct pvh_mod *m = (void *)si->modlist_paddr;

		boot_initrd = m->paddr;
		boot_initrd_size = m->size;
	}
	mm = (const void *)si->memmap_paddr;
	if (si->version >= 1 && mm)
		for (i = 0; i < si->memmap_entries && i < MAIN_MAX_E820; i++)
			main_add_e820(mm[i].addr, mm[i].size, mm[i].type);
}

static void main_parse_bzimage(const u8 *bp)
{
	const u8 *e820 = bp + 0x2d0;
	u32 n = bp[0x1e8], i;

	main_copy_cmdline(*(const u32 *)(bp + 0x228) |
			  (u64)*(const u32 *)(bp + 0xc8) << 32);
	boot_rsdp = *(const u64 *)(bp + 0x70);
	boot_initrd = *(const u32 *)(bp + 0x218) |
		      (u64)*(const u32 *)(bp + 0xc0) << 32;
	boot_initrd_size = *(const u32 *)(bp + 0x21c) |
			   (u64)*(const u32 *)(bp + 0xc4) << 32;
	for (i = 0; i < n && i < MAIN_MAX_E820; i++, e820 += 20)
		main_add_e820(*(const u64 *)e820, *(const u64 *)(e820 + 8),
			      *(const u32 *)(e820 + 16));
}

/* The value of word w if it starts with key, else NULL. */
static const char *main_key(const char *w, const char *key)
{
	for (; *key; w++, key++)
		if (*w != *key)
			return NULL;
	return w;
}

static int main_word_is(const char *v, const char *w)
{
	size_t n = lib_strlen(w);

	return !lib_strncmp(v, w, n) && (v[n] == ' ' || v[n] == '\0');
}

/* The word at v (up to a space) into dst, cut to size - 1 bytes. */
static void main_copy_word(char *dst, size_t size, const char *v)
{
	size_t i;

	for (i = 0; i < size - 1 && v[i] && v[i] != ' '; i++)
		dst[i] = v[i];
	dst[i] = '\0';
}

static void main_parse_workload(const char *v)
{
	struct workload *w;
	const char *e;

	if (user_cfg->nr_workloads >= MAX_WORKLOADS)
		return;
	w = &user_cfg->wl[user_cfg->nr_workloads];
	if (!lib_strncmp(v, "counter", 7)) {
		w->kind = WL_COUNTER;
		w->arg1 = 10;
		if (v[7] == ':')
			w->arg1 = lib_strtou(v + 8, &e);
		if (!w->arg1)
			w->arg1 = 10;
	} else if (!lib_strncmp(v, "dirty", 5)) {
		w->kind = WL_DIRTY;
		w->arg1 = 16;
		w->arg2 = 10;
		if (v[5] == ':') {
			w->arg1 = lib_strtou(v + 6, &e);
			if (*e == ':')
				w->arg2 = lib_strtou(e + 1, &e);
		}
		if (!w->arg1)
			w->arg1 = 1;
	} else if (main_word_is(v, "idle")) {
		w->kind = WL_IDLE;
	} else if (!lib_strncmp(v, "blk-", 4) || !lib_strncmp(v, "net-", 4)) {
		/* ring 3 parses it (ublkwl.c, unetwl.c): ring 0 is slow */
		w->kind = v[0] == 'b' ? WL_BLK : WL_NET;
		main_copy_word(w->spec, sizeof(w->spec), v + 4);
	} else if (!lib_strncmp(v, "balloon", 7) &&
		   (v[7] == ':' || v[7] == ' ' || !v[7])) {
		w->kind = WL_BALLOON;		/* uballoon.c parses the rest */
		main_copy_word(w->spec, sizeof(w->spec), v + 7);
	} else {
		con_printf("minios: unknown workload %s\n", v);
		return;
	}
	user_cfg->nr_workloads++;
}

static void main_parse_word(const char *w)
{
	const char *v;

	if ((v = main_key(w, "action="))) {
		if (main_word_is(v, "poweroff"))
			opt_action = ACTION_POWEROFF;
		else if (main_word_is(v, "reboot"))
			opt_action = ACTION_REBOOT;
		else if (main_word_is(v, "crash"))
			opt_action = ACTION_CRASH;
		else if (main_word_is(v, "halt"))
			opt_action = ACTION_HALT;
	} else if ((v = main_key(w, "acpi="))) {
		if (main_word_is(v, "pm1a"))
			opt_acpi_method = 1;
		else if (main_word_is(v, "sleepreg"))
			opt_acpi_method = 2;
	} else if ((v = main_key(w, "runtime="))) {
		user_cfg->runtime_s = lib_strtou(v, NULL);
	} else if ((v = main_key(w, "workload="))) {
		main_parse_workload(v);
	} else if ((v = main_key(w, "hostile="))) {
		main_copy_word(opt_hostile, sizeof(opt_hostile), v);
	} else if ((v = main_key(w, "net-ip="))) {
		main_copy_word(user_cfg->net_ip, sizeof(user_cfg->net_ip), v);
	} else if ((v = main_key(w, "net-ip6="))) {
		main_copy_word(user_cfg->net_ip6, sizeof(user_cfg->net_ip6), v);
	} else if (main_key(w, "verify")) {
		user_cfg->verify_at_end = 1;
	} else if (main_word_is(w, "verbose")) {
		opt_verbose = 1;
	}
}

/* One pass over the command line's words (ring 0 is slow: no rescans). */
static void main_parse_options(void)
{
	const char *s = boot_cmdline;

	for (;;) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		main_parse_word(s);
		while (*s && *s != ' ')
			s++;
	}
}

/*
 * Leaf 0x40000010 (hv-vmm, also VMware and others): TSC and LAPIC timer
 * frequencies in kHz, which spare the calibrations against the PIT.
 * Returns whether this is hv-vmm, whose UART transmitter is always ready.
 */
int on_hv;

static int main_read_cpuid(void)
{
	u32 a, b, c, d, max;
	int hv;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))		/* no hypervisor */
		return 0;
	cpuid(0x40000100, 0, &a, &b, &c, &d);
	hv = b == HV_SIG && c == HV_SIG && d == HV_SIG;
	cpuid(0x40000000, 0, &max, &b, &c, &d);
	if (max >= 0x40000010 && max < 0x40010000) {
		cpuid(0x40000010, 0, &a, &b, &c, &d);
		tsc_hz = (u64)a * 1000;
		if (a)
			apic_timer_khz = b;
	}
	return hv;
}

/* The PIT's channel 0 as a reference clock: count 10 ms of PIT ticks. */
static u64 main_pit_read(void)
{
	u8 lo, hi;

	outb(0x43, 0x00);
	lo = inb(0x40);
	hi = inb(0x40);
	return lo | (u32)hi << 8;
}

static void main_calibrate_tsc(void)
{
	u64 t0, t1, prev, cur, elapsed = 0;
	int spins = 0;

	outb(0x43, 0x34);
	outb(0x40, 0);
	outb(0x40, 0);
	prev = main_pit_read();
	t0 = rdtsc();
	while (elapsed < 11932 && spins++ < 100000) {
		cur = main_pit_read();
		elapsed += (prev - cur) & 0xffff;
		prev = cur;
	}
	t1 = rdtsc();
	outb(0x43, 0x30);		/* one-shot: stop the periodic IRQ 0 */
	outb(0x40, 0);
	outb(0x40, 0);
	if (elapsed < 11932) {
		tsc_hz = 2000000000UL;
		con_puts("minios: no PIT, assuming a 2 GHz TSC\n");
		return;
	}
	tsc_hz = (t1 - t0) * 1193182 / elapsed;
}

void main_do_action(int action)
{
	__asm__ volatile("cli");
	switch (action) {
	case ACTION_POWEROFF:
		acpi_poweroff();
		break;
	case ACTION_REBOOT:
		acpi_reboot();
		break;
	case ACTION_CRASH: {
		static const struct { u16 limit; u64 base; }
			__attribute__((packed)) null_idt = { 0, 0 };
		u16 port = acpi_pvpanic_port();

		con_printf("minios: action crash (pvpanic port 0x%x)\n", port);
		outb(port, 1);
		udelay(100000);
		con_puts("minios: still alive, triple fault\n");
		__asm__ volatile("lidt %0; ud2" : : "m"(null_idt));
		break;
	}
	default:
		con_puts("minios: action halt\n");
		break;
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Moves next past the initrd if [next, next + size) would overlap it. */
static u64 main_clear_initrd(u64 next, u64 size)
{
	if (boot_initrd_size && next < boot_initrd + boot_initrd_size &&
	    next + size > boot_initrd)
		next = (boot_initrd + boot_initrd_size + 0x1fffff) &
		       ~0x1fffffUL;
	return next;
}

/*
 * Places each dirty working set in user RAM, clear of the initrd; the
 * rings and buffers of the disks and network cards get what follows, up
 * to the initrd or the end of user RAM.
 */
static void main_place_workloads(void)
{
	u64 next = USER_MEM_BASE, end;
	int i;

	for (i = 0; i < user_cfg->nr_workloads; i++) {
		struct workload *w = &user_cfg->wl[i];
		/* the pages, then one 64-bit checksum per page */
		u64 size = ((u64)w->arg1 << 20) + ((u64)w->arg1 << 11);

		if (w->kind != WL_DIRTY)
			continue;
		next = main_clear_initrd(next, size);
		if (next + size > ram_low_top || next + size > USER_MEM_END) {
			con_printf("minios: dirty: %u MiB does not fit\n",
				   w->arg1);
			w->arg1 = 0;
			continue;
		}
		w->base = next;
		next = (next + size + 0xfff) & ~0xfffUL;
	}
	if (!user_cfg->nr_blk && !user_cfg->nr_net && !user_cfg->nr_balloon)
		return;
	next = main_clear_initrd(next, 0x200000);
	end = ram_low_top < USER_MEM_END ? ram_low_top : USER_MEM_END;
	if (boot_initrd_size && boot_initrd >= next && boot_initrd < end)
		end = boot_initrd & ~0xfffUL;
	if (next < end) {
		user_cfg->dma_mem = next;
		user_cfg->dma_mem_end = end;
	}
}

/* What only "verbose" prints: the boot information as minios saw it. */
static void main_show_boot_info(u64 type)
{
	u32 i;

	con_printf("\nminios: start (%s)\n", type == BOOT_PVH ? "pvh" : "bzimage");
	for (i = 0; i < main_nr_e820; i++)
		con_printf("minios: e820 %016lx-%016lx type %u\n",
			   main_e820[i].addr,
			   main_e820[i].addr + main_e820[i].size - 1,
			   main_e820[i].type);
	con_printf("minios: ram %lu KiB\n", ram_bytes >> 10);
	con_printf("minios: cmdline \"%s\"\n", boot_cmdline);
}

void main_start(u64 info, u64 type, u64 entry_tsc);
void main_start(u64 info, u64 type, u64 entry_tsc)
{
	main_phase_tsc[0] = entry_tsc;
	main_phase_name[0] = "entry";
	main_nr_phases = 1;

	on_hv = main_read_cpuid();
	con_init(on_hv);
	if (type == BOOT_PVH)
		main_parse_pvh((const void *)info);
	else
		main_parse_bzimage((const void *)info);
	main_parse_options();
	if (opt_verbose)
		main_show_boot_info(type);
	main_phase("parse");
	trap_init();
	main_phase("trap");
	if (!tsc_hz)
		main_calibrate_tsc();
	if (opt_verbose) {
		con_printf("minios: tsc %lu kHz\n", tsc_hz / 1000);
		if (boot_initrd_size)
			con_printf("minios: initrd at 0x%lx size %lu\n",
				   boot_initrd, boot_initrd_size);
	}
	main_phase("tsc");
	acpi_init(boot_rsdp);
	main_phase("acpi");
	pci_scan();
	user_cfg->nr_blk = pci_virtio_probe(VIRTIO_ID_BLK, user_cfg->blk,
					    MAX_BLK, "blk");
	user_cfg->nr_net = pci_virtio_probe(VIRTIO_ID_NET, user_cfg->net,
					    MAX_NET, "net");
	user_cfg->nr_balloon = pci_virtio_probe(VIRTIO_ID_BALLOON,
						&user_cfg->balloon, 1, "balloon");
	main_phase("pci");
	user_cfg->boot.nr_cpus = acpi.nr_cpus;
	user_cfg->boot.mem_mib = ram_bytes >> 20;

	apic_init();
	ioapic_route(4, VEC_COM1, 0);
	apic_timer_start(100);
	main_phase("apic");
	apic_smp_boot();
	main_phase("smp");
	kbd_init();
	acpi_enable_power_button();
	main_phase("events");
	virtio_con_init();
	main_phase("virtio");

	/* The timer's first interrupt comes soon (apic_timer_start()). */
	__asm__ volatile("sti");
	while (!apic_ticks)
		__asm__ volatile("hlt");
	main_phase("tick");
	user_cfg->boot.timer_ticks = apic_ticks;
	if (opt_verbose) {
		con_printf("minios: boot took %lu us\n",
			   main_us(rdtsc() - entry_tsc));
		main_show_phases();
	}

	if (opt_hostile[0])
		hostile_run(opt_hostile);

	user_cfg->tsc_hz = tsc_hz;
	user_cfg->ram_top = ram_low_top;
	user_cfg->ram_bytes = ram_bytes;
	if (boot_initrd_size) {
		if (boot_initrd >= USER_MEM_BASE &&
		    boot_initrd + boot_initrd_size <= ram_low_top) {
			user_cfg->initrd_addr = boot_initrd;
			user_cfg->initrd_size = boot_initrd_size;
		} else {
			con_printf("minios: initrd size=%lu crc32=%08x\n",
				   boot_initrd_size,
				   lib_crc32(0, (void *)boot_initrd,
					     boot_initrd_size));
		}
	}
	main_place_workloads();
	user_cfg->start_tsc = rdtsc();
	user_enter((u64)user_main, (u64)user_stack + sizeof(user_stack));
}
