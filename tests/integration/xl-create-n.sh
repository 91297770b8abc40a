#!/bin/sh
# xl create -n refuses exactly what xl create refuses of a configuration:
# the same checks (hv_config_validate() with HV_CONFIG_VALIDATE_CREATE),
# the same message, exit status 1.  Both refuse before any hvd is asked,
# so no KVM is needed: hvd here is a path that does not exist.  As in Xen,
# -n opens no file: a disk target that is missing passes -n, and create
# refuses it, naming the disk.  A valid disk's JSON has hv's own keys
# (under "hv_config"); "config" is libxl's layout of the same description.
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
d = json.load(open(sys.argv[1]))["hv_config"]["disks"]
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

# the same description in libxl's layout, as Xen's xl create -n prints it
# ({"domid": null, "config": libxl_domain_config}): Xen's paths work
need_cmd jq "apt-get install jq"
mkcfg libxl 'memory = 96' 'maxmem = 160' 'vcpus = 2' 'maxvcpus = 3' \
	'cmdline = "console=hvc0"' 'on_reboot = "rename-restart"' 'cpu_weight = 512' \
	'disk = [ "/images/a.img,raw,xvda", "/images/b.img,raw,xvdb,ro", ",,hdc,cdrom" ]' \
	'vif = [ "mac=00:16:3e:0a:0b:0c,bridge=br0,rate=1MB/s" ]'
"$XL" create -q -n "$T/libxl.cfg" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "libxl.cfg was refused by -n"; }
# want FILTER VALUE: jq's FILTER of the output is VALUE (jq -c)
want() {
	got=$(jq -c "$1" "$T/out") || { cat "$T/out" >&2; fail "xl create -n printed no JSON"; }
	[ "$got" = "$2" ] || { cat "$T/out" >&2; fail "xl create -n: $1 is $got, not $2"; }
}
want .domid null
want .config.c_info.name '"libxl"'
want .config.c_info.type '"pvh"'
want .config.b_info.max_memkb 163840
want .config.b_info.target_memkb 98304
want .config.b_info.max_vcpus 3
want .config.b_info.avail_vcpus '[0,1]'
want .config.b_info.kernel "\"$MINIOS\""
want .config.b_info.cmdline '"console=hvc0"'
want .config.b_info.sched_params '{"weight":512}'
want '.config.b_info["type.pvh"]' '{}'
want '.config.disks | length' 3
want .config.disks[0].vdev '"xvda"'
want .config.disks[0].pdev_path '"/images/a.img"'
want .config.disks[0].format '"raw"'
want .config.disks[0].readwrite 1
want .config.disks[1].readwrite null
want .config.disks[2].is_cdrom 1
want .config.disks[2].format '"empty"'
want .config.nics[0].mac '"00:16:3e:0a:0b:0c"'
want .config.nics[0].bridge '"br0"'
want .config.nics[0].rate_bytes_per_interval 50000
want .config.nics[0].rate_interval_usecs 50000
want .config.on_poweroff '"destroy"'
want .config.on_reboot '"restart_rename"'
want .config.on_crash '"destroy"'
# hv's own description beside it, whole
want .hv_config.on_reboot '"rename-restart"'
want .hv_config.cpu_weight 512
ok "xl create -n prints libxl's layout (jq .config.b_info.max_memkb) and hv's own under hv_config"
exit 0
