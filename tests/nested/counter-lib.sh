# Sourced by the outer scripts of tests/nested (save-outer.sh,
# migrate-outer.sh): a Debian Linux domain "deb" whose /init prints a
# counter line every 0.5 s (inner-init hvtest=counter), its console log at
# $log, and the checks that its history goes on: the counter by one, uptime
# and the wall clock never back, no new clock trouble in dmesg.  Messages
# start with $tprefix ("SAVE-TEST"); $more_logdirs names other log
# directories whose hv-vmm and hvd logs a failure shows.

fail() {
	echo "$tprefix: FAIL: $*"
	xl list
	[ -f "$log" ] && tail -n 30 "$log"
	for d in "$HV_LOGDIR" ${more_logdirs:-}; do
		[ -f "$d/vmm-deb.log" ] && tail -n 20 "$d/vmm-deb.log"
		[ -f "$d/hvd.log" ] && tail -n 20 "$d/hvd.log"
	done
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
# reported after the save or migration (the emulated boot may have had some before it).
# Prints each fault, or one summary line, and succeeds when there was none.
history() {
	console_lines | awk -v what="$1" -v to1="$2" -v from2="$3" \
		-v min="$4" -v max="$5" -v re="$counter_re" -v prefix="$tprefix" '
	function bad(m) {
		if (nbad++ < 5)
			print prefix ": FAIL: " what ": " m
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
		# clock trouble before the save or migration (an emulated boot may have some)
		# is not its fault: only what came after it counts
		if (part == 1)
			k1 = k
		else if (k > k1 && !lockups++)
			bad("dmesg reports clock trouble after the save or migration (lockups " k1 " -> " k \
			    " at counter " n ")")
		pn = n; pup = up; pups = f[5]; pdate = date; have = 1
	}
	END {
		if (!seen[1])
			bad("no counter line before the save or migration")
		if (!seen[2])
			bad("no counter line after it")
		if (nbad)
			exit 1
		printf "counter %d -> %d, uptime %s -> %s s, date %+d s, no new clock trouble%s\n",
			n1, n2, up1, up2, date2 - date1, k1 ? " (" k1 " from before)" : ""
	}'
}

# one_boot: the guest booted once (a restore must not boot it again)
one_boot() {
	b=$(console_lines | grep -c 'LINUX: userspace reached')
	[ "$b" = 1 ] || fail "$1: the guest booted $b times (userspace reached)"
}

# deb_cfg VCPUS: /tmp/deb.cfg, Debian's cloud kernel with a busybox
# initramfs counting on its console
deb_cfg() {
	cat >/tmp/deb.cfg <<-EOF
	name = "deb"
	type = "pvh"
	kernel = "$GUEST_VMLINUX"
	ramdisk = "$GUEST_INITRD"
	memory = 256
	vcpus = $1
	extra = "console=ttyS0 quiet hvtest=counter tsc=reliable"
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "preserve"
	EOF
}
