# xl: the command line, one file per command group.
sbin_PROGRAMS += xl/xl
xl_xl_SOURCES = \
	xl/xl.h \
	xl/xl.c \
	xl/xlconf.c \
	xl/vmcontrol.c \
	xl/console.c \
	xl/list.c \
	xl/vcpu.c xl/sched.c \
	xl/top.c \
	xl/info.c \
	xl/host.c \
	xl/unsupported.c \
	xl/trigger.c \
	xl/saverestore.c \
	xl/migrate.c \
	xl/transport.c \
	xl/block.c \
	xl/mem.c \
	xl/net.c \
	xl/domxml.c \
	xl/json.c
# CPU lists and rates read as libhv reads them, for libxl's JSON (json.c)
xl_xl_SOURCES += hypervisor/shared/config/textforms.c
xl_xl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/shared
xl_xl_LDADD = libhv/libhv.la $(GNUTLS_LIBS) $(YAJL_LIBS)
xl_xl_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(YAJL_CFLAGS)

# bash completion (xl/bash-completion/xl), as bash-completion's "xl"
dist_bashcompletion_DATA = xl/bash-completion/xl

# End-to-end tests: xl, hvd, hv-vmm and minios on real KVM.
XL_TESTS = \
	tests/integration/xl-create.sh \
	tests/integration/xl-lifecycle.sh \
	tests/integration/xl-actions.sh \
	tests/integration/xl-errors.sh \
	tests/integration/xl-save.sh \
	tests/integration/xl-save-seal.sh \
	tests/integration/xl-save-stall.sh \
	tests/integration/xl-dump-core.sh \
	tests/integration/xl-migrate.sh \
	tests/integration/xl-migrate-seal.sh \
	tests/integration/xl-describe.sh \
	tests/integration/xl-create-n.sh \
	tests/integration/xl-conf.sh \
	tests/integration/xl-cfg-corpus.sh \
	tests/integration/xl-compat.sh \
	tests/integration/xl-top.sh \
	tests/integration/meter-kvm.sh \
	tests/integration/xl-control.sh \
	tests/integration/xl-vcpu.sh \
	tests/integration/xl-domxml.sh \
	tests/integration/xl-disk.sh \
	tests/integration/xl-block.sh \
	tests/integration/xl-net.sh \
	tests/integration/xl-balloon.sh \
	tests/integration/xl-jail.sh \
	tests/integration/xl-sched.sh \
	tests/integration/xl-config-update.sh
TESTS += $(XL_TESTS)
EXTRA_DIST += $(XL_TESTS) tests/integration/xl-lib.sh tests/integration/xl-hvd-lib.sh \
	tests/integration/mig-proxy.py tests/integration/mig-lib.sh
# the xl.cfg corpus that xl-cfg-corpus.sh runs (tests/xlcfg/README)
EXTRA_DIST += tests/xlcfg

# Example domain configurations, installed in $(pkgdatadir)/examples.
examplesdir = $(pkgdatadir)/examples
examples_DATA = xl/examples/minios.cfg xl/examples/linux.cfg xl/examples/xl.conf
EXTRA_DIST += xl/examples/minios.cfg.in xl/examples/linux.cfg xl/examples/xl.conf
CLEANFILES += xl/examples/minios.cfg
xl/examples/minios.cfg: $(top_srcdir)/xl/examples/minios.cfg.in Makefile
	@$(MKDIR_P) xl/examples
	$(AM_V_GEN)sed -e 's|@pkgdatadir@|$(pkgdatadir)|g' $< >$@
