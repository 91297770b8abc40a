# Tests: unit tests (check) and integration tests on real KVM.
# A test exits 77 to skip, and says why, when the host lacks something.
CHECK_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
CHECK_TEST_LIBS = $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test-libhv
tests_unit_test_libhv_SOURCES = tests/unit/test-libhv.c
tests_unit_test_libhv_CFLAGS = $(CHECK_TEST_CFLAGS)
tests_unit_test_libhv_LDADD = libhv/libhv.la $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-libhv

EXTRA_DIST += tests/lib.sh
