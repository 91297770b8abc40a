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

/* Byte sum, eight bytes at a time in 16-bit lanes (few ring-0 instructions). */
static u8 acpi_sum(const void *p, u32 n)
{
	const u64 m = 0x00ff00ff00ff00ffUL;
	const u8 *b = p;
	u64 lanes = 0;
	u8 s = 0;
	u32 i = 0;

	while (n - i >= 8) {
		u32 k;

		for (k = 0; k < 64 && n - i >= 8; k++, i += 8) {
			u64 w = *(const u64 *)(b + i);

			lanes += (w & m) + ((w >> 8) & m);
		}
		for (k = 0; k < 4; k++)
			s += (u8)(lanes >> (16 * k));
		lanes = 0;
	}
	for (; i < n; i++)
		s += b[i];
	return s;
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

/* Scans AML for \_S5 (SLP_TYPa) and the pvpanic device's I/O port. */
static void acpi_parse_dsdt(const u8 *t, u32 len)
{
	u32 i;

	const u32 s5 = 0x5f35535f, qemu = 0x554d4551;	/* "_S5_", "QEMU" */

	for (i = 36; i + 8 < len; i++) {
		u32 w = *(const u32 *)(t + i);

		if (w != s5 && w != qemu)
			continue;
		if (w == s5 && t[i + 4] == 0x12) {
			const u8 *p = t + i + 5;
			u32 pl = (p[0] >> 6) + 1;	/* PkgLength bytes */

			p += pl + 1;			/* and NumElements */
			if (p[0] == 0x0a)		/* BytePrefix */
				acpi.s5_typ = p[1] & 7;
			else if (p[0] <= 7)		/* Zero, One, or raw */
				acpi.s5_typ = p[0];
		}
		if (w == qemu && !memcmp(t + i, "QEMU0001", 8)) {
			u32 j;

			for (j = i + 8; j < i + 160 && j + 4 < len; j++)
				if (t[j] == 0x47 && t[j + 1] <= 1) {
					acpi.pvpanic_port = t[j + 2] |
							    t[j + 3] << 8;
					break;
				}
		}
	}
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
	acpi_parse_dsdt((const u8 *)d, d->length);
}

void acpi_init(u64 rsdp)
{
	const u8 *r;
	const struct sdt *root;
	u32 i, n, esz;

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
		con_printf("minios: acpi no RSDP\n");
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
		if (!memcmp(t->sig, "APIC", 4))
			acpi_parse_madt((const u8 *)t, t->length);
		else if (!memcmp(t->sig, "FACP", 4))
			acpi_parse_fadt((const u8 *)t, t->length);
	}
	if (!acpi.nr_cpus)
		acpi.nr_cpus = 1;
	if (acpi.ok)
		con_printf("minios: acpi ok tables=%d\n", acpi_tables);
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

		con_printf("minios: action poweroff (pm1a)\n");
		outw(acpi.pm1a_cnt, v | (acpi.s5_typ << 10) | (1u << 13));
	} else if (acpi.sleep_ctl) {
		con_printf("minios: action poweroff (sleepreg)\n");
		acpi_gas_write8(acpi.sleep_space, acpi.sleep_ctl,
				((acpi.s5_typ & 7) << 2) | (1u << 5));
	} else {
		con_printf("minios: action poweroff (none: no ACPI register)\n");
	}
	udelay(100000);
	con_printf("minios: poweroff failed\n");
}

void acpi_reboot(void)
{
	if ((acpi.fadt_flags & FADT_RESET_REG_SUP) && acpi.reset_reg) {
		con_printf("minios: action reboot (acpi-reset)\n");
		acpi_gas_write8(acpi.reset_space, acpi.reset_reg,
				acpi.reset_value);
		udelay(100000);
	}
	con_printf("minios: action reboot (i8042)\n");
	outb(0x64, 0xfe);
	udelay(100000);
	con_printf("minios: reboot failed\n");
}

void acpi_enable_power_button(void)
{
	u16 en_port;
	int i, level = 1, low = 1;
	u32 gsi = acpi.sci_int;

	if (!acpi.pm1a_evt || !acpi.pm1_evt_len) {
		con_printf("minios: power button: no PM1 event block\n");
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
	con_printf("minios: power button enabled (sci gsi %u %s %s)\n", gsi,
		   level ? "level" : "edge", low ? "low" : "high");
}

void acpi_sci(void)
{
	u16 sts;

	if (!acpi.pm1a_evt)
		return;
	sts = inw(acpi.pm1a_evt);
	outw(acpi.pm1a_evt, sts);
	if (sts & PM1_PWRBTN) {
		con_printf("minios: power button\n");
		main_do_action(ACTION_POWEROFF);
	}
}
