# The save image and migration stream (docs/save-stream.md): its reader and
# writer, shared by every program that saves or restores, and its checker.
# The record reader (rules, framing, a table CRC, and nettle's HMAC for
# sealed streams): libhv, which reads only an image's DOMAIN_CONFIG, builds
# that alone, with HV_STREAM_RECORD_CFLAGS and HV_STREAM_RECORD_LIBS.
HV_STREAM_RECORD_SRC = \
	hypervisor/shared/stream/stream-record.h \
	hypervisor/shared/stream/stream-int.h \
	hypervisor/shared/stream/stream.c \
	hypervisor/shared/stream/stream-crc.c \
	hypervisor/shared/stream/stream-record.c \
	hypervisor/shared/stream/stream-seal.c
HV_STREAM_RECORD_CFLAGS = $(NETTLE_CFLAGS)
HV_STREAM_RECORD_LIBS = $(NETTLE_LIBS)
# The whole codec: the record reader, page data (read and inflated) and the
# writer; build it with HV_STREAM_CFLAGS and link HV_STREAM_LIBS.
HV_STREAM_SRC = $(HV_STREAM_RECORD_SRC) \
	hypervisor/shared/stream/stream.h \
	hypervisor/shared/stream/stream-read.c \
	hypervisor/shared/stream/stream-write.c
# zlib compresses page batches; ISA-L computes the CRCs (at memory speed)
HV_STREAM_CFLAGS = -DHV_STREAM_ISAL $(ZLIB_CFLAGS) $(ISAL_CFLAGS) $(HV_STREAM_RECORD_CFLAGS)
HV_STREAM_LIBS = $(ZLIB_LIBS) $(ISAL_LIBS) $(HV_STREAM_RECORD_LIBS)

pkglibexec_PROGRAMS += hypervisor/shared/stream/hv-streamcheck
hypervisor_shared_stream_hv_streamcheck_SOURCES = hypervisor/shared/stream/streamcheck.c $(HV_STREAM_SRC)
hypervisor_shared_stream_hv_streamcheck_CFLAGS = $(AM_CFLAGS) $(HV_STREAM_CFLAGS)
hypervisor_shared_stream_hv_streamcheck_LDADD = $(HV_STREAM_LIBS)

# The unit test doubles as the integration test's stream writer
# (test-stream write FILE [live|aligned|compressed]...).
check_PROGRAMS += tests/unit/test-stream
tests_unit_test_stream_SOURCES = tests/unit/test-stream.c $(HV_STREAM_SRC)
tests_unit_test_stream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared
tests_unit_test_stream_CFLAGS = $(CHECK_TEST_CFLAGS) $(HV_STREAM_CFLAGS)
tests_unit_test_stream_LDADD = $(HV_STREAM_LIBS) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-stream tests/integration/streamcheck.sh

# Sealed streams (keyed MACs): round trip, and every tampering refused
# (test-seal write FILE KEYFILE [mode] also writes one for streamcheck.sh).
check_PROGRAMS += tests/unit/test-seal
tests_unit_test_seal_SOURCES = tests/unit/test-seal.c $(HV_STREAM_SRC)
tests_unit_test_seal_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared
tests_unit_test_seal_CFLAGS = $(CHECK_TEST_CFLAGS) $(HV_STREAM_CFLAGS)
tests_unit_test_seal_LDADD = $(HV_STREAM_LIBS) $(CHECK_TEST_LIBS)
TESTS += tests/unit/test-seal
EXTRA_DIST += tests/integration/streamcheck.sh docs/save-stream.md
EXTRA_DIST += hypervisor/shared/README

# The domain description (libhv's hv_domain_config): its structures,
# checks and JSON codec, the one form a domain has from libhv to hvd, hv-vmm
# and a save image.  Needs yajl; logs through an hv_ctx (config/ctx.c).
HV_CONFIG_SRC = \
	hypervisor/shared/config/ctx.c hypervisor/shared/config/ctx.h \
	hypervisor/shared/config/config_int.h \
	hypervisor/shared/config/config.c \
	hypervisor/shared/config/validate.c \
	hypervisor/shared/config/textforms.c \
	hypervisor/shared/config/support.c \
	hypervisor/shared/config/devspec.c \
	hypervisor/shared/config/json.c
HV_CONFIG_CFLAGS = $(YAJL_CFLAGS)
HV_CONFIG_LIBS = $(YAJL_LIBS) -lpthread

# One way to send and receive a packet with descriptors, and the control
# channel's messages (public/vmm.h) checked the same way at both ends.
HV_WIRE_SRC = \
	hypervisor/shared/wire/fdpass.c hypervisor/shared/wire/fdpass.h \
	hypervisor/shared/wire/vmmmsg.c hypervisor/shared/wire/vmmmsg.h

# A disk's target opened and locked the one way (libhv, hvd, a standalone
# hv-vmm): disk/target.h.
HV_DISK_SRC = \
	hypervisor/shared/disk/target.c hypervisor/shared/disk/target.h
