#!/bin/sh
# Disks through xl.cfg (disk = [ 'format=raw, vdev=xvda, access=rw,
# target=IMAGE' ]) with minios: the guest sees vda with serial xvda; a
# pattern written and found by the host; across xl save / xl restore (a
# pattern written before is verified after, and a writer that keeps
# rewriting and verifying a range goes on through it); across xl reboot (the
# same command line writes on the first boot and verifies on the second);
# hostile descriptor chains leave the domain running; access=ro refuses
# writes with IOERR and leaves the image unchanged; two disks (xvda, xvdb)
# at once.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
. "$HV_TESTS_SRC/integration/disk-lib.sh"

conlog() { echo "$HV_LOGDIR/console/$1.log"; }

# disk VDEV IMAGE [ACCESS]: an xl.cfg disk spec
disk() { echo "'format=raw, vdev=$1, access=${3:-rw}, target=$2'"; }

# no_failure NAME WHAT: NAME's console shows no failure
no_failure() {
	if grep -q '^minios: exception\|FAILED' "$(conlog "$1")"; then
		tail -n 30 "$(conlog "$1")" >&2
		fail "$2: $1 reported a failure"
	fi
}

# cycles FILE [FROM]: the numbers of the blk cycle passes in FILE from line FROM
cycles() {
	tail -n +"${2:-1}" "$1" 2>/dev/null | tr -d '\r' |
		sed -n 's/^minios: blk vda cycle \([0-9][0-9]*\) ok .*/\1/p'
}
last_cycle() { cycles "$@" | tail -n 1; }
# cycle_past FILE FROM N: a pass above N from line FROM on
cycle_past() { _c=$(last_cycle "$1" "$2"); [ -n "$_c" ] && [ "$_c" -gt "$3" ]; }

disk_image "$T/a.img" 16
disk_image "$T/b.img" 8

# --- a pattern, two disks -----------------------------------------------------

mkcfg d2 "disk = [ $(disk xvda "$T/a.img"), $(disk xvdb "$T/b.img") ]" \
	'extra = "workload=blk-write:all:40:100:1000"'
xl_ok create "$T/d2.cfg"
wait_for 20 gone d2 ||
	{ tail -n 20 "$(conlog d2)" >&2; fail "d2 did not power off after its disk workloads"; }
log=$(conlog d2)
no_failure d2 "two disks"
expect_line "$log" '^minios: blk vda capacity=32768 serial=xvda ro=0 ' "d2: vda is xvda"
expect_line "$log" '^minios: blk vdb capacity=16384 serial=xvdb ro=0 ' "d2: vdb is xvdb"
expect_line "$log" '^minios: blk vda write ok start=100 count=1000 seed=40 ' "d2: vda written"
expect_line "$log" '^minios: blk vdb write ok start=100 count=1000 seed=41 ' "d2: vdb written"
disk_pattern "$T/a.img" check 40 100 1000 || fail "vda's pattern is not in a.img"
disk_pattern "$T/b.img" check 41 100 1000 || fail "vdb's pattern is not in b.img"
ok "disk = [xvda, xvdb]: vda and vdb with their serials, both written at once, found in the images"

# --- across save and restore -------------------------------------------------

# a pattern written once, then a writer that rewrites and verifies another
# range ten times a second (requests in flight when the save comes)
mkcfg s "disk = [ $(disk xvda "$T/a.img") ]" \
	'extra = "workload=blk-write:vda:11:0:2048 workload=blk-cycle:vda:100:4096:512"'
xl_ok create "$T/s.cfg"
log=$(conlog s)
wait_line "$log" 'minios: blk vda cycle 3 ok' 30 ||
	{ tail -n 20 "$log" >&2; fail "s did not write its disk"; }
expect_line "$log" '^minios: blk vda write ok start=0 count=2048 seed=11 ' "s: pattern"
xl_ok save s "$T/s.save"
gone s || fail "s is still there after xl save"
lines=$(wc -l <"$log")
before=$(head -n "$lines" "$log" | tr -d '\r' |
	sed -n 's/^minios: blk vda cycle \([0-9][0-9]*\) ok .*/\1/p' | tail -n 1)
disk_pattern "$T/a.img" check 11 0 2048 || fail "the pattern is not in the image after the save"
xl_ok restore "$T/s.save"
running s || fail "after restore s is $(field s 5)"
wait_line "$log" 'minios: resumed' 20 || { tail -n 20 "$log" >&2; fail "s did not say it resumed"; }
wait_for 20 sh -c "tail -n +$((lines + 1)) '$log' | grep -q 'minios: blk vda verify ok start=0 count=2048 seed=11 '" ||
	{ tail -n 20 "$log" >&2; fail "s did not verify its pattern after the restore"; }
wait_for 20 cycle_past "$log" $((lines + 1)) $((before + 3)) ||
	{ tail -n 20 "$log" >&2; fail "s's disk writer did not go on after the restore (last pass before: $before)"; }
if tail -n +$((lines + 1)) "$log" | grep -q 'minios: boot ok'; then
	fail "s booted again instead of resuming"
fi
no_failure s "save/restore"
xl_ok destroy s
wait_for 10 gone s || fail "s did not go away"
disk_pattern "$T/a.img" check 11 0 2048 || fail "the pattern is not in the image after the restore"
ok "xl save/restore: the pattern verifies after the restore, the writer goes on from pass $before"

# --- across reboot -----------------------------------------------------------

disk_image "$T/r.img" 8
mkcfg r "disk = [ $(disk xvda "$T/r.img") ]" \
	'extra = "workload=blk-once:vda:21:0:2048 workload=counter"' 'on_reboot = "restart"'
xl_ok create "$T/r.cfg"
log=$(conlog r)
wait_line "$log" 'minios: counter' 20 || { tail -n 20 "$log" >&2; fail "r did not boot"; }
expect_line "$log" '^minios: blk vda write ok start=0 count=2048 seed=21 ' "r: first boot writes"
old=$(field r 2)
xl_ok reboot -w r
new=$(field r 2)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "after reboot -w r has id '$new' (was $old)"
wait_line "$log" 'minios: blk vda verify ok start=0 count=2048 seed=21 ' 20 ||
	{ tail -n 20 "$log" >&2; fail "r did not verify its pattern after the reboot"; }
[ "$(grep -c 'minios: blk vda write ok' "$log")" = 1 ] || fail "r wrote its range again after the reboot"
no_failure r "reboot"
xl_ok destroy r
disk_pattern "$T/r.img" check 21 0 2048 || fail "r's pattern is not in the image"
ok "xl reboot: the pattern written on the first boot verifies on the second"

# --- hostile chains: the domain runs on --------------------------------------

mkcfg h "disk = [ $(disk xvda "$T/b.img") ]" 'extra = "hostile=blk-all workload=counter"'
xl_ok create "$T/h.cfg"
log=$(conlog h)
wait_line "$log" 'minios: counter 3' 60 || { tail -n 30 "$log" >&2; fail "h did not run on after its hostile chains"; }
expect_line "$log" '^minios: hostile blk-all done status=0x[0-9a-f]* result=pass after=ok' "hostile=blk-all"
running h || fail "after its hostile chains h is $(field h 5)"
xl_ok destroy h
ok "hostile=blk-all: every chain refused, the domain and its disk run on"

# --- read-only ---------------------------------------------------------------

sum=$(disk_sum "$T/a.img")
mkcfg ro "disk = [ $(disk xvda "$T/a.img" ro) ]" \
	'extra = "workload=blk-ro:vda:0:64 workload=blk-verify:vda:11:0:2048"'
xl_ok create "$T/ro.cfg"
wait_for 20 gone ro || { tail -n 20 "$(conlog ro)" >&2; fail "ro did not power off"; }
log=$(conlog ro)
no_failure ro "access=ro"
expect_line "$log" '^minios: blk vda capacity=32768 serial=xvda ro=1 ' "access=ro: the disk is read-only"
expect_line "$log" '^minios: blk vda ro ok write=ioerr write_zeroes=(ioerr|-) discard=(ioerr|-) data=unchanged' "access=ro: writes refused"
expect_line "$log" '^minios: blk vda verify ok start=0 count=2048 seed=11 ' "access=ro: reads"
[ "$(disk_sum "$T/a.img")" = "$sum" ] || fail "the image of an access=ro disk changed"
ok "access=ro: writes fail with IOERR, the image is unchanged"
exit 0
