#!/bin/sh
# hv-vmm's jail (issue 15, finding 1), as hv-vmm run --jail builds it: the
# same code hvd's hv-vmms run (hypervisor/vmm/jail.c).  The jail is entered
# before hv-vmm looks at the domain, so it is tried here without KVM:
# HV_VMM_JAIL_PROBE makes the jailed hv-vmm try what a guest that took it
# over would.  Checks, from outside, the jailed process's uid and gid, its
# capabilities (none, bounding set included), Seccomp 2 and NoNewPrivs 1,
# namespaces other than the host's, an empty read-only root, its rlimits,
# and its descriptors: the named ones and what it opened, nothing inherited.
# From inside: host files cannot be opened or made, and socket, ptrace,
# mount, execve, fork, setuid, kill, unshare and executable memory each stop
# hv-vmm with a line naming the system call.  Where /dev/kvm is usable, a
# jailed domain powers off three times on one disk image, back to back.  And --jail self, as nobody:
# the user's uid in a user namespace of its own.  Needs root.
. "$HV_TESTS_SRC/lib.sh"
[ -x "$HV_VMM" ] || skip "hv-vmm is not built ($HV_VMM)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"
[ "$(id -u)" = 0 ] || skip "needs root (the jail changes uid and makes namespaces)"
JUID=1879048199
JGID=1879048200

# --jail's argument
vmm "$T/bad" --jail 0 --kernel "$MINIOS" --console file:/dev/null
expect_rc 1 "--jail 0"
expect_line "$T/bad.err" 'other than 0 \(root\)' "--jail 0's message"
vmm "$T/bad" --jail 5:x --kernel "$MINIOS" --console file:/dev/null
expect_rc 1 "--jail 5:x"
ok "--jail refuses root and malformed ids"

# The jailed process seen from outside, while it waits (probe "wait") with a
# descriptor it inherited (9) and one it was told of (--console-log-fd 7).
mkfifo "$T/in"
: >"$T/leak"
: >"$T/conlog"
(
	exec 9<"$T/leak" 7>>"$T/conlog"
	HV_VMM_JAIL_PROBE=wait exec "$HV_VMM" run --jail "$JUID:$JGID" --kernel "$MINIOS" \
		--console file:/dev/null --console-log-fd 7 <"$T/in" 2>"$T/wait.err"
) &
relay=$!
exec 8>"$T/in"
wait_line "$T/wait.err" 'jail probe: waiting' 20 || { cat "$T/wait.err" >&2; fail "the jailed hv-vmm did not get to its probe"; }
jailed=$(cat "/proc/$relay/task/$relay/children" | tr -d ' ')
[ -n "$jailed" ] || fail "no child of the relay $relay"
st=/proc/$jailed/status
field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$st"; }
[ "$(field Uid)" = "$JUID $JUID $JUID $JUID" ] || fail "Uid: $(field Uid)"
[ "$(field Gid)" = "$JGID $JGID $JGID $JGID" ] || fail "Gid: $(field Gid)"
[ -z "$(field Groups)" ] || fail "Groups: $(field Groups)"
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
	[ "$(field $c)" = 0000000000000000 ] || fail "$c: $(field $c)"
done
[ "$(field Seccomp)" = 2 ] || fail "Seccomp: $(field Seccomp)"
[ "$(field NoNewPrivs)" = 1 ] || fail "NoNewPrivs: $(field NoNewPrivs)"
[ "$(field NSpid | awk '{ print $NF }')" = 1 ] || fail "not PID 1 of its namespace: NSpid $(field NSpid)"
ok "uid $JUID gid $JGID, no groups, no capabilities in any set, Seccomp 2, NoNewPrivs 1, PID 1"
for ns in pid mnt net ipc uts cgroup; do
	[ "$(readlink "/proc/$jailed/ns/$ns")" != "$(readlink "/proc/$$/ns/$ns")" ] ||
		fail "its $ns namespace is the host's"
done
ok "pid, mount, network, IPC, UTS and cgroup namespaces of its own"
[ -z "$(ls -A "/proc/$jailed/root/")" ] || fail "its root is not empty: $(ls -A "/proc/$jailed/root/")"
grep -Eq '^[0-9]+ [0-9]+ [0-9:]+ / / ro,nosuid,nodev,noexec' "/proc/$jailed/mountinfo" ||
	{ cat "/proc/$jailed/mountinfo" >&2; fail "its root is not a read-only nosuid nodev noexec mount"; }
[ "$(wc -l <"/proc/$jailed/mountinfo")" = 1 ] || { cat "/proc/$jailed/mountinfo" >&2; fail "it sees mounts other than its root"; }
ok "its root is an empty read-only tmpfs, the only mount it sees"
lim() { awk -v k="$1" 'index($0, k) == 1 { print $(NF - 2), $(NF - 1) }' "/proc/$jailed/limits"; }
[ "$(lim 'Max core file size')" = "0 0" ] || fail "core limit: $(lim 'Max core file size')"
[ "$(lim 'Max open files')" = "4096 4096" ] || fail "open files limit: $(lim 'Max open files')"
ok "rlimits: no core dumps, 4096 descriptors"
# its descriptors: stdio, the one it was told of, its loop and its timer,
# the kernel it was given, /proc/self/pagemap and, where the host has it,
# /dev/kvm (both opened before the jail), the pipe that takes its exit
# status to the relay: nothing inherited (9) and no host path but these
for fd in /proc/"$jailed"/fd/*; do
	n=${fd##*/}
	t=$(readlink "$fd")
	case $n:$t in
	0:"$T/in" | 1:* | 2:"$T/wait.err" | 7:"$T/conlog") ;;
	*:anon_inode:* | *:"$MINIOS" | *:/proc/*/pagemap | *:/dev/null | *:/dev/kvm | *:pipe:*) ;;
	*) ls -l "/proc/$jailed/fd" >&2; fail "descriptor $n ($t) is open in the jail" ;;
	esac
done
ls -l "/proc/$jailed/fd" | grep -q "$T/leak" && fail "the inherited descriptor 9 is still open"
ok "descriptors: only those it was told of and those it opened (the inherited one is closed)"
exec 8>&-
wait "$relay" || true

# From inside: files
HV_VMM_JAIL_PROBE=files vmm "$T/files" --jail "$JUID" --kernel "$MINIOS" --console file:/dev/null
for f in /etc/shadow /etc/hv-jail-probe /dev/kvm /proc/1/mem /; do
	expect_line "$T/files.err" "jail probe: open $f: Permission denied" "open $f in the jail"
done
[ ! -e /etc/hv-jail-probe ] || { rm -f /etc/hv-jail-probe; fail "the jail made /etc/hv-jail-probe"; }
ok "host files (/etc/shadow, /dev/kvm, /proc/1/mem) cannot be opened nor made in the jail"

# From inside: each of these stops hv-vmm, with a line that names it
for p in socket:socket ptrace:ptrace mount:mount execve:execve fork:fork setuid:setuid \
	kill:kill unshare:unshare exec-memory:mmap; do
	probe=${p%%:*}
	call=${p#*:}
	HV_VMM_JAIL_PROBE=$probe vmm "$T/p" --jail "$JUID" --kernel "$MINIOS" --console file:/dev/null
	expect_rc 159 "probe $probe"
	expect_line "$T/p.err" "seccomp filter stopped hv-vmm: thread 1 made system call [0-9]+ \\($call\\)" \
		"probe $probe"
	if grep -q 'the filter let it through' "$T/p.err"; then
		fail "probe $probe: $(cat "$T/p.err")"
	fi
done
ok "socket, ptrace, mount, execve, fork, setuid, kill, unshare and executable memory stop hv-vmm (status 159, the call named)"

# Standalone, the relay answers once the jailed hv-vmm has its status and
# has let go of its disks, not after its exit has released the VM and its
# namespaces (which a jailed hv-vmm cannot leave to a child): the next
# jailed hv-vmm takes the same image read-write at once, and none is left
# behind.  Needs /dev/kvm to run a guest.
if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
	truncate -s 1M "$T/j.img"
	for n in 1 2 3; do
		vmm "$T/r$n" --jail "$JUID:$JGID" --kernel "$MINIOS" --disk "$T/j.img" \
			--cmdline "action=poweroff" --console "file:$T/r$n.con"
		expect_rc 0 "a jailed domain on j.img powering off ($n of 3)"
	done
	n=0
	while pgrep -u "$JUID" >/dev/null; do
		n=$((n + 1))
		[ "$n" -le $(($(scaled 10) * 10)) ] || fail "a jailed hv-vmm outlived its relay: $(pgrep -a -u "$JUID")"
		sleep 0.1
	done
	ok "a jailed domain's poweroff: the relay answers 0, the next one takes its disk at once, none is left behind"
else
	echo "note: no usable /dev/kvm: a jailed domain's poweroff is not tried"
fi

# --jail self, not as root: the user's uid, in a user namespace of its own
nobody=$(id -u nobody 2>/dev/null) || nobody=
if [ -z "$nobody" ] || ! command -v runuser >/dev/null; then
	echo "note: no user nobody or no runuser: --jail self is not tried"
else
	user_minios
	vmm "$T/root-self" --jail self --kernel "$U/minios" --console file:/dev/null
	expect_rc 1 "--jail self as root"
	expect_line "$T/root-self.err" 'give a uid' "--jail self as root"
	mkfifo "$T/in2"
	(
		HV_VMM_JAIL_PROBE=wait exec runuser -u nobody -- "$HV_VMM" run --jail self \
			--kernel "$U/minios" --console file:/dev/null <"$T/in2" 2>"$T/self.err"
	) &
	exec 8>"$T/in2"
	if ! wait_line "$T/self.err" 'jail probe: waiting' 20; then
		cat "$T/self.err" >&2
		rm -rf "$U"
		grep -q 'cannot make a user namespace' "$T/self.err" &&
			skip "unprivileged user namespaces are turned off here"
		fail "hv-vmm --jail self did not get to its probe"
	fi
	jailed=
	for p in $(pgrep -u nobody -f "$U/minios"); do
		[ "$(awk '$1 == "NSpid:" { print $NF }' "/proc/$p/status")" = 1 ] && jailed=$p
	done
	[ -n "$jailed" ] || { rm -rf "$U"; fail "no jailed hv-vmm of nobody's"; }
	st=/proc/$jailed/status
	r=0
	[ "$(field Uid)" = "$nobody $nobody $nobody $nobody" ] || r="Uid $(field Uid)"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field $c)" = 0000000000000000 ] || r="$c $(field $c)"
	done
	[ "$(field Seccomp)" = 2 ] || r="Seccomp $(field Seccomp)"
	[ "$(field NoNewPrivs)" = 1 ] || r="NoNewPrivs $(field NoNewPrivs)"
	for ns in user pid mnt net ipc uts; do
		[ "$(readlink "/proc/$jailed/ns/$ns")" != "$(readlink "/proc/$$/ns/$ns")" ] || r="the host's $ns namespace"
	done
	[ -z "$(ls -A "/proc/$jailed/root/")" ] || r="its root is not empty"
	exec 8>&-
	wait
	rm -rf "$U"
	[ "$r" = 0 ] || fail "--jail self: $r"
	ok "--jail self (as nobody): nobody's uid, no capabilities, Seccomp 2, NoNewPrivs 1, its own user, pid, mount, network, IPC and UTS namespaces, an empty root; refused as root"
fi
