#!/bin/sh
# xl reboot -w (on_reboot = restart gives a new id), xl console, create -F,
# create -c, hvd killed and started again between commands.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

mkcfg r1 'extra = "workload=counter"' 'on_reboot = "restart"'
xl_ok create -q "$T/r1.cfg"
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "create -q wrote to stderr"; }
old=$(field r1 2)
wait_line "$HV_LOGDIR/console/r1.log" 'minios: counter' 20 || fail "r1 did not boot"
xl_ok reboot -w r1
new=$(field r1 2)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "after reboot -w r1 has id '$new' (was $old)"
running r1 || fail "after reboot -w r1 is $(field r1 5)"
expect_line "$HV_LOGDIR/console/r1.log" 'minios: ctrl-alt-del' "console log"
ok "reboot -w: r1 came back as domain $new (was $old)"

# xl console: output from the moment of connecting; closes with the domain
# (r1 is destroyed once the console has shown a counter: a condition, not a
# fixed time, so that a slow host passes too)
: >"$T/out"
( wait_for 20 grep -q 'minios: counter' "$T/out"; "$XL" destroy r1 ) &
xl console r1 </dev/null
wait
grep -q 'minios: counter' "$T/out" || { cat "$T/out" "$T/err" >&2; fail "xl console showed no counter"; }
[ "$rc" = 0 ] || fail "xl console: exit status $rc when the domain went away"
gone r1 || fail "r1 is still there"
ok "xl console shows the guest's output and exits when its console closes"

# create -F: stays in the foreground, following restarts, until it dies
mkcfg f1 'extra = "workload=idle runtime=1 action=reboot"' 'on_reboot = "restart"'
: >"$T/err"
( wait_for 30 grep -q 'has restarted as domain' "$T/err"; "$XL" destroy f1 ) >/dev/null 2>&1 &
xl_ok create -F "$T/f1.cfg"
wait
gone f1 || fail "create -F returned while f1 runs"
grep -q 'has restarted as domain' "$T/err" || { cat "$T/err" >&2; fail "create -F did not follow a restart"; }
grep -q 'is dead' "$T/err" || { cat "$T/err" >&2; fail "create -F did not say the domain died"; }
ok "create -F follows restarts and returns when the domain dies"

mkcfg f2 'extra = "runtime=2 action=poweroff"'
xl_ok create -c "$T/f2.cfg" </dev/null
grep -q 'minios: action poweroff' "$T/out" || { cat "$T/out" >&2; fail "create -c did not show the console"; }
ok "create -c attaches the console until the domain ends"

# hvd killed between commands: the next xl starts a new one, domains live on
mkcfg k1 'extra = "workload=counter"'
xl_ok create "$T/k1.cfg"
id=$(field k1 2)
pid=$(cat "$HV_RUNDIR/hvd.pid")
kill "$pid"
wait_for 10 sh -c "! kill -0 $pid 2>/dev/null" || fail "hvd $pid did not stop"
xl_ok list
grep -Eq "^k1 +$id " "$T/out" || { cat "$T/out" "$T/err" >&2; fail "k1 was lost when hvd restarted"; }
[ "$(cat "$HV_RUNDIR/hvd.pid")" != "$pid" ] || fail "no new hvd"
xl_ok destroy k1
ok "a killed hvd is started again and still knows its domains"
exit 0
