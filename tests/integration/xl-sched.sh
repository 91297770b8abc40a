#!/bin/sh
# A domain's CPU weight and cap (xl.cfg's cpu_weight and cap, xl
# sched-credit and sched-credit2): hvd applies them through the domain's
# cgroup (v2 cpu.weight and cpu.max, or v1 cpu.shares and
# cpu.cfs_quota_us), changes them while the domain runs, and keeps them in
# its configuration, so a restart has them.  In the nested harness's outer
# host, which mounts no cgroups, the test mounts cgroup v2 itself (that host
# is the test's to change); on a host without a cpu controller only the
# configuration part is checked.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

if [ -n "${HV_NESTED_INNER:-}" ] && ! grep -qw cgroup2 /proc/self/mounts &&
	! grep -q ' cgroup .*cpu[,\ ]' /proc/self/mounts; then
	mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "cannot mount cgroup v2 in the outer host"
fi

mkcfg s1 'extra = "workload=counter"' 'cpu_weight = 512' 'cap = 50' 'on_reboot = "restart"'
xl_ok create "$T/s1.cfg"
wait_dom_line s1 "$HV_LOGDIR/console/s1.log" 'minios: counter' 30 || fail "s1 did not boot"
id=$(field s1 2)
pid=$(vmm_pid s1)

# sched-credit shows what the configuration says, Domain-0 first
xl_ok sched-credit
expect_line "$T/out" '^Name +ID +Weight +Cap$' "sched-credit's header"
expect_line "$T/out" '^Domain-0 +0 +256 +0$' "sched-credit's Domain-0 row"
expect_line "$T/out" "^s1 +$id +512 +50\$" "sched-credit's s1 row"
xl_ok sched-credit2 -d s1
[ "$(grep -c . "$T/out")" = 2 ] || { cat "$T/out" >&2; fail "sched-credit2 -d s1 printed more than s1"; }
ok "sched-credit and sched-credit2 show s1's weight 512 and cap 50, and Domain-0's defaults"

# the cgroup hvd put s1's hv-vmm in
base=$(sed -n 's/.*CPU weight and cap are applied in cgroup v\([12]\) groups under \(.*\)$/\1 \2/p' \
	"$HV_LOGDIR/hvd.log" | tail -n 1)
cg_check() {	# WEIGHT CAP: the group's files say them
	if [ "$ver" = 2 ]; then
		w=$(cat "$dir/cpu.weight")
		c=$(cat "$dir/cpu.max")
		want_w=$(( ($1 * 100 + 128) / 256 ))
		if [ "$2" = 0 ]; then want_c="max 100000"; else want_c="$(($2 * 1000)) 100000"; fi
	else
		w=$(cat "$dir/cpu.shares")
		c=$(cat "$dir/cpu.cfs_quota_us")
		want_w=$(($1 * 4))
		if [ "$2" = 0 ]; then want_c=-1; else want_c=$(($2 * 1000)); fi
	fi
	[ "$w" = "$want_w" ] && [ "$c" = "$want_c" ] ||
		fail "$dir: weight $w, cap $c; expected $want_w, $want_c (weight $1, cap $2)"
}
if [ -n "$base" ]; then
	ver=${base%% *}
	dir=${base#* }/dom$id
	grep -qx "$pid" "$dir/cgroup.procs" || fail "s1's hv-vmm ($pid) is not in $dir"
	cg_check 512 50
	ok "s1's hv-vmm is in its cgroup v$ver group with weight 512 and cap 50% applied"
else
	echo "note: hvd has no cpu cgroup controller here: the cgroup is not checked"
fi

# changed while it runs, kept in the configuration
if [ -n "$base" ]; then
	xl_ok sched-credit -d s1 -w 128 -c 0
	cg_check 128 0
	xl_ok sched-credit -d s1 -c 150
	cg_check 128 150
else
	xl_rc 1 sched-credit -d s1 -w 128 -c 0
	grep -q 'no cpu cgroup controller' "$T/err" || { cat "$T/err" >&2; fail "the refusal does not say why"; }
fi
if [ -n "$base" ]; then
	xl_ok list -l s1
	grep -q '"cpu_weight": 128' "$T/out" && grep -q '"cpu_cap": 150' "$T/out" ||
		{ cat "$T/out" >&2; fail "s1's configuration does not hold the new weight and cap"; }
	xl_ok sched-credit -d s1
	expect_line "$T/out" "^s1 +$id +128 +150\$" "sched-credit after the change"
	ok "sched-credit -w and -c change the running s1's group at once and its configuration"

	# a restart takes them along
	xl_ok reboot s1
	wait_for 30 new_id s1 "$id" || fail "s1 did not restart (xl list: $(field s1 5))"
	id=$(field s1 2)
	dir=${base#* }/dom$id
	wait_for 10 test -f "$dir/cgroup.procs" || fail "no group $dir after the restart"
	cg_check 128 150
	ok "after a restart s1 (domain $id) has weight 128 and cap 150% again"
fi

# refusals
xl_rc 2 sched-credit -d s1 -w 0
xl_rc 2 sched-credit -d s1 -w 65536
xl_rc 2 sched-credit -d s1 -c 102401
xl_rc 2 sched-credit -w 5
xl_rc 1 sched-credit -d nosuch -w 5
xl_rc 1 sched-credit -d Domain-0 -w 5
xl_rc 1 sched-credit -t 10
mkcfg bad 'cpu_weight = 70000'
xl_rc 1 create "$T/bad.cfg"
grep -q 'cpu_weight' "$T/err" || { cat "$T/err" >&2; fail "a weight of 70000 is not named"; }
ok "out-of-range weights and caps, a missing domain, Domain-0 and Linux's own knobs are refused"
xl_ok destroy s1
