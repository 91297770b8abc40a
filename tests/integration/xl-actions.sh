#!/bin/sh
# on_poweroff, on_reboot and on_crash: every action, driven by minios
# (action=poweroff|reboot|crash after runtime=1).
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

# check WHAT ACTION NAME: the guest ends by WHAT; on_WHAT = ACTION.
check() {
	what=$1 action=$2 name=$3
	case $what in
	poweroff) key=on_poweroff ;;
	reboot) key=on_reboot ;;
	crash) key=on_crash ;;
	esac
	mkcfg "$name" "extra = \"workload=idle runtime=1 action=$what\"" "$key = \"$action\""
	xl_ok create "$T/$name.cfg"
	id=$(field "$name" 2)
	case $action in
	destroy)
		wait_for 20 gone "$name" || fail "$key=destroy: $name still there ($(field "$name" 5))"
		;;
	preserve)
		want=---s--
		[ "$what" != crash ] || want=---sc-
		wait_for 20 state_is "$name" "$want" ||
			fail "$key=preserve: $name is '$(field "$name" 5)', expected $want"
		[ "$(field "$name" 2)" = "$id" ] || fail "$key=preserve: the id changed"
		xl_ok destroy "$name"
		;;
	restart)
		wait_for 20 new_id "$name" "$id" || fail "$key=restart: $name did not come back with a new id"
		xl_ok destroy "$name"
		;;
	rename-restart)
		wait_for 20 new_id "$name" "$id" || fail "$key=rename-restart: no new $name"
		"$XL" list | awk -v id="$id" -v n="$name" '$2 == id && $1 != n' | grep -q . ||
			fail "$key=rename-restart: the old domain $id is not kept under another name"
		kept=$("$XL" list | awk -v id="$id" '$2 == id { print $1 }')
		"$XL" list -l "$kept" | grep -q "\"name\": \"$kept\"" ||
			fail "$key=rename-restart: the kept domain's description does not say its name $kept"
		for d in $("$XL" list | awk -v n="$name" '$1 == n || index($1, n "-") == 1 { print $2 }'); do
			"$XL" destroy "$d" 2>/dev/null
		done
		[ -z "$("$XL" list | awk -v n="$name" 'index($1, n) == 1')" ] ||
			fail "$key=rename-restart: domains left after destroying them"
		;;
	esac
	ok "$what with $key = $action"
}

check poweroff destroy p1
check poweroff preserve p2
check poweroff restart p3
check reboot destroy b1
check reboot preserve b2
check reboot restart b3
check reboot rename-restart b4

mkcfg b5 'extra = "workload=counter"' 'on_reboot = "rename-restart"'
xl_ok create "$T/b5.cfg"
id=$(field b5 2)
wait_line "$HV_LOGDIR/console/b5.log" 'minios: counter' 20 || fail "b5 did not boot"
xl_ok reboot -w b5
new=$(field b5 2)
[ -n "$new" ] && [ "$new" != "$id" ] || fail "reboot -w with rename-restart: no new b5"
running b5 || fail "reboot -w with rename-restart: b5 is $(field b5 5)"
"$XL" list | awk -v id="$id" '$2 == id && $1 != "b5" && $5 == "---s--"' | grep -q . ||
	{ "$XL" list >&2; fail "reboot -w with rename-restart: old domain $id not kept"; }
xl_ok destroy b5
xl_ok destroy "$id"
ok "reboot -w with on_reboot = rename-restart: new b5, old one kept"
check crash destroy c1
check crash preserve c2
check crash restart c3
expect_line "$HV_LOGDIR/console/c1.log" 'minios: action crash' "crash console log"
exit 0
