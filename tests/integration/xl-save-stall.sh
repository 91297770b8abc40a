#!/bin/sh
# A save whose reader stops reading (issue 15, finding 5): the domain is
# paused for the save, so hv-vmm gives the reader at most its stall limit
# (HV_VMM_SAVE_STALL_MS, 30 s by default; 3 s here), then abandons the
# save.  xl save fails and says why, the domain runs on as it was (listed
# running, its counter going on, pause and unpause working), the reader
# got only a stream that does not restore, and a save to a file then
# succeeds.  Waits are for conditions.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
HV_VMM_SAVE_STALL_MS=3000	# hvd passes its environment on to hv-vmm
export HV_VMM_SAVE_STALL_MS

counters() { grep -c '^minios: counter' "$HV_LOGDIR/console/s.log" 2>/dev/null; }
more_than() { [ "$(counters)" -gt "$1" ]; }

mkcfg s 'extra = "workload=counter:20"'
xl_ok create "$T/s.cfg"
wait_for 60 more_than 2 || fail "s did not boot"

# a FIFO whose reader (this shell) never reads: 64 KiB fit, then nothing
mkfifo "$T/stalled"
exec 3<>"$T/stalled"
XL_TIMEOUT=120 xl save s "$T/stalled"
[ "$rc" = 1 ] || { cat "$T/out" "$T/err" >&2; fail "xl save to a reader that stopped exited $rc, expected 1"; }
grep -q "took nothing for 3 s.*abandoned and the domain runs on" "$T/err" ||
	{ cat "$T/err" >&2; fail "xl save does not say the reader stalled and the save was abandoned"; }
exec 3<&-
state_is s "r-----" || { "$XL" list >&2; fail "s is not listed running after the abandoned save"; }
n=$(counters)
wait_for 30 more_than "$n" || fail "s's counter did not go on after the abandoned save"
xl_ok pause s
state_is s "--p---" || fail "s did not pause"
xl_ok unpause s
n=$(counters)
wait_for 30 more_than "$n" || fail "s's counter did not go on after unpause"
ok "a save to a reader that stops is abandoned after the stall limit; the domain runs on"

# the domain is whole: a save to a file works and restores
xl_ok save s "$T/s.img"
"$XL" list s >/dev/null 2>&1 && fail "s is still there after its save"
xl_ok restore "$T/s.img"
n=$(counters)
wait_for 30 more_than "$n" || fail "s restored does not run"
xl_ok destroy s
ok "after it, a save to a file and a restore work"
