#!/bin/sh
# One description from xl to hv-vmm and back.  A minios domain described
# with every member hv runs set (UUID, memory and maxmem, vcpus and
# maxvcpus, kernel, ramdisk, root and extra, cpus, the three actions)
# comes back identical from hvd (xl list -l), and from its save image
# through xl restore; a rename goes into the description, so a domain
# renamed, saved and restored keeps its new name (and its UUID, and every
# other member); a restored domain's xl list -l equals the original's but
# for what a new domain has of its own (id, pid, times, state).  As
# libvirt domain XML (xl domxml), the running domain's description is
# valid by libvirt's schema (where it is installed), reads back the same
# (root and extra joined into cmdline, cpus = "all" as no cpuset), and a
# domain created from it runs.  xl list -l gives the description in
# libxl's layout too ("config"), beside hv's own ("hv_config").
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3
need_cmd jq "apt-get install jq"

head -c 65536 /dev/urandom >"$T/ramdisk"
cat >"$T/alpha.cfg" <<EOF
name = "alpha"
uuid = "6c2a0b8e-4a9f-4d2e-9a51-0b7c3e8f1d24"
type = "pvh"
kernel = "$MINIOS"
ramdisk = "$T/ramdisk"
memory = 64
maxmem = 96
vcpus = 1
maxvcpus = 2
cpus = "all"
root = "/dev/hv0"
extra = "workload=counter"
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
EOF

# described NAME FILE: xl list -l NAME as JSON in FILE, once hv-vmm has
# said how much memory the guest has (current_mib is 0 until its balloon
# device first reports, just after a create or restore)
reported() {
	xl list -l "$1"
	[ "$rc" = 0 ] && ! grep -q '"current_mib": 0,*$' "$T/out"
}
described() {
	wait_for 30 reported "$1" || { cat "$T/out" >&2; fail "$1's memory is never reported"; }
	cp "$T/out" "$2"
}

# same A B WHAT: the two xl list -l outputs agree, the "info" members a
# new domain has of its own left out, and what is measured now (the
# "stats", the host memory in "memory")
same() {
	python3 - "$1" "$2" "$3" <<'EOF' || fail "$3"
import json, sys
own = {"state", "cpu_time_ns", "start_time", "vmm_pid", "shutdown_code"}
measured = {"cgroup_usage_kib", "allocated_kib"}
def load(p):
    d = json.load(open(p))
    d = d[0] if isinstance(d, list) else d
    d.pop("domid", None)
    d.pop("stats", None)
    for k in own:
        d["info"].pop(k, None)
    for k in measured:
        d.get("memory", {}).pop(k, None)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("%s: they differ:\n%s\n%s" % (sys.argv[3], json.dumps(a, indent=1, sort_keys=True),
                                        json.dumps(b, indent=1, sort_keys=True)), file=sys.stderr)
    sys.exit(1)
EOF
}

# member FILE KEY: a member of hv's own description ("hv_config") in an
# xl list -l output
member() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
print(d["hv_config"].get(sys.argv[2], ""))' "$1" "$2"
}

# libxl FILE FILTER VALUE: jq's FILTER of an xl list -l output is VALUE
# (jq -c): the description in libxl's layout, read by Xen's paths
libxl() {
	got=$(jq -c "$2" "$1") || { cat "$1" >&2; fail "xl list -l is not JSON"; }
	[ "$got" = "$3" ] || { cat "$1" >&2; fail "xl list -l: $2 is $got, not $3"; }
}

xl_ok create "$T/alpha.cfg"
wait_line "$HV_LOGDIR/console/alpha.log" 'minios: counter [0-9]' 30 ||
	fail "alpha did not start counting"
described alpha "$T/a1.json"
for k in uuid maxmem_mib maxvcpus kernel ramdisk root extra cpus on_crash; do
	[ -n "$(member "$T/a1.json" $k)" ] || { cat "$T/a1.json" >&2; fail "xl list -l: the config has no $k"; }
done
[ "$(member "$T/a1.json" uuid)" = 6c2a0b8e-4a9f-4d2e-9a51-0b7c3e8f1d24 ] ||
	fail "the UUID of the config is not the one given"
grep -q 'initrd size=65536' "$HV_LOGDIR/console/alpha.log" ||
	fail "the guest did not get the ramdisk"
ok "every member hv runs is in the description hvd keeps"

libxl "$T/a1.json" '.[0].config.c_info.name' '"alpha"'
libxl "$T/a1.json" '.[0].config.c_info.type' '"pvh"'
libxl "$T/a1.json" '.[0].config.c_info.uuid' '"6c2a0b8e-4a9f-4d2e-9a51-0b7c3e8f1d24"'
libxl "$T/a1.json" '.[0].config.b_info.max_memkb' 98304
libxl "$T/a1.json" '.[0].config.b_info.target_memkb' 65536
libxl "$T/a1.json" '.[0].config.b_info.max_vcpus' 2
libxl "$T/a1.json" '.[0].config.b_info.avail_vcpus' '[0]'
libxl "$T/a1.json" '.[0].config.b_info.vcpu_hard_affinity | length' 2
libxl "$T/a1.json" '.[0].config.b_info.vcpu_hard_affinity[1][0]' 0
libxl "$T/a1.json" '.[0].config.b_info.kernel' "\"$MINIOS\""
libxl "$T/a1.json" '.[0].config.b_info.ramdisk' "\"$T/ramdisk\""
libxl "$T/a1.json" '.[0].config.b_info.cmdline' '"root=/dev/hv0 workload=counter"'
libxl "$T/a1.json" '.[0].config.disks' null
libxl "$T/a1.json" '.[0].config.nics' null
libxl "$T/a1.json" '.[0].config.on_poweroff' '"destroy"'
libxl "$T/a1.json" '.[0].config.on_reboot' '"restart"'
libxl "$T/a1.json" '.[0].config.on_crash' '"preserve"'
libxl "$T/a1.json" '.[0].info.name' '"alpha"'
ok "xl list -l: libxl's layout under config (jq .[0].config.b_info.max_memkb), hv's own beside it"

# save and restore: the description comes back as it went
xl_ok save alpha "$T/alpha.img"
xl_ok restore "$T/alpha.img"
wait_line "$HV_LOGDIR/console/alpha.log" 'minios: resumed|minios: counter' 30 ||
	fail "the restored alpha does not run"
described alpha "$T/a2.json"
same "$T/a1.json" "$T/a2.json" "xl list -l of the restored domain is not the original's"
ok "save and restore keep the description, member for member"

# rename -> save -> restore: the new name is in the image
xl_ok rename alpha beta
described beta "$T/b1.json"
[ "$(member "$T/b1.json" name)" = beta ] || { cat "$T/b1.json" >&2; fail "the renamed domain's config still says its old name"; }
xl_ok save beta "$T/beta.img"
xl list alpha
[ "$rc" != 0 ] || fail "a domain named alpha is there after beta was saved"
xl_ok restore "$T/beta.img"
xl list alpha
[ "$rc" != 0 ] || fail "the renamed domain came back as alpha"
described beta "$T/b2.json"
same "$T/b1.json" "$T/b2.json" "xl list -l of the restored, renamed domain is not the original's"
ok "rename, save, restore: it comes back as beta, with its UUID and every member"

# libvirt XML of the running domain: valid, the same description, runnable
xl_ok domxml beta
cp "$T/out" "$T/beta.xml"
rng=${HV_LIBVIRT_RNG:-/usr/share/libvirt/schemas/domain.rng}
if [ -f "$rng" ] && command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --relaxng "$rng" "$T/beta.xml" 2>"$T/lint" ||
		{ cat "$T/lint" "$T/beta.xml" >&2; fail "xl domxml beta is not valid by $rng"; }
fi
xl_ok create -q -n "$T/beta.xml"
cp "$T/out" "$T/beta-xml.json"
python3 - "$T/b2.json" "$T/beta-xml.json" <<'PY' || fail "xl domxml beta does not read back to beta's description"
import json, sys
running = json.load(open(sys.argv[1]))
running = (running[0] if isinstance(running, list) else running)["hv_config"]
back = json.load(open(sys.argv[2]))["hv_config"]
running["cmdline"] = "root=%s %s" % (running.pop("root"), running.pop("extra"))
if running.get("cpus") == "all":
    del running["cpus"]
if running != back:
    sys.exit("they differ:\n%s\n%s" % (json.dumps(running, indent=1, sort_keys=True),
                                       json.dumps(back, indent=1, sort_keys=True)))
PY
sed -e 's|<name>beta</name>|<name>gamma</name>|' -e '/<uuid>/d' "$T/beta.xml" >"$T/gamma.xml"
xl_ok create "$T/gamma.xml"
wait_line "$HV_LOGDIR/console/gamma.log" 'minios: counter [0-9]' 30 ||
	fail "gamma, created from beta's libvirt XML, did not start counting"
xl_ok destroy gamma
ok "xl domxml: beta as libvirt XML is valid, reads back to its description, and runs as gamma"

xl_ok destroy beta
