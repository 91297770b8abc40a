#!/bin/sh
# SIGUSR2 to hv-vmm types Ctrl-Alt-Del on the i8042 keyboard; Linux (PVH)
# reboots and hv-vmm exits 2.
. "$top_srcdir/tests/nested/linux-lib.sh"
nested_vmm 1 "on-output 'LINUX: waiting for power button' 'kill -USR2 \$pid' -- $(vmm_cmd GUEST_VMLINUX 1 powerbutton)"
check "the guest was up and waiting" has_line 'LINUX: waiting for power button'
check "hv-vmm exits 2 (reboot), got $nested_rc" status_is 2
finish
