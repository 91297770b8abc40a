# Sourced by the tests that boot Debian's Linux under hv-vmm one level down
# (tests/nested/run gives them an outer host with a working /dev/kvm).
# The inner guest is driven by tests/nested/inner-init through "hvtest=" on
# its command line and reports in lines starting with "LINUX: ".

: "${top_srcdir:?run me through make check (tests/env.sh)}"
nested_dir=$top_srcdir/tests/nested

if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: bash not found (tests/nested/run needs it)"
	exit 77
fi
# A sanitizer build does not run them: they check Linux guests at a high cost
# under TCG, not hv-vmm's memory safety (the minios integration tests do that
# nested), and an ASan hv-vmm has crashed the outer host's kernel there (a
# stack guard page hit in its context, then a panic); see README.
if [ "${HV_SANITIZERS:-no}" = yes ] && [ "${HV_NESTED_LINUX_SANITIZERS:-0}" != 1 ]; then
	echo "SKIP: sanitizer build: the nested Linux tests run in the normal build (HV_NESTED_LINUX_SANITIZERS=1 runs them here)"
	exit 77
fi
if [ -z "${HV_VMM:-}" ] || [ ! -x "$HV_VMM" ]; then
	echo "FAIL: hv-vmm not found at '${HV_VMM:-}' (build it first)"
	exit 1
fi

# Guest memory (MiB) for every Linux test: enough for the cloud kernel and
# the busybox initramfs, small enough to boot quickly.
linux_mem=256

nested_out=$(mktemp "${TMPDIR:-/tmp}/hv-nested-test.XXXXXX") || exit 99
trap 'rm -f "$nested_out"' EXIT

# nested_vmm OUTER_SMP SHELL_CODE [HARNESS_OPTION...]: runs SHELL_CODE in
# the outer host (with $HV_VMM, $GUEST_BZIMAGE, $GUEST_VMLINUX, $GUEST_INITRD
# set and on-output in PATH), prints everything, and sets $nested_rc to its
# exit status.  Skips the test when the host lacks what the harness needs.
# More harness options (--file SRC:DST) may follow.
nested_vmm() {
	nested_smp=$1 nested_code=$2
	shift 2
	bash "$nested_dir/run" --smp "$nested_smp" --timeout "${HV_NESTED_TIMEOUT:-180}" \
		--file "$nested_dir/on-output" "$@" -- sh -c "$nested_code" >"$nested_out" 2>&1
	nested_rc=$?
	cat "$nested_out"
	if [ $nested_rc = 77 ]; then
		exit 77
	fi
}

# vmm_cmd KERNEL_VAR VCPUS HVTEST: the hv-vmm command line as shell code for
# the outer host.
vmm_cmd() {
	echo "\"\$HV_VMM\" run --kernel \"\$$1\" --initrd \"\$GUEST_INITRD\"" \
		"--memory $linux_mem --vcpus $2 --console stdio" \
		"--cmdline 'console=ttyS0 quiet hvtest=$3'"
}

outer_smp_for() {
	if [ "$1" -gt 1 ]; then echo 2; else echo 1; fi
}

failures=0
check() {
	# check DESCRIPTION COMMAND...: a failed check is reported, not fatal,
	# so that one run reports everything that went wrong.
	desc=$1
	shift
	if "$@"; then
		echo "ok: $desc"
	else
		echo "FAIL: $desc"
		failures=$((failures + 1))
	fi
}

has_line() {
	grep -a -q -E -e "$1" "$nested_out"
}

value_of() {
	# value_of KEY: the number after "LINUX: ... KEY=" in the output.
	grep -a -o -E "LINUX: .*$1=[0-9]+" "$nested_out" | tail -n 1 | sed "s/.*$1=//"
}

status_is() {
	[ "$nested_rc" = "$1" ]
}

finish() {
	if [ $failures -gt 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	exit 0
}

# linux_boot_test KERNEL_VAR VCPUS: boot with hvtest=boot and check what
# Linux saw; KERNEL_VAR is GUEST_BZIMAGE or GUEST_VMLINUX (PVH).
linux_boot_test() {
	nested_vmm "$(outer_smp_for "$2")" "$(vmm_cmd "$1" "$2" boot)"
	# A boot that says nothing until the harness kills QEMU has been seen
	# (rarely, on a loaded 2-core machine) in the emulated SVM two levels
	# down, never on KVM: it gets one more try, and the log says so.
	if [ "$nested_rc" = 124 ] && ! has_line 'LINUX: '; then
		echo "RETRY: the first boot timed out without a word from Linux; booting once more"
		nested_vmm "$(outer_smp_for "$2")" "$(vmm_cmd "$1" "$2" boot)"
	fi
	check "hv-vmm exits 0 (poweroff), got $nested_rc" status_is 0
	check "busybox userspace reached" has_line 'LINUX: userspace reached'
	check "timers work (sleep 0.2 returns)" has_line 'LINUX: timer ok'
	check "Linux sees $2 vCPU(s)" has_line "LINUX: mem_kb=[0-9]+ cpus=$2 "
	mem_kb=$(value_of mem_kb)
	ram_kb=$(value_of e820_ram_kb)
	check "MemTotal ${mem_kb:-?} kB is more than half of $linux_mem MiB" \
		test "${mem_kb:-0}" -gt $((linux_mem * 512))
	check "e820 RAM ${ram_kb:-?} kB is $linux_mem MiB less the legacy hole" \
		test "${ram_kb:-0}" -ge $((linux_mem * 1024 - 1024)) -a \
		"${ram_kb:-0}" -le $((linux_mem * 1024))
	check "no ACPI errors or warnings in dmesg" has_line 'LINUX: acpi-errors=0$'
	check "virtio-console 1af4:1043 on PCI, bound to virtio-pci" \
		has_line 'LINUX: pci [0-9a-f:.]+ 1af4:1043 .*driver=virtio-pci'
	check "virtio_console driver bound" \
		has_line 'LINUX: virtio virtio[0-9]+ device=0x0003 driver=virtio_console'
	check "virtio-balloon 1af4:1045 on PCI, bound to virtio-pci" \
		has_line 'LINUX: pci [0-9a-f:.]+ 1af4:1045 .*driver=virtio-pci'
	check "virtio_balloon driver bound" \
		has_line 'LINUX: virtio virtio[0-9]+ device=0x0005 driver=virtio_balloon'
	check "/dev/hvc0 exists" has_line 'LINUX: hvc0=yes'
	check "a line written to /dev/hvc0 reaches the console" \
		has_line 'LINUX: hvc0 ok'
	check "the boot test ran to its end" has_line 'LINUX: boot test done'
	finish
}
