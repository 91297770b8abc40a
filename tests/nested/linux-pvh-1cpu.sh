#!/bin/sh
# Debian's kernel boots under hv-vmm as a PVH vmlinux with 1 vCPU(s), one level
# down: reaches busybox, sees its memory and vCPUs, no ACPI errors, finds the
# virtio-console on PCI, writes through /dev/hvc0 and powers off (exit 0).
. "$top_srcdir/tests/nested/linux-lib.sh"
linux_boot_test GUEST_VMLINUX 1
