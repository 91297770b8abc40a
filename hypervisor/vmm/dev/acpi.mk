# ACPI tables: dev/acpi.c builds them, dsdt.asl is compiled by iasl into
# acpi-dsdt.c (a C array) at build time.
hypervisor_vmm_hv_vmm_SOURCES += \
	hypervisor/vmm/dev/acpi.c \
	hypervisor/vmm/dev/acpi.h
nodist_hypervisor_vmm_hv_vmm_SOURCES += hypervisor/vmm/dev/acpi-dsdt.c
BUILT_SOURCES += hypervisor/vmm/dev/acpi-dsdt.c
EXTRA_DIST += hypervisor/vmm/dev/dsdt.asl
CLEANFILES += \
	hypervisor/vmm/dev/pcihp-slots.asl \
	hypervisor/vmm/dev/acpi-dsdt.c \
	hypervisor/vmm/dev/acpi-dsdt.aml \
	hypervisor/vmm/dev/acpi-dsdt.log

# The 31 hotplug slot devices and PCNT, which notifies them, are the same
# lines for each slot: generated here, included by dsdt.asl.
hypervisor/vmm/dev/pcihp-slots.asl: $(top_srcdir)/hypervisor/vmm/dev/acpi.mk
	$(AM_V_GEN)$(MKDIR_P) hypervisor/vmm/dev && { \
	  for s in $$(seq 1 31); do \
	    printf '\t\t\tDevice (S%02X)\n\t\t\t{\n' $$s; \
	    printf '\t\t\t\tName (_ADR, 0x%04X0000)\n\t\t\t\tName (_SUN, %d)\n' $$s $$s; \
	    printf '\t\t\t\tMethod (_EJ0, 1, NotSerialized)\n\t\t\t\t{\n' ; \
	    printf '\t\t\t\t\tPCEJ (%d)\n\t\t\t\t}\n\t\t\t}\n' $$s; \
	  done; \
	  printf '\t\t\tMethod (PCNT, 0, Serialized)\n\t\t\t{\n'; \
	  printf '\t\t\t\tLocal0 = PCIU\n\t\t\t\tLocal1 = PCID\n'; \
	  for s in $$(seq 1 31); do \
	    printf '\t\t\t\tIf ((Local0 & 0x%08X))\n\t\t\t\t{\n\t\t\t\t\tNotify (S%02X, One)\n\t\t\t\t}\n' $$((1 << s)) $$s; \
	    printf '\t\t\t\tIf ((Local1 & 0x%08X))\n\t\t\t\t{\n\t\t\t\t\tNotify (S%02X, 0x03)\n\t\t\t\t}\n' $$((1 << s)) $$s; \
	  done; \
	  printf '\t\t\t}\n'; \
	} >$@.tmp && mv $@.tmp $@

# iasl fails on errors and, with -we, on warnings; its log is shown then.
hypervisor/vmm/dev/acpi-dsdt.c: $(top_srcdir)/hypervisor/vmm/dev/dsdt.asl \
		hypervisor/vmm/dev/pcihp-slots.asl
	$(AM_V_GEN)$(MKDIR_P) hypervisor/vmm/dev && \
	if ! $(IASL) -vs -we -I hypervisor/vmm/dev -p hypervisor/vmm/dev/acpi-dsdt \
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
