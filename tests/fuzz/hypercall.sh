#!/bin/sh
# libFuzzer: hypercall (see tests/fuzz/fuzz-hypercall.c), for a bounded time.
FUZZ_TARGET=fuzz-hypercall
FUZZ_SEEDS=""
. "$HV_TESTS_SRC/fuzz/run.sh"
