#!/bin/sh
# Runs in the outer host of tests/nested/linux-net.sh: a Debian Linux domain
# created with xl and vif = [ 'bridge=xenbr0' ] (inner-init hvtest=net).
# libhv must make the bridge (there is none before: STP off, forward delay
# 0, up) and the tap vifDOMID.0 on it (up, the guest's MAC with fe as its
# first byte); xl network-list shows the vif.  The host gives xenbr0
# 192.0.2.1/24 and listens with nc on port 5001; the guest (192.0.2.2)
# pings it and sends 64 MiB of random data, whose md5 must match what
# arrived.  The domain powers off (kept, on_poweroff=preserve, so that the
# checks do not race with its end); after xl destroy the tap is gone and
# the bridge, which stays, has no ports.
#
# Each step prints "NET-TEST: STEP: what it saw" or "NET-TEST: FAIL: STEP:
# what went wrong"; a failed step does not stop the later ones unless they
# cannot run.  Exit status 0 if every step passed.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
log=$HV_LOGDIR/console/deb.log
br=xenbr0
host_ip=192.0.2.1
port=5001
recv=/tmp/recv
bytes_expected=$((64 * 1024 * 1024))

# Seconds to wait (everything is emulated two levels down: generous): for
# the tap after xl create, for the guest's NIC and ping, for its 64 MiB
# (made, hashed and sent), for the power-off, for the tap to go.
tap_wait=60
boot_wait=240
send_wait=240
off_wait=120
gone_wait=60

cat >/tmp/deb.cfg <<EOF
name = "deb"
type = "pvh"
kernel = "$GUEST_VMLINUX"
ramdisk = "$GUEST_INITRD"
memory = 256
vcpus = 1
extra = "console=ttyS0 quiet hvtest=net"
vif = [ 'bridge=$br' ]
on_poweroff = "preserve"
EOF

failed=0
problems=

show_logs() {
	[ -f "$log" ] && tail -n 40 "$log"
	[ -f "$HV_LOGDIR/vmm-deb.log" ] && tail -n 20 "$HV_LOGDIR/vmm-deb.log"
	[ -f "$HV_LOGDIR/hvd.log" ] && tail -n 20 "$HV_LOGDIR/hvd.log"
}

# fail WHAT: a step the others depend on went wrong: stop here
fail() {
	echo "NET-TEST: FAIL: $*"
	show_logs
	xl destroy deb >/dev/null 2>&1
	exit 1
}

# problem WHAT: the current step found something wrong (it goes on)
problem() {
	problems=$problems${problems:+; }$*
}

# step NAME SAW: the end of a step: passed if it found no problem
step() {
	if [ -z "$problems" ]; then
		echo "NET-TEST: $1: $2"
	else
		echo "NET-TEST: FAIL: $1: $problems"
		failed=$((failed + 1))
	fi
	problems=
}

# wait_until CONDITION SECONDS: CONDITION (shell code) holds within SECONDS
wait_until() {
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -le $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

# guest_line PATTERN: the last complete console line of the guest matching
# PATTERN (a line still being written is left out: its end may be missing)
guest_line() {
	{ cat "$log" 2>/dev/null; echo; } | sed '$d' | tr -d '\r' | grep -E "$1" | tail -n 1
}

# field LINE KEY: the value of KEY=VALUE in LINE
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

is_up() {
	[ $(($(cat "/sys/class/net/$1/flags") & 1)) = 1 ]
}

# --- before: no bridge; xl create makes it --------------------------------------

[ ! -e /sys/class/net/$br ] || fail "no-bridge: $br exists before xl create"
echo "NET-TEST: no-bridge: $br does not exist before xl create"
xl create /tmp/deb.cfg || fail "create: xl create with vif = [ 'bridge=$br' ]"
domid=$(xl domid deb) || fail "create: xl domid deb"
vif=vif$domid.0
echo "NET-TEST: create: domain $domid, its vif should be $vif"

# --- the bridge --------------------------------------------------------------------

b=/sys/class/net/$br
if [ ! -d $b/bridge ]; then
	if [ -e $b ]; then
		problem "$br exists but is not a bridge (no $b/bridge)"
	else
		problem "xl create did not make $br"
	fi
else
	[ "$(cat $b/bridge/stp_state)" = 0 ] ||
		problem "STP is on (stp_state $(cat $b/bridge/stp_state))"
	[ "$(cat $b/bridge/forward_delay)" = 0 ] ||
		problem "forward delay $(cat $b/bridge/forward_delay), not 0"
	is_up $br || problem "$br is down (flags $(cat $b/flags))"
fi
step bridge "$br made by xl create: a bridge, STP off, forward delay 0, up"

# --- the tap -------------------------------------------------------------------------

t=/sys/class/net/$vif
tap_mac=
if ! wait_until "[ -e $t ]" $tap_wait; then
	problem "no $vif after ${tap_wait} s: $(ls /sys/class/net | tr '\n' ' ')"
else
	master=$(readlink "$t/master" 2>/dev/null)
	[ "${master##*/}" = $br ] || problem "$vif is not a port of $br (master '${master:-none}')"
	[ -e "$b/brif/$vif" ] || problem "$br's ports ($(ls $b/brif 2>/dev/null | tr '\n' ' ')) do not include $vif"
	is_up "$vif" || problem "$vif is down (flags $(cat "$t/flags"))"
	tap_mac=$(cat "$t/address")
	case "$tap_mac" in
	fe:*) ;;
	*) problem "$vif's MAC $tap_mac does not start with fe:" ;;
	esac
	# a tap: tun_flags has IFF_TAP (2), not IFF_TUN (1)
	tf=$(cat "$t/tun_flags" 2>/dev/null)
	[ -n "$tf" ] && [ $((tf & 3)) = 2 ] || problem "$vif is not a tap (tun_flags '${tf:-none}')"
fi
step tap "$vif: a tap, port of $br, up, MAC $tap_mac (operstate $(cat "$t/operstate" 2>/dev/null))"

# --- the host end: an address on the bridge, a listener ------------------------------------

ip addr add $host_ip/24 dev $br || fail "host: ip addr add $host_ip/24 dev $br"
# busybox nc reads its standard input too: at its end (/dev/null) the
# listener would shut down its sending half, and the guest's nc, seeing
# that, would stop sending.  A fifo that this script holds open never ends.
mkfifo /tmp/nc.in || fail "host: mkfifo"
exec 3<>/tmp/nc.in
nc -l -p $port <&3 >$recv 2>/tmp/nc.err &
nc_pid=$!
echo "NET-TEST: host: $br has $host_ip/24, nc listens on port $port"

# --- the guest's NIC ---------------------------------------------------------------------

wait_until "guest_line 'LINUX: net iface=' | grep -q ." $boot_wait ||
	fail "guest: no virtio-net interface reported in ${boot_wait} s"
nic=$(guest_line 'LINUX: net iface=')
guest_mac=$(field "$nic" mac)
offloads=$(field "$nic" offloads)
case "$guest_mac" in
00:16:3e:??:??:??) ;;
*) problem "the guest's MAC '$guest_mac' is not a default one (00:16:3e:xx:xx:xx)" ;;
esac
[ -z "$tap_mac" ] || [ "${tap_mac#??:}" = "${guest_mac#??:}" ] ||
	problem "$vif's MAC $tap_mac is not the guest's $guest_mac with fe as its first byte"
step guest-nic "$(field "$nic" iface) mac=$guest_mac mtu=$(field "$nic" mtu) offloads=$offloads"

# the offloads hv-vmm's device offers that Linux's virtio_net takes
for o in csum guest_csum host_tso4 host_tso6 mrg_rxbuf; do
	case ",$offloads," in
	*,$o,*) ;;
	*) problem "$o not negotiated" ;;
	esac
done
step offloads "negotiated: $offloads"

# --- xl network-list -----------------------------------------------------------------------

if xl network-list deb >/tmp/netlist 2>&1; then
	cat /tmp/netlist
	# Idx Mac Addr. Bridge Vifname MTU Rate
	awk -v mac="$guest_mac" -v br=$br -v vif="$vif" '
		NR > 1 && $1 == 0 && tolower($2) == mac && $3 == br && $4 == vif { ok = 1 }
		END { exit !ok }' /tmp/netlist ||
		problem "no row '0 $guest_mac $br $vif ...' in xl network-list deb"
else
	cat /tmp/netlist
	problem "xl network-list deb failed"
fi
step network-list "vif 0: $guest_mac on $br as $vif"

# --- ping ------------------------------------------------------------------------------------

if wait_until "guest_line 'LINUX: net ping ' | grep -q ." $boot_wait; then
	p=$(guest_line 'LINUX: net ping ')
	[ "$(field "$p" transmitted)" = 3 ] && [ "$(field "$p" received)" = 3 ] ||
		problem "the guest's ping -c 3 $host_ip: ${p#*LINUX: net ping }"
else
	problem "the guest reported no ping in ${boot_wait} s$(guest_line 'LINUX: net: ' | sed 's/.*LINUX:/:/')"
fi
step ping "the guest's ping -c 3 $host_ip: 3 sent, 3 answered"

# --- 64 MiB from the guest -----------------------------------------------------------------

if ! wait_until "guest_line 'LINUX: net sent ' | grep -q ." $send_wait; then
	problem "the guest did not say it sent its data in ${send_wait} s"
	# where it stopped: what the guest said, what crossed the tap, what arrived
	echo "NET-TEST: stalled: received so far $(wc -c <$recv) bytes"
	ip -s link show "$vif" 2>&1 | sed 's/^/NET-TEST: stalled: /'
	show_logs
fi
sent=$(guest_line 'LINUX: net sent ')
# the guest's nc ends when the listener closes: the listener must end too
wait_until "! kill -0 $nc_pid 2>/dev/null" 30 || {
	problem "the listener is still running"
	kill $nc_pid 2>/dev/null
}
exec 3>&-
got_bytes=$(wc -c <$recv)
got_md5=$(md5sum <$recv | cut -d' ' -f1)
if [ -n "$sent" ]; then
	[ "$(field "$sent" rc)" = 0 ] ||
		problem "the guest's nc failed: $(guest_line 'LINUX: net nc: ' | sed 's/.*LINUX: net nc: //')"
	[ "$(field "$sent" bytes)" = $bytes_expected ] ||
		problem "the guest made $(field "$sent" bytes) bytes, not $bytes_expected"
	[ "$got_md5" = "$(field "$sent" md5)" ] ||
		problem "what arrived has md5 $got_md5, the guest sent md5 $(field "$sent" md5)"
fi
[ "$got_bytes" = $bytes_expected ] || problem "received $got_bytes bytes, not $bytes_expected"
[ ! -s /tmp/nc.err ] || problem "the listener said: $(cat /tmp/nc.err)"
step transfer "$got_bytes bytes, md5 $got_md5 as sent, in $(field "$sent" seconds) s by the guest's clock ($(field "$sent" kib_per_s) KiB/s)"
rm -f $recv
guest_line 'LINUX: net: [^ ]* rx_packets='

# --- the end: the tap goes, the bridge stays ------------------------------------------

wait_until "xl list deb 2>/dev/null | awk 'NR == 2 && \$5 ~ /s/ { ok = 1 } END { exit !ok }'" $off_wait ||
	fail "poweroff: the domain did not power off within ${off_wait} s"
xl destroy deb || fail "poweroff: xl destroy of the powered-off domain"
echo "NET-TEST: poweroff: the domain powered off and was destroyed"
wait_until "[ ! -e $t ]" $gone_wait || problem "$vif is still there ${gone_wait} s after xl destroy"
[ -d $b/bridge ] || problem "$br is gone (it must stay)"
ports=$(ls $b/brif 2>/dev/null | tr '\n' ' ')
[ -z "$ports" ] || problem "$br still has ports: $ports"
step cleanup "$vif gone, $br stays with no ports"

if [ $failed -gt 0 ]; then
	echo "NET-TEST: $failed step(s) failed"
	show_logs
	exit 1
fi
exit 0
