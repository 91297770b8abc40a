#!/bin/sh
# xl migrate between two hvds on this host (two HV_RUNDIRs), minios with the
# counter and dirty-page workloads, 1 and 4 vCPUs: the counter goes on at
# the destination exactly where it stopped at the source and the dirty
# pages verify; then every way a migration can fail before the hand-over
# leaves the domain running at the source, unchanged, and nothing at the
# destination: a receiver that is not hv, the destination refusing in
# preflight (a name it has), the stream cut, a byte of it flipped, the
# receiver killed mid-stream, a guest that dirties faster than a bandwidth
# cap (timeout); after GO with no report, the source keeps its copy paused
# and says so.  Auto-converge makes that guest converge.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

B_RUNDIR=$T/run2
B_LOGDIR=$T/log2
PROXY="python3 $HV_TESTS_SRC/integration/mig-proxy.py"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed for the faulty receivers"

# the other hvd, B: xl with its directories
xlb() { HV_RUNDIR=$B_RUNDIR HV_LOGDIR=$B_LOGDIR "$XL" "$@"; }
RECV_B="env HV_RUNDIR=$B_RUNDIR HV_LOGDIR=$B_LOGDIR $XL migrate-receive"
RECV_A="env HV_RUNDIR=$HV_RUNDIR HV_LOGDIR=$HV_LOGDIR $XL migrate-receive"
b_cleanup() {
	[ -f "$B_RUNDIR/hvd.pid" ] && kill "$(cat "$B_RUNDIR/hvd.pid")" 2>/dev/null
	xl_cleanup
}
trap b_cleanup EXIT

conlog() { echo "$HV_LOGDIR/console/$1.log"; }
conlog_b() { echo "$B_LOGDIR/console/$1.log"; }
field_b() { xlb list 2>/dev/null | awk -v n="$1" -v c="$2" '$1 == n { print $c }'; }
gone_b() { [ -z "$(field_b "$1" 2)" ]; }
no_domains_b() { [ "$(xlb list 2>/dev/null | awk 'NR > 1 && $2 != 0' | wc -l)" = 0 ]; }

# counters FILE: the counter numbers in FILE's complete lines
counters() {
	{ cat "$1" 2>/dev/null; echo; } | sed '$d' | tr -d '\r' |
		sed -n 's/^minios: counter \([0-9][0-9]*\)$/\1/p'
}
last_counter() { counters "$1" | tail -n 1; }
past() { _p=$(last_counter "$1"); [ -n "$_p" ] && [ "$_p" -gt "$2" ]; }
# advancing LOG: the counter in LOG goes up
advancing() {
	_a=$(last_counter "$1")
	wait_for 10 past "$1" "${_a:--1}"
}

# runs_on NAME WHAT: after a failed migration, NAME runs at the source,
# its counter goes on, and B has nothing
runs_on() {
	state_is "$1" r----- || { xl_said; fail "$2: $1 is '$(field "$1" 5)' at the source, not running"; }
	advancing "$(conlog "$1")" || fail "$2: $1's counter stopped at the source"
	wait_for 20 no_domains_b || { xlb list >&2; fail "$2: the destination kept a domain"; }
	grep -q "dirty verify FAILED" "$(conlog "$1")" && fail "$2: $1's memory changed"
	ok "$2: $1 runs on at the source, the destination has nothing"
}

# --- migrate A -> B -> A, 1 and 4 vCPUs ----------------------------------------

for v in 1 4; do
	n=m$v
	mkcfg "$n" "vcpus = $v" 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
	xl_ok create -q "$T/$n.cfg"
	wait_dom_line "$n" "$(conlog "$n")" 'minios: dirty 8 MiB' 30 || fail "$n did not boot"
	wait_line "$(conlog "$n")" 'minios: counter 3' 30 || fail "$n does not count"
	xl_ok migrate --downtime-ms "$(scaled 2000)" -s "" "$n" "$RECV_B"
	grep -q "^Migrating domain [0-9]* ($n) to .*\.\.\. done in .* downtime [0-9.]* ms" "$T/err" ||
		{ cat "$T/err" >&2; fail "migrate $n: no summary"; }
	wait_for 10 gone "$n" || fail "$n is still at the source after the migration"
	[ "$(field_b "$n" 5)" = r----- ] || { xlb list >&2; fail "$n is not running at the destination"; }
	[ "$(field_b "$n" 4)" = "$v" ] || fail "$n has $(field_b "$n" 4) vCPUs at the destination, not $v"
	before=$(last_counter "$(conlog "$n")")
	wait_for 20 past "$(conlog_b "$n")" $((before + 2)) ||
		{ tail "$(conlog_b "$n")" >&2; fail "$n does not count at the destination"; }
	first=$(counters "$(conlog_b "$n")" | head -n 1)
	[ "$first" = $((before + 1)) ] ||
		fail "$n's counter went on at $first at the destination, after $before at the source"
	grep -q 'minios: boot ok' "$(conlog_b "$n")" && fail "$n booted again at the destination"
	wait_line "$(conlog_b "$n")" 'minios: dirty verify ok pages=[1-9]' 20 ||
		{ tail "$(conlog_b "$n")" >&2; fail "$n's dirty pages did not verify at the destination"; }
	grep -q 'dirty verify FAILED' "$(conlog_b "$n")" && fail "$n's dirty pages changed in the migration"
	ok "migrate, $v vCPU(s): the counter goes on at $first, the dirty pages verify"

	# and back, compressed
	lines=$(wc -l <"$(conlog_b "$n")")
	rc=0
	timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate -q -z \
		--downtime-ms "$(scaled 2000)" -s "" "$n" "$RECV_A" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || { xl_said; fail "migrate $n back: exit status $rc"; }
	wait_for 10 gone_b "$n" || fail "$n is still at B after the migration back"
	state_is "$n" r----- || fail "$n is not running at A after the migration back"
	before=$(head -n "$lines" "$(conlog_b "$n")" | tr -d '\r' | sed -n 's/^minios: counter \([0-9]*\)$/\1/p' | tail -n 1)
	wait_for 20 past "$(conlog "$n")" $((before + 2)) || fail "$n does not count back at A"
	ok "migrate -z back, $v vCPU(s)"
	xl_ok destroy "$n"
done

# --- failures before the hand-over ------------------------------------------------

mkcfg f 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
xl_ok create -q "$T/f.cfg"
wait_dom_line f "$(conlog f)" 'minios: counter 3' 30 || fail "f did not boot"

xl_rc 1 migrate -s "" f "true"
grep -q "went away\|did not take" "$T/err" || { cat "$T/err" >&2; fail "a receiver that is not hv: no clear message"; }
runs_on f "a receiver that ends at once"

# B has a domain named f: refused in preflight
mkcfg f 'memory = 32' 'extra = "workload=counter"'
xlb create -q "$T/f.cfg" >/dev/null 2>&1 || fail "cannot create f at B"
xl_rc 1 migrate -s "" f "$RECV_B"
grep -q 'a domain named "f" exists at the destination' "$T/err" ||
	{ cat "$T/err" >&2; fail "preflight: no clear message for a name in use"; }
state_is f r----- || fail "preflight refusal: f is not running at the source"
advancing "$(conlog f)" || fail "preflight refusal: f's counter stopped"
xlb destroy f >/dev/null 2>&1
wait_for 10 gone_b f || fail "f did not go from B"
ok "preflight: a name the destination has is refused before any memory"

# proxied FAULT: the faulty receiver did its part
proxied() { grep -q "mig-proxy: $1" "$T/err" || { cat "$T/err" >&2; fail "the faulty receiver did not act ($1)"; }; }

xl_rc 1 migrate -s "" f "$PROXY --cut 3000000 '$RECV_B'"
proxied "cut the stream"
runs_on f "the stream cut after 3 MB"

xl_rc 1 migrate -s "" f "$PROXY --flip 2000000 '$RECV_B'"
proxied "flipped the byte"
grep -q "CRC\|corrupt\|could not load" "$T/err" || { cat "$T/err" >&2; fail "a flipped byte: the destination did not say the stream is damaged"; }
runs_on f "a byte of the stream flipped"

xl_rc 1 migrate -s "" f "$PROXY --kill 4000000 '$RECV_B'"
proxied "killed the receiver"
runs_on f "the receiver killed mid-stream"

# a guest that writes faster than the link: no convergence, the timeout
mkcfg w 'memory = 64' 'extra = "workload=counter workload=dirty:32:64"'
xl_ok create -q "$T/w.cfg"
wait_dom_line w "$(conlog w)" 'minios: dirty 32 MiB' 30 || fail "w did not boot"
xl_rc 1 migrate --downtime-ms 5 --bandwidth 16 --timeout 8 -s "" w "$RECV_B"
grep -q "did not converge\|cannot get under" "$T/err" ||
	{ cat "$T/err" >&2; fail "no convergence: no clear message"; }
runs_on w "dirtying faster than the bandwidth cap"

# --- after GO: no report, the source's copy stays paused ----------------------

xl_rc 1 migrate --downtime-ms "$(scaled 2000)" -s "" f "$PROXY --kill-at-go '$RECV_B'"
proxied "killed the receiver at GO"
grep -q "told to go but did not report" "$T/err" ||
	{ cat "$T/err" >&2; fail "no report after GO: no clear message"; }
state_is f --p--- || fail "no report after GO: f is '$(field f 5)' at the source, not paused"
ok "no report after GO: the source keeps its copy paused and says so"
xl_ok destroy f
xl_ok destroy w
b_cleanup
trap - EXIT
