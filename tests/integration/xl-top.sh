#!/bin/sh
# xl top without a domain (hvd starts and answers without KVM, so this runs
# everywhere): xentop's header and the host's Domain-0 row in batch mode,
# one JSON object per iteration with --json, the options' checks, a
# redrawn table on a terminal that ends after -i, and STATS through the
# Python binding when it is built.  tests/integration/meter-kvm.sh checks
# the numbers of running domains.
. "$HV_TESTS_SRC/lib.sh"
need_cmd python3
. "$HV_TESTS_SRC/integration/xl-hvd-lib.sh"

HEADER='      NAME STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT'
cpus=$(getconf _NPROCESSORS_ONLN)

# --- batch mode -----------------------------------------------------------------
x 0 top -b -i 2 -d 0.2
[ "$(grep -cxF -- "$HEADER" "$T/out")" = 2 ] ||
	{ cat "$T/out" >&2; fail "xl top -b -i 2: not two tables with xentop's header"; }
[ "$(grep -cE '^ +Domain-0 r----- +[0-9]+ +[0-9]+\.[0-9] +[0-9]+ +[0-9.]+ +[0-9]+ +100\.0 +'"$cpus"' +0 +0 +0 +0 +- +- +- +-$' "$T/out")" = 2 ] ||
	{ cat "$T/out" >&2; fail "xl top -b -i 2: not a Domain-0 row ($cpus VCPUS) in each table"; }
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "xl top -b: wrote to stderr"; }
ok "xl top -b -i 2 -d 0.2: xentop's header and a Domain-0 row per iteration"

x 0 --help
says "$T/out" " top "
x 0 top --batch --iterations 1 --delay 0.1 -s cpu%
[ "$(grep -c Domain-0 "$T/out")" = 1 ] || fail "xl top --batch --iterations 1: not one table"
x 0 top -b -i 1 -s NAME
x 0 top -b -i 1 -s MAXMEM
ok "xl top: long options, -s by column name (any case, unit optional)"

# --- JSON -----------------------------------------------------------------------
x 0 top --json -i 2 -d 0.2
[ "$(wc -l <"$T/out")" = 2 ] || { cat "$T/out" >&2; fail "xl top --json -i 2: not two lines"; }
python3 -c '
import json, sys
cpus = int(sys.argv[1])
for n, line in enumerate(open(sys.argv[2])):
    o = json.loads(line)
    assert o["domains"] == [], o
    h = o["host"]
    assert h["vcpus"] == cpus, h
    assert h["cpu_s"] > 0 and h["mem_kib"] > 0 and h["maxmem_kib"] >= h["mem_kib"], h
    assert n == 0 or h["cpu_pct"] >= 0, h
    assert o["time_ns"] > 1.5e18, o
' "$cpus" "$T/out" || { cat "$T/out" >&2; fail "xl top --json: not one JSON object per line"; }
ok "xl top --json -i 2: one JSON object per iteration (host, no domains)"

# --- refusals -------------------------------------------------------------------
x 2 top -s bogus
says "$T/err" 'xl: top: -s: no column "bogus"'
x 2 top -d 0
says "$T/err" "-d: \"0\" is not a delay in seconds"
x 2 top -d 1x
x 2 top -i 0
says "$T/err" "-i: \"0\" is not a number of iterations"
x 2 top -b guest
says "$T/err" 'unexpected argument "guest"'
x 2 list --json
ok "xl top: a bad column, delay, iteration count or argument is refused with why (status 2)"

# --- a terminal -----------------------------------------------------------------
if command -v script >/dev/null 2>&1; then
	rc=0
	timeout -k 5 60 script -qec "$XL top -i 2 -d 0.1" /dev/null >"$T/tty" </dev/null || rc=$?
	[ "$rc" = 0 ] || { cat "$T/tty" >&2; fail "xl top -i 2 on a terminal: exit status $rc"; }
	grep -q "$(printf '\033\\[H')" "$T/tty" || fail "xl top on a terminal: no redraw (ESC [H)"
	grep -q "xl top - " "$T/tty" || fail "xl top on a terminal: no summary line"
	ok "xl top on a terminal redraws in place and ends after -i"
fi

# --- the binding ----------------------------------------------------------------
# (not in a sanitizer build: an ASan-built module needs libasan preloaded
# into python, which bindings/python/tests/run.py arranges for the
# binding's own tests, stats() among them)
pkg=$top_builddir/bindings/python/pkg
if [ -d "$pkg/hv" ] && [ "${HV_SANITIZERS:-no}" != yes ]; then
	PYTHONPATH=$pkg ${HV_PYTHON:-python3} -c '
import hv
with hv.Context() as ctx:
    assert ctx.stats() == [], ctx.stats()
    try:
        ctx._call(hv.raw.hv_domain_stats, 4242)
        raise SystemExit("hv_domain_stats(4242) did not fail")
    except hv.NotFound:
        pass
' || fail "Python: Context.stats() with no domain, or hv_domain_stats() of none"
	ok "Python: Context.stats() is [] with no domain; a domain that is not there: NotFound"
fi
[ ! -e "$T/log/usage.jsonl" ] || fail "usage.jsonl written with no domain ended"
exit 0
