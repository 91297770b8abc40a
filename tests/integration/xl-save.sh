#!/bin/sh
# xl save and xl restore with minios (counter and dirty-page workloads, 1
# and 4 vCPUs): the guest goes on where it was, no reboot, its dirty pages
# verify after the resume; save -c (twice) and both checkpoints restore;
# save -p and restore -p leave it paused; restore --lazy; corrupted and
# truncated images are refused and leave no domain; a save onto a full disk
# fails and leaves the domain running.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

# (helpers' variables start with _: sh has no local ones)

# past FILE FROM N: a counter above N from line FROM on
past() { _past=$(last_counter "$1" "$2"); [ -n "$_past" ] && [ "$_past" -gt "$3" ]; }

# advancing NAME: its counter goes up within a few seconds
advancing() {
	_adv=$(last_counter "$(conlog "$1")")
	wait_for 5 past "$(conlog "$1")" 1 "${_adv:--1}"
}

# saved NAME: after a save that ended NAME, the lines its log holds and
# the last counter among them, in $lines and $before
saved() {
	lines=$(wc -l <"$(conlog "$1")")
	before=$(head -n "$lines" "$(conlog "$1")" | tr -d '\r' |
		sed -n 's/^minios: counter \([0-9][0-9]*\)$/\1/p' | tail -n 1)
	[ -n "$before" ] || fail "$1 printed no counter before it was saved"
}

# resumed NAME WHAT: NAME runs on from the line after $lines with the
# counter after $before, without booting again
resumed() {
	_log=$(conlog "$1")
	wait_for 20 past "$_log" $((lines + 1)) $((before + 3)) ||
		{ tail -n 20 "$_log" >&2; fail "$2: $1's counter did not go on after the restore"; }
	first=$(first_counter "$_log" $((lines + 1)))
	[ "$first" = $((before + 1)) ] ||
		{ tail -n 20 "$_log" >&2; fail "$2: $1's counter went on at $first, not $((before + 1))"; }
	if tail -n +$((lines + 1)) "$_log" | grep -q 'minios: boot ok'; then
		tail -n 20 "$_log" >&2
		fail "$2: $1 booted again instead of resuming"
	fi
}

# verified NAME WHAT: the dirty pages verified after the resume
verified() {
	_log=$(conlog "$1")
	wait_line "$_log" 'minios: resumed' 20 ||
		{ tail -n 20 "$_log" >&2; fail "$2: $1 did not say it resumed"; }
	wait_for 20 sh -c "tail -n +$((lines + 1)) '$_log' | grep -q 'minios: dirty verify ok pages=[1-9]'" ||
		{ tail -n 20 "$_log" >&2; fail "$2: no dirty verify after $1 resumed"; }
	if grep -q 'dirty verify FAILED' "$_log"; then
		tail -n 20 "$_log" >&2
		fail "$2: $1's dirty pages changed across the save"
	fi
}

# nothing but Domain-0, the host, under the header
no_domains() { [ "$("$XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0' | wc -l)" = 0 ]; }

# flip FILE OFFSET: invert one byte
flip() {
	_byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf %o $((_byte ^ 255)))" |
		dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null
}

# --- save and restore, 1 and 4 vCPUs ----------------------------------------

for v in 1 4; do
	n=d$v
	z=
	[ "$v" = 4 ] && z=-z
	mkcfg "$n" "vcpus = $v" 'extra = "workload=counter workload=dirty:16:8"'
	xl_ok create -q "$T/$n.cfg"
	wait_line "$(conlog "$n")" 'minios: counter 5' 20 || fail "$n did not boot"
	xl_ok save $z "$n" "$T/$n.img"
	grep -q "^Saving domain [0-9]* ($n) to $T/$n.img... done (" "$T/err" ||
		{ cat "$T/err" >&2; fail "save $n: no summary"; }
	[ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err" >&2; fail "save $n printed more than its summary"; }
	gone "$n" || fail "$n is still there after xl save"
	saved "$n"

	if [ "$v" = 1 ]; then
		# refused images: nothing is left behind
		size=$(stat -c %s "$T/$n.img")
		cp "$T/$n.img" "$T/bad.img"
		flip "$T/bad.img" $((size / 2))
		xl_rc 1 restore "$T/bad.img"
		grep -q "bad.img" "$T/err" || { cat "$T/err" >&2; fail "restore of a corrupted image: the message does not name the file"; }
		no_domains || { "$XL" list >&2; fail "a corrupted image left a domain behind"; }
		cp "$T/$n.img" "$T/short.img"
		truncate -s $((size / 2)) "$T/short.img"
		xl_rc 1 restore "$T/short.img"
		grep -q "short.img" "$T/err" || { cat "$T/err" >&2; fail "restore of a truncated image: the message does not name the file"; }
		no_domains || { "$XL" list >&2; fail "a truncated image left a domain behind"; }
		xl_rc 1 restore "$T/$n.cfg"
		no_domains || fail "restoring a config file left a domain behind"
		xl_rc 1 restore /dev/null
		grep -q "regular file" "$T/err" || { cat "$T/err" >&2; fail "restore from a device: no clear message"; }
		ok "corrupted, truncated and wrong images are refused and leave nothing behind"
	else
		xl_rc 1 restore --lazy "$T/$n.img"
		grep -q "without lazy" "$T/err" || { cat "$T/err" >&2; fail "a lazy restore of a compressed image: no clear message"; }
		gone "$n" || fail "a refused lazy restore left a domain behind"
	fi

	xl_ok restore "$T/$n.img"
	grep -q "^Restoring from $T/$n.img... done: domain [0-9]* ($n)" "$T/err" ||
		{ cat "$T/err" >&2; fail "restore $n: no summary"; }
	running "$n" || fail "after restore $n is $(field "$n" 5)"
	[ "$(field "$n" 4)" = "$v" ] || fail "after restore $n has $(field "$n" 4) vCPUs, not $v"
	resumed "$n" "save${z:+ -z}/restore, $v vCPUs"
	verified "$n" "save${z:+ -z}/restore, $v vCPUs"
	ok "save${z:+ -z} and restore, $v vCPU(s): the counter goes on at $first, the dirty pages verify"
done

# xl list -l: each domain's stored configuration
xl_ok list -l d1
grep -q '"config"' "$T/out" && grep -q "\"kernel\": \"$MINIOS\"" "$T/out" ||
	{ cat "$T/out" >&2; fail "xl list -l shows no config"; }
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$T/out" ||
		{ cat "$T/out" >&2; fail "xl list -l is not JSON"; }
fi
ok "xl list -l shows the stored configuration"
xl_ok destroy d1
xl_ok destroy d4

# --- checkpoints: save -c twice, both restore --------------------------------

mkcfg k 'extra = "workload=counter"'
xl_ok create -q "$T/k.cfg"
wait_line "$(conlog k)" 'minios: counter 5' 20 || fail "k did not boot"
xl_ok save -q -c k "$T/k1.img"
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "save -q wrote to stderr"; }
running k || fail "after save -c k is $(field k 5)"
advancing k || fail "k's counter stopped after save -c"
k1=$(last_counter "$(conlog k)")
xl_ok save -c k "$T/k2.img"
running k || fail "after the second save -c k is $(field k 5)"
advancing k || fail "k's counter stopped after the second save -c"
k2=$(last_counter "$(conlog k)")

# the first under another name, while k runs
mkcfg kk 'extra = "workload=counter"'
xl_ok restore "$T/k1.img" "$T/kk.cfg"
running kk || fail "kk (checkpoint 1) is $(field kk 5)"
advancing kk || fail "kk's counter does not go on"
c=$(first_counter "$(conlog kk)")
[ "$c" -gt 0 ] && [ "$c" -le $((k1 + 1)) ] || fail "kk went on at $c, after $k1 in checkpoint 1"
! grep -q 'minios: boot ok' "$(conlog kk)" || fail "kk booted again instead of resuming"
# Xen's order, the config file first, works too
mkcfg kx 'extra = "workload=counter"'
xl_ok restore -q "$T/kx.cfg" "$T/k1.img"
running kx || fail "kx (checkpoint 1, Xen's argument order) is $(field kx 5)"
xl_ok destroy kx
# the second after destroying k
xl_ok destroy k
wait_for 10 gone k || fail "k did not go away"
lines=$(wc -l <"$(conlog k)")
xl_ok restore "$T/k2.img"
running k || fail "k (checkpoint 2) is $(field k 5)"
wait_for 20 past "$(conlog k)" $((lines + 1)) 0 || fail "k (checkpoint 2) does not count"
c=$(first_counter "$(conlog k)" $((lines + 1)))
[ "$c" -gt "$k1" ] && [ "$c" -le $((k2 + 1)) ] || fail "k (checkpoint 2) went on at $c (saved between $k1 and $k2)"
ok "save -c twice: the domain runs on, both checkpoints restore"
xl_ok destroy kk

# --- save -p, restore -p -----------------------------------------------------

xl_ok save -p k "$T/p.img"
a=$(last_counter "$(conlog k)")
state_is k --p--- || fail "after save -p k is $(field k 5)"
sleep 1
b=$(last_counter "$(conlog k)")
[ "$b" = "$a" ] || fail "k printed counters $((a + 1)) to $b after save -p returned (it must stay paused, as saved)"
xl_ok unpause k
advancing k || fail "k's counter does not go on after unpause"
mkcfg pp 'extra = "workload=counter"'
xl_ok restore -p "$T/p.img" "$T/pp.cfg"
state_is pp --p--- || fail "after restore -p pp is $(field pp 5)"
sleep 1
[ -z "$(counters "$(conlog pp)")" ] || fail "pp counts while paused"
xl_ok unpause pp
wait_for 20 past "$(conlog pp)" 1 0 || fail "pp does not count after unpause"
c=$(first_counter "$(conlog pp)")
[ "$c" = $((a + 1)) ] || fail "pp went on at $c, not $((a + 1))"
ok "save -p leaves the domain paused, restore -p too; both go on when unpaused"
xl_ok destroy pp

# --- restore --lazy ----------------------------------------------------------

mkcfg l 'extra = "workload=counter workload=dirty:16:8"'
xl_ok create -q "$T/l.cfg"
wait_line "$(conlog l)" 'minios: counter 5' 20 || fail "l did not boot"
xl_ok save l "$T/l.img"
saved l
xl_ok restore --lazy "$T/l.img"
grep -q "keep the file unchanged" "$T/err" || { cat "$T/err" >&2; fail "restore --lazy did not remind of the file"; }
running l || fail "after restore --lazy l is $(field l 5)"
resumed l "restore --lazy"
verified l "restore --lazy"
ok "restore --lazy: the counter goes on at $first, the dirty pages verify"
xl_ok destroy l

# --- a failed save leaves the domain running ---------------------------------

# /dev/full: every write fails with ENOSPC
xl_rc 1 save k /dev/full
grep -q "/dev/full: not saved" "$T/err" || { cat "$T/err" >&2; fail "a save to /dev/full: the message does not name the file"; }
running k || fail "after a failed save to /dev/full k is $(field k 5)"
advancing k || fail "k's counter stopped after a failed save"
ok "a save to /dev/full fails and k runs on: $(head -n 1 "$T/err")"

mkdir "$T/full"
# (most of a fresh minios is zero pages, left out of the image: 64 KiB is
# too small for it)
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k hv-test "$T/full" 2>/dev/null; then
	trap 'umount "$T/full" 2>/dev/null; xl_cleanup' EXIT
	xl_rc 1 save k "$T/full/k.img"
	grep -q "full/k.img" "$T/err" || { cat "$T/err" >&2; fail "a save onto a full disk: the message does not name the file"; }
	[ ! -e "$T/full/k.img" ] || fail "a failed save left its incomplete image"
	running k || fail "after a save onto a full disk k is $(field k 5)"
	advancing k || fail "k's counter stopped after a save onto a full disk"
	umount "$T/full"
	ok "a save onto a full tmpfs fails, removes the file, and k runs on"
else
	echo "skipped: the full-disk save (needs root and a tmpfs mount)"
fi
xl_ok destroy k
exit 0
