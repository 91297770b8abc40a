# Shared by the xl tests that need no domain (xl-compat.sh, xl-top.sh;
# sourced after lib.sh): xl against an hvd of the test's own ($T/run,
# $T/log), which xl starts on demand and which goes at the end; x runs xl
# and checks its exit status, says checks what it printed.
XL=$top_builddir/xl/xl
[ -x "$XL" ] || skip "xl is not built ($XL)"
[ -x "$HV_HVD" ] || skip "hvd is not built ($HV_HVD)"
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
export HV_RUNDIR HV_LOGDIR HV_HVD
trap 'if [ -f "$HV_RUNDIR/hvd.pid" ]; then kill "$(cat "$HV_RUNDIR/hvd.pid")" 2>/dev/null; fi; rm -rf "$T"' EXIT

# x WANT ARGS: runs xl, output in $T/out and $T/err; its status must be WANT.
x() {
	want=$1
	shift
	rc=0
	timeout -k 5 60 "$XL" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = "$want" ] ||
		{ cat "$T/out" "$T/err" >&2; fail "xl $*: exit status $rc, expected $want"; }
}
# says FILE TEXT: FILE ($T/out or $T/err) holds TEXT.
says() {
	grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "no \"$2\" in xl's $(basename "$1")"; }
}
