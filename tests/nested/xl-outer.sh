#!/bin/sh
# Runs in the outer host of tests/nested/linux-xl.sh: a Debian Linux domain
# created from an xl.cfg, listed, sent a SysRq key (xl sysrq: a serial
# break and the key on its console, ttyS0) and an NMI (xl trigger), rebooted
# with xl reboot (Ctrl-Alt-Del:
# on_reboot=restart gives it a new id) and shut down with xl shutdown -w
# (ACPI power button: the guest's acpid powers it off).  Exit status 0 if
# all went well; each step says what it saw in "XL-TEST:" lines.
set -u
HV_RUNDIR=/run/hv HV_LOGDIR=/tmp/hvlog HV_HVD=/bin/hvd HV_VMM=/bin/hv-vmm
# the checks read console logs after their domains end: hvd keeps them
HV_KEEP_CONSOLE_LOGS=1
export HV_RUNDIR HV_LOGDIR HV_HVD HV_VMM HV_KEEP_CONSOLE_LOGS
log=$HV_LOGDIR/console/deb.log

cat >/tmp/deb.cfg <<EOF
# Debian's cloud kernel with a busybox initramfs
name = "deb"
type = "pvh"
kernel = "$GUEST_VMLINUX"
ramdisk = "$GUEST_INITRD"
memory = 256
vcpus = 1
extra = "console=ttyS0 quiet hvtest=powerbutton"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
EOF

fail() {
	echo "XL-TEST: FAIL: $*"
	[ -f "$log" ] && tail -n 40 "$log"
	[ -f "$HV_LOGDIR/hvd.log" ] && tail -n 20 "$HV_LOGDIR/hvd.log"
	exit 1
}

# waitfor PATTERN COUNT SECONDS: the console log has COUNT matching lines
waitfor() {
	i=0
	while [ "$(grep -c "$1" "$log" 2>/dev/null || true)" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le $(($3 * 10)) ] || return 1
		sleep 0.1
	done
}

xl create /tmp/deb.cfg || fail "xl create"
waitfor 'LINUX: waiting for power button' 1 90 || fail "the guest did not come up"
echo "XL-TEST: booted to userspace"
xl list >/tmp/list || fail "xl list"
cat /tmp/list
grep -Eq '^deb +[0-9]+ +256 +1 ' /tmp/list || fail "xl list does not show deb with 256 MiB and 1 vCPU"
id1=$(xl domid deb) || fail "xl domid"
# Linux takes a break on its serial console and the byte after it for SysRq
xl sysrq deb h || fail "xl sysrq"
waitfor 'sysrq: HELP' 1 30 || fail "xl sysrq deb h: the guest's kernel printed no SysRq help"
echo "XL-TEST: sysrq h: the guest's kernel printed its SysRq help"
xl trigger deb nmi || fail "xl trigger nmi"
waitfor 'NMI received' 1 30 || fail "xl trigger deb nmi: the guest's kernel saw no NMI"
echo "XL-TEST: trigger nmi: the guest's kernel saw it, and runs on"
# a rename changes the domain's one description: the restart below takes
# the new name from it (and its console log goes along)
xl rename deb deb2 || fail "xl rename"
log=$HV_LOGDIR/console/deb2.log
xl list -l deb2 | grep -q '"name": "deb2"' || { xl list -l deb2; fail "the description of the renamed domain does not say deb2"; }
echo "XL-TEST: renamed deb2: its description says so"
xl reboot deb2 || fail "xl reboot"
waitfor 'LINUX: waiting for power button' 2 90 || fail "the guest did not come back after xl reboot"
id2=$(xl domid deb2) || fail "xl domid deb2 after the reboot: the restart did not keep the new name"
[ "$id1" != "$id2" ] || fail "the rebooted domain kept id $id1"
echo "XL-TEST: rebooted: domain $id1 came back as $id2, still named deb2"
xl shutdown -w deb2 || fail "xl shutdown -w"
grep -q 'LINUX: power button pressed, shutting down' "$log" ||
	fail "the guest did not see the power button"
if xl list | grep -q '^deb2 '; then
	fail "deb2 is still listed after shutdown -w"
fi
echo "XL-TEST: shut down cleanly through the power button"
