# Shared by the migration tests (xl-migrate.sh, xl-migrate-seal.sh), sourced
# after lib.sh and xl-lib.sh: a second hvd, B, on this host (its own
# HV_RUNDIR and HV_LOGDIR under $T), receivers for both directions, the
# faulty receiver (mig-proxy.py), and what the counter tells.

# hv-vmm's informational lines (the digest's check) in its log
HV_VMM_VERBOSE=1
export HV_VMM_VERBOSE
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

conlog_b() { echo "$B_LOGDIR/console/$1.log"; }
field_b() { xlb list 2>/dev/null | awk -v n="$1" -v c="$2" '$1 == n { print $c }'; }
running_b() { case $(field_b "$1" 5) in r----- | -b----) return 0 ;; *) return 1 ;; esac; }
why_not_running_b() { (HV_RUNDIR=$B_RUNDIR HV_LOGDIR=$B_LOGDIR; why_not_running "$1"); }
gone_b() { [ -z "$(field_b "$1" 2)" ]; }
no_domains_b() { [ "$(xlb list 2>/dev/null | awk 'NR > 1 && $2 != 0' | wc -l)" = 0 ]; }

# (conlog, counters, last_counter and past: xl-lib.sh)
# advancing LOG: the counter in LOG goes up
advancing() {
	_a=$(last_counter "$1")
	wait_for 10 past "$1" "${_a:--1}"
}
