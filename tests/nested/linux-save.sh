#!/bin/sh
# xl save and xl restore of a Debian Linux domain, one level down: the
# guest counts on its console (hvtest=counter); after xl save (the domain
# goes away) and xl restore, and after xl save -c (it runs on), xl destroy
# and xl restore --lazy, it goes on from where it was saved, without
# booting again, its uptime and wall clock never go back, and dmesg reports
# no soft lockups or clocksource trouble.  One round with 1 vCPU, one with
# 2; the steps themselves are in save-outer.sh, run in the outer host.
. "$top_srcdir/tests/nested/linux-lib.sh"
for p in "$HV_XL" "$HV_HVD"; do
	[ -x "$p" ] || { echo "FAIL: $p was not built"; exit 1; }
done
bash "$nested_dir/run" --smp 2 --timeout "${HV_NESTED_TIMEOUT:-480}" \
	--file "$HV_XL:/bin/xl" --file "$HV_HVD:/bin/hvd" \
	--file "$nested_dir/save-outer.sh:/bin/save-outer.sh" \
	--file "$nested_dir/counter-lib.sh:/bin/counter-lib.sh" \
	-- sh /bin/save-outer.sh 1 2 >"$nested_out" 2>&1
nested_rc=$?
cat "$nested_out"
[ $nested_rc != 77 ] || exit 77
for v in 1 2; do
	check "$v vCPU(s): booted through xl create and counting" \
		has_line "SAVE-TEST: booted \\($v vCPU"
	check "$v vCPU(s): xl save ended the domain and wrote its image" \
		has_line "SAVE-TEST: saved \\($v vCPU"
	check "$v vCPU(s): after xl restore the counter and clocks went on" \
		has_line "SAVE-TEST: restored \\($v vCPU"
	check "$v vCPU(s): after xl save -c the domain ran on" \
		has_line "SAVE-TEST: checkpointed \\($v vCPU"
	check "$v vCPU(s): xl restore --lazy of the checkpoint went on from it" \
		has_line "SAVE-TEST: restored the checkpoint lazily \\($v vCPU"
done
check "the outer script succeeded, got $nested_rc" status_is 0
finish
