# OCaml binding of libhv: a SWIG raw layer (hv_raw.i -> Hv_raw) and the
# typed module Hv (hv.mli), packed as the findlib package "hv".
# Automake knows no OCaml, so the rules are written out; everything is
# built in $(builddir)/bindings/ocaml/_build (its own folder, so that an
# in-tree build and "make clean" never touch the sources).
EXTRA_DIST += bindings/ocaml/hv_raw.i bindings/ocaml/hvml.i \
	bindings/ocaml/hv.ml bindings/ocaml/hv.mli bindings/ocaml/META.in \
	bindings/ocaml/tests/test_hv.ml bindings/ocaml/tests/ocaml-binding.sh \
	bindings/ocaml/examples/hv_list.ml bindings/ocaml/examples/hv_events.ml \
	bindings/ocaml/examples/hv_create_wait.ml bindings/ocaml/examples/hv_save_all.ml \
	bindings/ocaml/examples/README.md bindings/ocaml/lwt/hv_lwt.ml \
	bindings/ocaml/lwt/hv_lwt.mli bindings/ocaml/lwt/META.in \
	bindings/ocaml/lwt/test_hv_lwt.ml

if ENABLE_OCAML
ML_B = bindings/ocaml/_build
ML_S = $(top_srcdir)/bindings/ocaml
ML_FIND = $(OCAMLFIND)
# Warnings as errors follow --enable-werror, as for C.  The generated
# OCaml (swig.ml, hv_raw.ml) is compiled without warnings: it is SWIG's.
ML_FLAGS = -g -package unix $(OCAML_WARN)
ML_GEN_FLAGS = -g -package unix -w -a
# SWIG's C wrapper defines its functions without prototypes: those two
# warnings are off for it, every other one stays (and is an error with
# --enable-werror).
ML_WRAP_CFLAGS = $(CFLAGS) $(HV_WARN_CFLAGS) -Wno-missing-prototypes \
	-Wno-strict-prototypes $(HV_SAN_CFLAGS) -fPIC -fno-strict-aliasing \
	-I$(OCAML_STDLIB_DIR) -I$(top_srcdir)/libhv/include
# Where the build tree's libhv.so is, for linking and running in place.
ML_LIBHV_DIR = $(abs_top_builddir)/libhv/.libs
ML_LINK_FLAGS = -ccopt -L$(abs_top_builddir)/$(ML_B) -ccopt -L$(ML_LIBHV_DIR) \
	-ccopt -Wl,-rpath,$(ML_LIBHV_DIR)
ML_SAN_LDOPT =
if ENABLE_SANITIZERS
ML_LINK_FLAGS += -ccopt "$(HV_SAN_CFLAGS)"
ML_SAN_LDOPT += -ldopt "$(HV_SAN_CFLAGS)"
endif

ML_LIB = $(ML_B)/hv.cma $(ML_B)/hv.cmxa $(ML_B)/hv.a \
	$(ML_B)/libhv_stubs.a $(ML_B)/dllhv_stubs.so
ML_INSTALL = $(ML_B)/META $(ML_LIB) \
	$(ML_B)/hv.mli $(ML_B)/hv.cmi $(ML_B)/hv.cmx $(ML_B)/hv.cmti \
	$(ML_B)/hv_raw.cmi $(ML_B)/hv_raw.cmx $(ML_B)/swig.cmi $(ML_B)/swig.cmx
ML_EXAMPLES = $(ML_B)/examples/hv-list $(ML_B)/examples/hv-events \
	$(ML_B)/examples/hv-create-wait $(ML_B)/examples/hv-save-all

# hv.lwt, the Lwt sub-library (configure found lwt.unix).
ML_META_PARTS = $(ML_S)/META.in
if ENABLE_OCAML_LWT
ML_LWT_FLAGS = -thread -package lwt.unix,threads.posix
ML_INSTALL += $(ML_B)/hv_lwt.cma $(ML_B)/hv_lwt.cmxa $(ML_B)/hv_lwt.a \
	$(ML_B)/hv_lwt.mli $(ML_B)/hv_lwt.cmi $(ML_B)/hv_lwt.cmx $(ML_B)/hv_lwt.cmti
ML_META_PARTS += $(ML_S)/lwt/META.in

$(ML_B)/hv_lwt.ml $(ML_B)/hv_lwt.mli: $(ML_B)/%: $(ML_S)/lwt/%
	@$(MKDIR_P) $(ML_B)
	$(AM_V_at)cp $< $@
$(ML_B)/hv_lwt.cmi: $(ML_B)/hv_lwt.mli $(ML_B)/hv.cmi
	$(AM_V_GEN)$(ML_FIND) ocamlc $(ML_FLAGS) $(ML_LWT_FLAGS) -bin-annot -I $(ML_B) -c $<
$(ML_B)/hv_lwt.cmx: $(ML_B)/hv_lwt.ml $(ML_B)/hv_lwt.cmi $(ML_B)/hv.cmx
	$(AM_V_GEN)$(ML_FIND) ocamlopt $(ML_FLAGS) $(ML_LWT_FLAGS) -I $(ML_B) -c $< && \
		$(ML_FIND) ocamlc $(ML_FLAGS) $(ML_LWT_FLAGS) -I $(ML_B) -c $<
$(ML_B)/hv_lwt.cmxa: $(ML_B)/hv_lwt.cmx
	$(AM_V_GEN)cd $(ML_B) && $(ML_FIND) ocamlopt -a -o hv_lwt.cmxa hv_lwt.cmx && \
		$(ML_FIND) ocamlc -a -o hv_lwt.cma hv_lwt.cmo
$(ML_B)/hv_lwt.cmo: $(ML_B)/hv_lwt.cmx
$(ML_B)/hv_lwt.cmti: $(ML_B)/hv_lwt.cmi
$(ML_B)/hv_lwt.cma $(ML_B)/hv_lwt.a: $(ML_B)/hv_lwt.cmxa

$(ML_B)/tests/test-hv-lwt: $(ML_S)/lwt/test_hv_lwt.ml $(ML_LIB) $(ML_B)/hv_lwt.cmxa
	@$(MKDIR_P) $(ML_B)/tests
	$(AM_V_GEN)cp $< $(ML_B)/tests/test_hv_lwt.ml && \
		$(ML_PROG) $(ML_LWT_FLAGS) $(ML_B)/hv_lwt.cmxa $(ML_B)/tests/test_hv_lwt.ml -o $@
check_SCRIPTS += $(ML_B)/tests/test-hv-lwt
endif

ocaml-all: $(ML_INSTALL) $(ML_EXAMPLES)

# hv_raw.mli is not kept: SWIG's interface hides the structure getters
# (hv_dominfo_name_get, ...) that Hv reads.
$(ML_B)/hv_raw.stamp: $(ML_S)/hv_raw.i $(ML_S)/hvml.i $(hvinclude_HEADERS) \
		$(top_srcdir)/libhv/include/hv/domain.h
	@$(MKDIR_P) $(ML_B)
	$(AM_V_GEN)$(SWIG) -ocaml -I$(top_srcdir)/libhv/include -I$(ML_S) \
		-o $(ML_B)/hv_raw_wrap.c -outdir $(ML_B) $(ML_S)/hv_raw.i 2>$(ML_B)/swig.log || \
		{ cat $(ML_B)/swig.log >&2; exit 1; }
	@grep -v -e 'Warning 524' -e 'Warning 314' $(ML_B)/swig.log >&2 || :
	@rm -f $(ML_B)/hv_raw.mli
	@touch $@
$(ML_B)/hv_raw_wrap.c $(ML_B)/hv_raw.ml: $(ML_B)/hv_raw.stamp
	@:

$(ML_B)/swig.ml $(ML_B)/swig.mli:
	@$(MKDIR_P) $(ML_B)
	$(AM_V_GEN)cd $(ML_B) && $(SWIG) -ocaml -co $(@F) >/dev/null

$(ML_B)/hv.ml $(ML_B)/hv.mli: $(ML_B)/%: $(ML_S)/%
	@$(MKDIR_P) $(ML_B)
	$(AM_V_at)cp $< $@

$(ML_B)/hv_raw_wrap.o: $(ML_B)/hv_raw_wrap.c
	$(AM_V_CC)$(CC) $(ML_WRAP_CFLAGS) -c -o $@ $<

$(ML_B)/swig.cmi: $(ML_B)/swig.mli
	$(AM_V_GEN)$(ML_FIND) ocamlc $(ML_GEN_FLAGS) -c $<
$(ML_B)/swig.cmx: $(ML_B)/swig.ml $(ML_B)/swig.cmi
	$(AM_V_GEN)$(ML_FIND) ocamlopt $(ML_GEN_FLAGS) -I $(ML_B) -c $< && \
		$(ML_FIND) ocamlc $(ML_GEN_FLAGS) -I $(ML_B) -c $<
$(ML_B)/hv_raw.cmx: $(ML_B)/hv_raw.ml $(ML_B)/swig.cmx
	$(AM_V_GEN)$(ML_FIND) ocamlopt $(ML_GEN_FLAGS) -I $(ML_B) -c $< && \
		$(ML_FIND) ocamlc $(ML_GEN_FLAGS) -I $(ML_B) -c $<
$(ML_B)/hv.cmi: $(ML_B)/hv.mli $(ML_B)/hv_raw.cmx
	$(AM_V_GEN)$(ML_FIND) ocamlc $(ML_FLAGS) -bin-annot -I $(ML_B) -c $<
$(ML_B)/hv.cmx: $(ML_B)/hv.ml $(ML_B)/hv.cmi $(ML_B)/hv_raw.cmx
	$(AM_V_GEN)$(ML_FIND) ocamlopt $(ML_FLAGS) -I $(ML_B) -c $< && \
		$(ML_FIND) ocamlc $(ML_FLAGS) -I $(ML_B) -c $<

# libhv_stubs.a/dllhv_stubs.so hold the wrapper; hv.cma/hv.cmxa record
# -lhv_stubs -lhv (the -L of the build tree goes only to the shared
# link, so the installed archives name no build path).
$(ML_B)/hv.cmxa: $(ML_B)/hv_raw_wrap.o $(ML_B)/swig.cmx $(ML_B)/hv_raw.cmx $(ML_B)/hv.cmx \
		libhv/libhv.la
	$(AM_V_GEN)cd $(ML_B) && $(ML_FIND) ocamlmklib -o hv -oc hv_stubs \
		hv_raw_wrap.o swig.cmo hv_raw.cmo hv.cmo swig.cmx hv_raw.cmx hv.cmx \
		-ldopt -L$(ML_LIBHV_DIR) $(ML_SAN_LDOPT) -lhv

# Each rule above writes several files; make knows the first one.
$(ML_B)/swig.cmo: $(ML_B)/swig.cmx
$(ML_B)/hv_raw.cmo $(ML_B)/hv_raw.cmi: $(ML_B)/hv_raw.cmx
$(ML_B)/hv.cmti: $(ML_B)/hv.cmi
$(ML_B)/hv.cmo: $(ML_B)/hv.cmx
$(filter-out $(ML_B)/hv.cmxa,$(ML_LIB)): $(ML_B)/hv.cmxa

$(ML_B)/META: $(ML_META_PARTS) Makefile
	@$(MKDIR_P) $(ML_B)
	$(AM_V_GEN)cat $(ML_META_PARTS) | $(SED) -e 's|@''VERSION@|$(VERSION)|' >$@

# Programs linked against the build tree (examples, tests).
ML_PROG = $(ML_FIND) ocamlopt $(ML_FLAGS) -package str -linkpkg -I $(ML_B) \
	$(ML_B)/hv.cmxa $(ML_LINK_FLAGS)
$(ML_B)/examples/hv-list: $(ML_S)/examples/hv_list.ml $(ML_LIB)
	@$(MKDIR_P) $(ML_B)/examples
	$(AM_V_GEN)cp $< $(ML_B)/examples/hv_list.ml && \
		$(ML_PROG) $(ML_B)/examples/hv_list.ml -o $@
$(ML_B)/examples/hv-events: $(ML_S)/examples/hv_events.ml $(ML_LIB)
	@$(MKDIR_P) $(ML_B)/examples
	$(AM_V_GEN)cp $< $(ML_B)/examples/hv_events.ml && \
		$(ML_PROG) $(ML_B)/examples/hv_events.ml -o $@
$(ML_B)/examples/hv-create-wait: $(ML_S)/examples/hv_create_wait.ml $(ML_LIB)
	@$(MKDIR_P) $(ML_B)/examples
	$(AM_V_GEN)cp $< $(ML_B)/examples/hv_create_wait.ml && \
		$(ML_PROG) $(ML_B)/examples/hv_create_wait.ml -o $@
$(ML_B)/examples/hv-save-all: $(ML_S)/examples/hv_save_all.ml $(ML_LIB)
	@$(MKDIR_P) $(ML_B)/examples
	$(AM_V_GEN)cp $< $(ML_B)/examples/hv_save_all.ml && \
		$(ML_PROG) $(ML_B)/examples/hv_save_all.ml -o $@
# The tests use threads (calls from several at once).
$(ML_B)/tests/test-hv: $(ML_S)/tests/test_hv.ml $(ML_LIB)
	@$(MKDIR_P) $(ML_B)/tests
	$(AM_V_GEN)cp $< $(ML_B)/tests/test_hv.ml && \
		$(ML_PROG) -thread -package threads.posix $(ML_B)/tests/test_hv.ml -o $@

check_SCRIPTS += $(ML_B)/tests/test-hv
TESTS += bindings/ocaml/tests/ocaml-binding.sh

# Installed where ocamlfind looks (configure: --with-ocaml-destdir).
ocaml-install: $(ML_INSTALL)
	$(MKDIR_P) "$(DESTDIR)$(OCAML_DESTDIR)"
	$(ML_FIND) remove -destdir "$(DESTDIR)$(OCAML_DESTDIR)" hv >/dev/null 2>&1 || :
	$(ML_FIND) install -destdir "$(DESTDIR)$(OCAML_DESTDIR)" -ldconf ignore hv $(ML_INSTALL)
ocaml-uninstall:
	$(ML_FIND) remove -destdir "$(DESTDIR)$(OCAML_DESTDIR)" hv
else
ocaml-all ocaml-install ocaml-uninstall:
	@:
endif

# Outside the conditional: automake wants these hooks defined once.
all-local: ocaml-all
install-data-local: ocaml-install
uninstall-local: ocaml-uninstall
clean-local: clean-local-ocaml
clean-local-ocaml:
	-rm -rf bindings/ocaml/_build
.PHONY: ocaml-all ocaml-install ocaml-uninstall clean-local-ocaml
