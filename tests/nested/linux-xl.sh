#!/bin/sh
# xl and hvd with a Debian Linux domain, one level down: xl create from an
# xl.cfg, xl list, xl sysrq (the kernel's SysRq help on its serial console),
# xl trigger nmi, xl rename, xl reboot (Ctrl-Alt-Del, on_reboot=restart:
# the restarted domain keeps the new name, from its description) and
# xl shutdown -w (ACPI power button, the guest's acpid powers off); the
# steps themselves are in xl-outer.sh, run in the outer host.
. "$top_srcdir/tests/nested/linux-lib.sh"
for p in "$HV_XL" "$HV_HVD"; do
	[ -x "$p" ] || { echo "FAIL: $p was not built"; exit 1; }
done
bash "$nested_dir/run" --smp 1 --timeout "${HV_NESTED_TIMEOUT:-240}" \
	--file "$HV_XL:/bin/xl" --file "$HV_HVD:/bin/hvd" \
	--file "$nested_dir/xl-outer.sh:/bin/xl-outer.sh" \
	-- sh /bin/xl-outer.sh >"$nested_out" 2>&1
nested_rc=$?
cat "$nested_out"
[ $nested_rc != 77 ] || exit 77
check "booted through xl create" has_line 'XL-TEST: booted to userspace'
check "xl sysrq reached the guest's kernel through its serial console" has_line 'XL-TEST: sysrq h'
check "xl trigger nmi reached the guest's kernel" has_line 'XL-TEST: trigger nmi'
check "xl rename changed its description" has_line 'XL-TEST: renamed deb2'
check "xl reboot restarted it with a new id and the new name" has_line 'XL-TEST: rebooted'
check "xl shutdown -w shut it down cleanly" has_line 'XL-TEST: shut down cleanly'
check "the outer script succeeded, got $nested_rc" status_is 0
finish
