#!/bin/sh
# Networking from xl.cfg to the guest, with minios domains on real KVM, all
# in a network namespace of the test's own (192.0.2.0/24 only): xl create
# makes the bridge (STP off, forward delay 0) and a tap per vif on it
# (named vifDOMID.DEVID, the guest's MAC with fe: first), the host pings a
# domain, two domains exchange verified frames, rate= limits what a guest
# sends, xl network-attach gives a running domain a vif (its tap on the
# bridge, held by hv-vmm and hvd, in network-list; minios has no PCI
# hotplug driver, so the guest brings it up after a reboot and answers on
# it), refusals leave no tap, network-detach --force takes the tap away, a
# save and restore gives the domain a new tap and it answers again, and
# nothing is left behind: not after xl destroy, not after kill -9 of an
# hv-vmm, not after kill -9 of hvd (after an attach) and then of the
# hv-vmm.

# A private network namespace first: nothing here touches the host's.  A
# sysfs of its own too (in a private mount namespace): /sys shows the
# interfaces of the namespace that mounted it.  HV_XL_NET_NS marks the run
# inside it (whether this one is the host's own cannot be told reliably:
# /proc/1/ns/net may be unreadable, as in a sandbox).
if [ -z "${HV_XL_NET_NS:-}" ]; then
	HV_XL_NET_NS=1
	export HV_XL_NET_NS
	command -v unshare >/dev/null 2>&1 || { echo "SKIP: unshare not found"; exit 77; }
	unshare -n -m true 2>/dev/null ||
		{ echo "SKIP: cannot make network and mount namespaces (unshare -n -m)"; exit 77; }
	exec unshare -n -m sh -c 'mount -t sysfs sysfs /sys && exec sh "$0" "$@"' "$0" "$@"
fi
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3
need_cmd ip
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
PING=ping
command -v ping >/dev/null 2>&1 || PING="busybox ping"
ip link set lo up

# is_port IFACE BRIDGE: IFACE is up and a port of BRIDGE
is_port() {
	[ "$(basename "$(readlink "/sys/class/net/$1/master" 2>/dev/null)")" = "$2" ] &&
		ip link show "$1" | grep -q 'state UP\|,UP'
}
no_taps() { ! ip -o link show type tun 2>/dev/null | grep -q .; }
nr_taps() { ip -o link show type tun 2>/dev/null | grep -c .; }
# taps PID: how many tap descriptors process PID holds
taps() { ls -l /proc/"$1"/fd 2>/dev/null | grep -c /dev/net/tun; }
no_link() { ! ip link show "$1" >/dev/null 2>&1; }

# A: answers pings, echoes and verifies test frames, on the default bridge
mkcfg a 'extra = "net-ip=192.0.2.10/24 workload=net-responder workload=net-echo workload=net-verify"' \
	'vif = [ "mac=00:16:3e:00:00:0a" ]'
ip link show xenbr0 >/dev/null 2>&1 && fail "xenbr0 exists before any domain"
xl_ok create "$T/a.cfg"
ida=$(field a 2)
[ -d /sys/class/net/xenbr0/bridge ] || fail "xl create did not make the bridge xenbr0"
[ "$(cat /sys/class/net/xenbr0/bridge/stp_state)" = 0 ] || fail "xenbr0 has STP on"
[ "$(cat /sys/class/net/xenbr0/bridge/forward_delay)" = 0 ] || fail "xenbr0's forward delay is not 0"
is_port "vif$ida.0" xenbr0 || { ip -d link >&2; fail "vif$ida.0 is not an up port of xenbr0"; }
[ "$(cat "/sys/class/net/vif$ida.0/address")" = fe:16:3e:00:00:0a ] ||
	fail "vif$ida.0's MAC is $(cat "/sys/class/net/vif$ida.0/address"), not fe:16:3e:00:00:0a"
xl_ok network-list a
grep -Eq "^0 +00:16:3e:00:00:0a +xenbr0 +vif$ida\.0 " "$T/out" || { cat "$T/out" >&2; fail "xl network-list a"; }
pid=$(vmm_pid a)
[ "$(ls -l /proc/"$pid"/fd | grep -c /dev/net/tun)" -ge 1 ] || fail "a's hv-vmm holds no tap"
ok "xl create made xenbr0 (STP off, forward delay 0) and vif$ida.0 on it (fe: MAC, up)"

ip addr add 192.0.2.1/24 dev xenbr0
ip link set xenbr0 up
wait_line "$HV_LOGDIR/console/a.log" '^minios: net up mac=00:16:3e:00:00:0a ip=192.0.2.10/24' 30 ||
	fail "a's network did not come up"
$PING -c 3 -W "$(scaled 5)" 192.0.2.10 >"$T/ping" 2>&1 || { cat "$T/ping" >&2; fail "the host cannot ping a"; }
ok "the host pings a domain on its bridge"

# B: a default MAC, another bridge, sends 2000 frames to A and pings it
mkcfg b 'extra = "net-ip=192.0.2.11/24 workload=net-send:192.0.2.10:1000:1000:2000:64 workload=net-ping:192.0.2.10:20"' \
	'vif = [ "bridge=xenbr0,vifname=b-eth0" ]' 'on_poweroff = "preserve"'
xl_ok create "$T/b.cfg"
is_port b-eth0 xenbr0 || fail "b-eth0 is not an up port of xenbr0"
lb=$HV_LOGDIR/console/b.log
wait_dom_line b "$lb" '^minios: net ping 192\.0\.2\.10: ' 120 || fail "b did not finish"
grep -Eq '^minios: net up mac=00:16:3e:[0-7][0-9a-f](:[0-9a-f]{2}){2} ' "$lb" || fail "b's default MAC is not under 00:16:3e"
grep -Eq '^minios: net echo rx 2000 of 2000 frames, 0 bad, 0 lost, 0 reordered' "$lb" ||
	{ grep '^minios: net' "$lb" >&2; fail "b did not get its 2000 frames back whole"; }
grep -Eq '^minios: net ping 192\.0\.2\.10: 20 sent, 20 received' "$lb" || fail "b's pings to a"
stream=$(sed -n 's/^minios: net tx 2000 frames.* stream \([0-9a-f]*\) .*/\1/p' "$lb")
wait_line "$HV_LOGDIR/console/a.log" "^minios: net rx stream [0-9a-f:]*/$stream done: 2000 frames, 2000000 bytes, 0 bad, 0 lost, 0 reordered" 30 ||
	fail "a did not verify b's 2000 frames"
grep '^minios: net \(tx\|echo\|ping\)' "$lb"
# metering (docs/metering.md): b's vif counted what it sent and got back,
# 2000 frames of 1000 bytes each way and the pings, within 5% (ARP and the
# host's own chatter are the rest)
"$XL" top --json -i 1 >"$T/top" 2>&1 || { cat "$T/top" >&2; fail "xl top --json"; }
python3 - "$T/top" <<'PY' || fail "b's vif counters are not within 5% of what it sent and received"
import json, sys
doc = json.loads(open(sys.argv[1]).readline())
b = [d for d in doc["domains"] if d["name"] == "b"][0]
v = b["vifs"][0]
frames, size = 2000, 1000
for k in ("tx", "rx"):
    nbytes, npkts = v[k + "_bytes"], v[k + "_packets"]
    print("b's vif %s: %d bytes, %d packets" % (k, nbytes, npkts))
    if not (v["valid"] and frames * size <= nbytes <= 1.05 * frames * size
            and frames <= npkts <= 1.05 * frames):
        sys.exit("%s: %d bytes, %d packets for %d frames of %d bytes" % (k, nbytes, npkts, frames, size))
PY
wait_for 30 state_is b "---s--" || fail "b did not power off"
xl_ok destroy b
wait_for 10 sh -c '! ip link show b-eth0 >/dev/null 2>&1' || fail "b-eth0 outlived b"
ok "two domains on one bridge exchange 2000 verified frames and ping each other, metered within 5%; the tap goes with its domain"

# rate=: C sends as fast as it may; A counts what arrives
rate_kbit=4000
mkcfg c "extra = \"net-ip=192.0.2.12/24 workload=net-send:192.0.2.10:1000:0:3000\"" \
	"vif = [ \"rate=${rate_kbit}Kb/s@20ms\" ]" 'on_poweroff = "preserve"'
xl_ok create "$T/c.cfg"
lc=$HV_LOGDIR/console/c.log
wait_dom_line c "$lc" '^minios: net tx 3000 frames' 120 || fail "c did not send its frames"
stream=$(sed -n 's/^minios: net tx 3000 frames.* stream \([0-9a-f]*\) .*/\1/p' "$lc")
wait_line "$HV_LOGDIR/console/a.log" "^minios: net rx stream [0-9a-f:]*/$stream done: " 60 ||
	fail "a did not see the end of c's stream"
line=$(grep "^minios: net rx stream [0-9a-f:]*/$stream done: " "$HV_LOGDIR/console/a.log")
echo "$line"
python3 - "$line" "$rate_kbit" <<'PY' || fail "rate= does not hold c to ${rate_kbit} kbit/s"
import re, sys
line, kbit = sys.argv[1], float(sys.argv[2])
m = re.search(r"(\d+) frames, (\d+) bytes.* in (\d+) us", line)
if not m:
    sys.exit("no count in %r" % line)
frames, payload, us = (int(x) for x in m.groups())
# the bytes counted are the frames' (Ethernet header included), as the credit counts them
got = payload * 8 / (us / 1e6) / 1000
print("c sent %.0f kbit/s under rate=%g kbit/s (%.1f%%)" % (got, kbit, 100 * got / kbit))
if not 0.9 * kbit <= got <= 1.1 * kbit:
    sys.exit("%.0f kbit/s is not within 10%% of %g" % (got, kbit))
PY
xl_ok destroy c
ok "rate=${rate_kbit}Kb/s@20ms holds a guest's sending within 10%"

# E: a hostile driver; hv-vmm survives every case and the card works after a reset
cases="net-tx-loop net-tx-gso net-tx-big net-tx-oob net-rx-small net-rx-bad"
mkcfg e "extra = \"net-ip=192.0.2.14/24 hostile=$(echo $cases | tr ' ' ,)\"" 'vif = [ "" ]' \
	'on_poweroff = "preserve"' 'on_crash = "preserve"'
xl_ok create "$T/e.cfg"
le=$HV_LOGDIR/console/e.log
# powered off, or crashed (its hv-vmm ended): either ends the wait
ended() { case $(field "$1" 5) in ---s-- | ---c--) return 0 ;; *) return 1 ;; esac; }
wait_for 240 ended e && state_is e "---s--" ||
	{ tail -n 30 "$le" "$HV_LOGDIR/vmm-e.log" >&2; fail "e did not power off after its hostile cases (state $(field e 5))"; }
grep '^minios: hostile net-' "$le"
for c in $cases; do
	grep -q "^minios: hostile $c done status=0x0f result=pass after=ok" "$le" ||
		fail "hostile $c: hv-vmm's virtio-net did not answer as it should"
done
xl_ok destroy e
ok "hostile virtio-net drivers ($cases): hv-vmm survives, the card works after a reset"

# network-attach: H boots with no vif and gets one while it runs
mkcfg h 'extra = "net-ip=192.0.2.15/24 workload=net-responder workload=counter:2"' \
	'on_reboot = "restart"'
xl_ok create "$T/h.cfg"
idh=$(field h 2)
lh=$HV_LOGDIR/console/h.log
wait_line "$lh" '^minios: counter' 30 || fail "h did not boot"
grep -q '^minios: net up' "$lh" && fail "h brought up a network it does not have"
vp=$(vmm_pid h)
hvd=$(cat "$HV_RUNDIR/hvd.pid")
hvd_taps=$(taps "$hvd")
xl_ok network-attach h bridge=xenbr0 mac=00:16:3e:00:00:0f
grep -qx '0 00:16:3e:00:00:0f' "$T/out" || { cat "$T/out" >&2; fail "network-attach did not say the devid and MAC h's vif got"; }
is_port "vif$idh.0" xenbr0 || { ip -d link >&2; fail "vif$idh.0 is not an up port of xenbr0 after network-attach"; }
[ "$(cat "/sys/class/net/vif$idh.0/address")" = fe:16:3e:00:00:0f ] || fail "vif$idh.0's MAC"
[ "$(taps "$vp")" = 1 ] || fail "h's hv-vmm holds $(taps "$vp") taps after network-attach, not 1"
[ "$(taps "$hvd")" = $((hvd_taps + 1)) ] || fail "hvd does not hold h's attached tap"
xl_ok network-list h
grep -Eq "^0 +00:16:3e:00:00:0f +xenbr0 +vif$idh\.0 " "$T/out" || { cat "$T/out" >&2; fail "network-list h after network-attach"; }
ok "network-attach gives a running domain a vif: its tap on the bridge, held by hv-vmm and hvd, in network-list"

# the description has it: the guest, which has no hotplug driver, gets it at its reboot
xl_ok reboot -w h
wait_line "$lh" '^minios: net up mac=00:16:3e:00:00:0f ip=192.0.2.15/24' 30 ||
	{ tail -n 20 "$lh" >&2; fail "h did not bring up its attached vif after a reboot"; }
is_port "vif$idh.0" xenbr0 || fail "h's tap did not stay on xenbr0 across its reboot"
$PING -c 3 -W "$(scaled 5)" 192.0.2.15 >"$T/ping" 2>&1 || { cat "$T/ping" >&2; fail "the host cannot ping h over its attached vif"; }
ok "the attached vif stays across a reboot (hvd keeps the tap); the guest answers pings on it"

# refusals leave no tap: a devid in use, a bridge that cannot be made, no such vif
idh=$(field h 2)
before=$(nr_taps)
xl_rc 1 network-attach h devid=0
grep -q 'has a vif 0 already' "$T/err" || { cat "$T/err" >&2; fail "network-attach of a devid in use does not say why"; }
xl_rc 1 network-attach h bridge=lo
grep -q 'lo exists and is not a bridge' "$T/err" || { cat "$T/err" >&2; fail "network-attach to lo does not say why"; }
[ "$(nr_taps)" = "$before" ] || { ip -o link >&2; fail "a refused network-attach left a tap"; }
xl_rc 1 network-detach h 5
grep -q 'has no vif 5' "$T/err" || { cat "$T/err" >&2; fail "network-detach of a missing vif does not say why"; }
xl_rc 1 network-detach h 00:16:3e:00:00:99
grep -q 'has no vif with MAC 00:16:3e:00:00:99' "$T/err" || { cat "$T/err" >&2; fail "network-detach of a missing MAC"; }
ok "network-attach of a devid in use or to a non-bridge leaves no tap; network-detach of a missing vif fails, saying so"

# a second vif on a bridge that attach makes; the guest keeps it, --force takes it
xl_ok network-attach h bridge=xenbr1
grep -Eq '^1 00:16:3e:' "$T/out" || { cat "$T/out" >&2; fail "h's second vif did not get devid 1"; }
[ -d /sys/class/net/xenbr1/bridge ] || fail "network-attach did not make the bridge xenbr1"
is_port "vif$idh.1" xenbr1 || fail "vif$idh.1 is not an up port of xenbr1"
xl_rc 1 network-detach --timeout 2 h 1
grep -q 'did not let go of vif 1 within 2 s' "$T/err" || { cat "$T/err" >&2; fail "network-detach of a vif the guest keeps"; }
grep -q "xl network-detach h 1 --force" "$T/err" || fail "network-detach does not say how to force it"
is_port "vif$idh.1" xenbr1 || fail "vif$idh.1 went although the guest kept it"
xl_ok network-detach h 1 --force
wait_for 10 no_link "vif$idh.1" || fail "vif$idh.1 outlived network-detach --force"
[ -z "$(ls /sys/class/net/xenbr1/brif)" ] || fail "xenbr1 keeps ports: $(ls /sys/class/net/xenbr1/brif)"
xl_ok network-list h
grep -q '^1 ' "$T/out" && { cat "$T/out" >&2; fail "network-list h still shows vif 1"; }
xl_ok network-detach --force h 00:16:3e:00:00:0f
wait_for 10 no_link "vif$idh.0" || fail "vif$idh.0 outlived network-detach --force by MAC"
[ "$(taps "$(vmm_pid h)")" = 0 ] || fail "h's hv-vmm holds taps after both detaches"
[ "$(taps "$hvd")" = "$hvd_taps" ] || fail "hvd holds h's taps after both detaches"
xl_ok destroy h
ok "network-detach waits for the guest and says how to force; --force (by devid or MAC) takes the tap and its port"

# save and restore: a new tap on the bridge, and A answers again
xl_ok save a "$T/a.save"
# (the tap goes when hv-vmm, done saving, exits: just after xl save returns)
wait_for 10 no_taps || { ip -o link >&2; fail "a's tap outlived its save"; }
xl_ok restore "$T/a.save"
ida2=$(field a 2)
is_port "vif$ida2.0" xenbr0 || fail "the restored a has no tap on xenbr0"
$PING -c 3 -W "$(scaled 5)" 192.0.2.10 >"$T/ping" 2>&1 || { cat "$T/ping" >&2; fail "the restored a does not answer pings"; }
ok "a restored domain gets a new tap on its bridge and answers"

# kill -9 of its hv-vmm: a crash (on_crash=destroy), and the tap goes with it
kill -9 "$(vmm_pid a)"
wait_for 20 gone a || fail "a is still listed after its hv-vmm was killed"
wait_for 10 no_taps || { ip -o link >&2; fail "a tap outlived a domain whose hv-vmm was killed"; }
# kill -9 of hvd (after an attach), then of the hv-vmm: the kernel takes the taps with them
mkcfg d 'extra = "net-ip=192.0.2.13/24 workload=net-responder"' 'vif = [ "" ]'
xl_ok create "$T/d.cfg"
pid=$(vmm_pid d)
xl_ok network-attach d
[ "$(taps "$pid")" = 2 ] || fail "d's hv-vmm holds $(taps "$pid") taps after network-attach, not 2"
kill -9 "$(cat "$HV_RUNDIR/hvd.pid")"
[ "$(nr_taps)" = 2 ] || fail "d's taps went with hvd while its hv-vmm runs"
kill -9 "$pid"
wait_for 10 no_taps || { ip -o link >&2; fail "a tap outlived hvd and hv-vmm killed with -9"; }
[ -z "$(ls /sys/class/net/xenbr0/brif)" ] || fail "xenbr0 keeps ports: $(ls /sys/class/net/xenbr0/brif)"
ok "kill -9 of an hv-vmm, or of hvd (after an attach) and then the hv-vmm, leaves no tap and no bridge port"
