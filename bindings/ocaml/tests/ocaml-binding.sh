#!/bin/sh
# The OCaml binding's tests (test_hv.ml), then its examples.  libhv starts
# hvd on demand in a private runtime directory under $T; this script kills
# that hvd, and any hv-vmm it started, at the end.  Checks that need a
# running domain skip inside the program, saying why, when the host has no
# /dev/kvm; with HV_NESTED_INTEGRATION=1 the whole script runs again in
# the nested harness's outer host instead, where they run (tests/lib.sh).
. "$top_srcdir/tests/lib.sh"

ml=$top_builddir/bindings/ocaml/_build
prog=$ml/tests/test-hv
[ -x "$prog" ] || skip "the OCaml binding was not built ($prog; configure --disable-ocaml?)"
[ -x "$HV_HVD" ] || skip "hvd was not built ($HV_HVD)"
if [ ! -e /dev/kvm ]; then
	nested_rerun
	echo "no /dev/kvm here: the checks that need a running domain skip${nested_why:+ ($nested_why)}"
fi

HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_INCLUDE=$top_srcdir/libhv/include/hv
# xl, for the other end of the migration checks (whose hvd runs in $T/run2)
HV_XL=$top_builddir/xl/xl
export HV_RUNDIR HV_LOGDIR HV_INCLUDE HV_XL MINIOS
# In a sanitizer build: OCaml's runtime gives each thread an alternate
# signal stack of its own, and ASan, which had put its own there, aborts
# when it cannot unmap it as the thread ends.  ASan without one.
# LeakSanitizer stays on for libhv and the binding; only the OCaml
# runtime's signal stacks, which it never frees, are suppressed.
printf 'leak:caml_setup_stack_overflow_detection\n' >"$T/lsan.supp"
if [ "${HV_SANITIZERS:-no}" = yes ]; then
	ASAN_OPTIONS="use_sigaltstack=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T/lsan.supp
	export ASAN_OPTIONS LSAN_OPTIONS
fi

# the hvds of $T/run and $T/run2, and the hv-vmms they started
cleanup() {
	for r in "$T/run" "$T/run2"; do
		if [ -f "$r/hvd.pid" ]; then
			kill -9 "$(cat "$r/hvd.pid")" 2>/dev/null
		fi
		for s in "$r"/domains/*/state; do
			[ -f "$s" ] || continue
			p=$(sed -n 's/^vmm_pid=//p' "$s")
			[ -z "$p" ] || [ "$p" = 0 ] || kill -9 "$p" 2>/dev/null
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT

rc=0
timeout -k 5 "$(scaled 300)" "$prog" || rc=$?
if [ "$rc" != 0 ]; then
	[ -f "$T/log/hvd.log" ] && tail -n 20 "$T/log/hvd.log" >&2
	fail "test-hv exited with $rc"
fi
[ -f "$T/run/hvd.pid" ] || fail "no hvd was started on demand in $T/run"
ok "OCaml binding"

# hv.lwt, when configure found Lwt.
if [ -x "$ml/tests/test-hv-lwt" ]; then
	rc=0
	timeout -k 5 "$(scaled 300)" "$ml/tests/test-hv-lwt" || rc=$?
	[ "$rc" = 0 ] || fail "test-hv-lwt exited with $rc"
	ok "OCaml binding, hv.lwt"
else
	echo "SKIP: hv.lwt was not built (configure found no Lwt: liblwt-ocaml-dev)"
fi

# The examples, as a user runs them.
"$ml/examples/hv-list" >"$T/list.out" 2>&1 || { cat "$T/list.out"; fail "hv-list failed"; }
expect_line "$T/list.out" '^Name +ID +Mem +VCPUs +State' "hv-list's table"
"$ml/examples/hv-events" 0.3 >"$T/events.out" 2>&1 || { cat "$T/events.out"; fail "hv-events failed"; }
printf 'name = "bad"\nmemory = "12x"\n' >"$T/bad.cfg"
rc=0
"$ml/examples/hv-create-wait" "$T/bad.cfg" >"$T/cw.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$T/cw.out"; fail "hv-create-wait with a bad config: exit $rc, not 1"; }
expect_line "$T/cw.out" "^hv-create-wait: $T/bad.cfg:2: memory: " "hv-create-wait's error"
"$ml/examples/hv-save-all" "$T/saved" >"$T/sa.out" 2>&1 || { cat "$T/sa.out"; fail "hv-save-all failed"; }
if [ -e /dev/kvm ] && [ -n "${MINIOS:-}" ]; then
	printf 'name = "ml-example"\nmemory = 32\nkernel = "%s"\nextra = "workload=counter runtime=1"\n' \
		"$MINIOS" >"$T/ex.cfg"
	timeout -k 5 "$(scaled 60)" "$ml/examples/hv-create-wait" "$T/ex.cfg" >"$T/cw.out" 2>&1 ||
		{ cat "$T/cw.out"; fail "hv-create-wait did not see its domain end"; }
	expect_line "$T/cw.out" '^ml-example: powered off$' "hv-create-wait"
fi
ok "OCaml examples: hv-list, hv-events, hv-create-wait, hv-save-all"
