# Language bindings of libhv (SWIG), one fragment per language.

# Python: hv.raw (SWIG; the C extension hv._raw) and the hv package.
include bindings/python/local.mk
