#!/bin/sh
# libFuzzer: virtio-net rings, frames and control commands (see tests/fuzz/fuzz-net.c), for a bounded time.
FUZZ_TARGET=fuzz-net
FUZZ_SEEDS="$HV_TESTS_SRC/fuzz/seeds-net"
. "$HV_TESTS_SRC/fuzz/run.sh"
