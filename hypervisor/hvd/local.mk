# hvd: the control daemon (see man/hvd.8, docs/hypercall-abi.md).
sbin_PROGRAMS += hypervisor/hvd/hvd
hypervisor_hvd_hvd_SOURCES = \
	hypervisor/hvd/hvd.h hypervisor/hvd/main.c hypervisor/hvd/log.c \
	hypervisor/hvd/server.c hypervisor/hvd/domain.c hypervisor/hvd/ops.c \
	hypervisor/hvd/op.c hypervisor/hvd/op-create.c hypervisor/hvd/op-restore.c \
	hypervisor/hvd/op-save.c hypervisor/hvd/op-migrate.c hypervisor/hvd/op-call.c \
	hypervisor/hvd/op-dump-core.c \
	hypervisor/hvd/op-hotplug.c hypervisor/hvd/op-disk-attach.c hypervisor/hvd/op-disk-detach.c \
	hypervisor/hvd/op-nic-attach.c hypervisor/hvd/op-nic-detach.c hypervisor/hvd/op-mem.c hypervisor/hvd/op-vcpu.c \
	hypervisor/hvd/meter.c hypervisor/hvd/meter-read.c hypervisor/hvd/meter-read.h \
	hypervisor/hvd/meter-fds.c hypervisor/hvd/meter-link.c hypervisor/hvd/meter-carry.c \
	hypervisor/hvd/devfind.c \
	hypervisor/hvd/cgroup.c hypervisor/hvd/vmm.c hypervisor/hvd/disk.c hypervisor/hvd/net.c \
	hypervisor/hvd/store.c hypervisor/hvd/desc.c hypervisor/hvd/request.c hypervisor/hvd/request.h \
	hypervisor/hvd/images.c \
	hypervisor/shared/wire/hcmsg.c hypervisor/shared/wire/hcmsg.h \
	$(HV_CONFIG_SRC) $(HV_WIRE_SRC) $(HV_DISK_SRC)
hypervisor_hvd_hvd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared \
	-I$(top_srcdir)/hypervisor/hvd
hypervisor_hvd_hvd_CFLAGS = $(AM_CFLAGS) $(HV_CONFIG_CFLAGS)
hypervisor_hvd_hvd_LDADD = $(HV_CONFIG_LIBS) -lpthread

# hvd driven over its socket by a small Python client (tests/integration/hvd-lib.sh).
HVD_TESTS = \
	tests/integration/hvd-lifecycle.sh \
	tests/integration/hvd-actions.sh \
	tests/integration/hvd-errors.sh \
	tests/integration/hvd-recover.sh \
	tests/integration/hvd-many.sh \
	tests/integration/hvd-save.sh \
	tests/integration/hvd-rundir.sh \
	tests/integration/hvd-defend.sh
TESTS += $(HVD_TESTS)
EXTRA_DIST += $(HVD_TESTS) tests/integration/hvd-lib.sh

# The request checks, without a socket (what the fuzz target covers, with
# named cases).
check_PROGRAMS += tests/unit/test-hvd-request
tests_unit_test_hvd_request_SOURCES = tests/unit/test-hvd-request.c \
	hypervisor/hvd/request.c hypervisor/shared/wire/hcmsg.c \
	hypervisor/shared/wire/vmmmsg.c
tests_unit_test_hvd_request_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared \
	-I$(top_srcdir)/hypervisor/hvd
tests_unit_test_hvd_request_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_hvd_request_LDADD = $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-hvd-request

# Metering's readers of /proc, sysfs and cgroup files, and the usage record.
check_PROGRAMS += tests/unit/test-hvd-meter
tests_unit_test_hvd_meter_SOURCES = tests/unit/test-hvd-meter.c hypervisor/hvd/meter-read.c \
	hypervisor/hvd/meter-carry.c hypervisor/hvd/devfind.c $(HV_CONFIG_SRC)
tests_unit_test_hvd_meter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/hvd \
	-I$(top_srcdir)/hypervisor/shared
tests_unit_test_hvd_meter_CFLAGS = $(CHECK_TEST_CFLAGS) $(HV_CONFIG_CFLAGS)
tests_unit_test_hvd_meter_LDADD = $(HV_CONFIG_LIBS) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-hvd-meter
