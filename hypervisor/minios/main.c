// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * minios start-up: read the boot protocol's information, check the
 * platform, start the other CPUs, devices and timer, then hand over to the
 * ring-3 workloads (user.c).
 */
#include "minios.h"

#define PVH_MAGIC	0x336ec578

char boot_cmdline[4096];
struct user_config *user_cfg = &user_config_page;
u64 tsc_hz;
u64 ram_bytes;
u64 ram_low_top;
int opt_action = ACTION_POWEROFF;
int opt_acpi_method;

static u64 boot_rsdp;
static u64 boot_initrd, boot_initrd_size;

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

static void main_add_ram(u64 addr, u64 size, u32 type)
{
	if (!size)
		return;
	con_printf("minios: e820 %016lx-%016lx type %u\n", addr,
		   addr + size - 1, type);
	if (type != 1 || !size)
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
		for (i = 0; i < si->memmap_entries && i < 128; i++)
			main_add_ram(mm[i].addr, mm[i].size, mm[i].type);
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
	for (i = 0; i < n && i < 128; i++, e820 += 20)
		main_add_ram(*(const u64 *)e820, *(const u64 *)(e820 + 8),
			     *(const u32 *)(e820 + 16));
}

/* Finds "key" as the start of a word at or after from; returns its value. */
const char *main_cmdline_find(const char *key, const char *from)
{
	size_t kl = lib_strlen(key);
	const char *s = from ? from : boot_cmdline;

	for (; *s; s++) {
		if ((s == boot_cmdline || s[-1] == ' ') &&
		    !lib_strncmp(s, key, kl))
			return s + kl;
	}
	return NULL;
}

static int main_word_is(const char *v, const char *w)
{
	size_t n = lib_strlen(w);

	return !lib_strncmp(v, w, n) && (v[n] == ' ' || v[n] == '\0');
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
	} else {
		con_printf("minios: unknown workload %s\n", v);
		return;
	}
	user_cfg->nr_workloads++;
}

static void main_parse_options(void)
{
	const char *v;

	v = main_cmdline_find("action=", NULL);
	if (v) {
		if (main_word_is(v, "reboot"))
			opt_action = ACTION_REBOOT;
		else if (main_word_is(v, "crash"))
			opt_action = ACTION_CRASH;
		else if (main_word_is(v, "halt"))
			opt_action = ACTION_HALT;
	}
	v = main_cmdline_find("acpi=", NULL);
	if (v && main_word_is(v, "pm1a"))
		opt_acpi_method = 1;
	else if (v && main_word_is(v, "sleepreg"))
		opt_acpi_method = 2;
	v = main_cmdline_find("runtime=", NULL);
	if (v)
		user_cfg->runtime_s = lib_strtou(v, NULL);
	if (main_cmdline_find("verify", NULL))
		user_cfg->verify_at_end = 1;
	for (v = main_cmdline_find("workload=", NULL); v;
	     v = main_cmdline_find("workload=", v))
		main_parse_workload(v);
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
	u32 a, b, c, d;
	u64 t0, t1, prev, cur, elapsed = 0;
	int spins = 0;

	cpuid(0x40000000, 0, &a, &b, &c, &d);
	if (a >= 0x40000010 && a < 0x40010000) {
		cpuid(0x40000010, 0, &a, &b, &c, &d);
		if (a) {
			tsc_hz = (u64)a * 1000;
			return;
		}
	}
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
		con_printf("minios: no PIT, assuming a 2 GHz TSC\n");
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

		con_printf("minios: action crash (pvpanic port 0x%x)\n",
			   acpi.pvpanic_port);
		outb(acpi.pvpanic_port, 1);
		udelay(100000);
		con_printf("minios: still alive, triple fault\n");
		__asm__ volatile("lidt %0; ud2" : : "m"(null_idt));
		break;
	}
	default:
		con_printf("minios: action halt\n");
		break;
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void main_show_cmdline(void)
{
	char buf[200];
	size_t n = lib_strlen(boot_cmdline);

	memcpy(buf, boot_cmdline, n < sizeof(buf) - 1 ? n : sizeof(buf) - 1);
	buf[n < sizeof(buf) - 1 ? n : sizeof(buf) - 1] = '\0';
	con_printf("minios: boot ok vcpus=%d mem=%lu cmdline=\"%s\"\n",
		   acpi.nr_cpus, ram_bytes >> 20, buf);
}

/* Places each dirty working set in user RAM, clear of the initrd. */
static void main_place_workloads(void)
{
	u64 next = USER_MEM_BASE;
	int i;

	for (i = 0; i < user_cfg->nr_workloads; i++) {
		struct workload *w = &user_cfg->wl[i];
		/* the pages, then one 64-bit checksum per page */
		u64 size = ((u64)w->arg1 << 20) + ((u64)w->arg1 << 11);

		if (w->kind != WL_DIRTY)
			continue;
		if (boot_initrd_size && next < boot_initrd + boot_initrd_size &&
		    next + size > boot_initrd)
			next = (boot_initrd + boot_initrd_size + 0x1fffff) &
			       ~0x1fffffUL;
		if (next + size > ram_low_top || next + size > USER_MEM_END) {
			con_printf("minios: dirty: %u MiB does not fit\n",
				   w->arg1);
			w->arg1 = 0;
			continue;
		}
		w->base = next;
		next = (next + size + 0xfff) & ~0xfffUL;
	}
}

void main_start(u64 info, u64 type);
void main_start(u64 info, u64 type)
{
	const char *hostile;
	u64 t0 = rdtsc();

	con_init();
	con_printf("\nminios: start (%s)\n", type == BOOT_PVH ? "pvh" : "bzimage");
	if (type == BOOT_PVH)
		main_parse_pvh((const void *)info);
	else
		main_parse_bzimage((const void *)info);
	con_printf("minios: ram %lu KiB\n", ram_bytes >> 10);
	con_printf("minios: cmdline \"%s\"\n", boot_cmdline);
	main_parse_options();
	trap_init();
	main_calibrate_tsc();
	con_printf("minios: tsc %lu kHz\n", tsc_hz / 1000);
	if (boot_initrd_size)
		con_printf("minios: initrd at 0x%lx size %lu\n", boot_initrd,
			   boot_initrd_size);
	acpi_init(boot_rsdp);
	pci_scan();
	main_show_cmdline();
	con_printf("minios: boot took %lu us\n", (rdtsc() - t0) / (tsc_hz / 1000000));

	apic_init();
	ioapic_route(4, VEC_COM1, 0);
	apic_timer_start(100);
	apic_smp_boot();
	kbd_init();
	acpi_enable_power_button();
	virtio_con_init();

	__asm__ volatile("sti");
	while (apic_ticks < 2)
		__asm__ volatile("hlt");
	con_printf("minios: timer ok ticks=%lu\n", apic_ticks);

	hostile = main_cmdline_find("hostile=", NULL);
	if (hostile) {
		char name[32];
		size_t i;

		for (i = 0; i < sizeof(name) - 1 && hostile[i] &&
			    hostile[i] != ' '; i++)
			name[i] = hostile[i];
		name[i] = '\0';
		hostile_run(name);
	}

	user_cfg->tsc_hz = tsc_hz;
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
