# ACPI tables: dev/acpi.c builds them, dsdt.asl is compiled by iasl into
# acpi-dsdt.c (a C array) at build time.
hypervisor_vmm_hv_vmm_SOURCES += \
	hypervisor/vmm/dev/acpi.c \
	hypervisor/vmm/dev/acpi.h
nodist_hypervisor_vmm_hv_vmm_SOURCES = hypervisor/vmm/dev/acpi-dsdt.c
BUILT_SOURCES += hypervisor/vmm/dev/acpi-dsdt.c
EXTRA_DIST += hypervisor/vmm/dev/dsdt.asl
CLEANFILES += \
	hypervisor/vmm/dev/acpi-dsdt.c \
	hypervisor/vmm/dev/acpi-dsdt.aml \
	hypervisor/vmm/dev/acpi-dsdt.log

# iasl fails on errors and, with -we, on warnings; its log is shown then.
hypervisor/vmm/dev/acpi-dsdt.c: $(top_srcdir)/hypervisor/vmm/dev/dsdt.asl
	$(AM_V_GEN)$(MKDIR_P) hypervisor/vmm/dev && \
	if ! $(IASL) -vs -we -p hypervisor/vmm/dev/acpi-dsdt \
		$(top_srcdir)/hypervisor/vmm/dev/dsdt.asl \
		>hypervisor/vmm/dev/acpi-dsdt.log 2>&1; then \
		cat hypervisor/vmm/dev/acpi-dsdt.log >&2; exit 1; \
	fi && \
	{ echo '/* Generated from dsdt.asl by iasl; do not edit. */'; \
	  echo '#include "dev/acpi.h"'; \
	  echo 'const unsigned char acpi_dsdt_aml[] = {'; \
	  od -An -v -tx1 hypervisor/vmm/dev/acpi-dsdt.aml | \
		sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/\t/'; \
	  echo '};'; \
	  echo 'const size_t acpi_dsdt_aml_len = sizeof(acpi_dsdt_aml);'; \
	} >$@.tmp && mv $@.tmp $@

# Unit test.
check_PROGRAMS += tests/unit/test-acpi
tests_unit_test_acpi_SOURCES = tests/unit/test-acpi.c \
	hypervisor/vmm/dev/acpi.c hypervisor/vmm/dev/acpi.h
nodist_tests_unit_test_acpi_SOURCES = hypervisor/vmm/dev/acpi-dsdt.c
tests_unit_test_acpi_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm \
	-I$(top_srcdir)/hypervisor/shared
tests_unit_test_acpi_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_acpi_LDADD = $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-acpi

# acpi-dump NR_VCPUS DIR: the tables as files, for the iasl test.
check_PROGRAMS += tests/acpi-dump
tests_acpi_dump_SOURCES = tests/acpi-dump.c \
	hypervisor/vmm/dev/acpi.c hypervisor/vmm/dev/acpi.h
nodist_tests_acpi_dump_SOURCES = hypervisor/vmm/dev/acpi-dsdt.c
tests_acpi_dump_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm \
	-I$(top_srcdir)/hypervisor/shared

TESTS += tests/integration/acpi-iasl.sh
EXTRA_DIST += tests/integration/acpi-iasl.sh
