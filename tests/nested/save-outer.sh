#!/bin/sh
# Runs in the outer host of tests/nested/linux-save.sh: a Debian Linux domain
# whose /init prints a counter line every 0.5 s (inner-init hvtest=counter)
# is saved with xl save (it must then be gone) and restored with xl restore;
# then checkpointed with xl save -c (it must run on), destroyed, and restored
# from the checkpoint with xl restore --lazy.  After each restore the counter
# goes on from where the saved guest was, without a second boot, uptime and
# the wall clock never go back, and dmesg holds no soft lockup, hung task,
# RCU stall or unstable clocksource.
#
# The guest trusts its TSC (tsc=reliable): the clocksource watchdog would
# otherwise compare it with kvm-clock, and two levels down, in QEMU's
# emulated SVM on a loaded machine, those two drift apart by themselves
# (seen: "Marking clocksource 'tsc' as unstable", 2 ms in 84 ms, after an
# xl save -c, which leaves both clocks alone: hv-vmm reads them and sets
# neither when the domain runs on).  Uptime and date going back, soft lockups, hung tasks
# and RCU stalls are still checked.
#
# Arguments: the vCPU counts to try, one round each (default: 1).  Exit
# status 0 if all went well; each step says what it saw in "SAVE-TEST:"
# lines.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
log=$HV_LOGDIR/console/deb.log
img=/tmp/deb.img

# Seconds to wait for the guest to boot, and for counter lines after a
# restore (everything is emulated two levels down: generous).
boot_wait=120
run_wait=120

tprefix=SAVE-TEST
. /bin/counter-lib.sh

# restored WHAT FROM XL-ARGS...: xl restore ... brings deb back with $v
# vCPUs, its counter goes on from console line FROM, and it did not boot again
restored() {
	step=$1 since=$2
	shift 2
	xl_step "$step ($tag)" "$@"
	cat /tmp/xl.err
	xl list | grep -Eq "^deb +[0-9]+ +256 +$v " ||
		{ xl list; fail "$tag: xl list does not show deb after xl $step"; }
	wait_counters "$since" 6 $run_wait ||
		fail "$tag: the counter did not go on after xl $step"
	one_boot "$step ($tag)"
}

# round VCPUS
round() {
	v=$1
	tag="$v vCPU(s)"
	deb_cfg "$v"
	rm -f "$log"
	xl_step "create ($tag)" create /tmp/deb.cfg
	if ! wait_boot && crashed; then
		# Booting is the boot tests' subject; here it is only the way
		# in.  A guest that crashed while booting (seen once, on a
		# loaded machine, in the emulated SVM) gets one more try, with
		# what hv-vmm said about it in the log.
		echo "SAVE-TEST: RETRY: the guest crashed while booting ($tag); hv-vmm said:"
		tail -n 20 "$HV_LOGDIR/vmm-deb.log"
		xl_step "destroy the crashed guest ($tag)" destroy deb
		wait_gone 30 || fail "$tag: the crashed deb is still listed after xl destroy"
		rm -f "$log"
		xl_step "create ($tag, again)" create /tmp/deb.cfg
		wait_boot
	fi
	crashed && fail "$tag: the guest crashed while booting, twice"
	[ "$(counters_after 0)" -ge 4 ] || fail "$tag: the guest did not start counting"
	xl list | grep -Eq "^deb +[0-9]+ +256 +$v " ||
		{ xl list; fail "$tag: xl list does not show deb with 256 MiB and $v vCPU(s)"; }
	echo "SAVE-TEST: booted ($tag): counting, last counter $(last_counter "$(lines)")"

	# xl save: the domain goes away, xl restore brings it back where it was
	xl_step "save ($tag)" save deb "$img"
	cat /tmp/xl.err
	listed && fail "$tag: deb is still listed after xl save"
	[ -s "$img" ] || fail "$tag: xl save wrote no image"
	saved=$(lines)
	before=$(last_counter "$saved")
	echo "SAVE-TEST: saved ($tag): deb gone from xl list, image $(($(stat -c %s "$img") / 1048576)) MiB, last counter $before"
	sleep 2
	restored restore "$saved" restore "$img"
	# The same guest throughout: lines 1..$saved, then the rest (the line
	# the save cut in two is completed by the restored guest).
	sum=$(history "save/restore ($tag)" "$saved" $((saved + 1)) \
		$((before + 1)) $((before + 1))) || { echo "$sum"; fail "$tag: after xl restore"; }
	echo "SAVE-TEST: restored ($tag): $sum"
	rm -f "$img"

	# xl save -c: the domain runs on; its checkpoint is taken between the
	# lines printed before and after the save
	pre=$(lines)
	low=$(last_counter "$pre")
	xl_step "save -c ($tag)" save -c deb "$img"
	cat /tmp/xl.err
	post=$(lines)
	high=$(last_counter "$post")
	listed || fail "$tag: deb is gone after xl save -c"
	wait_counters "$post" 4 $run_wait ||
		fail "$tag: the counter stopped after xl save -c"
	sum=$(history "save -c ($tag)" "$pre" $((pre + 1)) \
		$((low + 1)) $((low + 1))) || { echo "$sum"; fail "$tag: after xl save -c"; }
	echo "SAVE-TEST: checkpointed ($tag): deb runs on, $sum"

	xl_step "destroy ($tag)" destroy deb
	wait_gone 30 || fail "$tag: deb is still listed after xl destroy"
	gone=$(lines)
	# The destroyed guest may have left half a line, which the restored
	# guest's first line completes: not a line of either, so skip it.
	from=$((gone + 1))
	[ -n "$(tail -c 1 "$log")" ] && from=$((gone + 2))
	restored "restore --lazy" "$from" restore --lazy "$img"
	# The checkpoint's history: lines 1..$pre, then the restored guest's.
	# It goes on after a counter from $low to $high, or one later: the line
	# the checkpoint caught half written may be lost where it meets the
	# destroyed guest's last half line.
	sum=$(history "save -c, restore --lazy ($tag)" "$pre" "$from" \
		$((low + 1)) $((high + 2))) || { echo "$sum"; fail "$tag: after xl restore --lazy"; }
	echo "SAVE-TEST: restored the checkpoint lazily ($tag): $sum"

	xl_step "destroy ($tag)" destroy deb
	wait_gone 30 || fail "$tag: deb is still listed after the last xl destroy"
	rm -f "$img"
	mv "$log" "$HV_LOGDIR/console/deb-$v.log"
	echo "SAVE-TEST: round done ($tag)"
}

[ $# -gt 0 ] || set -- 1
for v in "$@"; do
	round "$v"
done
echo "SAVE-TEST: all done"
