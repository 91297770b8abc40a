#!/bin/sh
# A save whose reader stops reading (issue 15, finding 5): the domain is
# paused for the save, so hv-vmm gives the reader at most its stall limit
# (HV_VMM_SAVE_STALL_MS, 30 s by default; 3 s here), then abandons the
# save.  xl save fails and says why, the domain runs on as it was (listed
# running, its counter going on, pause and unpause working), the reader
# got only a stream that does not restore, and a save to a file then
# succeeds.  And kill -9 of hvd during a save to a slow reader: hv-vmm
# abandons the save when it sees hvd gone, so the reader never gets a
# whole stream (a second copy) and the domain runs on.  Waits are for
# conditions.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
HV_VMM_SAVE_STALL_MS=3000	# hvd passes its environment on to hv-vmm
export HV_VMM_SAVE_STALL_MS

counters() { grep -c '^minios: counter' "$HV_LOGDIR/console/${1:-s}.log" 2>/dev/null; }
more_than() { [ "$(counters "$2")" -gt "$1" ]; }
size_above() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -gt "$2" ]; }
gone_pid() { ! kill -0 "$1" 2>/dev/null; }

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
running s || { "$XL" list >&2; fail "s is not listed running after the abandoned save"; }
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

# kill -9 of hvd while hv-vmm writes to a reader that reads slowly (16 MiB
# of dirty memory at about 1.6 MB/s)
mkcfg t 'extra = "workload=counter:20 workload=dirty:16:64"'
xl_ok create "$T/t.cfg"
wait_for 60 more_than 2 t || fail "t did not boot"
mkfifo "$T/slow"
python3 - "$T/slow" "$T/partial" <<'PY' &
import sys, time
with open(sys.argv[1], "rb") as f, open(sys.argv[2], "wb") as out:
    while True:
        b = f.read(32768)
        if not b:
            break
        out.write(b)
        out.flush()
        time.sleep(0.02)
PY
reader=$!
"$XL" save t "$T/slow" >"$T/save.out" 2>&1 &
saver=$!
wait_for 60 size_above "$T/partial" 262144 || fail "the slow reader got nothing of t's save"
kill -9 "$(cat "$HV_RUNDIR/hvd.pid")"
wait_for 120 gone_pid "$saver" || fail "xl save did not end when hvd died"
wait_for 120 gone_pid "$reader" || fail "the reader of t's save never saw its end"
got=$(stat -c %s "$T/partial")
"$top_builddir/hypervisor/shared/stream/hv-streamcheck" "$T/partial" >"$T/check" 2>&1 &&
	{ cat "$T/check" >&2; fail "the reader got a whole stream of t ($got bytes) after hvd died: a second copy"; }
wait_for 60 running t || { "$XL" list >&2; fail "t is not running after the abandoned save"; }
n=$(counters t)
wait_for 30 more_than "$n" t || fail "t's counter did not go on after the abandoned save"
grep -q "hvd went away during the save" "$HV_LOGDIR/vmm-t.log" ||
	{ tail -n 20 "$HV_LOGDIR/vmm-t.log" >&2; fail "t's hv-vmm did not say why it stopped the save"; }
xl_ok destroy t
ok "kill -9 of hvd during a slow save: the save is abandoned ($got bytes, no end), the domain runs on"
