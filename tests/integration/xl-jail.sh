#!/bin/sh
# Every hv-vmm hvd starts is jailed (issue 15, finding 1): a running
# domain's hv-vmm has the uid and gid of its domid in hvd's range, no
# capabilities, Seccomp 2 and NoNewPrivs 1, namespaces and a root other than
# hvd's, and no descriptor hvd inherited from whoever started it (xl here,
# with a file open on descriptor 9).  A jailed hv-vmm that makes a system
# call outside its filter is stopped, and xl and hvd's log say why; a jailed
# hv-vmm cannot open host files, yet the domain it runs boots.  Each thread
# narrows the filter to its kind: the vCPUs', a disk's thread pool's, and a
# restore's background threads (a domain with a disk saves and restores
# under them).  HV_JAIL=0
# (hvd --no-jail) is the control: the same checks fail there.  A per-user
# hvd (run as nobody) jails its hv-vmms too, in a user namespace of their
# own, with the user's uid (where nobody may use /dev/kvm: in the nested
# harness's outer host, or on a host that lets it).
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd python3
BASE=1879048192

hvd_pid() { cat "$HV_RUNDIR/hvd.pid" 2>/dev/null; }
hvd_restart() {
	p=$(hvd_pid)
	[ -z "$p" ] || kill "$p" 2>/dev/null
	[ -z "$p" ] || wait_for 20 sh -c "! kill -0 $p 2>/dev/null" || fail "hvd $p did not stop"
}
# narrowed PID: how many vCPU and disk threads (named vcpuN and blkio: a
# jailed thread names itself) PID has; fails where one lacks the second
# seccomp filter of its own.  KVM's worker threads in the process (a recent
# kernel's kvm-nx-lpage-recovery) inherit the filters of the thread that
# made them, so threads are told apart by name.
narrowed() {
	_n=0
	for t in /proc/"$1"/task/*; do
		_c=$(cat "$t/comm" 2>/dev/null)
		case $_c in vcpu* | blkio) ;; *) continue ;; esac
		_f=$(awk '$1 == "Seccomp_filters:" { print $2 }' "$t/status" 2>/dev/null)
		[ "$_f" = 2 ] || fail "hv-vmm $1's thread $_c has $_f seccomp filters, not 2"
		_n=$((_n + 1))
	done
	echo "$_n"
}
status_of() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# the variables hvd starts with are its own: no probe, the jail on
unset HV_VMM_JAIL_PROBE HV_JAIL

# hvd starts with xl's descriptor 9 open: hv-vmm must not have it
: >"$T/leak"
exec 9<"$T/leak"
mkcfg j1 'extra = "workload=counter"'
xl_ok create "$T/j1.cfg"
exec 9<&-
wait_dom_line j1 "$HV_LOGDIR/console/j1.log" 'minios: counter' 30 || fail "j1 did not boot"
id=$(field j1 2)
pid=$(live_vmm_pid j1) || exit 1
hvd=$(hvd_pid)
[ -n "$pid" ] && [ -n "$hvd" ] || fail "no hv-vmm pid ($pid) or hvd pid ($hvd)"
holds "$hvd" "$T/leak" || echo "note: hvd did not inherit descriptor 9 (libhv closed it)"
uid=$((BASE + id))
[ "$(status_of "$pid" Uid)" = "$uid $uid $uid $uid" ] || fail "j1's hv-vmm: Uid $(status_of "$pid" Uid), expected $uid"
[ "$(status_of "$pid" Gid)" = "$uid $uid $uid $uid" ] || fail "j1's hv-vmm: Gid $(status_of "$pid" Gid)"
for c in CapPrm CapEff CapBnd CapAmb; do
	[ "$(status_of "$pid" $c)" = 0000000000000000 ] || fail "j1's hv-vmm: $c $(status_of "$pid" $c)"
done
[ "$(status_of "$pid" Seccomp)" = 2 ] || fail "j1's hv-vmm: Seccomp $(status_of "$pid" Seccomp)"
[ "$(status_of "$pid" NoNewPrivs)" = 1 ] || fail "j1's hv-vmm: NoNewPrivs $(status_of "$pid" NoNewPrivs)"
[ "$(narrowed "$pid")" = 2 ] || fail "j1 has 2 vCPUs but $(narrowed "$pid") threads named vcpuN"
ok "j1's hv-vmm: uid and gid $uid (domain $id), no capabilities, Seccomp 2 (its 2 vCPU threads 2 filters), NoNewPrivs 1"
for ns in pid mnt net ipc uts; do
	[ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink "/proc/$hvd/ns/$ns")" ] ||
		fail "j1's hv-vmm shares hvd's $ns namespace"
done
[ -z "$(ls -A "/proc/$pid/root/")" ] || fail "j1's hv-vmm's root is not empty"
# the network namespace hvd's hv-vmms share: a loopback, down, and nothing else
if command -v nsenter >/dev/null && command -v ip >/dev/null; then
	links=$(nsenter --net="/proc/$pid/ns/net" ip -o link show)
	[ "$(echo "$links" | wc -l)" = 1 ] && echo "$links" | grep -q '^1: lo: .*state DOWN' ||
		fail "j1's hv-vmm's network namespace has: $links"
fi
ok "j1's hv-vmm: its own pid, mount, IPC and UTS namespaces, a network namespace with only a loopback that is down, an empty root"
for fd in /proc/"$pid"/fd/*; do
	t=$(readlink "$fd")
	case $t in
	/dev/null | /dev/kvm | anon_inode:* | socket:* | pipe:* | /memfd:* | /proc/*/pagemap) ;;
	"$HV_LOGDIR/vmm-j1.log" | "$HV_LOGDIR/console/j1.log" | "$HV_RUNDIR"/*/exit) ;;
	*) ls -l "/proc/$pid/fd" >&2; fail "j1's hv-vmm has descriptor ${fd##*/} open on $t" ;;
	esac
done
ok "j1's hv-vmm holds no host file but its logs, its exit file and /dev/kvm (nothing inherited)"
xl_ok destroy j1
wait_for 20 gone j1 || fail "j1 is still there"

# a system call outside the filter: the create fails, and says why
hvd_restart
mkcfg j2 'extra = "workload=counter"'
export HV_VMM_JAIL_PROBE=socket
xl create "$T/j2.cfg"
unset HV_VMM_JAIL_PROBE
[ "$rc" != 0 ] || fail "a create whose hv-vmm made socket() succeeded"
grep -q 'seccomp filter' "$T/err" || { cat "$T/err" >&2; fail "xl did not say the seccomp filter stopped hv-vmm"; }
expect_line "$HV_LOGDIR/hvd.log" 'was stopped by its jail.s seccomp filter' "hvd's log"
expect_line "$HV_LOGDIR/hvd.log" 'system call 41 \(socket\)' "hvd's log names the call"
gone j2 || fail "the failed j2 was left behind"
ok "a jailed hv-vmm's socket() stops it: xl says so, hvd's log names the call, nothing is left"

# host files: refused, and the domain still boots
hvd_restart
mkcfg j3 'extra = "workload=counter"'
export HV_VMM_JAIL_PROBE=files
xl_ok create "$T/j3.cfg"
unset HV_VMM_JAIL_PROBE
wait_dom_line j3 "$HV_LOGDIR/console/j3.log" 'minios: counter' 30 || fail "j3 did not boot"
expect_line "$HV_LOGDIR/vmm-j3.log" 'jail probe: open /etc/shadow: Permission denied' "j3's probe"
expect_line "$HV_LOGDIR/vmm-j3.log" 'jail probe: open /etc/hv-jail-probe: Permission denied' "j3's probe"
[ ! -e /etc/hv-jail-probe ] || fail "the jail made /etc/hv-jail-probe"
xl_ok destroy j3
ok "a jailed hv-vmm cannot open /etc/shadow nor make files in /etc; its domain boots"

# every kind of thread narrows the filter to what it does (the vCPUs, a
# disk's I/O threads, a restore's background copy and checksums): a domain
# whose disk goes through hv-vmm's thread pool runs its disk under them,
# and saves and restores with its disk going on
hvd_restart
export HV_VMM_BLKIO=threads
truncate -s 16M "$T/j5.img"
mkcfg j5 'memory = 64' 'extra = "workload=counter workload=blk-cycle:vda:1000:0:256"' \
	"disk = [ \"$T/j5.img,raw,xvda,rw\" ]"
xl_ok create "$T/j5.cfg"
unset HV_VMM_BLKIO
wait_dom_line j5 "$HV_LOGDIR/console/j5.log" 'minios: blk vda cycle 2 ok' 30 || fail "j5's disk does not work"
pid=$(vmm_pid j5)
n=$(narrowed "$pid")
[ "$n" = 6 ] || fail "j5 has 2 vCPUs and 4 disk threads, but $n threads named vcpuN or blkio"
xl_ok save j5 "$T/j5.save"
xl restore "$T/j5.save"
[ "$rc" = 0 ] || { cat "$T/err" >&2; tail -n 20 "$HV_LOGDIR/vmm-j5.log" >&2; fail "j5 does not restore jailed"; }
_n=$(wc -l <"$HV_LOGDIR/console/j5.log")
wait_for 30 sh -c "tail -n +$((_n + 1)) '$HV_LOGDIR/console/j5.log' | grep -q 'minios: blk vda cycle [0-9]* ok'" ||
	{ tail -n 20 "$HV_LOGDIR/vmm-j5.log" >&2; fail "j5's disk does not go on after its restore"; }
grep -q 'blk vda.*FAILED' "$HV_LOGDIR/console/j5.log" && fail "j5's disk data is wrong"
grep -q 'seccomp filter' "$HV_LOGDIR/vmm-j5.log" && fail "a filter stopped j5's hv-vmm"
xl_ok destroy j5
ok "each thread narrows its filter (j5: 2 vCPUs and 4 disk threads with 2 filters); its disk works, it saves and restores"

# the control: hvd --no-jail (HV_JAIL=0) runs hv-vmm as root, as before
hvd_restart
mkcfg j4 'extra = "workload=counter"'
export HV_JAIL=0
xl_ok create "$T/j4.cfg"
unset HV_JAIL
pid=$(vmm_pid j4)
[ "$(status_of "$pid" Uid)" = "0 0 0 0" ] || fail "HV_JAIL=0: hv-vmm's Uid $(status_of "$pid" Uid)"
[ "$(status_of "$pid" Seccomp)" = 0 ] || fail "HV_JAIL=0: hv-vmm's Seccomp $(status_of "$pid" Seccomp)"
xl_ok destroy j4
hvd_restart
ok "the control: with HV_JAIL=0 hv-vmm runs as root without a filter"

# a per-user hvd: its hv-vmms keep the user's uid, in a user namespace
nobody=$(id -u nobody 2>/dev/null) || nobody=
if [ -n "$nobody" ] && command -v runuser >/dev/null && [ -n "${HV_NESTED_INNER:-}" ]; then
	chmod o+rw /dev/kvm	# the nested harness's outer host is ours to change
fi
if [ -z "$nobody" ] || ! command -v runuser >/dev/null; then
	echo "note: no user nobody or no runuser: the per-user hvd is not tried"
elif ! runuser -u nobody -- test -r /dev/kvm -a -w /dev/kvm; then
	echo "note: nobody may not use /dev/kvm here: the per-user hvd is not tried"
elif ! runuser -u nobody -- unshare -U true 2>/dev/null; then
	# as in a chroot (the nested harness's outer host runs the tests in one)
	echo "note: nobody cannot make a user namespace here: the per-user hvd is not tried"
else
	user_minios
	mkdir -m 700 "$U/run" "$U/log"
	chown nobody "$U/run" "$U/log"
	printf 'name = "u1"\nkernel = "%s"\nmemory = 64\nvcpus = 1\nextra = "workload=counter"\n' \
		"$U/minios" >"$U/u1.cfg"
	uxl() {
		runuser -u nobody -- env HV_RUNDIR="$U/run" HV_LOGDIR="$U/log" HV_HVD="$HV_HVD" \
			HV_VMM="$HV_VMM" HV_XL_CONF= "$XL" "$@"
	}
	uxl create "$U/u1.cfg" >"$T/out" 2>&1 || { cat "$T/out" "$U/log/hvd.log" >&2; rm -rf "$U"; fail "nobody's xl create failed"; }
	pid=$(uxl list -l u1 | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["info"]["vmm_pid"])')
	uhvd=$(cat "$U/run/hvd.pid")
	r=0
	[ "$(status_of "$pid" Uid)" = "$nobody $nobody $nobody $nobody" ] || r="Uid $(status_of "$pid" Uid)"
	for c in CapPrm CapEff CapBnd CapAmb; do
		[ "$(status_of "$pid" $c)" = 0000000000000000 ] || r="$c $(status_of "$pid" $c)"
	done
	[ "$(status_of "$pid" Seccomp)" = 2 ] || r="Seccomp $(status_of "$pid" Seccomp)"
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ] || r="NoNewPrivs $(status_of "$pid" NoNewPrivs)"
	for ns in user pid mnt net ipc uts; do
		[ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink "/proc/$uhvd/ns/$ns")" ] || r="shares hvd's $ns namespace"
	done
	[ -z "$(ls -A "/proc/$pid/root/" 2>/dev/null)" ] || r="its root is not empty"
	uxl destroy u1 >/dev/null 2>&1
	kill "$uhvd" 2>/dev/null
	wait_for 20 sh -c "! kill -0 $uhvd 2>/dev/null" || true
	rm -rf "$U"
	[ "$r" = 0 ] || fail "nobody's hv-vmm: $r"
	ok "a per-user hvd's hv-vmm: the user's uid, no capabilities, Seccomp 2, its own user, pid, mount, network, IPC and UTS namespaces, an empty root"
fi
