#!/bin/sh
# Metering with running domains (docs/metering.md): a minios that dirties
# memory uses CPU time that grows, and host memory (now and at most) in
# range of what it touches; the totals go on across kill -9 of hvd and are
# carried over xl save / xl restore; a disk's counters match what a guest
# that writes and reads a known range did, and are carried over a save too;
# a usage record lands in usage.jsonl when a domain is saved, destroyed,
# and when it powers off with no client connected; the file is 0640; a
# domain restarted by xl reboot counts its new hv-vmm's use, and the files
# hvd held to sample it are let go with it.
# Waits are for conditions.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
. "$HV_TESTS_SRC/integration/disk-lib.sh"
need_cmd python3
USAGE=$HV_LOGDIR/usage.jsonl

# sample NAME KEY: KEY of NAME's entry in one xl top --json sample
sample() {
	"$XL" top --json -i 1 2>/dev/null | python3 -c '
import json, sys
for d in json.loads(sys.stdin.readline())["domains"]:
    if d["name"] == sys.argv[1]:
        v = d[sys.argv[2]]
        print("" if v is None else v)
' "$1" "$2"
}
above() { _v=$(sample "$1" "$2"); [ -n "$_v" ] && [ "$_v" -gt "$3" ]; }
# record NAME WHY: usage.jsonl has a record of NAME that ended for WHY
record() {
	[ -f "$USAGE" ] && python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] == sys.argv[2] and r["why"] == sys.argv[3]:
        sys.exit(0)
sys.exit(1)
' "$USAGE" "$1" "$2"
}
# rec NAME WHY KEY: KEY of that record
rec() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] == sys.argv[2] and r["why"] == sys.argv[3]:
        v = r[sys.argv[4]]
print(v)
' "$USAGE" "$1" "$2" "$3"
}

# --- CPU and memory grow with the guest's work -----------------------------------
mkcfg m1 'extra = "workload=dirty:16:64"'
xl_ok create "$T/m1.cfg"
wait_for 20 above m1 cpu_ns 0 || fail "m1: no CPU time"
c1=$(sample m1 cpu_ns)
wait_for 20 above m1 cpu_ns "$c1" || fail "m1: its CPU time did not grow past $c1 ns"
# the 16 MiB it dirties is touched memory of its hv-vmm
wait_for 20 above m1 mem_current_bytes $((16 << 20)) ||
	fail "m1: host memory $(sample m1 mem_current_bytes) B, not above the 16 MiB it dirties"
mem=$(sample m1 mem_current_bytes)
peak=$(sample m1 mem_peak_bytes)
# 64 MiB of RAM, hv-vmm's own, and the cgroup margin (64 MiB) at most
[ "$mem" -le $(((64 + 64 + 64) << 20)) ] || fail "m1: host memory $mem B, more than it can take"
[ "$peak" -ge "$mem" ] || fail "m1: peak $peak B below current $mem B"
xl_ok list -l m1
grep -q '"stats":' "$T/out" || fail "xl list -l: no stats"
xl_ok top -b -i 2 -d 0.3
awk '$1 == "m1" { print $4 }' "$T/out" | tail -n 1 | grep -qE '^[0-9]+\.[0-9]$' ||
	{ cat "$T/out" >&2; fail "xl top: no CPU(%) for m1"; }
ok "a working guest: CPU time grows, host memory ($((mem >> 20)) MiB, peak $((peak >> 20)) MiB) in range"

# --- kill -9 of hvd: the totals go on ----------------------------------------------
before=$(sample m1 cpu_ns)
kill -9 "$(cat "$HV_RUNDIR/hvd.pid")"
wait_for 10 above m1 cpu_ns "$before" || fail "m1: CPU time after hvd's restart is not above $before"
ok "kill -9 of hvd: the counters go on from where they were"

# --- save and restore: totals carried, a record of the save ------------------------
before=$(sample m1 cpu_ns)
xl_ok save m1 "$T/m1.img"
wait_for 10 record m1 saved || fail "no usage record of m1's save"
[ "$(rec m1 saved cpu_ns)" -ge "$before" ] || fail "m1's record: less CPU than it had used"
xl_ok restore "$T/m1.img"
after=$(sample m1 cpu_ns)
[ -n "$after" ] && [ "$after" -ge "$before" ] ||
	fail "m1 restored: CPU time $after ns, less than the $before ns used before the save"
ok "xl save writes a usage record; xl restore carries the totals on"

# --- destroy ----------------------------------------------------------------------
xl_ok destroy m1
wait_for 10 record m1 destroy || fail "no usage record of m1's destroy"
[ "$(rec m1 destroy cpu_ns)" -ge "$after" ] ||
	fail "m1's destroy record: less CPU than its last sample"
ok "xl destroy writes a usage record with the final totals"

# --- disks: hv-vmm's counters against a known workload, carried over a save --------
# disk NAME VDEV KEY: KEY of NAME's disk VDEV in one xl top --json sample
disk() {
	"$XL" top --json -i 1 2>/dev/null | python3 -c '
import json, sys
for d in json.loads(sys.stdin.readline())["domains"]:
    if d["name"] == sys.argv[1]:
        for k in d["disks"]:
            if k["vdev"] == sys.argv[2]:
                print(str(k[sys.argv[3]]).lower())
' "$1" "$2" "$3"
}
disk_is() { [ "$(disk "$1" "$2" "$3")" = "$4" ]; }
# recdisk NAME WHY VDEV KEY: KEY of VDEV in that usage record
recdisk() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["name"] == sys.argv[2] and r["why"] == sys.argv[3]:
        v = [k[sys.argv[5]] for k in r["disks"] if k["vdev"] == sys.argv[4]]
print(v[0] if v else "")
' "$USAGE" "$1" "$2" "$3" "$4"
}
lines() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
# 4096 sectors (2 MiB) written in requests of up to 64 KiB, flushed, read back
bytes=$((4096 * 512))
disk_image "$T/m3.img" 16
mkcfg m3 'extra = "workload=blk-write:vda:7:0:4096 workload=counter"' \
	"disk = [ \"$T/m3.img,raw,xvda,rw\", \",,hdc,cdrom\" ]"
xl_ok create "$T/m3.cfg"
l3=$HV_LOGDIR/console/m3.log
wait_dom_line m3 "$l3" '^minios: blk vda write ok' 60 || fail "m3 did not write its range"
# the guest asked exactly this much of it; the counters say so (5% is the bar, this is exact)
wait_for 10 disk_is m3 xvda rd_bytes "$bytes" ||
	fail "m3's xvda: $(disk m3 xvda rd_bytes) bytes read, not the $bytes the guest read back"
[ "$(disk m3 xvda wr_bytes)" = "$bytes" ] ||
	fail "m3's xvda: $(disk m3 xvda wr_bytes) bytes written, not the $bytes the guest wrote"
[ "$(disk m3 xvda wr_reqs)" -ge $((bytes / 65536)) ] && [ "$(disk m3 xvda wr_reqs)" -le $((bytes / 512)) ] ||
	fail "m3's xvda: $(disk m3 xvda wr_reqs) write requests for $bytes bytes in requests of 64 KiB at most"
[ "$(disk m3 xvda flush_reqs)" -ge 1 ] || fail "m3's xvda: its flush was not counted"
[ "$(disk m3 xvda err_reqs)" = 0 ] || fail "m3's xvda: failures counted where none happened"
disk_is m3 hdc valid false || fail "m3's empty CD-ROM drive has counters"
xl_ok top -b -i 1
awk '$1 == "m3" { print $13, $15, $16, $17 }' "$T/out" | tail -n 1 | grep -qx "2 [0-9]* 4096 4096" ||
	{ cat "$T/out" >&2; fail "xl top: m3's VBDS, VBD_WR, VBD_RSECT, VBD_WSECT are not 2, n, 4096, 4096"; }
xl_ok list -l m3
grep -q '"wr_bytes": '"$bytes" "$T/out" || { cat "$T/out" >&2; fail "xl list -l: no disk counters for m3"; }
# kill -9 of hvd: hv-vmm's file is still there for the next one
kill -9 "$(cat "$HV_RUNDIR/hvd.pid")"
wait_for 10 disk_is m3 xvda wr_bytes "$bytes" || fail "m3's xvda after hvd's restart: $(disk m3 xvda wr_bytes) bytes written"
# the save carries reads and writes; the restored guest reads its range once more
xl_ok save m3 "$T/m3.save"
wait_for 10 record m3 saved || fail "no usage record of m3's save"
[ "$(recdisk m3 saved xvda wr_bytes)" = "$bytes" ] ||
	fail "m3's save record: xvda wrote $(recdisk m3 saved xvda wr_bytes) bytes, not $bytes"
xl_ok restore "$T/m3.save"
wait_dom_line m3 "$l3" '^minios: blk vda verify ok' 60 || fail "m3 did not verify its range after the restore"
wait_for 10 disk_is m3 xvda rd_bytes $((2 * bytes)) ||
	fail "m3 restored: xvda read $(disk m3 xvda rd_bytes) bytes, not the $((2 * bytes)) of both boots"
[ "$(disk m3 xvda wr_bytes)" = "$bytes" ] || fail "m3 restored: xvda's writes were not carried over"
# what was carried lives in the domain's state file: a new hvd reads it back
kill -9 "$(cat "$HV_RUNDIR/hvd.pid")"
wait_for 10 disk_is m3 xvda wr_bytes "$bytes" ||
	fail "m3 restored, after hvd's restart: xvda wrote $(disk m3 xvda wr_bytes) bytes, not the $bytes carried"
[ "$(disk m3 xvda rd_bytes)" = $((2 * bytes)) ] || fail "m3 restored, after hvd's restart: xvda's reads"
xl_ok destroy m3
wait_for 10 record m3 destroy || fail "no usage record of m3's destroy"
[ "$(recdisk m3 destroy xvda rd_bytes)" = $((2 * bytes)) ] || fail "m3's destroy record: xvda's reads"
ok "a disk's counters match the guest's $((bytes >> 20)) MiB written and read back exactly, across kill -9 of hvd and a save/restore"

# --- a restart (xl reboot): the new hv-vmm's counters, and the files hvd holds ----------
# hvd keeps the files it samples open while a domain runs (meter-fds.c): after a
# restart they must be the new hv-vmm's (first boot: the range read, written and read
# back; second: read once to verify it, nothing written), and they go with the domain
hvd_fds() { ls "/proc/$(cat "$HV_RUNDIR/hvd.pid")/fd" | wc -l; }
fds_back() { [ "$(hvd_fds)" -le "$1" ]; }
"$XL" list >/dev/null
fds0=$(hvd_fds)
disk_image "$T/m4.img" 16
mkcfg m4 'extra = "workload=blk-once:vda:9:0:4096 workload=counter"' \
	"disk = [ \"$T/m4.img,raw,xvda,rw\" ]" 'on_reboot = "restart"'
xl_ok create "$T/m4.cfg"
l4=$HV_LOGDIR/console/m4.log
wait_dom_line m4 "$l4" '^minios: blk vda write ok' 60 || fail "m4 did not write its range"
wait_for 10 disk_is m4 xvda wr_bytes "$bytes" || fail "m4's xvda: $(disk m4 xvda wr_bytes) bytes written, not $bytes"
wait_for 20 above m4 cpu_ns 0 || fail "m4: no CPU time"
[ "$(hvd_fds)" -le $((fds0 + 8)) ] || { ls -l "/proc/$(cat "$HV_RUNDIR/hvd.pid")/fd" >&2; fail "hvd holds $(hvd_fds) descriptors for one domain, $fds0 before it"; }
old=$(field m4 2)
xl_ok reboot -w m4
new=$(field m4 2)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "after reboot -w m4 has id '$new' (was $old)"
wait_for 10 record m4 reboot || fail "no usage record of m4's reboot"
[ "$(recdisk m4 reboot xvda wr_bytes)" = "$bytes" ] ||
	fail "m4's reboot record: xvda wrote $(recdisk m4 reboot xvda wr_bytes) bytes, not $bytes"
wait_dom_line m4 "$l4" '^minios: blk vda verify ok' 60 || fail "m4 did not verify its range after the reboot"
wait_for 10 disk_is m4 xvda rd_bytes "$bytes" ||
	fail "m4 restarted: xvda read $(disk m4 xvda rd_bytes) bytes, not the $bytes it verified"
[ "$(disk m4 xvda wr_bytes)" = 0 ] || fail "m4 restarted: xvda shows $(disk m4 xvda wr_bytes) bytes written (its first hv-vmm's)"
wait_for 20 above m4 cpu_ns 0 || fail "m4 restarted: no CPU time"
wait_for 20 above m4 mem_current_bytes 0 || fail "m4 restarted: no host memory"
c=$(sample m4 cpu_ns)
wait_for 20 above m4 cpu_ns "$c" || fail "m4 restarted: its CPU time did not grow past $c ns"
xl_ok destroy m4
wait_for 10 record m4 destroy || fail "no usage record of m4's destroy"
[ "$(recdisk m4 destroy xvda rd_bytes)" = "$bytes" ] || fail "m4's destroy record: xvda's reads"
wait_for 10 fds_back "$fds0" ||
	{ ls -l "/proc/$(cat "$HV_RUNDIR/hvd.pid")/fd" >&2; fail "hvd holds $(hvd_fds) descriptors after m4 went, $fds0 before it"; }
ok "xl reboot: the new hv-vmm counts from 0 (its disk's reads, no writes), the old one's record has its writes; hvd's descriptors go with the domain"

# --- poweroff with nobody connected ------------------------------------------------
mkcfg m2 'extra = "workload=counter runtime=2 action=poweroff"'
xl_ok create "$T/m2.cfg"
wait_for 30 record m2 poweroff || fail "no usage record of m2's poweroff"
python3 -c '
import json, re, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    for k in ("uuid", "name", "domid", "start", "end", "why", "cpu_ns", "mem_peak_bytes", "vifs", "disks"):
        assert k in r, (k, r)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["start"]), r
    assert r["end"] >= r["start"], r
' "$USAGE" || fail "usage.jsonl: a record without its fields"
[ "$(stat -c %a "$USAGE")" = 640 ] || fail "usage.jsonl is not 0640"
ok "a guest that powers off with no client connected gets its usage record; records well formed"
