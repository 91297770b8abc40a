#!/bin/sh
# Linux (bzImage) waits in busybox acpid; SIGUSR1 to hv-vmm presses the ACPI
# power button; the guest powers off cleanly and hv-vmm exits 0.
. "$top_srcdir/tests/nested/linux-lib.sh"
nested_vmm 1 "on-output 'LINUX: waiting for power button' 'kill -USR1 \$pid' -- $(vmm_cmd GUEST_BZIMAGE 1 powerbutton)"
check "the guest waited for the power button" has_line 'LINUX: waiting for power button'
check "the guest saw the power button" \
	has_line 'LINUX: power button pressed, shutting down'
check "hv-vmm exits 0 (poweroff), got $nested_rc" status_is 0
finish
