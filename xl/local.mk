# xl: the command line, one file per command group.
sbin_PROGRAMS += xl/xl
xl_xl_SOURCES = \
	xl/xl.h \
	xl/xl.c \
	xl/vmcontrol.c \
	xl/console.c \
	xl/info.c
xl_xl_LDADD = libhv/libhv.la

# End-to-end tests: xl, hvd, hv-vmm and minios on real KVM.
XL_TESTS = \
	tests/integration/xl-create.sh \
	tests/integration/xl-lifecycle.sh \
	tests/integration/xl-actions.sh \
	tests/integration/xl-errors.sh
TESTS += $(XL_TESTS)
EXTRA_DIST += $(XL_TESTS) tests/integration/xl-lib.sh
