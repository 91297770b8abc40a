/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for hv-vmm's ACPI tables (hypervisor/vmm/dev/acpi.c). */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "le.h"
#include "dev/acpi.h"
#include "platform.h"

#define GPA		PLAT_ACPI_BASE
#define MEM_SIZE	PLAT_ACPI_SIZE

static uint8_t mem[MEM_SIZE];




static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static void config(struct acpi_config *cfg, unsigned int nr_vcpus)
{
	cfg->nr_vcpus = nr_vcpus;
	cfg->pci_mmio_base = PLAT_PCI_MMIO_BASE;
	cfg->pci_mmio_size = PLAT_PCI_MMIO_SIZE;
}

static ssize_t build(unsigned int nr_vcpus)
{
	struct acpi_config cfg;

	config(&cfg, nr_vcpus);
	memset(mem, 0xa5, sizeof(mem));
	return acpi_build(mem, sizeof(mem), GPA, &cfg);
}

/* The table at guest address addr: inside [0, used), checksum correct. */
static const uint8_t *table(uint64_t addr, ssize_t used, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	ck_assert_uint_ge(addr, GPA);
	ck_assert_uint_le(addr - GPA + 36, used);
	t = mem + (addr - GPA);
	ck_assert_msg(!memcmp(t, sig, 4), "expected %s at %#llx", sig,
		      (unsigned long long)addr);
	len = le_get32(t + 4);
	ck_assert_uint_ge(len, 36);
	ck_assert_uint_le(addr - GPA + len, used);
	ck_assert_msg(sum(t, len) == 0, "%s checksum", sig);
	ck_assert(!memcmp(t + 10, "HV    ", 6));
	return t;
}

struct tables {
	ssize_t used;
	const uint8_t *rsdp, *xsdt, *fadt, *facs, *dsdt, *madt, *ssdt;
};

static void find_tables(struct tables *tb, unsigned int nr_vcpus)
{
	const uint8_t *x;
	uint32_t i, n;

	memset(tb, 0, sizeof(*tb));
	tb->used = build(nr_vcpus);
	ck_assert_int_gt(tb->used, 0);
	ck_assert_int_le(tb->used, MEM_SIZE);
	/* Nothing written past what was reported as used. */
	for (i = tb->used; i < MEM_SIZE; i++)
		ck_assert_uint_eq(mem[i], 0xa5);

	tb->rsdp = mem;
	ck_assert(!memcmp(mem, "RSD PTR ", 8));
	ck_assert_uint_eq(sum(mem, 20), 0);
	ck_assert_uint_eq(mem[15], 2);
	ck_assert_uint_eq(le_get32(mem + 20), 36);
	ck_assert_uint_eq(sum(mem, 36), 0);

	x = tb->xsdt = table(le_get64(mem + 24), tb->used, "XSDT");
	n = (le_get32(x + 4) - 36) / 8;
	ck_assert_uint_eq(le_get32(x + 4), 36 + 8 * n);
	for (i = 0; i < n; i++) {
		uint64_t addr = le_get64(x + 36 + 8 * i);
		const uint8_t *t = mem + (addr - GPA);

		if (!memcmp(t, "FACP", 4))
			tb->fadt = table(addr, tb->used, "FACP");
		else if (!memcmp(t, "APIC", 4))
			tb->madt = table(addr, tb->used, "APIC");
		else if (!memcmp(t, "SSDT", 4))
			tb->ssdt = table(addr, tb->used, "SSDT");
		else
			ck_abort_msg("unexpected table %.4s", (const char *)t);
	}
	ck_assert_ptr_nonnull(tb->fadt);
	ck_assert_ptr_nonnull(tb->madt);
	ck_assert_ptr_nonnull(tb->ssdt);

	ck_assert_uint_eq(le_get64(tb->fadt + 140), le_get32(tb->fadt + 40));
	tb->dsdt = table(le_get64(tb->fadt + 140), tb->used, "DSDT");
	ck_assert_uint_eq(le_get64(tb->fadt + 132), le_get32(tb->fadt + 36));
	ck_assert_uint_eq(le_get32(tb->fadt + 36) % 64, 0);
	tb->facs = mem + (le_get32(tb->fadt + 36) - GPA);
	ck_assert(!memcmp(tb->facs, "FACS", 4));
	ck_assert_uint_eq(le_get32(tb->facs + 4), 64);
	ck_assert_uint_le(tb->facs + 64 - mem, tb->used);
}

/* No two tables share a byte. */
static void check_no_overlap(const struct tables *tb)
{
	const uint8_t *t[] = { tb->rsdp, tb->xsdt, tb->fadt, tb->facs,
			       tb->dsdt, tb->madt, tb->ssdt };
	size_t len[7];
	unsigned int i, j;

	len[0] = 36;
	for (i = 1; i < 7; i++)
		len[i] = le_get32(t[i] + 4);
	for (i = 0; i < 7; i++)
		for (j = i + 1; j < 7; j++)
			ck_assert(t[i] + len[i] <= t[j] ||
				  t[j] + len[j] <= t[i]);
}

static void check_madt(const uint8_t *m, unsigned int nr_vcpus)
{
	uint32_t len = le_get32(m + 4), off;
	unsigned int lapics = 0, ioapics = 0, isos = 0, entries = 0;
	int irq0 = 0, irq9 = 0;

	ck_assert_uint_eq(le_get32(m + 36), PLAT_LAPIC_BASE);
	ck_assert_uint_eq(le_get32(m + 40) & 1, 1);	/* PCAT_COMPAT */
	for (off = 44; off < len; off += m[off + 1]) {
		const uint8_t *e = m + off;

		ck_assert_uint_ge(e[1], 2);
		ck_assert_uint_le(off + e[1], len);
		entries++;
		switch (e[0]) {
		case 0:
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[2], lapics);	/* UID */
			ck_assert_uint_eq(e[3], lapics);	/* APIC id */
			ck_assert_uint_eq(le_get32(e + 4), 1);	/* enabled */
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(e[1], 12);
			ck_assert_uint_ge(e[2], nr_vcpus);	/* no clash */
			ck_assert_uint_eq(le_get32(e + 4), PLAT_IOAPIC_BASE);
			ck_assert_uint_eq(le_get32(e + 8), 0);
			ioapics++;
			break;
		case 2:
			ck_assert_uint_eq(e[1], 10);
			ck_assert_uint_eq(e[2], 0);
			if (e[3] == PLAT_IRQ_PIT) {
				ck_assert_uint_eq(le_get32(e + 4), 2);
				ck_assert_uint_eq(le_get16(e + 8) & 0xc, 0x4);
				irq0++;
			} else if (e[3] == PLAT_IRQ_SCI) {
				ck_assert_uint_eq(le_get32(e + 4), PLAT_IRQ_SCI);
				ck_assert_uint_eq(le_get16(e + 8), 0xd);
				irq9++;
			}
			isos++;
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	ck_assert_uint_eq(off, len);
	ck_assert_uint_eq(lapics, nr_vcpus);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(isos, 2);
	ck_assert_int_eq(irq0, 1);
	ck_assert_int_eq(irq9, 1);
	ck_assert_uint_eq(entries, nr_vcpus + 1 + 2);
}

static void check_fadt(const uint8_t *f)
{
	uint32_t flags = le_get32(f + 112);

	ck_assert_uint_eq(le_get32(f + 4), 276);
	ck_assert_uint_eq(f[8], 6);
	ck_assert_uint_eq(le_get16(f + 46), PLAT_IRQ_SCI);
	ck_assert_uint_eq(le_get32(f + 56), PLAT_PORT_PM1A_EVT);
	ck_assert_uint_eq(le_get32(f + 64), PLAT_PORT_PM1A_CNT);
	ck_assert_uint_eq(le_get32(f + 76), 0);	/* no PM timer */
	ck_assert_uint_eq(f[88], 4);
	ck_assert_uint_eq(f[89], 2);
	ck_assert_uint_eq(f[91], 0);
	ck_assert_uint_eq(le_get16(f + 109), 0x27);
	ck_assert_uint_eq(flags & (1u << 4), 0);	/* fixed power button */
	ck_assert_uint_ne(flags & (1u << 5), 0);	/* no sleep button */
	ck_assert_uint_ne(flags & (1u << 10), 0);	/* RESET_REG_SUP */
	ck_assert_uint_eq(flags & (1u << 20), 0);	/* not HW-reduced */
	/* RESET_REG: System I/O, 8 bits, the reset port, value 1. */
	ck_assert_uint_eq(f[116], 1);
	ck_assert_uint_eq(f[117], 8);
	ck_assert_uint_eq(le_get64(f + 120), PLAT_PORT_RESET);
	ck_assert_uint_eq(f[128], PLAT_RESET_VALUE);
	/* X_PM1a_EVT_BLK, X_PM1a_CNT_BLK, SLEEP_CONTROL, SLEEP_STATUS. */
	ck_assert_uint_eq(f[148], 1);
	ck_assert_uint_eq(f[149], 32);
	ck_assert_uint_eq(le_get64(f + 152), PLAT_PORT_PM1A_EVT);
	ck_assert_uint_eq(f[172], 1);
	ck_assert_uint_eq(f[173], 16);
	ck_assert_uint_eq(le_get64(f + 176), PLAT_PORT_PM1A_CNT);
	ck_assert_uint_eq(f[244], 1);
	ck_assert_uint_eq(f[245], 8);
	ck_assert_uint_eq(le_get64(f + 248), PLAT_PORT_SLEEP_CNT);
	ck_assert_uint_eq(f[256], 1);
	ck_assert_uint_eq(f[257], 8);
	ck_assert_uint_eq(le_get64(f + 260), PLAT_PORT_SLEEP_STS);
}

static void check_ssdt(const uint8_t *s, unsigned int nr_vcpus)
{
	uint32_t len = le_get32(s + 4), i;
	unsigned int hids = 0;

	for (i = 36; i + 8 <= len; i++)
		if (!memcmp(s + i, "ACPI0007", 8))
			hids++;
	ck_assert_uint_eq(hids, nr_vcpus);
}

static const unsigned int vcpu_counts[] = { 1, 2, 4, 63, 64 };

START_TEST(test_build)
{
	unsigned int nr = vcpu_counts[_i];
	struct tables tb;

	find_tables(&tb, nr);
	check_no_overlap(&tb);
	check_fadt(tb.fadt);
	check_madt(tb.madt, nr);
	check_ssdt(tb.ssdt, nr);
	ck_assert_uint_eq(le_get32(tb.madt + 4), 44 + 8 * nr + 12 + 2 * 10);
}
END_TEST

/* Count the DWordMemory descriptors with these min, max and length. */
static unsigned int find_window(const uint8_t *dsdt, uint32_t base,
				uint32_t size)
{
	uint32_t len = le_get32(dsdt + 4), i;
	unsigned int n = 0;

	for (i = 36; i + 26 <= len; i++) {
		const uint8_t *d = dsdt + i;

		if (d[0] == 0x87 && le_get16(d + 1) == 23 && d[3] == 0 &&
		    le_get32(d + 10) == base && le_get32(d + 14) == base + size - 1 &&
		    le_get32(d + 22) == size)
			n++;
	}
	return n;
}

START_TEST(test_pci_window)
{
	struct acpi_config cfg = {
		.nr_vcpus = 2,
		.pci_mmio_base = 0xd0000000,
		.pci_mmio_size = 0x10000000,
	};
	const uint8_t *dsdt;
	ssize_t used;

	used = acpi_build(mem, sizeof(mem), GPA, &cfg);
	ck_assert_int_gt(used, 0);
	/* The FADT is the XSDT's first entry; find the DSDT through it. */
	dsdt = mem + (le_get64(mem + (le_get64(mem + 24) - GPA) + 36) - GPA);
	dsdt = mem + (le_get32(dsdt + 40) - GPA);
	ck_assert(!memcmp(dsdt, "DSDT", 4));
	ck_assert_uint_eq(sum(dsdt, le_get32(dsdt + 4)), 0);
	ck_assert_uint_eq(find_window(dsdt, 0xd0000000, 0x10000000), 1);
	ck_assert_uint_eq(find_window(dsdt, PLAT_PCI_MMIO_BASE,
				      PLAT_PCI_MMIO_SIZE), 0);

	/* The compiled-in DSDT carries the default window exactly once. */
	ck_assert_uint_eq(find_window(acpi_dsdt_aml, PLAT_PCI_MMIO_BASE,
				      PLAT_PCI_MMIO_SIZE), 1);
}
END_TEST

START_TEST(test_deterministic)
{
	static uint8_t copy[MEM_SIZE];
	ssize_t used = build(8);

	ck_assert_int_gt(used, 0);
	memcpy(copy, mem, used);
	ck_assert_int_eq(build(8), used);
	ck_assert(!memcmp(copy, mem, used));
}
END_TEST

START_TEST(test_nospc)
{
	struct acpi_config cfg;
	ssize_t used;
	size_t len;

	config(&cfg, 64);
	used = acpi_build(mem, sizeof(mem), GPA, &cfg);
	ck_assert_int_gt(used, 0);
	for (len = 0; len < (size_t)used; len += len < 64 ? 1 : 97) {
		memset(mem, 0xa5, sizeof(mem));
		ck_assert_int_eq(acpi_build(mem, len, GPA, &cfg), -ENOSPC);
		/* Nothing written when it does not fit. */
		ck_assert_uint_eq(mem[0], 0xa5);
	}
	ck_assert_int_eq(acpi_build(mem, used - 1, GPA, &cfg), -ENOSPC);
	ck_assert_int_eq(acpi_build(mem, used, GPA, &cfg), used);
}
END_TEST

START_TEST(test_einval)
{
	struct acpi_config cfg;

	config(&cfg, 0);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);
	config(&cfg, ACPI_MAX_VCPUS + 1);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);
	config(&cfg, 1000);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);

	config(&cfg, 1);
	ck_assert_int_eq(acpi_build(NULL, sizeof(mem), GPA, &cfg), -EINVAL);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, NULL), -EINVAL);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA + 8, &cfg), -EINVAL);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), 0xfffffc00, &cfg),
			 -EINVAL);
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), 1ULL << 32, &cfg),
			 -EINVAL);

	cfg.pci_mmio_size = 0;
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);
	cfg.pci_mmio_base = 0xf0000000;
	cfg.pci_mmio_size = 0x10000001;
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);
	cfg.pci_mmio_base = 1ULL << 32;
	cfg.pci_mmio_size = 0x1000;
	ck_assert_int_eq(acpi_build(mem, sizeof(mem), GPA, &cfg), -EINVAL);
	/* A window that ends exactly at 4 GiB is fine. */
	cfg.pci_mmio_base = 0xf0000000;
	cfg.pci_mmio_size = 0x10000000;
	ck_assert_int_gt(acpi_build(mem, sizeof(mem), GPA, &cfg), 0);
}
END_TEST

static void check_file(const char *dir, const char *name, const uint8_t *t,
		       size_t len)
{
	char path[4096];
	static uint8_t data[MEM_SIZE];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s missing", path);
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	ck_assert_uint_eq(n, len);
	ck_assert(!memcmp(data, t, len));
	unlink(path);
}

START_TEST(test_dump)
{
	char dir[] = "/tmp/test-acpi.XXXXXX";
	struct tables tb;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	find_tables(&tb, 4);
	ck_assert_int_eq(acpi_dump(mem, tb.used, GPA, dir), 0);
	check_file(dir, "rsdp.dat", tb.rsdp, 36);
	check_file(dir, "xsdt.dat", tb.xsdt, le_get32(tb.xsdt + 4));
	check_file(dir, "facp.dat", tb.fadt, le_get32(tb.fadt + 4));
	check_file(dir, "facs.dat", tb.facs, 64);
	check_file(dir, "dsdt.dat", tb.dsdt, le_get32(tb.dsdt + 4));
	check_file(dir, "apic.dat", tb.madt, le_get32(tb.madt + 4));
	check_file(dir, "ssdt.dat", tb.ssdt, le_get32(tb.ssdt + 4));
	ck_assert_int_eq(rmdir(dir), 0);	/* and nothing else */

	/* No RSDP, a truncated buffer, a missing directory. */
	memset(mem, 0, 4096);
	ck_assert_int_eq(acpi_dump(mem, 4096, GPA, "/nonexistent"), -ENOENT);
	find_tables(&tb, 1);
	ck_assert_int_eq(acpi_dump(mem, tb.used, GPA, "/nonexistent/x"),
			 -ENOENT);
	/* A table outside the buffer: refused before any file is written. */
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/test-acpi.XXXXXX")));
	ck_assert_int_eq(acpi_dump(mem, 200, GPA, dir), -EINVAL);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");

	tcase_add_loop_test(tc, test_build, 0,
			    sizeof(vcpu_counts) / sizeof(vcpu_counts[0]));
	tcase_add_test(tc, test_pci_window);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_nospc);
	tcase_add_test(tc, test_einval);
	tcase_add_test(tc, test_dump);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}
