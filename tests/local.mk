# Tests: unit tests (check) and integration tests on real KVM.
# A test exits 77 to skip, and says why, when the host lacks something.
CHECK_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
CHECK_TEST_LIBS = $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test-libhv
tests_unit_test_libhv_SOURCES = tests/unit/test-libhv.c
tests_unit_test_libhv_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_libhv_CPPFLAGS = $(AM_CPPFLAGS) \
	-DHV_MAP_FILE=\"$(top_srcdir)/libhv/libhv.map\"
tests_unit_test_libhv_LDADD = libhv/libhv.la $(CHECK_TEST_LIBS) -ldl
TESTS += tests/unit/test-libhv

EXTRA_DIST += tests/lib.sh tests/unit/check-main.h tests/unit/check-log.h

# hv-vmm with minios on real KVM.
VMM_TESTS = \
	tests/integration/vmm-boot.sh \
	tests/integration/vmm-exit.sh \
	tests/integration/vmm-events.sh \
	tests/integration/vmm-errors.sh \
	tests/integration/vmm-hostile.sh \
	tests/integration/vmm-acpi.sh \
	tests/integration/vmm-control.sh \
	tests/integration/vmm-hvd-mode.sh \
	tests/integration/vmm-save.sh \
	tests/integration/vmm-hotplug.sh \
	tests/integration/vmm-disk.sh \
	tests/integration/vmm-console-log.sh \
	tests/integration/vmm-jail.sh
TESTS += $(VMM_TESTS)
EXTRA_DIST += $(VMM_TESTS)

# The ELF core's head that xl dump-core writes (snapshot/coredump-elf.c).
check_PROGRAMS += tests/unit/test-coredump
tests_unit_test_coredump_SOURCES = tests/unit/test-coredump.c \
	hypervisor/vmm/snapshot/coredump-elf.c hypervisor/vmm/snapshot/coredump.h
tests_unit_test_coredump_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
tests_unit_test_coredump_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_coredump_LDADD = $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-coredump

check_PROGRAMS += tests/unit/test-devstate
tests_unit_test_devstate_SOURCES = tests/unit/test-devstate.c $(HV_VMM_CORE)
tests_unit_test_devstate_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm -I$(top_srcdir)/tests/fuzz
tests_unit_test_devstate_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_devstate_LDADD = $(CHECK_TEST_LIBS) $(HV_VMM_LIBS)
TESTS += tests/unit/test-devstate

check_PROGRAMS += tests/unit/test-virtio-blk
tests_unit_test_virtio_blk_SOURCES = tests/unit/test-virtio-blk.c tests/unit/virtio-harness.h \
	$(HV_VMM_CORE)
tests_unit_test_virtio_blk_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
tests_unit_test_virtio_blk_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_virtio_blk_LDADD = $(CHECK_TEST_LIBS) $(HV_VMM_LIBS)
TESTS += tests/unit/test-virtio-blk

check_PROGRAMS += tests/unit/test-virtio-net
tests_unit_test_virtio_net_SOURCES = tests/unit/test-virtio-net.c tests/unit/virtio-harness.h \
	$(HV_VMM_CORE)
tests_unit_test_virtio_net_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
tests_unit_test_virtio_net_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_virtio_net_LDADD = $(CHECK_TEST_LIBS) $(HV_VMM_LIBS)
TESTS += tests/unit/test-virtio-net

check_PROGRAMS += tests/unit/test-virtio-balloon
tests_unit_test_virtio_balloon_SOURCES = tests/unit/test-virtio-balloon.c tests/unit/virtio-harness.h \
	$(HV_VMM_CORE)
tests_unit_test_virtio_balloon_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
tests_unit_test_virtio_balloon_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_virtio_balloon_LDADD = $(CHECK_TEST_LIBS) $(HV_VMM_LIBS)
TESTS += tests/unit/test-virtio-balloon

TESTS += tests/integration/minios-qemu.sh
EXTRA_DIST += tests/integration/minios-qemu.sh

# Network (virtio-net): minios's driver and workloads against QEMU's
# device under TCG, in a network namespace the test makes (runs anywhere
# QEMU and tun are).
TESTS += tests/integration/net-qemu.sh
EXTRA_DIST += tests/integration/net-qemu.sh

# The balloon (virtio-balloon): minios's driver and workloads against
# QEMU's device under TCG, driven through QMP (runs anywhere QEMU is).
TESTS += tests/integration/balloon-qemu.sh
EXTRA_DIST += tests/integration/balloon-qemu.sh

check_PROGRAMS += tests/unit/test-kvmstate
tests_unit_test_kvmstate_SOURCES = tests/unit/test-kvmstate.c $(HV_VMM_CORE) \
	hypervisor/vmm/kvm/vcpu.c hypervisor/vmm/kvm/kvmstate.c hypervisor/vmm/kvm/kvmstate.h \
	hypervisor/vmm/jail.c hypervisor/vmm/jail.h
nodist_tests_unit_test_kvmstate_SOURCES = hypervisor/vmm/jail-bpf.h
tests_unit_test_kvmstate_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm \
	-I$(top_builddir)/hypervisor/vmm
tests_unit_test_kvmstate_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_kvmstate_LDADD = $(CHECK_TEST_LIBS) $(HV_VMM_LIBS)
TESTS += tests/unit/test-kvmstate

# hv-vmm's console stream: two sources, one output, nothing held is lost.
check_PROGRAMS += tests/unit/test-console
tests_unit_test_console_SOURCES = tests/unit/test-console.c hypervisor/vmm/console.c \
	hypervisor/vmm/console.h hypervisor/vmm/log.c hypervisor/vmm/log.h \
	hypervisor/vmm/loop.c hypervisor/vmm/loop.h
tests_unit_test_console_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
tests_unit_test_console_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_console_LDADD = $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-console

# hv-vmm's per-thread seccomp filters, each alone in a child process.
check_PROGRAMS += tests/unit/test-jail-filters
tests_unit_test_jail_filters_SOURCES = tests/unit/test-jail-filters.c
nodist_tests_unit_test_jail_filters_SOURCES = hypervisor/vmm/jail-bpf.h
tests_unit_test_jail_filters_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/hypervisor/vmm
tests_unit_test_jail_filters_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_jail_filters_LDADD = $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-jail-filters

# Disks (virtio-blk): minios's driver against QEMU's device under TCG (runs
# anywhere QEMU is installed), hv-vmm's and xl's on real KVM.
DISK_TESTS = \
	tests/integration/disk-qemu.sh \
	tests/integration/disk-vmm.sh \
	tests/integration/disk-xl.sh
TESTS += $(DISK_TESTS)
EXTRA_DIST += $(DISK_TESTS) tests/integration/disk-lib.sh docs/bench-disk.md docs/bench-net.md
