#!/bin/sh
# hv-vmm's virtio-blk with minios (hv-vmm run --disk PATH[,ro][,direct]
# [,serial=NAME]): the disk's line (capacity, serial, features); a pattern
# written, flushed, read back and found by the host in the image; discard
# and write-zeroes read back zero; the same through O_DIRECT; a read-only
# disk refuses writes with IOERR and the image stays unchanged; two disks
# at once; a short benchmark run; hostile descriptor chains: each leaves
# the device in NEEDS_RESET or fails the request with IOERR, hv-vmm logs
# it (rate-limited) and keeps running, and after a reset the disk works.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
. "$HV_TESTS_SRC/integration/disk-lib.sh"

# no_failure WHAT: the guest reported no failure
no_failure() {
	if grep -q '^minios: exception\|FAILED' "$T/out"; then
		tail -n 30 "$T/out" "$T/out.err" >&2
		fail "$1: the guest reported a failure"
	fi
}

disk_image "$T/a.img" 16
disk_image "$T/b.img" 8

# --- pattern, discard, write-zeroes ------------------------------------------

vmm "$T/out" --kernel "$MINIOS" --memory 64 --disk "$T/a.img,serial=xvda" \
	--cmdline "workload=blk-write:vda:7:0:4096 workload=blk-discard:vda:8192:2048 workload=blk-bench:vda:randread:32:500"
expect_rc 0 "pattern"
no_failure "pattern"
expect_line "$T/out" '^minios: blk vda capacity=32768 serial=xvda ro=0 .* flush=1 discard=1 write_zeroes=1 ' "the disk's line"
expect_line "$T/out" '^minios: pci 00:[0-9a-f][0-9a-f]\.0 vendor=1af4 device=1042 class=010000' "the PCI function"
expect_line "$T/out" '^minios: blk vda write ok start=0 count=4096 seed=7 ' "pattern written and read back"
expect_line "$T/out" '^minios: blk vda discard ok start=8192 count=2048 discard=zeroed write_zeroes=zeroed' "discard and write-zeroes"
expect_line "$T/out" '^minios: blk vda bench randread qd=32 bs=4096 requests=500 errors=0 ' "32 requests in flight"
disk_pattern "$T/a.img" check 7 0 4096 || fail "the guest's pattern is not in the image"
disk_pattern "$T/a.img" zero 0 8192 2048 || fail "the discarded range is not zero in the image"
ok "a pattern written, flushed, read back and found in the image; discard and write-zeroes read zero"

# the guest reads what the host wrote
disk_pattern "$T/a.img" write 70 20000 100 || fail "cannot write into a.img"
vmm "$T/out" --kernel "$MINIOS" --disk "$T/a.img,serial=xvda" \
	--cmdline "workload=blk-verify:vda:70:20000:100 workload=blk-verify:vda:7:0:4096"
expect_rc 0 "host pattern"
no_failure "host pattern"
expect_line "$T/out" '^minios: blk vda verify ok start=20000 count=100 seed=70 ' "the host's pattern"
ok "the guest reads the host's pattern, and its own from the boot before"

# --- O_DIRECT ----------------------------------------------------------------

if disk_o_direct "$T"; then
	# the bench on a disk of its own: its writes overwrite the whole disk
	disk_image "$T/d.img" 16
	vmm "$T/out" --kernel "$MINIOS" --disk "$T/a.img,direct,serial=xvda" \
		--disk "$T/d.img,direct,serial=xvdb" \
		--cmdline "workload=blk-write:vda:8:8:2048 workload=blk-bench:vdb:seqwrite:4:20"
	expect_rc 0 "direct"
	no_failure "direct"
	expect_line "$T/out" '^minios: blk vda write ok start=8 count=2048 seed=8 ' "O_DIRECT pattern"
	expect_line "$T/out" '^minios: blk vdb bench seqwrite qd=4 bs=1048576 requests=20 errors=0 ' "O_DIRECT 1 MiB writes"
	disk_pattern "$T/a.img" check 8 8 2048 || fail "the O_DIRECT pattern is not in the image"
	# requests of odd sizes and segments not 4 KiB-aligned, where the
	# disk has 512-byte blocks (the file system's O_DIRECT alignment)
	if grep -q '^minios: blk vda .* blk_size=512 ' "$T/out"; then
		vmm "$T/out" --kernel "$MINIOS" --disk "$T/a.img,direct,serial=xvda" \
			--cmdline "workload=blk-write:vda:10:3001:999"
		expect_rc 0 "direct, odd sizes"
		no_failure "direct, odd sizes"
		expect_line "$T/out" '^minios: blk vda write ok start=3001 count=999 seed=10 ' "O_DIRECT, odd sizes"
		disk_pattern "$T/a.img" check 10 3001 999 || fail "the O_DIRECT pattern (odd sizes) is not in the image"
	fi
	ok "O_DIRECT: 64 KiB and 1 MiB requests, odd ones where the blocks are 512 bytes"
else
	echo "skipped: O_DIRECT (the file system under $T refuses it)"
fi

# --- read-only ---------------------------------------------------------------

sum=$(disk_sum "$T/a.img")
vmm "$T/out" --kernel "$MINIOS" --disk "$T/a.img,ro,serial=xvda" \
	--cmdline "workload=blk-ro:vda:0:64 workload=blk-verify:vda:70:20000:100"
expect_rc 0 "read-only"
no_failure "read-only"
expect_line "$T/out" '^minios: blk vda capacity=32768 serial=xvda ro=1 ' "the read-only disk's line"
expect_line "$T/out" '^minios: blk vda ro ok write=ioerr write_zeroes=(ioerr|-) discard=(ioerr|-) data=unchanged ro_feature=1' "writes refused"
expect_line "$T/out" '^minios: blk vda verify ok start=20000 count=100 seed=70 ' "reads on a read-only disk"
[ "$(disk_sum "$T/a.img")" = "$sum" ] || fail "the read-only image changed"
ok "a read-only disk fails writes with IOERR and the image is unchanged"

# --- two disks ---------------------------------------------------------------

vmm "$T/out" --kernel "$MINIOS" --disk "$T/a.img,serial=xvda" --disk "$T/b.img,serial=xvdb" \
	--cmdline "workload=blk-write:all:40:100:1000 workload=blk-verify:vdb:41:100:1000"
expect_rc 0 "two disks"
no_failure "two disks"
expect_line "$T/out" '^minios: blk vda capacity=32768 serial=xvda ' "vda"
expect_line "$T/out" '^minios: blk vdb capacity=16384 serial=xvdb ' "vdb"
expect_line "$T/out" '^minios: blk vda write ok start=100 count=1000 seed=40 ' "vda written"
expect_line "$T/out" '^minios: blk vdb write ok start=100 count=1000 seed=41 ' "vdb written"
disk_pattern "$T/a.img" check 40 100 1000 || fail "vda's pattern is not in a.img"
disk_pattern "$T/b.img" check 41 100 1000 || fail "vdb's pattern is not in b.img"
ok "two disks written at once, each image holds its own pattern"

# --- hostile chains ----------------------------------------------------------

for case in blk-desc-loop blk-desc-oob blk-sector-oob blk-seg-max blk-hdr-writable; do
	vmm "$T/out" --kernel "$MINIOS" -v --disk "$T/a.img,serial=xvda" \
		--cmdline "hostile=$case workload=blk-write:vda:9:0:256"
	expect_rc 0 "hostile=$case"
	expect_line "$T/out" "^minios: hostile $case done status=0x[0-9a-f]* result=pass after=ok" "hostile=$case"
	expect_line "$T/out" '^minios: blk vda write ok start=0 count=256 seed=9 ' "hostile=$case: the disk after the reset"
	case $case in
	blk-sector-oob) ;;
	*) expect_line "$T/out.err" 'guest' "hostile=$case: hv-vmm logged nothing" ;;
	esac
	lines=$(wc -l <"$T/out.err")
	[ "$lines" -lt 400 ] || fail "hostile=$case: $lines log lines: not rate-limited"
	ok "hostile=$case: refused, hv-vmm runs on, the disk works after a reset ($lines log lines)"
done
exit 0
