#!/bin/sh
# libFuzzer: virtio-blk requests (see tests/fuzz/fuzz-blk.c), for a bounded time.
FUZZ_TARGET=fuzz-blk
FUZZ_SEEDS=""
. "$HV_TESTS_SRC/fuzz/run.sh"
