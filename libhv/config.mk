# libhv domain configuration: xl.cfg and libvirt XML readers, JSON,
# validation.
# The description itself (structures, checks, JSON) is shared code:
# hypervisor/shared/config/, built into hvd and hv-vmm too.
libhv_libhv_la_SOURCES += \
	$(HV_CONFIG_SRC) \
	libhv/xlcfg_int.h \
	libhv/xlcfg-parse.c \
	libhv/xlcfg.c \
	libhv/file.c \
	libhv/domxml_int.h \
	libhv/domxml-read.c \
	libhv/domxml-domain.c \
	libhv/domxml-devices.c \
	libhv/domxml-write.c
hvinclude_HEADERS += libhv/include/hv/config.h

check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) \
	-DHV_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_config_LDADD = libhv/libhv.la $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-config

EXTRA_DIST += tests/data/config tests/fuzz/fuzz-xlcfg.c

# libvirt domain XML: the corpus in tests/data/libvirt, hostile documents.
check_PROGRAMS += tests/unit/test-domxml
tests_unit_test_domxml_SOURCES = tests/unit/test-domxml.c
tests_unit_test_domxml_CPPFLAGS = $(AM_CPPFLAGS) \
	-DHV_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_domxml_CFLAGS = $(CHECK_TEST_CFLAGS) $(LIBXML2_CFLAGS)
tests_unit_test_domxml_LDADD = libhv/libhv.la $(LIBXML2_LIBS) $(CHECK_TEST_LIBS) -ldl
TESTS += tests/unit/test-domxml
EXTRA_DIST += tests/data/libvirt docs/libvirt-xml.md

# Disks in the description (DISKSPEC, vdev order, the create checks), built
# from the description's sources so that its internal functions are called.
check_PROGRAMS += tests/unit/test-config-disk
tests_unit_test_config_disk_SOURCES = tests/unit/test-config-disk.c $(HV_CONFIG_SRC)
tests_unit_test_config_disk_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared
tests_unit_test_config_disk_CFLAGS = $(CHECK_TEST_CFLAGS) $(HV_CONFIG_CFLAGS)
tests_unit_test_config_disk_LDADD = $(HV_CONFIG_LIBS) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-config-disk
