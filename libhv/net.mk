# The host side of domain networking (libhv/net.c): taps opened with the
# caller's privileges and put on their bridge through libnl-route.
libhv_libhv_la_SOURCES += \
	libhv/net.h \
	libhv/net.c
libhv_libhv_la_CPPFLAGS += $(LIBNL_ROUTE_CFLAGS)
libhv_libhv_la_LIBADD += $(LIBNL_ROUTE_LIBS)

# Runs in a network namespace of its own (skips where none can be made),
# built from net.c and the logger alone, for the hidden functions.
check_PROGRAMS += tests/unit/test-net-host
tests_unit_test_net_host_SOURCES = tests/unit/test-net-host.c \
	libhv/net.h libhv/net.c \
	hypervisor/shared/config/ctx.c hypervisor/shared/config/ctx.h
tests_unit_test_net_host_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/libhv \
	-I$(top_srcdir)/hypervisor/shared $(LIBNL_ROUTE_CFLAGS)
tests_unit_test_net_host_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_net_host_LDADD = $(LIBNL_ROUTE_LIBS) $(CHECK_TEST_LIBS) -lpthread
TESTS += tests/unit/test-net-host
