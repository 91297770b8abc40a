# libFuzzer targets, built with clang and run for a bounded time by make
# check (tests/fuzz/run.sh).  Without a libFuzzer-capable clang they skip.
FUZZ_TARGETS = tests/fuzz/fuzz-devstate tests/fuzz/fuzz-virtq tests/fuzz/fuzz-blk \
	tests/fuzz/fuzz-net tests/fuzz/fuzz-xlcfg tests/fuzz/fuzz-balloon tests/fuzz/fuzz-domxml
FUZZ_TESTS = tests/fuzz/devstate.sh tests/fuzz/virtq.sh tests/fuzz/blk.sh tests/fuzz/net.sh \
	tests/fuzz/xlcfg.sh tests/fuzz/balloon.sh tests/fuzz/domxml.sh
TESTS += $(FUZZ_TESTS)
EXTRA_DIST += $(FUZZ_TESTS) tests/fuzz/run.sh tests/fuzz/fuzz-devstate.c \
	tests/fuzz/fuzz-virtq.c tests/fuzz/fuzz-blk.c tests/fuzz/fuzz-net.c tests/fuzz/seeds-net \
	tests/fuzz/devices.h tests/fuzz/fuzz-log.h tests/fuzz/fuzz-balloon.c tests/fuzz/fuzz-domxml.c
CLEANFILES += $(FUZZ_TARGETS)

if HAVE_FUZZ
check_DATA = $(FUZZ_TARGETS)
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CPPFLAGS = -include $(top_builddir)/config.h -I$(top_srcdir)/hypervisor/include \
	-I$(top_srcdir)/libhv/include -I$(top_srcdir)/libhv -I$(top_srcdir)/hypervisor/vmm \
	-I$(top_srcdir)/tests/fuzz -I$(top_srcdir)/hypervisor/shared -DHV_HCMSG_HIDDEN
FUZZ_VMM_SRC = $(filter %.c,$(HV_VMM_CORE))
FUZZ_LIBHV_SRC = $(filter %.c,$(libhv_libhv_la_SOURCES))

tests/fuzz/fuzz-devstate: tests/fuzz/fuzz-devstate.c tests/fuzz/devices.h $(FUZZ_VMM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -o $@ $(filter %.c,$^) $(HV_VMM_LIBS) -lpthread

tests/fuzz/fuzz-virtq: tests/fuzz/fuzz-virtq.c tests/fuzz/devices.h $(FUZZ_VMM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -o $@ $(filter %.c,$^) $(HV_VMM_LIBS) -lpthread

tests/fuzz/fuzz-blk: tests/fuzz/fuzz-blk.c $(FUZZ_VMM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -o $@ $(filter %.c,$^) $(HV_VMM_LIBS) -lpthread

tests/fuzz/fuzz-net: tests/fuzz/fuzz-net.c $(FUZZ_VMM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -o $@ $(filter %.c,$^) $(HV_VMM_LIBS) -lpthread

tests/fuzz/fuzz-balloon: tests/fuzz/fuzz-balloon.c $(FUZZ_VMM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -o $@ $(filter %.c,$^) $(HV_VMM_LIBS) -lpthread

tests/fuzz/fuzz-xlcfg: tests/fuzz/fuzz-xlcfg.c tests/fuzz/fuzz-log.h $(FUZZ_LIBHV_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(YAJL_CFLAGS) $(LIBXML2_CFLAGS) \
		$(LIBNL_ROUTE_CFLAGS) $(HV_STREAM_RECORD_CFLAGS) -o $@ $(filter %.c,$^) \
		$(YAJL_LIBS) $(LIBXML2_LIBS) $(LIBNL_ROUTE_LIBS) $(HV_STREAM_RECORD_LIBS) -lpthread

# The libvirt domain XML reader and writer (libhv/domxml-*.c).
tests/fuzz/fuzz-domxml: tests/fuzz/fuzz-domxml.c tests/fuzz/fuzz-log.h $(FUZZ_LIBHV_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(YAJL_CFLAGS) $(LIBXML2_CFLAGS) \
		$(LIBNL_ROUTE_CFLAGS) $(HV_STREAM_RECORD_CFLAGS) -o $@ $(filter %.c,$^) \
		$(YAJL_LIBS) $(LIBXML2_LIBS) $(LIBNL_ROUTE_LIBS) $(HV_STREAM_RECORD_LIBS) -lpthread
endif

# hvd's request decoding and checking (hypervisor/hvd/request.c).
FUZZ_TARGETS += tests/fuzz/fuzz-hypercall
TESTS += tests/fuzz/hypercall.sh
EXTRA_DIST += tests/fuzz/hypercall.sh tests/fuzz/fuzz-hypercall.c
if HAVE_FUZZ
tests/fuzz/fuzz-hypercall: tests/fuzz/fuzz-hypercall.c hypervisor/hvd/request.c \
		hypervisor/hvd/request.h hypervisor/shared/wire/hcmsg.c hypervisor/shared/wire/hcmsg.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared \
		-I$(top_srcdir)/hypervisor/hvd -o $@ $(filter %.c,$^)
endif

# The save/migration stream reader (hypervisor/shared/stream/).
FUZZ_TARGETS += tests/fuzz/fuzz-stream
TESTS += tests/fuzz/stream.sh
EXTRA_DIST += tests/fuzz/stream.sh tests/fuzz/fuzz-stream.c
if HAVE_FUZZ
tests/fuzz/fuzz-stream: tests/fuzz/fuzz-stream.c $(HV_STREAM_SRC)
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(HV_STREAM_CFLAGS) \
		-o $@ $(filter %.c,$^) $(HV_STREAM_LIBS)
endif

# The hvd <-> hv-vmm control channel (hypervisor/shared/wire/vmmmsg.c) and
# the domain description a BUILD carries (hypervisor/shared/config/).
FUZZ_TARGETS += tests/fuzz/fuzz-vmmmsg
TESTS += tests/fuzz/vmmmsg.sh
EXTRA_DIST += tests/fuzz/vmmmsg.sh tests/fuzz/fuzz-vmmmsg.c tests/fuzz/seeds-vmmmsg
if HAVE_FUZZ
tests/fuzz/fuzz-vmmmsg: tests/fuzz/fuzz-vmmmsg.c $(filter %.c,$(HV_CONFIG_SRC)) \
		hypervisor/shared/wire/vmmmsg.c hypervisor/shared/wire/vmmmsg.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(YAJL_CFLAGS) \
		-o $@ $(filter %.c,$^) $(YAJL_LIBS) -lpthread
endif
