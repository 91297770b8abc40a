#!/bin/sh
# Runs in the outer host of tests/nested/linux-migrate.sh: a Debian Linux
# domain whose /init prints a counter line every 0.5 s (inner-init
# hvtest=counter) is live-migrated with xl migrate from one hvd to a second
# one on the same host (its own HV_RUNDIR and HV_LOGDIR), and back.  After
# each migration the source no longer lists it, the destination runs it,
# its counter goes on from where it was at the source, without a second
# boot, uptime and the wall clock never go back, and dmesg holds no soft
# lockup, hung task, RCU stall or unstable clocksource.
#
# Arguments: the vCPU count (default 2).  Exit status 0 if all went well;
# each step says what it saw in "MIGRATE-TEST:" lines.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
B_RUNDIR=/run/hv2 B_LOGDIR=/tmp/hvlog2
log=/tmp/deb-history.log	# the guest's whole console: the source's, then the destination's
boot_wait=120
run_wait=120
tprefix=MIGRATE-TEST
more_logdirs=$B_LOGDIR
. /bin/counter-lib.sh

v=${1:-2}
tag="$v vCPU(s)"
a_log=$HV_LOGDIR/console/deb.log
b_log=$B_LOGDIR/console/deb.log
xlb() { HV_RUNDIR=$B_RUNDIR HV_LOGDIR=$B_LOGDIR xl "$@"; }

deb_cfg "$v"

# follow FILE: the history log is FILE's lines (while deb writes there)
follow() { cp "$1" "$log"; }

xl_step "create ($tag)" create /tmp/deb.cfg
follow "$a_log"
i=0
while [ "$(counters_after 0)" -lt 4 ]; do
	i=$((i + 1))
	[ $i -le $((boot_wait * 10)) ] && ! crashed || fail "$tag: the guest did not start counting"
	sleep 0.1
	follow "$a_log"
done
echo "MIGRATE-TEST: booted ($tag): counting"

# migrate WHAT SRC DST XL: migrates deb with XL (xl or xlb, the source's
# hvd) to $receiver; its history is $prev's lines, then SRC's up to the
# migration, then DST's (a line cut in two at the pause is completed there)
migrate() {
	what=$1 src=$2 dst=$3 xlc=$4
	$xlc migrate --downtime-ms 2000 -s "" deb "$receiver" >/tmp/xl.out 2>/tmp/xl.err ||
		{ cat /tmp/xl.out /tmp/xl.err; fail "$what: xl migrate failed"; }
	cat /tmp/xl.err
	$xlc list 2>/dev/null | grep -q '^deb ' && fail "$what: the source still lists deb"
	cat $prev "$src" >"$log"
	cut=$(lines)
	before=$(last_counter "$cut")
	i=0
	while :; do
		cat $prev "$src" "$dst" >"$log" 2>/dev/null
		[ "$(counters_after "$cut")" -lt 6 ] || break
		i=$((i + 1))
		[ $i -le $((run_wait * 10)) ] || fail "$what: the counter did not go on at the destination"
		sleep 0.1
	done
	one_boot "$what"
	sum=$(history "$what" "$cut" $((cut + 1)) $((before + 1)) $((before + 1))) ||
		{ echo "$sum"; fail "$what: the history does not go on"; }
	echo "MIGRATE-TEST: migrated $what: $sum"
}

prev=
receiver="env HV_RUNDIR=$B_RUNDIR HV_LOGDIR=$B_LOGDIR xl migrate-receive"
migrate "there ($tag)" "$a_log" "$b_log" xl
xlb list | grep -Eq "^deb +[0-9]+ +256 +$v " || { xlb list; fail "$tag: the destination does not list deb"; }

# and back: A's first log moves aside, its new copy writes a fresh one
mv "$a_log" /tmp/deb-a1.log
prev=/tmp/deb-a1.log
receiver="env HV_RUNDIR=$HV_RUNDIR HV_LOGDIR=$HV_LOGDIR xl migrate-receive"
migrate "back ($tag)" "$b_log" "$a_log" xlb
xl list | grep -Eq "^deb +[0-9]+ +256 +$v " || { xl list; fail "$tag: deb is not back"; }
xl_step "destroy ($tag)" destroy deb
echo "MIGRATE-TEST: all done"
