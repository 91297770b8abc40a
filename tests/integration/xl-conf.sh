#!/bin/sh
# xl.conf(5): xl reads its own settings (here from $HV_XL_CONF) before a
# command runs.  vif.default.bridge is applied to every configuration xl
# reads, which xl create -n shows; Xen's other keys are accepted, silently
# or with one warning each (the table in xl.conf(5)); a malformed file
# fails every command with exit status 1, naming the file, line and key.
# No KVM: hvd is a path that does not exist, and nothing asks for it.
. "$HV_TESTS_SRC/lib.sh"
XL=$top_builddir/xl/xl
[ -x "$XL" ] || skip "xl is not built ($XL)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_HVD=/nonexistent/hvd
export HV_RUNDIR HV_LOGDIR HV_HVD

# conf NAME LINE...: $T/NAME.conf
conf() {
	name=$1
	shift
	for l in "$@"; do echo "$l"; done >"$T/$name.conf"
}

# dry NAME CFG [KEY=VALUE...]: xl create -n CFG with $T/NAME.conf; the
# JSON in $T/out, stderr in $T/err; fails unless it exits 0
dry() {
	c=$1
	f=$2
	shift 2
	HV_XL_CONF=$T/$c.conf "$XL" create -n "$T/$f.cfg" "$@" >"$T/out" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$c: xl create -n $f exited $?"; }
}

# bridges: the bridge of each vif in $T/out, one a line ("-": none)
bridges() {
	python3 -c 'import json, sys
for v in json.load(open(sys.argv[1]))["hv_config"].get("vifs", []):
    print(v.get("bridge", "-"))' "$T/out"
}

# want_bridges WHAT B...: the vifs' bridges are B...
want_bridges() {
	what=$1
	shift
	got=$(bridges | tr '\n' ' ')
	[ "$got" = "$* " ] || { cat "$T/out" >&2; fail "$what: the vifs' bridges are '$got', not '$* '"; }
}

no_stderr() {
	[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "$1: xl said something on stderr"; }
}

mkcfg vifs 'vif = [ "", "bridge=br1", "mac=00:16:3e:00:00:01" ]'

# no xl.conf: the vifs name no bridge (hvd gives them xenbr0)
HV_XL_CONF='' "$XL" create -n "$T/vifs.cfg" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "xl create -n without an xl.conf"; }
no_stderr "no xl.conf"
want_bridges "no xl.conf" - br1 -
ok "without an xl.conf, a vif with no bridge= names none"

# vif.default.bridge, in Xen's syntax: comments, both quotes, ';', \'
conf bridge '# xl.conf for the test' '' \
	"vif.default.bridge = 'br7'   # the default bridge" \
	'lockfile = "/var/lock/xl" ; output_format="json"' \
	"blkdev_start = 'xvd\\'a'"
dry bridge vifs
no_stderr "vif.default.bridge"
want_bridges "vif.default.bridge" br7 br1 br7
ok "vif.default.bridge is the bridge of every vif without bridge= (xl create -n shows it)"

# a vif the command line adds gets it too; one it names keeps its own
dry bridge vifs 'vif = [ "", "bridge=br2" ]'
want_bridges "command line vifs" br7 br2
dry bridge vifs 'vif += [ "devid=5" ]'
want_bridges "a vif added with +=" br7 br1 br7 br7
ok "vifs from the command line get vif.default.bridge too"

# xl domxml -f reads the configuration the same way
HV_XL_CONF=$T/bridge.conf "$XL" domxml -f "$T/vifs.cfg" >"$T/xml" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "xl domxml -f with an xl.conf"; }
[ "$(grep -c "<source bridge='br7'/>" "$T/xml")" = 2 ] ||
	{ cat "$T/xml" >&2; fail "xl domxml -f: the vifs are not on br7"; }
ok "xl domxml -f applies vif.default.bridge"

# Xen's older defaultbridge: applied, with a warning; vif.default.bridge
# wins wherever each is
conf old 'defaultbridge = "brold"'
dry old vifs
want_bridges "defaultbridge" brold br1 brold
grep -qF "xl: warning: $T/old.conf:1: defaultbridge: the older name of vif.default.bridge" "$T/err" ||
	{ cat "$T/err" >&2; fail "defaultbridge: no warning"; }
conf both 'vif.default.bridge = "brnew"' 'defaultbridge = "brold"'
dry both vifs
want_bridges "both bridges" brnew br1 brnew
conf twice 'vif.default.bridge = "bra"' 'vif.default.bridge = "brb"'
dry twice vifs
want_bridges "vif.default.bridge twice" brb br1 brb
ok "defaultbridge is applied with a warning; vif.default.bridge wins; a later line wins"

# Xen's keys whose values ask for nothing hv lacks: accepted silently
conf silent 'autoballoon = "off"' 'autoballoon = "auto"' 'autoballoon = 0' \
	'run_hotplug_scripts = 1' 'run_hotplug_scripts = 0' 'lockfile = "/var/lock/xl"' \
	'vif.default.script = "/etc/xen/scripts/vif-bridge"' 'vif.default.backend = "0"' \
	'vif.default.backend = "Domain-0"' 'output_format = "json"' 'blkdev_start = "xvda"' \
	'claim_mode = 1' 'max_grant_frames = 64' 'max_maptrack_frames = 1024' \
	'max_grant_version = 2' 'remus.default.netbufscript = "remus-netbuf-setup"' \
	'colo.default.proxyscript = "colo-proxy-setup"' 'vm.pv.cpumask = "0-3"' \
	'domid_policy = "xen"' 'bootloader_restrict = 1'
dry silent vifs
no_stderr "keys accepted silently"
want_bridges "keys accepted silently" - br1 -
ok "Xen's keys that ask for nothing hv lacks are accepted silently"

# those that ask for something hv does not do: one warning each, naming
# the file, line and key; the command goes on
conf warn 'autoballoon = "on"' 'claim_mode = 0' 'vif.default.script = "vif-route"' \
	'vifscript = "vif-nat"' 'vif.default.gatewaydev = "eth0"' 'vm.cpumask = "0-3"' \
	'vm.hvm.cpumask = "2"' 'domid_policy = "random"' 'vif.default.brige = "br0"'
dry warn vifs
want_bridges "warnings" - br1 -
w=$T/warn.conf
for want in \
	"xl: warning: $w:1: autoballoon: hv does not balloon domain 0" \
	"xl: warning: $w:2: claim_mode: 0: whether a domain's memory must fit" \
	"xl: warning: $w:3: vif.default.script: \"vif-route\": hv runs no vif scripts" \
	"xl: warning: $w:4: vifscript: \"vif-nat\": hv runs no vif scripts" \
	"xl: warning: $w:5: vif.default.gatewaydev: \"eth0\": hv routes nothing" \
	"xl: warning: $w:6: vm.cpumask: \"0-3\": hv does not pin vCPUs yet" \
	"xl: warning: $w:7: vm.hvm.cpumask: \"2\": hv does not pin vCPUs yet" \
	"xl: warning: $w:8: domid_policy: \"random\": hvd numbers domains in order" \
	"xl: warning: $w:9: vif.default.brige: not a key of xl.conf; ignored"; do
	[ "$(grep -cF -- "$want" "$T/err")" = 1 ] ||
		{ cat "$T/err" >&2; fail "no single warning \"$want\""; }
done
[ "$(wc -l <"$T/err")" = 9 ] || { cat "$T/err" >&2; fail "more than one warning a setting"; }
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/out" ||
	fail "the warnings reached standard output"
ok "keys that ask for what hv does not do: one warning each, with file, line and key"

# a malformed xl.conf fails every command (but help), exit status 1,
# naming the file, line and key
# refused NAME NEEDLE LINE...: xl.conf LINE... makes xl create -n and xl
# domid (which needs no hvd) exit 1 saying NEEDLE
refused() {
	n=$1
	needle=$2
	shift 2
	conf "$n" "$@"
	for cmd in "create -n $T/vifs.cfg" "domid Domain-0"; do
		rc=0
		# shellcheck disable=SC2086
		HV_XL_CONF=$T/$n.conf "$XL" $cmd >"$T/out" 2>"$T/err" || rc=$?
		[ "$rc" = 1 ] || { cat "$T/out" "$T/err" >&2; fail "$n: xl $cmd exited $rc, expected 1"; }
		grep -qF -- "$T/$n.conf:$needle" "$T/err" ||
			{ cat "$T/err" >&2; fail "$n: xl $cmd does not say \"$T/$n.conf:$needle\""; }
		[ ! -s "$T/out" ] || { cat "$T/out" >&2; fail "$n: xl $cmd ran the command"; }
	done
}
refused sxp '2: output_format: "sxp": hv'"'"'s xl writes JSON only' \
	'vif.default.bridge = "br0"' 'output_format = "sxp"'
refused format '1: output_format: "xml" is not "json"' 'output_format = "xml"'
refused balloon '1: autoballoon: "maybe" is not "off", "on" or "auto"' 'autoballoon = "maybe"'
refused bool '3: run_hotplug_scripts: "2" is not 0 or 1' '# c' '' 'run_hotplug_scripts = 2'
refused claim '1: claim_mode: "yes" is not 0 or 1' 'claim_mode = "yes"'
refused grants '1: max_grant_frames: "lots" is not a whole number' 'max_grant_frames = "lots"'
refused policy '1: domid_policy: "low" is not "xen" or "random"' 'domid_policy = "low"'
refused ifname '1: vif.default.bridge: "br/0" is not a host interface name' \
	'vif.default.bridge = "br/0"'
refused long '1: defaultbridge: "a-very-long-bridge" is not a host interface name' \
	'defaultbridge = "a-very-long-bridge"'
refused backend '1: vif.default.backend: "dom1": hv has no driver domains' \
	'vif.default.backend = "dom1"'
refused list '1: lockfile: expects a single value, not a list' 'lockfile = [ "/a" ]'
refused append '1: lockfile: += has no use in xl.conf' 'lockfile += "/a"'
refused unquoted '1: autoballoon: on needs quotes' 'autoballoon = on'
refused unclosed '2: string not closed' 'lockfile = "/a"' 'vif.default.bridge = "br0'
refused python '1: unexpected' 'vif.default.bridge = ("br0")'
ok "a malformed xl.conf fails every command with exit status 1, naming file, line and key"

# help needs no xl.conf
HV_XL_CONF=$T/sxp.conf "$XL" help create >"$T/out" 2>"$T/err" || fail "xl help with a bad xl.conf"
no_stderr "xl help"
ok "xl help works whatever xl.conf says"

# HV_XL_CONF naming a missing file is an error; empty, no file at all
rc=0
HV_XL_CONF=$T/missing.conf "$XL" create -n "$T/vifs.cfg" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -qF "$T/missing.conf: cannot open xl's settings (HV_XL_CONF): No such file or directory" "$T/err" ||
	{ cat "$T/err" >&2; fail "HV_XL_CONF naming a missing file: exit $rc"; }
ok "HV_XL_CONF naming a missing file is refused, naming it"
exit 0
