#!/bin/sh
# Metering with running domains (docs/metering.md): a minios that dirties
# memory uses CPU time that grows, and host memory (now and at most) in
# range of what it touches; the totals go on across kill -9 of hvd and are
# carried over xl save / xl restore; a usage record lands in usage.jsonl
# when a domain is saved, destroyed, and when it powers off with no client
# connected; the file is 0640.  Waits are for conditions.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
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

# --- poweroff with nobody connected ------------------------------------------------
mkcfg m2 'extra = "workload=counter runtime=2 action=poweroff"'
xl_ok create "$T/m2.cfg"
wait_for 30 record m2 poweroff || fail "no usage record of m2's poweroff"
python3 -c '
import json, re, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    for k in ("uuid", "name", "domid", "start", "end", "why", "cpu_ns", "mem_peak_bytes", "vifs"):
        assert k in r, (k, r)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["start"]), r
    assert r["end"] >= r["start"], r
' "$USAGE" || fail "usage.jsonl: a record without its fields"
[ "$(stat -c %a "$USAGE")" = 640 ] || fail "usage.jsonl is not 0640"
ok "a guest that powers off with no client connected gets its usage record; records well formed"
