#!/bin/sh
# The nested harness works: the outer host boots under QEMU TCG, loads
# kvm_amd, and kvmcheck runs a real-mode guest on its /dev/kvm; a failed
# command whose output shows a domain's triple fault runs once more; an
# outer host whose heartbeat stops is ended, not waited for to the limit,
# and booted once more.
: "${top_srcdir:?run me through make check (tests/env.sh)}"
: "${top_builddir:?run me through make check (tests/env.sh)}"
if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: bash not found (tests/nested/run needs it)"
	exit 77
fi
out=$(mktemp "${TMPDIR:-/tmp}/hv-nested-test.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT
bash "$top_srcdir/tests/nested/run" --smp 1 --timeout 300 \
	--file "$top_builddir/tests/nested/kvmcheck" -- kvmcheck >"$out" 2>&1
rc=$?
cat "$out"
[ $rc = 77 ] && exit 77
if [ $rc != 0 ]; then
	echo "FAIL: the harness or kvmcheck failed (status $rc)"
	exit 1
fi
if ! grep -a -q 'kvmcheck: ok (kvm_amd' "$out"; then
	echo "FAIL: kvmcheck did not report success on kvm_amd"
	exit 1
fi
for stage in 'HV-NESTED: outer host up' 'HV-NESTED: kvm ready' 'HV-NESTED-RESULT: 0'; do
	if ! grep -a -q "$stage" "$out"; then
		echo "FAIL: no '$stage' line"
		exit 1
	fi
done
echo "ok: outer host booted, kvm_amd loaded, kvmcheck ran"

# A command that fails and shows a domain's triple fault runs once more in
# a fresh outer host (and fails again here); one that fails otherwise
# does not.
tf='echo "hv-vmm: error: vcpu0: triple fault: the guest crashed"; exit 3'
bash "$top_srcdir/tests/nested/run" --smp 1 --timeout 300 -- sh -c "$tf" >"$out" 2>&1
rc=$?
if [ $rc != 3 ] || [ "$(grep -a -c 'triple-faulted (console above): booting it once more' "$out")" != 1 ] ||
	[ "$(grep -a -c 'HV-NESTED: outer host up' "$out")" != 2 ]; then
	cat "$out"
	echo "FAIL: a triple-faulted command was not run exactly twice (status $rc)"
	exit 1
fi
bash "$top_srcdir/tests/nested/run" --smp 1 --timeout 300 -- sh -c 'exit 4' >"$out" 2>&1
rc=$?
if [ $rc != 4 ] || grep -a -q 'once more' "$out"; then
	cat "$out"
	echo "FAIL: a plain failure was not reported as it was, once (status $rc)"
	exit 1
fi
echo "ok: a failure showing a triple fault runs once more, another failure does not"

# An outer host that stops running: here the command stops every other
# process after the first heartbeat (the heartbeat's loop among them) and
# sleeps on.  The heartbeat watch ends it HV_NESTED_STALL_S after the last
# beat and boots it once more; the same again ends the run with 124, long
# before the time limit.
stall='sleep 12; kill -STOP -1; exec sleep 600'
t0=$(date +%s)
HV_NESTED_STALL_S=20 bash "$top_srcdir/tests/nested/run" --smp 1 --timeout 500 -- sh -c "$stall" >"$out" 2>&1
rc=$?
took=$(($(date +%s) - t0))
if [ $rc != 124 ] || [ "$(grep -a -c 'no heartbeat for 20 s after the one at' "$out")" != 1 ] ||
	! grep -a -q 'stopped running (no heartbeat for 20 s) twice' "$out" ||
	[ "$(grep -a -c 'HV-NESTED: outer host up' "$out")" != 2 ] || [ "$took" -ge 450 ]; then
	cat "$out"
	echo "FAIL: an outer host whose heartbeat stopped was not ended and booted once more (status $rc, $took s)"
	exit 1
fi
echo "ok: an outer host whose heartbeat stops is ended after 20 s without one and booted once more ($took s for both)"
