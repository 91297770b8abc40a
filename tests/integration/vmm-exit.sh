#!/bin/sh
# hv-vmm's exit status says how the guest ended: 0 poweroff (through PM1a
# and through the sleep control register), 2 reboot, 3 crash.
. "$HV_TESTS_SRC/lib.sh"
need_kvm

check() {	# expected-status cmdline pattern
	vmm "$T/out" --kernel "$MINIOS" --cmdline "$2"
	expect_rc "$1" "$2"
	expect_line "$T/out" "$3" "$2"
	ok "$2: exit status $1"
}

check 0 "action=poweroff acpi=pm1a" '^minios: action poweroff \(pm1a\)'
check 0 "action=poweroff acpi=sleepreg" '^minios: action poweroff \(sleepreg\)'
check 2 "action=reboot" '^minios: action reboot'
check 3 "action=crash" '^minios: action crash'
