#!/bin/sh
# Runs in the outer host of tests/nested/linux-hotplug.sh: a Debian Linux
# domain created with xl (with one disk, xvda) gets a second with xl block-attach (ACPI PCI hotplug:
# it appears as /dev/vdb and the guest reads the host's token from it),
# loses it again with xl block-detach (the guest's driver lets go and ejects
# the slot; xl waits for that), then gets a vif with xl network-attach
# (its tap on xenbr0, which xl makes; the guest finds eth0, pings the outer
# host's 192.0.2.1 over it) and loses it with xl network-detach (the tap and
# its bridge port go), and powers off (kept, on_poweroff=preserve,
# so that the checks after the detach do not race with its end).  "XL-TEST:" lines say what
# each step saw; exit status 0 if all went well.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
log=$HV_LOGDIR/console/deb.log
token=hotplug$$token

cat >/tmp/deb.cfg <<EOF2
name = "deb"
type = "pvh"
kernel = "$GUEST_VMLINUX"
ramdisk = "$GUEST_INITRD"
memory = 256
vcpus = 1
extra = "console=ttyS0 quiet hvtest=hotplug"
disk = [ "/tmp/a.img,raw,xvda,rw" ]
on_poweroff = "preserve"
EOF2

fail() {
	echo "XL-TEST: FAIL: $*"
	[ -f "$log" ] && tail -n 60 "$log"
	[ -f "$HV_LOGDIR/hvd.log" ] && tail -n 20 "$HV_LOGDIR/hvd.log"
	exit 1
}

# waitfor PATTERN SECONDS: the console log has a matching line
waitfor() {
	i=0
	while ! grep -q "$1" "$log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $(($2 * 10)) ] || return 1
		sleep 0.1
	done
}

dd if=/dev/zero of=/tmp/a.img bs=1M count=2 2>/dev/null || fail "making the first image"
dd if=/dev/zero of=/tmp/b.img bs=1M count=4 2>/dev/null || fail "making the image"
printf '%s' "$token" | dd of=/tmp/b.img conv=notrunc 2>/dev/null || fail "writing the token"
xl create /tmp/deb.cfg || fail "xl create"
waitfor 'hotplug: waiting for vdb' 90 || fail "the guest did not come up"
xl block-attach deb /tmp/b.img,raw,xvdb,rw || fail "xl block-attach"
waitfor 'hotplug: vdb appeared' 90 || fail "the guest saw no vdb"
grep -q "hotplug: vdb appeared serial=xvdb size=8192 ro=0" "$log" ||
	fail "vdb is not the 4 MiB disk xvdb: $(grep 'vdb appeared' "$log")"
waitfor "hotplug: vdb reads $token" 30 || fail "the guest did not read the host's token from vdb"
xl block-list deb >/tmp/list || fail "xl block-list"
cat /tmp/list
grep -q '^xvdb ' /tmp/list || fail "xl block-list does not show xvdb"
echo "XL-TEST: attached: the guest found xvdb as vdb and read it"
xl block-detach --timeout 120 deb xvdb || fail "xl block-detach"
waitfor 'hotplug: vdb gone' 120 || fail "the guest still has vdb after xl block-detach"
xl block-list deb >/tmp/list || fail "xl block-list after the detach"
! grep -q '^xvdb ' /tmp/list || fail "xl block-list still shows xvdb"
echo "XL-TEST: detached: the guest ejected vdb, the domain no longer has it"
domid=$(xl domid deb) || fail "xl domid deb"
xl network-attach deb bridge=xenbr0 mac=00:16:3e:00:01:02 >/tmp/nic || fail "xl network-attach"
grep -qx '0 00:16:3e:00:01:02' /tmp/nic || fail "xl network-attach said: $(cat /tmp/nic)"
[ "$(basename "$(readlink /sys/class/net/vif$domid.0/master)")" = xenbr0 ] ||
	fail "vif$domid.0 is not a port of xenbr0"
ip addr add 192.0.2.1/24 dev xenbr0 || fail "ip addr add 192.0.2.1/24 dev xenbr0"
waitfor 'hotplug: nic .* appeared mac=00:16:3e:00:01:02' 90 || fail "the guest saw no new nic"
waitfor 'hotplug: nic ping' 120 || fail "the guest did not report its ping"
grep -q 'hotplug: nic ping rc=0' "$log" || fail "the guest cannot ping 192.0.2.1 over the attached nic"
xl network-list deb >/tmp/list || fail "xl network-list"
cat /tmp/list
grep -q '^0 ' /tmp/list || fail "xl network-list does not show vif 0"
echo "XL-TEST: nic attached: the guest found it and pinged the host over it"
xl network-detach --timeout 120 deb 0 || fail "xl network-detach"
waitfor 'hotplug: nic gone' 60 || fail "the guest still has its nic after xl network-detach"
! ip link show "vif$domid.0" >/dev/null 2>&1 || fail "vif$domid.0 outlived xl network-detach"
[ -z "$(ls /sys/class/net/xenbr0/brif)" ] || fail "xenbr0 keeps ports: $(ls /sys/class/net/xenbr0/brif)"
echo "XL-TEST: nic detached: the guest ejected it, its tap and bridge port are gone"
i=0
until xl list deb 2>/dev/null | awk 'NR == 2 && $5 ~ /s/ { ok = 1 } END { exit !ok }'; do
	i=$((i + 1))
	[ $i -le 1200 ] || fail "the domain did not power off"
	sleep 0.1
done
xl destroy deb || fail "xl destroy of the powered-off domain"
echo "XL-TEST: powered off"
exit 0
