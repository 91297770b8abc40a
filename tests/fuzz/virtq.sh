#!/bin/sh
# libFuzzer: virtq (see tests/fuzz/fuzz-virtq.c), for a bounded time.
FUZZ_TARGET=fuzz-virtq
FUZZ_SEEDS=""
. "$HV_TESTS_SRC/fuzz/run.sh"
