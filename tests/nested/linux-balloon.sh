#!/bin/sh
# Ballooning with a Debian Linux domain, one level down (issue 13): Linux's
# own virtio_balloon driver against hv-vmm's device, driven with xl
# mem-set and mem-max, and deflate-on-oom; the steps are in
# balloon-outer.sh (the outer host) and inner-init's hvtest=balloon and
# hvtest=balloon-oom (the guests).
. "$top_srcdir/tests/nested/linux-lib.sh"
for p in "$HV_XL" "$HV_HVD"; do
	[ -x "$p" ] || { echo "FAIL: $p was not built"; exit 1; }
done
bash "$nested_dir/run" --smp 2 --timeout "${HV_NESTED_TIMEOUT:-900}" \
	--file "$HV_XL:/bin/xl" --file "$HV_HVD:/bin/hvd" \
	--file "$nested_dir/balloon-outer.sh:/bin/balloon-outer.sh" \
	-- sh /bin/balloon-outer.sh >"$nested_out" 2>&1
nested_rc=$?
cat "$nested_out"
[ $nested_rc != 77 ] || exit 77
check "the guest booted pre-ballooned: 320 MiB of RAM, 256 once its driver inflated" \
	has_line 'BALLOON-TEST: boot:'
check "hv-vmm runs in the domain's memory cgroup, limited to maxmem + 64 MiB + 1/64" \
	has_line 'BALLOON-TEST: cgroup:'
check "pages the guest freed went back to the host (free page reporting)" \
	has_line 'BALLOON-TEST: reporting:'
check "xl mem-set 192m: the guest's MemTotal shrank by 64 MiB, xl list shows 192" \
	has_line 'BALLOON-TEST: shrink:'
check "xl list -l has the guest's memory statistics" has_line 'BALLOON-TEST: stats:'
check "a target above maxmem, a cap below the target, a bad size: refused" \
	has_line 'BALLOON-TEST: refusals:'
check "xl mem-max 240m: the cgroup limit and the description follow" \
	has_line 'BALLOON-TEST: cap:'
check "xl mem-set 320m: the guest's MemTotal grew by 128 MiB" has_line 'BALLOON-TEST: grow:'
check "xl destroy removed the domain's cgroup" has_line 'BALLOON-TEST: cleanup:'
check "deflate-on-oom: a guest filling more than it has free gets pages from its balloon" \
	has_line 'BALLOON-TEST: oom:'
check "the outer script succeeded, got $nested_rc" status_is 0
finish
