#!/bin/sh
# libFuzzer: domxml (see tests/fuzz/fuzz-domxml.c), for a bounded time.
FUZZ_TARGET=fuzz-domxml
FUZZ_SEEDS="$top_srcdir/tests/data/libvirt"
. "$HV_TESTS_SRC/fuzz/run.sh"
