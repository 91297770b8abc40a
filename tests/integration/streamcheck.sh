#!/bin/sh
# hv-streamcheck on save streams written by tests/unit/test-stream (the
# library's writer), then on damaged copies: exit status 0 and a listing for
# a valid stream, 1 and the reader's message, saying where, otherwise.
. "$HV_TESTS_SRC/lib.sh"
check="$top_builddir/hypervisor/shared/stream/hv-streamcheck"
writer="$top_builddir/tests/unit/test-stream"
[ -x "$check" ] || fail "$check was not built"
[ -x "$writer" ] || skip "tests/unit/test-stream was not built (make check builds it)"

# run_check WANT_RC WHAT ARGS...: runs hv-streamcheck, output in $T/out, $T/err.
run_check() {
	want=$1
	what=$2
	shift 2
	rc=0
	"$check" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "$what: exit status $rc, expected $want"; }
}

# patch FILE OFFSET: overwrites one byte with 0xa5 (or 0x5a if it was 0xa5).
patch() {
	old=$(od -An -tx1 -j "$2" -N1 "$1" | tr -d ' ')
	[ "$old" = a5 ] && new='\132' || new='\245'
	printf "$new" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

for mode in plain compressed aligned "live compressed"; do
	[ "$mode" = plain ] && set -- || set -- $mode
	"$writer" write "$T/s" big "$@" || fail "test-stream could not write a $mode stream"
	run_check 0 "$mode stream" "$T/s"
	flags=$(echo "$mode" | sed 's/plain/none/; s/ /,/')
	expect_line "$T/out" "^valid: version 1, flags $flags, 1[12] records, [0-9]+ pages \\([0-9]+ zero\\), $(wc -c <"$T/s" | tr -d ' ') bytes\$" "$mode stream summary"
	expect_line "$T/out" '^ +0  offset 32 +DOMAIN_CONFIG +len [0-9]+ +flags 0x0$' "$mode stream: first record"
	expect_line "$T/out" ' END +len 16 +flags 0x0$' "$mode stream: END"
	expect_line "$T/out" ' VCPU_STATE .* vcpu 1$' "$mode stream: vCPU 1"
	expect_line "$T/out" ' unknown .* type 0x7fff0001, optional, skipped$' "$mode stream: optional record"
	case $mode in
	*compressed*) expect_line "$T/out" 'PAGE_BATCH .* pages 1024 zero [0-9]+ compressed$' "$mode stream: a full compressed batch" ;;
	*) expect_line "$T/out" 'PAGE_BATCH .* pages 1024 zero [0-9]+ uncompressed$' "$mode stream: a full batch" ;;
	esac
	ok "$mode stream: valid, one line per record"
done

"$writer" write "$T/s" small || fail "test-stream could not write a small stream"
size=$(wc -c <"$T/s" | tr -d ' ')
run_check 0 "standard input" - <"$T/s"
run_check 0 "-q" -q "$T/s"
[ "$(wc -l <"$T/out")" = 1 ] || fail "-q printed more than the summary"
ok "standard input and -q"

# A damaged byte in the header, a record header, a body, page data, a CRC.
for off in 3 9 28 40 100 300 2000 $((size - 8)) $((size - 2)); do
	cp "$T/s" "$T/bad"
	patch "$T/bad" "$off"
	run_check 1 "byte $off changed" "$T/bad"
	expect_line "$T/err" "^hv-streamcheck: $T/bad: " "byte $off changed: message names the file"
	expect_line "$T/err" '(magic|version|CRC|reserved|record [0-9]+ \([A-Z_]+\) at offset [0-9]+)' "byte $off changed: message says where"
done
cp "$T/s" "$T/bad"
patch "$T/bad" 2000
run_check 1 "page data changed" "$T/bad"
expect_line "$T/err" 'CRC mismatch: record 4 \(PAGE_BATCH\) at offset 344: record CRC 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}$' "page data changed"
ok "damaged bytes refused, with where"

for cut in 0 20 32 200 $((size / 2)) $((size - 1)); do
	head -c "$cut" "$T/s" >"$T/cut"
	run_check 1 "cut at $cut" "$T/cut"
	expect_line "$T/err" 'truncated' "cut at $cut"
done
head -c $((size - 40)) "$T/s" >"$T/cut"
run_check 1 "END missing" "$T/cut"
expect_line "$T/err" "stream ends at offset $((size - 40)) after 9 records with no END record" "END missing"
ok "truncated streams refused"

cp "$T/s" "$T/bad"
printf 'x' >>"$T/bad"
run_check 1 "junk after END" "$T/bad"
expect_line "$T/err" "offset $size: data after the END record" "junk after END"
printf 'HVSAVE\r\n\002\0\0\0' | cat - "$T/s" | head -c 32 >"$T/bad"
run_check 1 "not a whole header" "$T/bad"
printf 'not a stream at all, just some text here\n' >"$T/bad"
run_check 1 "not a stream" "$T/bad"
expect_line "$T/err" 'not a save stream' "not a stream"
ok "junk after END and foreign files refused"

run_check 2 "missing file" "$T/nonexistent"
expect_line "$T/err" 'No such file' "missing file"
run_check 2 "no arguments"
expect_line "$T/err" '^usage: hv-streamcheck' "no arguments"
ok "usage errors exit 2"
