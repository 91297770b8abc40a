#!/bin/sh
# minios's virtio-blk driver against QEMU's virtio-blk-pci, under TCG (no
# KVM needed): the pattern written, flushed and read back, discard and
# write-zeroes, a read-only disk, two disks at once, a pattern the host
# wrote read by the guest and the guest's checked by the host, blk-once
# verifying on a second boot what it wrote on the first, and out-of-range
# sectors failing with IOERR. Both images (PVH ELF on q35 through SeaBIOS,
# bzImage). Skips (77) without qemu-system-x86_64 or python3.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/disk-lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
need_cmd "$QEMU" "install the Debian package qemu-system-x86"
for f in "$MINIOS" "$MINIOS_BZIMAGE"; do
	[ -f "$f" ] || fail "minios image '$f' not built"
done

# boot NAME IMAGE APPEND DRIVE...: minios under QEMU TCG (q35: PCI on
# ports 0xcf8/0xcfc) with each DRIVE (FILE,OPTIONS) as a virtio-blk-pci
# disk, serial xvda, xvdb, ...; output in $T/NAME.out, without \r. QEMU must
# exit by itself (the guest powers off) with status 0.
boot() {
	name=$1 image=$2 append=$3
	shift 3
	args='' n=0
	for drv in "$@"; do
		letter=$(echo abcdefghijkl | cut -c$((n + 1)))
		args="$args -drive file=$drv,if=none,id=d$n,format=raw"
		args="$args -device virtio-blk-pci,drive=d$n,disable-legacy=on,serial=xvd$letter"
		n=$((n + 1))
	done
	rc=0
	# shellcheck disable=SC2086
	timeout "$(scaled 60)" "$QEMU" -accel tcg -M q35 -m 128 -smp 1 \
		-nodefaults -no-user-config -nographic -no-reboot \
		-serial "file:$T/$name.log" -monitor none -display none \
		$args -kernel "$image" -append "$append action=poweroff" \
		</dev/null >"$T/$name.qemu" 2>&1 || rc=$?
	tr -d '\r' <"$T/$name.log" >"$T/$name.out"
	if [ "$rc" != 0 ]; then
		cat "$T/$name.qemu" "$T/$name.out" >&2
		fail "$name: qemu exit status $rc"
	fi
	if grep -q '^minios: exception\|FAILED' "$T/$name.out"; then
		cat "$T/$name.out" >&2
		fail "$name: the guest reported a failure"
	fi
	expect_line "$T/$name.out" '^minios: action poweroff' "$name: poweroff"
}

disk_image "$T/a.img" 16
disk_image "$T/b.img" 16
disk_image "$T/c.img" 16
disk_pattern "$T/b.img" write 5 0 64 || fail "cannot write the pattern into b.img"
sum_b=$(disk_sum "$T/b.img")

# a: pattern, discard + write-zeroes (discard=unmap: QEMU punches holes),
# once on a fresh range; b read-only with the host's pattern (QEMU
# refuses a DISCARD there only with discard=unmap: with discard=ignore it
# accepts it and does nothing)
boot first "$MINIOS" \
	"workload=blk-write:vda:7:0:4096 workload=blk-discard:vda:8192:2048 workload=blk-once:vda:9:16384:256 workload=blk-verify:vdb:5:0:64 workload=blk-ro:vdb:0:64" \
	"$T/a.img,discard=unmap" "$T/b.img,readonly=on,discard=unmap"
out=$T/first.out
expect_line "$out" '^minios: blk vda capacity=32768 serial=xvda ro=0 .* flush=1 ' "vda's line"
expect_line "$out" '^minios: blk vdb capacity=32768 serial=xvdb ro=1 ' "vdb's line (read-only)"
expect_line "$out" '^minios: blk vda write ok start=0 count=4096 seed=7 ' "pattern written and read back"
expect_line "$out" '^minios: blk vda discard ok start=8192 count=2048 discard=zeroed write_zeroes=zeroed$' "discard and write-zeroes"
expect_line "$out" '^minios: blk vda write ok start=16384 count=256 seed=9 ' "once on a fresh range writes"
expect_line "$out" '^minios: blk vdb verify ok start=0 count=64 seed=5 ' "the host's pattern, read by the guest"
expect_line "$out" '^minios: blk vdb ro ok write=ioerr write_zeroes=ioerr discard=ioerr data=unchanged ro_feature=1$' "read-only disk"
disk_pattern "$T/a.img" check 7 0 4096 || fail "the guest's pattern is not in a.img"
disk_pattern "$T/a.img" zero 0 8192 2048 || fail "the discarded range of a.img is not zero"
disk_pattern "$T/a.img" check 9 16384 256 || fail "blk-once's pattern is not in a.img"
[ "$(disk_sum "$T/b.img")" = "$sum_b" ] || fail "the read-only b.img changed"
ok "pattern, discard, write-zeroes, read-only: the guest and the host agree"

# bzImage, second boot: once finds its range and only verifies; both
# disks written at once (vda seed 50, vdb 51); sectors out of range fail
boot second "$MINIOS_BZIMAGE" \
	"hostile=blk-sector-oob workload=blk-once:vda:9:16384:256 workload=blk-write:all:50:20000:512" \
	"$T/a.img" "$T/c.img"
out=$T/second.out
expect_line "$out" '^minios: hostile blk-sector-oob: read at the capacity -> ioerr' "read past the end"
expect_line "$out" '^minios: hostile blk-sector-oob done status=0x0f result=pass after=ok$' "sectors out of range"
expect_line "$out" '^minios: blk vda verify ok start=16384 count=256 seed=9 ' "once after a reboot verifies"
! grep -q '^minios: blk vda write ok start=16384' "$out" || fail "once wrote again over its own pattern"
expect_line "$out" '^minios: blk vda write ok start=20000 count=512 seed=50 ' "vda written beside vdb"
expect_line "$out" '^minios: blk vdb write ok start=20000 count=512 seed=51 ' "vdb written beside vda"
disk_pattern "$T/a.img" check 50 20000 512 || fail "vda's pattern is not in a.img"
disk_pattern "$T/c.img" check 51 20000 512 || fail "vdb's pattern is not in c.img"
disk_pattern "$T/a.img" check 7 0 4096 || fail "a.img's first pattern changed"
ok "bzImage: once verifies on the second boot, two disks at once, out-of-range sectors fail with IOERR"
exit 0
