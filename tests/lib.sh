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

# HV_TEST_TIME_SCALE (default 1): a factor for the tests' time limits, for
# slow hosts; the nested re-run below sets 10 (QEMU TCG).  Waits are for
# conditions; only their limits grow.
HV_TEST_TIME_SCALE=${HV_TEST_TIME_SCALE:-1}
export HV_TEST_TIME_SCALE

# scaled SECONDS: SECONDS times HV_TEST_TIME_SCALE (whole seconds).
scaled() {
	awk -v s="$1" -v f="$HV_TEST_TIME_SCALE" 'BEGIN { x = s * f; printf "%d\n", (x == int(x)) ? x : int(x) + 1 }'
}

need_kvm() {
	if [ ! -e /dev/kvm ]; then
		nested_rerun
		skip "no /dev/kvm on this host (hardware virtualization or PVM needed)${nested_why:+; $nested_why}"
	fi
	[ -c /dev/kvm ] || skip "/dev/kvm is not a character device"
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "/dev/kvm is not accessible to $(id -un)"
}

# Without /dev/kvm, a KVM test runs again, whole, in the nested harness's
# outer host (tests/nested/run --hostroot: Linux under QEMU TCG with
# emulated SVM, kvm_amd, this host's root filesystem read-only at the same
# paths, the same environment and working directory) and exits with its
# status there.  Returns (with $nested_why) when that cannot be done:
# HV_NESTED_INTEGRATION=0, already inside, or the harness lacks something.
# HV_NESTED_TIMEOUT bounds the outer QEMU (default 900 s).  See
# tests/nested/README.
HV_NESTED_SANITIZER_TESTS=${HV_NESTED_SANITIZER_TESTS:-"vmm-boot vmm-hostile vmm-save"}
# Without HV_NESTED_INTEGRATION (or with "auto"), only these run nested:
# the disk tests, which cover hv-vmm's virtio-blk, hvd's and libhv's disk
# handling and xl's disk configs, xl-net (taps, bridges, virtio-net), the
# console log's cap, metering, a stalled save, migration, the jail
# of hvd's hv-vmms and their CPU cgroups, with real KVM within
# CI's time (in a sanitizer build only the first: ASan under TCG is slow).
HV_NESTED_DEFAULT_TESTS=${HV_NESTED_DEFAULT_TESTS:-"disk-vmm disk-xl xl-disk vmm-hotplug xl-net vmm-console-log meter-kvm xl-save-stall xl-migrate xl-jail xl-sched xl-config-update"}
nested_rerun() {
	nested_list=$HV_NESTED_DEFAULT_TESTS
	[ "${HV_SANITIZERS:-no}" != yes ] || nested_list=${nested_list%% *}
	nested_why=
	if [ "${HV_NESTED_INTEGRATION:-0}" = 0 ] && [ -n "${HV_NESTED_INTEGRATION+set}" ]; then
		nested_why="HV_NESTED_INTEGRATION=0: not run in the nested outer host"
		return 0
	fi
	if [ "${HV_NESTED_INTEGRATION:-auto}" = auto ]; then
		case " $nested_list " in
		*" $(basename "$0" .sh) "*) ;;
		*)
			nested_why="only $nested_list run in the nested outer host unless HV_NESTED_INTEGRATION=1 (time)"
			return 0
			;;
		esac
	fi
	if [ -n "${HV_NESTED_INNER:-}" ]; then
		nested_why="not even in the nested outer host"
		return 0
	fi
	# A sanitizer build runs a few of them nested (time: TCG and ASan
	# together), those that cover most of hv-vmm, hvd and xl; the normal
	# build runs all.  HV_NESTED_INTEGRATION=all runs all here too.
	if [ "${HV_SANITIZERS:-no}" = yes ] && [ "${HV_NESTED_INTEGRATION:-auto}" = 1 ]; then
		case " $HV_NESTED_SANITIZER_TESTS " in
		*" $(basename "$0" .sh) "*) ;;
		*)
			nested_why="sanitizer build: in the nested outer host only $HV_NESTED_SANITIZER_TESTS run here (time; the normal build runs every test; HV_NESTED_INTEGRATION=all runs it)"
			return 0
			;;
		esac
	fi
	nested_run=$HV_TESTS_SRC/nested/run
	if [ ! -f "$nested_run" ] || ! command -v bash >/dev/null 2>&1; then
		nested_why="the nested harness needs bash and $nested_run"
		return 0
	fi
	if ! nested_why=$(bash "$nested_run" --hostroot --check 2>&1); then
		nested_why="the nested harness cannot run here: ${nested_why#*SKIP: }"
		return 0
	fi
	nested_sh=$(readlink /proc/$$/exe 2>/dev/null) || nested_sh=/bin/sh
	echo "no /dev/kvm here: running $0 again in the nested outer host (tests/nested/run --hostroot)"
	rm -rf "$T"
	trap - EXIT
	unset T nested_why
	HV_NESTED_INNER=1
	[ "$HV_TEST_TIME_SCALE" != 1 ] || HV_TEST_TIME_SCALE=10
	export HV_NESTED_INNER HV_TEST_TIME_SCALE
	exec bash "$nested_run" --hostroot --pass-env --chdir "$PWD" \
		--smp "${HV_NESTED_SMP:-2}" --mem "${HV_NESTED_MEM:-2048}" \
		--timeout "${HV_NESTED_TIMEOUT:-900}" -- "$nested_sh" "$0"
}

# mkcfg NAME [LINE...]: a minios config in $T/NAME.cfg.
mkcfg() {
	name=$1
	shift
	{
		echo "name = \"$name\""
		echo "kernel = \"$MINIOS\""
		echo "memory = 64"
		echo "vcpus = 2"
		for l in "$@"; do echo "$l"; done
	} >"$T/$name.cfg"
}

# user_minios: $U, a new directory under /tmp that other users may read,
# with a copy of minios they may read too (the tests' $T is root's alone);
# the caller removes it.
user_minios() {
	U=$(mktemp -d /tmp/hv-user.XXXXXX)
	chmod 755 "$U"
	cp "$MINIOS" "$U/minios"
	chmod 644 "$U/minios"
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
	vmm_limit=$(scaled "${VMM_TIMEOUT:-60}")
	timeout -k 5 "$vmm_limit" "$HV_VMM" run "$@" </dev/null >"$out" 2>"$out.err" || rc=$?
	[ "$rc" != 124 ] || { cat "$out" "$out.err" >&2; fail "hv-vmm $* did not finish in ${vmm_limit}s"; }
}

# expect_rc WANT WHAT: checks $rc from the last vmm call.
expect_rc() {
	[ "$rc" = "$1" ] || { tail -n 30 "$out" "$out.err" >&2; fail "$2: exit status $rc, expected $1"; }
}

# expect_line FILE PATTERN WHAT: an extended regex that must match a line.
expect_line() {
	grep -Eq -- "$2" "$1" || { tail -n 30 "$1" >&2; fail "$3: no line matching '$2'"; }
}

# wait_line FILE PATTERN SECONDS [WHILE]: waits for a line to appear
# (SECONDS scaled by HV_TEST_TIME_SCALE); 1 when the time is up.  With
# WHILE, a command evaluated each round, it gives up at once (status 2)
# when that fails: the writer of the line is gone.
wait_line() {
	i=0
	wl_max=$(($(scaled "$3") * 10))
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		if [ -n "${4:-}" ] && ! eval "$4"; then
			# gone meanwhile: the line may have come just before
			grep -Eq -- "$2" "$1" 2>/dev/null && return 0
			return 2
		fi
		i=$((i + 1))
		[ "$i" -le "$wl_max" ] || return 1
		sleep 0.1
	done
}
