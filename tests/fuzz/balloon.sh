#!/bin/sh
# libFuzzer: virtio-balloon requests (see tests/fuzz/fuzz-balloon.c), for a bounded time.
FUZZ_TARGET=fuzz-balloon
FUZZ_SEEDS=""
. "$HV_TESTS_SRC/fuzz/run.sh"
