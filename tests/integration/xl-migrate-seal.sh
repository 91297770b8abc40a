#!/bin/sh
# Sealed live migration (docs/migration.md, *Sealed migration*) between two
# hvds on this host (two HV_RUNDIRs), minios with the counter and
# dirty-page workloads: xl migrate -k and xl migrate-receive -k with the
# same key move the domain (the counter goes on where it stopped, the dirty
# pages verify) and back, compressed; then each of these is refused with a
# clear message on both sides, leaving the domain running at the source and
# nothing at the destination: a receiver without a key, a sender without
# one, another key, a byte of the stream flipped, a byte of a record
# changed with its CRC made good (only the MAC can tell), the stream cut,
# a GO forged on the link, a whole sealed migration recorded and played
# again; and -k with --local is refused before anything starts.  Before
# that, a domain at each hvd, both domain 1, has a memory cgroup of its own.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
. "$HV_TESTS_SRC/integration/mig-lib.sh"

# refused WORDS WHAT ARGS...: xl migrate ARGS fails saying WORDS (grep -E),
# s runs on at the source and B has nothing
refused() {
	_words=$1 _what=$2
	shift 2
	xl_rc 1 migrate "$@"
	grep -Eq "$_words" "$T/err" || { cat "$T/err" >&2; fail "$_what: the messages do not say /$_words/"; }
	grep -q "runs on here" "$T/err" || { cat "$T/err" >&2; fail "$_what: the source does not say the domain runs on"; }
	running s || { xl_said; fail "$_what: s is '$(field s 5)' at the source, not running"; }
	advancing "$(conlog s)" || fail "$_what: s's counter stopped at the source"
	wait_for 20 no_domains_b || { xlb list >&2; fail "$_what: the destination kept a domain"; }
	grep -q "dirty verify FAILED" "$(conlog s)" && fail "$_what: s's memory changed"
	ok "$_what: refused, s runs on at the source, nothing at the destination ($(grep -E -m1 "$_words" "$T/err" | cut -c1-160))"
}

head -c 32 /dev/urandom >"$T/key"
head -c 48 /dev/urandom >"$T/other.key"
chmod 600 "$T/key" "$T/other.key"

mkcfg s 'memory = 64' 'extra = "workload=counter workload=dirty:8:4"'
xl_ok create -q "$T/s.cfg"
wait_dom_line s "$(conlog s)" 'minios: dirty 8 MiB' 30 || fail "s did not boot"
wait_line "$(conlog s)" 'minios: counter 3' 30 || fail "s does not count"

# two hvds on one host number their domains from 1 each: a domain's memory
# cgroup is its own hvd's (a shared dom<domid> group put two domains under
# one domain's limit, and one hvd removed the other's groups)
mkcfg c 'memory = 32' 'extra = "workload=counter"'
xlb create -q "$T/c.cfg" >"$T/c.out" 2>&1 || { cat "$T/c.out" >&2; fail "c does not start at B"; }
cpid=$(xlb list -l c | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["info"]["vmm_pid"])')
cid=$(xlb list | awk '$1 == "c" { print $2 }')
memcg() { grep -m1 ':memory:' "/proc/$1/cgroup" || grep -m1 '^0::' "/proc/$1/cgroup"; }
if [ "$cid" = "$(field s 2)" ] && [ -n "$(memcg "$(vmm_pid s)")" ]; then
	[ "$(memcg "$(vmm_pid s)")" != "$(memcg "$cpid")" ] ||
		fail "s at A and c at B, both domain $cid, share the memory cgroup $(memcg "$cpid")"
	ok "two hvds' domain $cid: a memory cgroup each ($(memcg "$cpid" | sed 's/.*\///'))"
else
	echo "note: s and c are not the same domid ($(field s 2), $cid), or no cgroup: not compared"
fi
xlb destroy c >/dev/null 2>&1 || fail "c cannot be destroyed at B"
wait_for 20 no_domains_b || fail "c is still at B"

# --- a sealed migration, and back ---------------------------------------------------

xl_ok migrate -k "$T/key" --debug --downtime-ms "$(scaled 2000)" -s "" s "$RECV_B -k $T/key"
grep -q "^Migrating domain [0-9]* (s) to .*\.\.\. done in " "$T/err" ||
	{ cat "$T/err" >&2; fail "migrate -k: no summary"; }
wait_for 10 gone s || fail "s is still at the source after the sealed migration"
running_b s || { xlb list >&2; fail "s is not running at the destination"; }
grep -q "every MAC" "$B_LOGDIR/vmm-s.log" ||
	{ tail "$B_LOGDIR/vmm-s.log" >&2; fail "migrate -k: the destination's hv-vmm did not check the MACs"; }
before=$(last_counter "$(conlog s)")
wait_for 20 past "$(conlog_b s)" $((before + 2)) ||
	{ tail "$(conlog_b s)" >&2; fail "s does not count at the destination"; }
first=$(seam_counter "$(conlog s)" "$(conlog_b s)")
[ "$first" = $((before + 1)) ] || fail "s went on at $first at the destination, after $before at the source"
wait_line "$(conlog_b s)" 'minios: dirty verify ok pages=[1-9]' 20 ||
	{ tail "$(conlog_b s)" >&2; fail "s's dirty pages did not verify at the destination"; }
ok "migrate -k: sealed, every MAC checked, the counter goes on at $first, the dirty pages verify"

# back, sealed and compressed
lines=$(wc -l <"$(conlog_b s)")
rc=0
timeout -k 5 "$(scaled 60)" env HV_RUNDIR="$B_RUNDIR" HV_LOGDIR="$B_LOGDIR" "$XL" migrate -q -z \
	-k "$T/key" --downtime-ms "$(scaled 2000)" -s "" s "$RECV_A -k $T/key" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || { xl_said; fail "migrate -k -z back: exit status $rc"; }
wait_for 10 gone_b s || fail "s is still at B after the migration back"
running s || fail "s is not running at A after the migration back"
before=$(head -n "$lines" "$(conlog_b s)" | tr -d '\r' | sed -n 's/^minios: counter \([0-9]*\)$/\1/p' | tail -n 1)
wait_for 20 past "$(conlog s)" $((before + 2)) || fail "s does not count back at A"
ok "migrate -k -z back: sealed and compressed"

# --- refusals ------------------------------------------------------------------------

xl_rc 2 migrate -k "$T/key" --local -s "" s "$RECV_B -k $T/key"
grep -q "exclude each other" "$T/err" || { cat "$T/err" >&2; fail "-k --local: no clear message"; }
ok "migrate -k --local is refused before anything starts"

refused "destination has no key.*-k|no key: run migrate-receive -k" "a sealed migration to a receiver without a key" \
	-k "$T/key" -s "" s "$RECV_B"
refused "only sealed migrations.*-k" "an unsealed migration to a receiver with a key" \
	-s "" s "$RECV_B -k $T/key"
refused "another key" "a sealed migration to a receiver with another key" \
	-k "$T/key" -s "" s "$RECV_B -k $T/other.key"
refused "CRC|MAC|could not load" "a sealed stream with a byte flipped" \
	-k "$T/key" -s "" s "$PROXY --flip 2000000 '$RECV_B -k $T/key'"
grep -q "mig-proxy: flipped" "$T/err" || fail "the faulty receiver did not flip a byte"
refused "MAC" "a sealed stream with a byte of a record changed, its CRC made good" \
	-k "$T/key" -s "" s "$PROXY --flip-crc 2000000 '$RECV_B -k $T/key'"
grep -q "mig-proxy: flipped.*CRC.*made good" "$T/err" || fail "the faulty receiver did not alter a record"
grep -q "record CRC" "$T/err" &&
	{ cat "$T/err" >&2; fail "a record changed with its CRC made good: refused for its CRC, not its MAC"; }
# (which side says so first depends on timing: the destination that lost
# the stream's end, or the source whose writes found the link gone)
refused "truncated|END|could not load|went away|did not|failed while sending" "a sealed stream cut after 3 MB" \
	-k "$T/key" -s "" s "$PROXY --cut 3000000 '$RECV_B -k $T/key'"

# --- the protocol's messages are sealed too -------------------------------------------

# GO forged on the link: the destination refuses it and destroys its copy;
# the source, without a report, asks it (over the same command) and resumes
xl_rc 1 migrate -k "$T/key" -s "" s "$PROXY --forge-go '$RECV_B -k $T/key'"
grep -q "mig-proxy: forged GO" "$T/err" || { cat "$T/err" >&2; fail "the faulty receiver did not forge GO"; }
grep -q "not sealed with the migration's key" "$T/err" ||
	{ cat "$T/err" >&2; fail "a forged GO: the destination does not say it is not sealed"; }
running s || { xl_said; fail "a forged GO: s is '$(field s 5)' at the source, not running"; }
advancing "$(conlog s)" || fail "a forged GO: s's counter stopped at the source"
wait_for 20 no_domains_b || { xlb list >&2; fail "a forged GO: the destination kept a domain"; }
ok "a forged GO: refused at the destination, which keeps nothing; s resumes at the source"

# a whole sealed migration recorded on the way, then played again to B: the
# challenge is new, so the recording's PING is not this migration's
xl_ok migrate -k "$T/key" -s "" s "$PROXY --record $T/rec '$RECV_B -k $T/key'"
wait_for 10 gone s || fail "s is still at the source after the recorded migration"
running_b s || fail "s is not running at B after the recorded migration"
xlb destroy s >/dev/null 2>&1
wait_for 10 gone_b s || fail "s did not go from B"
rc=0
$PROXY --replay "$T/rec" "$RECV_B -k $T/key" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" != 0 ] || { cat "$T/err" >&2; fail "a recorded migration played again was taken"; }
grep -q "no PING from the sender: a message that is not sealed with the migration's key" "$T/err" ||
	{ cat "$T/err" >&2; fail "a recorded migration played again: no clear message"; }
wait_for 20 no_domains_b || { xlb list >&2; fail "a recorded migration played again left a domain at B"; }
ok "a sealed migration recorded and played again: refused at its PING, nothing at B"
