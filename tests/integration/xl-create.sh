#!/bin/sh
# xl create (hvd started on demand), list, console log, pause/unpause,
# rename, domid/domname, uptime, vcpu-list, info, create -n/-p, shutdown -w.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

mkcfg g1 'extra = "workload=counter"'
[ ! -e "$HV_RUNDIR/hvd.pid" ] || fail "an hvd runs before the test"
xl_ok create "$T/g1.cfg"
[ -s "$HV_RUNDIR/hvd.pid" ] || fail "xl create did not start hvd"
kill -0 "$(cat "$HV_RUNDIR/hvd.pid")" || fail "the hvd that xl started is not running"
ok "xl create started hvd on demand"

xl_ok list
head -n 1 "$T/out" | grep -qx 'Name                                        ID   Mem VCPUs	State	Time(s)' ||
	{ cat "$T/out" >&2; fail "xl list: header is not Xen's"; }
grep -Eq '^g1 +[0-9]+ +64 +2 +(r-----|-b----)  +[0-9]+\.[0-9]$' "$T/out" ||
	{ cat "$T/out" >&2; fail "xl list: no line 'g1 ID 64 2 r----- (or -b----) TIME'"; }
line=$(grep '^g1 ' "$T/out")
[ "$(printf '%s' "$line" | cut -c1-41)" = "$(printf '%-40s ' g1)" ] || fail "xl list: name column is not 40 wide"
ok "xl list shows g1 with 64 MiB, 2 vCPUs, running"

id=$(field g1 2)
xl_ok domid g1
[ "$(cat "$T/out")" = "$id" ] || fail "xl domid g1 said $(cat "$T/out"), list says $id"
xl_ok domname "$id"
[ "$(cat "$T/out")" = g1 ] || fail "xl domname $id said $(cat "$T/out")"
ok "domid/domname agree with list"

wait_line "$HV_LOGDIR/console/g1.log" 'minios: counter [0-9]+' 20 ||
	fail "no counter in $HV_LOGDIR/console/g1.log"
expect_line "$HV_LOGDIR/console/g1.log" 'minios: boot ok vcpus=2 mem=6[0-9] ' "console log"
ok "console output reaches \$HV_LOGDIR/console/g1.log"

xl_ok pause g1
state_is g1 --p--- || fail "after pause the state is $(field g1 5)"
n1=$(grep -c 'minios: counter' "$HV_LOGDIR/console/g1.log")
sleep 1
n2=$(grep -c 'minios: counter' "$HV_LOGDIR/console/g1.log")
[ "$n1" = "$n2" ] || fail "the counter went on while paused ($n1 -> $n2)"
xl_ok unpause g1
running g1 || fail "after unpause the state is $(field g1 5)"
wait_for 10 sh -c "[ \$(grep -c 'minios: counter' '$HV_LOGDIR/console/g1.log') -gt $n2 ]" ||
	fail "the counter did not go on after unpause"
ok "pause/unpause change the State column and stop/start the guest"

xl_ok list -v
grep -Eq '^g1 .* [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} ' "$T/out" ||
	{ cat "$T/out" >&2; fail "xl list -v: no UUID"; }
xl_ok list -l g1
grep -q '"name": "g1"' "$T/out" && grep -q '"memory_mib": 64' "$T/out" ||
	{ cat "$T/out" >&2; fail "xl list -l: no JSON for g1"; }
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>/dev/null ||
	! command -v python3 >/dev/null || fail "xl list -l: not valid JSON"
ok "list -v and list -l"

xl_ok uptime g1
grep -Eq "^g1 +$id +[ 0-9]+:[0-9]{2}:[0-9]{2}$" "$T/out" || { cat "$T/out" >&2; fail "xl uptime"; }
xl_ok vcpu-list g1
[ "$(grep -c "^g1 " "$T/out")" = 2 ] || { cat "$T/out" >&2; fail "xl vcpu-list: not 2 vCPUs"; }
xl_ok info
grep -Eq '^nr_cpus +: [1-9]' "$T/out" && grep -Eq '^hvd_pid +: [1-9]' "$T/out" ||
	{ cat "$T/out" >&2; fail "xl info"; }
ok "uptime, vcpu-list, info"

xl_ok rename g1 g1new
[ "$(field g1new 2)" = "$id" ] && gone g1 || fail "rename: list does not show g1new as domain $id"
xl_ok rename "$id" g1
[ "$(field g1 2)" = "$id" ] || fail "rename by id did not work"
ok "rename (by name and by id)"

xl_ok create -n "$T/g1.cfg" memory=96
grep -q '"memory_mib": 96' "$T/out" && grep -q '"name": "g1"' "$T/out" ||
	{ cat "$T/out" >&2; fail "create -n: no JSON with the override"; }
[ "$(field g1 2)" = "$id" ] || fail "create -n changed the domains"
ok "create -n prints the config as JSON (with KEY=VALUE overrides)"

xl_ok shutdown -w g1
gone g1 || fail "after shutdown -w g1 is still listed: $(field g1 5)"
ok "shutdown -w waits until the domain is gone"

mkcfg g2 'extra = "workload=counter"'
xl_ok create -p "$T/g2.cfg"
state_is g2 --p--- || fail "create -p: state $(field g2 5)"
xl_ok destroy g2
gone g2 || fail "destroy: g2 still listed"
ok "create -p leaves it paused; destroy removes it"
exit 0
