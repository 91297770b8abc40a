#!/bin/sh
# xl dump-core with minios: a running domain is dumped and runs on (its
# counter goes on), a paused one stays paused; the file is an ELF core
# (ET_CORE, PT_LOADs covering the domain's memory, one NT_PRSTATUS per
# vCPU) holding the kernel's own bytes at its load address; gdb reads it
# when installed.  A file xl cannot write and a domain that does not exist
# fail with exit status 1 and leave the domain as it was.  xl list shows a
# busy minios as r----- and a paused one as --p---.  (That an idle one
# shows -b---- is not waited for: one level down under TCG its vCPU
# threads were seldom all asleep when looked at.)
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"
need_cmd readelf binutils

conlog() { echo "$HV_LOGDIR/console/$1.log"; }

# the counter numbers in FILE's complete lines
last_counter() {
	{ cat "$1" 2>/dev/null; echo; } | sed '$d' | tr -d '\r' |
		sed -n 's/^minios: counter \([0-9][0-9]*\)$/\1/p' | tail -n 1
}

# loads FILE: its PT_LOADs, one a line: offset, physical address, size
loads() { readelf -l -W "$1" | awk '$1 == "LOAD" { print $2, $4, $6 }'; }

# load_sum CORE: the bytes its PT_LOADs hold
load_sum() {
	_sum=0
	while read -r _off _pa _sz; do _sum=$((_sum + _sz)); done <<EOF
$(loads "$1")
EOF
	echo "$_sum"
}

# core_offset CORE ADDR: where the guest-physical ADDR lies in CORE
core_offset() {
	while read -r _off _pa _sz; do
		if [ $((_pa)) -le $(($2)) ] && [ $(($2)) -lt $((_pa + _sz)) ]; then
			echo $((_off + $2 - _pa))
			return 0
		fi
	done <<EOF
$(loads "$1")
EOF
	return 1
}

# check_core CORE VCPUS MIB: the core's header, its loads and notes, and
# the kernel's bytes at its load address
check_core() {
	readelf -h "$1" >"$T/h" 2>&1 || { cat "$T/h" >&2; fail "$1: readelf -h refuses it"; }
	grep -q 'Type: *CORE' "$T/h" || { cat "$T/h" >&2; fail "$1: not ET_CORE"; }
	grep -q 'Machine: *Advanced Micro Devices X86-64' "$T/h" ||
		{ cat "$T/h" >&2; fail "$1: not x86-64"; }
	[ "$(load_sum "$1")" = $(($3 * 1048576)) ] ||
		{ readelf -l -W "$1" >&2; fail "$1: its PT_LOADs do not hold $3 MiB"; }
	readelf -l -W "$1" | grep -q '^ *NOTE' || fail "$1: no PT_NOTE"
	_n=$(readelf -n "$1" | grep -c 'NT_PRSTATUS')
	[ "$_n" = "$2" ] || { readelf -n "$1" >&2; fail "$1: $_n NT_PRSTATUS notes for $2 vCPUs"; }
	# minios's one segment lies in guest memory at its physical address:
	# its second page (code, which nothing rewrites) must be there
	read -r _koff _kpa _ksz <<EOF
$(loads "$MINIOS")
EOF
	_at=$(core_offset "$1" $((_kpa + 4096))) ||
		{ readelf -l -W "$1" >&2; fail "$1: no PT_LOAD holds $_kpa"; }
	dd if="$MINIOS" of="$T/want" bs=4096 skip=$(((_koff + 4096) / 4096)) count=1 2>/dev/null
	dd if="$1" of="$T/got" bs=4096 skip=$((_at / 4096)) count=1 2>/dev/null
	[ "$(stat -c %s "$T/want")" = 4096 ] || fail "cannot read minios's code from $MINIOS"
	cmp -s "$T/want" "$T/got" || fail "$1: the kernel's code is not at its load address $_kpa"
}

# --- a running domain: dumped, it runs on ------------------------------------

mkcfg r 'vcpus = 2' 'extra = "workload=counter"'
xl_ok create -q "$T/r.cfg"
wait_line "$(conlog r)" 'minios: counter 3' 30 || fail "r did not boot"
xl_ok dump-core r "$T/r.core"
grep -q "^Dumping the core of domain [0-9]* (r) to $T/r.core... done (" "$T/err" ||
	{ cat "$T/err" >&2; fail "dump-core r: no summary"; }
running r || fail "after dump-core r is $(field r 5), not running"
at=$(last_counter "$(conlog r)")
wait_for 20 past "$(conlog r)" $((at + 3)) || fail "r's counter did not go on after the dump (at $at)"
[ "$(stat -c %a "$T/r.core")" = 600 ] || fail "the core is mode $(stat -c %a "$T/r.core"), not 600"
check_core "$T/r.core" 2 64

if command -v gdb >/dev/null 2>&1; then
	# gdb takes it as a core of two threads, with registers
	timeout 60 gdb -batch -nx -c "$T/r.core" -ex 'info threads' -ex 'info registers rip' \
		>"$T/gdb" 2>&1 || true
	grep -q 'rip' "$T/gdb" || { cat "$T/gdb" >&2; fail "gdb reads no rip from the core"; }
	[ "$(grep -cE '^\*? +[12] +(LWP|process|Thread)' "$T/gdb")" = 2 ] ||
		{ cat "$T/gdb" >&2; fail "gdb does not see two threads (vCPUs) in the core"; }
fi

# an existing file is overwritten, to the core's size
head -c $((100 * 1048576)) /dev/zero >"$T/big.core"
xl_ok dump-core r "$T/big.core"
[ "$(stat -c %s "$T/big.core")" = "$(stat -c %s "$T/r.core")" ] ||
	fail "an overwritten file is $(stat -c %s "$T/big.core") bytes, the core $(stat -c %s "$T/r.core")"
check_core "$T/big.core" 2 64

# --- a paused domain stays paused ------------------------------------------

xl_ok pause r
at=$(last_counter "$(conlog r)")
xl_ok dump-core r "$T/p.core"
state_is r --p--- || fail "dump-core of a paused r left it $(field r 5)"
check_core "$T/p.core" 2 64
xl_ok unpause r
wait_for 20 past "$(conlog r)" $((at + 3)) || fail "r's counter did not go on after unpause"

# --- errors: exit status 1, the domain as it was ----------------------------

xl_rc 1 dump-core r "$T/no/such/dir/r.core"
grep -q "$T/no/such/dir/r.core" "$T/err" || { cat "$T/err" >&2; fail "the message does not name the file"; }
running r || fail "a refused dump-core left r $(field r 5)"
mkdir "$T/adir"
xl_rc 1 dump-core r "$T/adir"
running r || fail "a dump-core to a directory left r $(field r 5)"
xl_rc 1 dump-core nosuchdomain "$T/none.core"
grep -q nosuchdomain "$T/err" || { cat "$T/err" >&2; fail "the message does not name the domain"; }
[ ! -e "$T/none.core" ] || fail "a dump of no domain left a file"
xl_rc 2 dump-core r
xl_ok destroy r

# --- "r": a busy one; "p": a paused one --------------------------------------

mkcfg i 'vcpus = 2' 'extra = "workload=idle"'
xl_ok create -q "$T/i.cfg"
mkcfg b 'vcpus = 1' 'extra = "workload=dirty:16:100000"'
xl_ok create -q "$T/b.cfg"
wait_for 30 state_is b r----- || { "$XL" list >&2; fail "a busy minios is $(field b 5), not r-----"; }
# paused is paused, whatever the vCPUs did
xl_ok pause i
state_is i --p--- || fail "a paused idle minios is $(field i 5)"
xl_ok destroy i
xl_ok destroy b
