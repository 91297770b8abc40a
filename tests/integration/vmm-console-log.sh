#!/bin/sh
# A guest cannot fill the host's disk through its console (issue 15): with
# --console-log-max, hv-vmm keeps at most that many bytes in the console
# log (hvd passes 16 MiB by default), its newest half once it is full,
# after a line saying the oldest part was dropped; without it, nothing is
# dropped.
. "$HV_TESTS_SRC/lib.sh"
need_kvm

# a counter at 200 Hz for 8 s, then poweroff: about 19 KiB when the guest
# keeps up; a loaded nested host has given as little as 2.2 KiB a second,
# still over twice the cap (4096, the least hv-vmm takes)
cap=4096
vmm "$T/out" --kernel "$MINIOS" --console-log-fd 9 --console-log-max $cap \
	--cmdline "workload=counter:200 runtime=8" 9<>"$T/capped.log"
expect_rc 0 "capped"
all=$(wc -c <"$T/out")
size=$(wc -c <"$T/capped.log")
[ "$all" -gt $((cap * 2)) ] || fail "the guest wrote only $all bytes: too few to fill the log twice"
[ "$size" -le $cap ] || fail "the capped log holds $size bytes, more than $cap"
[ "$size" -ge $((cap / 4)) ] || fail "the capped log holds only $size bytes: its newest half was not kept"
grep -q "^\[hv-vmm: the console log reached $cap bytes; its oldest part was dropped\]\$" \
	"$T/capped.log" || fail "the capped log does not say it dropped its oldest part"
# its end is the end of what the guest wrote
tail -c 200 "$T/out" >"$T/end.want"
tail -c 200 "$T/capped.log" >"$T/end.got"
cmp -s "$T/end.want" "$T/end.got" || fail "the capped log does not end with the guest's last output"
ok "a console log capped at $cap bytes holds $size of the $all the guest wrote: the newest, after a note"

vmm "$T/out" --kernel "$MINIOS" --console-log-fd 9 \
	--cmdline "workload=counter runtime=1" 9<>"$T/whole.log"
expect_rc 0 "uncapped"
cmp -s "$T/out" "$T/whole.log" || fail "without a cap the console log is not the whole output"
ok "without a cap the console log holds everything"
exit 0
