#!/bin/sh
# libFuzzer: xlcfg (see tests/fuzz/fuzz-xlcfg.c), for a bounded time.
FUZZ_TARGET=fuzz-xlcfg
FUZZ_SEEDS="$top_srcdir/tests/data/config"
. "$HV_TESTS_SRC/fuzz/run.sh"
