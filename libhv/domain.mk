# libhv domain client: hypercalls to hvd, starting hvd on demand, events,
# the size-prefixed structures, save and restore (with the save stream's
# reader, hidden).
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
	hypervisor/shared/wire/hcmsg.h \
	hypervisor/shared/wire/hcmsg.c \
	$(HV_STREAM_SRC)
libhv_libhv_la_CPPFLAGS += -I$(top_srcdir)/hypervisor/shared \
	-DHV_HCMSG_HIDDEN -DHV_STREAM_HIDDEN -DHV_SBINDIR=\"$(sbindir)\"
hvinclude_HEADERS += libhv/include/hv/domain.h

# Built from libhv's sources, so that hidden functions can be called and a
# fake hvd (a thread of the test) can answer the public calls.
check_PROGRAMS += tests/unit/test-client
tests_unit_test_client_SOURCES = tests/unit/test-client.c \
	$(libhv_libhv_la_SOURCES)
tests_unit_test_client_CPPFLAGS = $(libhv_libhv_la_CPPFLAGS)
tests_unit_test_client_CFLAGS = $(CHECK_TEST_CFLAGS) \
	$(LIBXML2_CFLAGS) $(YAJL_CFLAGS) $(HV_STREAM_CFLAGS)
tests_unit_test_client_LDADD = $(libhv_libhv_la_LIBADD) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-client
