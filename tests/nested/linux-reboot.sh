#!/bin/sh
# Linux (PVH) runs "reboot -f": hv-vmm exits 2.
. "$top_srcdir/tests/nested/linux-lib.sh"
nested_vmm 1 "$(vmm_cmd GUEST_VMLINUX 1 reboot)"
check "busybox userspace reached" has_line 'LINUX: userspace reached'
check "the guest asked to reboot" has_line 'LINUX: rebooting'
check "hv-vmm exits 2 (reboot), got $nested_rc" status_is 2
finish
