# libhv domain client: hypercalls to hvd, starting hvd on demand, events,
# the size-prefixed structures, save and restore (with the save stream's
# record reader, hidden: no zlib, no ISA-L, for one record).
libhv_libhv_la_SOURCES += \
	libhv/client.h \
	libhv/client_int.h \
	libhv/client.c \
	libhv/connect.c \
	libhv/message.c \
	libhv/request.c \
	libhv/events.c \
	libhv/sized.c \
	libhv/domain_int.h \
	libhv/domain.c \
	libhv/saverestore.c \
	libhv/migrate.c \
	libhv/saved.c \
	libhv/disk.c \
	libhv/hotplug.c \
	libhv/memory.c \
	libhv/stats.c \
	libhv/vcpu.c \
	libhv/netdev.c \
	$(HV_DISK_SRC) \
	hypervisor/shared/wire/hcmsg.h \
	hypervisor/shared/wire/hcmsg.c \
	hypervisor/shared/wire/fdpass.h \
	hypervisor/shared/wire/fdpass.c \
	$(HV_STREAM_RECORD_SRC)
libhv_libhv_la_CPPFLAGS += -I$(top_srcdir)/hypervisor/shared \
	-DHV_HCMSG_HIDDEN -DHV_STREAM_HIDDEN -DHV_SBINDIR=\"$(sbindir)\"
hvinclude_HEADERS += libhv/include/hv/domain.h

# Built from libhv's sources, so that hidden functions can be called and a
# fake hvd (a thread of the test) can answer the public calls; the stream's
# writer makes its images (with the table CRC libhv reads them with).
check_PROGRAMS += tests/unit/test-client
tests_unit_test_client_SOURCES = tests/unit/test-client.c \
	$(libhv_libhv_la_SOURCES) \
	hypervisor/shared/stream/stream.h \
	hypervisor/shared/stream/stream-write.c
tests_unit_test_client_CPPFLAGS = $(libhv_libhv_la_CPPFLAGS)
tests_unit_test_client_CFLAGS = $(CHECK_TEST_CFLAGS) \
	$(LIBXML2_CFLAGS) $(YAJL_CFLAGS) $(ZLIB_CFLAGS)
tests_unit_test_client_LDADD = $(libhv_libhv_la_LIBADD) $(ZLIB_LIBS) \
	$(CHECK_TEST_LIBS)
TESTS += tests/unit/test-client

# Opening and locking disk targets (hypervisor/shared/disk/, libhv/disk.c)
# on real files, built as test-client is for the hidden functions.
check_PROGRAMS += tests/unit/test-disk-lock
tests_unit_test_disk_lock_SOURCES = tests/unit/test-disk-lock.c \
	$(libhv_libhv_la_SOURCES)
tests_unit_test_disk_lock_CPPFLAGS = $(libhv_libhv_la_CPPFLAGS)
tests_unit_test_disk_lock_CFLAGS = $(CHECK_TEST_CFLAGS) \
	$(LIBXML2_CFLAGS) $(YAJL_CFLAGS)
tests_unit_test_disk_lock_LDADD = $(libhv_libhv_la_LIBADD) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-disk-lock
