#!/bin/sh
# Disks attached to and detached from a running domain: xl block-attach
# hands the running domain a disk (hv-vmm and hvd hold the image, xl
# block-list and the description show it, save and restore keep it); the
# same vdev twice, an image another domain has read-write, a domain that
# does not exist are refused, saying so.  minios has no ACPI hotplug
# driver, so it never ejects: block-detach gives up after --timeout,
# saying so, and the disk stays; block-detach --force removes it, and
# its image is free for another domain at once.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3

truncate -s 16M "$T/a.img"
truncate -s 16M "$T/b.img"
truncate -s 16M "$T/c.img"

# listed NAME VDEV ACCESS TARGET: xl block-list NAME has that line.
listed() {
	xl_ok block-list "$1"
	awk -v v="$2" -v a="$3" -v t="$4" \
		'$1 == v && $2 == "disk" && $3 == a && $4 == t { f = 1 } END { exit !f }' "$T/out"
}

# says NEEDLE: the last xl's error output says NEEDLE.
says() {
	grep -qF -- "$1" "$T/err" || { cat "$T/err" >&2; fail "xl did not say \"$1\""; }
}

mkcfg alpha 'extra = "workload=counter"' "disk = [ \"$T/a.img,raw,xvda,rw\" ]"
xl_ok create "$T/alpha.cfg"
wait_line "$HV_LOGDIR/console/alpha.log" 'minios: counter' 20 || fail "alpha did not boot"
xl_ok block-list alpha
head -n 1 "$T/out" | grep -q '^Vdev  *Devtype  *Access  *Target$' ||
	fail "block-list's header is not Vdev Devtype Access Target: $(head -n 1 "$T/out")"
listed alpha xvda rw "$T/a.img" || fail "block-list alpha does not show xvda"

# attach: Xen's components as several arguments, joined with commas
xl_ok block-attach alpha "$T/b.img" raw xvdb rw
pid=$(vmm_pid alpha)
hvd=$(cat "$HV_RUNDIR/hvd.pid")
holds "$pid" "$T/b.img" || fail "alpha's hv-vmm (pid $pid) does not hold the attached b.img"
holds "$hvd" "$T/b.img" || fail "hvd does not hold alpha's attached b.img"
listed alpha xvdb rw "$T/b.img" || fail "block-list alpha does not show the attached xvdb"
xl_ok list -l alpha
python3 - "$T/out" "$T" <<'PY' || fail "alpha's description does not have the attached disk"
import json, sys
disks = json.load(open(sys.argv[1]))[0]["hv_config"]["disks"]
got = [(d.get("target"), d["vdev"]) for d in disks]
want = [(sys.argv[2] + "/a.img", "xvda"), (sys.argv[2] + "/b.img", "xvdb")]
if got != want:
    sys.exit("%r, not %r" % (got, want))
PY
ok "block-attach gives a running domain a disk: hv-vmm and hvd hold it, block-list and the description show it"

# refusals: the vdev taken (also under another name), an image in use, no such domain
xl_rc 1 block-attach alpha "format=raw, vdev=xvdb, target=$T/c.img"
says "has a disk xvdb already"
xl_rc 1 block-attach alpha "format=raw, vdev=vdb, target=$T/c.img"
says "has a disk vdb already (as xvdb)"
mkcfg beta 'extra = "workload=idle"' "disk = [ \"$T/c.img,raw,xvda,rw\" ]"
xl_ok create "$T/beta.cfg"
xl_rc 1 block-attach alpha "$T/c.img,raw,xvdc,rw"
says "disk xvdc: $T/c.img is in use read-write by domain 'beta'"
xl_rc 1 block-attach nosuch "$T/c.img,raw,xvdc,ro"
says 'domain "nosuch": no such domain'
xl_ok block-list alpha
grep -q '^xvdc ' "$T/out" && fail "a refused xvdc is in alpha's block-list"
xl_ok destroy beta
ok "block-attach refuses a vdev in use, an image in use read-write elsewhere, a missing domain"

# save and restore keep the attached disk
xl_ok save alpha "$T/alpha.save"
wait_for 20 gone alpha || fail "alpha is still there after its save"
xl_ok restore "$T/alpha.save"
pid=$(vmm_pid alpha)
holds "$pid" "$T/b.img" || fail "the restored alpha's hv-vmm does not hold the attached b.img"
listed alpha xvdb rw "$T/b.img" || fail "the restored alpha's block-list does not show xvdb"
ok "save and restore keep an attached disk"

# minios never ejects: the wait ends, saying so, and the disk stays
xl_rc 1 block-detach --timeout 2 alpha xvdb
says "the guest did not let go of disk xvdb within 2 s"
says "xl block-detach --force"
listed alpha xvdb rw "$T/b.img" || fail "xvdb left alpha's block-list after a failed detach"
holds "$(vmm_pid alpha)" "$T/b.img" || fail "alpha's hv-vmm let go of b.img after a failed detach"
ok "block-detach of a disk the guest keeps fails after --timeout, saying what to do; the disk stays"

# --force removes it: gone from the list, from hv-vmm and hvd, the image free
xl_ok block-detach --force alpha xvdb
xl_ok block-list alpha
grep -q '^xvdb ' "$T/out" && fail "xvdb is still in alpha's block-list after block-detach --force"
holds "$(vmm_pid alpha)" "$T/b.img" && fail "alpha's hv-vmm still holds b.img after block-detach --force"
holds "$hvd" "$T/b.img" && fail "hvd still holds b.img after block-detach --force"
mkcfg gamma 'extra = "workload=idle"' "disk = [ \"$T/b.img,raw,xvda,rw\" ]"
xl_ok create "$T/gamma.cfg"
holds "$(vmm_pid gamma)" "$T/b.img" || fail "gamma's hv-vmm does not hold the freed b.img"
xl_rc 1 block-detach alpha xvdb
says "has no disk xvdb"
xl_ok destroy gamma
xl_ok destroy alpha
ok "block-detach --force removes the disk; its image is free for another domain read-write"
exit 0
