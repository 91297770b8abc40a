#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# minios under QEMU (microvm, KVM): both images (PVH ELF and bzImage) must
# boot, report "minios: boot ok", run a short workload and the hostile port
# scan, and power off through ACPI, so QEMU exits by itself with status 0.
# Skips (77) without qemu-system-x86_64 or a usable /dev/kvm (nested or not).

if [ -z "$MINIOS" ] && [ -n "$top_builddir" ]; then
	. "$top_builddir/tests/env.sh"
fi

QEMU=${QEMU:-qemu-system-x86_64}
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "SKIP: $QEMU not found (install the Debian package qemu-system-x86)"
	exit 77
fi
# Without /dev/kvm, lib.sh's need_kvm runs this test again in the nested
# harness's outer host (tests/nested/README).
. "$HV_TESTS_SRC/lib.sh"
need_kvm
for f in "$MINIOS" "$MINIOS_BZIMAGE"; do
	if [ ! -f "$f" ]; then
		echo "FAIL: minios image '$f' not built"
		exit 1
	fi
done

tmp=$T
printf 'minios initrd test data\n' >"$tmp/initrd"
want_crc=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$tmp/initrd" 2>/dev/null)

fail=0

# boot NAME IMAGE SMP APPEND: runs one guest, output in $tmp/NAME.log
boot()
{
	name=$1 image=$2 smp=$3 append=$4
	start=$(date +%s%N)
	timeout "$(scaled 60)" "$QEMU" -M microvm -enable-kvm -m 128 -smp "$smp" \
		-nodefaults -nographic -no-reboot -serial "file:$tmp/$name.log" \
		-monitor none -display none \
		-kernel "$image" -initrd "$tmp/initrd" -append "$append" \
		</dev/null >"$tmp/$name.qemu" 2>&1
	rc=$?
	end=$(date +%s%N)
	ms=$(( (end - start) / 1000000 ))
	tr -d '\r' <"$tmp/$name.log" >"$tmp/$name.out"
	if [ $rc -ne 0 ]; then
		echo "FAIL: $name: qemu exit status $rc (${ms} ms)"
		cat "$tmp/$name.qemu" "$tmp/$name.out"
		fail=1
		return 1
	fi
	for line in "minios: boot ok vcpus=$smp " "minios: timer ok" \
		    "minios: action poweroff (sleepreg)"; do
		if ! grep -q "^$line" "$tmp/$name.out"; then
			echo "FAIL: $name: no line \"$line\""
			cat "$tmp/$name.out"
			fail=1
			return 1
		fi
	done
	if grep -q "^minios: exception\|^minios: acpi BAD" "$tmp/$name.out"; then
		echo "FAIL: $name: guest reported an error"
		cat "$tmp/$name.out"
		fail=1
		return 1
	fi
	if [ -n "$want_crc" ] &&
	   ! grep -q "^minios: initrd size=[0-9]* crc32=$want_crc\$" "$tmp/$name.out"; then
		echo "FAIL: $name: initrd crc32 is not $want_crc"
		grep "initrd" "$tmp/$name.out"
		fail=1
		return 1
	fi
	echo "ok: $name (${ms} ms)"
	return 0
}

boot pvh "$MINIOS" 1 "action=poweroff"
boot bzimage "$MINIOS_BZIMAGE" 1 "action=poweroff"
boot pvh-smp "$MINIOS" 2 "action=poweroff"
if boot pvh-work "$MINIOS" 1 \
	"workload=counter:20 workload=dirty:8:64 runtime=1 verify action=poweroff"; then
	n=$(grep -c "^minios: counter " "$tmp/pvh-work.out")
	if [ "$n" -lt 10 ] || [ "$n" -gt 30 ]; then
		echo "FAIL: pvh-work: $n counter lines in 1 s at 20 Hz"
		fail=1
	fi
	if ! grep -q "^minios: dirty verify ok pages=" "$tmp/pvh-work.out"; then
		echo "FAIL: pvh-work: no dirty verify"
		fail=1
	fi
fi
# The port scan leaves QEMU's own ports (kvmvapic patches guest code) and
# the console alone: the line after it must come out whole.
if boot pvh-ports "$MINIOS" 1 "hostile=ports action=poweroff" &&
   ! grep -q '^minios: hostile ports done status=0x[0-9a-f][0-9a-f]$' "$tmp/pvh-ports.out"; then
	echo "FAIL: pvh-ports: no intact \"hostile ports done\" line"
	cat "$tmp/pvh-ports.out"
	fail=1
fi
if [ "$(grep -c '^minios: cpu [0-9]* online' "$tmp/pvh-smp.out" 2>/dev/null)" != 1 ]; then
	echo "FAIL: pvh-smp: the second CPU did not come online"
	fail=1
fi
exit $fail
