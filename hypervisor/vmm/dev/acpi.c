/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables for the guest (ACPI 6.0 layouts).
 *
 * Every table is written byte by byte in little-endian order at offsets
 * taken from the specification, so the layout does not depend on the
 * host compiler's struct packing. The DSDT comes from dsdt.asl; the SSDT
 * with the processor objects depends on the vCPU count and is built here.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "le.h"
#include "dev/acpi.h"
#include "platform.h"

#define ACPI_OEM_ID		"HV    "	/* 6 bytes */
#define ACPI_OEM_TABLE_ID	"HVVMM   "	/* 8 bytes */
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_ID		"HVVM"
#define ACPI_CREATOR_REVISION	1

/* Common table header (5.2.6). */
#define ACPI_HDR_LEN		36
#define ACPI_HDR_LENGTH		4
#define ACPI_HDR_CHECKSUM	9

/* RSDP (5.2.5.3). */
#define ACPI_RSDP_LEN		36
#define ACPI_RSDP_V1_LEN	20
#define ACPI_RSDP_CHECKSUM	8
#define ACPI_RSDP_OEM_ID	9
#define ACPI_RSDP_REVISION	15
#define ACPI_RSDP_RSDT		16
#define ACPI_RSDP_LENGTH	20
#define ACPI_RSDP_XSDT		24
#define ACPI_RSDP_EXT_CHECKSUM	32

/* FADT (5.2.9), revision 6. */
#define ACPI_FADT_LEN		276
#define ACPI_FADT_REVISION	6
#define ACPI_FADT_MINOR		0
#define ACPI_FADT_FIRMWARE_CTRL	36
#define ACPI_FADT_DSDT		40
#define ACPI_FADT_PM_PROFILE	45
#define ACPI_FADT_SCI_INT	46
#define ACPI_FADT_PM1A_EVT_BLK	56
#define ACPI_FADT_PM1A_CNT_BLK	64
#define ACPI_FADT_GPE0_BLK	80
#define ACPI_FADT_PM1_EVT_LEN	88
#define ACPI_FADT_PM1_CNT_LEN	89
#define ACPI_FADT_GPE0_BLK_LEN	92
#define ACPI_FADT_P_LVL2_LAT	96
#define ACPI_FADT_P_LVL3_LAT	98
#define ACPI_FADT_IAPC_BOOT_ARCH 109
#define ACPI_FADT_FLAGS		112
#define ACPI_FADT_RESET_REG	116
#define ACPI_FADT_RESET_VALUE	128
#define ACPI_FADT_MINOR_VERSION	131
#define ACPI_FADT_X_FIRMWARE_CTRL 132
#define ACPI_FADT_X_DSDT	140
#define ACPI_FADT_X_PM1A_EVT_BLK 148
#define ACPI_FADT_X_PM1A_CNT_BLK 172
#define ACPI_FADT_X_GPE0_BLK	220
#define ACPI_FADT_SLEEP_CONTROL	244
#define ACPI_FADT_SLEEP_STATUS	256

/* FADT Flags (table 5-34). */
#define ACPI_FADT_F_WBINVD	(1u << 0)
#define ACPI_FADT_F_PROC_C1	(1u << 2)
#define ACPI_FADT_F_SLP_BUTTON	(1u << 5)	/* no sleep button */
#define ACPI_FADT_F_FIX_RTC	(1u << 6)	/* no RTC_STS in PM1 */
#define ACPI_FADT_F_RESET_REG_SUP (1u << 10)

/* IA-PC boot architecture flags (table 5-35). */
#define ACPI_IAPC_LEGACY_DEVICES (1u << 0)
#define ACPI_IAPC_8042		(1u << 1)
#define ACPI_IAPC_NO_VGA	(1u << 2)
#define ACPI_IAPC_NO_CMOS_RTC	(1u << 5)

/* P_LVL2_LAT above 100 and P_LVL3_LAT above 1000: no C2, no C3. */
#define ACPI_NO_C2_LATENCY	101
#define ACPI_NO_C3_LATENCY	1001

/* Generic Address Structure (5.2.3.2). */
#define ACPI_GAS_LEN		12
#define ACPI_GAS_SYSTEM_IO	1
#define ACPI_GAS_ACCESS_BYTE	1
#define ACPI_GAS_ACCESS_WORD	2

/* FACS (5.2.10), version 2, 64-byte aligned. */
#define ACPI_FACS_LEN		64
#define ACPI_FACS_ALIGN		64
#define ACPI_FACS_VERSION_OFF	32
#define ACPI_FACS_VERSION	2

/* MADT (5.2.12), revision 4. */
#define ACPI_MADT_REVISION	4
#define ACPI_MADT_LAPIC_ADDR	36
#define ACPI_MADT_FLAGS		40
#define ACPI_MADT_ENTRIES	44
#define ACPI_MADT_PCAT_COMPAT	(1u << 0)
#define ACPI_MADT_TYPE_LAPIC	0
#define ACPI_MADT_TYPE_IOAPIC	1
#define ACPI_MADT_TYPE_ISO	2
#define ACPI_MADT_LAPIC_LEN	8
#define ACPI_MADT_IOAPIC_LEN	12
#define ACPI_MADT_ISO_LEN	10
#define ACPI_MADT_NR_ISO	2
#define ACPI_LAPIC_ENABLED	(1u << 0)
/* MPS INTI flags: polarity in bits 0-1, trigger mode in bits 2-3. */
#define ACPI_INTI_ACTIVE_HIGH	0x1
#define ACPI_INTI_EDGE		(0x1 << 2)
#define ACPI_INTI_LEVEL		(0x3 << 2)

#define ACPI_XSDT_REVISION	1
#define ACPI_DSDT_REVISION	2	/* 64-bit integers */
#define ACPI_SSDT_REVISION	2
#define ACPI_XSDT_NR_ENTRIES	3	/* FADT, MADT, SSDT */

#define ACPI_TABLE_ALIGN	16

/* AML opcodes (20.3) used by the SSDT. */
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_STRING_PREFIX	0x0d
#define AML_SCOPE_OP		0x10
#define AML_ROOT_CHAR		0x5c
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82

/* DWord Address Space Descriptor (6.4.3.5.2), the DSDT's MMIO window. */
#define ACPI_DWORD_ADDR_TAG	0x87
#define ACPI_DWORD_ADDR_LEN	26
#define ACPI_DWORD_ADDR_MIN	10
#define ACPI_DWORD_ADDR_MAX	14
#define ACPI_DWORD_ADDR_SIZE	22






static uint8_t acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* Make the bytes [0, len) of p add up to zero by setting p[at]. */
static void acpi_checksum(uint8_t *p, size_t len, size_t at)
{
	p[at] = 0;
	p[at] = -acpi_sum(p, len);
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len,
			uint8_t revision)
{
	memcpy(t, sig, 4);
	le_put32(t + ACPI_HDR_LENGTH, len);
	t[8] = revision;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	le_put32(t + 24, ACPI_OEM_REVISION);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	le_put32(t + 32, ACPI_CREATOR_REVISION);
}

static void acpi_gas_io(uint8_t *p, unsigned int bytes, uint8_t access,
			uint16_t port)
{
	p[0] = ACPI_GAS_SYSTEM_IO;
	p[1] = bytes * 8;
	p[2] = 0;
	p[3] = access;
	le_put64(p + 4, port);
}

/*
 * A tiny AML writer. With p == NULL it only counts, which sizes a
 * package before its PkgLength is written.
 */
struct acpi_aml {
	uint8_t *p;
	size_t n;
};

static void acpi_aml_byte(struct acpi_aml *a, uint8_t v)
{
	if (a->p)
		a->p[a->n] = v;
	a->n++;
}

static void acpi_aml_bytes(struct acpi_aml *a, const void *s, size_t len)
{
	const uint8_t *b = s;

	while (len--)
		acpi_aml_byte(a, *b++);
}

/* PkgLength (20.2.4) for a package whose contents after it are len bytes. */
static void acpi_aml_pkglength(struct acpi_aml *a, size_t len)
{
	size_t total;
	unsigned int extra;

	if (len + 1 <= 0x3f) {
		acpi_aml_byte(a, len + 1);
		return;
	}
	for (extra = 1; extra < 3; extra++)
		if (len + 1 + extra < (size_t)1 << (4 + 8 * extra))
			break;
	total = len + 1 + extra;
	acpi_aml_byte(a, extra << 6 | (total & 0xf));
	for (total >>= 4; extra; extra--, total >>= 8)
		acpi_aml_byte(a, total & 0xff);
}

static void acpi_aml_cpu(struct acpi_aml *a, unsigned int i)
{
	static const char hex[] = "0123456789ABCDEF";
	char name[4] = { 'C', hex[(i >> 8) & 0xf], hex[(i >> 4) & 0xf],
			 hex[i & 0xf] };
	static const char hid[] = "ACPI0007";
	size_t body = 4 + (1 + 4 + 1 + sizeof(hid)) + (1 + 4 + 2);

	/* Device (Cnnn) { Name (_HID, "ACPI0007") Name (_UID, n) } */
	acpi_aml_byte(a, AML_EXT_OP_PREFIX);
	acpi_aml_byte(a, AML_DEVICE_OP);
	acpi_aml_pkglength(a, body);
	acpi_aml_bytes(a, name, 4);
	acpi_aml_byte(a, AML_NAME_OP);
	acpi_aml_bytes(a, "_HID", 4);
	acpi_aml_byte(a, AML_STRING_PREFIX);
	acpi_aml_bytes(a, hid, sizeof(hid));
	acpi_aml_byte(a, AML_NAME_OP);
	acpi_aml_bytes(a, "_UID", 4);
	acpi_aml_byte(a, AML_BYTE_PREFIX);
	acpi_aml_byte(a, i);
}

/* Scope (\_SB) { one processor device per vCPU, _UID = MADT UID } */
static void acpi_aml_cpus(struct acpi_aml *a, unsigned int nr_vcpus)
{
	struct acpi_aml count = { NULL, 0 };
	unsigned int i;

	for (i = 0; i < nr_vcpus; i++)
		acpi_aml_cpu(&count, i);
	acpi_aml_byte(a, AML_SCOPE_OP);
	acpi_aml_pkglength(a, 5 + count.n);
	acpi_aml_byte(a, AML_ROOT_CHAR);
	acpi_aml_bytes(a, "_SB_", 4);
	for (i = 0; i < nr_vcpus; i++)
		acpi_aml_cpu(a, i);
}

static size_t acpi_ssdt_len(unsigned int nr_vcpus)
{
	struct acpi_aml count = { NULL, 0 };

	acpi_aml_cpus(&count, nr_vcpus);
	return ACPI_HDR_LEN + count.n;
}

static size_t acpi_madt_len(unsigned int nr_vcpus)
{
	return ACPI_MADT_ENTRIES + nr_vcpus * ACPI_MADT_LAPIC_LEN +
	       ACPI_MADT_IOAPIC_LEN + ACPI_MADT_NR_ISO * ACPI_MADT_ISO_LEN;
}

/* Offsets from gpa of each table; rsdp is at 0. */
struct acpi_layout {
	size_t facs, xsdt, fadt, madt, dsdt, ssdt, end;
	size_t madt_len, ssdt_len;
};

static size_t acpi_align(size_t v, size_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static void acpi_layout(struct acpi_layout *l, unsigned int nr_vcpus)
{
	l->madt_len = acpi_madt_len(nr_vcpus);
	l->ssdt_len = acpi_ssdt_len(nr_vcpus);
	l->facs = acpi_align(ACPI_RSDP_LEN, ACPI_FACS_ALIGN);
	l->xsdt = acpi_align(l->facs + ACPI_FACS_LEN, ACPI_TABLE_ALIGN);
	l->fadt = acpi_align(l->xsdt + ACPI_HDR_LEN + 8 * ACPI_XSDT_NR_ENTRIES,
			     ACPI_TABLE_ALIGN);
	l->madt = acpi_align(l->fadt + ACPI_FADT_LEN, ACPI_TABLE_ALIGN);
	l->dsdt = acpi_align(l->madt + l->madt_len, ACPI_TABLE_ALIGN);
	l->ssdt = acpi_align(l->dsdt + acpi_dsdt_aml_len, ACPI_TABLE_ALIGN);
	l->end = l->ssdt + l->ssdt_len;
}

static void acpi_build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + ACPI_RSDP_OEM_ID, ACPI_OEM_ID, 6);
	p[ACPI_RSDP_REVISION] = 2;
	le_put32(p + ACPI_RSDP_RSDT, 0);
	le_put32(p + ACPI_RSDP_LENGTH, ACPI_RSDP_LEN);
	le_put64(p + ACPI_RSDP_XSDT, xsdt);
	acpi_checksum(p, ACPI_RSDP_V1_LEN, ACPI_RSDP_CHECKSUM);
	acpi_checksum(p, ACPI_RSDP_LEN, ACPI_RSDP_EXT_CHECKSUM);
}

static void acpi_build_facs(uint8_t *p)
{
	memcpy(p, "FACS", 4);
	le_put32(p + 4, ACPI_FACS_LEN);
	p[ACPI_FACS_VERSION_OFF] = ACPI_FACS_VERSION;
}

static void acpi_build_xsdt(uint8_t *p, const uint64_t *entries,
			    unsigned int nr)
{
	uint32_t len = ACPI_HDR_LEN + 8 * nr;
	unsigned int i;

	acpi_header(p, "XSDT", len, ACPI_XSDT_REVISION);
	for (i = 0; i < nr; i++)
		le_put64(p + ACPI_HDR_LEN + 8 * i, entries[i]);
	acpi_checksum(p, len, ACPI_HDR_CHECKSUM);
}

static void acpi_build_fadt(uint8_t *p, uint64_t facs, uint64_t dsdt)
{
	acpi_header(p, "FACP", ACPI_FADT_LEN, ACPI_FADT_REVISION);
	/* Both forms of the pointers, equal, as ACPICA likes them. */
	le_put32(p + ACPI_FADT_FIRMWARE_CTRL, facs);
	le_put32(p + ACPI_FADT_DSDT, dsdt);
	le_put64(p + ACPI_FADT_X_FIRMWARE_CTRL, facs);
	le_put64(p + ACPI_FADT_X_DSDT, dsdt);
	p[ACPI_FADT_PM_PROFILE] = 0;	/* unspecified */
	le_put16(p + ACPI_FADT_SCI_INT, PLAT_IRQ_SCI);
	/*
	 * SMI_CMD stays 0: there is no legacy mode, the platform is always
	 * in ACPI mode (SCI_EN reads as 1).
	 */
	le_put32(p + ACPI_FADT_PM1A_EVT_BLK, PLAT_PORT_PM1A_EVT);
	le_put32(p + ACPI_FADT_PM1A_CNT_BLK, PLAT_PORT_PM1A_CNT);
	p[ACPI_FADT_PM1_EVT_LEN] = 4;
	p[ACPI_FADT_PM1_CNT_LEN] = 2;
	/* GPE0: PCI hotplug (dev/pcihp.c, \_GPE._E01 in the DSDT) */
	le_put32(p + ACPI_FADT_GPE0_BLK, PLAT_PORT_GPE0);
	p[ACPI_FADT_GPE0_BLK_LEN] = 4;
	/* No PM timer, no GPE1 block, no C2/C3, no RTC (CENTURY = 0). */
	le_put16(p + ACPI_FADT_P_LVL2_LAT, ACPI_NO_C2_LATENCY);
	le_put16(p + ACPI_FADT_P_LVL3_LAT, ACPI_NO_C3_LATENCY);
	le_put16(p + ACPI_FADT_IAPC_BOOT_ARCH,
		   ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042 |
		   ACPI_IAPC_NO_VGA | ACPI_IAPC_NO_CMOS_RTC);
	/* PWR_BUTTON clear: the power button is the fixed feature. */
	le_put32(p + ACPI_FADT_FLAGS,
		   ACPI_FADT_F_WBINVD | ACPI_FADT_F_PROC_C1 |
		   ACPI_FADT_F_SLP_BUTTON | ACPI_FADT_F_FIX_RTC |
		   ACPI_FADT_F_RESET_REG_SUP);
	acpi_gas_io(p + ACPI_FADT_RESET_REG, 1, ACPI_GAS_ACCESS_BYTE,
		    PLAT_PORT_RESET);
	p[ACPI_FADT_RESET_VALUE] = PLAT_RESET_VALUE;
	p[ACPI_FADT_MINOR_VERSION] = ACPI_FADT_MINOR;
	acpi_gas_io(p + ACPI_FADT_X_PM1A_EVT_BLK, 4, ACPI_GAS_ACCESS_WORD,
		    PLAT_PORT_PM1A_EVT);
	acpi_gas_io(p + ACPI_FADT_X_PM1A_CNT_BLK, 2, ACPI_GAS_ACCESS_WORD,
		    PLAT_PORT_PM1A_CNT);
	acpi_gas_io(p + ACPI_FADT_X_GPE0_BLK, 4, ACPI_GAS_ACCESS_BYTE, PLAT_PORT_GPE0);
	acpi_gas_io(p + ACPI_FADT_SLEEP_CONTROL, 1, ACPI_GAS_ACCESS_BYTE,
		    PLAT_PORT_SLEEP_CNT);
	acpi_gas_io(p + ACPI_FADT_SLEEP_STATUS, 1, ACPI_GAS_ACCESS_BYTE,
		    PLAT_PORT_SLEEP_STS);
	acpi_checksum(p, ACPI_FADT_LEN, ACPI_HDR_CHECKSUM);
}

static uint8_t *acpi_madt_iso(uint8_t *e, uint8_t irq, uint32_t gsi,
			      uint16_t flags)
{
	e[0] = ACPI_MADT_TYPE_ISO;
	e[1] = ACPI_MADT_ISO_LEN;
	e[2] = 0;		/* ISA */
	e[3] = irq;
	le_put32(e + 4, gsi);
	le_put16(e + 8, flags);
	return e + ACPI_MADT_ISO_LEN;
}

static void acpi_build_madt(uint8_t *p, size_t len, unsigned int nr_vcpus)
{
	uint8_t *e = p + ACPI_MADT_ENTRIES;
	unsigned int i;

	acpi_header(p, "APIC", len, ACPI_MADT_REVISION);
	le_put32(p + ACPI_MADT_LAPIC_ADDR, PLAT_LAPIC_BASE);
	le_put32(p + ACPI_MADT_FLAGS, ACPI_MADT_PCAT_COMPAT);
	for (i = 0; i < nr_vcpus; i++, e += ACPI_MADT_LAPIC_LEN) {
		e[0] = ACPI_MADT_TYPE_LAPIC;
		e[1] = ACPI_MADT_LAPIC_LEN;
		e[2] = i;	/* ACPI processor UID, the SSDT's _UID */
		e[3] = i;	/* APIC id */
		le_put32(e + 4, ACPI_LAPIC_ENABLED);
	}
	e[0] = ACPI_MADT_TYPE_IOAPIC;
	e[1] = ACPI_MADT_IOAPIC_LEN;
	e[2] = nr_vcpus;	/* I/O APIC id, after the CPUs' */
	le_put32(e + 4, PLAT_IOAPIC_BASE);
	le_put32(e + 8, 0);	/* GSI base */
	e += ACPI_MADT_IOAPIC_LEN;
	e = acpi_madt_iso(e, PLAT_IRQ_PIT, 2,
			  ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_EDGE);
	acpi_madt_iso(e, PLAT_IRQ_SCI, PLAT_IRQ_SCI,
		      ACPI_INTI_ACTIVE_HIGH | ACPI_INTI_LEVEL);
	acpi_checksum(p, len, ACPI_HDR_CHECKSUM);
}

/*
 * Copy the DSDT and point the host bridge's 32-bit window at the guest's
 * PCI MMIO range. The descriptor is found by the default values dsdt.asl
 * gives it; there must be exactly one.
 */
static int acpi_build_dsdt(uint8_t *p, const struct acpi_config *cfg)
{
	size_t len = acpi_dsdt_aml_len;
	uint8_t *win = NULL;
	size_t i;

	memcpy(p, acpi_dsdt_aml, len);
	for (i = ACPI_HDR_LEN; i + ACPI_DWORD_ADDR_LEN <= len; i++) {
		uint8_t *d = p + i;

		if (d[0] != ACPI_DWORD_ADDR_TAG ||
		    d[1] != ACPI_DWORD_ADDR_LEN - 3 || d[2] != 0 ||
		    d[3] != 0 /* memory range */ ||
		    le_get32(d + ACPI_DWORD_ADDR_MIN) != PLAT_PCI_MMIO_BASE ||
		    le_get32(d + ACPI_DWORD_ADDR_MAX) !=
			    PLAT_PCI_MMIO_BASE + PLAT_PCI_MMIO_SIZE - 1 ||
		    le_get32(d + ACPI_DWORD_ADDR_SIZE) != PLAT_PCI_MMIO_SIZE)
			continue;
		if (win)
			return -EINVAL;
		win = d;
	}
	if (!win)
		return -EINVAL;
	le_put32(win + ACPI_DWORD_ADDR_MIN, cfg->pci_mmio_base);
	le_put32(win + ACPI_DWORD_ADDR_MAX,
		   cfg->pci_mmio_base + cfg->pci_mmio_size - 1);
	le_put32(win + ACPI_DWORD_ADDR_SIZE, cfg->pci_mmio_size);
	acpi_checksum(p, len, ACPI_HDR_CHECKSUM);
	return 0;
}

static void acpi_build_ssdt(uint8_t *p, size_t len, unsigned int nr_vcpus)
{
	struct acpi_aml a = { p + ACPI_HDR_LEN, 0 };

	acpi_header(p, "SSDT", len, ACPI_SSDT_REVISION);
	memcpy(p + 16, "HVVMMCPU", 8);
	acpi_aml_cpus(&a, nr_vcpus);
	acpi_checksum(p, len, ACPI_HDR_CHECKSUM);
}

static bool acpi_config_ok(const struct acpi_config *cfg)
{
	const uint64_t four_gib = 1ULL << 32;

	if (cfg->nr_vcpus < 1 || cfg->nr_vcpus > ACPI_MAX_VCPUS)
		return false;
	if (cfg->pci_mmio_size == 0 || cfg->pci_mmio_base >= four_gib ||
	    cfg->pci_mmio_size > four_gib - cfg->pci_mmio_base)
		return false;
	return true;
}

static bool acpi_dsdt_ok(void)
{
	return acpi_dsdt_aml_len >= ACPI_HDR_LEN &&
	       le_get32(acpi_dsdt_aml + ACPI_HDR_LENGTH) ==
		       acpi_dsdt_aml_len;
}

ssize_t acpi_build(void *buf, size_t len, uint64_t gpa,
		   const struct acpi_config *cfg)
{
	struct acpi_layout l;
	uint64_t entries[ACPI_XSDT_NR_ENTRIES];
	uint8_t *p = buf;
	int rc;

	if (!buf || !cfg || !acpi_config_ok(cfg) || !acpi_dsdt_ok())
		return -EINVAL;
	if (gpa % ACPI_TABLE_ALIGN || gpa >= 1ULL << 32)
		return -EINVAL;
	acpi_layout(&l, cfg->nr_vcpus);
	/* Every table pointer has a 32-bit form too. */
	if (l.end > (1ULL << 32) - gpa)
		return -EINVAL;
	if (l.end > len)
		return -ENOSPC;

	memset(p, 0, l.end);
	rc = acpi_build_dsdt(p + l.dsdt, cfg);
	if (rc)
		return rc;
	acpi_build_ssdt(p + l.ssdt, l.ssdt_len, cfg->nr_vcpus);
	acpi_build_madt(p + l.madt, l.madt_len, cfg->nr_vcpus);
	acpi_build_facs(p + l.facs);
	acpi_build_fadt(p + l.fadt, gpa + l.facs, gpa + l.dsdt);
	entries[0] = gpa + l.fadt;
	entries[1] = gpa + l.madt;
	entries[2] = gpa + l.ssdt;
	acpi_build_xsdt(p + l.xsdt, entries, ACPI_XSDT_NR_ENTRIES);
	acpi_build_rsdp(p, gpa + l.xsdt);
	return l.end;
}

/* --- Dumping ------------------------------------------------------------ */

#define ACPI_DUMP_MAX_SIGS	32

struct acpi_dumper {
	const uint8_t *buf;
	size_t len;
	uint64_t gpa;
	const char *dir;
	bool dry_run;		/* only check that every table is in buf */
	char sigs[ACPI_DUMP_MAX_SIGS][4];
	unsigned int counts[ACPI_DUMP_MAX_SIGS];
	unsigned int nr_sigs;
};

static int acpi_write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t r = write(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -EIO;
			break;
		}
		p += r;
		len -= r;
	}
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/* Number of the next file with signature sig: 0 for the first one. */
static unsigned int acpi_dump_seq(struct acpi_dumper *d, const char *sig)
{
	unsigned int i;

	for (i = 0; i < d->nr_sigs; i++)
		if (!memcmp(d->sigs[i], sig, 4))
			return d->counts[i]++;
	if (d->nr_sigs < ACPI_DUMP_MAX_SIGS) {
		memcpy(d->sigs[d->nr_sigs], sig, 4);
		d->counts[d->nr_sigs++] = 1;
	}
	return 0;
}

static int acpi_dump_bytes(struct acpi_dumper *d, const char *sig,
			   const uint8_t *p, size_t len)
{
	char name[5], path[PATH_MAX];
	unsigned int i, seq;
	int n;

	for (i = 0; i < 4; i++) {
		char c = sig[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '_';
		name[i] = c;
	}
	name[4] = '\0';
	if (d->dry_run)
		return 0;
	seq = acpi_dump_seq(d, sig);
	if (seq)
		n = snprintf(path, sizeof(path), "%s/%s%u.dat", d->dir, name,
			     seq);
	else
		n = snprintf(path, sizeof(path), "%s/%s.dat", d->dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	return acpi_write_file(path, p, len);
}

/* The table at guest address addr, checked against the buffer. */
static const uint8_t *acpi_dump_find(const struct acpi_dumper *d,
				     uint64_t addr, size_t *len_r)
{
	uint64_t off;
	uint32_t len;

	if (addr < d->gpa || addr - d->gpa > d->len ||
	    d->len - (addr - d->gpa) < 8)
		return NULL;
	off = addr - d->gpa;
	len = le_get32(d->buf + off + ACPI_HDR_LENGTH);
	if (len < 8 || len > d->len - off)
		return NULL;
	*len_r = len;
	return d->buf + off;
}

static int acpi_dump_table(struct acpi_dumper *d, uint64_t addr,
			   const uint8_t **table_r, size_t *len_r)
{
	const uint8_t *t;
	size_t len;

	t = acpi_dump_find(d, addr, &len);
	if (!t)
		return -EINVAL;
	if (table_r) {
		*table_r = t;
		*len_r = len;
	}
	return acpi_dump_bytes(d, (const char *)t, t, len);
}

static int acpi_dump_fadt(struct acpi_dumper *d, const uint8_t *f, size_t len)
{
	uint64_t dsdt = 0, facs = 0;
	int rc;

	if (len >= ACPI_FADT_X_DSDT + 8)
		dsdt = le_get64(f + ACPI_FADT_X_DSDT);
	if (!dsdt && len >= ACPI_FADT_DSDT + 4)
		dsdt = le_get32(f + ACPI_FADT_DSDT);
	if (len >= ACPI_FADT_X_FIRMWARE_CTRL + 8)
		facs = le_get64(f + ACPI_FADT_X_FIRMWARE_CTRL);
	if (!facs && len >= ACPI_FADT_FIRMWARE_CTRL + 4)
		facs = le_get32(f + ACPI_FADT_FIRMWARE_CTRL);
	if (dsdt) {
		rc = acpi_dump_table(d, dsdt, NULL, NULL);
		if (rc)
			return rc;
	}
	if (facs)
		return acpi_dump_table(d, facs, NULL, NULL);
	return 0;
}

static const uint8_t *acpi_find_rsdp(const uint8_t *buf, size_t len)
{
	size_t off;

	for (off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16)
		if (!memcmp(buf + off, "RSD PTR ", 8) &&
		    acpi_sum(buf + off, ACPI_RSDP_V1_LEN) == 0)
			return buf + off;
	return NULL;
}

static int acpi_dump_all(struct acpi_dumper *d, const uint8_t *rsdp)
{
	const uint8_t *root;
	size_t rsdp_len = ACPI_RSDP_V1_LEN, root_len, entry, i;
	size_t len = d->len;
	uint64_t root_addr;
	int rc;

	root_addr = le_get32(rsdp + ACPI_RSDP_RSDT);
	entry = 4;
	if (rsdp[ACPI_RSDP_REVISION] >= 2 &&
	    (size_t)(rsdp - d->buf) + ACPI_RSDP_LEN <= len) {
		rsdp_len = le_get32(rsdp + ACPI_RSDP_LENGTH);
		if (rsdp_len < ACPI_RSDP_LEN ||
		    rsdp_len > len - (size_t)(rsdp - d->buf))
			return -EINVAL;
		if (le_get64(rsdp + ACPI_RSDP_XSDT)) {
			root_addr = le_get64(rsdp + ACPI_RSDP_XSDT);
			entry = 8;
		}
	}
	rc = acpi_dump_bytes(d, "RSDP", rsdp, rsdp_len);
	if (rc)
		return rc;
	rc = acpi_dump_table(d, root_addr, &root, &root_len);
	if (rc)
		return rc;
	for (i = ACPI_HDR_LEN; i + entry <= root_len; i += entry) {
		uint64_t addr = entry == 8 ? le_get64(root + i) :
					     le_get32(root + i);
		const uint8_t *t;
		size_t tlen;

		rc = acpi_dump_table(d, addr, &t, &tlen);
		if (rc)
			return rc;
		if (!memcmp(t, "FACP", 4)) {
			rc = acpi_dump_fadt(d, t, tlen);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int acpi_dump(const void *buf, size_t len, uint64_t gpa, const char *dir)
{
	struct acpi_dumper d = { .buf = buf, .len = len, .gpa = gpa,
				 .dir = dir, .dry_run = true };
	const uint8_t *rsdp;
	int rc;

	if (!buf || !dir)
		return -EINVAL;
	rsdp = acpi_find_rsdp(buf, len);
	if (!rsdp)
		return -ENOENT;
	/* Check every table first, so that a bad one leaves no files. */
	rc = acpi_dump_all(&d, rsdp);
	if (rc)
		return rc;
	d.dry_run = false;
	return acpi_dump_all(&d, rsdp);
}
