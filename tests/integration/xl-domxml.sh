#!/bin/sh
# libvirt domain XML through xl, with no KVM and no hvd (HV_HVD is a path
# that does not exist): xl create -n reads each file of the corpus in
# tests/data/libvirt/ (valid/: to the JSON beside it; invalid/: refused
# with the message its first line names, by xl create as by -n, before
# any hvd is asked); xl domxml -f writes XML that libvirt's own schema
# (domain.rng, from Debian's libvirt0) accepts and that reads back to the
# same description, for the XML corpus and for xl.cfg files alike; hostile
# documents are refused at once.
. "$HV_TESTS_SRC/lib.sh"
XL=$top_builddir/xl/xl
[ -x "$XL" ] || skip "xl is not built ($XL)"
need_cmd xmllint "apt-get install libxml2-utils"
need_cmd python3
need_cmd jq "apt-get install jq"
RNG=${HV_LIBVIRT_RNG:-/usr/share/libvirt/schemas/domain.rng}
[ -f "$RNG" ] || skip "libvirt's domain schema $RNG is missing (apt-get install libvirt0, which ships it)"
HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
HV_HVD=/nonexistent/hvd
export HV_RUNDIR HV_LOGDIR HV_HVD
C=$top_srcdir/tests/data/libvirt

# valid SCHEMA FILE: libvirt's schema accepts FILE
valid() {
	xmllint --noout --relaxng "$RNG" "$1" >"$T/lint" 2>&1 ||
		{ cat "$T/lint" >&2; fail "$1 is not valid by $RNG"; }
}

n=0
for f in "$C"/valid/*.xml; do
	b=$(basename "$f" .xml)
	valid "$f"
	"$XL" create -q -n "$f" >"$T/$b.json" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$b.xml: xl create -n refused it"; }
	# hv's own description, under hv_config, is what the corpus has
	jq -S .hv_config "$T/$b.json" >"$T/$b.hv.json" && jq -S . "$C/valid/$b.json" >"$T/$b.want.json" ||
		fail "$b.xml: xl create -n did not print JSON"
	cmp -s "$T/$b.hv.json" "$T/$b.want.json" ||
		{ diff "$T/$b.want.json" "$T/$b.hv.json" >&2; fail "$b.xml: xl create -n printed another description"; }
	"$XL" domxml -f "$f" >"$T/$b.out.xml" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$b.xml: xl domxml -f failed"; }
	valid "$T/$b.out.xml"
	"$XL" create -q -n "$T/$b.out.xml" >"$T/$b.back.json" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$b.xml: hv's own XML is refused"; }
	cmp -s "$T/$b.json" "$T/$b.back.json" ||
		{ diff "$T/$b.json" "$T/$b.back.json" >&2; fail "$b.xml: XML -> hv -> XML changed the description"; }
	n=$((n + 1))
done
[ "$n" -ge 6 ] || fail "only $n files in $C/valid"
ok "$n libvirt documents: valid by libvirt's schema, read as their JSON says, written back valid and the same"

# xl.cfg files as XML: valid, and read back they give the same XML (what
# libvirt cannot say, such as web1's vif rate, is left out with a warning)
for f in "$top_srcdir"/tests/data/config/valid/*.cfg "$top_srcdir"/xl/examples/linux.cfg; do
	b=$(basename "$f" .cfg)
	"$XL" domxml -f "$f" >"$T/$b.cfg.xml" 2>"$T/$b.err" ||
		{ cat "$T/$b.err" >&2; fail "$b.cfg: xl domxml -f failed"; }
	valid "$T/$b.cfg.xml"
	"$XL" domxml -f "$T/$b.cfg.xml" >"$T/$b.again.xml" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "$b.cfg: its XML is refused"; }
	cmp -s "$T/$b.cfg.xml" "$T/$b.again.xml" ||
		{ diff "$T/$b.cfg.xml" "$T/$b.again.xml" >&2; fail "$b.cfg: its XML read back gives other XML"; }
done
grep -qF 'vifs[1]: rate "10Mb/s@20ms" has no libvirt form; left out of the XML' "$T/web1.err" ||
	{ cat "$T/web1.err" >&2; fail "xl domxml -f does not warn about the vif rate it leaves out"; }
ok "xl.cfg files as libvirt XML: valid, and the same XML again when read back"

# refused: the same message from xl create -n and xl create, before hvd
n=0
for f in "$C"/invalid/*.xml; do
	b=$(basename "$f")
	want=$(sed -n '1s/^<!-- refused: \(.*\) -->$/\1/p' "$f")
	[ -n "$want" ] || fail "$b: the first line must be <!-- refused: MESSAGE -->"
	rc=0
	timeout 10 "$XL" create -q -n "$f" >"$T/out" 2>"$T/err-n" || rc=$?
	[ "$rc" = 1 ] || { cat "$T/err-n" >&2; fail "$b: xl create -n exited $rc, expected 1"; }
	grep -qF -- "$f$want" "$T/err-n" || { cat "$T/err-n" >&2; fail "$b: the refusal does not say \"$want\""; }
	rc=0
	timeout 10 "$XL" create -q "$f" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 1 ] || { cat "$T/err" >&2; fail "$b: xl create exited $rc, expected 1"; }
	cmp -s "$T/err-n" "$T/err" || { diff "$T/err-n" "$T/err" >&2; fail "$b: xl create -n and xl create say different things"; }
	! grep -q "root:" "$T/err" || fail "$b: /etc/passwd got into the message"
	n=$((n + 1))
done
[ "$n" -ge 50 ] || fail "only $n files in $C/invalid"
[ ! -e "$HV_RUNDIR/hvd.sock" ] || fail "a refused create reached hvd"
ok "$n refused documents: xl create and -n say where and why, the same way, and ask no hvd"

# XML is told by its first character or its name; overrides apply after it
printf '\n\t  ' >"$T/guest"
cat "$C/valid/minimal.xml" >>"$T/guest"
"$XL" create -q -n "$T/guest" memory=256 'vcpus=2' >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "a libvirt file without .xml in its name is not read as XML"; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["hv_config"]; sys.exit(d["memory_mib"] != 256 or d["vcpus"] != 2 or d["name"] != "minimal")' "$T/out" ||
	{ cat "$T/out" >&2; fail "KEY=VALUE overrides do not apply after an XML file"; }
printf 'name = "x"\n' >"$T/cfg.xml"
rc=0
"$XL" create -q -n "$T/cfg.xml" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -qF "$T/cfg.xml:1: not well-formed XML: Start tag expected" "$T/err" ||
	{ cat "$T/err" >&2; fail "an xl.cfg named .xml is not refused as XML"; }
ok "a file is XML by its first character or its .xml name, and KEY=VALUE applies after it"

# hostile documents: 10 MiB, refused unread; the DOCTYPE ones at once
{ echo "<domain type='kvm'><description>"; head -c 10485760 /dev/zero | tr '\0' x; echo "</description></domain>"; } >"$T/big.xml"
rc=0
timeout 10 "$XL" create -q -n "$T/big.xml" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && grep -qF "$T/big.xml: larger than 1 MiB; is this really a domain XML file?" "$T/err" ||
	{ cat "$T/err" >&2; fail "a 10 MiB document is not refused (exit $rc)"; }
ok "a 10 MiB document is refused without being read whole"

# xl domxml's own errors
rc=0
"$XL" domxml >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] && grep -q "give one domain, or -f FILE" "$T/err" || { cat "$T/err" >&2; fail "xl domxml with nothing to do: exit $rc"; }
rc=0
"$XL" domxml -f "$C/valid/minimal.xml" extra >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "xl domxml -f FILE DOMAIN: exit $rc, expected 2"
rc=0
"$XL" domxml -f "$C/invalid/hostdev.xml" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && [ ! -s "$T/out" ] && grep -qF "PCI passthrough is not supported by hv" "$T/err" ||
	{ cat "$T/err" >&2; fail "xl domxml -f of a refused document: exit $rc"; }
rc=0
"$XL" domxml guest >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] && [ ! -s "$T/out" ] || { cat "$T/err" >&2; fail "xl domxml DOMAIN without hvd: exit $rc, expected 1"; }
ok "xl domxml refuses what it cannot do, saying why"
exit 0
