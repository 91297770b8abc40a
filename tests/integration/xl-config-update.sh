#!/bin/sh
# xl config-update (issue 17): the configuration of a domain's next start
# by a restart action.  KEY=VALUE settings (or a file) change its memory,
# vCPUs and command line; the running domain keeps its own; on reboot
# (on_reboot = "restart") the new domain boots with the new ones (minios
# prints its command line with "verbose"), on the same disk, whose lock it
# keeps, and the new configuration is the domain's from then on.  A
# configuration that names another disk, kernel or name is refused with
# what differs and changes nothing.  A pending update follows xl rename.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

# said WHAT: the end of u's console log, its configuration and hvd's lines
# about it, then fail WHAT
said() {
	echo "--- the end of u's console log:" >&2
	tail -n 8 "$log" >&2
	"$XL" list -l u >&2
	grep "(u)" "$HV_LOGDIR/hvd.log" | tail -n 12 >&2
	fail "$1"
}

truncate -s 4M "$T/u.img"
truncate -s 4M "$T/other.img"
mkcfg u 'vcpus = 1' 'memory = 32' 'extra = "workload=counter"' 'on_reboot = "restart"' \
	"disk = [ \"$T/u.img,raw,xvda,rw\" ]"
xl_ok create -q "$T/u.cfg"
log=$(conlog u)
wait_dom_line u "$log" 'minios: counter 2' 30 || fail "u did not boot"
id=$(field u 2)

# refused: what a restart could not reuse, and no change made
{ cat "$T/u.cfg"; echo "disk = [ \"$T/other.img,raw,xvda,rw\" ]"; } >"$T/u-disk.cfg"
xl_rc 1 config-update u "$T/u-disk.cfg"
grep -q "disk 1 (xvda) is not the domain's" "$T/err" ||
	{ cat "$T/err" >&2; fail "another disk: the refusal does not say which"; }
{ cat "$T/u.cfg"; echo "kernel = \"$T/other.img\""; } >"$T/u-kernel.cfg"
xl_rc 1 config-update u "$T/u-kernel.cfg"
grep -q "its kernel is not the one the domain was started with" "$T/err" ||
	{ cat "$T/err" >&2; fail "another kernel: the refusal does not say so"; }
xl_rc 1 config-update u name=other
grep -q 'names the domain "other"' "$T/err" ||
	{ cat "$T/err" >&2; fail "another name: the refusal does not say so"; }
xl_rc 1 config-update u memory=0
xl_rc 1 config-update nosuch memory=48
xl_rc 2 config-update u
xl_ok -N config-update u memory=48
# a restart now keeps what the domain had: none of the above was taken
xl_ok reboot u
wait_for 30 new_id u "$id" || fail "u did not restart (xl list: $(field u 5))"
id=$(field u 2)
[ "$(field u 3)" = 32 ] && [ "$(field u 4)" = 1 ] ||
	fail "after refused updates u restarted with $(field u 3) MiB and $(field u 4) vCPUs, not 32 and 1"
ok "config-update refuses another disk, kernel or name, a bad value, a missing domain and no settings; a restart then keeps u as it was"

# taken: the running domain keeps its own until it restarts
n=$(wc -l <"$log")
xl_ok config-update u memory=48 vcpus=2 "extra=workload=counter verbose marker=next"
[ "$(field u 3)" = 32 ] && [ "$(field u 4)" = 1 ] ||
	fail "config-update changed the running u: $(field u 3) MiB, $(field u 4) vCPUs"
xl_ok list -l u
grep -q '"memory_mib": 32' "$T/out" ||
	{ cat "$T/out" >&2; fail "list -l does not show the configuration u runs with"; }
xl_ok reboot u
wait_for 30 new_id u "$id" || said "u did not restart after config-update (xl list: $(field u 5))"
id=$(field u 2)
wait_for 30 sh -c "tail -n +$((n + 1)) '$log' | grep -q 'minios: cmdline .*marker=next'" ||
	said "the restarted u does not boot with the new command line"
[ "$(field u 3)" = 48 ] && [ "$(field u 4)" = 2 ] ||
	said "the restarted u has $(field u 3) MiB and $(field u 4) vCPUs, not 48 and 2"
wait_for 30 sh -c "tail -n +$((n + 1)) '$log' | grep -q 'minios: counter 2[^0-9]*$'" ||
	said "the restarted u does not count"
# the same disk, still its own
mkcfg v 'memory = 32' "disk = [ \"$T/u.img,raw,xvda,rw\" ]"
xl_rc 1 create -q "$T/v.cfg"
grep -q "in use" "$T/err" || { cat "$T/err" >&2; fail "the restarted u does not hold its disk's lock"; }
# and the update is its configuration now, for later restarts too
xl_ok list -l u
grep -q '"memory_mib": 48' "$T/out" && grep -q '"vcpus": 2' "$T/out" ||
	{ cat "$T/out" >&2; fail "the restarted u's configuration is not the updated one"; }
ok "config-update: u restarted with 48 MiB, 2 vCPUs and the new command line, on its own disk; the running domain did not change before"

# a pending update from a file (no uuid in it: it takes the domain's)
# follows xl rename (the next start keeps the new name)
{ cat "$T/u.cfg"; echo 'memory = 40'; } >"$T/u40.cfg"
xl_ok config-update u "$T/u40.cfg"
xl_ok rename u w
xl_ok reboot w
hvd_lines() { grep '(u)\|(w)' "$HV_LOGDIR/hvd.log" | tail -n 12 >&2; }
wait_for 30 new_id w "$id" ||
	{ hvd_lines; fail "w did not restart after config-update and rename (xl list: $(field w 5))"; }
[ "$(field w 3)" = 40 ] ||
	{ hvd_lines; fail "the renamed w restarted with $(field w 3) MiB, not the 40 its pending update gave"; }
[ -z "$(field u 2)" ] || fail "a domain u is back after the rename"
ok "a pending config-update from a file without a uuid follows xl rename: w restarted with its 40 MiB"
xl_ok destroy w
exit 0
