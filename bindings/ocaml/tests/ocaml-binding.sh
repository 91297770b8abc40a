#!/bin/sh
# The OCaml binding's tests (test_hv.ml).  libhv starts hvd on demand in a
# private runtime directory under $T; this script kills that hvd, and any
# hv-vmm it started, at the end.  Checks that need a running domain skip
# inside the program, saying why, when the host has no /dev/kvm.
. "$top_srcdir/tests/lib.sh"

prog=$top_builddir/bindings/ocaml/_build/tests/test-hv
[ -x "$prog" ] || skip "the OCaml binding was not built ($prog; configure --disable-ocaml?)"
[ -x "$HV_HVD" ] || skip "hvd was not built ($HV_HVD)"

HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_INCLUDE=$top_srcdir/libhv/include/hv
export HV_RUNDIR HV_LOGDIR HV_INCLUDE MINIOS

cleanup() {
	if [ -f "$T/run/hvd.pid" ]; then
		kill -9 "$(cat "$T/run/hvd.pid")" 2>/dev/null
	fi
	for s in "$T"/run/domains/*/state; do
		[ -f "$s" ] || continue
		p=$(sed -n 's/^vmm_pid=//p' "$s")
		[ -z "$p" ] || [ "$p" = 0 ] || kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

rc=0
# In the sanitizer build, LeakSanitizer stays on for libhv and the
# binding; only the OCaml runtime's signal stack, which it never frees,
# is suppressed.
printf 'leak:caml_setup_stack_overflow_detection\n' >"$T/lsan.supp"
LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp \
	timeout -k 5 120 "$prog" || rc=$?
if [ "$rc" != 0 ]; then
	[ -f "$T/log/hvd.log" ] && tail -n 20 "$T/log/hvd.log" >&2
	fail "test-hv exited with $rc"
fi
[ -f "$T/run/hvd.pid" ] || fail "no hvd was started on demand in $T/run"
ok "OCaml binding"
