#!/bin/sh
# libFuzzer: the hvd <-> hv-vmm control channel and the description a
# BUILD carries (see tests/fuzz/fuzz-vmmmsg.c), for a bounded time.
FUZZ_TARGET=fuzz-vmmmsg
FUZZ_SEEDS="$HV_TESTS_SRC/fuzz/seeds-vmmmsg"
. "$HV_TESTS_SRC/fuzz/run.sh"
