/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables for the guest: RSDP, XSDT, FADT, FACS, MADT, DSDT and an SSDT
 * with one processor object per vCPU, as docs/platform.md describes them.
 */
#ifndef HV_VMM_ACPI_H
#define HV_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ACPI_MAX_VCPUS		64

struct acpi_config {
	unsigned int nr_vcpus;		/* 1..ACPI_MAX_VCPUS, APIC id = index */
	uint64_t pci_mmio_base;		/* 32-bit PCI window: base and size, */
	uint64_t pci_mmio_size;		/* inside the first 4 GiB */
};

/*
 * Builds the RSDP at gpa and every table after it into buf, the host view
 * of guest memory [gpa, gpa + len). gpa must be 16-byte aligned and the
 * whole range must lie below 4 GiB. The I/O APIC gets id nr_vcpus.
 * Pure: no I/O, no allocation; buf is written only within len bytes.
 * Returns the number of bytes used, -ENOSPC if len is too small, or -EINVAL
 * for a bad configuration or address.
 */
ssize_t acpi_build(void *buf, size_t len, uint64_t gpa,
		   const struct acpi_config *cfg);

/*
 * Walks the tables reachable from the RSDP found in buf (the host view of
 * guest memory [gpa, gpa + len), RSDP at a 16-byte boundary) and writes
 * each one as DIR/<signature>.dat in lower case (rsdp.dat, xsdt.dat,
 * facp.dat, facs.dat, dsdt.dat, apic.dat, ssdt.dat; a repeated signature
 * gets a number: ssdt1.dat), ready for "iasl -d". Every pointer is checked
 * against buf. DIR must exist. Returns 0, -ENOENT if no RSDP is found,
 * -EINVAL for a table that does not fit in buf, or -errno of a failed
 * file operation.
 */
int acpi_dump(const void *buf, size_t len, uint64_t gpa, const char *dir);

/* The DSDT compiled from dsdt.asl at build time (acpi-dsdt.c). */
extern const unsigned char acpi_dsdt_aml[];
extern const size_t acpi_dsdt_aml_len;

#endif
