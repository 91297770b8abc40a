# Shared helpers for the integration tests (sourced; POSIX sh).
# A test prints what it checks, exits 0 on success, 1 on failure and 77 to
# skip (saying why) when the host lacks something.

T=$(mktemp -d "${TMPDIR:-/tmp}/hv-test.XXXXXX")
export T
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

ok() {
	echo "ok: $*"
}

need_kvm() {
	[ -c /dev/kvm ] || skip "no /dev/kvm on this host (hardware virtualization or PVM needed)"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not accessible to $(id -un)"
}

need_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (${2:-see scripts/install-deps})"
}

# vmm OUT ARGS...: runs hv-vmm with a time limit, console to OUT, stderr to
# OUT.err; sets $rc to its exit status.
vmm() {
	out=$1
	shift
	rc=0
	timeout -k 5 "${VMM_TIMEOUT:-60}" "$HV_VMM" run "$@" </dev/null >"$out" 2>"$out.err" || rc=$?
	[ "$rc" != 124 ] || { cat "$out" "$out.err" >&2; fail "hv-vmm $* did not finish in ${VMM_TIMEOUT:-60}s"; }
}

# expect_rc WANT WHAT: checks $rc from the last vmm call.
expect_rc() {
	[ "$rc" = "$1" ] || { tail -n 30 "$out" "$out.err" >&2; fail "$2: exit status $rc, expected $1"; }
}

# expect_line FILE PATTERN WHAT: an extended regex that must match a line.
expect_line() {
	grep -Eq -- "$2" "$1" || { tail -n 30 "$1" >&2; fail "$3: no line matching '$2'"; }
}

# wait_line FILE PATTERN SECONDS: waits for a line to appear.
wait_line() {
	i=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}
