#!/bin/sh
# libFuzzer: the save/migration stream reader (see tests/fuzz/fuzz-stream.c),
# for a bounded time, seeded with streams written by tests/unit/test-stream.
FUZZ_TARGET=fuzz-stream
FUZZ_SEEDS=""
writer="$top_builddir/tests/unit/test-stream"
if [ -x "$writer" ] && [ -x "$top_builddir/tests/fuzz/$FUZZ_TARGET" ]; then
	FUZZ_SEEDS=$(mktemp -d "${TMPDIR:-/tmp}/hv-stream-seeds.XXXXXX") || exit 1
	for mode in plain compressed aligned live; do
		# the first byte picks the fuzzer's mode: 1 recomputes CRCs
		printf '\001' >"$FUZZ_SEEDS/$mode"
		[ "$mode" = plain ] && set -- || set -- "$mode"
		"$writer" write "$FUZZ_SEEDS/$mode.s" small "$@" || exit 1
		cat "$FUZZ_SEEDS/$mode.s" >>"$FUZZ_SEEDS/$mode"
		rm -f "$FUZZ_SEEDS/$mode.s"
	done
fi
. "$HV_TESTS_SRC/fuzz/run.sh"
[ -z "$FUZZ_SEEDS" ] || rm -rf "$FUZZ_SEEDS"
