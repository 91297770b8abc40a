/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * acpi-dump NR_VCPUS DIR: build the guest's ACPI tables as hv-vmm does
 * and write them as DIR/<signature>.dat, for tests/integration/acpi-iasl.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/acpi.h"
#include "platform.h"

static unsigned char acpi_dump_mem[PLAT_ACPI_SIZE];

int main(int argc, char **argv)
{
	struct acpi_config cfg = {
		.pci_mmio_base = PLAT_PCI_MMIO_BASE,
		.pci_mmio_size = PLAT_PCI_MMIO_SIZE,
	};
	unsigned long n;
	ssize_t used;
	char *end;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: acpi-dump NR_VCPUS DIR\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || n > ACPI_MAX_VCPUS) {
		fprintf(stderr, "acpi-dump: %s: not a vCPU count (1-%d)\n",
			argv[1], ACPI_MAX_VCPUS);
		return 2;
	}
	cfg.nr_vcpus = n;
	used = acpi_build(acpi_dump_mem, sizeof(acpi_dump_mem),
			  PLAT_ACPI_BASE, &cfg);
	if (used < 0) {
		fprintf(stderr, "acpi-dump: tables for %lu vCPUs: %s\n", n,
			strerror(-used));
		return 1;
	}
	rc = acpi_dump(acpi_dump_mem, used, PLAT_ACPI_BASE, argv[2]);
	if (rc) {
		fprintf(stderr, "acpi-dump: writing tables to %s: %s\n",
			argv[2], strerror(-rc));
		return 1;
	}
	return 0;
}
