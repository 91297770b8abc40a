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
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM
log=$HV_LOGDIR/console/deb.log
img=/tmp/deb.img

# Seconds to wait for the guest to boot, and for counter lines after a
# restore (everything is emulated two levels down: generous).
boot_wait=120
run_wait=120

fail() {
	echo "SAVE-TEST: FAIL: $*"
	xl list
	[ -f "$log" ] && tail -n 30 "$log"
	[ -f "$HV_LOGDIR/vmm-deb.log" ] && tail -n 20 "$HV_LOGDIR/vmm-deb.log"
	[ -f "$HV_LOGDIR/hvd.log" ] && tail -n 20 "$HV_LOGDIR/hvd.log"
	xl destroy deb >/dev/null 2>&1
	exit 1
}

# xl_step WHAT ARGS...: runs xl ARGS; its messages are in /tmp/xl.err
xl_step() {
	what=$1
	shift
	xl "$@" >/tmp/xl.out 2>/tmp/xl.err || {
		cat /tmp/xl.out /tmp/xl.err
		fail "$what: xl $* failed"
	}
}

lines() {
	wc -l <"$log"
}

# console_lines: the console log's complete lines (a line the guest is still
# writing is left out), without carriage returns
console_lines() {
	{ cat "$log" 2>/dev/null; echo; } | sed '$d' | tr -d '\r'
}

counter_re='^LINUX: counter [0-9]+ uptime=[0-9]+\.[0-9]+ date=[0-9]+ lockups=[0-9]+$'

# counters_after LINE: how many counter lines follow line LINE
counters_after() {
	console_lines | tail -n +$(($1 + 1)) | grep -c -E "$counter_re"
}

# last_counter LINE: the last counter number in lines 1..LINE
last_counter() {
	console_lines | head -n "$1" | grep -E "$counter_re" | tail -n 1 |
		sed 's/^LINUX: counter \([0-9]*\) .*/\1/'
}

# wait_counters LINE COUNT SECONDS: COUNT counter lines follow line LINE
wait_counters() {
	i=0
	while [ "$(counters_after "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}

listed() {
	xl list 2>/dev/null | grep -q '^deb '
}

# wait_boot: deb counts (4 lines), or crashed, or $boot_wait s went by
wait_boot() {
	i=0
	while [ "$(counters_after 0)" -lt 4 ]; do
		i=$((i + 1))
		[ $i -le $((boot_wait * 10)) ] && ! crashed || return 1
		sleep 0.1
	done
}

# crashed: deb is listed as crashed (on_crash = "preserve" keeps it)
crashed() {
	xl list 2>/dev/null | awk '$1 == "deb" && $5 ~ /c/ { c = 1 } END { exit !c }'
}

# wait_gone SECONDS: deb is no longer in xl list
wait_gone() {
	i=0
	while listed; do
		i=$((i + 1))
		[ $i -le $(($1 * 10)) ] || return 1
		sleep 0.1
	done
}

# history WHAT TO1 FROM2 MIN MAX: the counter lines of the console log's
# lines 1..TO1, then those from line FROM2 on, are one guest's history: the
# counter goes up by one within each part and the second part starts
# between MIN and MAX; uptime and date never go back; no clock trouble is
# reported after the save (the emulated boot may have had some before it).
# Prints each fault, or one summary line, and succeeds when there was none.
history() {
	console_lines | awk -v what="$1" -v to1="$2" -v from2="$3" \
		-v min="$4" -v max="$5" -v re="$counter_re" '
	function bad(m) {
		if (nbad++ < 5)
			print "SAVE-TEST: FAIL: " what ": " m
	}
	{
		if (NR <= to1)
			part = 1
		else if (NR >= from2)
			part = 2
		else
			next
		if ($0 !~ re)
			next
		split($0, f, /[ =]/)
		n = f[3] + 0; up = f[5] + 0; date = f[7] + 0; k = f[9] + 0
		seen[part]++
		if (seen[part] == 1 && part == 2) {
			if (n < min || n > max)
				bad("the counter went on at " n " after " pn \
				    " (expected " (min == max ? min : min "-" max) ")")
			n1 = pn; up1 = pups; date1 = pdate; n2 = n; up2 = f[5]; date2 = date
		} else if (seen[part] > 1 && n != pn + 1)
			bad("the counter jumped from " pn " to " n)
		if (have) {
			if (up < pup)
				bad("uptime went back from " pup " to " up " at counter " n)
			if (date < pdate)
				bad("the date went back from " pdate " to " date " at counter " n)
		}
		# clock trouble before the save (an emulated boot may have some)
		# is not the save to blame: only what came after it counts
		if (part == 1)
			k1 = k
		else if (k > k1 && !lockups++)
			bad("dmesg reports clock trouble after the save (lockups " k1 " -> " k \
			    " at counter " n ")")
		pn = n; pup = up; pups = f[5]; pdate = date; have = 1
	}
	END {
		if (!seen[1])
			bad("no counter line before the save")
		if (!seen[2])
			bad("no counter line after the restore")
		if (nbad)
			exit 1
		printf "counter %d -> %d, uptime %s -> %s s, date %+d s, no new clock trouble%s\n",
			n1, n2, up1, up2, date2 - date1, k1 ? " (" k1 " from before the save)" : ""
	}'
}

# one_boot: the guest booted once (a restore must not boot it again)
one_boot() {
	b=$(console_lines | grep -c 'LINUX: userspace reached')
	[ "$b" = 1 ] || fail "$1: the guest booted $b times (userspace reached)"
}

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
	cat >/tmp/deb.cfg <<-EOF
	# Debian's cloud kernel with a busybox initramfs counting on its console
	name = "deb"
	type = "pvh"
	kernel = "$GUEST_VMLINUX"
	ramdisk = "$GUEST_INITRD"
	memory = 256
	vcpus = $v
	extra = "console=ttyS0 quiet hvtest=counter tsc=reliable"
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "preserve"
	EOF
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
