#!/bin/sh
# xl create -n refuses exactly what xl create refuses of a configuration:
# the same checks (hv_config_validate() with HV_CONFIG_VALIDATE_CREATE),
# the same message, exit status 1.  Both refuse before any hvd is asked,
# so no KVM is needed: hvd here is a path that does not exist.  As in Xen,
# -n opens no file: a disk target that is missing passes -n, and create
# refuses it, naming the disk.  A valid disk's JSON has hv's own keys.
. "$HV_TESTS_SRC/lib.sh"
XL=$top_builddir/xl/xl
[ -x "$XL" ] || skip "xl is not built ($XL)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_HVD=/nonexistent/hvd
export HV_RUNDIR HV_LOGDIR HV_HVD


# both_refuse NAME NEEDLE: xl create -n and xl create both exit 1 on
# $T/NAME.cfg with the same messages, which hold NEEDLE.
both_refuse() {
	rc=0
	"$XL" create -q -n "$T/$1.cfg" >"$T/out" 2>"$T/err-n" || rc=$?
	[ "$rc" = 1 ] || { cat "$T/out" "$T/err-n" >&2; fail "$1: xl create -n exited $rc, expected 1"; }
	rc=0
	"$XL" create -q "$T/$1.cfg" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] || { cat "$T/out" "$T/err" >&2; fail "$1: xl create exited $rc, expected 1"; }
	grep -qF -- "$2" "$T/err" || { cat "$T/err" >&2; fail "$1: the refusal does not say \"$2\""; }
	cmp -s "$T/err-n" "$T/err" ||
		{ diff "$T/err-n" "$T/err" >&2; fail "$1: xl create -n and xl create say different things"; }
	[ ! -e "$HV_RUNDIR/hvd.sock" ] || fail "$1: a refused create reached hvd"
}

disks=
for l in a b c d e f g h i j k l m; do
	disks="$disks\"/images/$l.img,raw,xvd$l\", "
done
mkcfg qcow2 'disk = [ "/images/g.qcow2,qcow2,xvda,rw" ]'
mkcfg many "disk = [ $disks ]"
mkcfg twins 'disk = [ "/images/a.img,raw,xvda", "/images/b.img,raw,hda" ]'
mkcfg queues 'disk = [ "vdev=xvda, target=/images/a.img" ]' 'disk += [ "/images/b.img,raw,xvdb,queues=5" ]'
mkcfg spec 'disk = [ "/images/a.img,raw,xvda,specification=xen" ]'
mkcfg burst 'disk = [ "/images/a.img,raw,xvda,iops=1000,iops-burst=10" ]'
mkcfg vif 'vif = [ "bridge=br0,model=e1000" ]'
mkcfg script 'vif = [ "bridge=br0,script=vif-bridge" ]'
mkcfg vifs 'vif = [ "", "", "", "", "", "", "", "", "" ]'
mkcfg core 'on_crash = "coredump-destroy"'
mkcfg mem 'memory = 8'
printf 'name = "hvm"\ntype = "hvm"\nmemory = 64\n' >"$T/hvm.cfg"
both_refuse qcow2 'disks[0]: vdev xvda: format qcow2: hv supports only raw images'
both_refuse many 'disk: 13 disks, more than the 12 hv gives a domain'
both_refuse twins 'vdev "hda" names the same disk as disks[0]'"'"'s "xvda" (disk 0)'
both_refuse queues 'queues "5" is not a number from 1 to 4'
both_refuse spec 'specification "xen": hv'"'"'s disks are virtio-blk devices'
both_refuse burst 'iops-burst 10 is less than iops 1000'
both_refuse vif "vifs[0]: model e1000: hv's network device is virtio-net"
both_refuse script 'vifs[0]: script vif-bridge: hv makes the tap and puts it on its bridge itself'
both_refuse vifs 'vif: 9 vifs, more than the 8 hv gives a domain'
both_refuse core 'on_crash: core dumps are not supported yet'
both_refuse mem 'memory: 8 MiB is out of range'
both_refuse hvm 'without a kernel boots firmware'
ok "xl create -n and xl create refuse the same configurations with the same messages"

# -n opens no file (as Xen's); create does, before it asks hvd
mkcfg missing "disk = [ \"$T/missing.img,raw,xvda\" ]"
"$XL" create -q -n "$T/missing.cfg" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "xl create -n opened the disk's target"; }
rc=0
"$XL" create -q "$T/missing.cfg" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "xl create with a missing disk target exited $rc, expected 1"
grep -qF "domain \"missing\": disk xvda: $T/missing.img: cannot open it for reading and writing: No such file or directory (check the target in the config)" "$T/err" ||
	{ cat "$T/err" >&2; fail "a missing disk target is not named clearly"; }
mkdir "$T/dir.img"
mkcfg dir "disk = [ \"$T/dir.img,raw,xvda,ro\" ]"
rc=0
"$XL" create -q "$T/dir.cfg" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -qF "disk xvda: $T/dir.img" "$T/err" ||
	{ cat "$T/err" >&2; fail "a directory as a disk is not refused clearly"; }
[ ! -e "$HV_RUNDIR/hvd.sock" ] || fail "a create refused for its disk reached hvd"
ok "a missing or unusable disk target passes -n and is refused by create, named"

# the description -n prints: the disks in their order, hv's keys, target last
mkcfg good 'disk = [ "/images/b.img,raw,xvdb,ro,iops=500,bps=10M,queues=2",' \
	'"format=raw, vdev=xvda, access=rw, target=/images/a,1.img", ",,hdc,cdrom" ]'
"$XL" create -q -n "$T/good.cfg" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "a valid disk config was refused by -n"; }
python3 - "$T/out" <<'PY' || fail "xl create -n printed the disks wrongly"
import json, sys
d = json.load(open(sys.argv[1]))["disks"]
want = [
    {"target": "/images/b.img", "vdev": "xvdb", "access": "ro", "iops": 500,
     "bps": 10 << 20, "queues": 2},
    {"target": "/images/a,1.img", "vdev": "xvda", "access": "rw"},
    {"vdev": "hdc", "devtype": "cdrom", "access": "ro"},
]
for got, w in zip(d, want):
    for k, v in w.items():
        if got.get(k) != v:
            sys.exit("disk %s: %s is %r, not %r" % (w["vdev"], k, got.get(k), v))
    if "target" not in w and "target" in got:
        sys.exit("the empty CD-ROM drive has a target")
if len(d) != 3 or "iops" in d[1]:
    sys.exit("%d disks, %r" % (len(d), d))
PY
ok "xl create -n prints the disks with hv's keys, a target with a comma whole"
exit 0
