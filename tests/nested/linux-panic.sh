#!/bin/sh
# Linux (bzImage) panics (sysrq c); its pvpanic driver tells hv-vmm, which
# exits 3.  With panic=-1 a missed pvpanic shows as a reboot (exit 2).
. "$top_srcdir/tests/nested/linux-lib.sh"
nested_vmm 1 "$(vmm_cmd GUEST_BZIMAGE 1 'panic panic=-1')"
check "busybox userspace reached" has_line 'LINUX: userspace reached'
check "the guest crashed on purpose" has_line 'LINUX: crashing the kernel'
check "hv-vmm exits 3 (crash), got $nested_rc" status_is 3
finish
