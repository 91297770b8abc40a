#!/bin/sh
# xl migrate of a Debian Linux domain, one level down: the guest counts on
# its console (hvtest=counter) and moves, live, from one hvd to a second
# one in the same outer host, and back; each time it goes on from where it
# was, without booting again, its uptime and wall clock never go back, and
# dmesg reports no soft lockups or clocksource trouble.  The steps are in
# migrate-outer.sh, run in the outer host.
. "$top_srcdir/tests/nested/linux-lib.sh"
for p in "$HV_XL" "$HV_HVD"; do
	[ -x "$p" ] || { echo "FAIL: $p was not built"; exit 1; }
done
bash "$nested_dir/run" --smp 2 --timeout "${HV_NESTED_TIMEOUT:-480}" \
	--file "$HV_XL:/bin/xl" --file "$HV_HVD:/bin/hvd" \
	--file "$nested_dir/migrate-outer.sh:/bin/migrate-outer.sh" \
	--file "$nested_dir/counter-lib.sh:/bin/counter-lib.sh" \
	-- sh /bin/migrate-outer.sh 2 >"$nested_out" 2>&1
nested_rc=$?
cat "$nested_out"
[ $nested_rc != 77 ] || exit 77
check "booted through xl create and counting" has_line "MIGRATE-TEST: booted"
check "xl migrate moved it to the second hvd; the counter and clocks went on" \
	has_line "MIGRATE-TEST: migrated there"
check "xl migrate moved it back; the counter and clocks went on" \
	has_line "MIGRATE-TEST: migrated back"
check "the outer script succeeded, got $nested_rc" status_is 0
finish
