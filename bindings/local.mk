# Language bindings of libhv (SWIG), one fragment per language.

# Python: hv.raw (SWIG; the C extension hv._raw) and the hv package.
include bindings/python/local.mk

# Both: installed into a DESTDIR, they work from outside the build tree.
EXTRA_DIST += bindings/tests/install.sh
TESTS += bindings/tests/install.sh
HV_BINDINGS =
if ENABLE_PYTHON
HV_BINDINGS += python
endif
if ENABLE_OCAML
HV_BINDINGS += ocaml
if ENABLE_OCAML_LWT
HV_BINDINGS += lwt
endif
endif
AM_TESTS_ENVIRONMENT += HV_BINDINGS='$(HV_BINDINGS)' HV_LIBDIR='$(libdir)' \
	HV_PYTHON_DIR='$(HV_PYTHON_DIR)' HV_PYTHON_DIR_DEFAULT='$(HV_PYTHON_DIR_DEFAULT)' \
	HV_OCAML_DESTDIR='$(OCAML_DESTDIR)' HV_OCAML_DESTDIR_DEFAULT='$(OCAML_DESTDIR_DEFAULT)'; \
	export HV_BINDINGS HV_LIBDIR HV_PYTHON_DIR HV_PYTHON_DIR_DEFAULT HV_OCAML_DESTDIR \
	HV_OCAML_DESTDIR_DEFAULT;
