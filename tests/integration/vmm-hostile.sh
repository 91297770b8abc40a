#!/bin/sh
# A hostile guest cannot crash hv-vmm: bad virtqueue descriptors, descriptor
# loops, bad configuration writes, stray port, MMIO and PCI accesses.  The
# device goes to NEEDS_RESET (status bit 0x40) or the access is ignored,
# hv-vmm logs it (rate-limited) and the guest still powers off normally.
. "$HV_TESTS_SRC/lib.sh"
need_kvm

for case in virtio-desc-oob virtio-desc-loop virtio-bad-config ports mmio pci; do
	vmm "$T/out" --kernel "$MINIOS" -v --cmdline "hostile=$case action=poweroff"
	expect_rc 0 "hostile=$case"
	expect_line "$T/out" "^minios: hostile $case done" "hostile=$case"
	case $case in
	virtio-desc-*)
		status=$(sed -n "s/^minios: hostile $case done status=0x\([0-9a-f]*\).*/\1/p" "$T/out")
		[ $((0x$status & 0x40)) != 0 ] || fail "hostile=$case: device status 0x$status lacks NEEDS_RESET"
		;;
	esac
	expect_line "$T/out.err" 'guest' "hostile=$case: hv-vmm logged nothing"
	lines=$(wc -l <"$T/out.err")
	[ "$lines" -lt 400 ] || fail "hostile=$case: $lines log lines: not rate-limited"
	ok "hostile=$case ($lines log lines)"
done
