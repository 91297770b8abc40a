#!/bin/sh
# Errors: exit 1 with a message that says what, where and what to do;
# usage errors exit 2.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

printf 'name = "e1"\nkernel = "%s"\nmemory = "12x"\n' "$MINIOS" >"$T/bad.cfg"
xl_rc 1 create "$T/bad.cfg"
grep -q "^xl: $T/bad.cfg:3: memory: \"12x\" is not a number of MiB" "$T/err" ||
	{ cat "$T/err" >&2; fail "bad config line: message does not name file, line and key"; }
ok "a bad config line names file, line and key"

mkcfg e2
sed -i 's|^kernel = .*|kernel = "/nonexistent/vmlinuz"|' "$T/e2.cfg"
xl_rc 1 create "$T/e2.cfg"
grep -q 'kernel: cannot open /nonexistent/vmlinuz: No such file' "$T/err" ||
	{ cat "$T/err" >&2; fail "missing kernel: unclear message"; }
gone e2 || fail "a failed create left e2 behind"
ok "a missing kernel is named"

xl_rc 1 destroy nosuch
grep -q 'xl: domain "nosuch": no such domain' "$T/err" || { cat "$T/err" >&2; fail "unknown domain: unclear message"; }
xl_rc 1 pause 4000
grep -q 'xl: domain 4000: no such domain' "$T/err" || { cat "$T/err" >&2; fail "unknown id: unclear message"; }
xl_rc 1 domname 4000
xl_rc 1 domid nosuch
ok "unknown domains give exit status 1 and say so"

mkcfg e3 "disk = [ \"$T/nonexistent.img,raw,xvda,rw\" ]"
xl_rc 1 create "$T/e3.cfg"
grep -q "disk xvda: $T/nonexistent.img: cannot open it for reading and writing: No such file" "$T/err" ||
	{ cat "$T/err" >&2; fail "disk: a missing target is not named"; }
gone e3 || fail "a create refused for its disk left e3 behind"
mkcfg e4 'vif = [ "bridge=br0,script=/etc/xen/scripts/vif-bridge" ]'
xl_rc 1 create "$T/e4.cfg"
grep -q 'script /etc/xen/scripts/vif-bridge: hv makes the tap' "$T/err" ||
	{ cat "$T/err" >&2; fail "vif: unclear refusal of a script"; }
ok "a missing disk and a vif with a hotplug script are refused clearly"

mkcfg e5 'extra = "workload=idle"'
xl_ok create "$T/e5.cfg"
xl_rc 1 create "$T/e5.cfg"
grep -q 'exists already' "$T/err" || { cat "$T/err" >&2; fail "duplicate name: unclear message"; }
[ "$("$XL" list | grep -c '^e5 ')" = 1 ] || fail "a duplicate e5 was left behind"
xl_rc 1 rename e5 123
xl_ok destroy e5
ok "a duplicate name is refused and nothing is left behind"

xl_rc 2 create
xl_rc 2 list -x
xl_rc 2 destroy
# an unknown command fails as in Xen's xl (1), saying so
xl_rc 1 frobnicate
xl_rc 0 destroy --help
grep -q '^Usage: xl destroy \[-f\] DOMAIN' "$T/out" || fail "destroy --help"
xl_rc 0 help shutdown
grep -q -- '-w' "$T/out" || fail "help shutdown"
ok "usage errors give 2, an unknown command 1; --help and help COMMAND work"
exit 0
