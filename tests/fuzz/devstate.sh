#!/bin/sh
# libFuzzer: devstate (see tests/fuzz/fuzz-devstate.c), for a bounded time.
FUZZ_TARGET=fuzz-devstate
FUZZ_SEEDS=""
. "$HV_TESTS_SRC/fuzz/run.sh"
