# Shared by the xl-*.sh tests; sourced after lib.sh (POSIX sh).
# Each test gets its own hvd (started on demand by xl) under $T, and kills
# it and any hv-vmm it left at the end.
need_kvm
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_HVD=$top_builddir/hypervisor/hvd/hvd
XL=$top_builddir/xl/xl
export HV_RUNDIR HV_LOGDIR HV_VMM HV_HVD
[ -x "$HV_HVD" ] || skip "hvd is not built ($HV_HVD)"
[ -x "$HV_VMM" ] || skip "hv-vmm is not built ($HV_VMM)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"

xl_cleanup() {
	for p in $("$XL" list -l 2>/dev/null | sed -n 's/.*"vmm_pid": \([1-9][0-9]*\).*/\1/p'); do
		kill -9 "$p" 2>/dev/null
	done
	if [ -f "$HV_RUNDIR/hvd.pid" ]; then
		kill "$(cat "$HV_RUNDIR/hvd.pid")" 2>/dev/null
	fi
	# an hv-vmm that outlived its hvd names our directory on its command line
	for d in /proc/[0-9]*; do
		if { tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null | grep -q "hv-vmm.*$T/"; then
			kill -9 "${d#/proc/}" 2>/dev/null
		fi
	done
	rm -rf "$T"
}
trap xl_cleanup EXIT

# xl ARGS: runs xl, output in $T/out and $T/err, status in $rc.
xl() {
	rc=0
	xl_limit=$(scaled "${XL_TIMEOUT:-60}")
	timeout -k 5 "$xl_limit" "$XL" "$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" != 124 ] || { cat "$T/out" "$T/err" >&2; fail "xl $* did not finish in ${xl_limit}s"; }
}

# xl_ok ARGS: xl must succeed.
# xl_said: what xl printed, and the end of hvd's log when xl says hvd went
# away (hvd's own last words and how it ended)
xl_said() {
	cat "$T/out" "$T/err" >&2
	if grep -q 'hvd went away\|cannot reach hvd' "$T/err" && [ -f "$HV_LOGDIR/hvd.log" ]; then
		echo "--- the end of hvd's log:" >&2
		tail -n 30 "$HV_LOGDIR/hvd.log" >&2
	fi
}

xl_ok() {
	xl "$@"
	[ "$rc" = 0 ] || { xl_said; fail "xl $*: exit status $rc"; }
}

# xl_rc WANT ARGS: xl must exit with WANT.
xl_rc() {
	want=$1
	shift
	xl "$@"
	[ "$rc" = "$want" ] || { xl_said; fail "xl $*: exit status $rc, expected $want"; }
}


# field NAME COLUMN: a column of NAME's line in xl list (2 id, 3 mem,
# 4 vcpus, 5 state); empty if there is no such domain.
field() {
	"$XL" list 2>/dev/null | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (SECONDS scaled by
# HV_TEST_TIME_SCALE).  COMMAND runs again with the arguments as they were
# expanded once, at the call: what changes must be looked at inside it (a
# function, or sh -c), never in a $(...) among its arguments.
wait_for() {
	s=$(scaled "$1")
	shift
	i=0
	while ! "$@"; do
		i=$((i + 1))
		[ "$i" -le $((s * 10)) ] || return 1
		sleep 0.1
	done
}

state_is() { [ "$(field "$1" 5)" = "$2" ]; }

# wait_dom_line NAME LOG REGEX SECONDS: until REGEX is a line of LOG (as
# wait_line), but gives up at once when NAME stops running (shut down,
# crashed or gone), printing the end of LOG, xl list and the end of its
# hv-vmm's log and of hvd's: a guest that ended early never writes the
# line, and waiting the whole limit for it hides why.
# running NAME: NAME runs: "r-----", or "-b----" when all its vCPUs were
# idle (halted) as hvd looked
running() {
	case $(field "$1" 5) in
	r* | -b*) return 0 ;;
	*) return 1 ;;
	esac
}
wait_dom_line() {
	wdl=0
	wait_line "$2" "$3" "$4" "running '$1'" || wdl=$?
	[ "$wdl" != 0 ] || return 0
	if [ "$wdl" = 2 ]; then
		echo "$1 is no longer running (xl list: $(field "$1" 5)); the end of $2:" >&2
	else
		echo "no line '$3' in $2 after $(scaled "$4") s; its end:" >&2
	fi
	tail -n 20 "$2" >&2
	[ "$wdl" != 2 ] || why_not_running "$1"
	return 1
}

# why_not_running NAME: xl list, and the end of NAME's hv-vmm log and of
# hvd's (its lines about NAME and the domain-wide ones), for a failure's report
why_not_running() {
	echo "--- xl list; the end of $1's hv-vmm log and of hvd's:" >&2
	"$XL" list >&2
	tail -n 20 "$HV_LOGDIR/vmm-$1.log" >&2
	grep -v '^.*domain [0-9]* (\([^)]*\))' "$HV_LOGDIR/hvd.log" 2>/dev/null | tail -n 5 >&2
	grep "domain [0-9]* ($1)" "$HV_LOGDIR/hvd.log" 2>/dev/null | tail -n 20 >&2
}
gone() { [ -z "$(field "$1" 2)" ]; }
new_id() { nid=$(field "$1" 2); [ -n "$nid" ] && [ "$nid" != "$2" ] && running "$1"; }

# vmm_pid NAME: the pid of NAME's hv-vmm (needs python3).
vmm_pid() {
	"$XL" list -l "$1" 2>/dev/null | python3 -c \
		'import json, sys; print(json.load(sys.stdin)[0]["info"]["vmm_pid"])'
}

# live_vmm_pid NAME: vmm_pid, where that process still runs; else fails,
# saying why NAME is no longer running.
live_vmm_pid() {
	lvp=$(vmm_pid "$1")
	[ -n "$lvp" ] && [ -d "/proc/$lvp" ] && { echo "$lvp"; return 0; }
	why_not_running "$1"
	fail "$1's hv-vmm (pid '$lvp') is not running"
}

# holds PID FILE: process PID has FILE open.
holds() {
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

# conlog NAME: NAME's console log
conlog() { echo "$HV_LOGDIR/console/$1.log"; }

# counters FILE [FROM]: the counter numbers (minios workload=counter) in
# FILE's complete lines, from line FROM on (a line the guest is still
# writing is left out); last_counter and first_counter: the last, the first
counters() {
	{ tail -n +"${2:-1}" "$1" 2>/dev/null; echo; } | sed '$d' | tr -d '\r' |
		sed -n 's/^minios: counter \([0-9][0-9]*\)$/\1/p'
}
last_counter() { counters "$@" | tail -n 1; }
# past LOG N: the last counter in LOG is above N
past() { _p=$(last_counter "$1"); [ -n "$_p" ] && [ "$_p" -gt "$2" ]; }
# seam_counter OLD NEW: the first counter in NEW, the console log a domain
# went on writing after OLD (a migration's destination after its source).
# The guest writes a line a byte at a time, so one it had begun when it was
# paused for the hand-over ends in NEW: OLD's unfinished last line and
# NEW's first are one line.
seam_counter() {
	cat "$1" "$2" >"$T/seam" 2>/dev/null
	counters "$T/seam" | sed -n "$(($(counters "$1" | wc -l) + 1))p"
}
first_counter() { counters "$@" | head -n 1; }
