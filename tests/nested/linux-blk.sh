#!/bin/sh
# Debian's kernel under hv-vmm with its root file system on an ext4 image
# through virtio-blk, one level down: the inner initramfs sees two disks
# (serial = the name given, discard offered on the read-write one, the
# read-only one refuses a write), mounts /dev/vda and switch_roots into it;
# the disk's /sbin/init (tests/nested/blk-init) writes a file, syncs, trims
# and powers off; then the outer host loop-mounts the image and reads the
# file back.
. "$top_srcdir/tests/nested/linux-lib.sh"
command -v mkfs.ext4 >/dev/null 2>&1 || { echo "SKIP: mkfs.ext4 not found (Debian package e2fsprogs)"; exit 77; }
# a static busybox (Debian package busybox-static), as the harness uses
busybox=${HV_NESTED_BUSYBOX:-/bin/busybox}

dir=$(mktemp -d "${TMPDIR:-/tmp}/hv-nested-blk.XXXXXX") || exit 99
trap 'rm -f "$nested_out"; rm -rf "$dir"' EXIT
mkdir -p "$dir/root/bin" "$dir/root/sbin" "$dir/root/proc" "$dir/root/sys" "$dir/root/dev"
cp "$busybox" "$dir/root/bin/busybox"
cp "$nested_dir/blk-init" "$dir/root/sbin/init"
chmod 755 "$dir/root/sbin/init"
mkfs.ext4 -q -F -L hvroot -d "$dir/root" "$dir/root.img" 48M || { echo "FAIL: mkfs.ext4"; exit 1; }
truncate -s 8M "$dir/ro.img"
token=hv$$x$(date +%s)

nested_vmm 1 "\"\$HV_VMM\" run --kernel \"\$GUEST_BZIMAGE\" --initrd \"\$GUEST_INITRD\" \
--memory $linux_mem --vcpus 1 --console stdio \
--disk /disk/root.img,serial=xvda --disk /disk/ro.img,ro,serial=xvdb \
--cmdline 'console=ttyS0 quiet hvtest=blkroot hvtest.token=$token'
echo \"OUTER: hv-vmm exit status \$?\"
mkdir -p /mnt
if mount -o loop,ro -t ext4 /disk/root.img /mnt; then
	echo \"OUTER: hello: \$(cat /mnt/hello)\"
	umount /mnt
else
	echo 'OUTER: cannot loop-mount the image'
fi" --file "$dir/root.img:/disk/root.img" --file "$dir/ro.img:/disk/ro.img"

check "hv-vmm exits 0 (poweroff)" has_line 'OUTER: hv-vmm exit status 0'
check "vda: serial xvda, 48 MiB, writable, discard offered" \
	has_line 'LINUX: disk vda serial=xvda size=98304 ro=0 discard_max_bytes=[1-9]'
check "vdb: serial xvdb, 8 MiB, read-only" \
	has_line 'LINUX: disk vdb serial=xvdb size=16384 ro=1 '
check "the read-only disk refused a write" has_line 'LINUX: vdb write=refused'
check "root is /dev/vda, ext4, read-write" has_line 'LINUX: root /dev/vda ext4 rw'
check "fstrim through virtio-blk discard" has_line 'LINUX: fstrim ok'
check "the guest's init ran to its end" has_line 'LINUX: blkroot done'
check "the host reads the guest's file from the image" \
	has_line "OUTER: hello: written by the guest: $token"
finish
