#!/bin/sh
# Disks from xl.cfg to hv-vmm: a domain with disks runs, and its hv-vmm and
# hvd hold each image (opened by xl with the user's privileges, passed as
# descriptors); its description keeps them (xl list -l).  An image is
# read-write in one domain at a time: a second create is refused naming the
# domain that has it, read-only sharing works, and the lock lasts across a
# reboot (hvd hands the same disks to the new hv-vmm) until the domain is
# destroyed.  A save keeps the disks in the image's description and a
# restore opens them again, but only those this host recorded at the save:
# an image rewritten to name another file is refused.  (What the guest sees of them is the minios
# disk tests'.)
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3

truncate -s 64M "$T/a.img"
truncate -s 16M "$T/b.img"

# refused NAME NEEDLE: xl create of NAME fails saying NEEDLE, leaving nothing.
refused() {
	xl_rc 1 create "$T/$1.cfg"
	grep -qF -- "$2" "$T/err" || { cat "$T/err" >&2; fail "$1: the refusal does not say \"$2\""; }
	gone "$1" || fail "a refused $1 was left behind"
}

mkcfg alpha 'extra = "workload=counter"' \
	"disk = [ \"format=raw, vdev=xvdb, access=ro, target=$T/b.img\", \"$T/a.img,raw,xvda,rw\", \",,hdc,cdrom\" ]"
xl_ok create "$T/alpha.cfg"
wait_line "$HV_LOGDIR/console/alpha.log" 'minios: counter' 20 || fail "alpha did not boot"
pid=$(vmm_pid alpha)
hvd=$(cat "$HV_RUNDIR/hvd.pid")
for f in a b; do
	holds "$pid" "$T/$f.img" || fail "alpha's hv-vmm (pid $pid) does not hold $f.img"
	holds "$hvd" "$T/$f.img" || fail "hvd does not hold alpha's $f.img"
done
xl_ok list -l alpha
python3 - "$T/out" "$T" <<'PY' || fail "alpha's description does not keep its disks"
import json, sys
disks = json.load(open(sys.argv[1]))[0]["hv_config"]["disks"]
t = sys.argv[2]
want = [(t + "/b.img", "xvdb", "ro"), (t + "/a.img", "xvda", "rw"), (None, "hdc", "ro")]
got = [(d.get("target"), d["vdev"], d["access"]) for d in disks]
if got != want:
    sys.exit("%r, not %r" % (got, want))
PY
ok "a domain with two disks and an empty CD-ROM drive runs; its hv-vmm and hvd hold the images"

# an image read-write in alpha is no other domain's, read-write or read-only
mkcfg beta "disk = [ \"$T/a.img,raw,xvda,rw\" ]"
refused beta "domain \"beta\": disk xvda: $T/a.img is in use read-write by domain 'alpha'"
mkcfg beta2 "disk = [ \"$T/a.img,raw,xvdc,ro\" ]"
refused beta2 "disk xvdc: $T/a.img is in use read-write by domain 'alpha'"
# read-only, it is shared; read-write it is then no one's
mkcfg gamma 'extra = "workload=idle"' "disk = [ \"$T/b.img,raw,xvda,ro\" ]"
xl_ok create "$T/gamma.cfg"
holds "$(vmm_pid gamma)" "$T/b.img" || fail "gamma's hv-vmm does not hold b.img"
mkcfg delta 'extra = "workload=counter"' "disk = [ \"$T/b.img,raw,xvda,rw\" ]"
refused delta "disk xvda: $T/b.img is in use read-only by domain '"
ok "an image in use read-write is refused to a second domain, naming the first; read-only is shared"

# a reboot: the new hv-vmm gets the same disks, which stay locked meanwhile
id=$(field alpha 2)
xl_ok reboot alpha
wait_for 20 new_id alpha "$id" || fail "alpha did not come back after its reboot"
pid2=$(vmm_pid alpha)
[ "$pid2" != "$pid" ] || fail "alpha's hv-vmm is the same process after a reboot"
holds "$pid2" "$T/a.img" && holds "$pid2" "$T/b.img" || fail "alpha's new hv-vmm does not hold its disks"
refused beta "is in use read-write by domain 'alpha'"
ok "a rebooted domain keeps its disks and their locks"

# destroyed, its images are free (create waits for its hv-vmm to go)
xl_ok destroy alpha
xl_ok destroy gamma
mkcfg beta 'extra = "workload=counter"' "disk = [ \"$T/a.img,raw,xvda,rw\" ]"
xl_ok create "$T/beta.cfg"
holds "$(vmm_pid beta)" "$T/a.img" || fail "beta's hv-vmm does not hold a.img"
xl_ok create "$T/delta.cfg"
ok "a destroyed domain's images can be taken read-write at once"

# save keeps the disks in the image; restore opens them again
wait_line "$HV_LOGDIR/console/beta.log" 'minios: counter' 20 || fail "beta did not boot"
xl_ok save beta "$T/beta.save"
wait_for 20 gone beta || fail "beta is still there after its save"
xl_ok restore "$T/beta.save"
holds "$(vmm_pid beta)" "$T/a.img" || fail "the restored beta's hv-vmm does not hold a.img"
refused beta2 "is in use read-write by domain 'beta'"
xl_ok destroy beta
xl_ok destroy delta
ok "save and restore keep the domain's disks"

# an image does not choose host files: beta's image with its disk rewritten
# to b.img (the record's CRC made right again) is refused before anything
# is opened; with beta's config given, the config's disk is used
python3 - "$T/beta.save" "$T/evil.save" "$T/a.img" "$T/b.img" <<'PY' || fail "cannot rewrite beta's image"
import struct, sys, zlib
src, dst, old, new = sys.argv[1], sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()
data = bytearray(open(src, "rb").read())
rlen = struct.unpack_from("<I", data, 32 + 8)[0]
body = data[48:48 + rlen]
if body.count(old) != 1 or len(old) != len(new):
    sys.exit("record 0 does not name %s once" % old.decode())
data[48:48 + rlen] = body.replace(old, new)
end = 48 + ((rlen + 7) & ~7)
struct.pack_into("<I", data, end, zlib.crc32(bytes(data[32:end])))
open(dst, "wb").write(data)
PY
xl_rc 1 restore "$T/evil.save"
grep -q "disk0.target=[0-9]*:$T/b.img" "$T/err" && grep -q 'xl restore CONFIG IMAGE' "$T/err" ||
	{ cat "$T/err" >&2; fail "the rewritten image's refusal does not name the disk and what to do"; }
gone beta || fail "a refused restore left beta behind"
xl_ok restore "$T/beta.cfg" "$T/evil.save"
holds "$(vmm_pid beta)" "$T/a.img" || fail "restored with its config, beta's hv-vmm does not hold a.img"
! holds "$(vmm_pid beta)" "$T/b.img" || fail "restored with its config, beta got the image's b.img"
xl_ok destroy beta
ok "an image whose disk was rewritten is refused without a config; with one, the config's disk is used"
exit 0
