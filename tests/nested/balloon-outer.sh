#!/bin/sh
# Runs in the outer host of tests/nested/linux-balloon.sh: a Debian Linux
# domain created with xl, memory = 256 and maxmem = 320 (inner-init
# hvtest=balloon), driven by Linux's own virtio_balloon driver.
#
#   boot      the guest boots pre-ballooned: xl list shows 256 MiB once its
#             driver has inflated the balloon to 64 MiB; the driver took
#             STATS_VQ and FREE_PAGE_REPORTING, not DEFLATE_ON_OOM
#   cgroup    hvd put hv-vmm in its memory cgroup, limited to maxmem plus
#             the margin (320 + 64 + 5 MiB)
#   reporting the guest fills 96 MiB of tmpfs and frees it: the host memory
#             its RAM takes (the memfd's blocks, xl list -l's allocated_kib)
#             goes up by most of it and down again
#   shrink    xl mem-set deb 192m: xl list shows 192, the guest's MemTotal
#             is 64 MiB less, xl list -l's target and current are 192 MiB
#   stats     xl list -l has the guest's statistics: total and free memory
#   refusals  a target above maxmem, a cap below the target, a size that is
#             no size: each refused with a message, nothing changed
#   cap       xl mem-max deb 240m: the cgroup's limit follows (240 + 64 + 3),
#             the description has maxmem 240; a target of 256 is refused now
#   grow      xl mem-max deb 320m, xl mem-set deb 320m: MemTotal 128 MiB more
#             than at 192
#   cleanup   after xl destroy the domain's cgroup is gone
#   oom       a second domain with balloon_deflate_on_oom = 1, memory = 160
#             and maxmem = 288 (inner-init hvtest=balloon-oom): its driver
#             took DEFLATE_ON_OOM; once the balloon has stopped inflating
#             it fills 160 MiB of tmpfs, more than it has free, and the
#             fill completes with nothing killed because
#             the driver deflates at each out-of-memory: xl list -l's
#             current size grows past 160 MiB while the target stays
#
# Each step prints "BALLOON-TEST: STEP: what it saw" or "BALLOON-TEST: FAIL:
# STEP: what went wrong".  Exit status 0 if every step passed.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
dom=deb
log=$HV_LOGDIR/console/$dom.log
MIB=1024

# Seconds to wait (everything is emulated two levels down: generous).
boot_wait=300
move_wait=120

# The memory cgroup hvd uses: a host with systemd has cgroup2 mounted; the
# outer host has nothing, so mount it as such a host would.
if ! grep -q ' /sys/fs/cgroup ' /proc/mounts; then
	mount -t cgroup2 none /sys/fs/cgroup ||
		echo "BALLOON-TEST: note: cannot mount cgroup2"
fi

cat >/tmp/deb.cfg <<EOF
name = "deb"
type = "pvh"
kernel = "$GUEST_VMLINUX"
ramdisk = "$GUEST_INITRD"
memory = 256
maxmem = 320
vcpus = 1
extra = "console=ttyS0 quiet hvtest=balloon"
EOF

failed=0
problems=

# The logs of the domain the step is about, hvd's, and the outer kernel's
# last lines (a memory cgroup's out-of-memory kill shows there).
show_logs() {
	echo "--- console of $dom"
	[ -f "$log" ] && tail -n 80 "$log"
	echo "--- hv-vmm of $dom"
	[ -f "$HV_LOGDIR/vmm-$dom.log" ] && tail -n 60 "$HV_LOGDIR/vmm-$dom.log"
	echo "--- hvd"
	[ -f "$HV_LOGDIR/hvd.log" ] && tail -n 30 "$HV_LOGDIR/hvd.log"
	echo "--- outer kernel"
	dmesg 2>/dev/null | tail -n 25
}

fail() {
	echo "BALLOON-TEST: FAIL: $*"
	show_logs
	xl destroy deb >/dev/null 2>&1
	xl destroy oom >/dev/null 2>&1
	exit 1
}

problem() {
	problems=$problems${problems:+; }$*
}

step() {
	if [ -z "$problems" ]; then
		echo "BALLOON-TEST: $1: $2"
	else
		echo "BALLOON-TEST: FAIL: $1: $problems"
		failed=$((failed + 1))
	fi
	problems=
}

wait_until() {
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -le $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

guest_line() {
	{ cat "$log" 2>/dev/null; echo; } | sed '$d' | tr -d '\r' | grep -E "$1" | tail -n 1
}

field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# list_mem: the Mem column of xl list for deb
list_mem() {
	xl list deb 2>/dev/null | awk '$1 == "deb" { print $3 }'
}

# mem KEY: a number of xl list -l's "memory" object, e.g. mem current_kib
mem() {
	xl list -l deb 2>/dev/null | sed -n "s/^ *\"$1\": \\([0-9-]*\\),*$/\\1/p" | head -n 1
}

# memn KEY: as mem, 0 when xl list -l has no such number (for arithmetic)
memn() {
	v=$(mem "$1")
	echo "${v:-0}"
}

# alive STEP: fail at once, with the logs, when the domain is no more
alive() {
	xl list "$dom" >/dev/null 2>&1 || fail "$1: domain $dom is gone: $(xl list 2>&1 | tr '\n' ' ')"
}

memtotal() {
	field "$(guest_line 'LINUX: balloon MemTotal=')" MemTotal
}

# near A B SLACK: |A - B| <= SLACK
near() {
	d=$(($1 - $2))
	[ ${d#-} -le "$3" ]
}

# --- boot: pre-ballooned ------------------------------------------------------------

xl create /tmp/deb.cfg || fail "boot: xl create"
domid=$(xl domid deb) || fail "boot: xl domid deb"
wait_until '[ -n "$(guest_line "LINUX: balloon features=")" ]' $boot_wait ||
	fail "boot: no balloon line from the guest after $boot_wait s"
feat=$(guest_line 'LINUX: balloon features=')
[ "$(field "$feat" stats)" = 1 ] || problem "the driver did not take STATS_VQ ($feat)"
[ "$(field "$feat" reporting)" = 1 ] || problem "the driver did not take FREE_PAGE_REPORTING ($feat)"
[ "$(field "$feat" deflate_on_oom)" = 0 ] || problem "DEFLATE_ON_OOM is on by default ($feat)"
wait_until '[ "$(list_mem)" = 256 ]' $move_wait ||
	problem "xl list shows $(list_mem) MiB, not 256, after $move_wait s"
[ "$(mem ram_kib)" = $((320 * MIB)) ] || problem "ram_kib $(mem ram_kib), not 320 MiB"
[ "$(mem target_kib)" = $((256 * MIB)) ] || problem "target_kib $(mem target_kib), not 256 MiB"
step boot "domain $domid: RAM 320 MiB, the driver inflated to 256 MiB ($feat)"

# --- cgroup --------------------------------------------------------------------------

limit=$(mem cgroup_limit_kib)
want=$(((320 + 64 + 5) * MIB))
[ "$limit" = "$want" ] || problem "cgroup_limit_kib $limit, not $want"
cg=$(find /sys/fs/cgroup -maxdepth 3 -type d -name "dom$domid" 2>/dev/null | head -n 1)
if [ -z "$cg" ]; then
	problem "no cgroup dom$domid under /sys/fs/cgroup"
else
	grep -qx "$(xl list -l deb | sed -n 's/^ *"vmm_pid": \([0-9]*\).*/\1/p')" \
		"$cg/cgroup.procs" || problem "hv-vmm is not in $cg"
fi
step cgroup "hv-vmm in ${cg:-?}, limit $((limit / MIB)) MiB"

# --- free page reporting ---------------------------------------------------------------

alive reporting
wait_until '[ -n "$(guest_line "LINUX: balloon filled")" ]' $move_wait ||
	fail "reporting: the guest did not fill its tmpfs"
full=$(mem allocated_kib)
wait_until '[ -n "$(guest_line "LINUX: balloon freed")" ]' $move_wait ||
	fail "reporting: the guest did not free its tmpfs"
# Linux reports free blocks of 2 MiB and more, a share of them per pass:
# most of the 96 MiB, not all of it, comes back
if wait_until '[ $(($(memn allocated_kib) + 48 * MIB)) -le $full ]' $move_wait; then
	back=$(((full - $(memn allocated_kib)) / MIB))
else
	back=
	problem "the host memory the RAM takes went from $((full / MIB)) MiB only to $(($(memn allocated_kib) / MIB)) MiB after the guest freed 96 MiB"
fi
step reporting "after the guest freed 96 MiB the host got ${back:-?} MiB back (of $((full / MIB)) MiB allocated)"

# --- shrink --------------------------------------------------------------------------

alive shrink
before=$(memtotal)
xl mem-set deb 192m || problem "xl mem-set deb 192m failed"
wait_until '[ "$(list_mem)" = 192 ]' $move_wait ||
	problem "xl list shows $(list_mem) MiB, not 192, after $move_wait s"
wait_until 'near "$(memtotal)" $((before - 64 * MIB)) 1024' $move_wait ||
	problem "MemTotal $(memtotal) kB, not $before - 64 MiB"
[ "$(mem target_kib)" = $((192 * MIB)) ] || problem "target_kib $(mem target_kib)"
[ "$(mem current_kib)" = $((192 * MIB)) ] || problem "current_kib $(mem current_kib)"
xl list -l deb | grep -q '"memory_mib": 192' || problem "the description does not have memory 192"
step shrink "MemTotal $before kB -> $(memtotal) kB, xl list 192"

# --- stats ---------------------------------------------------------------------------------

alive stats
wait_until '[ -n "$(mem total_memory)" ]' 30 ||
	problem "no total_memory in xl list -l's stats: $(xl list -l deb | grep -A14 '"stats"' | tr -d '\n')"
tot=$(mem total_memory)
free=$(mem free_memory)
[ -n "$tot" ] && ! near "$((tot / 1024))" "$(memtotal)" 4096 &&
	problem "stats total_memory $tot bytes, the guest says MemTotal $(memtotal) kB"
[ -n "$free" ] && [ "$free" -gt 0 ] || problem "no free_memory in the stats"
step stats "total_memory=$tot free_memory=$free"

# --- refusals --------------------------------------------------------------------------

alive refusals
out=$(xl mem-set deb 400m 2>&1) && problem "mem-set 400m above maxmem 320 was accepted"
echo "$out" | grep -q maxmem || problem "mem-set 400m: '$out' does not say maxmem"
out=$(xl mem-max deb 100m 2>&1) && problem "mem-max 100m below the target was accepted"
echo "$out" | grep -q target || problem "mem-max 100m: '$out' does not say target"
out=$(xl mem-set deb lots 2>&1) && problem "mem-set lots was accepted"
[ "$(list_mem)" = 192 ] || problem "after the refusals xl list shows $(list_mem)"
step refusals "400m, 100m and 'lots' refused with a message"

# --- cap ------------------------------------------------------------------------------------

alive cap
xl mem-max deb 240m || problem "xl mem-max deb 240m failed"
want=$(((240 + 64 + 3) * MIB))
[ "$(mem cgroup_limit_kib)" = "$want" ] || problem "cgroup_limit_kib $(mem cgroup_limit_kib), not $want"
[ "$(mem max_kib)" = $((240 * MIB)) ] || problem "max_kib $(mem max_kib)"
xl list -l deb | grep -q '"maxmem_mib": 240' || problem "the description does not have maxmem 240"
out=$(xl mem-set deb 256m 2>&1) && problem "mem-set 256m above the new cap was accepted"
step cap "mem-max 240m: cgroup limit $(($(memn cgroup_limit_kib) / MIB)) MiB"

# --- grow -------------------------------------------------------------------------------------

alive grow
small=$(memtotal)
xl mem-max deb 320m || problem "xl mem-max deb 320m failed"
xl mem-set deb 320m || problem "xl mem-set deb 320m failed"
wait_until '[ "$(list_mem)" = 320 ]' $move_wait ||
	problem "xl list shows $(list_mem) MiB, not 320, after $move_wait s"
wait_until 'near "$(memtotal)" $((small + 128 * MIB)) 1024' $move_wait ||
	problem "MemTotal $(memtotal) kB, not $small + 128 MiB"
step grow "MemTotal $small kB -> $(memtotal) kB, xl list 320"

# --- cleanup ------------------------------------------------------------------------------------

alive cleanup
xl destroy deb || problem "xl destroy deb failed"
[ -z "$cg" ] || wait_until "[ ! -d '$cg' ]" 30 || problem "$cg is still there"
step cleanup "the domain's cgroup is gone"

# --- oom -------------------------------------------------------------------------------------

dom=oom
log=$HV_LOGDIR/console/$dom.log
sed -e 's/^name = .*/name = "oom"/' -e 's/^memory = .*/memory = 160/' \
	-e 's/^maxmem = .*/maxmem = 288/' -e 's/hvtest=balloon"/hvtest=balloon-oom"/' \
	/tmp/deb.cfg >/tmp/oom.cfg
echo 'balloon_deflate_on_oom = 1' >>/tmp/oom.cfg
omem() {
	xl list -l oom 2>/dev/null | sed -n "s/^ *\"$1\": \([0-9-]*\),*$/\1/p" | head -n 1
}
xl create /tmp/oom.cfg || fail "oom: xl create"
wait_until '[ -n "$(guest_line "LINUX: balloon-oom features=")" ]' $boot_wait ||
	fail "oom: no balloon-oom line from the guest after $boot_wait s"
feat=$(guest_line 'LINUX: balloon-oom features=')
[ "$(field "$feat" deflate_on_oom)" = 1 ] || problem "the driver did not take DEFLATE_ON_OOM ($feat)"
wait_until '[ -n "$(guest_line "LINUX: balloon-oom (settled|: MemFree still)")" ]' $boot_wait ||
	fail "oom: the guest did not say whether its balloon settled after $boot_wait s"
settled=$(omem current_kib)
if wait_until '[ -n "$(guest_line "LINUX: balloon-oom filled")" ]' $boot_wait; then
	filled=$(guest_line 'LINUX: balloon-oom filled')
	[ "$(field "$filled" rc)" = 0 ] && [ "$(field "$filled" MiB)" = 160 ] ||
		problem "the fill did not complete ($filled)"
	[ "$(field "$filled" killed)" = 0 ] || problem "the guest killed processes ($filled)"
else
	filled=
	problem "the guest did not finish filling 160 MiB after $boot_wait s"
fi
cur=$(omem current_kib)
[ -n "$cur" ] && [ "$cur" -gt $((160 * MIB)) ] ||
	problem "current_kib $cur: the balloon did not deflate past the target of 160 MiB"
[ "$(omem target_kib)" = $((160 * MIB)) ] || problem "target_kib $(omem target_kib), not 160 MiB"
xl destroy oom || problem "xl destroy oom failed"
step oom "deflate-on-oom: current $((${settled:-0} / MIB)) MiB when the guest's balloon settled, $((${cur:-0} / MIB)) MiB after the fill, at a target of 160 ($filled)"

[ $failed = 0 ] || show_logs
exit $failed
