// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ACPI: find and check the tables, read the MADT and FADT, find \_S5 and
 * pvpanic in the DSDT; poweroff, reset and the power button.
 */
#include "minios.h"

#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED		(1u << 20)
#define PM1_PWRBTN		(1u << 8)
#define PM1_SCI_EN		(1u << 0)

struct acpi_info acpi;

struct sdt {
	char sig[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem[6];
	char oem_table[8];
	u32 oem_rev;
	u32 creator;
	u32 creator_rev;
} __attribute__((packed));

/*
 * Byte sum, sixteen bytes per step (ring 0 pays per instruction on PVM
 * hosts). Each word w is e + 256 * o, e and o holding its even and odd
 * bytes in 16-bit lanes; over at most 256 words no lane overflows, so the
 * sum of the words and the sum of the e give the sum of the o, and the
 * byte sum is the sum of all their lanes. The last n % 8 bytes are the
 * top of the table's last eight bytes.
 */
#define ACPI_SUM_BLOCK	254	/* words per block, + 2 at the end <= 256 */

static u8 acpi_lanes(u64 x)
{
	return x + (x >> 16) + (x >> 32) + (x >> 48);
}

static u8 acpi_sum(const void *p, u32 n)
{
	const u64 m = 0x00ff00ff00ff00ffUL;
	const u64 *w = p;
	u64 words = 0, even = 0, x;
	u32 nw = n / 8, i = 0;
	u8 s = 0;

	if (n < 8) {
		for (; i < n; i++)
			s += ((const u8 *)p)[i];
		return s;
	}
	for (;;) {
		u32 end = nw - i > ACPI_SUM_BLOCK ? i + ACPI_SUM_BLOCK : nw;

		for (; i + 2 <= end; i += 2) {
			words += w[i] + w[i + 1];
			even += (w[i] & m) + (w[i + 1] & m);
		}
		if (end == nw)
			break;
		s += acpi_lanes(even) + acpi_lanes((words - even) >> 8);
		words = even = 0;
	}
	if (i < nw) {
		words += w[i];
		even += w[i] & m;
	}
	if (n & 7) {
		x = *(const u64 *)((const u8 *)p + n - 8) >> (64 - 8 * (n & 7));
		words += x;
		even += x & m;
	}
	return s + acpi_lanes(even) + acpi_lanes((words - even) >> 8);
}

static u64 acpi_find_rsdp_in(u64 start, u64 end)
{
	const u64 sig = 0x2052545020445352UL;	/* "RSD PTR " */

	for (; start + 20 <= end; start += 16)
		if (*(const u64 *)start == sig && !acpi_sum((void *)start, 20))
			return start;
	return 0;
}

static int acpi_tables;
static const u8 *acpi_dsdt;	/* checked, not yet searched for pvpanic */
static u32 acpi_dsdt_len;

static int acpi_bad(const char *sig)
{
	char s[5];

	memcpy(s, sig, 4);
	s[4] = '\0';
	con_printf("minios: acpi BAD checksum %s\n", s);
	acpi.ok = 0;
	return 0;
}

static u64 acpi_gas_addr(const u8 *gas, u8 *space_r)
{
	*space_r = gas[0];
	return *(const u64 *)(gas + 4);
}

static void acpi_parse_madt(const u8 *t, u32 len)
{
	const u8 *p = t + 44, *end = t + len;

	acpi.lapic_addr = *(const u32 *)(t + 36);
	for (; p + 2 <= end && p[1] >= 2; p += p[1]) {
		switch (p[0]) {
		case 0:		/* processor local APIC */
			if ((*(const u32 *)(p + 4) & 1) &&
			    acpi.nr_cpus < MAX_CPUS)
				acpi.cpu_apic_id[acpi.nr_cpus++] = p[3];
			break;
		case 1:		/* I/O APIC */
			if (!acpi.ioapic_addr) {
				acpi.ioapic_addr = *(const u32 *)(p + 4);
				acpi.ioapic_gsi_base = *(const u32 *)(p + 8);
			}
			break;
		case 2:		/* interrupt source override */
			if (p[3] < 16) {
				acpi.iso_gsi[p[3]] = *(const u32 *)(p + 4);
				acpi.iso_flags[p[3]] = *(const u16 *)(p + 8) |
						       0x8000;
			}
			break;
		case 5:		/* local APIC address override */
			acpi.lapic_addr = *(const u64 *)(p + 4);
			break;
		case 9:		/* processor local x2APIC */
			if ((*(const u32 *)(p + 8) & 1) &&
			    acpi.nr_cpus < MAX_CPUS)
				acpi.cpu_apic_id[acpi.nr_cpus++] =
					*(const u32 *)(p + 4);
			break;
		}
	}
}

#define ACPI_ONES	0x0101010101010101UL
#define ACPI_HIGHS	0x8080808080808080UL

/* Nonzero if a byte of w is zero; its lowest set bit marks the first one. */
static u64 acpi_zero_byte(u64 w)
{
	return (w - ACPI_ONES) & ~w & ACPI_HIGHS;
}

/* "_S5_" at t[i - 2]: \_S5's package gives SLP_TYPa. */
static void acpi_s5_at(const u8 *t, u32 len, u32 i)
{
	const u8 *p;

	if (i < 38 || i + 6 >= len || *(const u32 *)(t + i - 2) != 0x5f35535f ||
	    t[i + 2] != 0x12)
		return;
	p = t + i + 3;
	p += (p[0] >> 6) + 2;		/* PkgLength bytes, NumElements */
	if (p[0] == 0x0a)		/* BytePrefix */
		acpi.s5_typ = p[1] & 7;
	else if (p[0] <= 7)		/* Zero, One, or raw */
		acpi.s5_typ = p[0];
}

/* "QEMU0001" at t[i]: the pvpanic device, then its I/O port descriptor. */
static void acpi_pvpanic_at(const u8 *t, u32 len, u32 i)
{
	u32 j;

	if (i + 8 >= len || *(const u64 *)(t + i) != 0x31303030554d4551UL)
		return;
	for (j = i + 8; j < i + 160 && j + 4 < len; j++)
		if (t[j] == 0x47 && t[j + 1] <= 1) {
			acpi.pvpanic_port = t[j + 2] | t[j + 3] << 8;
			return;
		}
}

/*
 * Calls at(t, len, i) for each AML byte t[i] == c, c being a byte of the
 * name looked for that is rare in AML: eight bytes per step.
 */
static void acpi_dsdt_scan(const u8 *t, u32 len, u8 c,
			   void (*at)(const u8 *t, u32 len, u32 i))
{
	u32 i;

	for (i = 36; i + 8 <= len; i += 8) {
		u64 m = acpi_zero_byte(*(const u64 *)(t + i) ^ (c * ACPI_ONES));

		for (; m; m &= m - 1)
			at(t, len, i + (__builtin_ctzl(m) >> 3));
	}
	for (; i < len; i++)
		if (t[i] == c)
			at(t, len, i);
}

/* Only the crash action needs it: the DSDT is searched then. */
u16 acpi_pvpanic_port(void)
{
	if (acpi_dsdt)
		acpi_dsdt_scan(acpi_dsdt, acpi_dsdt_len, 'Q', acpi_pvpanic_at);
	acpi_dsdt = NULL;
	return acpi.pvpanic_port;
}

static void acpi_parse_fadt(const u8 *t, u32 len)
{
	u64 dsdt = *(const u32 *)(t + 40);
	const struct sdt *d;

	acpi.sci_int = *(const u16 *)(t + 46);
	acpi.smi_cmd = *(const u32 *)(t + 48);
	acpi.acpi_enable = t[52];
	acpi.pm1a_evt = *(const u32 *)(t + 56);
	acpi.pm1a_cnt = *(const u32 *)(t + 64);
	acpi.pm1_evt_len = t[88];
	acpi.fadt_flags = len >= 116 ? *(const u32 *)(t + 112) : 0;
	if (len >= 129) {
		acpi.reset_reg = acpi_gas_addr(t + 116, &acpi.reset_space);
		acpi.reset_value = t[128];
	}
	if (len >= 148 && *(const u64 *)(t + 140))
		dsdt = *(const u64 *)(t + 140);
	if (len >= 160 && !acpi.pm1a_evt && t[148] == 1)
		acpi.pm1a_evt = *(const u32 *)(t + 152);
	if (len >= 184 && !acpi.pm1a_cnt && t[172] == 1)
		acpi.pm1a_cnt = *(const u32 *)(t + 176);
	if (len >= 256)
		acpi.sleep_ctl = acpi_gas_addr(t + 244, &acpi.sleep_space);
	if (!dsdt)
		return;
	d = (const void *)dsdt;
	if (acpi_sum(d, d->length)) {
		acpi_bad("DSDT");
		return;
	}
	acpi_tables++;
	acpi_dsdt = (const u8 *)d;
	acpi_dsdt_len = d->length;
	acpi_dsdt_scan(acpi_dsdt, acpi_dsdt_len, '5', acpi_s5_at);
}

void acpi_init(u64 rsdp)
{
	const u8 *r;
	const struct sdt *root;
	u32 i, n, esz;

	user_cfg->boot.acpi_tables = -1;
	acpi.s5_typ = 5;
	acpi.pvpanic_port = 0x505;
	if (!rsdp) {
		u64 bda = 0x40e, ebda;

		__asm__("" : "+r"(bda));	/* not a null pointer */
		ebda = (u64)*(const u16 *)bda << 4;

		if (ebda >= 0x80000 && ebda < 0xa0000)
			rsdp = acpi_find_rsdp_in(ebda, ebda + 1024);
		if (!rsdp)
			rsdp = acpi_find_rsdp_in(0xe0000, 0x100000);
	}
	if (!rsdp) {
		con_puts("minios: acpi no RSDP\n");
		acpi.nr_cpus = 1;
		return;
	}
	r = (const u8 *)rsdp;
	if (acpi_sum(r, 20) || (r[15] >= 2 && acpi_sum(r, *(const u32 *)(r + 20)))) {
		acpi_bad("RSDP");
		acpi.nr_cpus = 1;
		return;
	}
	if (r[15] >= 2 && *(const u64 *)(r + 24)) {
		root = (const void *)*(const u64 *)(r + 24);
		esz = 8;
	} else {
		root = (const void *)(u64)*(const u32 *)(r + 16);
		esz = 4;
	}
	acpi.ok = 1;
	if (acpi_sum(root, root->length)) {
		acpi_bad(root->sig);
		acpi.nr_cpus = 1;
		return;
	}
	acpi_tables++;
	n = (root->length - sizeof(*root)) / esz;
	for (i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(root + 1) + i * esz;
		u64 a = esz == 8 ? *(const u64 *)e : *(const u32 *)e;
		const struct sdt *t = (const void *)a;

		if (!a || acpi_sum(t, t->length)) {
			acpi_bad(a ? t->sig : "NULL");
			continue;
		}
		acpi_tables++;
		if (*(const u32 *)t->sig == 0x43495041)		/* "APIC" */
			acpi_parse_madt((const u8 *)t, t->length);
		else if (*(const u32 *)t->sig == 0x50434146)	/* "FACP" */
			acpi_parse_fadt((const u8 *)t, t->length);
	}
	if (!acpi.nr_cpus)
		acpi.nr_cpus = 1;
	if (acpi.ok)
		user_cfg->boot.acpi_tables = acpi_tables;
	if (!opt_verbose)
		return;
	con_printf("minios: acpi cpus=%d ioapic=0x%lx sci=%u pm1a_evt=0x%x pm1a_cnt=0x%x sleep=%u:0x%lx reset=%u:0x%lx flags=0x%x s5=%u\n",
		   acpi.nr_cpus, acpi.ioapic_addr, acpi.sci_int, acpi.pm1a_evt,
		   acpi.pm1a_cnt, acpi.sleep_space, acpi.sleep_ctl,
		   acpi.reset_space, acpi.reset_reg, acpi.fadt_flags,
		   acpi.s5_typ);
}

static void acpi_gas_write8(u8 space, u64 addr, u8 v)
{
	if (space == 1)
		outb(addr, v);
	else if (space == 0)
		mmio_write8(addr, v);
}

void acpi_poweroff(void)
{
	int method = opt_acpi_method;

	if (!method)
		method = (acpi.fadt_flags & FADT_HW_REDUCED) || !acpi.pm1a_cnt ?
			 2 : 1;
	if (method == 1 && acpi.pm1a_cnt) {
		u16 v = inw(acpi.pm1a_cnt) & ~(7u << 10);

		con_puts("minios: action poweroff (pm1a)\n");
		outw(acpi.pm1a_cnt, v | (acpi.s5_typ << 10) | (1u << 13));
	} else if (acpi.sleep_ctl) {
		con_puts("minios: action poweroff (sleepreg)\n");
		acpi_gas_write8(acpi.sleep_space, acpi.sleep_ctl,
				((acpi.s5_typ & 7) << 2) | (1u << 5));
	} else {
		con_puts("minios: action poweroff (none: no ACPI register)\n");
	}
	udelay(100000);
	con_puts("minios: poweroff failed\n");
}

void acpi_reboot(void)
{
	if ((acpi.fadt_flags & FADT_RESET_REG_SUP) && acpi.reset_reg) {
		con_puts("minios: action reboot (acpi-reset)\n");
		acpi_gas_write8(acpi.reset_space, acpi.reset_reg,
				acpi.reset_value);
		udelay(100000);
	}
	con_puts("minios: action reboot (i8042)\n");
	outb(0x64, 0xfe);
	udelay(100000);
	con_puts("minios: reboot failed\n");
}

void acpi_enable_power_button(void)
{
	u16 en_port;
	int i, level = 1, low = 1;
	u32 gsi = acpi.sci_int;

	if (!acpi.pm1a_evt || !acpi.pm1_evt_len) {
		con_puts("minios: power button: no PM1 event block\n");
		return;
	}
	if (acpi.smi_cmd && acpi.acpi_enable && acpi.pm1a_cnt &&
	    !(inw(acpi.pm1a_cnt) & PM1_SCI_EN)) {
		outb(acpi.smi_cmd, acpi.acpi_enable);
		for (i = 0; i < 1000 && !(inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
			udelay(100);
	}
	en_port = acpi.pm1a_evt + acpi.pm1_evt_len / 2;
	outw(acpi.pm1a_evt, PM1_PWRBTN);
	outw(en_port, inw(en_port) | PM1_PWRBTN);
	if (acpi.sci_int < 16 && (acpi.iso_flags[acpi.sci_int] & 0x8000)) {
		u16 fl = acpi.iso_flags[acpi.sci_int];

		gsi = acpi.iso_gsi[acpi.sci_int];
		if ((fl & 3) == 1)
			low = 0;
		if (((fl >> 2) & 3) == 1)
			level = 0;
	}
	ioapic_route_gsi(gsi, VEC_SCI, level, low);
	if (opt_verbose)
		con_printf("minios: power button enabled (sci gsi %u %s %s)\n",
			   gsi, level ? "level" : "edge", low ? "low" : "high");
}

void acpi_sci(void)
{
	u16 sts;

	if (!acpi.pm1a_evt)
		return;
	sts = inw(acpi.pm1a_evt);
	outw(acpi.pm1a_evt, sts);
	if (sts & PM1_PWRBTN) {
		con_puts("minios: power button\n");
		main_do_action(ACTION_POWEROFF);
	}
}
