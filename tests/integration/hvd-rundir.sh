#!/bin/sh
# hvd trusts only directories and files of its own (issue 15, finding 3).
# A runtime or log directory that others may write, that another user
# owns, or that is a symbolic link is refused with a message that says
# what to do; and a domain directory planted in the runtime directory by
# someone else is ignored at start.  A root hvd whose jail uids (for its
# hv-vmms) include a user's or group's is refused too.  The control case shows the plant is
# well formed: the same directory owned by hvd's uid is taken, and hvd
# finishes the "build" it names by killing the process it names, which is
# exactly what the plant must not achieve from another user.
# No domain runs, so no KVM is needed.  Needs root (chown).
. "$HV_TESTS_SRC/lib.sh"
XL=$top_builddir/xl/xl
[ -x "$XL" ] || skip "xl is not built ($XL)"
[ -x "$HV_HVD" ] || skip "hvd is not built ($HV_HVD)"
[ "$(id -u)" = 0 ] || skip "needs root (it hands directories to another user)"
nobody=$(id -u nobody 2>/dev/null) || skip "no user nobody"
need_cmd jq "apt-get install jq"
export HV_HVD

# info_refused RUNDIR LOGDIR NEEDLE: xl info fails, hvd's refusal holds NEEDLE
info_refused() {
	rc=0
	HV_RUNDIR=$1 HV_LOGDIR=$2 "$XL" info >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" != 0 ] || fail "hvd took $1 / $2 (xl info succeeded)"
	grep -qF -- "$3" "$T/err" || { cat "$T/err" >&2; fail "the refusal does not say \"$3\""; }
	[ ! -S "$1/hvd.sock" ] || fail "hvd listens in $1 after refusing it"
}

mkdir -p "$T/open" "$T/log"
chmod 0777 "$T/open"
info_refused "$T/open" "$T/log" "has mode 0777: others may read or write it"
grep -q 'chmod 0700' "$T/err" || fail "the refusal does not say how to fix it"
[ ! -e "$T/open/domains" ] || [ -z "$(ls "$T/open/domains")" ] || fail "hvd wrote into $T/open"

# the jail's uids and gids are to be no one's: a range that has nobody's
# uid (and nogroup's gid) in it is refused, whatever the directories
mkdir -p "$T/ids"
chmod 0700 "$T/ids"
HV_JAIL_UIDS=$((nobody - 1)):2
export HV_JAIL_UIDS
info_refused "$T/ids" "$T/log" "the jail's uids and gids $((nobody - 1))-$nobody include"
grep -q 'of user "[^"]*": give jailed hv-vmms a range no user or group has (--jail-uids' "$T/err" ||
	{ cat "$T/err" >&2; fail "the jail's range: the refusal does not name the user and the option"; }
unset HV_JAIL_UIDS

mkdir -p "$T/theirs"
chmod 0700 "$T/theirs"
chown "$nobody" "$T/theirs"
info_refused "$T/theirs" "$T/log" "belongs to uid $nobody, not to hvd's uid 0"

mkdir -p "$T/real"
chmod 0700 "$T/real"
ln -s "$T/real" "$T/link"
info_refused "$T/link" "$T/log" "is not a directory (a symbolic link or a file)"

mkdir -p "$T/run" "$T/openlog"
chmod 0700 "$T/run"
chmod 0777 "$T/openlog"
info_refused "$T/run" "$T/openlog" "the log directory $T/openlog has mode 0777: others may write it"
ok "a runtime or log directory others may write, another user's, or a link: refused, saying how to fix it"

# --- a planted domain ---------------------------------------------------------

HV_RUNDIR=$T/run
HV_LOGDIR=$T/log
export HV_RUNDIR HV_LOGDIR
cat >"$T/planted.cfg" <<EOF
name = "planted"
kernel = "$MINIOS"
memory = 64
EOF
"$XL" create -n "$T/planted.cfg" >"$T/planted.out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "xl create -n of the planted config"; }
# hv's own description, as hvd keeps it
jq .hv_config "$T/planted.out" >"$T/planted.json" || fail "xl create -n printed no JSON"

stop_hvd() {
	pid=$(cat "$HV_RUNDIR/hvd.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "hvd $pid did not stop"
		sleep 0.1
	done
}

# plant DOMID OWNER: domain DOMID "being built" by a sleep of ours, owned by
# OWNER; sets victim to the sleep's pid
plant() {
	sleep 1000 &
	victim=$!
	start=$(sed 's/.*) //' "/proc/$victim/stat" | cut -d' ' -f20)
	d=$HV_RUNDIR/domains/$1
	mkdir -p "$d"
	cp "$T/planted.json" "$d/config.json"
	printf 'domid=%s\nstate=0\nshutdown_code=0\nstart_time=0\ncpu_time_ns=0\nvmm_pid=%s\nvmm_start=%s\nwant_running=1\n' \
		"$1" "$victim" "$start" >"$d/state"
	chmod 0700 "$d"
	chmod 0600 "$d/state" "$d/config.json"
	chown -R "$2" "$d"
}

"$XL" info >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "hvd does not start in $HV_RUNDIR"; }
stop_hvd

# ignored DOMID WHAT: hvd, started on a plant, does not take domain DOMID
# and leaves its process alone; then the plant is cleared
ignored() {
	"$XL" list >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "xl list after planting $2"; }
	grep -q planted "$T/out" && fail "hvd took $2 owned by uid $nobody"
	kill -0 "$victim" 2>/dev/null || fail "hvd killed the process $2 named"
	kill "$victim"
	wait "$victim" 2>/dev/null
	stop_hvd
	rm -rf "$HV_RUNDIR/domains/$1"
}

# someone else's: ignored, its process untouched
plant 7 "$nobody"
ignored 7 "a domain directory"
grep -q "domain 7: .* is not a directory of hvd's own (owner uid $nobody" "$HV_LOGDIR/hvd.log" ||
	{ tail -n 5 "$HV_LOGDIR/hvd.log" >&2; fail "hvd's log does not say it ignored domain 7"; }

# a file of someone else's in a directory of hvd's: not read either
plant 8 0
chown "$nobody" "$HV_RUNDIR/domains/8/state"
ignored 8 "a state file"

# the control: the same, hvd's own, is taken (and its "build" finished)
plant 9 0
"$XL" list >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "xl list after the control plant"; }
i=0
while kill -0 "$victim" 2>/dev/null && [ -z "$(ps -o stat= -p "$victim" | grep Z)" ]; do
	i=$((i + 1))
	[ $i -le $(($(scaled 10) * 10)) ] ||
		{ tail -n 5 "$HV_LOGDIR/hvd.log" >&2; fail "the control plant of hvd's own was not taken"; }
	sleep 0.1
done
wait "$victim" 2>/dev/null
grep -q 'domain 9 (planted): was being built; destroying it' "$HV_LOGDIR/hvd.log" ||
	{ tail -n 5 "$HV_LOGDIR/hvd.log" >&2; fail "hvd's log does not say it took domain 9"; }
stop_hvd
ok "a domain directory or state file planted by another user is ignored, its process left alone (one of hvd's own is taken)"
exit 0
