#!/bin/sh
# minios boots under hv-vmm as a PVH ELF and as a bzImage, with 1 and 4
# vCPUs, finds what the platform promises, and powers off (exit 0).
. "$HV_TESTS_SRC/lib.sh"
need_kvm

for image in "$MINIOS" "$MINIOS_BZIMAGE"; do
	for n in 1 4; do
		what="$(basename "$image") vcpus=$n"
		vmm "$T/out" --kernel "$image" --vcpus "$n" --memory 64 --cmdline "action=poweroff"
		expect_rc 0 "$what"
		expect_line "$T/out" "^minios: boot ok vcpus=$n mem=6[0-9] cmdline=\"action=poweroff\"" "$what"
		expect_line "$T/out" '^minios: acpi ok' "$what"
		expect_line "$T/out" '^minios: pci 00:01.0 vendor=1af4 device=1043' "$what"
		expect_line "$T/out" '^minios: virtio-console ok' "$what"
		expect_line "$T/out" '^minios: timer ok' "$what"
		online=$(grep -c '^minios: cpu [0-9]* online' "$T/out")
		[ "$online" = $((n - 1)) ] || fail "$what: $online APs came online, expected $((n - 1))"
		[ ! -s "$T/out.err" ] || fail "$what: hv-vmm wrote to stderr without -v: $(cat "$T/out.err")"
		ok "$what"
	done
done

# The initrd arrives whole: minios prints its size and CRC32.
head -c 300001 /dev/urandom >"$T/initrd"
want=$(python3 -c 'import sys, zlib; d = open(sys.argv[1], "rb").read(); print("size=%d crc32=%08x" % (len(d), zlib.crc32(d)))' "$T/initrd")
for image in "$MINIOS" "$MINIOS_BZIMAGE"; do
	vmm "$T/out" --kernel "$image" --initrd "$T/initrd" --cmdline "action=poweroff"
	expect_rc 0 "initrd $(basename "$image")"
	expect_line "$T/out" "^minios: initrd $want" "initrd $(basename "$image")"
	ok "initrd through $(basename "$image"): $want"
done
