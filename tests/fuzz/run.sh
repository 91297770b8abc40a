# Runs one libFuzzer target for a bounded time: sourced by tests/fuzz/*.sh
# with FUZZ_TARGET (binary name) and FUZZ_SEEDS (seed directory, may be empty).
. "$HV_TESTS_SRC/lib.sh"
bin="$top_builddir/tests/fuzz/$FUZZ_TARGET"
[ -x "$bin" ] || skip "$FUZZ_TARGET was not built: configure found no libFuzzer-capable clang (apt-get install clang-14 libfuzzer-14-dev)"
mkdir "$T/corpus"
[ -z "${FUZZ_SEEDS:-}" ] || cp -r "$FUZZ_SEEDS"/. "$T/corpus/" 2>/dev/null || true
secs=${HV_FUZZ_SECONDS:-20}
cd "$T" || exit 1
if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	"$T/corpus" >"$T/fuzz.log" 2>&1; then
	# the sanitizer's report (where it happened), then how the run ended
	sed -n '/^==[0-9]*==ERROR/,/^SUMMARY/p' "$T/fuzz.log" | head -n 60
	tail -n 15 "$T/fuzz.log"
	fail "$FUZZ_TARGET found a crash (input saved as $(ls "$T"/crash-* "$T"/leak-* "$T"/timeout-* 2>/dev/null | head -n 1))"
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/fuzz.log")
ok "$FUZZ_TARGET: ${runs:-?} inputs in ${secs}s, no crash"
