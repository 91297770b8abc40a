#!/bin/sh
# Ballooning with minios domains on real KVM (minios's driver, hv-vmm's
# virtio-balloon, hvd and xl): a domain with memory < maxmem boots
# pre-ballooned, xl mem-set moves it both ways (pages it gives back leave
# the host: the memfd's blocks; pages it takes back read as zeros), the
# guest's statistics reach xl list -l, wrong sizes are refused, the target
# survives a save and restore, a guest without a balloon driver is flagged
# after its time, the device survives hostile requests, xl info's
# free_memory leaves out what domains are owed, 512 MiB touched go back to
# the host down to a target of 128 MiB while a checksummed working set
# stays whole, and the cap is enforced: hvd refuses a cap below what a
# domain uses, and a guest that ignores its balloon and takes more than
# its cap is stopped.
. "$HV_TESTS_SRC/lib.sh"

# The cap needs a memory cgroup: the nested outer host has none mounted,
# so mount one there as a host with systemd has (never on a real host,
# which always has something at /sys/fs/cgroup).  Before hvd starts.
if [ -n "${HV_NESTED_INNER:-}" ] && ! grep -q ' /sys/fs/cgroup ' /proc/mounts; then
	mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null || true
fi
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3

# mem NAME KEY: a member of NAME's "memory" object in xl list -l
mem() {
	"$XL" list -l "$1" 2>/dev/null | python3 -c '
import json, sys
m = json.load(sys.stdin)[0].get("memory", {})
v = m.get(sys.argv[1], m.get("stats", {}).get(sys.argv[1], ""))
print(str(v).lower())' "$2"
}
mib() { echo $(($(mem "$1" "$2") / 1024)); }
# for wait_for, which runs its arguments again as they were when called:
# the look must happen in the command, not in its arguments
shows() { [ "$(field "$1" 3)" = "$2" ]; }		# NAME MIB: xl list's Mem
mem_is() { [ "$(mem "$1" "$2")" = "$3" ]; }		# NAME KEY VALUE
mem_has() { [ -n "$(mem "$1" "$2")" ]; }		# NAME KEY
con() { echo "$HV_LOGDIR/console/$1.log"; }

# A: 128 MiB of RAM, a target of 64: its driver fills the balloon at boot
mkcfg a 'memory = 64' 'maxmem = 128' 'extra = "workload=balloon:touch=32"'
xl_ok create "$T/a.cfg"
wait_line "$(con a)" '^minios: balloon actual 16384 pages \(target 16384\)' 30 ||
	{ tail -n 20 "$(con a)" >&2; fail "a did not inflate its balloon to 64 MiB at boot"; }
wait_for 10 shows a 64 || fail "xl list shows $(field a 3) MiB for a, not 64"
[ "$(mib a ram_kib)" = 128 ] || fail "a's RAM is $(mib a ram_kib) MiB, not 128"
[ "$(mib a target_kib)" = 64 ] && [ "$(mib a current_kib)" = 64 ] ||
	fail "a: target $(mib a target_kib) MiB, current $(mib a current_kib) MiB"
[ "$(mem a balloon_driver)" = true ] || fail "xl list -l does not see a's driver"
# the 32 MiB it touched went into the balloon first: the host gave them back
[ "$(mib a allocated_kib)" -lt 48 ] ||
	fail "a's RAM takes $(mib a allocated_kib) MiB of the host with 64 MiB ballooned out"
ok "memory 64, maxmem 128: booted pre-ballooned, the touched pages back to the host"

# up: the balloon empties from its bottom, so the 32 MiB touched at its
# top come back last, and read as zeros
xl_ok mem-set a 96m
wait_line "$(con a)" '^minios: balloon actual 8192 pages \(target 8192\)' 30 ||
	fail "a did not deflate to 96 MiB"
wait_for 10 shows a 96 || fail "xl list shows $(field a 3) MiB for a, not 96"
xl_ok list -l a
grep -q '"memory_mib": 96' "$T/out" || fail "a's description does not have memory 96"
xl_ok mem-set a 128m
wait_line "$(con a)" '^minios: balloon actual 0 pages \(target 0\)' 30 ||
	fail "a did not deflate to 128 MiB"
wait_line "$(con a)" '^minios: balloon retouch (ok|FAILED)' 10 ||
	fail "a took its touched pages back without checking them"
expect_line "$(con a)" '^minios: balloon retouch ok pages=8192' \
	"the 32 MiB a touched, given back and taken again read as zeros"
# down again: what it gives back leaves the host
xl_ok mem-set a 40m
wait_line "$(con a)" '^minios: balloon actual 22528 pages \(target 22528\)' 30 ||
	fail "a did not inflate to 40 MiB"
wait_for 10 shows a 40 || fail "xl list shows $(field a 3) MiB for a, not 40"
[ "$(mib a allocated_kib)" -le 40 ] ||
	fail "a's RAM takes $(mib a allocated_kib) MiB of the host at a target of 40 MiB"
ok "xl mem-set 96m, 128m, 40m: deflated (pages back as zeros) and inflated; xl list follows"

# the guest's statistics
# (a QUERY hands the driver its buffer back when what it has is older than 1 s)
wait_for 10 mem_has a total_memory || fail "no statistics from a in xl list -l"
# (minios counts the RAM of its e820 map, without the hole below 1 MiB
# and the firmware's tables: a little under 40 MiB)
stat_total_near_40() { t=$(($(mem a total_memory) >> 10)); [ $t -gt $((39 * 1024)) ] && [ $t -le $((40 * 1024)) ]; }
wait_for 10 stat_total_near_40 ||
	fail "a's statistics say $(($(mem a total_memory) >> 10)) KiB in total, not 40 MiB less the legacy hole"
ok "the guest's statistics in xl list -l (total_memory $(mem a total_memory))"

# refused, nothing changed
xl_rc 1 mem-set a 200m
grep -q maxmem "$T/err" || { cat "$T/err" >&2; fail "mem-set above maxmem: no word of maxmem"; }
xl_rc 1 mem-max a 32m
grep -q target "$T/err" || { cat "$T/err" >&2; fail "mem-max below the target: no word of it"; }
xl_rc 1 mem-set a 8m
xl_rc 2 mem-set a 12x
xl_rc 1 mem-set nosuchdomain 64m
[ "$(field a 3)" = 40 ] && [ "$(mib a target_kib)" = 40 ] || fail "a refusal changed a's memory"
ok "a target above maxmem, a cap below the target, 8 MiB, '12x', no such domain: refused"

# a save keeps the target; the restored balloon is where it was
xl_ok save a "$T/a.img"
gone a || fail "a is still there after xl save"
xl_ok restore "$T/a.img"
wait_for 20 shows a 40 || fail "restored a shows $(field a 3) MiB, not 40"
[ "$(mib a target_kib)" = 40 ] || fail "restored a's target is $(mib a target_kib) MiB"
xl_ok mem-set a 64m
wait_for 30 shows a 64 || fail "restored a did not follow mem-set 64m"
ok "save and restore keep the target and the balloon; the restored guest follows mem-set"
xl_ok destroy a

# B: no balloon driver: flagged after its time, not waited on
mkcfg b 'memory = 64' 'maxmem = 96' 'extra = "workload=counter"'
xl_ok create "$T/b.cfg"
wait_line "$(con b)" 'minios: counter' 20 || fail "b did not boot"
[ "$(mem b target_missed)" = false ] || fail "b is flagged at once"
wait_for 60 mem_is b target_missed true || fail "b was never flagged for missing its target"
grep -q 'did not reach its memory target of 64 MiB' "$HV_LOGDIR/hvd.log" ||
	fail "hvd's log does not say b missed its target"
xl_ok destroy b
ok "a guest without a balloon driver is flagged (xl list -l, hvd's log) after its time"

# E: hostile requests break the device, not the domain
mkcfg e 'memory = 64' 'maxmem = 96' 'extra = "hostile=balloon-all workload=balloon:nostats:report=2"'
xl_ok create "$T/e.cfg"
wait_line "$(con e)" '^minios: hostile balloon-all done' 60 ||
	{ tail -n 20 "$(con e)" >&2; fail "e's hostile run did not finish"; }
expect_line "$(con e)" '^minios: hostile balloon-all done .*result=pass after=ok' \
	"hv-vmm's balloon refused every hostile request and still worked"
running e || fail "e is not running after its hostile requests"
xl_ok destroy e
ok "hostile page numbers, descriptors and report ranges: NEEDS_RESET, the domain runs on"

# F: xl info's free_memory leaves out what a domain was given and has not
# touched yet (MemAvailable already leaves out what it has)
owed() {
	avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
	free=$("$XL" info | sed -n 's/^free_memory *: *//p')
	echo $((avail / 1024 - free))
}
owed_within() { ow=$(owed); [ "$ow" -ge "$1" ] && [ "$ow" -le "$2" ]; }
mkcfg f 'memory = 256' 'extra = "workload=balloon:touch=128"'
xl_ok create -p "$T/f.cfg"
owed_within 200 260 ||
	fail "paused f (256 MiB, untouched): free_memory is $ow MiB below MemAvailable, not about 250"
untouched=$ow
xl_ok unpause f
wait_line "$(con f)" '^minios: balloon touched 128 MiB' 60 || fail "f did not touch its memory"
wait_for 10 owed_within 64 140 ||
	fail "f touched 128 of its 256 MiB: free_memory is $(owed) MiB below MemAvailable, not about 120"
xl_ok destroy f
ok "xl info's free_memory counts what domains are owed (untouched: $untouched MiB, then $ow)"

# G: 512 MiB touched, 64 of them a checksummed working set; mem-set 128m
# gives the rest back to the host, and the working set survives both ways
mkcfg g 'memory = 576' 'extra = "workload=balloon:keep=64:touch=448"'
xl_ok create "$T/g.cfg"
wait_line "$(con g)" '^minios: balloon touched 448 MiB' 120 ||
	{ tail -n 20 "$(con g)" >&2; fail "g did not touch 448 MiB"; }
expect_line "$(con g)" '^minios: balloon keep 64 MiB' "g's working set"
[ "$(mib g allocated_kib)" -ge 512 ] ||
	fail "g touched 512 MiB but its RAM takes $(mib g allocated_kib) MiB of the host"
xl_ok mem-set g 128m
wait_line "$(con g)" '^minios: balloon actual 114688 pages \(target 114688\)' 120 ||
	fail "g did not inflate to 128 MiB"
expect_line "$(con g)" '^minios: balloon keep ok pages=16384' "g's working set at 128 MiB"
wait_for 10 shows g 128 || fail "xl list shows $(field g 3) MiB for g, not 128"
[ "$(mib g allocated_kib)" -le 128 ] ||
	fail "g's RAM takes $(mib g allocated_kib) MiB of the host at a target of 128 MiB"
alloc=$(mib g allocated_kib)
xl_ok mem-set g 576m
wait_line "$(con g)" '^minios: balloon actual 0 pages \(target 0\)' 120 ||
	fail "g did not deflate to 576 MiB"
wait_line "$(con g)" '^minios: balloon retouch (ok|FAILED)' 30 ||
	fail "g took its touched pages back without checking them"
expect_line "$(con g)" '^minios: balloon retouch ok pages=114688' "g's 448 MiB back as zeros"
[ "$(grep -c '^minios: balloon keep ok pages=16384' "$(con g)")" -ge 2 ] ||
	fail "g's working set was not found whole after mem-set 576m"
! grep -q 'keep FAILED' "$(con g)" || fail "g's working set was damaged"
xl_ok destroy g
ok "512 MiB touched, mem-set 128m: the RAM down to $alloc MiB, the working set whole; 576m: pages back as zeros"

# the cap, enforced through hvd's memory cgroup
mkcfg c 'memory = 64' 'maxmem = 128'
xl_ok create -p "$T/c.cfg"
if [ "$(mem c cgroup_limit_kib)" = 0 ]; then
	xl_rc 1 mem-max c 100m
	grep -q 'no memory cgroup\|not in a memory cgroup' "$T/err" ||
		{ cat "$T/err" >&2; fail "mem-max without a cgroup: no word of it"; }
	xl_ok destroy c
	ok "the cap not checked: this host gives hvd no memory cgroup (mem-max says so)"
	exit 0
fi
xl_ok destroy c
# D uses what it touched: a cap below that is refused
mkcfg d 'memory = 64' 'maxmem = 256' 'extra = "workload=balloon:ignore:touch=160"'
xl_ok create "$T/d.cfg"
wait_line "$(con d)" '^minios: balloon touched 160 MiB' 30 || fail "d did not touch its memory"
[ "$(mib d cgroup_limit_kib)" = $((256 + 64 + 4)) ] ||
	fail "d's cgroup limit is $(mib d cgroup_limit_kib) MiB, not 324"
xl_rc 1 mem-max d 80m
grep -q 'uses' "$T/err" || { cat "$T/err" >&2; fail "a cap below d's use: the refusal does not say so"; }
[ "$(mib d cgroup_limit_kib)" = 324 ] || fail "a refused mem-max changed d's limit"
xl_ok destroy d
# C sets out small, gets a cap of 96 MiB, then ignores its balloon and takes 200
mkcfg c 'memory = 64' 'maxmem = 256' 'extra = "workload=balloon:ignore:touch=200"'
xl_ok create -p "$T/c.cfg"
xl_ok mem-max c 96m
[ "$(mib c cgroup_limit_kib)" = $((96 + 64 + 1)) ] ||
	fail "c's cgroup limit is $(mib c cgroup_limit_kib) MiB, not 161"
xl_ok unpause c
wait_for 60 gone c || fail "c took 200 MiB with a cap of 96 MiB and still runs"
grep -q 'domain [0-9]* (c): its hv-vmm was stopped for going over the domain.s memory cap' \
	"$HV_LOGDIR/hvd.log" || { tail -n 20 "$HV_LOGDIR/hvd.log" >&2; fail "hvd's log does not say why c stopped"; }
ok "the cap is enforced: refused below a domain's use, and a guest over it is stopped"
