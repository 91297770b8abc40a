#!/bin/sh
# Disk hotplug with a Debian Linux domain, one level down: xl block-attach
# puts a disk in a running domain (ACPI PCI hotplug: Linux's acpiphp finds
# /dev/vdb, reads the host's token from it), xl block-detach takes it away
# (the guest ejects the slot); then xl network-attach gives it a NIC (it
# pings the outer host over it) and xl network-detach takes it away again;
# the steps are in hotplug-outer.sh, run in the outer host.
. "$top_srcdir/tests/nested/linux-lib.sh"
for p in "$HV_XL" "$HV_HVD"; do
	[ -x "$p" ] || { echo "FAIL: $p was not built"; exit 1; }
done
bash "$nested_dir/run" --smp 1 --timeout "${HV_NESTED_TIMEOUT:-360}" \
	--file "$HV_XL:/bin/xl" --file "$HV_HVD:/bin/hvd" \
	--file "$nested_dir/hotplug-outer.sh:/bin/hotplug-outer.sh" \
	-- sh /bin/hotplug-outer.sh >"$nested_out" 2>&1
nested_rc=$?
cat "$nested_out"
[ $nested_rc != 77 ] || exit 77
check "the guest found the attached disk as vdb and read it" has_line 'XL-TEST: attached'
check "the guest ejected it on xl block-detach" has_line 'XL-TEST: detached'
check "the guest found the attached nic and pinged over it" has_line 'XL-TEST: nic attached'
check "the guest ejected it on xl network-detach, the tap went" has_line 'XL-TEST: nic detached'
check "the domain powered off" has_line 'XL-TEST: powered off'
check "the outer script succeeded, got $nested_rc" status_is 0
finish
