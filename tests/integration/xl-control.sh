#!/bin/sh
# What Xen's xl sends a running domain, on minios: trigger nmi (to a given
# vCPU, also while paused), reset and power, button-press, sysrq (a serial
# break and the key on COM1), destroy -f, shutdown -a -w and reboot -a
# (with Xen's long options), console -e, the dry runs of xl -N, and
# Domain-0 beside real domains in list and vcpu-list.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

# booted NAME: NAME's console shows minios counting.
booted() {
	wait_line "$HV_LOGDIR/console/$1.log" 'minios: counter' 30 || fail "$1 did not boot"
}

mkcfg a 'extra = "workload=counter:2"'
xl_ok create "$T/a.cfg"
booted a
id=$(field a 2)

# Domain-0 first, then the domain
xl_ok list
[ "$(awk 'NR == 2 { print $1 }' "$T/out")" = Domain-0 ] || fail "list: Domain-0 is not first"
[ "$(awk 'NR == 3 { print $1, $2, $4 }' "$T/out")" = "a $id 2" ] || fail "list: a's row"
xl_ok vcpu-list a
[ "$(awk '$1 == "a"' "$T/out" | wc -l)" = 2 ] || fail "vcpu-list a: not 2 rows"
ok "Domain-0 and a domain in xl list and vcpu-list"

# dry runs change nothing
xl_ok -N destroy a
grep -q "^Dry run: would destroy domain a ($id)$" "$T/out" || fail "-N destroy: $(cat "$T/out")"
xl_ok -N trigger a nmi 1
xl_ok -N sysrq a h
xl_ok -N shutdown -a
grep -q "^Dry run: would shut down domain a ($id)$" "$T/out" || fail "-N shutdown -a"
xl_ok -N mem-set a 48
xl_ok -N pause a
sleep "$(scaled 1)"
running a || fail "a dry run changed a: $(field a 5)"
! grep -q 'minios: nmi\|minios: serial break' "$HV_LOGDIR/console/a.log" || fail "a dry run sent a trigger"
ok "xl -N: destroy, trigger, sysrq, shutdown -a, mem-set, pause say what they would do"

# an NMI to vCPU 1; minios says which vCPU took it and runs on
xl_ok trigger a nmi 1
wait_line "$HV_LOGDIR/console/a.log" 'minios: nmi apic=1' 20 || fail "trigger nmi 1: no NMI on vCPU 1"
xl_rc 1 trigger a nmi 2
grep -q "no such vCPU" "$T/err" || { cat "$T/err" >&2; fail "trigger nmi 2: not refused clearly"; }
# paused: the NMI waits for the vCPU to run
xl_ok pause a
xl_ok trigger a nmi
sleep "$(scaled 1)"
! grep -q 'minios: nmi apic=0' "$HV_LOGDIR/console/a.log" || fail "a paused vCPU took an NMI"
xl_ok unpause a
wait_line "$HV_LOGDIR/console/a.log" 'minios: nmi apic=0' 20 || fail "no NMI on vCPU 0 after unpause"
running a || fail "a after its NMIs: $(field a 5)"
xl_ok dmesg
grep -q "domain $id (a): NMI to vCPU 1, as asked" "$T/out" || fail "dmesg: hvd's log has no NMI line"
ok "trigger nmi VCPU: taken by that vCPU (a paused one once unpaused); a vCPU too many refused"

# sysrq: a serial break, then the key
xl_ok sysrq a h
wait_line "$HV_LOGDIR/console/a.log" 'minios: sysrq h' 20 || fail "sysrq h: no break and key on COM1"
grep -q 'minios: serial break' "$HV_LOGDIR/console/a.log" || fail "sysrq: no serial break"
ok "sysrq: a serial break and the key on the guest's COM1"

# console -e: another escape character; Ctrl-] is then just a byte
start=$(date +%s)
(printf '\035'; sleep 3; printf '\001') | timeout "$(scaled 30)" "$XL" console -e '^a' a >"$T/con" 2>&1 ||
	fail "console -e ^a did not end with its escape character"
[ $(($(date +%s) - start)) -ge 3 ] || fail "console -e ^a: Ctrl-] still detached"
grep -q 'minios: counter' "$T/con" || fail "console -e: no output"
ok "console -e ^a: detaches on Ctrl-A, not on Ctrl-]"

# reset: the domain ends as by a guest reset (on_reboot)
mkcfg r 'extra = "workload=counter"' 'on_reboot = "preserve"'
xl_ok create "$T/r.cfg"
booted r
xl_ok trigger r reset
wait_for 20 state_is r ---s-- || fail "trigger reset: r is $(field r 5), expected ---s--"
xl_ok list -v r
grep -q ' reboot ' "$T/out" || { cat "$T/out" >&2; fail "trigger reset: r did not end by a reboot"; }
xl_rc 1 trigger r nmi
xl_ok destroy -f r
gone r || fail "destroy -f: r is still there"
ok "trigger reset: ends as a reboot (on_reboot = preserve keeps it); destroy -f"

# power: the ACPI power button, by trigger and by button-press
xl_ok trigger a power
wait_for 30 gone a || fail "trigger power: a is still there ($(field a 5))"
mkcfg p 'extra = "workload=counter"'
xl_ok create "$T/p.cfg"
booted p
xl_ok button-press p power
grep -q 'deprecated' "$T/err" || fail "button-press: no deprecation warning, as Xen's"
wait_for 30 gone p || fail "button-press power: p is still there"
ok "trigger power and button-press power: the guest powers off"

# shutdown -a -w, reboot --all --wait
for n in s1 s2; do
	mkcfg $n 'extra = "workload=counter"'
	xl_ok create "$T/$n.cfg"
done
for n in s1 s2; do booted $n; done
XL_TIMEOUT=120 xl_ok shutdown -a -w
grep -c 'is dead' "$T/err" | grep -qx 2 || { cat "$T/err" >&2; fail "shutdown -a -w: not 2 domains dead"; }
gone s1 && gone s2 || fail "shutdown -a -w: domains left"
mkcfg b1 'extra = "workload=counter"' 'on_reboot = "restart"'
xl_ok create "$T/b1.cfg"
booted b1
bid=$(field b1 2)
XL_TIMEOUT=120 xl_ok reboot --all --wait
grep -q 'has rebooted' "$T/err" || { cat "$T/err" >&2; fail "reboot --all --wait: not rebooted"; }
[ -n "$(field b1 2)" ] && [ "$(field b1 2)" != "$bid" ] || fail "reboot --all: b1 has no new id"
xl_ok destroy b1
ok "shutdown -a -w and reboot --all --wait act on every domain, Domain-0 left out"
exit 0
