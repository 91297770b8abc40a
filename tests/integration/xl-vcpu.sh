#!/bin/sh
# vCPU placement with minios on real KVM: xl.cfg's cpus= pins the domain's
# hv-vmm (its vCPU threads among them) when it starts, xl vcpu-list shows
# each vCPU's host CPU, state, time and hard affinity, xl vcpu-pin moves
# one vCPU or all of them (by id or name), a pin lasts while the domain
# runs paused and is read back by vcpu-list, a reboot pins to cpus= again;
# what cannot be done is refused with the reason and changes nothing: no
# such vCPU, no such CPU online, not a CPU list, a soft affinity, Domain-0,
# a create whose cpus= names no online CPU (and no half-domain is left).
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

online=$(cat /sys/devices/system/cpu/online 2>/dev/null) || skip "no /sys/devices/system/cpu/online"
last=$(getconf _NPROCESSORS_ONLN)
last=$((last - 1))
# the last online CPU, and the first
other=0

# allowed PID NAME: the Cpus_allowed_list of NAME's thread in process PID
allowed() {
	for t in /proc/"$1"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "$2" ] || continue
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$t/status"
		return 0
	done
	echo "no-such-thread"
}

# row NAME VCPU COLUMN: a column of xl vcpu-list NAME's row for VCPU
# (3 VCPU, 4 CPU, 5 State, 6 Time, 7 hard affinity, 9 soft)
row() {
	"$XL" vcpu-list "$1" 2>/dev/null | awk -v n="$1" -v v="$2" -v c="$3" \
		'$1 == n && $3 == v { print $c }'
}

mkcfg a "cpus = \"$last\"" 'extra = "workload=counter"' 'on_reboot = "restart"'
xl_ok create "$T/a.cfg"
wait_line "$HV_LOGDIR/console/a.log" 'minios: counter' 30 || fail "a did not boot"
pid=$(vmm_pid a)
for th in hv-vmm vcpu0 vcpu1; do
	[ "$(allowed "$pid" $th)" = "$last" ] ||
		fail "cpus = \"$last\": a's $th may run on $(allowed "$pid" $th)"
done
xl_ok vcpu-list a
[ "$(awk '$1 == "a"' "$T/out" | wc -l)" = 2 ] || { cat "$T/out" >&2; fail "vcpu-list a: not 2 rows"; }
for v in 0 1; do
	[ "$(row a $v 4)" = "$last" ] || { cat "$T/out" >&2; fail "vcpu-list: vCPU $v is not on CPU $last"; }
	[ "$(row a $v 7)" = "$last" ] && [ "$(row a $v 9)" = all ] ||
		{ cat "$T/out" >&2; fail "vcpu-list: vCPU $v's affinity is not $last / all"; }
	case $(row a $v 5) in
	r-- | -b-) ;;
	*) cat "$T/out" >&2; fail "vcpu-list: vCPU $v's state is $(row a $v 5)" ;;
	esac
	echo "$(row a $v 6)" | grep -Eq '^[0-9]+\.[0-9]$' || fail "vcpu-list: vCPU $v's time is $(row a $v 6)"
done
ok "cpus = \"$last\" pins a's hv-vmm and vCPU threads; vcpu-list shows CPU $last, state, time, $last / all"

# vcpu-pin: one vCPU by the domain's name, then all by its id
xl_ok vcpu-pin a 1 "$other"
[ "$(allowed "$pid" vcpu1)" = "$other" ] || fail "vcpu-pin a 1 $other: vcpu1 may run on $(allowed "$pid" vcpu1)"
[ "$(allowed "$pid" vcpu0)" = "$last" ] || fail "vcpu-pin a 1 moved vcpu0 too"
[ "$(row a 1 7)" = "$other" ] || fail "vcpu-list does not show vCPU 1 pinned to $other"
xl_ok vcpu-pin "$(field a 2)" all all -
[ "$(row a 0 7)" = all ] && [ "$(row a 1 7)" = all ] || fail "vcpu-pin all all: $(cat "$T/out")"
for th in vcpu0 vcpu1; do
	[ "$(allowed "$pid" $th)" = "$online" ] || fail "vcpu-pin all all: $th may run on $(allowed "$pid" $th)"
done
if [ "$last" -ge 1 ]; then
	# a range less one CPU: "0-1,^1" is 0, "0-3,^3" is 0-2
	want=0
	[ "$last" = 1 ] || want="0-$((last - 1))"
	xl_ok vcpu-pin a 0 "0-$last,^$last"
	[ "$(allowed "$pid" vcpu0)" = "$want" ] && [ "$(row a 0 7)" = "$want" ] ||
		fail "vcpu-pin a 0 0-$last,^$last: vcpu0 may run on $(allowed "$pid" vcpu0), vcpu-list says $(row a 0 7)"
fi
xl_ok vcpu-pin a 0 - all
ok "vcpu-pin moves one vCPU (by name) or all (by id); vcpu-list reads it back; - leaves it"

# refusals: each says why, and nothing changes
before=$(allowed "$pid" vcpu1)
xl_rc 1 vcpu-pin a 2 0
grep -q 'domain [0-9]* has 2 vCPUs (0 to 1): there is no vCPU 2' "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin of vCPU 2"; }
xl_rc 1 vcpu-pin a all 1023
grep -q '"1023" names no CPU this host has online' "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin to CPU 1023"; }
xl_rc 1 vcpu-pin a all 3-1
grep -q 'runs backwards' "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin to 3-1"; }
xl_rc 1 vcpu-pin a all zero
grep -q '"zero" is not a CPU, a range or "all"' "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin to zero"; }
xl_rc 1 vcpu-pin a 0 0 1
grep -q 'soft affinity "1": not supported by hv' "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin with a soft affinity"; }
xl_rc 1 vcpu-pin Domain-0 0 0
grep -q "taskset" "$T/err" || { cat "$T/err" >&2; fail "vcpu-pin of Domain-0"; }
xl_rc 1 vcpu-pin nosuch 0 0
[ "$(allowed "$pid" vcpu1)" = "$before" ] || fail "a refused vcpu-pin changed vcpu1's affinity"
xl_ok -N vcpu-pin a all 0
grep -q "^Dry run: would pin the vCPUs of domain a ([0-9]*) to CPUs 0$" "$T/out" || fail "-N vcpu-pin: $(cat "$T/out")"
[ "$(allowed "$pid" vcpu1)" = "$before" ] || fail "xl -N vcpu-pin changed vcpu1's affinity"
ok "vcpu-pin refuses no such vCPU, CPU or list, a soft affinity, Domain-0 (exit 1, saying why); -N changes nothing"

# paused: the pin holds and vcpu-list says p; a reboot pins to cpus= again
xl_ok vcpu-pin a all 0
xl_ok pause a
[ "$(row a 0 5)" = "--p" ] && [ "$(row a 1 7)" = 0 ] || fail "paused: vcpu-list $(row a 0 5) $(row a 1 7)"
xl_ok unpause a
id=$(field a 2)
xl_ok reboot a
wait_for 30 new_id a "$id" || fail "a did not come back after reboot"
pid=$(vmm_pid a)
wait_for 10 sh -c "[ \"\$('$XL' vcpu-list a | awk '\$1 == \"a\" && \$3 == 1 { print \$7 }')\" = $last ]" ||
	fail "after a reboot vCPU 1 is not pinned to cpus = \"$last\" again: $("$XL" vcpu-list a)"
[ "$(allowed "$pid" vcpu1)" = "$last" ] || fail "after a reboot vcpu1 may run on $(allowed "$pid" vcpu1)"
xl_ok destroy a
ok "a paused domain keeps its pins (state p); a restarted one is pinned to cpus= again"

# a create whose cpus= names no online CPU is refused, and leaves nothing
mkcfg b 'cpus = "1023"'
xl_rc 1 create "$T/b.cfg"
grep -q 'cpus "1023" names no CPU this host has online' "$T/err" || { cat "$T/err" >&2; fail "create with cpus = \"1023\""; }
[ -z "$(field b 2)" ] || fail "the refused b is in xl list"
ok "xl create with cpus naming no online CPU: refused, saying so, no domain left"
exit 0
