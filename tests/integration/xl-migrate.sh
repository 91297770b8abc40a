#!/bin/sh
# xl migrate between two hvds on this host (two HV_RUNDIRs), minios with the
# counter and dirty-page workloads, 1 and 4 vCPUs: the counter goes on at
# the destination exactly where it stopped at the source and the dirty
# pages verify; then every way a migration can fail before the hand-over
# leaves the domain running at the source, unchanged, and nothing at the
# destination: a receiver that is not hv, the destination refusing in
# preflight (a name it has), the stream cut, a byte of it flipped, a CPU
# the destination lacks, the receiver killed after the stream's end, a
# destination not ready within the downtime ceiling, the
# receiver killed mid-stream, the sender killed mid-stream, a guest that
# dirties faster than a bandwidth cap (timeout), TLS with a certificate of
# another CA; after GO with no report the source asks the destination by
# the migration's id and acts on it: the receiver killed at GO (nothing
# there: it resumes), the report lost (it runs there: this copy goes).
# Auto-converge makes the fast guest converge; --local copies no memory;
# TCP and TLS transports.  A domain with a
# disk (the lock moves at the hand-over), a ballooned one (its holes are
# not sent, its target is kept) and one with a vif (a new tap on
# the bridge at the destination, it answers pings there) migrate; the
# destination's xl list -l shows how the migration went; the
# usage totals go along.
#
# All in network and mount namespaces of the test's own (192.0.2.0/24),
# as tests/integration/xl-net.sh: the vif's bridge is made there.
if [ -z "${HV_XL_NET_NS:-}" ]; then
	HV_XL_NET_NS=1
	export HV_XL_NET_NS
	if command -v unshare >/dev/null 2>&1 && unshare -n -m true 2>/dev/null; then
		exec unshare -n -m sh -c 'mount -t sysfs sysfs /sys && exec sh "$0" "$@"' "$0" "$@"
	fi
	HV_XL_NET_NS=none	# no namespaces: the vif case is left out
fi
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
. "$HV_TESTS_SRC/integration/mig-lib.sh"

# runs_on NAME WHAT: after a failed migration, NAME runs at the source,
# its counter goes on, and B has nothing
runs_on() {
	running "$1" || { xl_said; tail -n 12 "$(conlog "$1")" >&2; why_not_running "$1"
		fail "$2: $1 is '$(field "$1" 5)' at the source, not running"; }
	advancing "$(conlog "$1")" || fail "$2: $1's counter stopped at the source"
	wait_for 20 no_domains_b || { xlb list >&2; fail "$2: the destination kept a domain"; }
	grep -q "dirty verify FAILED" "$(conlog "$1")" && fail "$2: $1's memory changed"
	ok "$2: $1 runs on at the source, the destination has nothing"
}

# rec LOGDIR NAME WHY: the CPU time in NAME's last usage record that says WHY
rec() { grep "\"name\":\"$2\"" "$1/usage.jsonl" | grep "\"why\":\"$3\"" | tail -n 1 |
	sed -n 's/.*"cpu_ns":\([0-9]*\).*/\1/p'; }

# --- migrate A -> B -> A, 1 and 4 vCPUs ----------------------------------------

for v in 1 4; do
	n=m$v
	mkcfg "$n" "vcpus = $v" 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
	xl_ok create -q "$T/$n.cfg"
	wait_dom_line "$n" "$(conlog "$n")" 'minios: dirty 8 MiB' 30 || fail "$n did not boot"
	wait_line "$(conlog "$n")" 'minios: counter 3' 30 || fail "$n does not count"
	xl_ok migrate --debug --downtime-ms "$(scaled 2000)" -s "" "$n" "$RECV_B"
	grep -q "^Migrating domain [0-9]* ($n) to .*\.\.\. done in .* downtime [0-9.]* ms" "$T/err" ||
		{ cat "$T/err" >&2; fail "migrate $n: no summary"; }
	wait_for 10 gone "$n" || fail "$n is still at the source after the migration"
	running_b "$n" || { xlb list >&2; fail "$n is not running at the destination"; }
	[ "$(field_b "$n" 4)" = "$v" ] || fail "$n has $(field_b "$n" 4) vCPUs at the destination, not $v"
	before=$(last_counter "$(conlog "$n")")
	wait_for 20 past "$(conlog_b "$n")" $((before + 2)) ||
		{ tail "$(conlog_b "$n")" >&2; fail "$n does not count at the destination"; }
	first=$(seam_counter "$(conlog "$n")" "$(conlog_b "$n")")
	[ "$first" = $((before + 1)) ] || { tail -c 200 "$(conlog "$n")" >&2; echo "--- at B:" >&2
		head -c 200 "$(conlog_b "$n")" >&2
		fail "$n's counter went on at $first at the destination, after $before at the source"; }
	grep -q 'minios: boot ok' "$(conlog_b "$n")" && fail "$n booted again at the destination"
	wait_line "$(conlog_b "$n")" 'minios: dirty verify ok pages=[1-9]' 20 ||
		{ tail "$(conlog_b "$n")" >&2; fail "$n's dirty pages did not verify at the destination"; }
	grep -q 'dirty verify FAILED' "$(conlog_b "$n")" && fail "$n's dirty pages changed in the migration"
	ok "migrate, $v vCPU(s): the counter goes on at $first, the dirty pages verify"
	sed -n 's/^Migrating domain [0-9]* /  /p' "$T/err"

	# B keeps how it went (xl list -l), the downtime up to the source's
	# figure, which counts a round trip more; across a restart of B's hvd too
	sent_down=$(sed -n 's/^Migrating domain .* downtime \([0-9.]*\) ms.*/\1/p' "$T/err")
	[ "$v" = 1 ] || { kill -9 "$(cat "$B_RUNDIR/hvd.pid")"; wait_for 10 sh -c "! kill -0 $(cat "$B_RUNDIR/hvd.pid") 2>/dev/null"; }
	xlb list -l "$n" >"$T/listl" || fail "xl list -l $n at B"
	mig=$(tr -d ' \n' <"$T/listl" | sed -n 's/.*"migration":{\([^}]*\)}.*/\1/p')
	down=$(echo "$mig" | sed -n 's/.*"downtime_ms":\([0-9.]*\).*/\1/p')
	echo "$mig" | grep -q '"id":"[0-9a-f]\{32\}"' && [ -n "$down" ] && [ -n "$sent_down" ] &&
		awk -v d="$down" -v s="$sent_down" 'BEGIN { exit !(d > 0 && d <= s + 0.01) }' ||
		{ cat "$T/listl" >&2; fail "$n at B: xl list -l shows no migration, or a downtime ($down ms) not in (0, $sent_down]"; }
	ok "xl list -l at B: the migration, downtime $down ms (the source said $sent_down)$([ "$v" = 1 ] || echo ", after B's hvd restarted")"

	# B's totals go on from A's at the hand-over, the pre-copy rounds
	# included: what B carries is what A's record of its copy says, less
	# the little A's paused copy used after GO
	if [ "$v" = 1 ]; then
		a_cpu=$(rec "$HV_LOGDIR" "$n" migrated)
		carried=$(sed -n 's/^carried_cpu_ns=//p' "$B_RUNDIR/domains/$(field_b "$n" 2)/state")
		[ -n "$a_cpu" ] && [ -n "$carried" ] && [ "$carried" -le "$a_cpu" ] &&
			[ $((carried / 1000 * 100)) -ge $((a_cpu / 1000 * 97)) ] ||
			fail "$n at B carries ${carried:-no} ns of CPU, A's record says ${a_cpu:-nothing}"
		ok "usage at B: $carried ns of CPU carried, A's record of its copy says $a_cpu"
	fi

	# and back, compressed
	lines=$(wc -l <"$(conlog_b "$n")")
	rc=0
	timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate -q -z \
		--downtime-ms "$(scaled 2000)" -s "" "$n" "$RECV_A" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || { xl_said; fail "migrate $n back: exit status $rc"; }
	wait_for 10 gone_b "$n" || fail "$n is still at B after the migration back"
	running "$n" || fail "$n is not running at A after the migration back"
	before=$(head -n "$lines" "$(conlog_b "$n")" | tr -d '\r' | sed -n 's/^minios: counter \([0-9]*\)$/\1/p' | tail -n 1)
	wait_for 20 past "$(conlog "$n")" $((before + 2)) || fail "$n does not count back at A"
	ok "migrate -z back, $v vCPU(s)"
	xl_ok destroy "$n"
done

# --- --local: the memory goes as the memfd itself, nothing is copied -----------------

mkcfg l 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
xl_ok create -q "$T/l.cfg"
wait_dom_line l "$(conlog l)" 'minios: counter 3' 30 || fail "l did not boot"
xl_ok migrate --local --debug --downtime-ms "$(scaled 2000)" -s "" l "$RECV_B"
sed -n 's/^Migrating domain [0-9]* /  /p' "$T/err"
sent=$(sed -n 's/.*; \([0-9.]*\) MiB sent in .*/\1/p' "$T/err")
[ -n "$sent" ] && awk -v s="$sent" 'BEGIN { exit !(s < 1) }' ||
	{ cat "$T/err" >&2; fail "--local sent ${sent:-?} MiB: the memory was copied"; }
grep -q "nothing copied" "$B_LOGDIR/vmm-l.log" || { tail "$B_LOGDIR/vmm-l.log" >&2; fail "--local: the destination did not map the sender's memory"; }
wait_for 10 gone l || fail "--local: l is still at the source"
before=$(last_counter "$(conlog l)")
wait_for 20 past "$(conlog_b l)" $((before + 2)) || fail "--local: l does not count at the destination"
first=$(seam_counter "$(conlog l)" "$(conlog_b l)")
[ "$first" = $((before + 1)) ] || fail "--local: l went on at $first, after $before"
wait_line "$(conlog_b l)" 'minios: dirty verify ok pages=[1-9]' 20 || fail "--local: l's dirty pages did not verify"
xlb destroy l >/dev/null 2>&1
ok "migrate --local: nothing copied (${sent} MiB of state), the counter goes on at $first"

# --- a ballooned domain: its holes are not sent, its target is kept ---------------

mkcfg bl 'memory = 48' 'maxmem = 128' 'extra = "workload=counter workload=balloon:touch=32"'
xl_ok create -q "$T/bl.cfg"
wait_dom_line bl "$(conlog bl)" '^minios: balloon actual 20480 pages \(target 20480\)' 30 ||
	fail "bl did not inflate its balloon to 48 MiB"
xl_ok migrate --debug --downtime-ms "$(scaled 2000)" -s "" bl "$RECV_B"
sent=$(sed -n 's/.*; \([0-9.]*\) MiB sent in .*/\1/p' "$T/err")
awk -v s="$sent" 'BEGIN { exit !(s != "" && s < 48) }' ||
	{ cat "$T/err" >&2; fail "bl (128 MiB of RAM, 80 of them ballooned) sent ${sent:-?} MiB"; }
[ "$(field_b bl 3)" = 48 ] || fail "bl shows $(field_b bl 3) MiB at the destination, not its target 48"
xlb mem-set bl 96m >/dev/null 2>&1 || fail "mem-set at the destination failed"
wait_line "$(conlog_b bl)" '^minios: balloon actual 8192 pages \(target 8192\)' 30 ||
	fail "bl's balloon does not follow mem-set at the destination"
xlb destroy bl >/dev/null 2>&1
ok "a ballooned domain migrates: ${sent} MiB sent of 128, the target kept, the balloon follows mem-set there"

# --- a domain with a disk: the lock goes to the destination at the hand-over -------

truncate -s 16M "$T/g.img"
# refused_h WHAT: xl create h (g's image) is refused here, g holding the
# image at B; else why: g ended at B, or who holds which lock on the image
refused_h() {
	xl create -q "$T/h.cfg"
	[ "$rc" = 1 ] && grep -q "in use" "$T/err" && return 0
	cat "$T/out" "$T/err" >&2
	running_b g || { why_not_running_b g; fail "$1: g ended at B (above), so its image was free"; }
	echo "--- the locks on g.img (/proc/locks):" >&2
	grep ":$(stat -c %i "$T/g.img") " /proc/locks >&2
	fail "$1: xl create h exited with $rc"
}
mkcfg g 'memory = 64' 'extra = "workload=counter workload=blk-cycle:vda:3:0:256"' \
	"disk = [ \"$T/g.img,raw,xvda,rw\" ]"
mkcfg h 'memory = 32' 'extra = "workload=counter"' "disk = [ \"$T/g.img,raw,xvda,rw\" ]"
xl_ok create -q "$T/g.cfg"
wait_dom_line g "$(conlog g)" 'minios: blk vda cycle 3 ok' 30 || fail "g's disk cycle does not run"
xl_ok migrate --debug --downtime-ms "$(scaled 2000)" -s "" g "$RECV_B"
grep -q "the memory digest matches" "$B_LOGDIR/vmm-g.log" ||
	{ tail "$B_LOGDIR/vmm-g.log" >&2; fail "--debug: the destination did not check the memory digest"; }
wait_for 10 gone g || fail "g is still at the source"
running_b g || fail "g (with a disk) is not running at the destination"
wait_line "$(conlog_b g)" 'minios: blk vda cycle [0-9]* ok' 20 ||
	{ tail "$(conlog_b g)" >&2; fail "g's disk cycle does not go on at the destination"; }
grep -q 'blk vda.*FAILED' "$(conlog g)" "$(conlog_b g)" && fail "g's disk data is wrong after the migration"
# the destination holds the image now: a domain here cannot have it
refused_h "the destination does not hold g's disk lock"
ok "a domain with a disk migrates; its writes go on and verify; the lock moved with it"
# back, with the receiver killed at go: B asks A, which has nothing, and
# resumes its copy, taking the lock back
rc=0
timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate \
	--downtime-ms "$(scaled 2000)" -s "" g "$PROXY --kill-at-go '$RECV_A'" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || { xl_said; fail "no report after go, from B: exit status $rc, not 1"; }
grep -q "does not have the domain.*resumes here" "$T/err" ||
	{ cat "$T/err" >&2; fail "no report after go: B did not ask A and resume"; }
running_b g || fail "g is '$(field_b g 5)' at B after A said it has nothing, not running"
wait_for 20 gone g || fail "A kept the g its dead receiver had"
_n=$(wc -l <"$(conlog_b g)")
wait_for 20 sh -c "tail -n +$((_n + 1)) '$(conlog_b g)' | grep -q 'minios: blk vda cycle [0-9]* ok'" ||
	fail "g's disk does not work after the resume at B"
refused_h "resumed at B, g did not take its disk lock back"
xlb destroy g >/dev/null 2>&1
ok "no report after go: the source asks, the destination has nothing, it resumes with its disk lock"

# --- a domain with a vif: a new tap on the destination's bridge ------------------

if [ "$HV_XL_NET_NS" = 1 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null 2>&1; then
	PING=ping
	command -v ping >/dev/null 2>&1 || PING="busybox ping"
	ip link set lo up
	mkcfg n 'memory = 32' 'extra = "net-ip=192.0.2.10/24 workload=counter workload=net-responder"' \
		'vif = [ "mac=00:16:3e:00:00:0a" ]'
	xl_ok create -q "$T/n.cfg"
	ida=$(field n 2)
	ip addr add 192.0.2.1/24 dev xenbr0
	ip link set xenbr0 up
	wait_for 30 $PING -c 1 -W 1 192.0.2.10 >/dev/null 2>&1 || fail "n does not answer pings before the migration"
	xl_ok migrate --debug --downtime-ms "$(scaled 2000)" -s "" n "$RECV_B"
	wait_for 10 gone n || fail "n is still at the source"
	idb=$(field_b n 2)
	[ -d "/sys/class/net/vif$idb.0" ] || { ip link >&2; fail "no tap vif$idb.0 for n at the destination"; }
	[ "$(basename "$(readlink "/sys/class/net/vif$idb.0/master")")" = xenbr0 ] ||
		fail "n's new tap is not on xenbr0"
	[ "$ida" = "$idb" ] || wait_for 10 sh -c "! ip link show vif$ida.0 >/dev/null 2>&1" ||
		fail "the source's tap vif$ida.0 is still there"
	wait_for 30 $PING -c 1 -W 1 192.0.2.10 >/dev/null 2>&1 || fail "n does not answer pings after the migration"
	xlb destroy n >/dev/null 2>&1
	ok "a domain with a vif migrates: a new tap on the destination's bridge, it answers there"
else
	echo "SKIP: the vif case (no network namespace, /dev/net/tun or ip)"
fi

# --- the usage totals go along ------------------------------------------------------

# m1 went A -> B -> A and was destroyed: A ended its first copy as
# "migrated", and its last record carries what it used before
first_cpu=$(rec "$HV_LOGDIR" m1 migrated)
b_cpu=$(rec "$B_LOGDIR" m1 migrated)
last_cpu=$(rec "$HV_LOGDIR" m1 destroy)
[ -n "$first_cpu" ] && [ -n "$b_cpu" ] && [ -n "$last_cpu" ] ||
	{ cat "$HV_LOGDIR/usage.jsonl" "$B_LOGDIR/usage.jsonl" >&2; fail "no usage records 'migrated' and 'destroy' for m1"; }
# each copy's total holds the one before it whole, pre-copy rounds and all:
# all it leaves out is the previous copy's teardown after GO, and each copy
# ran for seconds of its own
[ "$b_cpu" -ge "$first_cpu" ] && [ "$last_cpu" -ge "$b_cpu" ] ||
	fail "m1's CPU time was not carried whole: $first_cpu ns at A first, $b_cpu at B, $last_cpu at the end"
ok "usage: the source's record says migrated, the totals go along ($first_cpu, $b_cpu, $last_cpu ns of CPU)"

# --- failures before the hand-over ------------------------------------------------

mkcfg f 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
xl_ok create -q "$T/f.cfg"
wait_dom_line f "$(conlog f)" 'minios: counter 3' 30 || fail "f did not boot"

xl_rc 1 migrate -s "" f "true"
grep -q "went away\|did not take" "$T/err" || { cat "$T/err" >&2; fail "a receiver that is not hv: no clear message"; }
runs_on f "a receiver that ends at once"

# B has a domain named f: refused in preflight
mkcfg f 'memory = 32' 'extra = "workload=counter"'
xlb create -q "$T/f.cfg" >/dev/null 2>&1 || fail "cannot create f at B"
xl_rc 1 migrate -s "" f "$RECV_B"
grep -q 'a domain named "f" exists at the destination' "$T/err" ||
	{ cat "$T/err" >&2; fail "preflight: no clear message for a name in use"; }
running f || fail "preflight refusal: f is not running at the source"
advancing "$(conlog f)" || fail "preflight refusal: f's counter stopped"
xlb destroy f >/dev/null 2>&1
wait_for 10 gone_b f || fail "f did not go from B"
ok "preflight: a name the destination has is refused before any memory"

# proxied FAULT: the faulty receiver did its part
proxied() { grep -q "mig-proxy: $1" "$T/err" || { cat "$T/err" >&2; fail "the faulty receiver did not act ($1)"; }; }

# faulty FAULT DID WORDS WHAT [OPTION...]: xl migrate [OPTION...] f through
# the faulty receiver (mig-proxy.py FAULT), which says it DID; the messages
# say WORDS (grep; "" for none); f runs on at the source, B has nothing
faulty() {
	_fault=$1 _did=$2 _words=$3 _what=$4
	shift 4
	xl_rc 1 migrate "$@" -s "" f "$PROXY $_fault '$RECV_B'"
	proxied "$_did"
	[ -z "$_words" ] || grep -q "$_words" "$T/err" ||
		{ cat "$T/err" >&2; fail "$_what: the messages do not say /$_words/"; }
	runs_on f "$_what"
}

faulty "--cut 3000000" "cut the stream" "" "the stream cut after 3 MB"
faulty "--flip 2000000" "flipped the byte" "CRC\|corrupt\|could not load" "a byte of the stream flipped"
# a source host of another kind: its CPU has a feature this one lacks
faulty --cpu-feature "gave the stream's CPU a feature" "CPUID leaf 0x1.0 differs from this host" \
	"a CPU policy the destination cannot give"
# the last pages and the state are there, READY is not
faulty --kill-after-end "killed the receiver after the stream's END" "" \
	"the receiver killed after the last pages, before READY"
# a destination slow to be ready: the downtime ceiling is enforced
faulty "--delay-ready 6000" "held the receiver's answer" "ceiling of 1500 ms: the migration is abandoned" \
	"the destination not ready within the downtime ceiling" --ceiling-ms 1500
faulty "--kill 4000000" "killed the receiver" "" "the receiver killed mid-stream"

# the sender killed mid-stream: hvd cancels the migration of a client that went away
"$XL" migrate --bandwidth 2 -s "" f "$RECV_B" >"$T/out" 2>"$T/err" &
sender=$!
wait_for 30 sh -c "HV_RUNDIR='$B_RUNDIR' HV_LOGDIR='$B_LOGDIR' '$XL' list 2>/dev/null | grep -q '^f '" ||
	{ kill -9 "$sender" 2>/dev/null; fail "the migration to be cut did not begin"; }
kill -9 "$sender"
wait "$sender" 2>/dev/null
runs_on f "the sender killed mid-stream"

# a guest that writes faster than the link: no convergence, the timeout
mkcfg w 'memory = 64' 'extra = "workload=counter workload=dirty:32:64"'
xl_ok create -q "$T/w.cfg"
wait_dom_line w "$(conlog w)" 'minios: dirty 32 MiB' 30 || fail "w did not boot"
xl_rc 1 migrate --downtime-ms 5 --bandwidth 16 --timeout 8 -s "" w "$RECV_B"
grep -q "did not converge\|cannot get under" "$T/err" ||
	{ cat "$T/err" >&2; fail "no convergence: no clear message"; }
runs_on w "dirtying faster than the bandwidth cap"

# with auto-converge the same guest gets there: its vCPUs stand part of the time
xl_ok migrate --auto-converge --downtime-ms "$(scaled 1000)" --bandwidth 16 --timeout "$(scaled 120)" \
	-s "" w "$RECV_B"
wait_for 10 gone w || fail "auto-converge: w is still at the source"
running_b w || fail "auto-converge: w is not running at the destination"
before=$(last_counter "$(conlog w)")
wait_for 20 past "$(conlog_b w)" $((before + 1)) || fail "auto-converge: w does not count at the destination"
ok "auto-converge: a guest that outruns the link migrates"
xlb destroy w >/dev/null 2>&1

# -p: paused at the destination
running f || { tail -n 12 "$(conlog f)" >&2; why_not_running f; fail "f is '$(field f 5)' at the source before -p, not running"; }
xl_ok migrate -p --downtime-ms "$(scaled 2000)" -s "" f "$RECV_B"
wait_for 10 gone f || fail "-p: f is still at the source"
[ "$(field_b f 5)" = --p--- ] || fail "-p: f is '$(field_b f 5)' at the destination, not paused"
xlb unpause f >/dev/null 2>&1 || fail "-p: cannot unpause f at the destination"
before=$(last_counter "$(conlog f)")
wait_for 20 past "$(conlog_b f)" $((before + 1)) || fail "-p: f does not count once unpaused"
ok "migrate -p: the domain arrives paused and runs once unpaused"
# and back, for what follows
rc=0
timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate -q \
	--downtime-ms "$(scaled 2000)" -s "" f "$RECV_A" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || { xl_said; fail "migrate f back: exit status $rc"; }

# --- over TCP, and over TLS with certificates -----------------------------------

if [ "$HV_XL_NET_NS" = 1 ] && command -v certtool >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
	ip link set lo up
	ip addr add 192.0.2.100/32 dev lo
	# a CA, the receiver's and the sender's certificates from it, and a
	# sender's certificate from another CA
	certs() {
		printf 'cn = %s\nca\ncert_signing_key\nexpiration_days = 2\n' "$1" >"$T/$2-ca.tmpl"
		certtool --generate-privkey --key-type ecdsa --outfile "$T/$2-ca.key" 2>/dev/null &&
		certtool --generate-self-signed --load-privkey "$T/$2-ca.key" \
			--template "$T/$2-ca.tmpl" --outfile "$T/$2-ca.pem" 2>/dev/null || return 1
		for who in $3; do
			printf 'cn = %s\ntls_www_server\ntls_www_client\nexpiration_days = 2\n' "$who" >"$T/$who.tmpl"
			certtool --generate-privkey --key-type ecdsa --outfile "$T/$who.key" 2>/dev/null &&
			certtool --generate-certificate --load-privkey "$T/$who.key" \
				--load-ca-certificate "$T/$2-ca.pem" --load-ca-privkey "$T/$2-ca.key" \
				--template "$T/$who.tmpl" --outfile "$T/$who.pem" 2>/dev/null || return 1
		done
	}
	certs "hv test CA" good "recv send" && certs "another CA" rogue "intruder" ||
		fail "certtool could not make the test certificates"
	tls() { echo "--tls-cert $T/$1.pem --tls-key $T/$1.key --tls-ca $T/$2-ca.pem"; }
	# listen_b PORT ARGS: a receiver for B on 192.0.2.100:PORT, in the background
	listen_b() {
		_port=$1
		shift
		rm -f "$T/recv.err"
		# shellcheck disable=SC2086
		env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate-receive \
			--listen "192.0.2.100:$_port" "$@" 2>"$T/recv.err" &
		recv_pid=$!
		wait_for 20 grep -q "waiting for the sender" "$T/recv.err" ||
			{ cat "$T/recv.err" >&2; fail "the receiver does not listen on port $_port"; }
	}
	# shellcheck disable=SC2046
	listen_b 7001 $(tls recv good)
	# shellcheck disable=SC2046
	xl_ok migrate --downtime-ms "$(scaled 2000)" $(tls send good) f tcp://192.0.2.100:7001
	wait "$recv_pid" || { cat "$T/recv.err" >&2; fail "the TLS receiver failed"; }
	wait_for 10 gone f || fail "TLS: f is still at the source"
	running_b f || fail "TLS: f is not running at the destination"
	ok "migrate over TLS (tcp://, both sides' certificates from one CA)"

	# back over plain TCP
	rm -f "$T/recv.err"
	env HV_RUNDIR="$HV_RUNDIR" HV_LOGDIR="$HV_LOGDIR" "$XL" migrate-receive \
		--listen 192.0.2.100:7002 2>"$T/recv.err" &
	recv_pid=$!
	wait_for 20 grep -q "waiting for the sender" "$T/recv.err" || fail "the TCP receiver does not listen"
	rc=0
	timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate -q \
		--downtime-ms "$(scaled 2000)" f tcp://192.0.2.100:7002 >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 0 ] || { xl_said; cat "$T/recv.err" >&2; fail "migrate f back over TCP: exit status $rc"; }
	wait "$recv_pid" || { cat "$T/recv.err" >&2; fail "the TCP receiver failed"; }
	running f || fail "TCP: f is not running back at A"
	ok "migrate over plain TCP (tcp://, migrate-receive --listen)"

	# a sender whose certificate another CA signed: refused, f runs on
	# shellcheck disable=SC2046
	listen_b 7003 $(tls recv good)
	# shellcheck disable=SC2046
	xl_rc 1 migrate --downtime-ms "$(scaled 2000)" $(tls intruder rogue) f tcp://192.0.2.100:7003
	wait "$recv_pid" && fail "the TLS receiver took a sender with a certificate of another CA"
	grep -q "TLS" "$T/recv.err" || { cat "$T/recv.err" >&2; fail "the TLS receiver did not say why it refused"; }
	runs_on f "TLS with a certificate of another CA"
else
	echo "SKIP: the TCP and TLS cases (no network namespace, certtool or ip)"
fi

# --- after GO: no report, the source's copy stays paused ----------------------

xl_rc 1 migrate --downtime-ms "$(scaled 2000)" -s "" f "$PROXY --kill-at-go '$RECV_B'"
proxied "killed the receiver at GO"
grep -q "told to go but did not report" "$T/err" && grep -q "does not have the domain.*resumes here" "$T/err" ||
	{ cat "$T/err" >&2; fail "no report after GO: the source did not ask the destination and resume"; }
# the receiver died before go: hvd destroys what it had received
wait_for 20 no_domains_b || { xlb list >&2; fail "the receiver died before go, but its hvd kept the domain"; }
running f || fail "no report after GO: f is '$(field f 5)' at the source, not running"
advancing "$(conlog f)" || fail "no report after GO: f's counter stopped at the source"
ok "receiver killed at GO: the source asks by the migration's id, the destination has nothing, it resumes"

# the report lost after go: the source asks, the domain runs there, this copy goes
xl_rc 0 migrate --downtime-ms "$(scaled 2000)" -s "" f "$PROXY --drop-report '$RECV_B'"
proxied "dropped the receiver's report"
grep -q "runs there.*its copy here is destroyed" "$T/err" ||
	{ cat "$T/err" >&2; fail "a lost report: the source did not ask and destroy its copy"; }
wait_for 10 gone f || fail "a lost report: f is still at the source"
running_b f || fail "a lost report: f is not running at the destination"
ok "report lost after GO: the source asks, the domain runs at the destination, exactly one copy"
xlb destroy f >/dev/null 2>&1
b_cleanup
trap - EXIT
