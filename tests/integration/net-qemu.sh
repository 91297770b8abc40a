#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# minios's virtio-net driver and network workloads against QEMU's
# virtio-net-pci (tap backend, no vhost) under TCG, in a network namespace
# of its own: a bridge with 192.0.2.1/24 and 2001:db8::1/64, two taps.
#   A (192.0.2.10, 2001:db8::10): responder, echo and verify;
#   the host pings A over IPv4 and IPv6;
#   B (192.0.2.11) finds A by ARP, sends it 2000 test frames at 1000 a
#     second: A verifies them (all there, none damaged) and sends them
#     back, and B verifies the echoes; then B pings A 20 times (net-ping);
#   C runs the hostile=net- cases QEMU survives; after each the card must
#     still send a frame, and QEMU must last until C powers off.
# Every wait is for a console line (or QEMU's exit), with scaled limits.
# Skips (77) without qemu-system-x86_64, ip, ping, /dev/net/tun or a way
# to make a network namespace (root, or unshare -rn).

# A namespace of our own first: nothing here touches the host's network.
if [ -z "${HV_NET_QEMU_NS:-}" ]; then
	HV_NET_QEMU_NS=1
	export HV_NET_QEMU_NS
	if ! command -v unshare >/dev/null 2>&1; then
		echo "SKIP: unshare (util-linux) is not installed"
		exit 77
	fi
	if unshare -n true 2>/dev/null; then
		exec unshare -n sh "$0" "$@"
	elif unshare -rn true 2>/dev/null; then
		exec unshare -rn sh "$0" "$@"
	fi
	echo "SKIP: cannot make a network namespace (unshare -n needs root, unshare -rn user namespaces)"
	exit 77
fi

. "$HV_TESTS_SRC/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
need_cmd "$QEMU" "install the Debian package qemu-system-x86"
need_cmd ip "install the Debian package iproute2"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (the tun module)"
[ -f "$MINIOS" ] || fail "minios image '$MINIOS' not built"
if command -v ping >/dev/null 2>&1; then
	PING=ping
elif command -v busybox >/dev/null 2>&1 && busybox ping -h 2>&1 | grep -q -- -c; then
	PING="busybox ping"
else
	skip "no ping (install iputils-ping or busybox)"
fi

# The namespace: loopback, the bridge (its MAC set first, so that it does
# not take a tap's) and two taps on it.
ip link set lo up || fail "cannot bring lo up in the namespace"
ip link add br0 address 02:00:00:00:01:01 type bridge ||
	skip "cannot create a bridge (no bridge module?)"
ip addr add 192.0.2.1/24 dev br0
ip -6 addr add 2001:db8::1/64 dev br0 nodad 2>/dev/null || have_ip6=no
ip link set br0 up
for tap in tap0 tap1; do
	ip tuntap add dev $tap mode tap 2>"$T/tuntap.err" ||
		skip "cannot create a tap device: $(cat "$T/tuntap.err")"
	ip link set $tap master br0 up
done

# QEMU runs under timeout(1), whose pid is in $T/NAME.pid: stopping it
# stops QEMU.
names=
cleanup() {
	for n in $names; do
		[ ! -f "$T/$n.pid" ] || kill "$(cat "$T/$n.pid")" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# start NAME TAP MAC APPEND: minios under QEMU TCG (q35: PCI on ports
# 0xcf8/0xcfc) with a virtio-net-pci card on TAP; console in $T/NAME.log,
# QEMU's exit status in $T/NAME.rc when it ends.
start() {
	name=$1 tap=$2 mac=$3 append=$4
	names="$names $name"
	(
		timeout "$(scaled 300)" "$QEMU" -accel tcg -M q35 -m 128 -smp 1 \
			-nodefaults -no-user-config -nographic -no-reboot \
			-serial "file:$T/$name.log" -monitor none -display none \
			-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
			-device "virtio-net-pci,netdev=n0,mac=$mac,disable-legacy=on,romfile=" \
			-kernel "$MINIOS" -append "$append" \
			</dev/null >"$T/$name.qemu" 2>&1 &
		echo $! >"$T/$name.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$T/$name.rc"
	) &
}

# out NAME: the console so far, without \r, in $T/NAME.out
out() {
	tr -d '\r' <"$T/$1.log" >"$T/$1.out" 2>/dev/null
}

# wait_for NAME PATTERN SECONDS WHAT: a console line, or fail.
wait_for() {
	if ! wait_line "$T/$1.log" "$2" "$3"; then
		out "$1"
		tail -n 40 "$T/$1.out" "$T/$1.qemu" >&2
		fail "$4: no line matching '$2' from $1 in $(scaled "$3") s"
	fi
}

# wait_exit NAME SECONDS: QEMU's exit; its status must be 0.
wait_exit() {
	wait_line "$T/$1.rc" . "$2" || { out "$1"; tail -n 40 "$T/$1.out" >&2; fail "$1: QEMU did not exit in $(scaled "$2") s"; }
	out "$1"
	if [ "$(cat "$T/$1.rc")" != 0 ]; then
		cat "$T/$1.qemu" >&2
		tail -n 40 "$T/$1.out" >&2
		fail "$1: QEMU exit status $(cat "$T/$1.rc")"
	fi
}

t0=$(date +%s)
start a tap0 52:54:00:00:00:0a \
	"net-ip=192.0.2.10/24 net-ip6=2001:db8::10 workload=net-responder workload=net-echo workload=net-verify"
wait_for a '^minios: net up mac=52:54:00:00:00:0a ip=192.0.2.10/24 ip6=2001:db8::10 link=up' 60 "A's network"
out a
expect_line "$T/a.out" '^minios: net eth0 mac=52:54:00:00:00:0a link=up mrg_rxbuf=1 rx_qsize=256 tx_qsize=256 ' "A's card"

# The host pings A (IPv4, and IPv6 where the bridge took its address).
$PING -c 3 -W "$(scaled 10)" 192.0.2.10 >"$T/ping4" 2>&1 || {
	cat "$T/ping4" >&2
	fail "the host cannot ping A (192.0.2.10)"
}
grep -q '3 packets received\|3 received' "$T/ping4" || { cat "$T/ping4" >&2; fail "ping: not 3 replies"; }
ok "the host pings minios A over IPv4 (ARP and ICMP echo)"
if [ "${have_ip6:-yes}" = yes ]; then
	if $PING -6 -c 3 -W "$(scaled 10)" 2001:db8::10 >"$T/ping6" 2>&1; then
		ok "the host pings minios A over IPv6 (neighbour discovery and ICMPv6 echo)"
	else
		cat "$T/ping6" >&2
		fail "the host cannot ping A (2001:db8::10)"
	fi
fi

# B sends to A (by address: ARP), A verifies and echoes, B verifies the
# echoes; then ping-pong; B powers off by itself.
start b tap1 52:54:00:00:00:0b \
	"net-ip=192.0.2.11/24 workload=net-send:192.0.2.10:1000:1000:2000:64 workload=net-ping:192.0.2.10:20"
wait_exit b 240
expect_line "$T/b.out" '^minios: net up mac=52:54:00:00:00:0b ip=192.0.2.11/24 link=up' "B's network"
expect_line "$T/b.out" '^minios: net tx 2000 frames, 2000000 bytes to 192\.0\.2\.10 stream [0-9a-f]{8} ' "B sent its frames"
expect_line "$T/b.out" '^minios: net echo rx 2000 of 2000 frames, 0 bad, 0 lost, 0 reordered, rtt us median=[0-9.]+ p99=[0-9.]+$' "B got every frame back, whole"
expect_line "$T/b.out" '^minios: net ping 192\.0\.2\.10: 20 sent, 20 received, rtt us min=[0-9.]+ median=[0-9.]+ p99=[0-9.]+ max=[0-9.]+$' "B's pings"
expect_line "$T/b.out" '^minios: action poweroff' "B's poweroff"
stream=$(sed -n 's/^minios: net tx 2000 frames.* stream \([0-9a-f]*\) .*/\1/p' "$T/b.out")
wait_for a "^minios: net rx stream 52:54:00:00:00:0b/$stream done: 2000 frames, 2000000 bytes, 0 bad, 0 lost, 0 reordered " 60 "A verified B's stream"
grep '^minios: net \(tx\|echo\|ping\)' "$T/b.out"
grep '^minios: net rx stream' "$T/a.out"
ok "B sent 2000 frames to A, A verified them and sent them back, B verified the echoes; ping-pong"

# C: the hostile cases; the device must still carry a frame after each,
# and QEMU must survive them. (Not net-rx-small: QEMU 7.2 aborts on a
# receive buffer shorter than the virtio-net header.)
cases="net-tx-loop net-tx-gso net-tx-big net-tx-oob net-rx-bad"
start c tap1 52:54:00:00:00:0c "net-ip=192.0.2.12/24 hostile=$(echo $cases | tr ' ' ,)"
wait_exit c 240
grep '^minios: hostile net-' "$T/c.out"
for c in $cases; do
	expect_line "$T/c.out" "^minios: hostile $c done status=0x0f result=pass after=ok\$" "hostile $c"
done
expect_line "$T/c.out" '^minios: action poweroff' "C's poweroff"
ok "hostile net cases ($cases): QEMU survives, the card works after a reset"

# A is still up and answers.
$PING -c 1 -W "$(scaled 10)" 192.0.2.10 >"$T/ping4" 2>&1 || fail "A stopped answering pings"
if grep -q '^minios: exception' "$T/a.out" "$T/b.out" "$T/c.out"; then
	fail "a guest took an exception"
fi
echo "took $(($(date +%s) - t0)) s"
exit 0
